//! The tfplugin6 `Provider` gRPC service: decodes requests against the
//! schemas, drives the provider's resources through the plan engine, and
//! turns every problem into diagnostics. RPCs we do not implement (functions,
//! ephemeral resources, identity, list, actions, state stores) answer
//! `Unimplemented`; no capability for them is advertised.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

use super::codec::{self, CodecError};
use super::diag::{path_to_proto, Diagnostics};
use super::plan::{plan_change, reconcile_applied};
use super::proto::tfplugin6 as pb;
use super::provider::{DataSource, OpContext, Provider, ReadOutcome, Resource};
use super::schema::{Block, Schema};
use super::value::{AttributePath, Type, Value};

type RpcResult<T> = Result<Response<T>, Status>;

/// StopProvider cancels every in-flight operation, then the server goes on
/// serving new ones with a fresh token.
#[derive(Debug, Default)]
struct StopSignal {
    current: Mutex<CancellationToken>,
}

impl StopSignal {
    fn token(&self) -> CancellationToken {
        self.current
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .child_token()
    }

    fn stop(&self) {
        let mut current = self
            .current
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        current.cancel();
        *current = CancellationToken::new();
    }
}

/// A resource with its value type, computed once.
struct ResourceEntry {
    resource: Arc<dyn Resource>,
    ty: Type,
}

/// A data source with its value type, computed once.
struct DataSourceEntry {
    data_source: Arc<dyn DataSource>,
    ty: Type,
}

/// The gRPC face of a [`Provider`].
pub struct ProviderService {
    provider: Arc<dyn Provider>,
    provider_type: Type,
    resources: HashMap<&'static str, ResourceEntry>,
    data_sources: HashMap<&'static str, DataSourceEntry>,
    schema_response: pb::get_provider_schema::Response,
    stop: StopSignal,
}

impl std::fmt::Debug for ProviderService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderService")
            .field("resources", &self.resources.keys().collect::<Vec<_>>())
            .field(
                "data_sources",
                &self.data_sources.keys().collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl ProviderService {
    /// Builds the service; schemas and types are computed here, once.
    pub fn new(provider: Arc<dyn Provider>) -> Self {
        let resources: HashMap<_, _> = provider
            .resources()
            .into_iter()
            .map(|resource| {
                let ty = resource.schema().implied_type();
                (resource.type_name(), ResourceEntry { resource, ty })
            })
            .collect();
        let data_sources: HashMap<_, _> = provider
            .data_sources()
            .into_iter()
            .map(|data_source| {
                let ty = data_source.schema().implied_type();
                (data_source.type_name(), DataSourceEntry { data_source, ty })
            })
            .collect();
        let schema_response = pb::get_provider_schema::Response {
            provider: Some(provider.schema().to_proto()),
            resource_schemas: resources
                .iter()
                .map(|(name, entry)| (name.to_string(), entry.resource.schema().to_proto()))
                .collect(),
            data_source_schemas: data_sources
                .iter()
                .map(|(name, entry)| (name.to_string(), entry.data_source.schema().to_proto()))
                .collect(),
            server_capabilities: Some(server_capabilities()),
            ..Default::default()
        };
        Self {
            provider_type: provider.schema().implied_type(),
            provider,
            resources,
            data_sources,
            schema_response,
            stop: StopSignal::default(),
        }
    }

    fn context(&self) -> OpContext {
        OpContext {
            cancel: self.stop.token(),
        }
    }

    fn provider_config(&self, config: Option<&pb::DynamicValue>) -> Result<Value, Diagnostics> {
        decode(config, &self.provider_type, "provider configuration")
    }

    fn resource(&self, type_name: &str) -> Result<&ResourceEntry, Diagnostics> {
        self.resources.get(type_name).ok_or_else(|| {
            Diagnostics::from_error(
                "Unknown resource type",
                format!("The provider has no resource type {type_name:?}."),
            )
        })
    }

    fn data_source(&self, type_name: &str) -> Result<&DataSourceEntry, Diagnostics> {
        self.data_sources.get(type_name).ok_or_else(|| {
            Diagnostics::from_error(
                "Unknown data source type",
                format!("The provider has no data source type {type_name:?}."),
            )
        })
    }
}

/// Capabilities we advertise: none beyond protocol 6.0's behaviour. Without
/// plan_destroy, Terraform plans destroys itself.
fn server_capabilities() -> pb::ServerCapabilities {
    pb::ServerCapabilities::default()
}

/// Decodes a DynamicValue: msgpack when present, else JSON, else null.
fn decode(value: Option<&pb::DynamicValue>, ty: &Type, what: &str) -> Result<Value, Diagnostics> {
    let Some(value) = value else {
        return Ok(Value::Null);
    };
    let decoded = if !value.msgpack.is_empty() {
        codec::decode_msgpack(&value.msgpack, ty)
    } else if !value.json.is_empty() {
        codec::decode_json(&value.json, ty)
    } else {
        Ok(Value::Null)
    };
    decoded.map_err(|err| codec_diagnostics(&format!("Invalid {what} from Terraform"), &err))
}

/// Encodes a value as msgpack, the encoding Terraform reads everywhere.
fn encode(value: &Value, ty: &Type) -> Result<pb::DynamicValue, Diagnostics> {
    codec::encode_msgpack(value, ty)
        .map(|msgpack| pb::DynamicValue {
            msgpack,
            json: Vec::new(),
        })
        .map_err(|err| codec_diagnostics("Provider produced a value it cannot encode", &err))
}

fn codec_diagnostics(summary: &str, err: &CodecError) -> Diagnostics {
    Diagnostics::from_error(
        summary,
        format!("{err}. This is a bug in the provider or an incompatible Terraform version."),
    )
}

/// Runs an operation unless StopProvider cancels it first.
async fn cancellable<T>(
    ctx: &OpContext,
    action: &str,
    work: impl std::future::Future<Output = T>,
) -> Result<T, Diagnostics> {
    tokio::select! {
        result = work => Ok(result),
        () = ctx.cancel.cancelled() => Err(Diagnostics::from_error(
            format!("{action} cancelled"),
            "Terraform asked the provider to stop (for example after Ctrl-C); the operation was abandoned.",
        )),
    }
}

/// Validation shared by resources and data sources: schema validators, then
/// the type's own checks.
fn validate_config(
    block: &Block,
    config: &Value,
    extra: impl FnOnce(&Value, &mut Diagnostics),
) -> Diagnostics {
    let mut diags = Diagnostics::new();
    block.validate(config, &AttributePath::root(), &mut diags);
    extra(config, &mut diags);
    diags
}

/// Reads stored JSON state with the current schema, dropping attributes the
/// schema no longer has (as Terraform does when versions match).
fn decode_stored_state(json: &[u8], schema: &Schema, ty: &Type) -> Result<Value, Diagnostics> {
    let mut parsed: serde_json::Value = serde_json::from_slice(json).map_err(|err| {
        Diagnostics::from_error(
            "Unreadable resource state",
            format!("The stored state is not valid JSON: {err}."),
        )
    })?;
    prune_unknown_attributes(&mut parsed, &schema.block);
    let cleaned = serde_json::to_vec(&parsed)
        .map_err(|err| Diagnostics::from_error("Unreadable resource state", err.to_string()))?;
    codec::decode_json(&cleaned, ty)
        .map_err(|err| codec_diagnostics("Unreadable resource state", &err))
}

fn prune_unknown_attributes(json: &mut serde_json::Value, block: &Block) {
    let serde_json::Value::Object(map) = json else {
        return;
    };
    map.retain(|key, _| block.find_attribute(key).is_some() || block.find_block(key).is_some());
    for nested in &block.blocks {
        match map.get_mut(&nested.name) {
            Some(serde_json::Value::Array(items)) => {
                for item in items {
                    prune_unknown_attributes(item, &nested.block);
                }
            }
            Some(object @ serde_json::Value::Object(_)) => {
                prune_unknown_attributes(object, &nested.block);
            }
            _ => {}
        }
    }
}

fn failed<T>(diags: Diagnostics) -> T
where
    T: WithDiagnostics,
{
    T::with_diagnostics(diags)
}

/// Responses that can carry nothing but diagnostics.
trait WithDiagnostics: Default {
    fn diagnostics_mut(&mut self) -> &mut Vec<pb::Diagnostic>;
    fn with_diagnostics(diags: Diagnostics) -> Self {
        let mut response = Self::default();
        *response.diagnostics_mut() = diags.into_proto();
        response
    }
}

macro_rules! with_diagnostics {
    ($($t:ty),* $(,)?) => {$(
        impl WithDiagnostics for $t {
            fn diagnostics_mut(&mut self) -> &mut Vec<pb::Diagnostic> { &mut self.diagnostics }
        }
    )*};
}

with_diagnostics!(
    pb::validate_provider_config::Response,
    pb::validate_resource_config::Response,
    pb::validate_data_resource_config::Response,
    pb::upgrade_resource_state::Response,
    pb::configure_provider::Response,
    pb::read_resource::Response,
    pb::plan_resource_change::Response,
    pb::apply_resource_change::Response,
    pb::import_resource_state::Response,
    pb::read_data_source::Response,
);

#[tonic::async_trait]
impl pb::provider_server::Provider for ProviderService {
    async fn get_metadata(
        &self,
        _request: Request<pb::get_metadata::Request>,
    ) -> RpcResult<pb::get_metadata::Response> {
        Ok(Response::new(pb::get_metadata::Response {
            server_capabilities: Some(server_capabilities()),
            resources: self
                .schema_response
                .resource_schemas
                .keys()
                .map(|type_name| pb::get_metadata::ResourceMetadata {
                    type_name: type_name.clone(),
                })
                .collect(),
            data_sources: self
                .schema_response
                .data_source_schemas
                .keys()
                .map(|type_name| pb::get_metadata::DataSourceMetadata {
                    type_name: type_name.clone(),
                })
                .collect(),
            ..Default::default()
        }))
    }

    async fn get_provider_schema(
        &self,
        _request: Request<pb::get_provider_schema::Request>,
    ) -> RpcResult<pb::get_provider_schema::Response> {
        Ok(Response::new(self.schema_response.clone()))
    }

    async fn validate_provider_config(
        &self,
        request: Request<pb::validate_provider_config::Request>,
    ) -> RpcResult<pb::validate_provider_config::Response> {
        let request = request.into_inner();
        let config = match self.provider_config(request.config.as_ref()) {
            Ok(config) => config,
            Err(diags) => return Ok(Response::new(failed(diags))),
        };
        let diags = validate_config(&self.provider.schema().block, &config, |config, diags| {
            self.provider.validate(config, diags)
        });
        Ok(Response::new(failed(diags)))
    }

    #[tracing::instrument(skip_all, fields(type_name = %request.get_ref().type_name))]
    async fn validate_resource_config(
        &self,
        request: Request<pb::validate_resource_config::Request>,
    ) -> RpcResult<pb::validate_resource_config::Response> {
        let request = request.into_inner();
        let result = self.resource(&request.type_name).and_then(|entry| {
            let config = decode(request.config.as_ref(), &entry.ty, "resource configuration")?;
            Ok(validate_config(
                &entry.resource.schema().block,
                &config,
                |config, diags| entry.resource.validate(config, diags),
            ))
        });
        Ok(Response::new(failed(result.unwrap_or_else(|diags| diags))))
    }

    #[tracing::instrument(skip_all, fields(type_name = %request.get_ref().type_name))]
    async fn validate_data_resource_config(
        &self,
        request: Request<pb::validate_data_resource_config::Request>,
    ) -> RpcResult<pb::validate_data_resource_config::Response> {
        let request = request.into_inner();
        let result = self.data_source(&request.type_name).and_then(|entry| {
            let config = decode(
                request.config.as_ref(),
                &entry.ty,
                "data source configuration",
            )?;
            Ok(validate_config(
                &entry.data_source.schema().block,
                &config,
                |config, diags| entry.data_source.validate(config, diags),
            ))
        });
        Ok(Response::new(failed(result.unwrap_or_else(|diags| diags))))
    }

    #[tracing::instrument(skip_all, fields(type_name = %request.get_ref().type_name, version = request.get_ref().version))]
    async fn upgrade_resource_state(
        &self,
        request: Request<pb::upgrade_resource_state::Request>,
    ) -> RpcResult<pb::upgrade_resource_state::Response> {
        let request = request.into_inner();
        let upgraded = self.resource(&request.type_name).and_then(|entry| {
            let schema = entry.resource.schema();
            if request.version > schema.version {
                return Err(Diagnostics::from_error(
                    "Resource state from a newer provider",
                    format!(
                        "The state of this {} was written with schema version {}, but this provider knows only up to {}. Upgrade the provider.",
                        request.type_name, request.version, schema.version
                    ),
                ));
            }
            let raw = request.raw_state.unwrap_or_default();
            let state = if !raw.json.is_empty() {
                decode_stored_state(&raw.json, schema, &entry.ty)?
            } else if !raw.flatmap.is_empty() {
                return Err(Diagnostics::from_error(
                    "Unsupported legacy state",
                    "The state is in the flatmap format of Terraform 0.11, which this provider never wrote.",
                ));
            } else {
                Value::Null
            };
            encode(&state, &entry.ty)
        });
        // Terraform substitutes null for a missing upgraded_state, so one is
        // always returned when the state could be read.
        Ok(Response::new(match upgraded {
            Ok(state) => pb::upgrade_resource_state::Response {
                upgraded_state: Some(state),
                diagnostics: Vec::new(),
            },
            Err(diags) => failed(diags),
        }))
    }

    async fn configure_provider(
        &self,
        request: Request<pb::configure_provider::Request>,
    ) -> RpcResult<pb::configure_provider::Response> {
        let request = request.into_inner();
        let config = match self.provider_config(request.config.as_ref()) {
            Ok(config) => config,
            Err(diags) => return Ok(Response::new(failed(diags))),
        };
        let mut diags = Diagnostics::new();
        self.provider
            .configure(&config, &request.terraform_version, &mut diags)
            .await;
        Ok(Response::new(failed(diags)))
    }

    #[tracing::instrument(skip_all, fields(type_name = %request.get_ref().type_name))]
    async fn read_resource(
        &self,
        request: Request<pb::read_resource::Request>,
    ) -> RpcResult<pb::read_resource::Response> {
        let request = request.into_inner();
        let entry = match self.resource(&request.type_name) {
            Ok(entry) => entry,
            Err(diags) => return Ok(Response::new(failed(diags))),
        };
        // On any failure the current state goes back unchanged: a transient
        // error must never drop an object from state.
        let keep_current = |diags: Diagnostics| pb::read_resource::Response {
            new_state: request.current_state.clone(),
            diagnostics: diags.into_proto(),
            private: request.private.clone(),
            ..Default::default()
        };
        let current = match decode(request.current_state.as_ref(), &entry.ty, "state") {
            Ok(current) => current,
            Err(diags) => return Ok(Response::new(keep_current(diags))),
        };
        if current.is_null() {
            return Ok(Response::new(keep_current(Diagnostics::new())));
        }
        let ctx = self.context();
        let outcome = match cancellable(&ctx, "Read", entry.resource.read(&ctx, &current)).await {
            Ok(outcome) => outcome,
            Err(diags) => return Ok(Response::new(keep_current(diags))),
        };
        let new_state = match outcome {
            ReadOutcome::Found(state) => state,
            ReadOutcome::Gone => Value::Null,
            ReadOutcome::Failed(diags) => return Ok(Response::new(keep_current(diags))),
        };
        Ok(Response::new(match encode(&new_state, &entry.ty) {
            Ok(encoded) => pb::read_resource::Response {
                new_state: Some(encoded),
                private: request.private,
                ..Default::default()
            },
            Err(diags) => keep_current(diags),
        }))
    }

    #[tracing::instrument(skip_all, fields(type_name = %request.get_ref().type_name))]
    async fn plan_resource_change(
        &self,
        request: Request<pb::plan_resource_change::Request>,
    ) -> RpcResult<pb::plan_resource_change::Response> {
        let request = request.into_inner();
        let result = self.resource(&request.type_name).and_then(|entry| {
            let prior = decode(request.prior_state.as_ref(), &entry.ty, "prior state")?;
            let proposed = decode(
                request.proposed_new_state.as_ref(),
                &entry.ty,
                "proposed state",
            )?;
            let config = decode(request.config.as_ref(), &entry.ty, "configuration")?;
            let change = plan_change(entry.resource.as_ref(), &prior, &proposed, &config);
            if change.diagnostics.has_errors() {
                return Err(change.diagnostics);
            }
            Ok(pb::plan_resource_change::Response {
                planned_state: Some(encode(&change.planned, &entry.ty)?),
                requires_replace: change.requires_replace.iter().map(path_to_proto).collect(),
                // Private state passes through untouched.
                planned_private: request.prior_private.clone(),
                diagnostics: change.diagnostics.into_proto(),
                ..Default::default()
            })
        });
        Ok(Response::new(result.unwrap_or_else(failed)))
    }

    #[tracing::instrument(skip_all, fields(type_name = %request.get_ref().type_name))]
    async fn apply_resource_change(
        &self,
        request: Request<pb::apply_resource_change::Request>,
    ) -> RpcResult<pb::apply_resource_change::Response> {
        let request = request.into_inner();
        let entry = match self.resource(&request.type_name) {
            Ok(entry) => entry,
            Err(diags) => return Ok(Response::new(failed(diags))),
        };
        let decoded = (|| {
            Ok::<_, Diagnostics>((
                decode(request.prior_state.as_ref(), &entry.ty, "prior state")?,
                decode(request.planned_state.as_ref(), &entry.ty, "planned state")?,
                decode(request.config.as_ref(), &entry.ty, "configuration")?,
            ))
        })();
        let (prior, planned, config) = match decoded {
            Ok(values) => values,
            // Nothing was done: hand the prior state back.
            Err(diags) => {
                return Ok(Response::new(pb::apply_resource_change::Response {
                    new_state: request.prior_state,
                    private: request.planned_private,
                    diagnostics: diags.into_proto(),
                    ..Default::default()
                }))
            }
        };
        let ctx = self.context();
        let resource = entry.resource.as_ref();
        let (new_state, mut diags) = if planned.is_null() {
            // Delete: success is a null state; failure keeps the object.
            let diags = resource.delete(&ctx, &prior).await;
            let state = if diags.has_errors() {
                prior
            } else {
                Value::Null
            };
            (state, diags)
        } else {
            let outcome = if prior.is_null() {
                resource.create(&ctx, &planned, &config).await
            } else {
                resource.update(&ctx, &prior, &planned, &config).await
            };
            let mut diags = outcome.diagnostics;
            let state = match outcome.state {
                Some(state) => {
                    reconcile_applied(&planned, state, &AttributePath::root(), &mut diags)
                }
                None if prior.is_null() => {
                    if !diags.has_errors() {
                        diags.error(
                            "Missing resource state after create",
                            "The provider reported success but returned no state. The object may exist without Terraform tracking it. This is a bug in the provider.",
                        );
                    }
                    Value::Null
                }
                // A failed update leaves the object as it was.
                None => prior,
            };
            (state, diags)
        };
        let new_state = match encode(&new_state, &entry.ty) {
            Ok(encoded) => Some(encoded),
            Err(encode_diags) => {
                diags.extend(encode_diags);
                request.prior_state
            }
        };
        Ok(Response::new(pb::apply_resource_change::Response {
            new_state,
            private: request.planned_private,
            diagnostics: diags.into_proto(),
            ..Default::default()
        }))
    }

    #[tracing::instrument(skip_all, fields(type_name = %request.get_ref().type_name))]
    async fn import_resource_state(
        &self,
        request: Request<pb::import_resource_state::Request>,
    ) -> RpcResult<pb::import_resource_state::Response> {
        let request = request.into_inner();
        let result = async {
            let entry = self.resource(&request.type_name)?;
            let ctx = self.context();
            let states =
                cancellable(&ctx, "Import", entry.resource.import(&ctx, &request.id)).await??;
            states
                .iter()
                .map(|state| {
                    Ok(pb::import_resource_state::ImportedResource {
                        // Terraform 1.0 panics on an empty type name.
                        type_name: request.type_name.clone(),
                        state: Some(encode(state, &entry.ty)?),
                        ..Default::default()
                    })
                })
                .collect::<Result<Vec<_>, Diagnostics>>()
        }
        .await;
        Ok(Response::new(match result {
            Ok(imported_resources) => pb::import_resource_state::Response {
                imported_resources,
                ..Default::default()
            },
            Err(diags) => failed(diags),
        }))
    }

    #[tracing::instrument(skip_all, fields(type_name = %request.get_ref().type_name))]
    async fn read_data_source(
        &self,
        request: Request<pb::read_data_source::Request>,
    ) -> RpcResult<pb::read_data_source::Response> {
        let request = request.into_inner();
        let result = async {
            let entry = self.data_source(&request.type_name)?;
            let config = decode(request.config.as_ref(), &entry.ty, "data source configuration")?;
            let ctx = self.context();
            let state = cancellable(&ctx, "Read", entry.data_source.read(&ctx, &config)).await??;
            if !state.is_wholly_known() || state.is_null() {
                return Err(Diagnostics::from_error(
                    "Incomplete data source result",
                    format!("{} returned a null or partly unknown result. This is a bug in the provider.", request.type_name),
                ));
            }
            encode(&state, &entry.ty)
        }
        .await;
        Ok(Response::new(match result {
            Ok(state) => pb::read_data_source::Response {
                state: Some(state),
                ..Default::default()
            },
            Err(diags) => failed(diags),
        }))
    }

    async fn stop_provider(
        &self,
        _request: Request<pb::stop_provider::Request>,
    ) -> RpcResult<pb::stop_provider::Response> {
        tracing::info!("StopProvider: cancelling in-flight operations");
        self.stop.stop();
        Ok(Response::new(pb::stop_provider::Response::default()))
    }
}
