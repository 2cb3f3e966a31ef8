//! Deletes that converge in whatever order Terraform runs them.
//!
//! Proton deletes a template's versions in one order only (proton.md §2.4): the recommended
//! (highest published) minor of a major last, the recommended major last of all, and an
//! environment major only once no service version lists it as compatible. Terraform destroys
//! dependents first, and `major_version = X.major_version` makes the *higher* minor depend on
//! the lower, so Terraform asks for the recommended minor first, and waits for it before
//! asking for the rest: retrying that delete can never succeed. The rules instead:
//!
//! 1. A version Proton refuses **only because other versions exist** (it is the recommended
//!    minor while other minors of its major exist, or the recommended major while other majors
//!    exist) and one of those was created by this provider (so a Terraform run may delete it),
//!    or an environment version refused because **a service version this provider created
//!    lists its major as compatible**, is *deferred*: tagged [`DEFERRED_DELETE_TAG`], recorded in the
//!    [`Ledger`](super::ledger::Ledger), and its resource leaves the state, so Terraform goes on
//!    to the versions in its way. What Terraform prints must stay true, so a deferral is silent
//!    only where the plan showed it lifted in this run (rule 6); otherwise the resource reports
//!    it as a warning naming the version, what Proton waits for and the ways out.
//! 2. After every successful version create, update or delete, and before a template delete,
//!    the deferred deletes of that template (and, after a service version change, deferred
//!    environment versions) are retried: a *sweep*. The one that makes Proton accept deletes
//!    them, in the same run.
//! 3. A deferred delete an earlier run left (its tag) is found when the sibling whose
//!    recommended minor it is gets deleted, when a version of its major is published, when a
//!    service version that listed its major changes, and when its template is deleted.
//! 4. Any refusal first waits while another operation on the same template is under way in
//!    this process (it may be the one to lift it, such as the delete of a version in the way),
//!    a bounded number of times in a row without progress (`WAITS_FOR_OTHERS`). Then a
//!    deferrable one is deferred (rule 1), and any other (versions in the way that were
//!    created outside the provider, deployments) fails at once, with Proton's reason and what
//!    to do.
//! 5. A template delete deletes the template's deferred versions first; versions left that
//!    are not deferred fail it at once, named.
//! 6. **The destroy plan looks ahead** (Terraform 1.3+ asks the provider; [`forecast_delete`]):
//!    a version Proton would keep is checked against what the same plan does to the versions
//!    in its way, which the plan of each version notes in the ledger ([`PlannedFate`]). All of
//!    them destroyed: the deferral is expected and silent ([`DeleteNote::lifted_in_run`] in the
//!    change's private data). One of them kept: the plan fails, naming it, since the apply would report a
//!    delete Proton refuses. Not known (not planned yet: destroy plans run dependents first;
//!    or not in this configuration): the apply reports a deferral as a warning.
//! 7. **A version that a state manages is never swept.** Reading, importing, creating or
//!    updating a version marks it live in the ledger (no sweep of this process deletes it),
//!    and a managed read that finds the deferral tag removes it, so no later run does either:
//!    importing a deferred version back cancels its pending delete.
//! 8. **A template replaced under the same name while service versions list its versions.**
//!    Proton's template names are unique, so Terraform can only delete the old template before
//!    it creates the new one, and it updates a service version that lists the template's
//!    versions only after the new ones exist; Proton deletes an environment major only once no
//!    service version lists it, and a template only once it has no versions. So when the plan
//!    replaces the template under the same name ([`DeleteNote::template_replaced`] in a
//!    version's private data, noted by the template's plan), a version delete refused because a service version
//!    lists its major cannot be lifted before the template delete fails: it is not deferred
//!    but fails at once ([`ProtonError::ListedUnderReplacement`]), before anything changed, so
//!    each re-apply fails the same early way until the configuration replaces the listing
//!    service versions too. A rename is not decided here: with create_before_destroy on the
//!    template the new one may be created after this delete and the service versions move to
//!    it in this run, so rule 1 defers, and the warning says what else that takes.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::client::ProtonClient;
use super::create::is_claimed;
use super::error::{ListedUnderReplacement, ProtonError};
use super::find::version_order;
use super::ledger::{DeferredDelete, PlannedFate};
use super::listing::all_versions;
use super::model::{
    rfc3339, TemplateKind, TemplateVersion, TemplateVersionSummary, VersionKey, VersionStatus,
};
use super::wait::{nap, race, PollSchedule, Raced};

/// Tag on a version whose delete waits for other versions to go (its value: since when).
pub const DEFERRED_DELETE_TAG: &str = "terraform-provider-proton:deferred-delete";

/// What a plan tells the later delete of a version, carried in the change's private data
/// (rules 6 and 8). It names its version, so what a failed apply leaves in a state's private
/// data never speaks for another version's delete.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteNote {
    /// The version, `TEMPLATE:MAJOR.MINOR`.
    pub version: String,
    /// The plan showed what lifts a refusal of this delete happening in the same run: the
    /// versions in its way destroyed, or its replacement published into its major (rule 6).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub lifted_in_run: bool,
    /// The plan replaces the version's template (rule 8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_replaced: Option<TemplateReplaced>,
}

impl DeleteNote {
    /// A note about `key` that says nothing yet.
    pub fn new(key: &VersionKey) -> Self {
        Self {
            version: key.to_string(),
            lifted_in_run: false,
            template_replaced: None,
        }
    }

    /// The private data: empty when there is nothing to say.
    pub fn to_private(&self) -> Vec<u8> {
        let Self {
            version: _,
            lifted_in_run,
            template_replaced,
        } = self;
        if !lifted_in_run && template_replaced.is_none() {
            return Vec::new();
        }
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// The note about `key` in a change's private data; an empty one when there is none, it is
    /// about another version, or it is not ours (the delete then decides without it).
    pub fn from_private(private: &[u8], key: &VersionKey) -> Self {
        serde_json::from_slice::<Self>(private)
            .ok()
            .filter(|note| note.version == key.to_string())
            .unwrap_or_else(|| Self::new(key))
    }
}

/// The template a version's change goes with, when the plan replaces it (rule 8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateReplaced {
    /// The new template's name, when the plan knew it.
    pub new_name: Option<String>,
}

/// What a destroy plan found out about a version's delete (module rule 6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeleteForecast {
    /// Proton's ordering rules allow it.
    Allowed,
    /// Proton keeps it until other versions are gone, and this plan destroys them all.
    LiftedInRun { why: String },
    /// Proton keeps it while `kept`, which this plan keeps, exist.
    Kept { why: String, kept: Vec<VersionKey> },
    /// Proton keeps it until other versions are gone, and the plan does not show them all go
    /// (yet: a destroy plan may come to them later): the apply tells.
    Unsure,
}

/// Looks ahead at the delete of `key` in a destroy plan (module rule 6), noting it as going.
pub async fn forecast_delete(
    client: &ProtonClient,
    kind: TemplateKind,
    key: &VersionKey,
) -> Result<DeleteForecast, ProtonError> {
    let ledger = client.ledger();
    ledger.note_planned(kind, key, PlannedFate::Goes);
    let versions = all_versions(client, kind, &key.template_name, None).await?;
    let blockers = sibling_blockers(&versions, key);
    if blockers.is_empty() {
        return Ok(DeleteForecast::Allowed);
    }
    let why = kept_because(kind, key, &blockers);
    let fates: Vec<Option<PlannedFate>> = blockers
        .iter()
        .map(|b| ledger.planned_fate(kind, b))
        .collect();
    let kept: Vec<VersionKey> = blockers
        .iter()
        .zip(&fates)
        .filter(|(_, fate)| **fate == Some(PlannedFate::Stays))
        .map(|(b, _)| b.clone())
        .collect();
    Ok(if !kept.is_empty() {
        DeleteForecast::Kept { why, kept }
    } else if fates.iter().all(|f| *f == Some(PlannedFate::Goes)) {
        DeleteForecast::LiftedInRun { why }
    } else {
        DeleteForecast::Unsure
    })
}

/// Why Proton keeps `key` while `blockers` exist (from `sibling_blockers`).
pub fn kept_because(kind: TemplateKind, key: &VersionKey, blockers: &[VersionKey]) -> String {
    let role = if blockers.iter().all(|b| b.major == key.major) {
        format!("the recommended minor version of major {}", key.major)
    } else {
        format!("the last version of the recommended major {}", key.major)
    };
    format!(
        "Proton deletes {}, {role}, only after {} {} gone",
        kind.describe_version(key),
        describe_keys(blockers),
        if blockers.len() == 1 { "is" } else { "are" },
    )
}

/// What a version delete did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionDeleted {
    /// Proton deleted it.
    Now,
    /// Proton keeps it until `waiting_for` changes; it will be deleted then (module rule 1).
    Deferred { waiting_for: String },
}

/// Why Proton refused a delete, as far as the provider can tell.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Refusal {
    /// Other versions must go first, and a Terraform run may delete them: at least one of
    /// them was created by this provider.
    Siblings(Vec<VersionKey>),
    /// A version created by this provider lists this major as compatible (a service version,
    /// this major an environment one: [`TemplateKind::listed_by`]).
    CompatibleOf(TemplateKind, VersionKey),
    /// Nothing a Terraform run does is known to lift it: the explanation and the fix.
    Final(String),
    /// What was in the way went while the provider looked: try again.
    Changed,
}

/// How many times in a row a refused delete waits for the other operations under way on its
/// template without the versions in its way getting fewer (rule 4). Two refused deletes
/// waiting for each other wake each other when they stop counting, so the bound, not the
/// deadline, ends that.
const WAITS_FOR_OTHERS: u32 = 3;

/// What to do when nothing in Terraform's reach can lift a refusal.
const KEEP_OR_REPLACE: &str = "To keep the version instead, set skip_destroy = true. To replace \
     a template's recommended version, set lifecycle { create_before_destroy = true } so that \
     its successor is published before it is deleted.";

/// Deletes a version (module rules 1, 3 and 4). `arn` is the version's ARN (to tag it when
/// deferred); `recommended_minor` is the recommended minor of its major as last read, where
/// a deferred delete an earlier run left may be waiting.
// What the delete needs, each from a different place (state, plan, timeouts): kept apart.
#[allow(clippy::too_many_arguments)]
pub async fn delete_version(
    client: &ProtonClient,
    kind: TemplateKind,
    key: &VersionKey,
    arn: &str,
    recommended_minor: Option<&str>,
    template_replaced: Option<&TemplateReplaced>,
    timeout: Duration,
    cancel: &CancellationToken,
) -> Result<VersionDeleted, ProtonError> {
    let ledger = client.ledger();
    let mut counted = ledger.begin(kind, &key.template_name);
    let schedule = PollSchedule::DELETE_THROTTLED;
    let start = Instant::now();
    let deadline = start + timeout;
    let what = kind.describe_version(key);
    let timed_out = || ProtonError::Timeout {
        operation: format!("deletion of {what}"),
        waited: start.elapsed(),
        last_status: None,
        setting: Some("delete"),
    };
    let mut delay = schedule.initial;
    let mut asked_again = false;
    let mut waits_left = WAITS_FOR_OTHERS;
    let mut blockers_left = usize::MAX;
    loop {
        let result = match race(client.delete_version(kind, key), deadline, cancel).await {
            Raced::Cancelled => return Err(ProtonError::Cancelled),
            Raced::Deadline => return Err(timed_out()),
            Raced::Done(result) => result,
        };
        let conflict = match result {
            Ok(()) => {
                if let Some(minor) = recommended_minor.filter(|m| *m != key.minor) {
                    let recommended = VersionKey::new(&key.template_name, &key.major, minor);
                    pick_up_earlier_deferral(client, kind, &recommended, None).await;
                }
                sweep(client, kind, &key.template_name, cancel).await;
                return Ok(VersionDeleted::Now);
            }
            Err(err) if err.is_conflict() => err,
            Err(err) if err.is_throttling() => {
                nap(delay, deadline, cancel).await?;
                delay = schedule.next(delay, start.elapsed(), true);
                continue;
            }
            Err(err) => return Err(err),
        };
        // `Ok`: what a deferral waits for; `Err`: why nothing in this run lifts the refusal.
        let deferrable = match why_refused(client, kind, key).await? {
            Refusal::Changed => continue,
            Refusal::Siblings(blockers) => {
                // Fewer versions in the way than last time: the deletes waited for are
                // progressing, so waiting again is not the livelock the bound is for.
                if blockers.len() < std::mem::replace(&mut blockers_left, blockers.len()) {
                    waits_left = WAITS_FOR_OTHERS;
                }
                Ok(describe_keys(&blockers))
            }
            Refusal::CompatibleOf(..) if same_name_replacement(key, template_replaced) => {
                // Rule 8: the template delete that follows cannot succeed in this run.
                let listed_by = compatible_users(client, kind, key, usize::MAX)
                    .await?
                    .iter()
                    .map(|v| v.key())
                    .collect();
                return Err(ProtonError::ListedUnderReplacement(Box::new(
                    ListedUnderReplacement {
                        key: key.clone(),
                        new_name: template_replaced.and_then(|r| r.new_name.clone()),
                        listed_by,
                        source: conflict,
                    },
                )));
            }
            Refusal::CompatibleOf(user_kind, user) => Ok(format!(
                "{} (which lists its major as compatible)",
                user_kind.describe_version(&user)
            )),
            Refusal::Final(reason) => {
                // What was in the way at the refusal may have gone before the listing (a
                // sibling's delete finishing): ask Proton once more.
                if !std::mem::replace(&mut asked_again, true) {
                    continue;
                }
                Err(reason)
            }
        };
        // An operation under way on the same template may lift any refusal (it may be the
        // delete of a version in the way): wait for it before deferring or failing (rule 4).
        let others = counted.others_in_flight();
        if others > 0 && waits_left > 0 {
            waits_left -= 1;
            tracing::debug!(version = %what, others, "delete refused; waiting for the operations under way on its template");
            // A waiting delete lifts nothing: it stops counting while it waits, so two
            // waiting for each other both go on instead of waiting out the deadline.
            drop(counted);
            let remaining = deadline.saturating_duration_since(Instant::now());
            let ended = ledger.wait_for(kind, &key.template_name, remaining, |c| {
                c.in_flight < others
            });
            tokio::select! {
                biased;
                () = cancel.cancelled() => return Err(ProtonError::Cancelled),
                _ = ended => {}
            }
            counted = ledger.begin(kind, &key.template_name);
            continue;
        }
        let waiting_for = match deferrable {
            Ok(waiting_for) => waiting_for,
            Err(reason) => {
                return Err(ProtonError::DeleteRefused {
                    key: what,
                    reason,
                    source: Box::new(conflict),
                })
            }
        };
        defer(client, kind, key, arn).await;
        tracing::info!(version = %what, waiting_for, "Proton keeps this version until the versions in its way are gone; its delete is deferred");
        // What was in the way may have gone while this delete looked, after the last sweep
        // of the operations that removed it: sweep once more so none is missed.
        sweep(client, kind, &key.template_name, cancel).await;
        return Ok(VersionDeleted::Deferred { waiting_for });
    }
}

/// Whether this run replaces `key`'s template under the same name (rule 8). A new name not
/// known at plan time may be a rename: rule 1 decides then.
fn same_name_replacement(key: &VersionKey, template_replaced: Option<&TemplateReplaced>) -> bool {
    template_replaced.and_then(|r| r.new_name.as_deref()) == Some(key.template_name.as_str())
}

/// Records a deferred delete in the ledger and, so that a later run finds it, as a tag.
async fn defer(client: &ProtonClient, kind: TemplateKind, key: &VersionKey, arn: &str) {
    let since = rfc3339(std::time::SystemTime::now());
    let tag = BTreeMap::from([(DEFERRED_DELETE_TAG.to_string(), since)]);
    if let Err(err) = client.tag(arn, &tag).await {
        // The deferral still completes in this run; only a later run would not see it.
        tracing::warn!(version = %key, error = %err, "could not tag the deferred delete");
    }
    client.ledger().defer(DeferredDelete {
        kind,
        key: key.clone(),
        arn: arn.to_string(),
    });
}

/// Adds `key` to the deferred deletes if an earlier run tagged it so (checked once per
/// process). `arn` when the caller already knows it (from a listing); otherwise the version is
/// read first.
async fn pick_up_earlier_deferral(
    client: &ProtonClient,
    kind: TemplateKind,
    key: &VersionKey,
    arn: Option<&str>,
) {
    if !client.ledger().first_look(kind, key) {
        return;
    }
    let arn = match arn {
        Some(arn) => arn.to_string(),
        None => match client.find_version(kind, key).await {
            Ok(Some(version)) => version.summary.arn,
            Ok(None) => return,
            Err(err) => {
                tracing::warn!(version = %key, error = %err, "could not read version");
                return;
            }
        },
    };
    match client.list_tags(&arn).await {
        Ok(tags) if tags.contains_key(DEFERRED_DELETE_TAG) => {
            client.ledger().defer(DeferredDelete {
                kind,
                key: key.clone(),
                arn,
            });
        }
        Ok(_) => {}
        Err(err) => tracing::warn!(version = %key, error = %err, "could not read tags"),
    }
}

/// Retries the deferred deletes an operation on `template` may have unblocked (module rule 2):
/// those of the same template and, after a change to a version whose kind lists majors of
/// another (a service version: [`TemplateKind::lists`]), the deferred versions of that other
/// kind. Repeats while one succeeds, since each may unblock the next. Never fails: what is
/// still refused stays deferred.
pub async fn sweep(
    client: &ProtonClient,
    kind: TemplateKind,
    template: &str,
    cancel: &CancellationToken,
) -> usize {
    let ledger = client.ledger();
    let relevant = |d: &DeferredDelete| {
        (d.kind == kind && d.key.template_name == template) || kind.lists() == Some(d.kind)
    };
    if !ledger.deferred().iter().any(relevant) {
        return 0;
    }
    let _sweeping = ledger.sweeping().await;
    let mut deleted = 0;
    loop {
        let mut progress = false;
        for deferred in ledger.deferred().into_iter().filter(relevant) {
            if ledger.is_live(deferred.kind, &deferred.key) {
                // A state manages it again (rule 7).
                ledger.settle(deferred.kind, &deferred.key);
                continue;
            }
            let result = tokio::select! {
                biased;
                () = cancel.cancelled() => return deleted,
                result = client.delete_version(deferred.kind, &deferred.key) => result,
            };
            match result {
                Ok(()) => {
                    tracing::info!(version = %deferred.key, "deferred delete done");
                    ledger.settle(deferred.kind, &deferred.key);
                    deleted += 1;
                    progress = true;
                }
                Err(err) if err.is_conflict() => {}
                Err(err) => {
                    tracing::warn!(version = %deferred.key, error = %err, "deferred delete failed; it stays deferred");
                }
            }
        }
        if !progress {
            return deleted;
        }
    }
}

/// Finds the deferred deletes earlier runs left among the versions of `template` (of `major`
/// only, when given), so that the next sweep retries them (rule 3): after a publish, which can
/// make a recommended version an ordinary one, and after a service version stops listing an
/// environment major.
pub async fn pick_up_deferrals(
    client: &ProtonClient,
    kind: TemplateKind,
    template: &str,
    major: Option<&str>,
) {
    match all_versions(client, kind, template, major).await {
        Ok(versions) => {
            for version in versions {
                pick_up_earlier_deferral(client, kind, &version.key(), Some(&version.arn)).await;
            }
        }
        Err(err) => {
            tracing::warn!(template, error = %err, "could not list versions for deferred deletes")
        }
    }
}

/// Why Proton refused to delete `key`.
async fn why_refused(
    client: &ProtonClient,
    kind: TemplateKind,
    key: &VersionKey,
) -> Result<Refusal, ProtonError> {
    let versions = all_versions(client, kind, &key.template_name, None).await?;
    let blockers: Vec<&TemplateVersionSummary> = {
        let keys = sibling_blockers(&versions, key);
        versions
            .iter()
            .filter(|v| keys.contains(&v.key()))
            .collect()
    };
    if !blockers.is_empty() {
        for blocker in &blockers {
            match is_claimed(client, &blocker.arn).await? {
                Some(true) => {
                    return Ok(Refusal::Siblings(
                        blockers.iter().map(|v| v.key()).collect(),
                    ))
                }
                Some(false) => {}
                // Deleted since the refusal: ask Proton again.
                None => return Ok(Refusal::Changed),
            }
        }
        let keys: Vec<VersionKey> = blockers.iter().map(|v| v.key()).collect();
        return Ok(Refusal::Final(format!(
            "Proton deletes this version, the recommended one, only after {} {} gone, and the \
             provider created none of them, so nothing in this run deletes them. Delete them \
             first (or import them into this configuration and destroy them with it). \
             {KEEP_OR_REPLACE}",
            describe_keys(&keys),
            if keys.len() == 1 { "is" } else { "are" },
        )));
    }
    // One is enough to tell why.
    if let Some(user) = compatible_users(client, kind, key, 1).await?.pop() {
        match is_claimed(client, &user.arn).await? {
            Some(true) => return Ok(Refusal::CompatibleOf(user.kind, user.key())),
            Some(false) => {}
            None => return Ok(Refusal::Changed),
        }
        return Ok(Refusal::Final(format!(
            "{} lists major version {} of this template as compatible, and the provider did \
             not create it, so nothing in this run changes that. Update or delete that {} \
             version first. {KEEP_OR_REPLACE}",
            user.kind.describe_version(&user.key()),
            key.major,
            user.kind,
        )));
    }
    Ok(Refusal::Final(format!(
        "No other operation under way in this run can lift the refusal, so the provider did \
         not wait. Proton keeps a version while environments or service instances are \
         deployed on it: move them to another version first. {KEEP_OR_REPLACE}"
    )))
}

/// The versions listing `key`'s template (of `kind`) and major as compatible, at most `limit`.
async fn compatible_users(
    client: &ProtonClient,
    kind: TemplateKind,
    key: &VersionKey,
    limit: usize,
) -> Result<Vec<TemplateVersion>, ProtonError> {
    let majors = [key.major.clone()];
    listing_versions(client, kind, &key.template_name, &majors, limit).await
}

/// The versions listing one of `majors` of template `template` (of `kind`) as compatible, at
/// most `limit` (the search stops there): service versions listing an environment template's
/// majors ([`TemplateKind::listed_by`]); none for a kind no versions list. Reads the listing
/// kind's versions one by one: only done for a refused delete.
pub async fn listing_versions(
    client: &ProtonClient,
    kind: TemplateKind,
    template: &str,
    majors: &[String],
    limit: usize,
) -> Result<Vec<TemplateVersion>, ProtonError> {
    let mut found = Vec::new();
    let Some(lister) = kind.listed_by() else {
        return Ok(found);
    };
    for listed in client.list_templates(lister).await? {
        for summary in all_versions(client, lister, &listed.name, None).await? {
            let Some(version) = client.find_version(lister, &summary.key()).await? else {
                continue;
            };
            let lists_it = version
                .compatible_environment_templates
                .iter()
                .any(|c| c.template_name == template && majors.contains(&c.major_version));
            if lists_it {
                found.push(version);
                if found.len() >= limit {
                    return Ok(found);
                }
            }
        }
    }
    Ok(found)
}

/// The versions that must go before Proton deletes `key`, by its ordering rules alone: the
/// other minors if `key` is its major's recommended minor, the other majors if `key` is the
/// last minor of the recommended major; empty when the rules allow the delete.
fn sibling_blockers(versions: &[TemplateVersionSummary], key: &VersionKey) -> Vec<VersionKey> {
    let order = |v: &&TemplateVersionSummary| version_order(&v.major_version, &v.minor_version);
    let published = || {
        versions
            .iter()
            .filter(|v| v.status == VersionStatus::Published)
    };
    let others = || versions.iter().filter(|v| v.key() != *key);
    let same_major: Vec<VersionKey> = others()
        .filter(|v| v.major_version == key.major)
        .map(TemplateVersionSummary::key)
        .collect();
    if !same_major.is_empty() {
        let recommended_minor = published()
            .filter(|v| v.major_version == key.major)
            .max_by_key(order)
            .map(|v| v.minor_version.as_str());
        return if recommended_minor == Some(key.minor.as_str()) {
            same_major
        } else {
            Vec::new()
        };
    }
    let recommended_major = published()
        .max_by_key(order)
        .map(|v| v.major_version.as_str());
    if recommended_major == Some(key.major.as_str()) {
        others().map(TemplateVersionSummary::key).collect()
    } else {
        Vec::new()
    }
}

/// `web:1.0, web:1.1` (at most five, then a count).
fn describe_keys(keys: &[VersionKey]) -> String {
    const SHOWN: usize = 5;
    let mut text = keys
        .iter()
        .take(SHOWN)
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    if keys.len() > SHOWN {
        text += &format!(" and {} more", keys.len() - SHOWN);
    }
    text
}

/// Why a template delete failed.
#[derive(Debug)]
pub enum TemplateDeleteError {
    /// Versions are left that nothing in this run deletes: those whose delete is `deferred`
    /// among them, and (environment templates) the service versions whose listing keeps
    /// them (`listed_by`).
    HasVersions {
        versions: Vec<TemplateVersionSummary>,
        deferred: Vec<VersionKey>,
        listed_by: Vec<VersionKey>,
        refusal: ProtonError,
    },
    Proton(ProtonError),
}

impl From<ProtonError> for TemplateDeleteError {
    fn from(err: ProtonError) -> Self {
        Self::Proton(err)
    }
}

/// Deletes a template (module rule 5): first its deferred versions, including those an
/// earlier run left; versions being deleted by other operations of this run are waited for;
/// any other version left fails the delete at once.
pub async fn delete_template(
    client: &ProtonClient,
    kind: TemplateKind,
    name: &str,
    timeout: Duration,
    cancel: &CancellationToken,
) -> Result<(), TemplateDeleteError> {
    let ledger = client.ledger();
    let schedule = PollSchedule::TEMPLATE_DELETE;
    let start = Instant::now();
    let deadline = start + timeout;
    let mut delay = schedule.initial;
    let mut looked_for_deferrals = false;
    loop {
        sweep(client, kind, name, cancel).await;
        let result = match race(client.delete_template(kind, name), deadline, cancel).await {
            Raced::Cancelled => return Err(ProtonError::Cancelled.into()),
            Raced::Deadline => {
                return Err(ProtonError::Timeout {
                    operation: format!("deletion of {}", kind.describe_template(name)),
                    waited: start.elapsed(),
                    last_status: None,
                    setting: Some("delete"),
                }
                .into())
            }
            Raced::Done(result) => result,
        };
        let refusal = match result {
            Ok(()) => return Ok(()),
            Err(err) if err.is_conflict() || err.is_throttling() => err,
            Err(err) => return Err(err.into()),
        };
        let versions = all_versions(client, kind, name, None).await?;
        if !looked_for_deferrals {
            looked_for_deferrals = true;
            for version in &versions {
                pick_up_earlier_deferral(client, kind, &version.key(), Some(&version.arn)).await;
            }
        }
        let deferred: Vec<VersionKey> = ledger
            .deferred()
            .into_iter()
            .filter(|d| d.kind == kind && d.key.template_name == name)
            .map(|d| d.key)
            .collect();
        let undeferred = versions.iter().any(|v| !deferred.contains(&v.key()));
        let in_flight = ledger.counts(kind, name).in_flight;
        if !versions.is_empty()
            && in_flight == 0
            && (undeferred || sweep(client, kind, name, cancel).await == 0)
        {
            // Who keeps them, so the error can give the way out (rule 8).
            let mut majors: Vec<String> =
                versions.iter().map(|v| v.major_version.clone()).collect();
            majors.sort();
            majors.dedup();
            let listed_by = listing_versions(client, kind, name, &majors, usize::MAX)
                .await?
                .iter()
                .map(|v| v.key())
                .collect();
            return Err(TemplateDeleteError::HasVersions {
                versions,
                deferred,
                listed_by,
                refusal,
            });
        }
        if in_flight > 0 {
            // A version delete of this run is under way: its end is what to wait for.
            let remaining = deadline.saturating_duration_since(Instant::now());
            let ended = ledger.wait_for(kind, name, remaining, |c| c.in_flight < in_flight);
            tokio::select! {
                biased;
                () = cancel.cancelled() => return Err(ProtonError::Cancelled.into()),
                _ = ended => {}
            }
        } else if versions.is_empty() {
            // Listed empty yet refused: Proton has not caught up with the last deletes.
            tracing::info!(
                template = name,
                "delete refused although no versions are listed; retrying"
            );
            nap(delay, deadline, cancel).await?;
            delay = schedule.next(delay, start.elapsed(), refusal.is_throttling());
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use std::time::SystemTime;

    use super::*;

    fn summary(major: &str, minor: &str, status: VersionStatus) -> TemplateVersionSummary {
        TemplateVersionSummary {
            kind: TemplateKind::Environment,
            template_name: "web".into(),
            major_version: major.into(),
            minor_version: minor.into(),
            recommended_minor_version: None,
            status,
            status_message: None,
            description: None,
            arn: format!("arn:web:{major}.{minor}"),
            created_at: SystemTime::UNIX_EPOCH,
            last_modified_at: SystemTime::UNIX_EPOCH,
        }
    }

    fn keys(list: &[(&str, &str)]) -> Vec<VersionKey> {
        list.iter()
            .map(|&(major, minor)| VersionKey::new("web", major, minor))
            .collect()
    }

    #[test]
    fn who_a_deleted_version_waits_for() {
        use VersionStatus::{Draft, Published};
        let minors = [
            summary("1", "0", Published),
            summary("1", "1", Published),
            summary("1", "2", Draft),
        ];
        let majors = [
            summary("1", "0", Published),
            summary("2", "0", Published),
            summary("10", "0", Published),
        ];
        let drafts = [summary("1", "0", Draft), summary("1", "1", Draft)];
        // (the versions listed, the one deleted, what it waits for)
        type Case<'a> = (
            &'a [TemplateVersionSummary],
            (&'a str, &'a str),
            &'a [(&'a str, &'a str)],
        );
        let cases: [Case<'_>; 7] = [
            // The recommended minor waits for the other minors.
            (&minors, ("1", "1"), &[("1", "0"), ("1", "2")]),
            (&minors, ("1", "0"), &[]),
            (&minors, ("1", "2"), &[]),
            // The last minor of the recommended major waits for the other majors; majors
            // compare as numbers, so 10 is the recommended one.
            (&majors, ("10", "0"), &[("1", "0"), ("2", "0")]),
            (&majors, ("2", "0"), &[]),
            (&majors[..1], ("1", "0"), &[]),
            // Drafts alone block nothing.
            (&drafts, ("1", "1"), &[]),
        ];
        for (versions, (major, minor), expected) in cases {
            assert_eq!(
                sibling_blockers(versions, &VersionKey::new("web", major, minor)),
                keys(expected),
                "deleting {major}.{minor}"
            );
        }
    }

    #[test]
    fn a_delete_note_speaks_only_for_its_own_version() {
        let key = VersionKey::new("web", "1", "1");
        assert!(
            DeleteNote::new(&key).to_private().is_empty(),
            "nothing to say"
        );
        let note = DeleteNote {
            lifted_in_run: true,
            template_replaced: Some(TemplateReplaced {
                new_name: Some("web2".into()),
            }),
            ..DeleteNote::new(&key)
        };
        let private = note.to_private();
        assert_eq!(DeleteNote::from_private(&private, &key), note);
        // Left in another version's state by a failed apply, or not ours: says nothing.
        let other = VersionKey::new("web", "1", "2");
        assert_eq!(
            DeleteNote::from_private(&private, &other),
            DeleteNote::new(&other)
        );
        assert_eq!(
            DeleteNote::from_private(b"\x01sdk-private", &key),
            DeleteNote::new(&key)
        );
    }

    #[test]
    fn long_blocker_lists_are_cut_short() {
        let many: Vec<VersionKey> = (0..7)
            .map(|m| VersionKey::new("web", "1", m.to_string()))
            .collect();
        assert_eq!(
            describe_keys(&many),
            "web:1.0, web:1.1, web:1.2, web:1.3, web:1.4 and 2 more"
        );
    }
}
