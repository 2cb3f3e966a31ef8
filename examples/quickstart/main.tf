# The quickstart: an environment template and a service template, a
# published version of each (the service version runs in the environment
# version), a draft service version, and a look-up of the recommended
# service version, all in proton-local.
# Each version is built from its directory under templates/ (laid out as
# template sync does it: <template>/v<major>/), uploaded to S3 under a key
# named by its content, and registered. `scripts/quickstart.sh` starts
# proton-local (Proton and S3 on one port) and applies this configuration.

terraform {
  required_providers {
    proton = {
      source = "awsproton/proton"
    }
  }
}

variable "endpoint" {
  description = "URL of the Proton and S3 APIs: proton-local by default."
  type        = string
  default     = "http://127.0.0.1:4580"
}

variable "bundle_bucket" {
  description = "Bucket the versions' bundles are uploaded to; it must exist (in proton-local, a directory under --bundle-dir)."
  type        = string
  default     = "quickstart-bundles"
}

variable "templates_dir" {
  description = "Where the template directories are; this module's templates/ when null."
  type        = string
  default     = null
}

locals {
  templates = coalesce(var.templates_dir, "${path.module}/templates")
}

provider "proton" {
  region     = "us-east-1"
  access_key = "test"
  secret_key = "test"

  endpoints {
    proton                   = var.endpoint
    s3                       = var.endpoint
    resourcegroupstaggingapi = var.endpoint
  }
  s3_use_path_style = true

  default_tags {
    tags = {
      project = "terraform-provider-proton-quickstart"
    }
  }
}

resource "proton_environment_template" "env" {
  name         = "quickstart-env"
  display_name = "Quickstart environment"
  description  = "Environments for the quickstart's services"
}

# The service template's pipeline is provisioned outside Proton, so its
# bundle has no pipeline.
resource "proton_service_template" "svc" {
  name                  = "quickstart-svc"
  display_name          = "Quickstart service"
  description           = "Fargate services in a quickstart environment"
  pipeline_provisioning = "CUSTOMER_MANAGED"
}

# Versions name their template through a reference: Terraform creates the
# template first and, on destroy, deletes the versions before the template
# (Proton refuses to delete a template that still has versions).
resource "proton_environment_template_version" "env" {
  template_name = proton_environment_template.env.name
  description   = "VPC, two public subnets and an ECS cluster"
  status        = "PUBLISHED"

  # A change to a file under the directory plans a new version (the plan
  # shows bundle_sha256 old -> new); moving the directory changes nothing.
  source {
    directory  = "${local.templates}/quickstart-env/v1"
    bucket     = var.bundle_bucket
    key_prefix = "proton/"
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

resource "proton_service_template_version" "svc" {
  template_name = proton_service_template.svc.name
  description   = "A Fargate service for the quickstart environment"
  status        = "PUBLISHED"

  source {
    directory  = "${local.templates}/quickstart-svc/v1"
    bucket     = var.bundle_bucket
    key_prefix = "proton/"
  }

  compatible_environment_template {
    template_name = proton_environment_template_version.env.template_name
    major_version = proton_environment_template_version.env.major_version
  }

  tags = {
    tier = "service"
  }
}

# A draft of the next minor version, from the same bundle: registered, not
# published, so the recommended version stays 1.0.
resource "proton_service_template_version" "svc_draft" {
  template_name = proton_service_template.svc.name
  major_version = proton_service_template_version.svc.major_version
  description   = "Draft of the next minor version"
  status        = "DRAFT"

  source {
    directory  = "${local.templates}/quickstart-svc/v1"
    bucket     = var.bundle_bucket
    key_prefix = "proton/"
  }

  compatible_environment_template {
    template_name = proton_environment_template_version.env.template_name
    major_version = proton_environment_template_version.env.major_version
  }
}

# The recommended (highest published) service template version. depends_on
# makes Terraform read it after the versions are created or changed; on a
# run with nothing to change it is read during plan, so the plan stays empty.
data "proton_service_template_version" "recommended" {
  template_name = proton_service_template.svc.name

  depends_on = [
    proton_service_template_version.svc,
    proton_service_template_version.svc_draft,
  ]
}

output "templates" {
  description = "The templates: name and ARN."
  value = {
    environment = {
      name = proton_environment_template.env.name
      arn  = proton_environment_template.env.arn
    }
    service = {
      name = proton_service_template.svc.name
      arn  = proton_service_template.svc.arn
    }
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

output "service_template_draft_version" {
  description = "The draft service template version."
  value = {
    id     = proton_service_template_version.svc_draft.id
    status = proton_service_template_version.svc_draft.status
  }
}

output "recommended_service_template_version" {
  description = "The recommended service template version, read with the data source."
  value = {
    id     = data.proton_service_template_version.recommended.id
    status = data.proton_service_template_version.recommended.status
  }
}

output "service_schema" {
  description = "The schema Proton read from the service bundle."
  value       = proton_service_template_version.svc.schema
}
