# Reads the environment template "example-env".
data "proton_environment_template" "example" {
  name = "example-env"
}

output "environment_template_recommended_version" {
  value = data.proton_environment_template.example.recommended_version
}
