//! The provider's list resources (Terraform 1.14+ `terraform query`): one
//! per managed resource type, by the same name, streaming the objects of a
//! family with their identities. Shared by both kinds, like the resources.
//!
//! Each listing pulls Proton's pages lazily ([`crate::proton::listing`]):
//! Terraform's `limit`, or its going away, stops the fetching. With
//! `include_resource` (always when Terraform generates configuration), each
//! object is read as the resource's Read would, so the object is the state
//! an import would give.

use crate::plugin::diag::Diagnostics;
use crate::proton::ProtonError;

pub mod template;
pub mod template_version;

/// The event that ends a listing Proton failed.
fn list_error(what: &str, err: &ProtonError) -> Diagnostics {
    Diagnostics::from_error(format!("Unable to list {what}s"), err.to_string())
}
