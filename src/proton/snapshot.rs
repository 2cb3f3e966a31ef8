//! Reads that share one listing: a refresh of many versions of one template asks Proton for
//! the template's versions once, and for their tags 100 at a time, instead of one Get and one
//! ListTagsForResource per version. Templates likewise, per kind.
//!
//! Rules, which the code cites:
//!
//! 1. **Groups.** The versions of one major of one template (`ListTemplateVersions` with
//!    `majorVersion`, all pages) are one group; the templates of one kind (`ListTemplates`)
//!    are another. A group holds every member's summary and, when the region's tag index is
//!    available, every member's tags (`tag_index`, one `GetResources` per 100 members).
//! 2. **Single flight.** Concurrent reads of one group wait for one listing. A listing that
//!    fails is not kept: each waiting read gets the error, and the next read lists again.
//! 3. **A listing only confirms.** A summary lacks what never changes after a create (a
//!    version's schema, a template's encryption key), which the caller keeps from state; a
//!    read builds the state that the listing implies and keeps it only if it equals the prior
//!    state. Anything else (a difference, or an object the listing leaves out) is decided by
//!    the object's own Get and ListTagsForResource, as a read without listings would. So a
//!    stale answer (the tag index trails Proton) can only postpone seeing a change made
//!    moments before, never report a change that did not happen or drop an object.
//! 4. **Writes forget.** Every write by this process (a create, update or delete of a
//!    template or version, a tag or untag) forgets every group of its region once the write
//!    has returned, so a read that follows lists again. (Refreshes and writes rarely share a
//!    process: Terraform reads in the plan walk and writes in the apply walk.)
//! 5. **Lifetime.** Groups live as long as the process. Terraform starts a provider process
//!    for each graph walk, so a refresh never uses a listing older than its own walk.
//! 6. **An import's read.** The object an import had to get (for its ARN and status) is kept
//!    for the read Terraform makes right after it in the same walk, which takes it (once)
//!    instead of getting it again. A write forgets it, as it forgets groups.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::OnceCell;

use super::error::ProtonError;
use super::model::{Template, TemplateKind, TemplateVersion, TemplateVersionSummary, VersionKey};
use super::tag_index::TagsByArn;

/// One member of a group as its listing shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed<T> {
    pub item: T,
    /// Its tags: from the tag index (rule 1), else its own ListTagsForResource.
    pub tags: BTreeMap<String, String>,
}

/// A member of a group, and its tags when the tag index gave them.
pub(crate) type Member<T> = (T, Option<BTreeMap<String, String>>);

/// The members of one group (rule 1), by their name within it, with their tags.
#[derive(Debug)]
pub(crate) struct Group<T> {
    members: HashMap<String, T>,
    tags: Option<TagsByArn>,
}

impl<T: Clone> Group<T> {
    /// `items` named by `name`, with the tags of `arn`s as the index gave them.
    pub(crate) fn new(items: Vec<T>, name: impl Fn(&T) -> String, tags: Option<TagsByArn>) -> Self {
        let members = items.into_iter().map(|item| (name(&item), item)).collect();
        Self { members, tags }
    }

    /// The member `name` and its tags (an ARN the index left out has none: tag_index rule 2).
    fn member(&self, name: &str, arn: impl Fn(&T) -> &str) -> Option<Member<T>> {
        let item = self.members.get(name)?.clone();
        let tags = self
            .tags
            .as_ref()
            .map(|tags| tags.get(arn(&item)).cloned().unwrap_or_default());
        Some((item, tags))
    }
}

/// The groups of one kind of key, each listed at most once at a time (rule 2).
#[derive(Debug)]
struct Groups<K, T> {
    cells: Mutex<HashMap<K, Arc<OnceCell<Arc<Group<T>>>>>>,
}

impl<K, T> Default for Groups<K, T> {
    fn default() -> Self {
        Self {
            cells: Mutex::default(),
        }
    }
}

impl<K: Clone + Eq + Hash, T> Groups<K, T> {
    /// The group `key`, listed by `list` unless it is already (or being) listed.
    async fn get(
        &self,
        key: &K,
        list: impl Future<Output = Result<Group<T>, ProtonError>>,
    ) -> Result<Arc<Group<T>>, ProtonError> {
        let cell = {
            let mut cells = self.cells.lock().unwrap_or_else(PoisonError::into_inner);
            cells.entry(key.clone()).or_default().clone()
        };
        let group = cell.get_or_try_init(|| async { list.await.map(Arc::new) });
        group.await.cloned()
    }

    /// Forgets every group (rule 4).
    fn forget(&self) {
        self.cells
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

/// A version group's key: kind, template, major (rule 1).
type VersionGroupKey = (TemplateKind, String, String);

/// The groups one region's client has listed, and what imports got (rule 6).
#[derive(Debug, Default)]
pub(crate) struct Snapshots {
    versions: Groups<VersionGroupKey, TemplateVersionSummary>,
    templates: Groups<TemplateKind, Template>,
    imported: Mutex<HashMap<(TemplateKind, VersionKey), TemplateVersion>>,
}

impl Snapshots {
    /// The version `minor` of the group `(kind, template, major)`, listed by `list`.
    pub(crate) async fn version(
        &self,
        (kind, template, major, minor): (TemplateKind, &str, &str, &str),
        list: impl Future<Output = Result<Group<TemplateVersionSummary>, ProtonError>>,
    ) -> Result<Option<Member<TemplateVersionSummary>>, ProtonError> {
        let key = (kind, template.to_owned(), major.to_owned());
        let group = self.versions.get(&key, list).await?;
        Ok(group.member(minor, |v| &v.arn))
    }

    /// The template `name` of `kind`, listed by `list`.
    pub(crate) async fn template(
        &self,
        kind: TemplateKind,
        name: &str,
        list: impl Future<Output = Result<Group<Template>, ProtonError>>,
    ) -> Result<Option<Member<Template>>, ProtonError> {
        let group = self.templates.get(&kind, list).await?;
        Ok(group.member(name, |t| &t.arn))
    }

    /// Keeps `version`, which an import got, for the read after it (rule 6).
    pub(crate) fn imported(&self, kind: TemplateKind, version: TemplateVersion) {
        let key = (kind, version.summary.key());
        self.imports().insert(key, version);
    }

    /// The version `key` an import got, once (rule 6).
    pub(crate) fn take_imported(
        &self,
        kind: TemplateKind,
        key: &VersionKey,
    ) -> Option<TemplateVersion> {
        self.imports().remove(&(kind, key.clone()))
    }

    fn imports(&self) -> MutexGuard<'_, HashMap<(TemplateKind, VersionKey), TemplateVersion>> {
        self.imported.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Forgets every group and everything imports got (rules 4 and 6).
    pub(crate) fn forget(&self) {
        self.versions.forget();
        self.templates.forget();
        self.imports().clear();
    }
}
