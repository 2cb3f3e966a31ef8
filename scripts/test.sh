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

cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
