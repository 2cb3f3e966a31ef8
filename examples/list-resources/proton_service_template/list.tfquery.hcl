# Every service template of the provider's account and region whose name
# starts with "example-", with its attributes (`include_resource`), as
# `terraform import` would read them.
list "proton_service_template" "example" {
  provider         = proton
  include_resource = true

  config {
    name_prefix = "example-"
  }
}
