//! `proton-local`: a local AWS Proton endpoint for the template operations.
//!
//! It speaks awsJson1_0 with SigV4 verification, so the unmodified `aws-sdk-proton` client
//! (or the AWS CLI) can be pointed at it with an endpoint URL. See the crate README for the
//! flags, the admin API and the permissive bundle mode.

pub mod admin;
pub mod bundle;
pub mod ecma;
pub mod idempotency;
pub mod model;
pub mod ops;
pub mod paging;
pub mod server;
pub mod sigv4;
pub mod store;
pub mod wire;

pub use server::{Server, ServerConfig, ServerError};
