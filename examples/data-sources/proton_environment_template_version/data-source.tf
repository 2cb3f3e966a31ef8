# The recommended (highest published) version of "example-env".
data "proton_environment_template_version" "recommended" {
  template_name = "example-env"
}

# The recommended minor version of major version 1.
data "proton_environment_template_version" "latest_1" {
  template_name = "example-env"
  major_version = "1"
}

# Exactly version 1.0, whatever its status.
data "proton_environment_template_version" "v1_0" {
  template_name = "example-env"
  major_version = "1"
  minor_version = "0"
}

output "environment_template_version_recommended" {
  value = data.proton_environment_template_version.recommended.id
}
