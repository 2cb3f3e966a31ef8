//! What this provider process has under way with Proton, shared by every resource.
//!
//! Terraform runs one provider process per command and calls it concurrently for independent
//! resources, in its own order. Proton's rules, though, tie versions of one template together
//! (a minor needs its major to exist; the recommended version is deleted last), so some calls
//! can only succeed after others. The ledger is how one call learns what the others are doing:
//!
//! - **in-flight operations per template**, so a refused call waits for a sibling that can
//!   resolve the refusal instead of polling blindly, and fails at once when none is under way;
//! - **creates of new major versions**, and the literal majors that creates are waiting for,
//!   so that exactly one create makes a major that several name (see [`crate::proton::create`]);
//! - **client tokens sent**, so two resource instances with identical arguments never share
//!   one token (and so one version);
//! - **deferred deletes**: versions Proton keeps until siblings are gone (see
//!   [`crate::proton::delete`]).
//!
//! Its rules hold by construction:
//!
//! 1. Every version operation (create, update, delete) holds an [`InFlight`] guard for as long
//!    as it runs; the guard counts it, and [`InFlight::others_in_flight`] subtracts exactly
//!    that, so no caller says how many of the operations are its own.
//! 2. A create of a new major holds a [`MajorMark`] guard, which only an [`InFlight`] guard
//!    can give (a new-major create is always an operation under way).
//! 3. Each decision (may this create start the next major?) reads and updates the state under
//!    one lock: the check and the count are one step, so two creates never both win.
//! 4. Waiters wake on changes, never on timers.
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
    /// Bumped whenever what the ledger knows about the template's majors changes (a new-major
    /// create begins or ends, a create starts or stops waiting for a major, Proton assigns
    /// one), so a decision can tell that it was made on what is still current.
    pub majors_epoch: u64,
}

/// What the ledger knows about one template's major versions.
#[derive(Debug, Default)]
struct Majors {
    /// Creates of a new major under way.
    under_way: usize,
    /// One of them creates a literal major: no other new major may start meanwhile, or
    /// Proton could give that one the number the literal asked for.
    exclusive: bool,
    /// Literal majors that do not exist yet, with how many creates are waiting to add to each.
    wanted: BTreeMap<u64, usize>,
    /// The highest major Proton assigned in this process.
    highest_seen: u64,
    epoch: u64,
}

#[derive(Debug, Default)]
struct State {
    in_flight: HashMap<TemplateRef, usize>,
    majors: HashMap<TemplateRef, Majors>,
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
    /// Bumped whenever an operation begins or ends, so waiters re-check without polling.
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

/// An operation on a version of a template, counted while this guard lives (rule 1).
#[must_use = "the operation is only counted while the guard lives"]
#[derive(Debug)]
pub struct InFlight<'a> {
    ledger: &'a Ledger,
    template: TemplateRef,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.ledger.update(|state| {
            if let Some(count) = state.in_flight.get_mut(&self.template) {
                *count = count.saturating_sub(1);
                if *count == 0 {
                    state.in_flight.remove(&self.template);
                }
            }
        });
    }
}

/// A mark a create leaves on its template's majors while this guard lives: a new major under
/// way (rule 2), or a wait for a literal major that does not exist yet (so that creates
/// naming a higher major wait for it). Dropping the guard takes the mark back.
#[must_use = "the mark only stands while the guard lives"]
#[derive(Debug)]
pub struct MajorMark<'s> {
    ledger: &'s Ledger,
    template: &'s TemplateRef,
    mark: Mark,
}

/// What a [`MajorMark`] records.
#[derive(Debug, Clone, Copy)]
enum Mark {
    /// A create of a new major, alone if `exclusive`.
    NewMajor { exclusive: bool },
    /// A create waiting to add a minor to this major.
    Wanting(u64),
}

impl Drop for MajorMark<'_> {
    fn drop(&mut self) {
        let mark = self.mark;
        self.ledger.update_majors(self.template, |majors| {
            match mark {
                Mark::NewMajor { exclusive } => {
                    majors.under_way = majors.under_way.saturating_sub(1);
                    majors.exclusive &= !exclusive;
                }
                Mark::Wanting(major) => {
                    if let Some(count) = majors.wanted.get_mut(&major) {
                        *count = count.saturating_sub(1);
                        if *count == 0 {
                            majors.wanted.remove(&major);
                        }
                    }
                }
            }
            (true, ())
        });
    }
}

/// What a create naming a missing literal major is to do ([`InFlight::claim_major`]).
#[derive(Debug)]
pub enum MajorClaim<'s> {
    /// Create it, as the one create of this process that does: it is the number Proton
    /// assigns next, and no other new major is under way.
    Create(MajorMark<'s>),
    /// The ledger changed since the caller listed the versions: look again.
    Retry,
    /// Another create of this process may make the major (or the one below it), or another
    /// operation under way has not yet said which major it wants: wait for the ledger to
    /// change from this epoch (or for an operation to begin or end), then look again.
    Wait { epoch: u64, in_flight: usize },
    /// Proton would give a new major this number, not the one asked for; none of this
    /// process's creates is making the ones in between.
    NotNext { next: u64 },
}

/// [`MajorClaim`] before its guard exists.
#[derive(Debug, PartialEq, Eq)]
enum Claim {
    Create,
    Retry,
    Wait,
    NotNext(u64),
}

impl InFlight<'_> {
    /// Operations on versions of this guard's template under way, not counting this one.
    pub fn others_in_flight(&self) -> usize {
        let counts = self.ledger.counts(self.template.0, &self.template.1);
        counts.in_flight.saturating_sub(1)
    }

    /// What the ledger knows about this template's majors, as of now (see [`Counts`]).
    pub fn majors_epoch(&self) -> u64 {
        let counts = self.ledger.counts(self.template.0, &self.template.1);
        counts.majors_epoch
    }

    /// Starts the create of a new major that only needs *a* new major (no number asked for):
    /// it may run alongside others like it, but waits while a literal major is being created,
    /// which could otherwise get this one's number.
    pub async fn begin_new_major(&self) -> MajorMark<'_> {
        loop {
            // Subscribed before the check, so an end that comes after it wakes the wait.
            let mut changes = self.ledger.changed.subscribe();
            let begun = self.ledger.update_majors(&self.template, |majors| {
                let free = !majors.exclusive;
                if free {
                    majors.under_way += 1;
                }
                (free, free)
            });
            if begun {
                return self.new_major(false);
            }
            if changes.changed().await.is_err() {
                // The ledger is going away with the process: nothing left to wait for.
                return self.new_major(false);
            }
        }
    }

    /// Starts the create of a new major that no other new-major create may run alongside:
    /// `None` when one is under way. The check and the count are one step (rule 3). Creates
    /// decide through [`InFlight::claim_major`]; tests stand in for a sibling with this.
    #[cfg(test)]
    pub fn try_begin_new_major(&self) -> Option<MajorMark<'_>> {
        let begun = self.ledger.update_majors(&self.template, |majors| {
            let free = majors.under_way == 0;
            if free {
                majors.under_way = 1;
                majors.exclusive = true;
            }
            (free, free)
        });
        begun.then(|| self.new_major(true))
    }

    fn new_major(&self, exclusive: bool) -> MajorMark<'_> {
        self.mark(Mark::NewMajor { exclusive })
    }

    fn mark(&self, mark: Mark) -> MajorMark<'_> {
        MajorMark {
            ledger: self.ledger,
            template: &self.template,
            mark,
        }
    }

    /// Records that this create waits to add a minor to `major`, which does not exist yet.
    pub fn want_major(&self, major: u64) -> MajorMark<'_> {
        self.ledger.update_majors(&self.template, |majors| {
            *majors.wanted.entry(major).or_default() += 1;
            (true, ())
        });
        self.mark(Mark::Wanting(major))
    }

    /// Records a major Proton assigned to a create of this process.
    pub fn saw_major(&self, major: u64) {
        self.ledger.update_majors(&self.template, |majors| {
            let higher = major > majors.highest_seen;
            majors.highest_seen = majors.highest_seen.max(major);
            (higher, ())
        });
    }

    /// Decides, in one step (rule 3), what a create naming `major` does when Proton said it
    /// does not exist and a listing taken at `epoch` shows `listed_highest` as the highest
    /// major (0: none). Proton gives a new major one more than the highest it ever assigned,
    /// which is at least the highest listed or seen in this process. A major above the next
    /// is refused only once no other operation under way may still make the ones between:
    /// none wants one of them, and every other one has said what it wants (a create with a
    /// literal major says so when Proton refuses it; Terraform may call it after this one).
    pub fn claim_major(&self, major: u64, listed_highest: u64, epoch: u64) -> MajorClaim<'_> {
        let claimed = self
            .ledger
            .update_majors_seeing(&self.template, |majors, in_flight| {
                let next = listed_highest.max(majors.highest_seen) + 1;
                // This create wants its major before it claims (rule 1 of proton::create).
                let others_wanting = majors.wanted.values().sum::<usize>().saturating_sub(1);
                let undeclared = in_flight.saturating_sub(1).saturating_sub(others_wanting);
                let claim = if majors.epoch != epoch {
                    Claim::Retry
                } else if majors.under_way > 0 {
                    Claim::Wait
                } else if major == next {
                    majors.under_way = 1;
                    majors.exclusive = true;
                    Claim::Create
                } else if major > next
                    && (undeclared > 0 || majors.wanted.range(next..major).next().is_some())
                {
                    Claim::Wait
                } else {
                    Claim::NotNext(next)
                };
                (claim == Claim::Create, (claim, in_flight))
            });
        match claimed {
            (Claim::Create, _) => MajorClaim::Create(self.new_major(true)),
            (Claim::Retry, _) => MajorClaim::Retry,
            (Claim::Wait, in_flight) => MajorClaim::Wait { epoch, in_flight },
            (Claim::NotNext(next), _) => MajorClaim::NotNext { next },
        }
    }

    /// Waits until the template's majors change from `epoch`, or an operation on its
    /// versions begins or ends (see [`MajorClaim::Wait`]).
    pub async fn majors_changed(&self, epoch: u64, in_flight: usize) {
        let (kind, name) = (&self.template.0, &self.template.1);
        let moved = |counts: Counts| counts.majors_epoch != epoch || counts.in_flight != in_flight;
        self.ledger.until(*kind, name, moved).await;
    }
}

impl Ledger {
    fn lock(&self) -> MutexGuard<'_, State> {
        // The state stays consistent even if a holder panicked: every update is one step.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Applies `change` under the lock, then wakes the waiters.
    fn update<T>(&self, change: impl FnOnce(&mut State) -> T) -> T {
        let out = change(&mut self.lock());
        self.changed.send_modify(|generation| *generation += 1);
        out
    }

    /// Applies `change` to `template`'s majors under the lock. When it reports a change, the
    /// majors' epoch moves on and the waiters wake; a look that changed nothing wakes no one
    /// (two waiters would otherwise wake each other forever).
    fn update_majors<T>(
        &self,
        template: &TemplateRef,
        change: impl FnOnce(&mut Majors) -> (bool, T),
    ) -> T {
        self.update_majors_seeing(template, |majors, _| change(majors))
    }

    /// [`Ledger::update_majors`], also seeing how many operations on `template`'s versions
    /// are under way, read under the same lock.
    fn update_majors_seeing<T>(
        &self,
        template: &TemplateRef,
        change: impl FnOnce(&mut Majors, usize) -> (bool, T),
    ) -> T {
        let (changed, out) = {
            let mut state = self.lock();
            let in_flight = state.in_flight.get(template).copied().unwrap_or(0);
            let majors = state.majors.entry(template.clone()).or_default();
            let (changed, out) = change(majors, in_flight);
            majors.epoch += u64::from(changed);
            (changed, out)
        };
        if changed {
            self.changed.send_modify(|generation| *generation += 1);
        }
        out
    }

    /// Counts an operation on a version of `template` until the guard is dropped.
    pub fn begin(&self, kind: TemplateKind, template: &str) -> InFlight<'_> {
        let template = (kind, template.to_string());
        self.update(|state| *state.in_flight.entry(template.clone()).or_default() += 1);
        InFlight {
            ledger: self,
            template,
        }
    }

    /// What is under way on `template`.
    pub fn counts(&self, kind: TemplateKind, template: &str) -> Counts {
        let template = (kind, template.to_string());
        let state = self.lock();
        let majors = state.majors.get(&template);
        Counts {
            in_flight: state.in_flight.get(&template).copied().unwrap_or(0),
            new_majors: majors.map_or(0, |m| m.under_way),
            majors_epoch: majors.map_or(0, |m| m.epoch),
        }
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
        tokio::time::timeout(limit, self.until(kind, template, done))
            .await
            .unwrap_or(false)
    }

    /// Waits until `done` holds for what is under way on `template`, with no limit of its
    /// own: the caller races it against its deadline.
    async fn until(
        &self,
        kind: TemplateKind,
        template: &str,
        done: impl Fn(Counts) -> bool,
    ) -> bool {
        let mut changes = self.changed.subscribe();
        loop {
            if done(self.counts(kind, template)) {
                return true;
            }
            if changes.changed().await.is_err() {
                return done(self.counts(kind, template));
            }
        }
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

    /// What `op` may do about `major` with `listed` the highest major listed, at the
    /// ledger's current epoch.
    fn claim_now<'s>(op: &'s InFlight<'_>, major: u64, listed: u64) -> MajorClaim<'s> {
        op.claim_major(major, listed, op.majors_epoch())
    }

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
        let second = ledger.begin(ENV, "web");
        let other_template = ledger.begin(ENV, "db");
        assert_eq!(ledger.counts(ENV, "web").in_flight, 2);
        // Each guard leaves out its own operation, and only that.
        assert_eq!(first.others_in_flight(), 1);
        assert_eq!(other_template.others_in_flight(), 0);
        let major = first.try_begin_new_major().unwrap();
        assert_eq!(
            ledger.counts(ENV, "web").in_flight,
            2,
            "a new major is no second operation"
        );
        assert!(second.try_begin_new_major().is_none());
        drop(major);
        assert!(second.try_begin_new_major().is_some());
        drop(first);
        assert_eq!(second.others_in_flight(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn creates_without_a_major_wait_only_for_a_literal_majors_create() {
        let ledger = Ledger::default();
        let (a, b, c) = (
            ledger.begin(ENV, "web"),
            ledger.begin(ENV, "web"),
            ledger.begin(ENV, "web"),
        );
        // Two creates that take whatever number Proton gives may run together.
        let shared = (a.begin_new_major().await, b.begin_new_major().await);
        assert_eq!(ledger.counts(ENV, "web").new_majors, 2);
        assert!(c.try_begin_new_major().is_none());
        drop(shared);
        let literal = c.try_begin_new_major().unwrap();
        let waiting = a.begin_new_major();
        tokio::pin!(waiting);
        tokio::select! {
            biased;
            _ = &mut waiting => panic!("began while a literal major was being created"),
            () = tokio::task::yield_now() => {}
        }
        drop(literal);
        let _begun = waiting.await;
    }

    #[test]
    fn a_literal_major_is_created_only_when_it_is_next() {
        let ledger = Ledger::default();
        let a = ledger.begin(ENV, "web");
        // Major 1 exists: 3 is not next, 2 is, and only one create gets to make it.
        let epoch = a.majors_epoch();
        assert!(matches!(
            a.claim_major(3, 1, epoch),
            MajorClaim::NotNext { next: 2 }
        ));
        let b = ledger.begin(ENV, "web");
        let MajorClaim::Create(creating) = a.claim_major(2, 1, epoch) else {
            panic!("2 is next")
        };
        assert!(
            matches!(b.claim_major(2, 1, epoch), MajorClaim::Retry),
            "the ledger moved on"
        );
        assert!(matches!(claim_now(&b, 2, 1), MajorClaim::Wait { .. }));
        a.saw_major(2);
        drop(creating);
        // Once Proton assigned 2, 3 is next even before a listing shows it.
        assert!(matches!(claim_now(&b, 3, 1), MajorClaim::Create(_)));
    }

    #[test]
    fn a_higher_literal_major_waits_for_a_create_that_wants_the_one_below() {
        let ledger = Ledger::default();
        let (a, b) = (ledger.begin(ENV, "web"), ledger.begin(ENV, "web"));
        let _wants_1 = a.want_major(1);
        let _wants_2 = b.want_major(2);
        assert!(matches!(claim_now(&b, 2, 0), MajorClaim::Wait { .. }));
        // a ends (its want with it): nothing can make major 1 now.
        drop(_wants_1);
        drop(a);
        assert!(matches!(
            claim_now(&b, 2, 0),
            MajorClaim::NotNext { next: 1 }
        ));
    }

    #[test]
    fn a_higher_literal_major_waits_while_another_operation_has_not_said_what_it_wants() {
        // for_each { a = 1, b = 1, c = 2 } on a new template: c may be refused and look
        // before a and b have been; they will want major 1, which makes 2 next.
        let ledger = Ledger::default();
        let (a, c) = (ledger.begin(ENV, "web"), ledger.begin(ENV, "web"));
        let wants_2 = c.want_major(2);
        assert!(matches!(claim_now(&c, 2, 0), MajorClaim::Wait { .. }));
        drop(a);
        assert!(matches!(
            claim_now(&c, 2, 0),
            MajorClaim::NotNext { next: 1 }
        ));
        drop(wants_2);
    }

    /// Races two creates, on two threads, that both try to start a new major of an empty
    /// template at the same moment with `try_start` (true when it got to): exactly one may.
    /// Many rounds, each released by a barrier so the tries overlap.
    async fn race_two_new_major_creates(
        try_start: for<'s, 'l> fn(&'s InFlight<'l>) -> Option<MajorMark<'s>>,
    ) {
        const ROUNDS: usize = 20_000;
        let ledger = std::sync::Arc::new(Ledger::default());
        let mut doubles = 0;
        for _ in 0..ROUNDS {
            let start = std::sync::Arc::new(std::sync::Barrier::new(2));
            let tried = std::sync::Arc::new(std::sync::Barrier::new(2));
            let racer = || {
                let (ledger, start, tried) = (ledger.clone(), start.clone(), tried.clone());
                tokio::task::spawn_blocking(move || {
                    let op = ledger.begin(ENV, "web");
                    start.wait();
                    let guard = try_start(&op);
                    let won = guard.is_some();
                    // Both hold what they got until both have tried.
                    tried.wait();
                    drop(guard);
                    drop(op);
                    won
                })
            };
            let (first, second) = (racer(), racer());
            let winners = [first.await.unwrap(), second.await.unwrap()];
            let won = winners.iter().filter(|w| **w).count();
            assert!(won >= 1, "neither create got the guard");
            doubles += usize::from(won == 2);
        }
        assert_eq!(
            doubles, 0,
            "both creates started a new major in {doubles} of {ROUNDS} rounds"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn exactly_one_of_two_racing_new_major_creates_gets_the_guard() {
        race_two_new_major_creates(|op| op.try_begin_new_major()).await;
    }

    /// The decision creates naming a literal major make: two naming major 1 of an empty
    /// template, which the epoch read before the barrier says is current for both.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn exactly_one_of_two_racing_literal_major_creates_makes_it() {
        race_two_new_major_creates(|op| match claim_now(op, 1, 0) {
            MajorClaim::Create(guard) => Some(guard),
            MajorClaim::Retry | MajorClaim::Wait { .. } | MajorClaim::NotNext { .. } => None,
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_waiter_wakes_when_the_last_sibling_ends() {
        let ledger = std::sync::Arc::new(Ledger::default());
        let op = ledger.begin(ENV, "web");
        let creating = op.try_begin_new_major();
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
