//! State (templates and versions per region and account) and its durable log.
//!
//! Persistence is an append-only file of JSON lines. Each line is one transaction: the full
//! new value of every template/version it touched, or their deletion. A line is written and
//! fsynced before the request is answered, so an acknowledged write survives `kill -9`. The
//! loader tolerates a torn final line (a crash mid-append) and then compacts the log into a
//! snapshot written beside it and renamed into place.

use std::collections::{BTreeMap, HashMap};
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::idempotency::{self, DeletedTemplateKey, TemplateCreateRequest};
use crate::kind::TemplateKind;
use crate::model::{CompatibleEnvironmentTemplate, S3Source};

/// Where state lives: one partition per (region, account).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub(crate) struct PartitionKey {
    pub(crate) region: String,
    pub(crate) account: String,
}

/// A template (environment or service).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Template {
    pub(crate) kind: TemplateKind,
    pub(crate) name: String,
    pub(crate) display_name: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) encryption_key: Option<String>,
    /// `provisioning` (environment) or `pipelineProvisioning` (service).
    pub(crate) provisioning: Option<String>,
    pub(crate) created_ms: u64,
    pub(crate) modified_ms: u64,
    pub(crate) tags: BTreeMap<String, String>,
    /// Highest major version number ever assigned (numbers are never reused).
    pub(crate) highest_major: u64,
    /// Highest minor number ever assigned, per major.
    pub(crate) highest_minor: BTreeMap<u64, u64>,
    /// The create request, which idempotent retries are compared with (absent in logs written
    /// before it was recorded).
    #[serde(default)]
    pub(crate) created_with: Option<TemplateCreateRequest>,
    /// Whether the template has ever had a user tag (at create or since), which the tagging
    /// API's `GetResources` reports even once the tags are gone (`tagging.rs`). Absent in logs
    /// written before it was recorded: such a template counts as tagged while it has tags.
    #[serde(default)]
    pub(crate) ever_tagged: bool,
}

impl Template {
    /// Whether the template is a tagged or previously tagged resource.
    pub(crate) fn was_ever_tagged(&self) -> bool {
        self.ever_tagged || !self.tags.is_empty()
    }
}

/// The outcome of bundle validation, revealed once the registration delay has passed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) enum RegistrationOutcome {
    /// Registered; carries the schema file's text.
    Registered { schema: String },
    /// Failed; carries the status message.
    Failed { message: String },
}

/// Stored status. `Registering` turns into DRAFT or REGISTRATION_FAILED lazily, when the clock
/// passes `completes_ms`, so the transition survives restarts without a background task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) enum StoredStatus {
    Registering {
        completes_ms: u64,
        outcome: RegistrationOutcome,
    },
    Failed {
        message: String,
    },
    Draft,
    Published,
}

/// The client token a version was created with, for idempotent retries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct TokenRecord {
    pub(crate) token: String,
    /// Canonical text of the create request's parameters (minus the token).
    pub(crate) parameters: String,
    pub(crate) expires_ms: u64,
}

/// A template version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Version {
    pub(crate) kind: TemplateKind,
    pub(crate) template: String,
    pub(crate) major: u64,
    pub(crate) minor: u64,
    pub(crate) description: Option<String>,
    pub(crate) status: StoredStatus,
    pub(crate) schema: Option<String>,
    pub(crate) source: S3Source,
    pub(crate) created_ms: u64,
    pub(crate) modified_ms: u64,
    pub(crate) tags: BTreeMap<String, String>,
    pub(crate) compatible: Vec<CompatibleEnvironmentTemplate>,
    pub(crate) component_sources: Option<Vec<String>>,
    pub(crate) client_token: Option<TokenRecord>,
}

/// The status a version shows at `now`, with what goes with it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct EffectiveStatus {
    pub(crate) status: &'static str,
    pub(crate) message: Option<String>,
    pub(crate) schema: Option<String>,
    pub(crate) last_modified_ms: u64,
}

impl Version {
    /// The status as seen at `now_ms` (evaluating a finished registration lazily).
    pub(crate) fn effective(&self, now_ms: u64) -> EffectiveStatus {
        match &self.status {
            StoredStatus::Registering {
                completes_ms,
                outcome,
            } => {
                if now_ms < *completes_ms {
                    EffectiveStatus {
                        status: "REGISTRATION_IN_PROGRESS",
                        message: None,
                        schema: None,
                        last_modified_ms: self.modified_ms,
                    }
                } else {
                    let last_modified_ms = self.modified_ms.max(*completes_ms);
                    match outcome {
                        RegistrationOutcome::Registered { schema } => EffectiveStatus {
                            status: "DRAFT",
                            message: None,
                            schema: Some(schema.clone()),
                            last_modified_ms,
                        },
                        RegistrationOutcome::Failed { message } => EffectiveStatus {
                            status: "REGISTRATION_FAILED",
                            message: Some(message.clone()),
                            schema: None,
                            last_modified_ms,
                        },
                    }
                }
            }
            StoredStatus::Failed { message } => EffectiveStatus {
                status: "REGISTRATION_FAILED",
                message: Some(message.clone()),
                schema: None,
                last_modified_ms: self.modified_ms,
            },
            StoredStatus::Draft => EffectiveStatus {
                status: "DRAFT",
                message: None,
                schema: self.schema.clone(),
                last_modified_ms: self.modified_ms,
            },
            StoredStatus::Published => EffectiveStatus {
                status: "PUBLISHED",
                message: None,
                schema: self.schema.clone(),
                last_modified_ms: self.modified_ms,
            },
        }
    }

    /// Turns a finished registration into its stored final status (before an update).
    pub(crate) fn settle(&mut self, now_ms: u64) {
        if let StoredStatus::Registering {
            completes_ms,
            outcome,
        } = &self.status
        {
            if now_ms >= *completes_ms {
                self.modified_ms = self.modified_ms.max(*completes_ms);
                self.status = match outcome {
                    RegistrationOutcome::Registered { schema } => {
                        self.schema = Some(schema.clone());
                        StoredStatus::Draft
                    }
                    RegistrationOutcome::Failed { message } => StoredStatus::Failed {
                        message: message.clone(),
                    },
                };
            }
        }
    }

    pub(crate) fn is_published(&self) -> bool {
        matches!(self.status, StoredStatus::Published)
    }
}

/// Key of a template within a partition.
pub(crate) type TemplateKey = (TemplateKind, String);
/// Key of a version within a partition: numeric so ordering is 9 < 10.
pub(crate) type VersionKey = (TemplateKind, String, u64, u64);

/// All state of one (region, account).
#[derive(Debug, Default, Clone)]
pub(crate) struct Partition {
    pub(crate) templates: BTreeMap<TemplateKey, Template>,
    pub(crate) versions: BTreeMap<VersionKey, Version>,
    /// Client token → version, rebuilt from the versions on load.
    pub(crate) tokens: HashMap<(TemplateKind, String), VersionKey>,
    /// Templates deleted successfully → when, for idempotent delete retries.
    pub(crate) deleted_templates: BTreeMap<DeletedTemplateKey, u64>,
}

impl Partition {
    /// Versions of one template, in numeric order.
    pub(crate) fn versions_of<'a>(
        &'a self,
        kind: TemplateKind,
        template: &'a str,
    ) -> impl Iterator<Item = &'a Version> + 'a {
        let start = (kind, template.to_string(), 0, 0);
        self.versions
            .range(start..)
            .take_while(move |((k, t, _, _), _)| *k == kind && t == template)
            .map(|(_, v)| v)
    }

    pub(crate) fn put_version(&mut self, version: Version) {
        let key = (
            version.kind,
            version.template.clone(),
            version.major,
            version.minor,
        );
        if let Some(token) = &version.client_token {
            self.tokens
                .insert((version.kind, token.token.clone()), key.clone());
        }
        self.versions.insert(key, version);
    }

    pub(crate) fn remove_version(&mut self, key: &VersionKey) -> Option<Version> {
        let removed = self.versions.remove(key)?;
        if let Some(token) = &removed.client_token {
            let token_key = (removed.kind, token.token.clone());
            if self.tokens.get(&token_key) == Some(key) {
                self.tokens.remove(&token_key);
            }
        }
        Some(removed)
    }
}

/// One change in the log.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum Record {
    PutTemplate {
        partition: PartitionKey,
        template: Template,
    },
    DeleteTemplate {
        partition: PartitionKey,
        kind: TemplateKind,
        name: String,
        /// When it was deleted (remembered for retries); absent in older logs.
        #[serde(default)]
        deleted_ms: Option<u64>,
    },
    PutVersion {
        partition: PartitionKey,
        version: Version,
    },
    DeleteVersion {
        partition: PartitionKey,
        kind: TemplateKind,
        template: String,
        major: u64,
        minor: u64,
    },
}

/// Everything the endpoint knows.
#[derive(Debug, Default, Clone)]
pub struct State {
    pub(crate) partitions: HashMap<PartitionKey, Partition>,
}

impl State {
    pub(crate) fn apply(&mut self, record: Record) {
        match record {
            Record::PutTemplate {
                partition,
                template,
            } => {
                let p = self.partitions.entry(partition).or_default();
                let key = (template.kind, template.name.clone());
                p.deleted_templates.remove(&key);
                p.templates.insert(key, template);
            }
            Record::DeleteTemplate {
                partition,
                kind,
                name,
                deleted_ms,
            } => {
                let p = self.partitions.entry(partition).or_default();
                let key = (kind, name);
                p.templates.remove(&key);
                if let Some(deleted_ms) = deleted_ms {
                    p.deleted_templates.insert(key, deleted_ms);
                }
            }
            Record::PutVersion { partition, version } => {
                self.partitions
                    .entry(partition)
                    .or_default()
                    .put_version(version);
            }
            Record::DeleteVersion {
                partition,
                kind,
                template,
                major,
                minor,
            } => {
                if let Some(p) = self.partitions.get_mut(&partition) {
                    p.remove_version(&(kind, template, major, minor));
                }
            }
        }
    }

    /// Forgets template deletes older than the retry window.
    fn prune_deleted(&mut self, now_ms: u64) {
        for p in self.partitions.values_mut() {
            p.deleted_templates
                .retain(|_, deleted_ms| idempotency::delete_retry_allowed(*deleted_ms, now_ms));
        }
    }

    /// The state as a list of records that rebuild it (for compaction).
    fn snapshot(&self) -> Vec<Record> {
        let mut keys: Vec<&PartitionKey> = self.partitions.keys().collect();
        keys.sort();
        let mut records = Vec::new();
        for key in keys {
            let Some(p) = self.partitions.get(key) else {
                continue;
            };
            for template in p.templates.values() {
                records.push(Record::PutTemplate {
                    partition: key.clone(),
                    template: template.clone(),
                });
            }
            for version in p.versions.values() {
                records.push(Record::PutVersion {
                    partition: key.clone(),
                    version: version.clone(),
                });
            }
            for ((kind, name), deleted_ms) in &p.deleted_templates {
                records.push(Record::DeleteTemplate {
                    partition: key.clone(),
                    kind: *kind,
                    name: name.clone(),
                    deleted_ms: Some(*deleted_ms),
                });
            }
        }
        records
    }
}

/// Errors opening or writing the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("I/O error on {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("store {path} is corrupt at line {line}: {reason}")]
    Corrupt {
        path: PathBuf,
        line: usize,
        reason: String,
    },
    #[error("the store log failed earlier and refuses further writes")]
    Poisoned,
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

#[derive(Serialize, Deserialize)]
struct LogLine {
    records: Vec<Record>,
}

/// The durable log behind a data directory.
#[derive(Debug)]
pub struct Log {
    path: PathBuf,
    file: File,
    poisoned: bool,
}

const LOG_FILE: &str = "proton-local.log";
const LOG_TMP_FILE: &str = "proton-local.log.tmp";

fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_error(dir))
}

impl Log {
    /// Opens (creating if needed) the log in `dir`, returning it and the state it holds.
    pub(crate) fn open(dir: &Path) -> Result<(Log, State), StoreError> {
        std::fs::create_dir_all(dir).map_err(io_error(dir))?;
        let path = dir.join(LOG_FILE);
        let mut state = match std::fs::read(&path) {
            Ok(bytes) => load(&path, &bytes)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => State::default(),
            Err(e) => return Err(io_error(&path)(e)),
        };
        state.prune_deleted(crate::ops::now_ms());
        // Compact: write the snapshot beside the log, fsync it, rename it over the log.
        let tmp = dir.join(LOG_TMP_FILE);
        {
            let file = File::create(&tmp).map_err(io_error(&tmp))?;
            let mut writer = BufWriter::new(file);
            for record in state.snapshot() {
                let line = serde_json::to_string(&LogLine {
                    records: vec![record],
                })
                .map_err(|e| StoreError::Corrupt {
                    path: tmp.clone(),
                    line: 0,
                    reason: e.to_string(),
                })?;
                writer.write_all(line.as_bytes()).map_err(io_error(&tmp))?;
                writer.write_all(b"\n").map_err(io_error(&tmp))?;
            }
            let file = writer
                .into_inner()
                .map_err(|e| io_error(&tmp)(e.into_error()))?;
            file.sync_all().map_err(io_error(&tmp))?;
        }
        std::fs::rename(&tmp, &path).map_err(io_error(&path))?;
        sync_dir(dir)?;
        let file = OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(io_error(&path))?;
        Ok((
            Log {
                path,
                file,
                poisoned: false,
            },
            state,
        ))
    }

    /// Appends one transaction and fsyncs it. After a failure the log refuses further writes,
    /// since the file may end in a partial line.
    pub(crate) fn append(&mut self, records: &[Record]) -> Result<(), StoreError> {
        if records.is_empty() {
            return Ok(());
        }
        if self.poisoned {
            return Err(StoreError::Poisoned);
        }
        let mut line = serde_json::to_vec(&LogLine {
            records: records.to_vec(),
        })
        .map_err(|e| StoreError::Corrupt {
            path: self.path.clone(),
            line: 0,
            reason: e.to_string(),
        })?;
        line.push(b'\n');
        let result = self
            .file
            .write_all(&line)
            .and_then(|()| self.file.sync_data());
        if let Err(e) = result {
            self.poisoned = true;
            return Err(io_error(&self.path)(e));
        }
        Ok(())
    }
}

/// Replays a log. Only the final line may be damaged (a torn append); it is dropped.
fn load(path: &Path, bytes: &[u8]) -> Result<State, StoreError> {
    let mut state = State::default();
    let mut lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
    // After the last '\n' comes either nothing or a torn, unacknowledged append.
    let tail = lines.pop().unwrap_or_default();
    if !tail.is_empty() {
        tracing::warn!(
            bytes = tail.len(),
            "dropping a torn final record from the store log"
        );
    }
    let count = lines.len();
    for (i, line) in lines.into_iter().enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<LogLine>(line) {
            Ok(parsed) => {
                for record in parsed.records {
                    state.apply(record);
                }
            }
            Err(e) if i + 1 == count => {
                tracing::warn!(error = %e, "dropping an unreadable final record from the store log");
            }
            Err(e) => {
                return Err(StoreError::Corrupt {
                    path: path.to_path_buf(),
                    line: i + 1,
                    reason: e.to_string(),
                })
            }
        }
    }
    Ok(state)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn template(name: &str) -> Template {
        Template {
            kind: TemplateKind::Environment,
            name: name.into(),
            display_name: None,
            description: None,
            encryption_key: None,
            provisioning: None,
            created_ms: 1,
            modified_ms: 1,
            tags: BTreeMap::new(),
            highest_major: 0,
            highest_minor: BTreeMap::new(),
            created_with: None,
            ever_tagged: false,
        }
    }

    fn partition() -> PartitionKey {
        PartitionKey {
            region: "us-east-1".into(),
            account: "123456789012".into(),
        }
    }

    #[test]
    fn log_survives_reopen_and_drops_torn_tail() {
        let dir = tempfile::tempdir().unwrap();
        {
            let (mut log, state) = Log::open(dir.path()).unwrap();
            assert!(state.partitions.is_empty());
            for name in ["a", "b"] {
                log.append(&[Record::PutTemplate {
                    partition: partition(),
                    template: template(name),
                }])
                .unwrap();
            }
        }
        // Simulate a crash in the middle of an append.
        let path = dir.path().join(LOG_FILE);
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"{\"records\":[{\"PutTempl").unwrap();
        drop(f);
        let (_log, state) = Log::open(dir.path()).unwrap();
        let p = &state.partitions[&partition()];
        assert_eq!(p.templates.len(), 2);
        // The compacted log loads again.
        drop(_log);
        let (_log, state) = Log::open(dir.path()).unwrap();
        assert_eq!(state.partitions[&partition()].templates.len(), 2);
    }

    #[test]
    fn a_template_logged_before_ever_tagged_counts_as_tagged_while_it_has_tags() {
        let mut tagged = template("t");
        tagged.tags.insert("k".into(), "v".into());
        let mut value = serde_json::to_value(&tagged).unwrap();
        value.as_object_mut().unwrap().remove("ever_tagged");
        let loaded: Template = serde_json::from_value(value).unwrap();
        assert!(!loaded.ever_tagged);
        assert!(loaded.was_ever_tagged());
        assert!(!template("u").was_ever_tagged());
    }

    #[test]
    fn corrupt_middle_line_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(LOG_FILE), b"garbage\n{\"records\":[]}\n").unwrap();
        assert!(matches!(
            Log::open(dir.path()),
            Err(StoreError::Corrupt { line: 1, .. })
        ));
    }
}
