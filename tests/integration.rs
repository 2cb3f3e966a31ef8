//! The integration tests: one binary, one module per file beside this one.
//!
//! One binary rather than one per file: each binary compiled `support/` and linked the
//! provider and its dependencies again. Run one file's tests with
//! `cargo test --test integration acc_templates::`.
#![allow(
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

#[macro_use]
mod support;

#[path = "acc_adoption.rs"]
mod acc_adoption;
#[path = "acc_bundles.rs"]
mod acc_bundles;
#[path = "acc_data_sources.rs"]
mod acc_data_sources;
#[path = "acc_destroy.rs"]
mod acc_destroy;
#[path = "acc_ignore_tags.rs"]
mod acc_ignore_tags;
#[path = "acc_import_blocks.rs"]
mod acc_import_blocks;
#[path = "acc_input_rules.rs"]
mod acc_input_rules;
#[path = "acc_interrupts.rs"]
mod acc_interrupts;
#[path = "acc_lifecycle_deletes.rs"]
mod acc_lifecycle_deletes;
#[path = "acc_lifecycle_majors.rs"]
mod acc_lifecycle_majors;
#[path = "acc_lifecycle_status.rs"]
mod acc_lifecycle_status;
#[path = "acc_lifecycle_templates.rs"]
mod acc_lifecycle_templates;
#[path = "acc_lifecycle_unknowns.rs"]
mod acc_lifecycle_unknowns;
#[path = "acc_provider_auth.rs"]
mod acc_provider_auth;
#[path = "acc_provider_transport.rs"]
mod acc_provider_transport;
#[path = "acc_refresh_cost.rs"]
mod acc_refresh_cost;
#[path = "acc_region.rs"]
mod acc_region;
#[path = "acc_template_versions.rs"]
mod acc_template_versions;
#[path = "acc_templates.rs"]
mod acc_templates;
#[path = "bench_smoke.rs"]
mod bench_smoke;
#[path = "codec.rs"]
mod codec;
#[path = "dependencies.rs"]
mod dependencies;
#[path = "examples.rs"]
mod examples;
#[path = "fuzz_regressions.rs"]
mod fuzz_regressions;
#[path = "process.rs"]
mod process;
#[path = "protocol_identity_list.rs"]
mod protocol_identity_list;
#[path = "protocol_rpc.rs"]
mod protocol_rpc;
#[path = "release.rs"]
mod release;
#[path = "reliability_faults.rs"]
mod reliability_faults;
#[path = "reliability_security.rs"]
mod reliability_security;
#[path = "schema_rules.rs"]
mod schema_rules;
#[path = "terraform_cli.rs"]
mod terraform_cli;
