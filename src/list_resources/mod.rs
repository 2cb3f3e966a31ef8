//! The provider's list resources (Terraform 1.14+ `terraform query`): one
//! per managed resource type, by the same name, streaming the objects of a
//! kind with their identities. Shared by both kinds, like the resources.
//!
//! Each listing pulls Proton's pages lazily ([`crate::proton::listing`]):
//! Terraform's `limit`, or its going away, stops the fetching. With
//! `include_resource` (always when Terraform generates configuration), each
//! object is read as the resource's Read would, so the object is the state
//! an import would give; [`READ_AHEAD`] reads overlap.

use tokio_stream::Stream;

use crate::context::{Configured, ProviderState};
use crate::plugin::diag::Diagnostics;
use crate::plugin::provider::{ListEvent, ListStream};
use crate::proton::ProtonError;
use crate::resources::region;

pub mod template;
pub mod template_version;

/// With `include_resource`, how many listed objects are read at once, ahead of
/// the one Terraform gets next: reads overlap (each is a Get and a
/// ListTagsForResource, one after the other), results stay in Proton's order,
/// and at most this many reads go past Terraform's `limit`.
const READ_AHEAD: usize = 8;

/// The event that ends a listing Proton failed.
fn list_error(what: &str, err: &ProtonError) -> Diagnostics {
    Diagnostics::from_error(format!("Unable to list {what}s"), err.to_string())
}

/// The listing `body` streams with what `region` (the provider's for `None`) works with, or
/// the one error event of an unconfigured provider or a region it cannot reach.
fn with_client<S>(
    provider: &ProviderState,
    region: Option<&str>,
    body: impl FnOnce(Configured) -> S,
) -> ListStream
where
    S: Stream<Item = ListEvent> + Send + 'static,
{
    match region::lookup(provider, region) {
        Ok(configured) => Box::pin(body(configured)),
        Err(diags) => Box::pin(tokio_stream::once(Err(diags))),
    }
}
