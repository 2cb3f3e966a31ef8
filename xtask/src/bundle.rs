//! Template bundles from source directories: each directory
//! `FROM/<name>/` becomes `OUT/<bucket>/<name>.tar.gz`, which
//! `proton-local --bundle-dir OUT` serves as `s3://<bucket>/<name>.tar.gz`.
//!
//! Archives are deterministic: entries sorted, fixed mtime, owner and modes,
//! and no gzip timestamp, so rebuilding an unchanged bundle gives the same bytes.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::Error;

/// Bucket the quickstart's bundles live in.
pub const DEFAULT_BUCKET: &str = "quickstart-bundles";

/// 2024-01-01T00:00:00Z: every entry's mtime.
const FIXED_MTIME: u64 = 1_704_067_200;

/// Builds one `.tar.gz` per directory under `from` into `out/bucket/`;
/// returns the written files.
pub fn build_all(from: &Path, out: &Path, bucket: &str) -> Result<Vec<PathBuf>, Error> {
    let mut sources = Vec::new();
    for entry in std::fs::read_dir(from).map_err(|e| Error::io(from, e))? {
        let entry = entry.map_err(|e| Error::io(from, e))?;
        if entry.file_type().map_err(|e| Error::io(from, e))?.is_dir() {
            sources.push(entry.path());
        }
    }
    sources.sort();
    if sources.is_empty() {
        return Err(Error(format!(
            "no bundle directories under {}",
            from.display()
        )));
    }
    let dir = out.join(bucket);
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let mut written = Vec::new();
    for source in sources {
        let Some(name) = source.file_name() else {
            continue;
        };
        let target = dir.join(format!("{}.tar.gz", name.to_string_lossy()));
        let bytes = archive(&source)?;
        std::fs::write(&target, bytes).map_err(|e| Error::io(&target, e))?;
        written.push(target);
    }
    Ok(written)
}

/// The `.tar.gz` of everything under `dir`, paths relative to it.
pub fn archive(dir: &Path) -> Result<Vec<u8>, Error> {
    let mut entries = Vec::new();
    walk(dir, Path::new(""), &mut entries)?;
    entries.sort();
    let encoder = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::best());
    let mut builder = tar::Builder::new(encoder);
    builder.mode(tar::HeaderMode::Deterministic);
    let failed = |e: std::io::Error| Error(format!("archiving {}: {e}", dir.display()));
    for (relative, is_dir) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_mtime(FIXED_MTIME);
        header.set_uid(0);
        header.set_gid(0);
        let name = relative.to_string_lossy().replace('\\', "/");
        if is_dir {
            header.set_entry_type(tar::EntryType::Directory);
            header.set_mode(0o755);
            header.set_size(0);
            header.set_cksum();
            builder
                .append_data(&mut header, format!("{name}/"), std::io::empty())
                .map_err(failed)?;
        } else {
            let path = dir.join(&relative);
            let content = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
            header.set_entry_type(tar::EntryType::Regular);
            header.set_mode(0o644);
            header.set_size(content.len() as u64);
            header.set_cksum();
            builder
                .append_data(&mut header, &name, content.as_slice())
                .map_err(failed)?;
        }
    }
    let mut encoder = builder.into_inner().map_err(failed)?;
    encoder.flush().map_err(failed)?;
    encoder.finish().map_err(failed)
}

fn walk(root: &Path, relative: &Path, out: &mut Vec<(PathBuf, bool)>) -> Result<(), Error> {
    let dir = root.join(relative);
    for entry in std::fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))? {
        let entry = entry.map_err(|e| Error::io(&dir, e))?;
        let child = relative.join(entry.file_name());
        if entry.file_type().map_err(|e| Error::io(&dir, e))?.is_dir() {
            out.push((child.clone(), true));
            walk(root, &child, out)?;
        } else {
            out.push((child, false));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn archives_are_deterministic_and_complete() {
        let from = crate::workspace_root().join("examples/quickstart/bundles/environment");
        let first = archive(&from).unwrap();
        assert_eq!(first, archive(&from).unwrap());
        let mut names = Vec::new();
        let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(first.as_slice()));
        for entry in tar.entries().unwrap() {
            names.push(
                entry
                    .unwrap()
                    .path()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
            );
        }
        assert!(
            names.contains(&"schema/schema.yaml".to_string()),
            "{names:?}"
        );
        assert!(
            names.contains(&"infrastructure/manifest.yaml".to_string()),
            "{names:?}"
        );
    }
}
