# Every environment template of the provider's account and region whose
# name starts with "example-". `terraform query` prints each one's identity
# and name; drop `config` to list them all.
list "proton_environment_template" "example" {
  provider = proton

  config {
    name_prefix = "example-"
  }
}
