# Expects the environment template "example-env" (Proton template resources
# are not in this provider yet: create it with the AWS CLI/SDK, or
# `cargo run -p xtask -- seed-templates` for the quickstart's) and a bundle
# at s3://example-bundles/environment/v1.tar.gz.
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
