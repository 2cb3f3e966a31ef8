# The quickstart: a published environment template version and a service
# template version that runs in it, registered in proton-local.
# `scripts/quickstart.sh` starts proton-local, creates the templates and the
# bundles this expects, and applies this configuration.

terraform {
  required_providers {
    proton = {
      source = "awsproton/proton"
    }
  }
}

variable "endpoint" {
  description = "URL of the Proton API: proton-local by default."
  type        = string
  default     = "http://127.0.0.1:4580"
}

variable "bundle_bucket" {
  description = "Bucket holding the template bundles (a directory under proton-local's --bundle-dir)."
  type        = string
  default     = "quickstart-bundles"
}

provider "proton" {
  region     = "us-east-1"
  access_key = "test"
  secret_key = "test"

  endpoints {
    proton = var.endpoint
  }

  default_tags {
    tags = {
      project = "terraform-provider-proton-quickstart"
    }
  }
}

# Template "quickstart-env" is created by `cargo run -p xtask -- seed-templates`.
resource "proton_environment_template_version" "env" {
  template_name = "quickstart-env"
  description   = "VPC, two public subnets and an ECS cluster"
  status        = "PUBLISHED"

  source {
    s3 {
      bucket = var.bundle_bucket
      key    = "environment.tar.gz"
    }
  }

  tags = {
    tier = "environment"
  }

  # A new bundle replaces the version. Create the new one first: Proton
  # refuses to delete a major version a service version is compatible with
  # until the service version has moved to the new one.
  lifecycle {
    create_before_destroy = true
  }
}

# Template "quickstart-svc" (customer-managed pipeline) is created by
# `cargo run -p xtask -- seed-templates`.
resource "proton_service_template_version" "svc" {
  template_name = "quickstart-svc"
  description   = "A Fargate service for the quickstart environment"
  status        = "PUBLISHED"

  source {
    s3 {
      bucket = var.bundle_bucket
      key    = "service.tar.gz"
    }
  }

  compatible_environment_template {
    template_name = proton_environment_template_version.env.template_name
    major_version = proton_environment_template_version.env.major_version
  }

  tags = {
    tier = "service"
  }
}

output "environment_template_version" {
  description = "The environment template version."
  value = {
    id     = proton_environment_template_version.env.id
    arn    = proton_environment_template_version.env.arn
    status = proton_environment_template_version.env.status
  }
}

output "environment_schema" {
  description = "The schema Proton read from the environment bundle."
  value       = proton_environment_template_version.env.schema
}

output "service_template_version" {
  description = "The service template version."
  value = {
    id     = proton_service_template_version.svc.id
    arn    = proton_service_template_version.svc.arn
    status = proton_service_template_version.svc.status
  }
}

output "service_schema" {
  description = "The schema Proton read from the service bundle."
  value       = proton_service_template_version.svc.schema
}
