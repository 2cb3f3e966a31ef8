# Expects the environment template "example-env", the service template
# "example-svc" (with pipeline_provisioning = "CUSTOMER_MANAGED", so its
# bundle has no pipeline; see proton_service_template) and the bundles
# s3://example-bundles/environment/v1.tar.gz and
# s3://example-bundles/service/v1.tar.gz.
resource "proton_environment_template_version" "base" {
  template_name = "example-env"
  status        = "PUBLISHED"

  source {
    s3 {
      bucket = "example-bundles"
      key    = "environment/v1.tar.gz"
    }
  }
}

resource "proton_service_template_version" "example" {
  template_name = "example-svc"
  description   = "Web service running in the example environment"
  status        = "PUBLISHED"

  source {
    s3 {
      bucket = "example-bundles"
      key    = "service/v1.tar.gz"
    }
  }

  compatible_environment_template {
    template_name = proton_environment_template_version.base.template_name
    major_version = proton_environment_template_version.base.major_version
  }

  supported_component_sources = ["DIRECTLY_DEFINED"]

  tags = {
    team = "web"
  }
}
