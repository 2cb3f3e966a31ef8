# Expects the environment template "example-env" (e.g. a
# proton_environment_template; then set template_name to its name attribute)
# and a bundle at s3://example-bundles/environment/v1.tar.gz.
resource "proton_environment_template_version" "example" {
  template_name = "example-env"
  description   = "Network and cluster for example services"
  status        = "PUBLISHED"

  source {
    s3 {
      bucket = "example-bundles"
      key    = "environment/v1.tar.gz"
    }
  }

  tags = {
    team = "platform"
  }
}
