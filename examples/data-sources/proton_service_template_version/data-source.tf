# The recommended (highest published) version of "example-svc".
data "proton_service_template_version" "recommended" {
  template_name = "example-svc"
}

# Exactly version 1.0, whatever its status.
data "proton_service_template_version" "v1_0" {
  template_name = "example-svc"
  major_version = "1"
  minor_version = "0"
}

output "service_template_version_compatible_environments" {
  value = data.proton_service_template_version.recommended.compatible_environment_template
}
