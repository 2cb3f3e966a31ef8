# Every version of "example-svc", ordered by major then minor version, each
# with its status.
data "proton_service_template_versions" "all" {
  template_name = "example-svc"
}

output "service_template_version_statuses" {
  value = {
    for v in data.proton_service_template_versions.all.versions :
    "${v.major_version}.${v.minor_version}" => v.status
  }
}
