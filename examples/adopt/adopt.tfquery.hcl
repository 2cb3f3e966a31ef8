# Every template and template version of the provider's account and region,
# with their attributes, for adopting them all:
#
#   terraform query -generate-config-out=generated.tf
#   terraform apply   # imports everything, creates nothing
#   terraform plan    # no changes
#
# Each list stops after `limit` results (100 when unset), so the limit is
# raised here. Versions whose registration failed cannot be imported:
# delete them. See docs/guides/adopt-existing-templates.md.
list "proton_environment_template" "env" {
  provider         = proton
  include_resource = true
  limit            = 1000
}

list "proton_environment_template_version" "env" {
  provider         = proton
  include_resource = true
  limit            = 1000
}

list "proton_service_template" "svc" {
  provider         = proton
  include_resource = true
  limit            = 1000
}

list "proton_service_template_version" "svc" {
  provider         = proton
  include_resource = true
  limit            = 1000
}
