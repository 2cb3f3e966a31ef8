#!/usr/bin/env bash
# The project's benchmark command (issue 6): installs Terraform 1.0.3, builds
# the provider and proton-local in release mode, runs the whole suite in
# benches/ (it starts proton-local itself) and writes docs/benchmarks.md.
# Takes about 20 minutes on a 2-core machine, half of it the LTO build.
# BENCH_OUT=path writes elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-terraform.sh
export TERRAFORM="$PWD/tools/terraform"

# `cargo bench` builds the provider binary it measures (CARGO_BIN_EXE_*), in
# the release profile; proton-local's binary is not part of that build.
cargo build --release --locked -p proton-local
export PROTON_LOCAL="$PWD/target/release/proton-local"
cargo bench --locked -p terraform-provider-proton --bench provider_suite
