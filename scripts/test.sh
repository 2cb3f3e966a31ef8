#!/usr/bin/env bash
# The project's test command: installs what the tests need (both Terraform
# CLIs, 1.15.5 and 1.0.3, from PyPI; the release tools; Rust crates through
# cargo), checks formatting and lints, then runs every test of the
# workspace. Every real-CLI test runs once per CLI. Anything missing fails
# the run.
#
# TERRAFORM=/path/to/terraform runs the tests' modern-CLI half against
# another Terraform (TERRAFORM_1_0_3 replaces the oldest one).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-terraform.sh
# tests/release.rs runs scripts/release.sh, which builds with these.
scripts/install-release-tools.sh
export TERRAFORM="${TERRAFORM:-$PWD/tools/terraform}"
export TERRAFORM_1_0_3="${TERRAFORM_1_0_3:-$PWD/tools/terraform-1.0.3}"

# The release tests package builds of both platforms (about 12 CPU-minutes,
# cold). They start now, in their own target directory, and use what the
# real-Terraform tests leave of the two cores; when tests/release.rs runs
# scripts/release.sh, cargo waits for them to finish and rebuilds nothing.
mkdir -p target
setsid scripts/release.sh --profile dist-check --build-only >target/dist-check-build.log 2>&1 &
release_build=$!
trap 'kill -- -$release_build 2>/dev/null || true' EXIT

cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked

wait "$release_build" || {
  cat target/dist-check-build.log >&2
  echo "test: the release build failed" >&2
  exit 1
}
trap - EXIT
