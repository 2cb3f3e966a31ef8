# The minor versions of major version 1 of the service template
# "example-svc", in any status, at most 50 of them. Each result's display
# name is TEMPLATE_NAME:MAJOR.MINOR (STATUS). With no `config` block at
# all, the versions of every service template are listed.
list "proton_service_template_version" "example" {
  provider = proton
  limit    = 50

  config {
    template_name = "example-svc"
    major_version = "1"
  }
}
