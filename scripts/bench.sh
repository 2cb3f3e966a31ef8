#!/usr/bin/env bash
# The project's benchmark command: installs both Terraform CLIs, builds
# the provider and proton-local in release mode, runs the whole suite in
# benches/ (it starts proton-local itself) and writes docs/benchmarks.md.
# Every Terraform-driven figure of sections 1-5 is taken once per CLI (1.0.3
# and 1.15.5); section 6 (adoption: terraform query, generated configuration)
# needs 1.15.5 and runs on it only.
# Takes about 30 minutes on a 2-core machine, a third of it the LTO build.
# Section 7 (bundles from directories) runs on both CLIs too. Section 8
# (refresh cost at scale, issue 25) runs on 1.15.5 only: 8a plans N versions
# in state against N terraform_data (BENCH_SCALE_SIZES=300,1000,
# BENCH_SCALE_RUNS=7), 8b refreshes BENCH_LATENCY_VERSIONS=1000 versions
# (0: skip 8b) with BENCH_LATENCY_MS=50 ms per API call, BENCH_LATENCY_RUNS=3
# runs, before and after: "before" is the provider binary named by
# BENCH_BASELINE_PROVIDER=path (e.g. a release build of main; without it,
# 8b measures only this build); 8c is the provider's peak RSS in both.
# BENCH_OUT=path writes elsewhere; BENCH_ONLY=core (sections 1-5),
# BENCH_ONLY=adopt (section 6), BENCH_ONLY=bundles (section 7) or
# BENCH_ONLY=scale (section 8) runs only those; BENCH_TRACE_DIR=dir keeps the
# traces of sections 6, 7 and 8's traced runs. Sizes: see Config::from_env in
# benches/suite/mod.rs.
set -euo pipefail
# A relative path names a file from where the script was started, not the repository root.
if [ -n "${BENCH_BASELINE_PROVIDER:-}" ]; then
  BENCH_BASELINE_PROVIDER="$(realpath "$BENCH_BASELINE_PROVIDER")"
  export BENCH_BASELINE_PROVIDER
fi
cd "$(dirname "$0")/.."

scripts/install-terraform.sh
export TERRAFORM="${TERRAFORM:-$PWD/tools/terraform}"
export TERRAFORM_1_0_3="${TERRAFORM_1_0_3:-$PWD/tools/terraform-1.0.3}"

# `cargo bench` builds the provider binary it measures (CARGO_BIN_EXE_*), in
# the release profile; proton-local's binary is not part of that build.
cargo build --release --locked -p proton-local
export PROTON_LOCAL="$PWD/target/release/proton-local"
cargo bench --locked -p terraform-provider-proton --bench provider_suite
