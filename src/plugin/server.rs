//! The tfplugin6 `Provider` gRPC service: for each RPC it finds the resource
//! or data source, converts the request through `wire`, drives the
//! resource, and lets [`plan`](super::plan) and [`lifecycle`] decide what the
//! answer holds. RPCs we do not implement (functions, ephemeral resources,
//! identity, list, actions, state stores) answer `Unimplemented`; no
//! capability for them is advertised.
//!
//! With `wire`, the only importer of the generated tfplugin6 types. It owns
//! the StopProvider signal and the response shapes; it decides no lifecycle
//! rule itself, except the two about bytes listed in [`lifecycle`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

use super::diag::Diagnostics;
use super::lifecycle::{self, Applied, ApplyAction, Refreshed};
use super::plan::plan_change;
use super::proto::tfplugin6 as pb;
use super::provider::{DataSource, OpContext, Provider, Resource};
use super::value::{Type, Value};
use super::wire::{self, decode, encode};

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
            provider: Some(wire::schema(provider.schema())),
            resource_schemas: resources
                .iter()
                .map(|(name, entry)| (name.to_string(), wire::schema(entry.resource.schema())))
                .collect(),
            data_source_schemas: data_sources
                .iter()
                .map(|(name, entry)| (name.to_string(), wire::schema(entry.data_source.schema())))
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

    /// The tonic service, accepting and sending messages up to `max_message_size`.
    pub fn into_grpc(self, max_message_size: usize) -> pb::provider_server::ProviderServer<Self> {
        pb::provider_server::ProviderServer::new(self)
            .max_decoding_message_size(max_message_size)
            .max_encoding_message_size(max_message_size)
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

/// Runs an operation unless StopProvider cancels it first.
async fn cancellable<T>(
    ctx: &OpContext,
    action: &str,
    work: impl std::future::Future<Output = T>,
) -> Result<T, Diagnostics> {
    tokio::select! {
        result = work => Ok(result),
        () = ctx.cancel.cancelled() => Err(lifecycle::cancelled(action)),
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
        *response.diagnostics_mut() = wire::diagnostics(diags);
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
        let diags =
            lifecycle::validate_config(&self.provider.schema().block, &config, |config, diags| {
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
            Ok(lifecycle::validate_config(
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
            Ok(lifecycle::validate_config(
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
            let state = lifecycle::upgrade_state(
                &request.type_name,
                request.version,
                wire::stored_state(request.raw_state.as_ref()),
                entry.resource.schema(),
                &entry.ty,
            )?;
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
        let keep_current = |diags: Diagnostics| pb::read_resource::Response {
            new_state: request.current_state.clone(),
            diagnostics: wire::diagnostics(diags),
            private: request.private.clone(),
            ..Default::default()
        };
        let current = match decode(request.current_state.as_ref(), &entry.ty, "state") {
            Ok(current) => current,
            Err(diags) => return Ok(Response::new(keep_current(diags))),
        };
        if !lifecycle::needs_refresh(&current) {
            return Ok(Response::new(keep_current(Diagnostics::new())));
        }
        let ctx = self.context();
        let outcome = match cancellable(&ctx, "Read", entry.resource.read(&ctx, &current)).await {
            Ok(outcome) => outcome,
            Err(diags) => return Ok(Response::new(keep_current(diags))),
        };
        let new_state = match lifecycle::after_read(outcome) {
            Refreshed::State(state) => state,
            Refreshed::KeepCurrent(diags) => return Ok(Response::new(keep_current(diags))),
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
                requires_replace: change
                    .requires_replace
                    .iter()
                    .map(wire::attribute_path)
                    .collect(),
                // Private state passes through untouched.
                planned_private: request.prior_private.clone(),
                diagnostics: wire::diagnostics(change.diagnostics),
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
                    diagnostics: wire::diagnostics(diags),
                    ..Default::default()
                }))
            }
        };
        let ctx = self.context();
        let resource = entry.resource.as_ref();
        let Applied {
            state,
            mut diagnostics,
        } = match lifecycle::apply_action(&prior, &planned) {
            ApplyAction::Delete => {
                let diags = resource.delete(&ctx, &prior).await;
                lifecycle::after_delete(prior, diags)
            }
            ApplyAction::Create => {
                let outcome = resource.create(&ctx, &planned, &config).await;
                lifecycle::after_create(&planned, outcome)
            }
            ApplyAction::Update => {
                let outcome = resource.update(&ctx, &prior, &planned, &config).await;
                lifecycle::after_update(prior, &planned, outcome)
            }
        };
        let new_state = match encode(&state, &entry.ty) {
            Ok(encoded) => Some(encoded),
            Err(encode_diags) => {
                diagnostics.extend(encode_diags);
                request.prior_state
            }
        };
        Ok(Response::new(pb::apply_resource_change::Response {
            new_state,
            private: request.planned_private,
            diagnostics: wire::diagnostics(diagnostics),
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
            lifecycle::imported_objects(&request.type_name, states)
                .into_iter()
                .map(|object| {
                    Ok(pb::import_resource_state::ImportedResource {
                        type_name: object.type_name,
                        state: Some(encode(&object.state, &entry.ty)?),
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
            let config = decode(
                request.config.as_ref(),
                &entry.ty,
                "data source configuration",
            )?;
            let ctx = self.context();
            let state = cancellable(&ctx, "Read", entry.data_source.read(&ctx, &config)).await??;
            let state = lifecycle::data_source_result(&request.type_name, state)?;
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
