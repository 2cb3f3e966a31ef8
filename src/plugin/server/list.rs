//! List resources (`terraform query`, Terraform 1.14+): their schemas,
//! ValidateListResourceConfig and the ListResource server stream.
//!
//! Terraform's rules, from hashicorp/terraform internal/plugin6
//! grpc_provider.go and internal/terraform:
//! - a list type must be a managed resource type with an identity schema:
//!   results are decoded with that resource's identity and object types;
//! - the advertised schema is the inside of the `config {}` block only;
//! - diagnostics are resolved against the whole `list` block, so attribute
//!   paths go under `config`;
//! - Terraform reads at most `limit` results and cancels the call there; an
//!   error diagnostic ends its reading, and every result needs an identity.
//!
//! The stream pulls the resource's listing one result at a time as tonic
//! sends them, stops at the limit, on the first error and on StopProvider,
//! and drops the listing as soon as it is done, or with the response when
//! the client goes away. Failures are events, never gRPC errors.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio_stream::Stream;
use tonic::codegen::BoxStream;
use tonic::Status;

use super::{entry, failed, ConfigCheck, ProviderService, ResourceEntry, WithDiagnostics};
use crate::plugin::diag::Diagnostics;
use crate::plugin::lifecycle;
use crate::plugin::proto::tfplugin6 as pb;
use crate::plugin::provider::{ListRequest, ListResource, ListStream, ListedResource};
use crate::plugin::schema::IdentitySchema;
use crate::plugin::value::{AttributePath, Type, Value};
use crate::plugin::wire::{self, encode};

/// A list resource with the types its results are encoded with.
pub(super) struct ListEntry {
    pub(super) list: Arc<dyn ListResource>,
    config_ty: Type,
    resource_ty: Type,
    identity_ty: Type,
    identity_schema: IdentitySchema,
}

impl ListEntry {
    fn config_check(&self) -> ConfigCheck<'_, impl Fn(&Value, &mut Diagnostics) + '_> {
        ConfigCheck {
            what: "list configuration",
            ty: &self.config_ty,
            schema: self.list.config_schema(),
            check: |config: &Value, diags: &mut Diagnostics| self.list.validate(config, diags),
        }
    }
}

/// The list entries, and an error for each list type without a managed
/// resource type with identity (a provider bug Terraform would only report
/// at query time, as "Identity schema not found").
pub(super) fn entries(
    lists: Vec<Arc<dyn ListResource>>,
    resources: &HashMap<&'static str, ResourceEntry>,
) -> (HashMap<&'static str, ListEntry>, Diagnostics) {
    let mut diags = Diagnostics::new();
    let mut entries = HashMap::new();
    for list in lists {
        let type_name = list.type_name();
        let resource = resources.get(type_name);
        let identity =
            resource.and_then(|r| Some((r.resource.identity_schema()?, r.identity_ty.as_ref()?)));
        let (Some(resource), Some((identity_schema, identity_ty))) = (resource, identity) else {
            diags.error(
                "List resource without a matching managed resource",
                format!("The list resource {type_name} needs a managed resource type of the same name with an identity schema. This is a bug in the provider."),
            );
            continue;
        };
        let entry = ListEntry {
            config_ty: list.config_schema().implied_type(),
            resource_ty: resource.ty.clone(),
            identity_ty: identity_ty.clone(),
            identity_schema: identity_schema.clone(),
            list,
        };
        entries.insert(type_name, entry);
    }
    (entries, diags)
}

/// Where Terraform resolves list diagnostics' paths from.
fn in_config(diags: Diagnostics) -> Diagnostics {
    diags.under(&AttributePath::attr("config"))
}

fn diagnostics_event(diags: Diagnostics) -> pb::list_resource::Event {
    pb::list_resource::Event {
        diagnostic: wire::diagnostics(in_config(diags)),
        ..Default::default()
    }
}

/// ValidateListResourceConfig. Terraform 1.15 sends only the config, not
/// `include_resource_object` or `limit`.
pub(super) fn validate(
    entry: &ListEntry,
    config: Option<&pb::DynamicValue>,
) -> pb::validate_list_resource_config::Response {
    failed(in_config(entry.config_check().validate(config)))
}

impl ProviderService {
    pub(super) fn list_entry(&self, type_name: &str) -> Result<&ListEntry, Diagnostics> {
        entry(&self.lists, "list resource", type_name)
    }

    /// ListResource: the event stream, or one event with the problem.
    pub(super) fn list(
        &self,
        entry: &ListEntry,
        request: pb::list_resource::Request,
    ) -> Result<BoxStream<pb::list_resource::Event>, Diagnostics> {
        let config = entry.config_check().decode(request.config.as_ref())?;
        if request.limit <= 0 {
            return Ok(Box::pin(tokio_stream::empty()));
        }
        let ctx = self.context();
        let cancelled = Box::pin(ctx.cancel.clone().cancelled_owned());
        let source = entry.list.list(
            ctx,
            ListRequest {
                config,
                include_resource: request.include_resource_object,
                limit: request.limit,
            },
        );
        Ok(Box::pin(ListEvents {
            source: Some(source),
            cancelled,
            remaining: request.limit,
            encoder: ResultEncoder {
                include_resource: request.include_resource_object,
                resource_ty: entry.resource_ty.clone(),
                identity_ty: entry.identity_ty.clone(),
                identity_schema: entry.identity_schema.clone(),
            },
        }))
    }
}

/// A listing that is one event with the problem.
impl WithDiagnostics for BoxStream<pb::list_resource::Event> {
    fn with_diagnostics(diags: Diagnostics) -> Self {
        Box::pin(tokio_stream::once(Ok(diagnostics_event(diags))))
    }
}

/// Turns a listed result into its event.
struct ResultEncoder {
    include_resource: bool,
    resource_ty: Type,
    identity_ty: Type,
    identity_schema: IdentitySchema,
}

impl ResultEncoder {
    fn event(&self, listed: ListedResource) -> Result<pb::list_resource::Event, Diagnostics> {
        let incomplete = |detail: &str| {
            Diagnostics::from_error(
                "Incomplete list result",
                format!("{detail} This is a bug in the provider."),
            )
        };
        let identity = self.identity_schema.complete(listed.identity);
        if identity.is_null() || !identity.is_wholly_known() {
            return Err(incomplete(&format!(
                "The result {:?} has a null or partly unknown identity.",
                listed.display_name
            )));
        }
        let mut diags = Diagnostics::new();
        let resource_object = match (self.include_resource, listed.resource) {
            (false, _) => None,
            (true, Some(resource)) if resource.is_wholly_known() && !resource.is_null() => {
                Some(encode(&resource, &self.resource_ty)?)
            }
            (true, Some(_)) => {
                return Err(incomplete(&format!(
                    "The resource object of {:?} is null or partly unknown.",
                    listed.display_name
                )))
            }
            (true, None) => {
                diags.warning(
                    "Incomplete list result",
                    format!(
                        "The resource object of {:?} was asked for but not returned.",
                        listed.display_name
                    ),
                );
                None
            }
        };
        Ok(pb::list_resource::Event {
            identity: wire::encode_identity(Some(&identity), &self.identity_ty)?,
            display_name: listed.display_name,
            resource_object,
            diagnostic: wire::diagnostics(in_config(diags)),
        })
    }
}

/// The ListResource response stream over a resource's listing.
struct ListEvents {
    /// The listing; `None` once finished, so it is released at once.
    source: Option<ListStream>,
    cancelled: Pin<Box<tokio_util::sync::WaitForCancellationFutureOwned>>,
    remaining: i64,
    encoder: ResultEncoder,
}

impl ListEvents {
    fn finish(
        &mut self,
        event: pb::list_resource::Event,
    ) -> Poll<Option<Result<pb::list_resource::Event, Status>>> {
        self.source = None;
        Poll::Ready(Some(Ok(event)))
    }
}

impl Stream for ListEvents {
    type Item = Result<pb::list_resource::Event, Status>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let Some(source) = this.source.as_mut() else {
            return Poll::Ready(None);
        };
        if this.cancelled.as_mut().poll(cx).is_ready() {
            return this.finish(diagnostics_event(lifecycle::cancelled("List")));
        }
        match source.as_mut().poll_next(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(None) => {
                this.source = None;
                Poll::Ready(None)
            }
            Poll::Ready(Some(Err(diags))) => {
                let fatal = diags.has_errors();
                let event = diagnostics_event(diags);
                if fatal {
                    this.finish(event)
                } else {
                    Poll::Ready(Some(Ok(event)))
                }
            }
            Poll::Ready(Some(Ok(listed))) => match this.encoder.event(listed) {
                Ok(event) => {
                    this.remaining -= 1;
                    if this.remaining <= 0 {
                        this.finish(event)
                    } else {
                        Poll::Ready(Some(Ok(event)))
                    }
                }
                Err(diags) => this.finish(diagnostics_event(diags)),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::plugin::schema::{IdentityAttribute, Schema};
    use crate::plugin::value::Value;
    use tokio_stream::StreamExt;
    use tokio_util::sync::CancellationToken;

    fn identity_schema() -> IdentitySchema {
        IdentitySchema::new(vec![IdentityAttribute::required_for_import(
            "name",
            Type::String,
            "n",
        )])
    }

    fn listed(name: Value, resource: Option<Value>) -> ListedResource {
        ListedResource {
            identity: Value::object([("name", name)]),
            display_name: "x".into(),
            resource,
        }
    }

    fn events(
        items: Vec<crate::plugin::provider::ListEvent>,
        include_resource: bool,
        limit: i64,
        cancel: &CancellationToken,
    ) -> ListEvents {
        let schema = identity_schema();
        ListEvents {
            source: Some(Box::pin(tokio_stream::iter(items))),
            cancelled: Box::pin(cancel.clone().cancelled_owned()),
            remaining: limit,
            encoder: ResultEncoder {
                include_resource,
                resource_ty: Type::object([("name", Type::String)]),
                identity_ty: schema.implied_type(),
                identity_schema: schema,
            },
        }
    }

    async fn collect(mut stream: ListEvents) -> Vec<pb::list_resource::Event> {
        let mut all = Vec::new();
        while let Some(event) = stream.next().await {
            all.push(event.unwrap());
        }
        all
    }

    fn summaries(event: &pb::list_resource::Event) -> Vec<&str> {
        event
            .diagnostic
            .iter()
            .map(|d| d.summary.as_str())
            .collect()
    }

    struct Orphan(Schema);

    impl ListResource for Orphan {
        fn type_name(&self) -> &'static str {
            "orphan"
        }
        fn config_schema(&self) -> &Schema {
            &self.0
        }
        fn list(
            &self,
            _ctx: crate::plugin::provider::OpContext,
            _request: ListRequest,
        ) -> ListStream {
            Box::pin(tokio_stream::empty())
        }
    }

    #[test]
    fn a_list_type_without_a_managed_resource_is_a_provider_bug() {
        let orphan = Orphan(Schema::new(crate::plugin::schema::Block::new("o")));
        let (entries, diags) = entries(vec![Arc::new(orphan)], &HashMap::new());
        assert!(entries.is_empty());
        assert_eq!(
            diags.0[0].summary,
            "List resource without a matching managed resource"
        );
    }

    /// A listing of five good results, read up to `limit`.
    fn five_results(limit: i64, cancel: &CancellationToken) -> ListEvents {
        let items = (0..5)
            .map(|_| Ok(listed(Value::string("a"), None)))
            .collect();
        events(items, false, limit, cancel)
    }

    #[tokio::test]
    async fn the_limit_releases_the_listing_at_once() {
        let cancel = CancellationToken::new();
        let mut stream = five_results(2, &cancel);
        assert!(stream.next().await.is_some());
        assert!(stream.source.is_some());
        assert!(stream.next().await.is_some());
        assert!(stream.source.is_none());
        assert!(stream.next().await.is_none());
    }

    #[tokio::test]
    async fn stop_provider_ends_the_listing_with_an_error_event() {
        let cancel = CancellationToken::new();
        let mut stream = five_results(10, &cancel);
        assert!(stream.next().await.unwrap().unwrap().identity.is_some());
        cancel.cancel();
        let all = collect(stream).await;
        assert_eq!(all.len(), 1);
        assert_eq!(summaries(&all[0]), ["List cancelled"]);
    }

    #[tokio::test]
    async fn a_result_without_a_known_identity_ends_the_listing() {
        let cancel = CancellationToken::new();
        let items = vec![
            Ok(listed(Value::Unknown, None)),
            Ok(listed(Value::string("a"), None)),
        ];
        let all = collect(events(items, false, 10, &cancel)).await;
        assert_eq!(all.len(), 1);
        assert_eq!(summaries(&all[0]), ["Incomplete list result"]);
        assert!(all[0].identity.is_none());
    }

    #[tokio::test]
    async fn a_missing_resource_object_is_a_warning_on_the_result() {
        let cancel = CancellationToken::new();
        let object = Value::object([("name", Value::string("a"))]);
        let items = vec![
            Ok(listed(Value::string("a"), None)),
            Ok(listed(Value::string("a"), Some(object))),
        ];
        let all = collect(events(items, true, 10, &cancel)).await;
        assert_eq!(all.len(), 2);
        assert_eq!(summaries(&all[0]), ["Incomplete list result"]);
        assert_eq!(
            all[0].diagnostic[0].severity,
            pb::diagnostic::Severity::Warning as i32
        );
        assert!(all[0].identity.is_some() && all[0].resource_object.is_none());
        assert!(all[1].diagnostic.is_empty() && all[1].resource_object.is_some());
    }
}
