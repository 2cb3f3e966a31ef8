//! `proton-local`: a local AWS Proton endpoint for the template operations.
//!
//! It speaks awsJson1_0 with SigV4 verification, so the unmodified `aws-sdk-proton` client
//! (or the AWS CLI) can be pointed at it with an endpoint URL. See the crate README for the
//! flags, the admin API and the permissive bundle mode.

// The modules the binary, the tests and the fuzz targets reach into are public; the rest is
// the server's own machinery.
pub mod admin;
mod bundle;
pub mod ecma;
mod idempotency;
pub mod kind;
pub mod model;
pub mod ops;
mod paging;
mod server;
pub mod sigv4;
pub mod store;
pub mod wire;

pub use server::{Server, ServerConfig, ServerError};
