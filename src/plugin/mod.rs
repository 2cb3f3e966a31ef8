//! Protocol plumbing: everything Terraform's plugin protocol needs, and
//! nothing about Proton. Resources plug in through [`provider`]'s traits.

pub mod codec;
pub mod diag;
pub mod handshake;
pub mod lifecycle;
pub mod logging;
pub mod plan;
pub mod proto;
pub mod provider;
pub mod schema;
pub mod serve;
pub mod server;
pub mod tls;
pub mod value;
mod wire;
