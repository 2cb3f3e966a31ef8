//! The deterministic `.tar.gz` (module rules 4–7).

use std::io;
use std::path::{Path, PathBuf};

use flate2::{Compression, GzBuilder};
use sha2::{Digest, Sha256};

use super::files::{collect, BundleFile};

/// Mode of a file without an executable bit (module rule 5).
const FILE_MODE: u32 = 0o644;
/// Mode of a file with any executable bit (module rule 5).
const EXECUTABLE_MODE: u32 = 0o755;
/// The gzip header's OS byte: 255, "unknown", the same on every machine (module rule 6).
const GZIP_OS_UNKNOWN: u8 = 255;

/// A built bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Built {
    /// The `.tar.gz` archive.
    pub bytes: Vec<u8>,
    /// Lowercase hex SHA-256 of [`Built::bytes`].
    pub sha256: String,
    /// How many files the archive holds.
    pub files: usize,
}

/// Why a bundle could not be built (or checked).
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("the bundle directory {} does not exist", path.display())]
    Missing { path: PathBuf },
    #[error("the bundle directory {} is not a directory", path.display())]
    NotADirectory { path: PathBuf },
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error("invalid exclude pattern '{pattern}': {source}")]
    InvalidExclude {
        pattern: String,
        source: globset::Error,
    },
    #[error(
        "{} is a symbolic link; bundles hold regular files only (copy the file, or exclude the link)",
        path.display()
    )]
    Symlink { path: PathBuf },
    #[error("{} is not a regular file (a socket, pipe or device); exclude it", path.display())]
    SpecialFile { path: PathBuf },
    #[error("the name of {} is not valid UTF-8", path.display())]
    NonUtf8Path { path: PathBuf },
    #[error(
        "the bundle path '{path}' is too long for a ustar archive (at most 100 bytes after a '/', 255 in all)"
    )]
    PathTooLong { path: String },
    #[error("cannot write the bundle archive: {0}")]
    Archive(#[source] io::Error),
}

/// Builds the bundle of `dir`, leaving out `excludes` (globs relative to `dir`), as the module
/// rules 1–7 say.
pub fn build(dir: &Path, excludes: &[String]) -> Result<Built, BuildError> {
    archive(&collect(dir, excludes)?)
}

/// The S3 key of a bundle: `<key_prefix><template_name>/<sha256>.tar.gz`. `key_prefix` is used
/// as written; end it with `/` to make it a folder.
pub fn content_key(key_prefix: &str, template_name: &str, sha256: &str) -> String {
    format!("{key_prefix}{template_name}/{sha256}.tar.gz")
}

/// The archive of `files`, which are sorted by path.
pub(crate) fn archive(files: &[BundleFile]) -> Result<Built, BuildError> {
    let gzip = GzBuilder::new()
        .mtime(0)
        .operating_system(GZIP_OS_UNKNOWN)
        .write(Vec::new(), Compression::best());
    let mut tar = tar::Builder::new(gzip);
    for file in files {
        tar.append(&header(file)?, file.data.as_slice())
            .map_err(BuildError::Archive)?;
    }
    let bytes = (tar.into_inner())
        .and_then(|gzip| gzip.finish())
        .map_err(BuildError::Archive)?;
    let sha256 = hex::encode(Sha256::digest(&bytes));
    Ok(Built {
        bytes,
        sha256,
        files: files.len(),
    })
}

fn header(file: &BundleFile) -> Result<tar::Header, BuildError> {
    let mut header = tar::Header::new_ustar();
    header
        .set_path(&file.path)
        .map_err(|_| BuildError::PathTooLong {
            path: file.path.clone(),
        })?;
    header.set_entry_type(tar::EntryType::Regular);
    header.set_size(file.data.len() as u64);
    header.set_mode(match file.executable {
        true => EXECUTABLE_MODE,
        false => FILE_MODE,
    });
    header.set_uid(0);
    header.set_gid(0);
    header.set_mtime(0);
    header.set_cksum();
    Ok(header)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use std::fs;
    use std::io::Read;
    use std::time::{Duration, SystemTime};

    use super::*;
    use crate::bundle::fixtures::tree;

    const FILES: &[(&str, &str)] = &[
        ("schema/schema.yaml", "schema: {}\n"),
        ("infrastructure/manifest.yaml", "infrastructure: {}\n"),
        ("infrastructure/main.tf", "# main\n"),
        ("infrastructure/hook.sh", "#!/bin/sh\n"),
    ];

    /// Each entry's (path, mode, uid, gid, mtime, user name, group name, type, contents).
    type Entry = (String, u32, u64, u64, u64, String, String, u8, String);

    fn entries(bytes: &[u8]) -> Vec<Entry> {
        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
        (archive.entries().unwrap())
            .map(|entry| {
                let mut entry = entry.unwrap();
                let header = entry.header().clone();
                assert!(header.as_ustar().is_some(), "not a ustar header");
                let mut text = String::new();
                entry.read_to_string(&mut text).unwrap();
                (
                    entry.path().unwrap().to_str().unwrap().to_string(),
                    header.mode().unwrap(),
                    header.uid().unwrap(),
                    header.gid().unwrap(),
                    header.mtime().unwrap(),
                    header.username().unwrap().unwrap().to_string(),
                    header.groupname().unwrap().unwrap().to_string(),
                    header.entry_type().as_byte(),
                    text,
                )
            })
            .collect()
    }

    #[cfg(unix)]
    fn set_mode(path: &Path, mode: u32) {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn the_same_content_builds_the_same_bytes_whatever_the_path_mtimes_and_permissions() {
        let first = tree(FILES);
        let second = tree(FILES);
        let long_ago = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        for (path, _) in FILES {
            let file = fs::File::options()
                .append(true)
                .open(first.path().join(path))
                .unwrap();
            file.set_modified(long_ago).unwrap();
        }
        // Different bits, the same normalised modes: executable or not.
        set_mode(&first.path().join("infrastructure/hook.sh"), 0o700);
        set_mode(&second.path().join("infrastructure/hook.sh"), 0o775);
        set_mode(&first.path().join("schema/schema.yaml"), 0o600);
        set_mode(&second.path().join("schema/schema.yaml"), 0o664);

        let (a, b) = (
            build(first.path(), &[]).unwrap(),
            build(second.path(), &[]).unwrap(),
        );
        assert_eq!(a.bytes, b.bytes);
        assert_eq!(a.sha256, b.sha256);
        assert_eq!(a.files, 4);
        assert_eq!(a.sha256, hex::encode(Sha256::digest(&a.bytes)));
    }

    #[cfg(unix)]
    #[test]
    fn the_archive_lists_exactly_the_bundle_files_with_normalised_headers() {
        let dir = tree(FILES);
        set_mode(&dir.path().join("infrastructure/hook.sh"), 0o744);
        fs::write(dir.path().join(".DS_Store"), "junk").unwrap();
        let built = build(dir.path(), &[]).unwrap();
        let regular = tar::EntryType::Regular.as_byte();
        let entry = |path: &str, mode, text: &str| -> Entry {
            let (user, group) = (String::new(), String::new());
            (
                path.into(),
                mode,
                0,
                0,
                0,
                user,
                group,
                regular,
                text.into(),
            )
        };
        assert_eq!(
            entries(&built.bytes),
            [
                entry("infrastructure/hook.sh", 0o755, "#!/bin/sh\n"),
                entry("infrastructure/main.tf", 0o644, "# main\n"),
                entry(
                    "infrastructure/manifest.yaml",
                    0o644,
                    "infrastructure: {}\n"
                ),
                entry("schema/schema.yaml", 0o644, "schema: {}\n"),
            ]
        );
    }

    #[test]
    fn the_gzip_header_is_fixed() {
        let built = build(tree(FILES).path(), &[]).unwrap();
        // Magic, deflate, no flags (no name or comment), mtime 0, XFL 2 (level 9), OS 255.
        assert_eq!(built.bytes[..10], [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 255]);
    }

    #[test]
    fn a_known_bundle_keeps_its_known_hash() {
        // Pins the compressor's output (module rule 7): if a dependency upgrade changes it,
        // every user's bundle_sha256 changes with it, and that must be a deliberate decision.
        let built = build(tree(FILES).path(), &[]).unwrap();
        assert_eq!(built.sha256, KNOWN_SHA256);
    }
    const KNOWN_SHA256: &str = "d62d9ad56316fd6f4478cd0ea36f5e5b331ac51c10cab4c99d7af44e73bdabd1";

    #[test]
    fn a_long_path_is_split_across_the_ustar_prefix_and_a_too_long_one_refused() {
        let deep = format!("{}/{}.txt", "d".repeat(150), "f".repeat(90));
        let built = build(tree(&[(&deep, "x")]).path(), &[]).unwrap();
        assert_eq!(entries(&built.bytes)[0].0, deep);

        let too_long = format!("d/{}.txt", "f".repeat(120));
        let err = build(tree(&[(&too_long, "x")]).path(), &[]).unwrap_err();
        assert!(matches!(err, BuildError::PathTooLong { .. }), "{err:?}");
        assert!(err.to_string().contains(&too_long), "{err}");
    }

    #[test]
    fn an_empty_directory_builds_an_empty_archive() {
        let built = build(tree(&[]).path(), &[]).unwrap();
        assert_eq!(built.files, 0);
        assert!(entries(&built.bytes).is_empty());
    }

    #[test]
    fn the_content_key_is_prefix_template_and_hash() {
        assert_eq!(
            content_key("bundles/", "fargate-env", "ab12"),
            "bundles/fargate-env/ab12.tar.gz"
        );
        assert_eq!(content_key("", "t", "00"), "t/00.tar.gz");
    }
}
