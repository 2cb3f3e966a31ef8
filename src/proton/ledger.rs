//! What this provider process has under way with Proton, shared by every resource.
//!
//! Terraform runs one provider process per command and calls it concurrently for independent
//! resources, in its own order. Proton's rules, though, tie versions of one template together
//! (a minor needs its major to exist; the recommended version is deleted last), so some calls
//! can only succeed after others. The ledger is how one call learns what the others are doing:
//!
//! - **in-flight operations per template**, so a refused call waits for a sibling that can
//!   resolve the refusal instead of polling blindly, and fails at once when none is under way;
//! - **creates of a new major version**, which a create with an explicit `major_version` may
//!   need to wait for;
//! - **client tokens sent**, so two resource instances with identical arguments never share
//!   one token (and so one version);
//! - **deferred deletes**: versions Proton keeps until siblings are gone (see
//!   [`crate::proton::delete`]).
//!
//! Everything here is in memory and lives as long as the process; what must outlive it (a
//! deferred delete) is also recorded in Proton as a tag.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::watch;

use super::find::version_order;
use super::model::{TemplateKind, VersionKey};

/// A template, by kind and name.
pub type TemplateRef = (TemplateKind, String);

/// A version Proton keeps until other versions are gone, and its ARN (for its tags).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeferredDelete {
    pub kind: TemplateKind,
    pub key: VersionKey,
    pub arn: String,
}

/// What is under way on one template, as [`Ledger::wait_for`] sees it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Operations on its versions under way.
    pub in_flight: usize,
    /// Creates of a new major version under way.
    pub new_majors: usize,
    /// Creates of a new major version begun in this process so far (it only grows), so a
    /// waiter can tell that one began and ended while it was not looking.
    pub new_majors_begun: u64,
}

#[derive(Debug, Default)]
struct State {
    in_flight: HashMap<TemplateRef, usize>,
    new_majors: HashMap<TemplateRef, usize>,
    new_majors_begun: HashMap<TemplateRef, u64>,
    tokens: BTreeSet<String>,
    deferred: BTreeMap<(TemplateKind, VersionKey), String>,
    checked: BTreeSet<(TemplateKind, VersionKey)>,
    planned: BTreeMap<(TemplateKind, VersionKey), PlannedFate>,
    live: BTreeSet<(TemplateKind, VersionKey)>,
    replaced_templates: BTreeMap<TemplateRef, Option<String>>,
    created_templates: BTreeSet<TemplateRef>,
}

/// What the plan this process is making does to an existing version: the destroy plan of a
/// version Proton keeps while others exist looks here to tell whether this run removes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlannedFate {
    /// Kept: a no-op or an in-place update.
    Stays,
    /// Destroyed, or replaced by a new version.
    Goes,
}

/// See the module documentation.
#[derive(Debug)]
pub struct Ledger {
    state: Mutex<State>,
    /// Bumped whenever an operation ends, so waiters re-check without polling.
    changed: watch::Sender<u64>,
    /// Serialises sweeps of deferred deletes, so two never race for one version.
    sweep: tokio::sync::Mutex<()>,
}

impl Default for Ledger {
    fn default() -> Self {
        Self {
            state: Mutex::default(),
            changed: watch::Sender::new(0),
            sweep: tokio::sync::Mutex::new(()),
        }
    }
}

/// An operation on a version of a template, counted while this guard lives.
#[must_use = "the operation is only counted while the guard lives"]
#[derive(Debug)]
pub struct InFlight<'a> {
    ledger: &'a Ledger,
    template: TemplateRef,
    new_major: bool,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        let mut state = self.ledger.lock();
        let State {
            in_flight,
            new_majors,
            ..
        } = &mut *state;
        let counters = [Some(in_flight), self.new_major.then_some(new_majors)];
        for counter in counters.into_iter().flatten() {
            if let Some(count) = counter.get_mut(&self.template) {
                *count = count.saturating_sub(1);
                if *count == 0 {
                    counter.remove(&self.template);
                }
            }
        }
        drop(state);
        self.ledger
            .changed
            .send_modify(|generation| *generation += 1);
    }
}

impl Ledger {
    fn lock(&self) -> MutexGuard<'_, State> {
        // The state stays consistent even if a holder panicked: every update is one step.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts an operation on a version of `template` until the guard is dropped.
    pub fn begin(&self, kind: TemplateKind, template: &str) -> InFlight<'_> {
        self.begin_counted(kind, template, false)
    }

    /// Counts a create of a new major version of `template` (and the operation itself).
    pub fn begin_new_major(&self, kind: TemplateKind, template: &str) -> InFlight<'_> {
        self.begin_counted(kind, template, true)
    }

    /// Like [`Ledger::begin_new_major`], but only when no other new major of `template` is
    /// being created (two at once would get two different majors).
    pub fn try_begin_new_major(&self, kind: TemplateKind, template: &str) -> Option<InFlight<'_>> {
        let busy = self
            .lock()
            .new_majors
            .contains_key(&(kind, template.to_string()));
        (!busy).then(|| self.begin_new_major(kind, template))
    }

    fn begin_counted(&self, kind: TemplateKind, template: &str, new_major: bool) -> InFlight<'_> {
        let template = (kind, template.to_string());
        let mut state = self.lock();
        *state.in_flight.entry(template.clone()).or_default() += 1;
        if new_major {
            *state.new_majors.entry(template.clone()).or_default() += 1;
            *state.new_majors_begun.entry(template.clone()).or_default() += 1;
        }
        drop(state);
        self.changed.send_modify(|generation| *generation += 1);
        InFlight {
            ledger: self,
            template,
            new_major,
        }
    }

    /// What is under way on `template`.
    pub fn counts(&self, kind: TemplateKind, template: &str) -> Counts {
        let template = (kind, template.to_string());
        let state = self.lock();
        Counts {
            in_flight: state.in_flight.get(&template).copied().unwrap_or(0),
            new_majors: state.new_majors.get(&template).copied().unwrap_or(0),
            new_majors_begun: state.new_majors_begun.get(&template).copied().unwrap_or(0),
        }
    }

    /// Operations on versions of `template` under way, not counting the caller's own.
    pub fn others_in_flight(&self, kind: TemplateKind, template: &str, own: usize) -> usize {
        self.counts(kind, template).in_flight.saturating_sub(own)
    }

    /// Waits until `done` holds for what is under way on `template`, or `limit` passes; true
    /// when it held. Event-driven: it re-checks only when an operation begins or ends.
    pub async fn wait_for(
        &self,
        kind: TemplateKind,
        template: &str,
        limit: Duration,
        done: impl Fn(Counts) -> bool,
    ) -> bool {
        let mut changes = self.changed.subscribe();
        let check = || done(self.counts(kind, template));
        let wait = async {
            loop {
                if check() {
                    return true;
                }
                if changes.changed().await.is_err() {
                    return check();
                }
            }
        };
        tokio::time::timeout(limit, wait).await.unwrap_or(false)
    }

    /// The first of `candidates` (token for occurrence 0, 1, 2, …) not yet sent by this
    /// process, now reserved. Identical creates in one run thus get distinct tokens, and the
    /// same ones again in the next run, so an interrupted apply still converges.
    pub fn reserve_token(&self, candidates: impl Fn(u32) -> String) -> (u32, String) {
        let mut state = self.lock();
        let mut occurrence = 0;
        loop {
            let token = candidates(occurrence);
            if state.tokens.insert(token.clone()) {
                return (occurrence, token);
            }
            occurrence += 1;
        }
    }

    /// Records that `key`'s delete waits for other versions to go.
    pub fn defer(&self, deferred: DeferredDelete) {
        let mut state = self.lock();
        let version = (deferred.kind, deferred.key.clone());
        // Its state asked for the delete: no longer managed.
        state.live.remove(&version);
        state.checked.insert(version);
        state
            .deferred
            .insert((deferred.kind, deferred.key), deferred.arn);
    }

    /// The deferred deletes, lowest version first (deleting lower versions first unblocks the
    /// recommended ones).
    pub fn deferred(&self) -> Vec<DeferredDelete> {
        let mut deferred: Vec<DeferredDelete> = self
            .lock()
            .deferred
            .iter()
            .map(|((kind, key), arn)| DeferredDelete {
                kind: *kind,
                key: key.clone(),
                arn: arn.clone(),
            })
            .collect();
        deferred.sort_by_key(|d| (d.kind, version_order(&d.key.major, &d.key.minor)));
        deferred
    }

    /// Forgets a deferred delete (done, or the version is gone).
    pub fn settle(&self, kind: TemplateKind, key: &VersionKey) {
        self.lock().deferred.remove(&(kind, key.clone()));
    }

    /// True the first time it is asked about `key` in this process: whether to look for a
    /// deferred-delete tag an earlier run left on it.
    pub fn first_look(&self, kind: TemplateKind, key: &VersionKey) -> bool {
        self.lock().checked.insert((kind, key.clone()))
    }

    /// Records that a state manages `key` (it was read, created, updated or imported in this
    /// process): it is no longer a deferred delete, and no sweep deletes it.
    pub fn mark_live(&self, kind: TemplateKind, key: &VersionKey) {
        let mut state = self.lock();
        let version = (kind, key.clone());
        state.deferred.remove(&version);
        state.checked.insert(version.clone());
        state.live.insert(version);
    }

    /// Whether a state manages `key`, as far as this process has seen.
    pub fn is_live(&self, kind: TemplateKind, key: &VersionKey) -> bool {
        self.lock().live.contains(&(kind, key.clone()))
    }

    /// Notes what the plan being made does to `key`.
    pub fn note_planned(&self, kind: TemplateKind, key: &VersionKey, fate: PlannedFate) {
        self.lock().planned.insert((kind, key.clone()), fate);
    }

    /// What the plan being made does to `key`, if planned yet.
    pub fn planned_fate(&self, kind: TemplateKind, key: &VersionKey) -> Option<PlannedFate> {
        self.lock().planned.get(&(kind, key.clone())).copied()
    }

    /// Notes that the plan being made replaces template `name` by one named `new_name` (`None`
    /// while the new name is not known), for the plans of its versions
    /// ([`crate::proton::delete`] rule 8).
    pub fn note_template_replaced(&self, kind: TemplateKind, name: &str, new_name: Option<&str>) {
        let new_name = new_name.map(str::to_string);
        self.lock()
            .replaced_templates
            .insert((kind, name.to_string()), new_name);
    }

    /// Whether the plan being made replaces template `name`, and by which name, if known.
    pub fn template_replacement(&self, kind: TemplateKind, name: &str) -> Option<Option<String>> {
        let state = self.lock();
        state
            .replaced_templates
            .get(&(kind, name.to_string()))
            .cloned()
    }

    /// Notes that this process created template `name`.
    pub fn note_template_created(&self, kind: TemplateKind, name: &str) {
        self.lock()
            .created_templates
            .insert((kind, name.to_string()));
    }

    /// Whether this process created template `name`.
    pub fn template_created(&self, kind: TemplateKind, name: &str) -> bool {
        self.lock()
            .created_templates
            .contains(&(kind, name.to_string()))
    }

    /// Held while sweeping deferred deletes.
    pub async fn sweeping(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.sweep.lock().await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    const ENV: TemplateKind = TemplateKind::Environment;

    #[test]
    fn identical_creates_get_distinct_tokens_in_a_stable_order() {
        let ledger = Ledger::default();
        let token = |n: u32| format!("t{n}");
        assert_eq!(ledger.reserve_token(token), (0, "t0".to_string()));
        assert_eq!(ledger.reserve_token(token), (1, "t1".to_string()));
        assert_eq!(
            ledger.reserve_token(|n| format!("other{n}")),
            (0, "other0".into())
        );
        // A new process starts from occurrence 0 again.
        assert_eq!(Ledger::default().reserve_token(token), (0, "t0".into()));
    }

    #[test]
    fn operations_are_counted_while_their_guard_lives() {
        let ledger = Ledger::default();
        let first = ledger.begin(ENV, "web");
        let major = ledger.begin_new_major(ENV, "web");
        assert_eq!(ledger.others_in_flight(ENV, "web", 0), 2);
        assert_eq!(ledger.others_in_flight(ENV, "web", 1), 1);
        assert_eq!(ledger.others_in_flight(ENV, "db", 0), 0);
        assert!(ledger.try_begin_new_major(ENV, "web").is_none());
        drop(major);
        assert_eq!(
            ledger.counts(ENV, "web").new_majors_begun,
            1,
            "ended, still counted"
        );
        let again = ledger.try_begin_new_major(ENV, "web");
        assert!(again.is_some());
        drop((first, again));
        assert_eq!(ledger.others_in_flight(ENV, "web", 0), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_waiter_wakes_when_the_last_sibling_ends() {
        let ledger = std::sync::Arc::new(Ledger::default());
        let creating = ledger.begin_new_major(ENV, "web");
        let waiter = {
            let ledger = ledger.clone();
            tokio::spawn(async move {
                ledger
                    .wait_for(ENV, "web", Duration::from_secs(60), |c| c.new_majors == 0)
                    .await
            })
        };
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        drop(creating);
        assert!(waiter.await.unwrap());
        // Nothing ever ends: the wait gives up at its limit.
        let _stuck = ledger.begin(ENV, "web");
        assert!(
            !ledger
                .wait_for(ENV, "web", Duration::from_secs(5), |c| c.in_flight == 0)
                .await
        );
    }

    #[test]
    fn deferred_deletes_list_lowest_first_and_settle() {
        let ledger = Ledger::default();
        for minor in ["10", "3", "1"] {
            ledger.defer(DeferredDelete {
                kind: ENV,
                key: VersionKey::new("web", "1", minor),
                arn: format!("arn:{minor}"),
            });
        }
        let listed: Vec<_> = ledger.deferred().into_iter().map(|d| d.arn).collect();
        assert_eq!(
            listed,
            ["arn:1", "arn:3", "arn:10"],
            "minors compare as numbers"
        );
        ledger.settle(ENV, &VersionKey::new("web", "1", "1"));
        assert_eq!(ledger.deferred().len(), 2);
        assert!(!ledger.first_look(ENV, &VersionKey::new("web", "1", "3")));
        assert!(ledger.first_look(ENV, &VersionKey::new("web", "2", "0")));
        assert!(!ledger.first_look(ENV, &VersionKey::new("web", "2", "0")));
    }
}
