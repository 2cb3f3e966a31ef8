//! The tfplugin6 `Provider` gRPC service: for each RPC it finds the resource,
//! data source or list resource, converts the request through `wire`,
//! drives the implementation, and lets [`plan`](super::plan),
//! [`lifecycle`] and [`identity`](super::identity) decide what the answer
//! holds. RPCs we do not implement (functions, ephemeral resources, moves,
//! actions, state stores) answer `Unimplemented`; no capability for them is
//! advertised.
//!
//! Each tonic method is written out below; those about a named type hand
//! `answer_for` the entry and the method doing the work:
//!
//! | RPC | work done by |
//! |---|---|
//! | GetMetadata, GetProviderSchema, GetResourceIdentitySchemas | `metadata`, the schemas computed in `new` |
//! | ValidateProviderConfig, ConfigureProvider | `ConfigCheck`, `configure` |
//! | StopProvider | `StopSignal::stop` |
//! | ValidateResourceConfig, ValidateDataResourceConfig | `ConfigCheck::validate` |
//! | UpgradeResourceState, ReadResource, PlanResourceChange, ApplyResourceChange, ImportResourceState, GenerateResourceConfig | `resource`: `upgrade_state`, `read`, `plan`, `apply`, `import`, `generate_config` |
//! | UpgradeResourceIdentity | `identity`: `upgrade_identity` |
//! | ReadDataSource | `data_source`: `read_data` |
//! | ValidateListResourceConfig, ListResource | `list`: `validate`, `list` |
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
use super::schema::Schema;
use super::value::{Type, Value};
use super::wire;

mod data_source;
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
                .map(|(name, entry)| (name.to_string(), wire::schema(entry.list.config_schema())))
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
            private: Vec::new(),
        }
    }

    fn resource(&self, type_name: &str) -> Result<&ResourceEntry, Diagnostics> {
        entry(&self.resources, "resource", type_name)
    }

    fn data_source(&self, type_name: &str) -> Result<&DataSourceEntry, Diagnostics> {
        entry(&self.data_sources, "data source", type_name)
    }

    fn metadata(&self) -> pb::get_metadata::Response {
        let schemas = &self.schema_response;
        pb::get_metadata::Response {
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
        }
    }

    /// The provider's own configuration.
    fn config_check(&self) -> ConfigCheck<'_, impl Fn(&Value, &mut Diagnostics) + '_> {
        ConfigCheck {
            what: "provider configuration",
            ty: &self.provider_type,
            schema: self.provider.schema(),
            check: |config: &Value, diags: &mut Diagnostics| self.provider.validate(config, diags),
        }
    }

    async fn configure(
        &self,
        request: pb::configure_provider::Request,
    ) -> pb::configure_provider::Response {
        let config = match self.config_check().decode(request.config.as_ref()) {
            Ok(config) => config,
            Err(diags) => return failed(diags),
        };
        let mut diags = Diagnostics::new();
        self.provider
            .configure(&config, &request.terraform_version, &mut diags)
            .await;
        failed(diags)
    }
}

/// The entry for `type_name`, or the error for an unknown type of this `kind`.
fn entry<'a, E>(
    entries: &'a HashMap<&'static str, E>,
    kind: &str,
    type_name: &str,
) -> Result<&'a E, Diagnostics> {
    entries.get(type_name).ok_or_else(|| {
        Diagnostics::from_error(
            format!("Unknown {kind} type"),
            format!("The provider has no {kind} type {type_name:?}."),
        )
    })
}

/// The answer to an RPC about the type a request names: what `answer`
/// makes of the `entry` found for it, where `Err` is the answer's only
/// diagnostics; for an unknown type, its error alone.
async fn answer_for<E, R: WithDiagnostics>(
    entry: Result<&E, Diagnostics>,
    answer: impl AsyncFnOnce(&E) -> Result<R, Diagnostics>,
) -> RpcResult<R> {
    let answer = match entry {
        Ok(entry) => answer(entry).await.unwrap_or_else(failed),
        Err(diags) => failed(diags),
    };
    Ok(Response::new(answer))
}

/// A configuration Terraform sends (the provider's, a resource's, a data
/// source's or a list's): decoded with the type computed for it, validated
/// by its schema's validators and then by the implementation's own checks.
struct ConfigCheck<'a, F> {
    /// What the configuration is called in decoding errors.
    what: &'static str,
    ty: &'a Type,
    schema: &'a Schema,
    /// The implementation's own checks.
    check: F,
}

impl<F: Fn(&Value, &mut Diagnostics)> ConfigCheck<'_, F> {
    fn decode(&self, config: Option<&pb::DynamicValue>) -> Result<Value, Diagnostics> {
        wire::decode(config, self.ty, self.what)
    }

    /// Every problem with the configuration Terraform sent.
    fn validate(&self, config: Option<&pb::DynamicValue>) -> Diagnostics {
        match self.decode(config) {
            Ok(config) => lifecycle::validate_config(&self.schema.block, &config, &self.check),
            Err(diags) => diags,
        }
    }
}

impl ResourceEntry {
    fn config_check(&self) -> ConfigCheck<'_, impl Fn(&Value, &mut Diagnostics) + '_> {
        ConfigCheck {
            what: "resource configuration",
            ty: &self.ty,
            schema: self.resource.schema(),
            check: |config: &Value, diags: &mut Diagnostics| self.resource.validate(config, diags),
        }
    }
}

impl DataSourceEntry {
    fn config_check(&self) -> ConfigCheck<'_, impl Fn(&Value, &mut Diagnostics) + '_> {
        ConfigCheck {
            what: "data source configuration",
            ty: &self.ty,
            schema: self.data_source.schema(),
            check: |config: &Value, diags: &mut Diagnostics| {
                self.data_source.validate(config, diags)
            },
        }
    }
}

/// Capabilities we advertise. plan_destroy lets a resource look ahead at a
/// destroy (Terraform 1.3+; older versions plan destroys themselves).
/// generate_resource_config makes Terraform call
/// GenerateResourceConfig for every type, so it is set only when some type
/// shapes its own configuration (the others answer Terraform's default).
fn server_capabilities(resources: &HashMap<&'static str, ResourceEntry>) -> pb::ServerCapabilities {
    pb::ServerCapabilities {
        generate_resource_config: resources
            .values()
            .any(|entry| entry.resource.generates_config()),
        plan_destroy: true,
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

/// The answer carrying nothing but `diags`.
fn failed<T>(diags: Diagnostics) -> T
where
    T: WithDiagnostics,
{
    T::with_diagnostics(diags)
}

/// Answers that can carry nothing but diagnostics.
trait WithDiagnostics {
    fn with_diagnostics(diags: Diagnostics) -> Self;
}

macro_rules! with_diagnostics {
    ($($t:ty),* $(,)?) => {$(
        impl WithDiagnostics for $t {
            fn with_diagnostics(diags: Diagnostics) -> Self {
                let mut response = Self::default();
                response.diagnostics = wire::diagnostics(diags);
                response
            }
        }
    )*};
}

with_diagnostics!(
    pb::validate_provider_config::Response,
    pb::configure_provider::Response,
    pb::validate_resource_config::Response,
    pb::validate_data_resource_config::Response,
    pb::validate_list_resource_config::Response,
    pb::upgrade_resource_state::Response,
    pb::upgrade_resource_identity::Response,
    pb::read_resource::Response,
    pb::plan_resource_change::Response,
    pb::apply_resource_change::Response,
    pb::import_resource_state::Response,
    pb::generate_resource_config::Response,
    pb::read_data_source::Response,
);

/// The RPCs about the provider itself answer from the service; those about
/// a type go through `answer_for`, each in a span recording the type name
/// (and for upgrades the stored version, for a listing its limit).
#[tonic::async_trait]
impl pb::provider_server::Provider for ProviderService {
    async fn get_metadata(
        &self,
        _request: Request<pb::get_metadata::Request>,
    ) -> RpcResult<pb::get_metadata::Response> {
        Ok(Response::new(self.metadata()))
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
        let config = request.get_ref().config.as_ref();
        Ok(Response::new(failed(self.config_check().validate(config))))
    }

    async fn configure_provider(
        &self,
        request: Request<pb::configure_provider::Request>,
    ) -> RpcResult<pb::configure_provider::Response> {
        Ok(Response::new(self.configure(request.into_inner()).await))
    }

    async fn stop_provider(
        &self,
        _request: Request<pb::stop_provider::Request>,
    ) -> RpcResult<pb::stop_provider::Response> {
        tracing::info!("StopProvider: cancelling in-flight operations");
        self.stop.stop();
        Ok(Response::new(pb::stop_provider::Response::default()))
    }

    #[tracing::instrument(skip_all, fields(type_name = %request.get_ref().type_name))]
    async fn validate_resource_config(
        &self,
        request: Request<pb::validate_resource_config::Request>,
    ) -> RpcResult<pb::validate_resource_config::Response> {
        let request = request.into_inner();
        answer_for(self.resource(&request.type_name), async |entry| {
            Ok(failed(
                entry.config_check().validate(request.config.as_ref()),
            ))
        })
        .await
    }

    #[tracing::instrument(skip_all, fields(type_name = %request.get_ref().type_name))]
    async fn validate_data_resource_config(
        &self,
        request: Request<pb::validate_data_resource_config::Request>,
    ) -> RpcResult<pb::validate_data_resource_config::Response> {
        let request = request.into_inner();
        answer_for(self.data_source(&request.type_name), async |entry| {
            Ok(failed(
                entry.config_check().validate(request.config.as_ref()),
            ))
        })
        .await
    }

    #[tracing::instrument(skip_all, fields(type_name = %request.get_ref().type_name))]
    async fn validate_list_resource_config(
        &self,
        request: Request<pb::validate_list_resource_config::Request>,
    ) -> RpcResult<pb::validate_list_resource_config::Response> {
        let request = request.into_inner();
        answer_for(self.list_entry(&request.type_name), async |entry| {
            Ok(list::validate(entry, request.config.as_ref()))
        })
        .await
    }

    #[tracing::instrument(skip_all, fields(
        type_name = %request.get_ref().type_name,
        version = request.get_ref().version,
    ))]
    async fn upgrade_resource_state(
        &self,
        request: Request<pb::upgrade_resource_state::Request>,
    ) -> RpcResult<pb::upgrade_resource_state::Response> {
        let request = request.into_inner();
        answer_for(self.resource(&request.type_name), async |entry| {
            self.upgrade_state(entry, request)
        })
        .await
    }

    #[tracing::instrument(skip_all, fields(
        type_name = %request.get_ref().type_name,
        version = request.get_ref().version,
    ))]
    async fn upgrade_resource_identity(
        &self,
        request: Request<pb::upgrade_resource_identity::Request>,
    ) -> RpcResult<pb::upgrade_resource_identity::Response> {
        let request = request.into_inner();
        answer_for(self.resource(&request.type_name), async |entry| {
            self.upgrade_identity(entry, request)
        })
        .await
    }

    #[tracing::instrument(skip_all, fields(type_name = %request.get_ref().type_name))]
    async fn read_resource(
        &self,
        request: Request<pb::read_resource::Request>,
    ) -> RpcResult<pb::read_resource::Response> {
        let request = request.into_inner();
        answer_for(self.resource(&request.type_name), async |entry| {
            Ok(self.read(entry, request).await)
        })
        .await
    }

    #[tracing::instrument(skip_all, fields(type_name = %request.get_ref().type_name))]
    async fn plan_resource_change(
        &self,
        request: Request<pb::plan_resource_change::Request>,
    ) -> RpcResult<pb::plan_resource_change::Response> {
        let request = request.into_inner();
        answer_for(self.resource(&request.type_name), async |entry| {
            self.plan(entry, request).await
        })
        .await
    }

    #[tracing::instrument(skip_all, fields(type_name = %request.get_ref().type_name))]
    async fn apply_resource_change(
        &self,
        request: Request<pb::apply_resource_change::Request>,
    ) -> RpcResult<pb::apply_resource_change::Response> {
        let request = request.into_inner();
        answer_for(self.resource(&request.type_name), async |entry| {
            Ok(self.apply(entry, request).await)
        })
        .await
    }

    #[tracing::instrument(skip_all, fields(type_name = %request.get_ref().type_name))]
    async fn import_resource_state(
        &self,
        request: Request<pb::import_resource_state::Request>,
    ) -> RpcResult<pb::import_resource_state::Response> {
        let request = request.into_inner();
        answer_for(self.resource(&request.type_name), async |entry| {
            self.import(entry, request).await
        })
        .await
    }

    #[tracing::instrument(skip_all, fields(type_name = %request.get_ref().type_name))]
    async fn generate_resource_config(
        &self,
        request: Request<pb::generate_resource_config::Request>,
    ) -> RpcResult<pb::generate_resource_config::Response> {
        let request = request.into_inner();
        answer_for(self.resource(&request.type_name), async |entry| {
            self.generate_config(entry, request)
        })
        .await
    }

    #[tracing::instrument(skip_all, fields(type_name = %request.get_ref().type_name))]
    async fn read_data_source(
        &self,
        request: Request<pb::read_data_source::Request>,
    ) -> RpcResult<pb::read_data_source::Response> {
        let request = request.into_inner();
        answer_for(self.data_source(&request.type_name), async |entry| {
            self.read_data(entry, request).await
        })
        .await
    }

    #[tracing::instrument(skip_all, fields(
        type_name = %request.get_ref().type_name,
        limit = request.get_ref().limit,
    ))]
    async fn list_resource(
        &self,
        request: Request<pb::list_resource::Request>,
    ) -> RpcResult<BoxStream<pb::list_resource::Event>> {
        let request = request.into_inner();
        answer_for(self.list_entry(&request.type_name), async |entry| {
            self.list(entry, request)
        })
        .await
    }
}
