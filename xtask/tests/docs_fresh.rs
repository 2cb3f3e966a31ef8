//! The committed docs/ matches what `cargo run -p xtask -- docs` generates.
#![allow(clippy::panic)]

#[test]
fn committed_docs_are_fresh() {
    let root = xtask::workspace_root();
    let stale = match xtask::docs::check(&root) {
        Ok(stale) => stale,
        Err(err) => panic!("cannot generate docs: {err}"),
    };
    assert!(
        stale.is_empty(),
        "docs/ is stale; run `cargo run -p xtask -- docs` and commit the result. Stale files: {stale:?}"
    );
}
