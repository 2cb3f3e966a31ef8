//! Reads that share one listing: a refresh of many versions of one template asks Proton for
//! the template's versions once, and for their tags 100 at a time, instead of one Get and one
//! ListTagsForResource per version. Templates likewise, per kind.
//!
//! Rules, which the code cites:
//!
//! 1. **Groups.** A template's listing without `majorVersion` (Proton's "major versions"; we
//!    read it as the latest minor of each) is one group, so a template whose versions are all
//!    majors of their own is read with one listing; a version it leaves out is looked for in
//!    the listing of its major (`majorVersion`, every minor), another group. The templates of
//!    one kind (`ListTemplates`) are another. A group holds every member's summary and, when
//!    the region's tag index is available, every member's tags (`tag_index`, one
//!    `GetResources` per 100 members).
//! 2. **Single flight.** Concurrent reads of one group wait for one listing. A listing that
//!    fails is not kept: each waiting read gets the error, and the next read lists again.
//! 3. **Proton's listing is taken as is; the tag index only confirms.** A listing is
//!    Proton's own answer, as a Get is, so what a summary says is the object's state. What a
//!    summary lacks is kept from state only where it cannot have changed: a version's schema
//!    once it is registered (a version read last while registering is read on its own) and a
//!    template's encryption key (fixed at create). A service version's compatibility lists
//!    can change at any time, so a service version is read on its own (its tags still come
//!    from the index). Tags from the index are taken only when they agree with the state;
//!    otherwise the object's own ListTagsForResource decides, because the index trails Proton
//!    (tag_index rule 3). So a stale index can postpone seeing a tag change made moments
//!    before, and never reports one that did not happen. An object the listing leaves out is
//!    looked up on its own before it counts as gone.
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
    /// Whether `tags` came from the index, so a disagreement with the state is to be
    /// confirmed (rule 3).
    pub tags_from_index: bool,
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

/// A group once listed, shared by every read that waited for it (rule 2).
type Cell<T> = Arc<OnceCell<Arc<Group<T>>>>;

/// The groups of one kind of key, each listed at most once at a time (rule 2).
#[derive(Debug)]
struct Groups<K, T> {
    cells: Mutex<HashMap<K, Cell<T>>>,
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

/// A version group's key: kind, template, and major (`None`: the listing of every major,
/// rule 1).
type VersionGroupKey = (TemplateKind, String, Option<String>);

/// The groups one region's client has listed, and what imports got (rule 6).
#[derive(Debug, Default)]
pub(crate) struct Snapshots {
    versions: Groups<VersionGroupKey, TemplateVersionSummary>,
    templates: Groups<TemplateKind, Template>,
    imported: Mutex<HashMap<(TemplateKind, VersionKey), TemplateVersion>>,
}

impl Snapshots {
    /// The version `version` in the group of its template and `major` (`None`: the listing
    /// without `majorVersion`), listed by `list`.
    pub(crate) async fn version(
        &self,
        (kind, version, major): (TemplateKind, &VersionKey, Option<&str>),
        list: impl Future<Output = Result<Group<TemplateVersionSummary>, ProtonError>>,
    ) -> Result<Option<Member<TemplateVersionSummary>>, ProtonError> {
        let key = (
            kind,
            version.template_name.clone(),
            major.map(str::to_owned),
        );
        let group = self.versions.get(&key, list).await?;
        Ok(group.member(&version.to_string(), |v| &v.arn))
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::proton::model::VersionStatus;

    fn summary(minor: &str) -> TemplateVersionSummary {
        TemplateVersionSummary {
            kind: TemplateKind::Environment,
            template_name: "web".into(),
            major_version: "1".into(),
            minor_version: minor.into(),
            recommended_minor_version: None,
            status: VersionStatus::Draft,
            status_message: None,
            description: None,
            arn: format!(
                "arn:aws:proton:us-east-1:123456789012:environment-template/web:1.{minor}"
            ),
            created_at: std::time::UNIX_EPOCH,
            last_modified_at: std::time::UNIX_EPOCH,
        }
    }

    /// A listing of versions 1.0 and 1.1, the first tagged, that counts its runs.
    async fn listing(runs: &AtomicUsize) -> Result<Group<TemplateVersionSummary>, ProtonError> {
        runs.fetch_add(1, Ordering::SeqCst);
        tokio::task::yield_now().await;
        let versions = vec![summary("0"), summary("1")];
        let tags = TagsByArn::from([(
            versions[0].arn.clone(),
            BTreeMap::from([("team".to_string(), "a".to_string())]),
        )]);
        Ok(Group::new(versions, |v| v.key().to_string(), Some(tags)))
    }

    fn key(minor: &str) -> VersionKey {
        VersionKey::new("web", "1", minor)
    }

    fn in_major_1(key: &VersionKey) -> (TemplateKind, &VersionKey, Option<&str>) {
        (TemplateKind::Environment, key, Some("1"))
    }

    #[tokio::test]
    async fn concurrent_reads_of_a_group_share_one_listing() {
        let (snapshots, runs) = (Snapshots::default(), AtomicUsize::new(0));
        let keys = [key("0"), key("1"), key("9")];
        let (first, second, missing) = tokio::join!(
            snapshots.version(in_major_1(&keys[0]), listing(&runs)),
            snapshots.version(in_major_1(&keys[1]), listing(&runs)),
            snapshots.version(in_major_1(&keys[2]), listing(&runs)),
        );
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        let (first, tags) = first.unwrap().unwrap();
        assert_eq!(first.minor_version, "0");
        assert_eq!(tags.unwrap()["team"], "a");
        // Left out by the index: no tags (tag_index rule 2), not unknown.
        assert_eq!(second.unwrap().unwrap().1, Some(BTreeMap::new()));
        assert_eq!(missing.unwrap(), None);
    }

    #[tokio::test]
    async fn a_failed_listing_is_not_kept_and_a_write_forgets() {
        let (snapshots, runs) = (Snapshots::default(), AtomicUsize::new(0));
        let first = key("0");
        let failed = snapshots
            .version(in_major_1(&first), async {
                Err(ProtonError::NotFound {
                    what: "the listing".into(),
                    message: None,
                    request_id: None,
                })
            })
            .await;
        assert!(failed.is_err());
        let (first, second) = (key("0"), key("1"));
        snapshots
            .version(in_major_1(&first), listing(&runs))
            .await
            .unwrap();
        snapshots
            .version(in_major_1(&second), listing(&runs))
            .await
            .unwrap();
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        snapshots.forget();
        snapshots
            .version(in_major_1(&second), listing(&runs))
            .await
            .unwrap();
        assert_eq!(runs.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn what_an_import_got_serves_one_read_and_a_write_forgets_it() {
        let snapshots = Snapshots::default();
        let version = |minor: &str| TemplateVersion {
            summary: summary(minor),
            schema: Some("schema".into()),
            compatible_environment_templates: Vec::new(),
            supported_component_sources: Vec::new(),
        };
        let kind = TemplateKind::Environment;
        snapshots.imported(kind, version("0"));
        snapshots.imported(kind, version("1"));
        let taken = snapshots.take_imported(kind, &summary("0").key());
        assert_eq!(taken.unwrap().schema.as_deref(), Some("schema"));
        assert!(snapshots.take_imported(kind, &summary("0").key()).is_none());
        assert!(snapshots
            .take_imported(TemplateKind::Service, &summary("1").key())
            .is_none());
        snapshots.forget();
        assert!(snapshots.take_imported(kind, &summary("1").key()).is_none());
    }
}
