//! The object store behind both the S3 API (`s3.rs`) and bundle registration (`bundle.rs`), so
//! a bundle uploaded through S3 is the bundle a version registers from.
//!
//! On disk, bucket `B` is the directory `ROOT/B` and key `K` the file `ROOT/B/K`, `/` in the
//! key separating directories; so files written there by hand are objects, and objects put
//! through S3 are files. Without a directory, objects live in memory.
//!
//! Rules, with their sources:
//! - Bucket names as S3 requires them
//!   (<https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html>).
//! - Error codes and messages as S3 answers them (`NoSuchBucket`, `NoSuchKey`,
//!   `BucketAlreadyOwnedByYou`, `InvalidBucketName`;
//!   <https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList>).
//! - The ETag of an object uploaded in one part is the hex MD5 of its bytes
//!   (<https://docs.aws.amazon.com/AmazonS3/latest/API/API_Object.html>).
//!
//! proton-local's own rules: a key must be a relative path of non-empty segments other than
//! `.` and `..` (so no key reaches outside its bucket's directory, in either mode), and on disk
//! a key cannot be both an object and the "directory" of other keys. Writes go to a temporary
//! file beside the target, then are renamed over it, so a reader sees the old object or the
//! new one, never part of one.

use std::collections::BTreeMap;
use std::io::Write;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use bytes::Bytes;
use md5::{Digest, Md5};

/// Names of temporary files being written; never listed, never valid key segments.
const UPLOAD_PREFIX: &str = ".proton-local-upload-";

/// Why an object operation failed; the S3 layer maps each to S3's error code.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ObjectError {
    #[error("The specified bucket is not valid.")]
    InvalidBucketName,
    #[error("The specified bucket does not exist")]
    NoSuchBucket,
    #[error("The specified key does not exist.")]
    NoSuchKey,
    #[error("Your previous request to create the named bucket succeeded and you already own it.")]
    BucketAlreadyOwnedByYou,
    /// A key proton-local cannot hold (S3 would): see the module docs.
    #[error("proton-local cannot store the key '{key}': {why}")]
    UnstorableKey { key: String, why: &'static str },
    #[error("object store I/O failed: {0}")]
    Io(#[from] std::io::Error),
}

/// What S3 reports about an object besides its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ObjectInfo {
    pub(crate) key: String,
    pub(crate) size: u64,
    pub(crate) modified: SystemTime,
}

/// The buckets and their objects.
#[derive(Debug)]
pub struct ObjectStore {
    place: Place,
}

/// Where objects are kept.
#[derive(Debug)]
enum Place {
    /// Buckets are the directories under this one.
    Directory(PathBuf),
    /// Buckets by name, objects by key.
    Memory(Mutex<BTreeMap<String, BTreeMap<String, MemoryObject>>>),
}

#[derive(Debug, Clone)]
struct MemoryObject {
    data: Bytes,
    modified: SystemTime,
}

/// Whether `name` is a valid S3 bucket name (the general-purpose bucket rules).
pub(crate) fn valid_bucket_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    let edge_ok = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    (3..=63).contains(&bytes.len())
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'.' || *b == b'-')
        && edge_ok(bytes.first())
        && edge_ok(bytes.last())
        && !name.contains("..")
        && name.parse::<IpAddr>().is_err()
        && !["xn--", "sthree-", "amzn-s3-demo-"]
            .iter()
            .any(|p| name.starts_with(p))
        && !["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"]
            .iter()
            .any(|s| name.ends_with(s))
}

/// The key's path segments; refused when it could name something outside its bucket.
fn key_segments(key: &str) -> Result<Vec<&str>, ObjectError> {
    let unstorable = |why| ObjectError::UnstorableKey {
        key: key.to_string(),
        why,
    };
    if key.is_empty() {
        return Err(unstorable("the key is empty"));
    }
    let segments: Vec<&str> = key.split('/').collect();
    for segment in &segments {
        match *segment {
            "" => {
                return Err(unstorable(
                    "it has an empty path segment (a leading, trailing or double '/')",
                ))
            }
            "." | ".." => return Err(unstorable("'.' and '..' segments could leave the bucket")),
            s if s.starts_with(UPLOAD_PREFIX) || s.contains('\0') => {
                return Err(unstorable("a segment is a name proton-local reserves"))
            }
            _ => {}
        }
    }
    Ok(segments)
}

/// The hex MD5 of `data`: the ETag of an object uploaded in one part.
pub(crate) fn etag(data: &[u8]) -> String {
    Md5::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl ObjectStore {
    /// Buckets as the directories under `root` (created when the first bucket is).
    pub fn directory(root: PathBuf) -> ObjectStore {
        ObjectStore {
            place: Place::Directory(root),
        }
    }

    /// Buckets in memory, gone when the process ends.
    pub fn in_memory() -> ObjectStore {
        ObjectStore {
            place: Place::Memory(Mutex::new(BTreeMap::new())),
        }
    }

    fn memory(
        buckets: &Mutex<BTreeMap<String, BTreeMap<String, MemoryObject>>>,
    ) -> std::sync::MutexGuard<'_, BTreeMap<String, BTreeMap<String, MemoryObject>>> {
        // A panic while holding the lock leaves the maps consistent (every update is one insert
        // or remove), so a poisoned lock is still usable.
        buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The bucket's directory, which must exist.
    fn bucket_dir(root: &Path, bucket: &str) -> Result<PathBuf, ObjectError> {
        if !valid_bucket_name(bucket) {
            return Err(ObjectError::NoSuchBucket);
        }
        let dir = root.join(bucket);
        match std::fs::metadata(&dir) {
            Ok(m) if m.is_dir() => Ok(dir),
            Ok(_) => Err(ObjectError::NoSuchBucket),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(ObjectError::NoSuchBucket),
            Err(e) => Err(e.into()),
        }
    }

    fn object_path(root: &Path, bucket: &str, key: &str) -> Result<PathBuf, ObjectError> {
        let segments = key_segments(key)?;
        let mut path = Self::bucket_dir(root, bucket)?;
        path.extend(segments);
        Ok(path)
    }

    pub(crate) fn create_bucket(&self, bucket: &str) -> Result<(), ObjectError> {
        if !valid_bucket_name(bucket) {
            return Err(ObjectError::InvalidBucketName);
        }
        match &self.place {
            Place::Directory(root) => {
                std::fs::create_dir_all(root)?;
                match std::fs::create_dir(root.join(bucket)) {
                    Ok(()) => Ok(()),
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                        Err(ObjectError::BucketAlreadyOwnedByYou)
                    }
                    Err(e) => Err(e.into()),
                }
            }
            Place::Memory(buckets) => {
                let mut buckets = Self::memory(buckets);
                if buckets.contains_key(bucket) {
                    return Err(ObjectError::BucketAlreadyOwnedByYou);
                }
                buckets.insert(bucket.to_string(), BTreeMap::new());
                Ok(())
            }
        }
    }

    /// `Ok(())` when the bucket exists, else `NoSuchBucket`.
    pub(crate) fn head_bucket(&self, bucket: &str) -> Result<(), ObjectError> {
        match &self.place {
            Place::Directory(root) => Self::bucket_dir(root, bucket).map(|_| ()),
            Place::Memory(buckets) => match Self::memory(buckets).contains_key(bucket) {
                true => Ok(()),
                false => Err(ObjectError::NoSuchBucket),
            },
        }
    }

    /// Buckets by name, with their creation (directory modification) time where known.
    pub(crate) fn list_buckets(&self) -> Result<Vec<(String, Option<SystemTime>)>, ObjectError> {
        match &self.place {
            Place::Directory(root) => {
                let entries = match std::fs::read_dir(root) {
                    Ok(entries) => entries,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
                    Err(e) => return Err(e.into()),
                };
                let mut buckets = Vec::new();
                for entry in entries {
                    let entry = entry?;
                    let Ok(name) = entry.file_name().into_string() else {
                        continue;
                    };
                    let metadata = entry.metadata()?;
                    if metadata.is_dir() && valid_bucket_name(&name) {
                        buckets.push((name, metadata.modified().ok()));
                    }
                }
                buckets.sort();
                Ok(buckets)
            }
            Place::Memory(buckets) => Ok(Self::memory(buckets)
                .keys()
                .map(|name| (name.clone(), None))
                .collect()),
        }
    }

    /// Stores `data` at `key`, replacing any object there.
    pub(crate) fn put(&self, bucket: &str, key: &str, data: Bytes) -> Result<(), ObjectError> {
        match &self.place {
            Place::Directory(root) => {
                let path = Self::object_path(root, bucket, key)?;
                let not_a_directory = || ObjectError::UnstorableKey {
                    key: key.to_string(),
                    why: "on disk a key cannot be both an object and a prefix of other keys",
                };
                let parent = path.parent().ok_or_else(not_a_directory)?;
                match std::fs::create_dir_all(parent) {
                    Ok(()) => {}
                    Err(e)
                        if matches!(
                            e.kind(),
                            std::io::ErrorKind::AlreadyExists | std::io::ErrorKind::NotADirectory
                        ) =>
                    {
                        return Err(not_a_directory())
                    }
                    Err(e) => return Err(e.into()),
                }
                if path.is_dir() {
                    return Err(not_a_directory());
                }
                let temp = parent.join(format!("{UPLOAD_PREFIX}{}", uuid::Uuid::new_v4()));
                let written = std::fs::File::create(&temp).and_then(|mut file| {
                    file.write_all(&data)?;
                    file.sync_all()
                });
                let renamed = written.and_then(|()| std::fs::rename(&temp, &path));
                if let Err(e) = renamed {
                    let _ = std::fs::remove_file(&temp);
                    return Err(e.into());
                }
                Ok(())
            }
            Place::Memory(buckets) => {
                key_segments(key)?;
                let mut buckets = Self::memory(buckets);
                let objects = buckets.get_mut(bucket).ok_or(ObjectError::NoSuchBucket)?;
                objects.insert(
                    key.to_string(),
                    MemoryObject {
                        data,
                        modified: SystemTime::now(),
                    },
                );
                Ok(())
            }
        }
    }

    /// The object's size and time, without its bytes.
    pub(crate) fn head(&self, bucket: &str, key: &str) -> Result<ObjectInfo, ObjectError> {
        match &self.place {
            Place::Directory(root) => {
                let path = Self::existing_object_path(root, bucket, key)?;
                let metadata = match std::fs::metadata(&path) {
                    Ok(m) if m.is_file() => m,
                    Ok(_) => return Err(ObjectError::NoSuchKey),
                    Err(e) => return Err(Self::missing_or_io(e)),
                };
                Ok(ObjectInfo {
                    key: key.to_string(),
                    size: metadata.len(),
                    modified: metadata.modified()?,
                })
            }
            Place::Memory(buckets) => {
                let buckets = Self::memory(buckets);
                let objects = buckets.get(bucket).ok_or(ObjectError::NoSuchBucket)?;
                let object = objects.get(key).ok_or(ObjectError::NoSuchKey)?;
                Ok(ObjectInfo {
                    key: key.to_string(),
                    size: object.data.len() as u64,
                    modified: object.modified,
                })
            }
        }
    }

    /// The object's bytes and what S3 reports about it.
    pub(crate) fn get(&self, bucket: &str, key: &str) -> Result<(Bytes, ObjectInfo), ObjectError> {
        match &self.place {
            Place::Directory(root) => {
                let path = Self::existing_object_path(root, bucket, key)?;
                let mut file = std::fs::File::open(&path).map_err(Self::missing_or_io)?;
                let metadata = file.metadata()?;
                if !metadata.is_file() {
                    return Err(ObjectError::NoSuchKey);
                }
                let mut data = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
                std::io::Read::read_to_end(&mut file, &mut data)?;
                let info = ObjectInfo {
                    key: key.to_string(),
                    size: data.len() as u64,
                    modified: metadata.modified()?,
                };
                Ok((Bytes::from(data), info))
            }
            Place::Memory(buckets) => {
                let buckets = Self::memory(buckets);
                let objects = buckets.get(bucket).ok_or(ObjectError::NoSuchBucket)?;
                let object = objects.get(key).ok_or(ObjectError::NoSuchKey)?;
                let info = ObjectInfo {
                    key: key.to_string(),
                    size: object.data.len() as u64,
                    modified: object.modified,
                };
                Ok((object.data.clone(), info))
            }
        }
    }

    /// Removes the object; removing one that is not there succeeds, as in S3.
    pub(crate) fn delete(&self, bucket: &str, key: &str) -> Result<(), ObjectError> {
        match &self.place {
            Place::Directory(root) => {
                let bucket_dir = Self::bucket_dir(root, bucket)?;
                let Ok(segments) = key_segments(key) else {
                    return Ok(());
                };
                let path = bucket_dir.join(segments.join("/"));
                if path.is_dir() {
                    return Ok(());
                }
                match std::fs::remove_file(&path) {
                    Ok(()) => {}
                    Err(e) if Self::is_missing(&e) => return Ok(()),
                    Err(e) => return Err(e.into()),
                }
                // Drop the directories the key leaves empty, so they stop shadowing keys of
                // the same name; a directory still holding something is kept (remove_dir fails).
                let mut dir = path.parent();
                while let Some(d) = dir.filter(|d| *d != bucket_dir) {
                    if std::fs::remove_dir(d).is_err() {
                        break;
                    }
                    dir = d.parent();
                }
                Ok(())
            }
            Place::Memory(buckets) => {
                let mut buckets = Self::memory(buckets);
                let objects = buckets.get_mut(bucket).ok_or(ObjectError::NoSuchBucket)?;
                objects.remove(key);
                Ok(())
            }
        }
    }

    /// Every object whose key starts with `prefix`, in key (UTF-8 byte) order, as S3 lists.
    pub(crate) fn list(&self, bucket: &str, prefix: &str) -> Result<Vec<ObjectInfo>, ObjectError> {
        match &self.place {
            Place::Directory(root) => {
                let bucket_dir = Self::bucket_dir(root, bucket)?;
                let mut found = Vec::new();
                Self::walk(&bucket_dir, "", prefix, &mut found)?;
                found.sort_by(|a, b| a.key.cmp(&b.key));
                Ok(found)
            }
            Place::Memory(buckets) => {
                let buckets = Self::memory(buckets);
                let objects = buckets.get(bucket).ok_or(ObjectError::NoSuchBucket)?;
                Ok(objects
                    .range(prefix.to_string()..)
                    .take_while(|(key, _)| key.starts_with(prefix))
                    .map(|(key, object)| ObjectInfo {
                        key: key.clone(),
                        size: object.data.len() as u64,
                        modified: object.modified,
                    })
                    .collect())
            }
        }
    }

    /// Collects the files under `dir` (whose keys start with `key_prefix`) matching `prefix`.
    /// Symbolic links are followed to files but not into directories, so a link cycle
    /// cannot make the walk endless.
    fn walk(
        dir: &Path,
        key_prefix: &str,
        prefix: &str,
        found: &mut Vec<ObjectInfo>,
    ) -> Result<(), ObjectError> {
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            if key_segments(&name).is_err() {
                continue;
            }
            let key = format!("{key_prefix}{name}");
            let file_type = entry.file_type()?;
            if file_type.is_dir() {
                let below = format!("{key}/");
                // Only descend where a matching key can be.
                if below.starts_with(prefix) || prefix.starts_with(&below) {
                    Self::walk(&entry.path(), &below, prefix, found)?;
                }
                continue;
            }
            if !key.starts_with(prefix) {
                continue;
            }
            let Ok(metadata) = std::fs::metadata(entry.path()) else {
                continue;
            };
            if metadata.is_file() {
                found.push(ObjectInfo {
                    key,
                    size: metadata.len(),
                    modified: metadata.modified()?,
                });
            }
        }
        Ok(())
    }

    /// The object's path, `NoSuchBucket` without the bucket, `NoSuchKey` for a key that
    /// cannot be stored (so cannot exist).
    fn existing_object_path(root: &Path, bucket: &str, key: &str) -> Result<PathBuf, ObjectError> {
        match Self::object_path(root, bucket, key) {
            Err(ObjectError::UnstorableKey { .. }) => Err(ObjectError::NoSuchKey),
            other => other,
        }
    }

    fn is_missing(e: &std::io::Error) -> bool {
        matches!(
            e.kind(),
            std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
        )
    }

    fn missing_or_io(e: std::io::Error) -> ObjectError {
        match Self::is_missing(&e) {
            true => ObjectError::NoSuchKey,
            false => e.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn stores(dir: &Path) -> [ObjectStore; 2] {
        [
            ObjectStore::directory(dir.to_path_buf()),
            ObjectStore::in_memory(),
        ]
    }

    #[test]
    fn bucket_names_follow_s3_rules() {
        for ok in ["abc", "my-bucket.1", "a".repeat(63).as_str(), "0bucket9"] {
            assert!(valid_bucket_name(ok), "{ok}");
        }
        for bad in [
            "ab",
            &"a".repeat(64),
            "Upper",
            "under_score",
            "-lead",
            "trail-",
            "a..b",
            "10.0.0.1",
            "xn--abc",
            "sthree-x",
            "x-s3alias",
            "x--ol-s3",
        ] {
            assert!(!valid_bucket_name(bad), "{bad}");
        }
    }

    #[test]
    fn keys_that_could_leave_the_bucket_are_refused() {
        for key in ["../x", "a/../../x", "./x", "a//b", "/a", "a/", ""] {
            assert!(
                matches!(key_segments(key), Err(ObjectError::UnstorableKey { .. })),
                "{key}"
            );
        }
        assert_eq!(key_segments("a/b.tar.gz").unwrap(), ["a", "b.tar.gz"]);
    }

    #[test]
    fn both_stores_answer_alike() {
        let dir = tempfile::tempdir().unwrap();
        for store in stores(dir.path()) {
            assert!(matches!(
                store.get("nope", "k"),
                Err(ObjectError::NoSuchBucket)
            ));
            store.create_bucket("bkt").unwrap();
            assert!(matches!(
                store.create_bucket("bkt"),
                Err(ObjectError::BucketAlreadyOwnedByYou)
            ));
            assert!(matches!(store.get("bkt", "k"), Err(ObjectError::NoSuchKey)));
            assert!(matches!(
                store.get("bkt", "../k"),
                Err(ObjectError::NoSuchKey)
            ));
            store.put("bkt", "a/b", Bytes::from_static(b"ab")).unwrap();
            store.put("bkt", "a/c", Bytes::from_static(b"c")).unwrap();
            store.put("bkt", "b", Bytes::from_static(b"")).unwrap();
            store.put("bkt", "a/b", Bytes::from_static(b"new")).unwrap();
            assert_eq!(&store.get("bkt", "a/b").unwrap().0[..], b"new");
            let keys: Vec<String> = store
                .list("bkt", "a/")
                .unwrap()
                .into_iter()
                .map(|o| o.key)
                .collect();
            assert_eq!(keys, ["a/b", "a/c"]);
            assert_eq!(store.head("bkt", "a/c").unwrap().size, 1);
            store.delete("bkt", "a/b").unwrap();
            store.delete("bkt", "a/b").unwrap();
            assert!(matches!(
                store.head("bkt", "a/b"),
                Err(ObjectError::NoSuchKey)
            ));
            assert_eq!(store.list("bkt", "").unwrap().len(), 2);
        }
    }

    #[test]
    fn writes_leave_no_temporary_files_and_deletes_no_empty_directories() {
        let dir = tempfile::tempdir().unwrap();
        let store = ObjectStore::directory(dir.path().to_path_buf());
        store.create_bucket("bkt").unwrap();
        store.put("bkt", "x/y/z", Bytes::from_static(b"1")).unwrap();
        let names: Vec<_> = std::fs::read_dir(dir.path().join("bkt/x/y"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["z"]);
        store.delete("bkt", "x/y/z").unwrap();
        assert!(!dir.path().join("bkt/x").exists());
        assert!(dir.path().join("bkt").is_dir());
        // With the prefix directory gone, the key `x` is storable again.
        store.put("bkt", "x", Bytes::from_static(b"2")).unwrap();
        assert!(matches!(
            store.put("bkt", "x/y", Bytes::from_static(b"3")),
            Err(ObjectError::UnstorableKey { .. })
        ));
    }
}
