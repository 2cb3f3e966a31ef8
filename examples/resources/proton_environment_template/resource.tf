# The parent of environment template versions. Versions name it by
# `template_name`; reference the template's `name` so Terraform creates the
# template first and destroys its versions before it.
resource "proton_environment_template" "example" {
  name         = "example-env"
  display_name = "Example environment"
  description  = "Network and cluster for example services"

  tags = {
    team = "platform"
  }
}
