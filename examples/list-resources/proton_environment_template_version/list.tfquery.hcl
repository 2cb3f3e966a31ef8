# The published versions of the environment template "example-env". Leave
# out `template_name` for the versions of every environment template,
# `status` for versions in any status; `major_version = "1"` would keep
# only the minor versions of major version 1.
list "proton_environment_template_version" "example" {
  provider = proton

  config {
    template_name = "example-env"
    status        = "PUBLISHED"
  }
}
