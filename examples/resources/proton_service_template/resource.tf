# A service template whose pipeline is provisioned outside Proton, so its
# bundles have no pipeline. Versions name it by `template_name`.
resource "proton_service_template" "example" {
  name                  = "example-svc"
  display_name          = "Example web service"
  description           = "Web service running in the example environment"
  pipeline_provisioning = "CUSTOMER_MANAGED"

  tags = {
    team = "web"
  }
}
