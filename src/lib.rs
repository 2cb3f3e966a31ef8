//! terraform-provider-proton: a Terraform/OpenTofu provider (plugin protocol
//! 6) for AWS Proton template versions.
//!
//! - [`plugin`]: the protocol layer (handshake, TLS, values, schemas, plan
//!   engine, gRPC service), which knows nothing of Proton;
//! - [`kind`]: the template kind (environment or service) and its one table of facts;
//! - [`proton`]: the one wrapper around the AWS Proton SDK, with finders and
//!   waiters;
//! - [`context`]: what ConfigureProvider establishes, shared by resources
//!   and data sources;
//! - [`resources`] and [`data_sources`]: the Terraform types;
//! - [`provider`]: the `proton` provider's configuration, wiring the rest.

pub mod bundle;
pub mod context;
pub mod data_sources;
pub mod kind;
pub mod list_resources;
pub mod plugin;
pub mod proton;
pub mod provider;
pub mod resources;
