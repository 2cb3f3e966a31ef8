//! The one module that talks to AWS Proton.
//!
//! Resource modules use [`ProtonClient`] and the types in [`model`]; they never touch
//! `aws-sdk-proton` directly. Layout follows terraform-provider-aws service packages:
//!
//! - [`config`]: provider settings → one shared SDK client ([`build_client`]).
//! - [`client`]: one method per Proton operation, both template kinds through one code path
//!   (the per-kind SDK calls behind it are chosen once, in `client::kind`).
//! - [`find`]: finders that turn "not found" into `None` and let every other error through.
//! - [`wait`]: the registration waiter, [`bounded`] (one operation under a timeout and
//!   cancellation), and the deadline primitives every wait uses.
//! - [`create`] and [`delete`]: version creates and deletes that converge in any order
//!   Terraform runs them, coordinated through the process's [`ledger`].
//! - [`snapshot`] and [`tag_index`]: reads of many objects that share one listing, with
//!   their tags from the Resource Groups Tagging API, 100 per request.
//! - [`bundle_store`]: uploads of bundles built from a directory to S3, once per content.
//! - [`token`]: deterministic `clientToken`s so an interrupted create converges.
//! - [`model`] and [`error`]: SDK-free domain types and errors.

// Every item of aws-sdk-proton is `#[deprecated]` since Proton stopped taking new customers
// (2025-10-07). This module is the only place that uses the SDK, so the allowance stops here.
#![allow(deprecated)]

pub mod bundle_store;
pub mod client;
pub mod config;
pub mod create;
pub mod delete;
pub mod error;
pub mod find;
pub mod ledger;
pub mod listing;
pub mod model;
pub mod snapshot;
pub mod tag_index;
pub mod token;
pub mod wait;

mod convert;
mod no_response;

#[cfg(test)]
mod mock_tests;
#[cfg(test)]
mod test_support;

pub use bundle_store::{BundleStore, Stored};
pub use client::{
    CreateTemplateInput, CreateVersionInput, ProtonClient, UpdateTemplateInput, UpdateVersionInput,
};
pub use config::{build_client, Clients, ConfigError, ProtonSettings, Regions};
pub use create::SOURCE_TAG;
pub use delete::{VersionDeleted, DEFERRED_DELETE_TAG};
pub use error::ProtonError;
pub use find::version_order;
pub use model::{
    rfc3339, CompatibleEnvironmentTemplate, IdError, Template, TemplateKind, TemplateVersion,
    TemplateVersionSummary, VersionKey, VersionStatus,
};
pub use snapshot::Listed;
pub use tag_index::TagIndex;
pub use token::client_token;
pub use wait::{bounded, wait_registered, Deadline};
