//! The `proton` provider: its configuration block and its resource types.

use std::sync::Arc;

use crate::plugin::diag::Diagnostics;
use crate::plugin::provider::{DataSource, Provider, Resource};
use crate::plugin::schema::{Attribute, Block, NestedBlock, Schema, Validator};
use crate::plugin::value::{Type, Value};

/// The provider's source address, used in debug (reattach) mode and docs.
pub const PROVIDER_ADDRESS: &str = "registry.terraform.io/awsproton/proton";

/// The `proton` provider.
#[derive(Debug)]
pub struct ProtonProvider {
    schema: Schema,
}

impl Default for ProtonProvider {
    fn default() -> Self {
        Self::new()
    }
}

impl ProtonProvider {
    /// A provider awaiting ConfigureProvider.
    pub fn new() -> Self {
        Self {
            schema: provider_schema(),
        }
    }
}

fn string_list() -> Type {
    Type::List(Box::new(Type::String))
}

fn provider_schema() -> Schema {
    Schema::new(
        Block::new("Manages AWS Proton template versions. Every setting falls back to the standard AWS configuration chain (environment variables, shared config and credentials files, SSO, web identity, instance metadata).")
            .attribute(Attribute::optional("access_key", Type::String, "AWS access key ID. Requires `secret_key`.").sensitive())
            .attribute(
                Attribute::optional("max_retries", Type::Number, "Attempts beyond the first for a failed AWS call (throttling, 5xx, network). Default 10.")
                    .validate(Validator::IntRange { min: 0, max: 100 }),
            )
            .attribute(Attribute::optional("profile", Type::String, "Named profile from the shared config files."))
            .attribute(Attribute::optional("region", Type::String, "AWS region, e.g. `us-east-1`. Falls back to `AWS_REGION` and the profile."))
            .attribute(Attribute::optional("secret_key", Type::String, "AWS secret access key. Requires `access_key`.").sensitive())
            .attribute(Attribute::optional("shared_config_files", string_list(), "Shared config files to read instead of `~/.aws/config`."))
            .attribute(Attribute::optional("shared_credentials_files", string_list(), "Shared credentials files to read instead of `~/.aws/credentials`."))
            .attribute(Attribute::optional("token", Type::String, "Session token for temporary credentials.").sensitive())
            .nested(NestedBlock::single(
                "default_tags",
                Block::new("Tags applied to every resource that supports tags.")
                    .attribute(Attribute::optional("tags", Type::Map(Box::new(Type::String)), "Tags merged into every resource's `tags_all`; a resource's own `tags` win.")),
            ))
            .nested(NestedBlock::single(
                "endpoints",
                Block::new("Custom service endpoints, e.g. a local Proton endpoint.")
                    .attribute(Attribute::optional("proton", Type::String, "URL of the Proton API, e.g. `http://127.0.0.1:4580` for proton-local. Falls back to `AWS_ENDPOINT_URL_PROTON`.")),
            )),
    )
}

#[async_trait::async_trait]
impl Provider for ProtonProvider {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        Vec::new()
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        Vec::new()
    }

    async fn configure(&self, _config: &Value, _terraform_version: &str, _diags: &mut Diagnostics) {
    }
}
