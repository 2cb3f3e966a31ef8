//! The tfplugin6 `Provider` gRPC service: for each RPC it finds the resource,
//! data source or list resource, converts the request through `wire`,
//! drives the implementation, and lets [`plan`](super::plan),
//! [`lifecycle`] and [`identity`](super::identity) decide what the answer
//! holds. The managed resource RPCs live in `resource`, data sources in
//! `data_source`, identity schemas and upgrades in `identity`, list
//! resources in `list`. RPCs we do not implement (functions, ephemeral
//! resources, moves, actions, state stores) answer `Unimplemented`; no
//! capability for them is advertised.
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
            private: Vec::new(),
        }
    }

    fn resource(&self, type_name: &str) -> Result<&ResourceEntry, Diagnostics> {
        entry(&self.resources, "resource", type_name)
    }

    fn data_source(&self, type_name: &str) -> Result<&DataSourceEntry, Diagnostics> {
        entry(&self.data_sources, "data source", type_name)
    }

    fn metadata(&self, _request: pb::get_metadata::Request) -> pb::get_metadata::Response {
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

    fn provider_schema(
        &self,
        _request: pb::get_provider_schema::Request,
    ) -> pb::get_provider_schema::Response {
        self.schema_response.clone()
    }

    fn identity_schemas(
        &self,
        _request: pb::get_resource_identity_schemas::Request,
    ) -> pb::get_resource_identity_schemas::Response {
        self.identity_response.clone()
    }

    fn validate_provider(
        &self,
        request: pb::validate_provider_config::Request,
    ) -> pb::validate_provider_config::Response {
        failed(self.validate_config(request.config.as_ref()))
    }

    /// ValidateResourceConfig and ValidateDataResourceConfig: every problem
    /// with the configuration sent for `entry`'s type.
    fn validate(&self, entry: &impl Configured, config: Option<pb::DynamicValue>) -> Diagnostics {
        entry.validate_config(config.as_ref())
    }

    async fn configure(
        &self,
        request: pb::configure_provider::Request,
    ) -> pb::configure_provider::Response {
        let config = match self.decode_config(request.config.as_ref()) {
            Ok(config) => config,
            Err(diags) => return failed(diags),
        };
        let mut diags = Diagnostics::new();
        self.provider
            .configure(&config, &request.terraform_version, &mut diags)
            .await;
        failed(diags)
    }

    fn stop_operations(&self, _request: pb::stop_provider::Request) -> pb::stop_provider::Response {
        tracing::info!("StopProvider: cancelling in-flight operations");
        self.stop.stop();
        pb::stop_provider::Response::default()
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

/// A configuration Terraform sends (the provider's, a resource's, a data
/// source's or a list's): decoded with the type computed for it, validated
/// by its schema's validators and then by the implementation's own checks.
trait Configured {
    fn decode_config(&self, config: Option<&pb::DynamicValue>) -> Result<Value, Diagnostics>;
    fn config_schema(&self) -> &Schema;
    fn check_config(&self, config: &Value, diags: &mut Diagnostics);

    /// Every problem with the configuration Terraform sent.
    fn validate_config(&self, config: Option<&pb::DynamicValue>) -> Diagnostics {
        match self.decode_config(config) {
            Ok(config) => {
                lifecycle::validate_config(&self.config_schema().block, &config, |config, diags| {
                    self.check_config(config, diags)
                })
            }
            Err(diags) => diags,
        }
    }
}

/// [`Configured`] for a holder of an implementation and the type of its
/// configuration: `Holder { "what the configuration is called", type_field,
/// implementation_field.schema_method }`.
macro_rules! configured {
    ($($holder:ty { $what:literal, $ty:ident, $imp:ident.$schema:ident })*) => {$(
        impl $crate::plugin::server::Configured for $holder {
            fn decode_config(
                &self,
                config: Option<&$crate::plugin::proto::tfplugin6::DynamicValue>,
            ) -> Result<$crate::plugin::value::Value, $crate::plugin::diag::Diagnostics> {
                $crate::plugin::wire::decode(config, &self.$ty, $what)
            }
            fn config_schema(&self) -> &$crate::plugin::schema::Schema {
                self.$imp.$schema()
            }
            fn check_config(
                &self,
                config: &$crate::plugin::value::Value,
                diags: &mut $crate::plugin::diag::Diagnostics,
            ) {
                self.$imp.validate(config, diags)
            }
        }
    )*};
}
use configured;

configured! {
    ProviderService { "provider configuration", provider_type, provider.schema }
    ResourceEntry { "resource configuration", ty, resource.schema }
    DataSourceEntry { "data source configuration", ty, data_source.schema }
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
);

/// What a method answering a `named` RPC returns: the answer, `Err` with
/// the diagnostics that are all of it, or (a validation) only diagnostics.
trait Answers<R> {
    fn answer(self) -> R;
}

impl<R> Answers<R> for R {
    fn answer(self) -> R {
        self
    }
}

impl<R: WithDiagnostics> Answers<R> for Result<R, Diagnostics> {
    fn answer(self) -> R {
        self.unwrap_or_else(failed)
    }
}

impl<R: WithDiagnostics> Answers<R> for Diagnostics {
    fn answer(self) -> R {
        failed(self)
    }
}

/// The `Provider` service as a table, one RPC a line: `rpc => method`, with
/// `.await` for an async method. The answer is the RPC's `Response`, or the
/// type after `->`.
///
/// - `provider`: RPCs about the provider itself; the method gets the
///   request's message.
/// - `named`: RPCs about the resource, data source or list type the request
///   names, each in a span recording `type_name` and any fields listed. The
///   method gets the entry `lookup` finds and the message (or only the field
///   in parentheses); it returns the answer, `Err` with the only diagnostics,
///   or bare diagnostics ([`Answers`]). An unknown type answers its error
///   alone, so each answer is [`WithDiagnostics`]: implemented here for a
///   `Response`, by hand for an `-> Answer`.
///
/// The macro writes the whole impl because `async_trait` rewrites only the
/// `async fn`s it is given; those of a macro invoked inside the impl would
/// not be expanded yet.
macro_rules! provider_service {
    (
        provider {$(
            $rpc:ident => $method:ident $(.$await:ident)?;
        )*}
        named {$(
            #[span(type_name $(, $field:ident)*)]
            $named:ident($lookup:ident) => $answer:ident $(($part:ident))?
                $(.$named_await:ident)? $(-> $stream:ty)?;
        )*}
    ) => {
        #[tonic::async_trait]
        impl pb::provider_server::Provider for ProviderService {
            $(
                async fn $rpc(
                    &self,
                    request: Request<pb::$rpc::Request>,
                ) -> RpcResult<pb::$rpc::Response> {
                    Ok(Response::new(self.$method(request.into_inner())$(.$await)?))
                }
            )*
            $(
                #[tracing::instrument(skip_all, fields(
                    type_name = %request.get_ref().type_name
                    $(, $field = request.get_ref().$field)*
                ))]
                async fn $named(
                    &self,
                    request: Request<pb::$named::Request>,
                ) -> RpcResult<provider_service!(@answer $named $($stream)?)> {
                    let request = request.into_inner();
                    Ok(Response::new(match self.$lookup(&request.type_name) {
                        Ok(entry) => {
                            Answers::answer(self.$answer(entry, request$(.$part)?)$(.$named_await)?)
                        }
                        Err(diags) => failed(diags),
                    }))
                }
            )*
        }
        $(provider_service!(@failed $named $($stream)?);)*
    };
    (@answer $rpc:ident) => { pb::$rpc::Response };
    (@answer $rpc:ident $answer:ty) => { $answer };
    (@failed $rpc:ident) => { with_diagnostics!(pb::$rpc::Response); };
    (@failed $rpc:ident $answer:ty) => {};
}

provider_service! {
    provider {
        get_metadata => metadata;
        get_provider_schema => provider_schema;
        get_resource_identity_schemas => identity_schemas;
        validate_provider_config => validate_provider;
        configure_provider => configure.await;
        stop_provider => stop_operations;
    }
    named {
        #[span(type_name)]
        validate_resource_config(resource) => validate(config);
        #[span(type_name)]
        validate_data_resource_config(data_source) => validate(config);
        #[span(type_name)]
        validate_list_resource_config(list_entry) => validate_list(config);
        #[span(type_name, version)]
        upgrade_resource_state(resource) => upgrade_state;
        #[span(type_name, version)]
        upgrade_resource_identity(resource) => upgrade_identity;
        #[span(type_name)]
        read_resource(resource) => read.await;
        #[span(type_name)]
        plan_resource_change(resource) => plan.await;
        #[span(type_name)]
        apply_resource_change(resource) => apply.await;
        #[span(type_name)]
        import_resource_state(resource) => import.await;
        #[span(type_name)]
        generate_resource_config(resource) => generate_config;
        #[span(type_name)]
        read_data_source(data_source) => read_data.await;
        #[span(type_name, limit)]
        list_resource(list_entry) => list -> BoxStream<pb::list_resource::Event>;
    }
}
