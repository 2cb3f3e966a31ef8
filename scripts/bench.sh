#!/usr/bin/env bash
# The project's benchmark command: installs both Terraform CLIs, builds
# the provider and proton-local in release mode, runs the whole suite in
# benches/ (it starts proton-local itself) and writes docs/benchmarks.md.
# Every Terraform-driven figure of sections 1-5 is taken once per CLI (1.0.3
# and 1.15.5); section 6 (adoption: terraform query, generated configuration)
# needs 1.15.5 and runs on it only.
# Takes about 30 minutes on a 2-core machine, a third of it the LTO build.
# Section 7 (bundles from directories) runs on both CLIs too.
# BENCH_OUT=path writes elsewhere; BENCH_ONLY=core (sections 1-5),
# BENCH_ONLY=adopt (section 6) or BENCH_ONLY=bundles (section 7) runs only
# those; BENCH_TRACE_DIR=dir keeps the traces of sections 6 and 7's traced runs. Sizes: see Config::from_env in
# benches/suite/mod.rs.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-terraform.sh
export TERRAFORM="${TERRAFORM:-$PWD/tools/terraform}"
export TERRAFORM_1_0_3="${TERRAFORM_1_0_3:-$PWD/tools/terraform-1.0.3}"

# `cargo bench` builds the provider binary it measures (CARGO_BIN_EXE_*), in
# the release profile; proton-local's binary is not part of that build.
cargo build --release --locked -p proton-local
export PROTON_LOCAL="$PWD/target/release/proton-local"
cargo bench --locked -p terraform-provider-proton --bench provider_suite
