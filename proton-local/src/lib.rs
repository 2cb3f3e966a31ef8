//! `proton-local`: a local AWS Proton endpoint for the template operations.
//!
//! It speaks awsJson1_0 with SigV4 verification, so the unmodified `aws-sdk-proton` client
//! (or the AWS CLI) can be pointed at it with an endpoint URL. The same port serves a small,
//! path-style S3 API (`s3.rs`, through the `s3s` crate) over the object store (`objects.rs`)
//! that registration reads bundles from, and STS (`sts.rs`, Query protocol): the configured key
//! pair belongs to the default account, declared roles may be assumed, and the sessions issued
//! act in the role's account (`accounts.rs`). The Resource Groups Tagging API's `GetResources`
//! (`tagging.rs`) reads the tags of the Proton objects. See the crate README for the flags, the admin
//! API, the S3 API, STS and accounts, and the `--canned-bundles` mode.

// The modules the binary, the tests and the fuzz targets reach into are public; the rest is
// the server's own machinery.
pub mod accounts;
pub mod admin;
mod bundle;
pub mod ecma;
mod idempotency;
pub mod kind;
pub mod model;
pub mod objects;
pub mod ops;
mod paging;
mod s3;
mod server;
pub mod sigv4;
pub mod store;
mod sts;
mod tagging;
pub mod wire;

pub use server::{Server, ServerConfig, ServerError};
