//! Replays the fuzz corpus on stable Rust: every file under
//! `fuzz/corpus/TARGET/` and `fuzz/regressions/TARGET/` (inputs that once
//! crashed or are worth keeping) goes through the same check the cargo-fuzz
//! target runs (`fuzz/src/checks.rs`). Long fuzzing runs: `scripts/fuzz.sh`.

#[path = "../fuzz/src/checks.rs"]
mod checks;

use std::path::Path;

fn replay(target: &str, check: fn(&[u8])) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut replayed = 0;
    for dir in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(|| check(&data));
            assert!(outcome.is_ok(), "{} fails {target}", path.display());
            replayed += 1;
        }
    }
    assert!(replayed > 0, "no corpus for {target}");
}

#[test]
fn msgpack_value_corpus() {
    replay("msgpack_value", checks::msgpack_value);
}

#[test]
fn json_value_corpus() {
    replay("json_value", checks::json_value);
}

#[test]
fn import_id_corpus() {
    replay("import_id", checks::import_id);
}

#[test]
fn proton_local_request_corpus() {
    replay("proton_local_request", checks::proton_local_request);
}

#[test]
fn proton_local_operation_corpus() {
    replay("proton_local_operation", checks::proton_local_operation);
}

#[test]
fn the_fuzzed_types_are_the_provider_and_every_resource() {
    use terraform_provider_proton::plugin::provider::Provider;
    let provider = terraform_provider_proton::provider::ProtonProvider::new();
    assert_eq!(checks::schema_types().len(), 1 + provider.resources().len());
}
