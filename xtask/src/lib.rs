//! Developer tasks for terraform-provider-proton, run as
//! `cargo run -p xtask -- <command>`:
//!
//! - `docs [--check]`: registry docs from the schema and the examples ([`docs`]).
//!
//! Template bundles need no task: versions build them from their directory
//! (`source { directory }`).

pub mod docs;

use std::path::{Path, PathBuf};

/// A failed task, with a message meant for the person who ran it.
#[derive(Debug)]
pub struct Error(pub String);

impl Error {
    /// An I/O failure on `path`.
    pub fn io(path: &Path, err: std::io::Error) -> Self {
        Self(format!("{}: {err}", path.display()))
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

/// The workspace root (the parent of this crate).
pub fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map_or_else(|| manifest_dir.to_path_buf(), Path::to_path_buf)
}
