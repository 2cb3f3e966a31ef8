#!/usr/bin/env bash
# Long local fuzzing runs with cargo-fuzz (libFuzzer). CI does not run this:
# it replays fuzz/corpus and fuzz/regressions on stable (tests/fuzz_regressions.rs).
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#
# Default: 600 s for each of msgpack_value, json_value, import_id,
# proton_local_request, proton_local_operation. Needs `cargo install cargo-fuzz`. cargo-fuzz uses
# nightly-only rustc flags (-Zsanitizer, -Cpasses=sancov-module); with only a
# stable toolchain RUSTC_BOOTSTRAP=1 unlocks them. The sanitizer is off by
# default (the code under test is safe Rust; set FUZZ_SANITIZER=address to
# change that). New corpus entries land in fuzz/corpus/TARGET (minimise with
# `cargo fuzz cmin TARGET` before committing); a crash stops the run and
# leaves its input in fuzz/artifacts/TARGET: copy it to
# fuzz/regressions/TARGET/ so the stable replay keeps checking it.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

seconds=${1:-600}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(msgpack_value json_value import_id proton_local_request proton_local_operation)
fi
export RUSTC_BOOTSTRAP=1
sanitizer=${FUZZ_SANITIZER:-none}

cargo fuzz build --sanitizer "$sanitizer"
for target in "${targets[@]}"; do
  mkdir -p "corpus/$target"
  echo "fuzz.sh: $target for ${seconds}s" >&2
  cargo fuzz run --sanitizer "$sanitizer" "$target" "corpus/$target" -- \
    -max_total_time="$seconds" -max_len=4096 -print_final_stats=1
done
