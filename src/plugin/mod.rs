//! Protocol plumbing: everything Terraform's plugin protocol needs, and
//! nothing about Proton. Resources plug in through [`provider`]'s traits.
//!
//! Three layers, imported downwards only:
//! - the model: [`value`], [`codec`], [`diag`], [`schema`], the resource
//!   traits in [`provider`], and their typed form in [`model`] and
//!   [`typed`] (what the provider's types implement);
//! - the engine, pure functions over the model: [`plan`] (what a plan holds),
//!   [`lifecycle`] (what apply, refresh, import, upgrade and data source
//!   reads answer) and [`identity`] (which identity each answer carries);
//! - the wire: `wire` converts protobuf ⇄ model, [`server`] is the tfplugin6
//!   gRPC service, [`serve`] runs the process (with go-plugin's services),
//!   [`handshake`], [`tls`] and [`logging`] the rest of the process contract.
//!
//! The generated tfplugin6 types ([`proto`]) are imported only by `wire` and
//! [`server`]; go-plugin's only by [`serve`].

pub mod codec;
pub mod diag;
pub mod handshake;
pub mod identity;
pub mod lifecycle;
pub mod logging;
pub mod model;
pub mod plan;
pub mod proto;
pub mod provider;
pub mod schema;
pub mod serve;
pub mod server;
pub mod tls;
pub mod typed;
pub mod value;
mod wire;
