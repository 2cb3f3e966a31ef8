//! The operation engine: one `Engine` holding state and log behind one lock, and the one
//! dispatch from an operation to its handler. Each resource family's handlers live in their
//! own file:
//!
//! - `templates`: Create/Get/Update/Delete/List of environment and service templates;
//! - `create_version`: CreateEnvironmentTemplateVersion/CreateServiceTemplateVersion
//!   (numbering, bundle registration, client-token idempotency, the version quota);
//! - `versions`: Get/Update/Delete/List of template versions;
//! - `version_rules`: the recommended version, compatible-template checks and delete refusals;
//! - `tags`: TagResource, UntagResource, ListTagsForResource;
//! - `render`: ARNs, the JSON shapes answered and the not-found errors.

mod create_version;
mod render;
mod tags;
mod templates;
mod version_rules;
mod versions;

pub(crate) use render::arn_partition;

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

use crate::objects::ObjectStore;
use crate::store::{Log, PartitionKey, Record, State, StoreError};
use crate::wire::{Action, ApiError, Operation};

/// Settings the operations depend on.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    pub account_id: String,
    pub bundles: Bundles,
    pub registration_delay_ms: u64,
}

/// Where registration gets a version's bundle.
#[derive(Debug, Clone)]
pub enum Bundles {
    /// From the object store the S3 API serves.
    Stored(Arc<ObjectStore>),
    /// Nowhere (`--canned-bundles`): every bundle registers with a canned schema, except keys
    /// containing `fail-registration`, which fail.
    Canned,
}

/// What an operation did besides answering.
#[derive(Debug, Default, Clone, Copy)]
pub struct Effects {
    pub(crate) version_created: bool,
}

struct Inner {
    state: State,
    log: Option<Log>,
}

/// The state machine behind the API. One lock guards state and log so the log's order is the
/// order in which changes were made; bundle reads happen outside it.
pub struct Engine {
    config: EngineConfig,
    inner: Mutex<Inner>,
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn store_failure(e: StoreError) -> ApiError {
    tracing::error!(error = %e, "failed to persist a change");
    ApiError::internal("An internal error occurred while persisting the change.")
}

impl Engine {
    /// An engine over `state`, persisting to `log` when given.
    pub fn new(config: EngineConfig, state: State, log: Option<Log>) -> Engine {
        Engine {
            config,
            inner: Mutex::new(Inner { state, log }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Applies `records` to state and log while `inner` is locked.
    fn commit(inner: &mut Inner, records: Vec<Record>) -> Result<(), ApiError> {
        if let Some(log) = inner.log.as_mut() {
            log.append(&records).map_err(store_failure)?;
        }
        for record in records {
            inner.state.apply(record);
        }
        Ok(())
    }

    /// Handles one operation in the default account's partition of `region`.
    pub fn handle(
        &self,
        op: Operation,
        region: &str,
        body: &Map<String, Value>,
    ) -> Result<(Value, Effects), ApiError> {
        let account = self.config.account_id.clone();
        self.handle_in(op, region, &account, body)
    }

    /// Handles one operation for the caller's (region, account): the account of the
    /// credentials that signed it (an assumed role's session acts in the role's account).
    pub fn handle_in(
        &self,
        op: Operation,
        region: &str,
        account: &str,
        body: &Map<String, Value>,
    ) -> Result<(Value, Effects), ApiError> {
        let pk = PartitionKey {
            region: region.to_string(),
            account: account.to_string(),
        };
        let no_effects = |v: Value| (v, Effects::default());
        match op {
            Operation::Template(action, kind) => match action {
                Action::Create => self.create_template(&pk, kind, body),
                Action::Get => self.get_template(&pk, kind, body),
                Action::Update => self.update_template(&pk, kind, body),
                Action::Delete => self.delete_template(&pk, kind, body),
                Action::List => self.list_templates(&pk, kind, body),
            }
            .map(no_effects),
            Operation::Version(action, kind) => match action {
                Action::Create => self.create_version(&pk, kind, body),
                Action::Get => self.get_version(&pk, kind, body).map(no_effects),
                Action::Update => self.update_version(&pk, kind, body).map(no_effects),
                Action::Delete => self.delete_version(&pk, kind, body).map(no_effects),
                Action::List => self.list_versions(&pk, kind, body).map(no_effects),
            },
            Operation::TagResource => self.tag_resource(&pk, body).map(no_effects),
            Operation::UntagResource => self.untag_resource(&pk, body).map(no_effects),
            Operation::ListTagsForResource => self.list_tags(&pk, body).map(no_effects),
        }
    }
}
