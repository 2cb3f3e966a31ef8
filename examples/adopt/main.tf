# The configuration `terraform query` and the later applies run with: the
# provider, here pointed at proton-local (see examples/provider). The
# generated.tf that `terraform query -generate-config-out=generated.tf`
# writes goes next to it.
terraform {
  required_providers {
    proton = {
      source = "awsproton/proton"
    }
  }
}

provider "proton" {
  region     = "us-east-1"
  access_key = "test"
  secret_key = "test"

  endpoints {
    proton                   = "http://127.0.0.1:4580"
    resourcegroupstaggingapi = "http://127.0.0.1:4580"
  }
}
