//! Waiters: poll until a version is registered, and delete through Proton's ordering conflicts.
//!
//! Hand-rolled rather than the SDK's generated waiter, because that one starts at 2 s, ends
//! on the first `ResourceNotFoundException` (eventual consistency right after create) and
//! cannot be cancelled. Every sleep and call races the caller's [`CancellationToken`] and the
//! deadline, and sleeps use `tokio::time`, so tests run under `tokio::time::pause()`.

use std::time::Duration;

use tokio::time::{sleep, sleep_until, Instant};
use tokio_util::sync::CancellationToken;

use super::client::{describe_version, ProtonClient};
use super::error::ProtonError;
use super::model::{TemplateKind, TemplateVersion, VersionKey, VersionStatus};

/// A geometric backoff: `initial`, then ×1.5 per step up to `max`. After a throttling error
/// the delay doubles instead, up to `throttled_max`, and then decays back to `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollSchedule {
    pub initial: Duration,
    pub max: Duration,
    pub throttled_max: Duration,
}

impl PollSchedule {
    /// Registration usually takes a few seconds: look early, then settle at one Get per 5 s.
    pub const REGISTRATION: Self = Self {
        initial: Duration::from_millis(400),
        max: Duration::from_secs(5),
        throttled_max: Duration::from_secs(20),
    };

    /// Conflicts clear when a sibling version's delete finishes, typically within seconds.
    pub const DELETE_CONFLICT: Self = Self {
        initial: Duration::from_secs(1),
        max: Duration::from_secs(10),
        throttled_max: Duration::from_secs(20),
    };

    /// The delay after `current`.
    pub fn next(&self, current: Duration, throttled: bool) -> Duration {
        if throttled {
            (current * 2).clamp(self.initial, self.throttled_max)
        } else {
            (current * 3 / 2).clamp(self.initial, self.max)
        }
    }

    /// How long to actually sleep: the delay, but never past the deadline.
    pub fn clamp_to_deadline(delay: Duration, now: Instant, deadline: Instant) -> Duration {
        delay.min(deadline.saturating_duration_since(now))
    }
}

/// Right after a create, Get may briefly not see the new version; this many NotFound polls
/// (≈ 18 s with [`PollSchedule::REGISTRATION`]) are tolerated before one is seen.
const NOT_FOUND_POLLS_TOLERATED: u32 = 8;

enum Raced<T> {
    Done(T),
    Cancelled,
    Deadline,
}

/// Runs `future` unless cancellation or the deadline comes first. Biased towards
/// cancellation, then the result, so a ready result at the deadline still counts.
async fn race<F: std::future::Future>(
    future: F,
    deadline: Instant,
    cancel: &CancellationToken,
) -> Raced<F::Output> {
    tokio::select! {
        biased;
        _ = cancel.cancelled() => Raced::Cancelled,
        out = future => Raced::Done(out),
        _ = sleep_until(deadline) => Raced::Deadline,
    }
}

/// Sleeps `delay` (clamped to the deadline); `Err(Cancelled)` if cancelled meanwhile.
async fn nap(
    delay: Duration,
    deadline: Instant,
    cancel: &CancellationToken,
) -> Result<(), ProtonError> {
    let delay = PollSchedule::clamp_to_deadline(delay, Instant::now(), deadline);
    tokio::select! {
        biased;
        _ = cancel.cancelled() => Err(ProtonError::Cancelled),
        _ = sleep(delay) => Ok(()),
    }
}

/// Polls Get until the version leaves `REGISTRATION_IN_PROGRESS`.
///
/// - `DRAFT` / `PUBLISHED` → `Ok(version)`.
/// - `REGISTRATION_FAILED` → [`ProtonError::RegistrationFailed`] with Proton's status message.
/// - NotFound is tolerated for the first few polls (eventual consistency after create), then
///   returned. Throttling that outlasted the SDK's retries backs off further and keeps polling.
///   Any other error is returned at once.
/// - `timeout` elapsed → [`ProtonError::Timeout`] with the last status seen; never sleeps or
///   waits on a call past the deadline.
/// - `cancel` fired → [`ProtonError::Cancelled`] promptly, even mid-sleep or mid-call.
///
/// The first poll happens after 400 ms, then every ×1.5 up to 5 s ([`PollSchedule::REGISTRATION`]).
pub async fn wait_registered(
    client: &ProtonClient,
    kind: TemplateKind,
    key: &VersionKey,
    timeout: Duration,
    cancel: &CancellationToken,
) -> Result<TemplateVersion, ProtonError> {
    let schedule = PollSchedule::REGISTRATION;
    let start = Instant::now();
    let deadline = start + timeout;
    let what = describe_version(kind, key);
    let timed_out = |last_status: Option<String>| ProtonError::Timeout {
        operation: format!("registration of {what}"),
        waited: start.elapsed(),
        last_status,
    };

    let mut delay = schedule.initial;
    let mut last_status: Option<String> = None;
    let mut seen = false;
    let mut not_found_polls = 0;
    loop {
        if Instant::now() >= deadline {
            return Err(timed_out(last_status));
        }
        nap(delay, deadline, cancel).await?;
        let polled = match race(client.get_version(kind, key), deadline, cancel).await {
            Raced::Cancelled => return Err(ProtonError::Cancelled),
            Raced::Deadline => return Err(timed_out(last_status)),
            Raced::Done(polled) => polled,
        };
        let mut throttled = false;
        match polled {
            Ok(version) => {
                seen = true;
                match version.status {
                    VersionStatus::Draft | VersionStatus::Published => return Ok(version),
                    VersionStatus::RegistrationFailed => {
                        return Err(ProtonError::RegistrationFailed {
                            key: what,
                            status_message: version.status_message,
                        })
                    }
                    // Unknown statuses are treated as still pending; the timeout bounds them.
                    VersionStatus::RegistrationInProgress | VersionStatus::Unknown(_) => {
                        tracing::debug!(version = %what, status = %version.status, "waiting for registration");
                        last_status = Some(version.status.to_string());
                    }
                }
            }
            Err(ProtonError::NotFound { .. })
                if !seen && not_found_polls < NOT_FOUND_POLLS_TOLERATED =>
            {
                not_found_polls += 1;
                tracing::debug!(version = %what, not_found_polls, "not visible yet after create");
            }
            Err(err) if err.is_throttling() => {
                tracing::debug!(version = %what, "throttled while polling; backing off");
                throttled = true;
            }
            Err(err) => return Err(err),
        }
        delay = schedule.next(delay, throttled);
    }
}

/// Deletes a version, retrying while Proton answers `ConflictException`.
///
/// Destroying several versions of one template at once makes Proton refuse some deletes until
/// others finish (the Recommended version goes last), so conflicts are retried with backoff
/// ([`PollSchedule::DELETE_CONFLICT`]: 1 s ×1.5 up to 10 s) until `timeout`, after which the
/// last conflict is returned as [`ProtonError::DeleteRefused`] explaining the ordering rule.
/// NotFound and an empty response are success. Cancellation returns
/// [`ProtonError::Cancelled`] promptly.
pub async fn delete_with_conflict_retry(
    client: &ProtonClient,
    kind: TemplateKind,
    key: &VersionKey,
    timeout: Duration,
    cancel: &CancellationToken,
) -> Result<(), ProtonError> {
    let schedule = PollSchedule::DELETE_CONFLICT;
    let start = Instant::now();
    let deadline = start + timeout;
    let what = describe_version(kind, key);
    let give_up = |last_conflict: Option<ProtonError>| match last_conflict {
        Some(conflict) => ProtonError::DeleteRefused {
            key: what.clone(),
            waited: start.elapsed(),
            source: Box::new(conflict),
        },
        None => ProtonError::Timeout {
            operation: format!("deletion of {what}"),
            waited: start.elapsed(),
            last_status: None,
        },
    };

    let mut delay = schedule.initial;
    let mut last_conflict: Option<ProtonError> = None;
    loop {
        let result = match race(client.delete_version(kind, key), deadline, cancel).await {
            Raced::Cancelled => return Err(ProtonError::Cancelled),
            Raced::Deadline => return Err(give_up(last_conflict)),
            Raced::Done(result) => result,
        };
        let throttled = match result {
            Ok(()) => return Ok(()),
            Err(err) if err.is_conflict() => {
                tracing::debug!(version = %what, error = %err, "delete refused; retrying");
                last_conflict = Some(err);
                false
            }
            Err(err) if err.is_throttling() => true,
            Err(err) => return Err(err),
        };
        if Instant::now() >= deadline {
            return Err(give_up(last_conflict));
        }
        nap(delay, deadline, cancel).await?;
        delay = schedule.next(delay, throttled);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    fn delays(schedule: PollSchedule, n: usize) -> Vec<u128> {
        let mut d = schedule.initial;
        let mut out = vec![d.as_millis()];
        for _ in 1..n {
            d = schedule.next(d, false);
            out.push(d.as_millis());
        }
        out
    }

    #[test]
    fn registration_schedule_starts_fast_and_caps_at_five_seconds() {
        assert_eq!(
            delays(PollSchedule::REGISTRATION, 10),
            [400, 600, 900, 1350, 2025, 3037, 4556, 5000, 5000, 5000]
        );
    }

    #[test]
    fn delete_schedule_caps_at_ten_seconds() {
        assert_eq!(
            delays(PollSchedule::DELETE_CONFLICT, 8),
            [1000, 1500, 2250, 3375, 5062, 7593, 10000, 10000]
        );
    }

    #[test]
    fn throttling_doubles_up_to_its_own_cap_then_decays() {
        let s = PollSchedule::REGISTRATION;
        assert_eq!(
            s.next(Duration::from_secs(5), true),
            Duration::from_secs(10)
        );
        assert_eq!(
            s.next(Duration::from_secs(15), true),
            Duration::from_secs(20)
        );
        assert_eq!(
            s.next(Duration::from_secs(20), false),
            Duration::from_secs(5)
        );
    }

    #[test]
    fn sleeps_never_pass_the_deadline() {
        let now = Instant::now();
        let deadline = now + Duration::from_millis(300);
        assert_eq!(
            PollSchedule::clamp_to_deadline(Duration::from_secs(5), now, deadline),
            Duration::from_millis(300)
        );
        assert_eq!(
            PollSchedule::clamp_to_deadline(Duration::from_millis(100), now, deadline),
            Duration::from_millis(100)
        );
        assert_eq!(
            PollSchedule::clamp_to_deadline(Duration::from_secs(1), deadline, now),
            Duration::ZERO
        );
    }
}
