//! Shared test support.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

pub mod acc;
pub mod hcl;
pub mod mtls;
pub mod plugin;
pub mod proton_local;
pub mod proxy;
pub mod registry;
#[macro_use]
pub mod terraform;
pub mod toy;
pub mod toy_rpc;
