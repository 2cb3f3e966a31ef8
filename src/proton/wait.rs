//! Waiters and deadlines: poll until a version is registered; [`bounded`], the deadline and
//! cancellation race for any one Proton operation; and the primitives the converging deletes
//! ([`super::delete`]) share.
//!
//! Hand-rolled rather than the SDK's generated waiter, because that one starts at 2 s, ends
//! on the first `ResourceNotFoundException` (eventual consistency right after create) and
//! cannot be cancelled. Every sleep and call races the caller's [`CancellationToken`] and the
//! deadline, and sleeps use `tokio::time`, so tests run under `tokio::time::pause()`.

use std::time::Duration;

use tokio::time::{sleep, sleep_until, Instant};
use tokio_util::sync::CancellationToken;

use super::client::ProtonClient;
use super::error::ProtonError;
use super::model::{TemplateKind, TemplateVersion, VersionKey, VersionStatus};

/// How the delay between polls grows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Growth {
    /// ×1.5 per poll.
    Geometric,
    /// `1/divisor` of the time already waited, so a state change is seen at most that
    /// fraction of the wait late (20 % for a divisor of 5) at every time scale.
    ShareOfElapsed { divisor: u32 },
}

/// A backoff between `initial` and `max`. After a throttling error the delay doubles
/// instead, up to `throttled_max`, and then returns to the normal growth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollSchedule {
    pub initial: Duration,
    pub max: Duration,
    pub throttled_max: Duration,
    pub growth: Growth,
}

impl PollSchedule {
    /// Registration takes from about a second to minutes. A delay of a fifth of the time
    /// waited keeps the overshoot under 20 % (a 2 s registration is seen at 2.16 s) while
    /// the Get rate falls as the wait grows, settling at one per 5 s.
    pub const REGISTRATION: Self = Self {
        initial: Duration::from_millis(250),
        max: Duration::from_secs(5),
        throttled_max: Duration::from_secs(20),
        growth: Growth::ShareOfElapsed { divisor: 5 },
    };

    /// Backoff for a delete that Proton throttles.
    pub const DELETE_THROTTLED: Self = Self {
        initial: Duration::from_secs(1),
        max: Duration::from_secs(10),
        throttled_max: Duration::from_secs(20),
        growth: Growth::Geometric,
    };

    /// A template delete refused while its version list is already empty: Proton has not
    /// caught up with deletes that just finished, which takes well under a second.
    pub const TEMPLATE_DELETE: Self = Self {
        initial: Duration::from_millis(250),
        max: Duration::from_secs(5),
        throttled_max: Duration::from_secs(20),
        growth: Growth::Geometric,
    };

    /// The delay after `current`, `elapsed` into the wait.
    pub fn next(&self, current: Duration, elapsed: Duration, throttled: bool) -> Duration {
        if throttled {
            return (current * 2).clamp(self.initial, self.throttled_max);
        }
        let grown = match self.growth {
            Growth::Geometric => current * 3 / 2,
            Growth::ShareOfElapsed { divisor } => elapsed.checked_div(divisor).unwrap_or(self.max),
        };
        grown.clamp(self.initial, self.max)
    }

    /// How long to actually sleep: the delay, but never past the deadline.
    pub fn clamp_to_deadline(delay: Duration, now: Instant, deadline: Instant) -> Duration {
        delay.min(deadline.saturating_duration_since(now))
    }
}

/// Right after a create, Get may briefly not see the new version; NotFound is tolerated for
/// this long unless the version has been seen.
const NOT_FOUND_GRACE: Duration = Duration::from_secs(20);

/// Polls that reach no endpoint (it is restarting, or the network blipped) are tolerated for
/// this long after the last poll that did. Each call already gives up after a few attempts
/// without a response, so the wait, not the SDK, rides out a restart.
const UNREACHABLE_GRACE: Duration = Duration::from_secs(30);

/// The one time limit of an operation that makes several calls and waits (a create: the
/// create call, waiting for a sibling's major, registration, publishing): every step races the
/// same instant, so the limit the user set bounds the whole operation, not each step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    start: Instant,
    limit: Duration,
}

impl Deadline {
    /// Far enough to mean "no limit" without overflowing `Instant` arithmetic.
    const FOREVER: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

    /// A deadline `limit` from now.
    pub fn after(limit: Duration) -> Self {
        Self {
            start: Instant::now(),
            limit: limit.min(Self::FOREVER),
        }
    }

    /// When it passes.
    pub fn at(&self) -> Instant {
        self.start + self.limit
    }

    /// Time since the operation began.
    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    /// Time left (zero once passed).
    pub fn remaining(&self) -> Duration {
        self.at().saturating_duration_since(Instant::now())
    }

    /// The error for running out of it while waiting for `operation`.
    pub fn timed_out(&self, operation: String, last_status: Option<String>) -> ProtonError {
        ProtonError::Timeout {
            operation,
            waited: self.elapsed(),
            last_status,
            setting: None,
        }
    }
}

/// A deadline that far from now (what [`bounded`] takes for a single step).
impl From<Duration> for Deadline {
    fn from(limit: Duration) -> Self {
        Self::after(limit)
    }
}

pub(super) enum Raced<T> {
    Done(T),
    Cancelled,
    Deadline,
}

/// Runs `future` unless cancellation or the deadline comes first. Biased towards
/// cancellation, then the result, so a ready result at the deadline still counts.
pub(super) async fn race<F: std::future::Future>(
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
pub(super) async fn nap(
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

/// Runs `work` (one or more Proton calls) until `limit` passes, unless `cancel` fires first.
/// `limit` is a [`Duration`] from now, or the [`Deadline`] of the operation this is one step
/// of (the step then ends when the operation's time is up).
///
/// - `work`'s own result, success or error, is returned as it is; a result that is ready at
///   the deadline still counts.
/// - the deadline passed → [`ProtonError::Timeout`] for ``"{operation} from {endpoint}"`` (the
///   endpoint the client names, since a hanging one is the usual cause; `operation` alone
///   when it names none), `waited` = the time since the deadline's operation began, no last
///   status.
/// - `cancel` fired → [`ProtonError::Cancelled`] at once, even while `work` is mid-call.
///
/// `work` is dropped when the race is lost, which abandons its request.
pub async fn bounded<T>(
    client: &ProtonClient,
    operation: &str,
    limit: impl Into<Deadline>,
    cancel: &CancellationToken,
    work: impl std::future::Future<Output = Result<T, ProtonError>>,
) -> Result<T, ProtonError> {
    let deadline = limit.into();
    match race(work, deadline.at(), cancel).await {
        Raced::Done(result) => result,
        Raced::Cancelled => Err(ProtonError::Cancelled),
        Raced::Deadline => Err(deadline.timed_out(
            match client.endpoint() {
                Some(endpoint) => format!("{operation} from {endpoint}"),
                None => operation.to_owned(),
            },
            None,
        )),
    }
}

/// Polls Get until the version leaves `REGISTRATION_IN_PROGRESS`.
///
/// - `DRAFT` / `PUBLISHED` → `Ok(version)`.
/// - `REGISTRATION_FAILED` → [`ProtonError::RegistrationFailed`] with Proton's status message.
/// - NotFound is tolerated for the first 20 s (eventual consistency after create), then
///   returned. An unreachable endpoint is tolerated for 30 s after the last poll that reached
///   it (a restart), then returned. Throttling that outlasted the SDK's retries backs off further and keeps polling.
///   Any other error is returned at once.
/// - `deadline` passed → [`ProtonError::Timeout`] with the last status seen and the time since
///   the deadline's operation began (a create's deadline covers the create call too); never
///   sleeps or waits on a call past the deadline.
/// - `cancel` fired → [`ProtonError::Cancelled`] promptly, even mid-sleep or mid-call.
///
/// The first polls come every 250 ms, later ones a fifth of the time waited apart, at most
/// 5 s ([`PollSchedule::REGISTRATION`]).
pub async fn wait_registered(
    client: &ProtonClient,
    kind: TemplateKind,
    key: &VersionKey,
    limit: Deadline,
    cancel: &CancellationToken,
) -> Result<TemplateVersion, ProtonError> {
    let schedule = PollSchedule::REGISTRATION;
    let start = Instant::now();
    let deadline = limit.at();
    let what = kind.describe_version(key);
    let timed_out = |last_status: Option<String>| {
        limit.timed_out(format!("registration of {what}"), last_status)
    };

    let mut delay = schedule.initial;
    let mut last_status: Option<String> = None;
    let mut seen = false;
    let mut last_reached = Instant::now();
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
                last_reached = Instant::now();
                match version.status {
                    VersionStatus::Draft | VersionStatus::Published => return Ok(version),
                    VersionStatus::RegistrationFailed => {
                        return Err(ProtonError::RegistrationFailed {
                            key: what,
                            status_message: version.summary.status_message,
                        })
                    }
                    // Unknown statuses are treated as still pending; the timeout bounds them.
                    VersionStatus::RegistrationInProgress | VersionStatus::Unknown(_) => {
                        tracing::debug!(version = %what, status = %version.status, "waiting for registration");
                        last_status = Some(version.status.to_string());
                    }
                }
            }
            Err(ProtonError::NotFound { .. }) if !seen && start.elapsed() < NOT_FOUND_GRACE => {
                tracing::debug!(version = %what, "not visible yet after create");
            }
            Err(err) if err.is_throttling() => {
                tracing::debug!(version = %what, "throttled while polling; backing off");
                last_reached = Instant::now();
                throttled = true;
            }
            Err(err) if err.is_transport() && last_reached.elapsed() < UNREACHABLE_GRACE => {
                tracing::info!(version = %what, error = %err, "endpoint unreachable while polling; retrying");
            }
            Err(err) => return Err(err),
        }
        delay = schedule.next(delay, start.elapsed(), throttled);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    /// The times (ms into the wait) of the first `n` polls.
    fn poll_times(schedule: PollSchedule, n: usize) -> Vec<u128> {
        let mut delay = schedule.initial;
        let mut elapsed = Duration::ZERO;
        let mut out = Vec::new();
        for _ in 0..n {
            elapsed += delay;
            out.push(elapsed.as_millis());
            delay = schedule.next(delay, elapsed, false);
        }
        out
    }

    #[test]
    fn registration_polls_at_most_a_fifth_late_and_caps_at_five_seconds() {
        let times = poll_times(PollSchedule::REGISTRATION, 40);
        assert_eq!(
            times[..12],
            [250, 500, 750, 1000, 1250, 1500, 1800, 2160, 2592, 3110, 3732, 4478]
        );
        // Whenever registration finishes after the first poll, the next poll is at most
        // 20 % (or 250 ms) later, give or take rounding to milliseconds.
        for pair in times.windows(2) {
            let (before, after) = (pair[0], pair[1]);
            let bound = (before / 5 + 1).clamp(250, 5000);
            assert!(after - before <= bound, "{before} → {after}");
        }
        assert_eq!(times[39] - times[38], 5000);
    }

    #[test]
    fn throttled_delete_schedule_caps_at_ten_seconds() {
        assert_eq!(
            poll_times(PollSchedule::DELETE_THROTTLED, 8),
            [1000, 2500, 4750, 8125, 13187, 20781, 30781, 40781]
        );
    }

    #[test]
    fn throttling_doubles_up_to_its_own_cap_then_decays() {
        let s = PollSchedule::REGISTRATION;
        let elapsed = Duration::from_secs(60);
        assert_eq!(
            s.next(Duration::from_secs(5), elapsed, true),
            Duration::from_secs(10)
        );
        assert_eq!(
            s.next(Duration::from_secs(15), elapsed, true),
            Duration::from_secs(20)
        );
        assert_eq!(
            s.next(Duration::from_secs(20), elapsed, false),
            Duration::from_secs(5)
        );
    }

    const ENDPOINT: &str = "http://127.0.0.1:4566";

    /// `work` as `CreateTemplate` under [`bounded`], through a client that makes no call and
    /// names `endpoint`.
    async fn create<T>(
        endpoint: Option<&str>,
        secs: u64,
        cancel: &CancellationToken,
        work: impl std::future::Future<Output = Result<T, ProtonError>>,
    ) -> Result<T, ProtonError> {
        let config = aws_sdk_proton::Config::builder()
            .behavior_version(aws_sdk_proton::config::BehaviorVersion::latest())
            .build();
        let client = ProtonClient::from_sdk(
            aws_sdk_proton::Client::from_conf(config),
            endpoint.map(str::to_owned),
        );
        let timeout = Duration::from_secs(secs);
        bounded(&client, "CreateTemplate", timeout, cancel, work).await
    }

    fn hanging() -> std::future::Pending<Result<(), ProtonError>> {
        std::future::pending()
    }

    #[tokio::test(start_paused = true)]
    async fn bounded_returns_what_the_work_returns() {
        let cancel = CancellationToken::new();
        let work = async {
            sleep(Duration::from_secs(3)).await;
            Ok(7)
        };
        assert_eq!(create(Some(ENDPOINT), 5, &cancel, work).await, Ok(7));

        let refused = ProtonError::MajorNotNext {
            template: "t".into(),
            major: "5".into(),
            next: 2,
            seen: String::new(),
        };
        let failed = create(Some(ENDPOINT), 5, &cancel, async {
            Err::<(), _>(refused.clone())
        });
        assert_eq!(failed.await, Err(refused));
    }

    #[tokio::test(start_paused = true)]
    async fn bounded_times_out_at_the_deadline_naming_the_operation_and_endpoint() {
        let start = Instant::now();
        let cancel = CancellationToken::new();
        let err = create(Some(ENDPOINT), 90, &cancel, hanging())
            .await
            .unwrap_err();
        assert_eq!(start.elapsed(), Duration::from_secs(90));
        assert_eq!(
            err,
            ProtonError::Timeout {
                operation: format!("CreateTemplate from {ENDPOINT}"),
                waited: Duration::from_secs(90),
                last_status: None,
                setting: None,
            }
        );
        assert_eq!(
            err.to_string(),
            format!(
                "timed out after 1m30s waiting for CreateTemplate from {ENDPOINT} (last status: \
                 none observed)"
            )
        );

        // A client that names no endpoint: the operation alone.
        let err = create(None, 1, &cancel, hanging()).await.unwrap_err();
        assert!(
            matches!(&err, ProtonError::Timeout { operation, .. } if operation == "CreateTemplate"),
            "{err:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn bounded_counts_a_result_ready_at_the_deadline() {
        let cancel = CancellationToken::new();
        let work = async {
            sleep(Duration::from_secs(10)).await;
            Ok("created")
        };
        assert_eq!(
            create(Some(ENDPOINT), 10, &cancel, work).await,
            Ok("created")
        );
    }

    #[tokio::test(start_paused = true)]
    async fn bounded_stops_at_once_when_cancelled() {
        let start = Instant::now();
        let cancel = CancellationToken::new();
        let trigger = cancel.clone();
        tokio::spawn(async move {
            sleep(Duration::from_secs(2)).await;
            trigger.cancel();
        });
        let out = create(Some(ENDPOINT), 60, &cancel, hanging()).await;
        assert_eq!(out, Err(ProtonError::Cancelled));
        assert_eq!(start.elapsed(), Duration::from_secs(2));

        // Already cancelled: the work is not even started.
        let ran = std::sync::atomic::AtomicBool::new(false);
        let work = async {
            ran.store(true, std::sync::atomic::Ordering::SeqCst);
            Ok(())
        };
        assert_eq!(
            create(None, 60, &cancel, work).await,
            Err(ProtonError::Cancelled)
        );
        assert!(!ran.load(std::sync::atomic::Ordering::SeqCst));
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
