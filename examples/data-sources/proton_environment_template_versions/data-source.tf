# Every version of "example-env", ordered by major then minor version.
data "proton_environment_template_versions" "all" {
  template_name = "example-env"
}

# Only the minor versions of major version 1.
data "proton_environment_template_versions" "major_1" {
  template_name = "example-env"
  major_version = "1"
}

output "environment_template_published_versions" {
  value = [
    for v in data.proton_environment_template_versions.all.versions :
    "${v.major_version}.${v.minor_version}" if v.status == "PUBLISHED"
  ]
}
