//! The integration tests: one binary, one module per file beside this one.
//!
//! One binary rather than one per file: each binary compiled `support/` and linked the
//! provider and its dependencies again. Run one file's tests with
//! `cargo test --test integration acc_templates::`.
//!
//! Tests may unwrap, expect and panic: allowed here, for every module.
#![allow(
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

#[macro_use]
mod support;

mod acc_adoption;
mod acc_bundles;
mod acc_data_sources;
mod acc_destroy;
mod acc_ignore_tags;
mod acc_import_blocks;
mod acc_input_rules;
mod acc_interrupts;
mod acc_lifecycle_deletes;
mod acc_lifecycle_majors;
mod acc_lifecycle_status;
mod acc_lifecycle_templates;
mod acc_lifecycle_unknowns;
mod acc_provider_auth;
mod acc_provider_transport;
mod acc_refresh_cost;
mod acc_region;
mod acc_template_versions;
mod acc_templates;
mod bench_smoke;
mod codec;
mod dependencies;
mod examples;
mod fuzz_regressions;
mod process;
mod protocol_identity_list;
mod protocol_rpc;
mod release;
mod reliability_faults;
mod reliability_security;
mod schema_rules;
mod terraform_cli;
