//! Fault injection and request counters for tests, served under `/_proton_local/`.
//!
//! These endpoints need no signature: they are meant for tests on loopback.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, RwLock};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::wire::Operation;

/// Faults applied to one operation (or to all).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct FaultSettings {
    /// Added delay before the request is handled.
    pub latency_ms: u64,
    /// Probability (0..=1) of answering 429 ThrottlingException.
    pub throttle_rate: f64,
    /// Probability (0..=1) of answering 500 InternalServerException.
    pub error_rate: f64,
    /// Probability (0..=1) of answering `AccessDeniedException`, as AWS does when the
    /// caller's IAM policy does not allow the operation.
    #[serde(default)]
    pub deny_rate: f64,
}

impl FaultSettings {
    fn is_noop(&self) -> bool {
        self.latency_ms == 0
            && self.throttle_rate <= 0.0
            && self.error_rate <= 0.0
            && self.deny_rate <= 0.0
    }
}

/// Body of `POST /_proton_local/faults`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FaultRequest {
    #[serde(default)]
    pub(crate) latency_ms: u64,
    #[serde(default)]
    pub(crate) throttle_rate: f64,
    #[serde(default)]
    pub(crate) error_rate: f64,
    #[serde(default)]
    pub(crate) deny_rate: f64,
    /// Operation names; absent means every operation.
    #[serde(default)]
    pub(crate) operations: Option<Vec<String>>,
}

/// A failure [`Admin::inject`] drew, for the service to answer in its own words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Injected {
    /// The service's throttling error.
    Throttled,
    /// The service's internal error.
    Failed,
    /// `AccessDeniedException`.
    Denied,
}

#[derive(Debug, Default, Clone, Serialize)]
struct FaultTable {
    default: FaultSettings,
    operations: BTreeMap<String, FaultSettings>,
}

/// Counter snapshot as served by `GET /_proton_local/counters`.
#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct Counters {
    pub(crate) requests: BTreeMap<String, u64>,
    pub(crate) throttled: u64,
    pub(crate) failed: u64,
    pub(crate) versions_created: u64,
    pub(crate) total_requests: u64,
    /// Authenticated Proton requests for a mutating operation (whatever their outcome).
    pub(crate) writes: u64,
    /// `writes` per account the request acted in.
    pub(crate) writes_by_account: BTreeMap<String, u64>,
}

/// Fault configuration and counters shared by all requests.
#[derive(Debug, Default)]
pub(crate) struct Admin {
    faults: RwLock<FaultTable>,
    counters: Mutex<CounterState>,
}

#[derive(Debug, Default)]
struct CounterState {
    requests: HashMap<Operation, u64>,
    throttled: u64,
    failed: u64,
    versions_created: u64,
    total_requests: u64,
    /// STS actions and the tagging API's operations by name (counted in `requests` beside
    /// Proton's operations).
    named_requests: HashMap<&'static str, u64>,
    writes_by_account: BTreeMap<String, u64>,
}

impl Admin {
    /// Starts with `default` faults on every operation.
    pub(crate) fn new(default: FaultSettings) -> Admin {
        Admin {
            faults: RwLock::new(FaultTable {
                default,
                operations: BTreeMap::new(),
            }),
            counters: Mutex::new(CounterState::default()),
        }
    }

    /// Applies a fault request; an error names the invalid part.
    pub(crate) fn set_faults(&self, request: FaultRequest) -> Result<(), String> {
        for (name, rate) in [
            ("throttle_rate", request.throttle_rate),
            ("error_rate", request.error_rate),
            ("deny_rate", request.deny_rate),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("{name} must be between 0 and 1, got {rate}"));
            }
        }
        let settings = FaultSettings {
            latency_ms: request.latency_ms,
            throttle_rate: request.throttle_rate,
            error_rate: request.error_rate,
            deny_rate: request.deny_rate,
        };
        let mut table = self
            .faults
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match request.operations {
            None => {
                // Setting faults for all operations replaces any per-operation settings.
                table.default = settings;
                table.operations.clear();
            }
            Some(names) => {
                for name in &names {
                    if Operation::from_name(name).is_none()
                        && !crate::tagging::OPERATIONS.contains(&name.as_str())
                    {
                        return Err(format!("unknown operation '{name}'"));
                    }
                }
                for name in names {
                    table.operations.insert(name, settings);
                }
            }
        }
        Ok(())
    }

    /// Current fault configuration as JSON.
    pub(crate) fn faults_json(&self) -> serde_json::Value {
        let table = self
            .faults
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        serde_json::to_value(&*table).unwrap_or_default()
    }

    fn settings_for(&self, name: &str) -> FaultSettings {
        let table = self
            .faults
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        table.operations.get(name).copied().unwrap_or(table.default)
    }

    /// Applies the faults set for the operation `name`: waits their latency, then draws a
    /// throttle, an error and a denial in that order, and counts and returns the first drawn.
    pub(crate) async fn inject(&self, name: &str) -> Result<(), Injected> {
        let settings = self.settings_for(name);
        if settings.is_noop() {
            return Ok(());
        }
        if settings.latency_ms > 0 {
            tokio::time::sleep(Duration::from_millis(settings.latency_ms)).await;
        }
        let drawn = |rate: f64| rate > 0.0 && fastrand::f64() < rate;
        let injected = if drawn(settings.throttle_rate) {
            Injected::Throttled
        } else if drawn(settings.error_rate) {
            Injected::Failed
        } else if drawn(settings.deny_rate) {
            Injected::Denied
        } else {
            return Ok(());
        };
        match injected {
            Injected::Throttled => self.count_throttled(),
            Injected::Failed | Injected::Denied => self.count_failed(),
        }
        Err(injected)
    }

    fn with_counters(&self, f: impl FnOnce(&mut CounterState)) {
        let mut counters = self
            .counters
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut counters);
    }

    /// Counts any request on the AWS API path.
    pub(crate) fn count_request(&self) {
        self.with_counters(|c| c.total_requests += 1);
    }
    /// Counts a request for a known operation.
    pub(crate) fn count_operation(&self, op: Operation) {
        self.with_counters(|c| *c.requests.entry(op).or_default() += 1);
    }
    /// Counts an STS request that named a known action (signed or not), or an authenticated
    /// tagging API request for a known operation.
    pub(crate) fn count_named(&self, name: &'static str) {
        self.with_counters(|c| *c.named_requests.entry(name).or_default() += 1);
    }
    /// Counts an authenticated request for a mutating operation in `account`.
    pub(crate) fn count_write(&self, account: &str) {
        self.with_counters(|c| *c.writes_by_account.entry(account.to_string()).or_default() += 1);
    }
    pub(crate) fn count_throttled(&self) {
        self.with_counters(|c| c.throttled += 1);
    }
    pub(crate) fn count_failed(&self) {
        self.with_counters(|c| c.failed += 1);
    }
    pub(crate) fn count_version_created(&self) {
        self.with_counters(|c| c.versions_created += 1);
    }

    pub(crate) fn counters(&self) -> Counters {
        let counters = self
            .counters
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Counters {
            requests: counters
                .requests
                .iter()
                .map(|(op, n)| (op.name(), *n))
                .chain(
                    counters
                        .named_requests
                        .iter()
                        .map(|(name, n)| ((*name).to_string(), *n)),
                )
                .collect(),
            throttled: counters.throttled,
            failed: counters.failed,
            versions_created: counters.versions_created,
            total_requests: counters.total_requests,
            writes: counters.writes_by_account.values().sum(),
            writes_by_account: counters.writes_by_account.clone(),
        }
    }

    pub(crate) fn reset_counters(&self) {
        self.with_counters(|c| *c = CounterState::default());
    }
}
