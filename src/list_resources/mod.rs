//! The provider's list resources (Terraform 1.14+ `terraform query`): one
//! per managed resource type, by the same name, streaming the objects of a
//! kind with their identities. Shared by both kinds, like the resources.
//!
//! Each listing pulls Proton's pages lazily ([`crate::proton::listing`]):
//! Terraform's `limit`, or its going away, stops the fetching. With
//! `include_resource` (always when Terraform generates configuration), each
//! object is read as the resource's Read would, so the object is the state
//! an import would give.

use std::collections::BTreeMap;

use tokio_stream::Stream;

use crate::context::{IgnoreTags, ProviderState};
use crate::plugin::diag::Diagnostics;
use crate::plugin::provider::{ListEvent, ListStream};
use crate::proton::{ProtonClient, ProtonError};
use crate::resources::region;

pub mod template;
pub mod template_version;

/// The event that ends a listing Proton failed.
fn list_error(what: &str, err: &ProtonError) -> Diagnostics {
    Diagnostics::from_error(format!("Unable to list {what}s"), err.to_string())
}

/// The listing `body` streams with the client of `region` (the provider's for `None`), the
/// default tags and the ignored tags, or the one error event of an unconfigured provider or a
/// region it cannot reach.
fn with_client<S>(
    provider: &ProviderState,
    region: Option<&str>,
    body: impl FnOnce(ProtonClient, BTreeMap<String, String>, IgnoreTags) -> S,
) -> ListStream
where
    S: Stream<Item = ListEvent> + Send + 'static,
{
    match region::lookup(provider, region) {
        Ok(configured) => Box::pin(body(
            configured.client.clone(),
            configured.default_tags.clone(),
            configured.ignore_tags.clone(),
        )),
        Err(diags) => Box::pin(tokio_stream::once(Err(diags))),
    }
}
