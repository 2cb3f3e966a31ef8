//! Which files of a directory make the bundle (module rules 1–4).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use super::BuildError;

/// Names never bundled, wherever they are (module rule 2).
const ALWAYS_LEFT_OUT: [&str; 4] = [
    ".git",
    ".DS_Store",
    ".template-registration.yaml",
    ".compatible-envs",
];

/// One file of the bundle.
#[derive(Debug)]
pub(crate) struct BundleFile {
    /// Relative to the bundle's root, `/`-separated.
    pub(crate) path: String,
    pub(crate) data: Vec<u8>,
    pub(crate) executable: bool,
}

/// The bundle's files under `dir`, sorted by path.
pub(crate) fn collect(dir: &Path, excludes: &[String]) -> Result<Vec<BundleFile>, BuildError> {
    let excluded = exclude_set(excludes)?;
    let root = fs::metadata(dir).map_err(|source| match source.kind() {
        io::ErrorKind::NotFound => BuildError::Missing {
            path: dir.to_path_buf(),
        },
        _ => BuildError::Read {
            path: dir.to_path_buf(),
            source,
        },
    })?;
    if !root.is_dir() {
        return Err(BuildError::NotADirectory {
            path: dir.to_path_buf(),
        });
    }
    let mut files = Vec::new();
    let mut pending = vec![(dir.to_path_buf(), String::new())];
    while let Some((path, relative)) = pending.pop() {
        let read_error = |source| BuildError::Read {
            path: path.clone(),
            source,
        };
        for entry in fs::read_dir(&path).map_err(read_error)? {
            let entry = entry.map_err(read_error)?;
            let entry_path = entry.path();
            let Some(name) = entry.file_name().to_str().map(str::to_string) else {
                return Err(BuildError::NonUtf8Path { path: entry_path });
            };
            if ALWAYS_LEFT_OUT.contains(&name.as_str()) {
                continue;
            }
            let entry_relative = match relative.as_str() {
                "" => name,
                parent => format!("{parent}/{name}"),
            };
            if excluded.is_match(&entry_relative) {
                continue;
            }
            // Not followed: a link's own type (module rule 3).
            let file_type = entry.file_type().map_err(|source| BuildError::Read {
                path: entry_path.clone(),
                source,
            })?;
            if file_type.is_symlink() {
                return Err(BuildError::Symlink { path: entry_path });
            } else if file_type.is_dir() {
                pending.push((entry_path, entry_relative));
            } else if file_type.is_file() {
                files.push(read_file(entry_path, entry_relative)?);
            } else {
                return Err(BuildError::SpecialFile { path: entry_path });
            }
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

fn exclude_set(excludes: &[String]) -> Result<GlobSet, BuildError> {
    let mut set = GlobSetBuilder::new();
    for pattern in excludes {
        let relative = pattern.strip_prefix("./").unwrap_or(pattern);
        let glob = GlobBuilder::new(relative)
            .literal_separator(true)
            .build()
            .map_err(|source| BuildError::InvalidExclude {
                pattern: pattern.clone(),
                source,
            })?;
        set.add(glob);
    }
    set.build().map_err(|source| BuildError::InvalidExclude {
        pattern: excludes.join(", "),
        source,
    })
}

fn read_file(path: PathBuf, relative: String) -> Result<BundleFile, BuildError> {
    let read_error = |source| BuildError::Read {
        path: path.clone(),
        source,
    };
    let data = fs::read(&path).map_err(read_error)?;
    let metadata = fs::metadata(&path).map_err(read_error)?;
    Ok(BundleFile {
        path: relative,
        data,
        executable: is_executable(&metadata),
    })
}

#[cfg(unix)]
fn is_executable(metadata: &fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    metadata.permissions().mode() & 0o111 != 0
}

/// Other systems keep no executable bit: every file is 0644.
#[cfg(not(unix))]
fn is_executable(_metadata: &fs::Metadata) -> bool {
    false
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use crate::bundle::fixtures::tree;

    fn paths(files: &[BundleFile]) -> Vec<&str> {
        files.iter().map(|f| f.path.as_str()).collect()
    }

    #[test]
    fn files_are_listed_by_byte_order_of_their_paths_without_directories() {
        let dir = tree(&[
            ("b.txt", ""),
            ("a/z.txt", ""),
            ("a-b.txt", ""),
            ("a/b/c.txt", ""),
            ("B.txt", ""),
        ]);
        fs::create_dir(dir.path().join("empty")).unwrap();
        let files = collect(dir.path(), &[]).unwrap();
        // '-' (0x2d) sorts before '/' (0x2f), and 'B' before 'a'.
        assert_eq!(
            paths(&files),
            ["B.txt", "a-b.txt", "a/b/c.txt", "a/z.txt", "b.txt"]
        );
    }

    #[test]
    fn git_ds_store_and_template_sync_files_are_left_out() {
        let dir = tree(&[
            ("schema/schema.yaml", ""),
            (".git/HEAD", ""),
            ("sub/.git", "gitdir: elsewhere"),
            (".DS_Store", ""),
            ("infrastructure/.DS_Store", ""),
            (".template-registration.yaml", ""),
            (".compatible-envs", ""),
        ]);
        let files = collect(dir.path(), &[]).unwrap();
        assert_eq!(paths(&files), ["schema/schema.yaml"]);
    }

    #[test]
    fn user_excludes_are_globs_relative_to_the_directory() {
        let dir = tree(&[
            ("README.md", ""),
            ("infrastructure/NOTES.md", ""),
            ("infrastructure/main.tf", ""),
            ("tests/a/b.txt", ""),
            ("spec/spec.yaml", ""),
            ("schema/schema.yaml", ""),
        ]);
        let excludes = ["**/*.md", "tests/**", "./spec"].map(String::from);
        let files = collect(dir.path(), &excludes).unwrap();
        assert_eq!(
            paths(&files),
            ["infrastructure/main.tf", "schema/schema.yaml"]
        );
    }

    #[test]
    fn a_single_star_stays_within_one_path_segment() {
        let dir = tree(&[("a.md", ""), ("docs/b.md", "")]);
        let files = collect(dir.path(), &["*.md".to_string()]).unwrap();
        assert_eq!(paths(&files), ["docs/b.md"]);
    }

    #[test]
    fn an_invalid_exclude_is_named() {
        let dir = tree(&[("a.txt", "")]);
        let err = collect(dir.path(), &["a[".to_string()]).unwrap_err();
        assert!(matches!(err, BuildError::InvalidExclude { .. }), "{err:?}");
        assert!(err.to_string().contains("'a['"), "{err}");
    }

    #[test]
    fn a_missing_directory_is_named() {
        let dir = tree(&[]);
        let missing = dir.path().join("nope");
        let err = collect(&missing, &[]).unwrap_err();
        assert!(matches!(err, BuildError::Missing { .. }), "{err:?}");
        assert!(err.to_string().contains(&missing.display().to_string()));
    }

    #[test]
    fn a_file_given_as_the_directory_is_refused() {
        let dir = tree(&[("a.txt", "")]);
        let err = collect(&dir.path().join("a.txt"), &[]).unwrap_err();
        assert!(matches!(err, BuildError::NotADirectory { .. }), "{err:?}");
        assert!(err.to_string().contains("a.txt"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_is_refused_by_name_unless_excluded() {
        let dir = tree(&[("infrastructure/main.tf", "")]);
        std::os::unix::fs::symlink("main.tf", dir.path().join("infrastructure/link.tf")).unwrap();
        let err = collect(dir.path(), &[]).unwrap_err();
        assert!(matches!(err, BuildError::Symlink { .. }), "{err:?}");
        assert!(err.to_string().contains("infrastructure/link.tf"), "{err}");

        let files = collect(dir.path(), &["**/link.tf".to_string()]).unwrap();
        assert_eq!(paths(&files), ["infrastructure/main.tf"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_non_utf8_name_is_refused() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tree(&[]);
        let name = std::ffi::OsStr::from_bytes(b"bad\xff.txt");
        // Linux file systems take any bytes but `/` and NUL in a name.
        fs::write(dir.path().join(name), "").unwrap();
        let err = collect(dir.path(), &[]).unwrap_err();
        assert!(matches!(err, BuildError::NonUtf8Path { .. }), "{err:?}");
    }
}
