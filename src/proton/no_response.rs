//! Gives up early on an endpoint that does not answer.
//!
//! The SDK's standard retry mode treats a refused connection, a connect
//! timeout and an attempt timeout like any transient error: with the
//! provider's 10 attempts and exponential backoff (up to 20 s) a closed port
//! took about 71 s to report, and an endpoint that accepts and never answers
//! ran into the 5-minute operation timeout. Throttling and 5xx answers still
//! deserve those retries (Proton is there, just busy); an attempt without any
//! response is retried only up to [`NoResponseLimit::max_attempts`], after
//! which the call fails with [`NoResponse`], naming the attempts and the
//! timeouts that applied.

use std::time::Duration;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::FinalizerInterceptorContextMut;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::retries::RequestAttempts;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

use super::error::{error_chain, humanize};

/// The interceptor: stops retrying after `max_attempts` attempts of one call
/// that got no response. Returning an error from
/// `modify_before_attempt_completion` replaces the attempt's error, and the
/// retry classifiers do not retry an interceptor error.
#[derive(Debug, Clone)]
pub(crate) struct NoResponseLimit {
    pub(crate) max_attempts: u32,
    pub(crate) connect_timeout: Duration,
    pub(crate) attempt_timeout: Duration,
}

/// The endpoint gave no response in any attempt.
#[derive(Debug, thiserror::Error)]
#[error(
    "no response after {attempts} attempt{} (connect timeout {}, attempt timeout {}): {cause}",
    if *.attempts == 1 { "" } else { "s" },
    humanize(*.connect_timeout),
    humanize(*.attempt_timeout)
)]
pub(crate) struct NoResponse {
    pub(crate) attempts: u32,
    pub(crate) connect_timeout: Duration,
    pub(crate) attempt_timeout: Duration,
    /// The last attempt's error, as text.
    pub(crate) cause: String,
}

impl Intercept for NoResponseLimit {
    fn name(&self) -> &'static str {
        "NoResponseLimit"
    }

    fn modify_before_attempt_completion(
        &self,
        context: &mut FinalizerInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        // Any response, even an error page, means the endpoint is there.
        if context.response().is_some() {
            return Ok(());
        }
        let Some(Err(error)) = context.output_or_error() else {
            return Ok(());
        };
        let no_response = error.is_timeout_error()
            || error
                .as_connector_error()
                .is_some_and(|connector| !connector.is_user());
        let attempts = cfg
            .load::<RequestAttempts>()
            .map(RequestAttempts::attempts)
            .unwrap_or(1);
        if !no_response || attempts < self.max_attempts {
            return Ok(());
        }
        Err(Box::new(NoResponse {
            attempts,
            connect_timeout: self.connect_timeout,
            attempt_timeout: self.attempt_timeout,
            cause: error_chain(error),
        }))
    }
}
