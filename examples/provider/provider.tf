terraform {
  required_providers {
    proton = {
      source = "awsproton/proton"
    }
  }
}

# Credentials and region come from the standard AWS chain when omitted.
# Here the provider talks to proton-local, the project's local Proton
# endpoint (`proton-local --listen 127.0.0.1:4580`), which accepts the
# key pair test/test.
provider "proton" {
  region     = "us-east-1"
  access_key = "test"
  secret_key = "test"

  endpoints {
    proton                   = "http://127.0.0.1:4580"
    resourcegroupstaggingapi = "http://127.0.0.1:4580"
  }

  default_tags {
    tags = {
      managed-by = "terraform"
    }
  }

  # Tags another system manages (here a cost tool): never shown in `tags` or
  # `tags_all`, never planned, never removed.
  ignore_tags {
    keys         = ["owner"]
    key_prefixes = ["cost:"]
  }
}
