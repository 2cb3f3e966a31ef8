//! The tfplugin6 `Provider` gRPC service: for each RPC it finds the resource,
//! data source or list resource, converts the request through `wire`,
//! drives the implementation, and lets [`plan`](super::plan),
//! [`lifecycle`] and [`identity`](super::identity) decide what the answer
//! holds. The managed resource RPCs live in `resource`, identity schemas and
//! upgrades in `identity`, list resources in `list`. RPCs we do not
//! implement (functions, ephemeral resources, moves, actions, state stores)
//! answer `Unimplemented`; no capability for them is advertised.
//!
//! With `wire`, the only importer of the generated tfplugin6 types. It owns
//! the StopProvider signal and the response shapes; it decides no lifecycle
//! rule itself, except the two about bytes listed in [`lifecycle`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio_util::sync::CancellationToken;
use tonic::codegen::BoxStream;
use tonic::{Request, Response, Status};

use super::diag::Diagnostics;
use super::lifecycle;
use super::proto::tfplugin6 as pb;
use super::provider::{DataSource, OpContext, Provider, Resource};
use super::value::{Type, Value};
use super::wire::{self, decode, encode};

mod identity;
mod list;
mod resource;

use list::ListEntry;

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

/// A resource with its value types, computed once.
struct ResourceEntry {
    resource: Arc<dyn Resource>,
    ty: Type,
    /// The identity object type, for a resource with an identity schema.
    identity_ty: Option<Type>,
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
    lists: HashMap<&'static str, ListEntry>,
    schema_response: pb::get_provider_schema::Response,
    identity_response: pb::get_resource_identity_schemas::Response,
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
            .field("lists", &self.lists.keys().collect::<Vec<_>>())
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
                let identity_ty = resource.identity_schema().map(|s| s.implied_type());
                let entry = ResourceEntry {
                    resource,
                    ty,
                    identity_ty,
                };
                (entry.resource.type_name(), entry)
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
        let (lists, list_diags) = list::entries(provider.list_resources(), &resources);
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
            list_resource_schemas: lists
                .iter()
                .map(|(name, entry)| (name.to_string(), wire::schema(entry.config_schema())))
                .collect(),
            server_capabilities: Some(server_capabilities(&resources)),
            diagnostics: wire::diagnostics(list_diags),
            ..Default::default()
        };
        let identity_response = identity::schemas_response(&resources);
        Self {
            provider_type: provider.schema().implied_type(),
            provider,
            resources,
            data_sources,
            lists,
            schema_response,
            identity_response,
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

/// Capabilities we advertise. Without plan_destroy, Terraform plans
/// destroys itself. generate_resource_config makes Terraform call
/// GenerateResourceConfig for every type, so it is set only when some type
/// shapes its own configuration (the others answer Terraform's default).
fn server_capabilities(resources: &HashMap<&'static str, ResourceEntry>) -> pb::ServerCapabilities {
    pb::ServerCapabilities {
        generate_resource_config: resources
            .values()
            .any(|entry| entry.resource.generates_config()),
        ..Default::default()
    }
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
    pb::validate_list_resource_config::Response,
    pb::upgrade_resource_state::Response,
    pb::upgrade_resource_identity::Response,
    pb::configure_provider::Response,
    pb::read_resource::Response,
    pb::plan_resource_change::Response,
    pb::apply_resource_change::Response,
    pb::import_resource_state::Response,
    pb::read_data_source::Response,
    pb::generate_resource_config::Response,
);

#[tonic::async_trait]
impl pb::provider_server::Provider for ProviderService {
    async fn get_metadata(
        &self,
        _request: Request<pb::get_metadata::Request>,
    ) -> RpcResult<pb::get_metadata::Response> {
        let schemas = &self.schema_response;
        Ok(Response::new(pb::get_metadata::Response {
            server_capabilities: schemas.server_capabilities,
            resources: schemas
                .resource_schemas
                .keys()
                .map(|type_name| pb::get_metadata::ResourceMetadata {
                    type_name: type_name.clone(),
                })
                .collect(),
            data_sources: schemas
                .data_source_schemas
                .keys()
                .map(|type_name| pb::get_metadata::DataSourceMetadata {
                    type_name: type_name.clone(),
                })
                .collect(),
            list_resources: schemas
                .list_resource_schemas
                .keys()
                .map(|type_name| pb::get_metadata::ListResourceMetadata {
                    type_name: type_name.clone(),
                })
                .collect(),
            diagnostics: schemas.diagnostics.clone(),
            ..Default::default()
        }))
    }

    async fn get_provider_schema(
        &self,
        _request: Request<pb::get_provider_schema::Request>,
    ) -> RpcResult<pb::get_provider_schema::Response> {
        Ok(Response::new(self.schema_response.clone()))
    }

    async fn get_resource_identity_schemas(
        &self,
        _request: Request<pb::get_resource_identity_schemas::Request>,
    ) -> RpcResult<pb::get_resource_identity_schemas::Response> {
        Ok(Response::new(self.identity_response.clone()))
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

    #[tracing::instrument(skip_all, fields(type_name = %request.get_ref().type_name))]
    async fn validate_list_resource_config(
        &self,
        request: Request<pb::validate_list_resource_config::Request>,
    ) -> RpcResult<pb::validate_list_resource_config::Response> {
        Ok(Response::new(failed(
            self.validate_list_config(request.into_inner()),
        )))
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

    #[tracing::instrument(skip_all, fields(type_name = %request.get_ref().type_name, version = request.get_ref().version))]
    async fn upgrade_resource_identity(
        &self,
        request: Request<pb::upgrade_resource_identity::Request>,
    ) -> RpcResult<pb::upgrade_resource_identity::Response> {
        Ok(Response::new(self.upgrade_identity(request.into_inner())))
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
        Ok(Response::new(self.read(request.into_inner()).await))
    }

    #[tracing::instrument(skip_all, fields(type_name = %request.get_ref().type_name))]
    async fn plan_resource_change(
        &self,
        request: Request<pb::plan_resource_change::Request>,
    ) -> RpcResult<pb::plan_resource_change::Response> {
        Ok(Response::new(self.plan(request.into_inner())))
    }

    #[tracing::instrument(skip_all, fields(type_name = %request.get_ref().type_name))]
    async fn apply_resource_change(
        &self,
        request: Request<pb::apply_resource_change::Request>,
    ) -> RpcResult<pb::apply_resource_change::Response> {
        Ok(Response::new(self.apply(request.into_inner()).await))
    }

    #[tracing::instrument(skip_all, fields(type_name = %request.get_ref().type_name))]
    async fn import_resource_state(
        &self,
        request: Request<pb::import_resource_state::Request>,
    ) -> RpcResult<pb::import_resource_state::Response> {
        Ok(Response::new(self.import(request.into_inner()).await))
    }

    #[tracing::instrument(skip_all, fields(type_name = %request.get_ref().type_name))]
    async fn generate_resource_config(
        &self,
        request: Request<pb::generate_resource_config::Request>,
    ) -> RpcResult<pb::generate_resource_config::Response> {
        Ok(Response::new(self.generate_config(request.into_inner())))
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

    #[tracing::instrument(skip_all, fields(type_name = %request.get_ref().type_name, limit = request.get_ref().limit))]
    async fn list_resource(
        &self,
        request: Request<pb::list_resource::Request>,
    ) -> RpcResult<BoxStream<pb::list_resource::Event>> {
        Ok(Response::new(self.list(request.into_inner())))
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
