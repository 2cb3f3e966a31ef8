# Reads the service template "example-svc".
data "proton_service_template" "example" {
  name = "example-svc"
}

output "service_template_pipeline_provisioning" {
  value = data.proton_service_template.example.pipeline_provisioning
}
