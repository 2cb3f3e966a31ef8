//! Errors from Proton calls, worded for a Terraform diagnostic's detail.

use std::error::Error as StdError;
use std::time::Duration;

use aws_sdk_proton::error::ProvideErrorMetadata;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_types::request_id::RequestId;

use super::no_response::NoResponse;

pub(crate) const NOT_FOUND_CODE: &str = "ResourceNotFoundException";
pub(crate) const CONFLICT_CODE: &str = "ConflictException";
pub(crate) const THROTTLING_CODE: &str = "ThrottlingException";
pub(crate) const VALIDATION_CODE: &str = "ValidationException";

/// A failed Proton interaction.
///
/// Every message names the operation, the resource it was about, the AWS error code and
/// message, and the request ID when AWS returned one.
/// The services errors name.
pub(crate) const PROTON: &str = "AWS Proton";
pub(crate) const S3: &str = "Amazon S3";

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProtonError {
    /// `ResourceNotFoundException`: the template or version does not exist.
    #[error("{what} was not found{}", not_found_detail(.message, .request_id))]
    NotFound {
        what: String,
        /// Proton's message, when the error came from Proton.
        message: Option<String>,
        request_id: Option<String>,
    },

    /// `ConflictException`: the resource is in a state that forbids the operation (for a
    /// delete: it is the Recommended version while other versions exist, or it is in use).
    #[error("{operation} on {resource} was refused: {code}: {message}{}", request_id_suffix(.request_id))]
    Conflict {
        operation: &'static str,
        resource: String,
        code: String,
        message: String,
        request_id: Option<String>,
    },

    /// Any other error response from AWS (validation, access denied, quota, throttling or
    /// 5xx still failing after the SDK's retries, unrecognized client, invalid signature, …).
    #[error("{operation} on {resource} failed: {code}: {message}{}", request_id_suffix(.request_id))]
    Api {
        operation: &'static str,
        resource: String,
        code: String,
        message: String,
        request_id: Option<String>,
    },

    /// No usable response: connection refused, DNS, TLS, timeouts, or a reply that is not a
    /// Proton response (usually a wrong endpoint).
    #[error(
        "{operation} on {resource} could not reach {service} at {}: {cause}",
        .endpoint.as_deref().unwrap_or("the default endpoint")
    )]
    Transport {
        /// `AWS Proton`, or `Amazon S3` for bundle uploads.
        service: &'static str,
        operation: &'static str,
        resource: String,
        endpoint: Option<String>,
        /// What went wrong on the wire (named `cause`: thiserror reserves `source`).
        cause: String,
    },

    /// The request could not be built (a required value missing or not representable).
    #[error("{operation} on {resource}: invalid request: {message}")]
    InvalidRequest {
        operation: &'static str,
        resource: String,
        message: String,
    },

    /// Proton could not register the version (its bundle or schema was rejected).
    #[error(
        "registration of {key} failed (status REGISTRATION_FAILED): {}",
        // Callers end the sentence themselves; Proton's message often has its own period.
        .status_message.as_deref().map(|m| m.trim_end_matches('.')).unwrap_or("Proton gave no status message")
    )]
    RegistrationFailed {
        /// Describes the version, e.g. ``environment template version `web:1.0` ``.
        key: String,
        status_message: Option<String>,
    },

    /// A wait ran out of time.
    #[error(
        "timed out after {} waiting for {operation} (last status: {}){}",
        humanize(*.waited),
        .last_status.as_deref().unwrap_or("none observed"),
        raise_hint(*.setting, *.waited)
    )]
    Timeout {
        operation: String,
        /// Since the operation began (for a create: since the create call, not since the
        /// step that ran out).
        waited: Duration,
        last_status: Option<String>,
        /// The resource's `timeouts` setting that bounded the wait, when there is one the
        /// user can raise (`create`, `update`, `delete`).
        setting: Option<&'static str>,
    },

    /// Proton refused a delete, and no other operation of this run can lift the refusal;
    /// `reason` says why the provider thinks so and what to do.
    #[error("Proton refused to delete {key}: {source}.\n\n{reason}")]
    DeleteRefused {
        key: String,
        reason: String,
        source: Box<ProtonError>,
    },

    /// The delete of an environment version whose template this plan replaces under the same
    /// name, refused while service versions list its major: this run cannot succeed
    /// (`crate::proton::delete` rule 8).
    #[error("Proton refused to delete {}: {}", .0.key, .0.source)]
    ListedUnderReplacement(Box<ListedUnderReplacement>),

    /// A create named a major version that does not exist and that no create of this run can
    /// make: Proton numbers new major versions itself, and would give the next one `next`.
    #[error(
        "{template} has no major version {major}, and Proton would assign {next} to the next \
         new major version{seen} (it numbers them itself, one above the highest it ever made, \
         and never reuses a number), so no version of this apply can create major version \
         {major}. Write major_version = \"{next}\" on the versions of the new major (one of \
         them creates it, the others add minor versions to it), or omit major_version on the \
         version that starts a major and give the others major_version = <that \
         resource>.major_version"
    )]
    MajorNotNext {
        template: String,
        major: String,
        next: u64,
        /// Why the provider knows `next` when no listing shows it (empty otherwise).
        seen: String,
    },

    /// A template create named a template that already exists: Proton's answer when the
    /// name is taken by one created with other parameters (`ValidationException`) or changed
    /// since (`ConflictException`). Reads exactly as that answer; `source` is it.
    #[error(transparent)]
    AlreadyExists { source: Box<ProtonError> },

    /// The operation was cancelled (Terraform was interrupted).
    #[error("the operation was cancelled")]
    Cancelled,
}

/// What [`ProtonError::ListedUnderReplacement`] reports: the version `key`, the new template's
/// name (when the plan knew it), the service versions `listed_by` that list its major, and
/// Proton's refusal `source`.
#[derive(Debug, Clone, PartialEq)]
pub struct ListedUnderReplacement {
    pub key: super::model::VersionKey,
    pub new_name: Option<String>,
    pub listed_by: Vec<super::model::VersionKey>,
    pub source: ProtonError,
}

impl ProtonError {
    /// The AWS error code, when the error came from an AWS error response.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::NotFound { .. } => Some(NOT_FOUND_CODE),
            Self::Conflict { code, .. } | Self::Api { code, .. } => Some(code),
            Self::DeleteRefused { source, .. } | Self::AlreadyExists { source } => source.code(),
            Self::ListedUnderReplacement(listed) => listed.source.code(),
            Self::Transport { .. }
            | Self::InvalidRequest { .. }
            | Self::RegistrationFailed { .. }
            | Self::Timeout { .. }
            | Self::MajorNotNext { .. }
            | Self::Cancelled => None,
        }
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound { .. })
    }

    pub fn is_conflict(&self) -> bool {
        matches!(self.unwrapped(), Self::Conflict { .. })
    }

    /// A create for a name that is taken ([`ProtonError::AlreadyExists`]).
    pub fn is_already_exists(&self) -> bool {
        matches!(self, Self::AlreadyExists { .. })
    }

    pub fn is_transport(&self) -> bool {
        matches!(self, Self::Transport { .. })
    }

    pub fn is_throttling(&self) -> bool {
        self.code() == Some(THROTTLING_CODE)
    }

    pub fn is_validation(&self) -> bool {
        self.code() == Some(VALIDATION_CODE)
    }

    /// A client token reused with other parameters: the model documents this
    /// `ValidationException` by the name `IdempotentParameterMismatch`, which its message
    /// carries; no other field tells it apart.
    pub fn is_idempotency_mismatch(&self) -> bool {
        matches!(self.unwrapped(), Self::Api { code, message, .. }
            if code == VALIDATION_CODE && message.contains("IdempotentParameterMismatch"))
    }

    /// Names the `timeouts` setting that bounded a [`ProtonError::Timeout`], so its message
    /// says how to wait longer; any other error is returned as it is.
    pub fn bounded_by(self, setting: &'static str) -> Self {
        match self {
            Self::Timeout {
                operation,
                waited,
                last_status,
                ..
            } => Self::Timeout {
                operation,
                waited,
                last_status,
                setting: Some(setting),
            },
            other => other,
        }
    }

    /// The AWS error an [`ProtonError::AlreadyExists`] stands for; any other error itself.
    fn unwrapped(&self) -> &Self {
        match self {
            Self::AlreadyExists { source } => source,
            other => other,
        }
    }

    /// Classifies a template create's error: a validation error or conflict whose message
    /// says the name is taken becomes [`ProtonError::AlreadyExists`]. Proton has no error
    /// code of its own for this; its message is the one signal (as for
    /// `IdempotentParameterMismatch`), so it is read here and nowhere else.
    pub(crate) fn classify_create(self) -> Self {
        let taken = matches!(&self,
            Self::Api { code, message, .. } | Self::Conflict { code, message, .. }
                if (code == VALIDATION_CODE || code == CONFLICT_CODE)
                    && message.contains("already exists"));
        if taken {
            Self::AlreadyExists {
                source: Box::new(self),
            }
        } else {
            self
        }
    }

    /// The request ID AWS returned, if any.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Self::Conflict { request_id, .. } | Self::Api { request_id, .. } => {
                request_id.as_deref()
            }
            Self::DeleteRefused { source, .. } | Self::AlreadyExists { source } => {
                source.request_id()
            }
            Self::ListedUnderReplacement(listed) => listed.source.request_id(),
            _ => None,
        }
    }

    /// Maps any SDK error of `service` ([`PROTON`], or [`S3`] for bundle uploads) generically:
    /// the code, message and request ID come from the error metadata, so this works for every
    /// operation's error type.
    pub(crate) fn from_sdk<E>(
        service: &'static str,
        operation: &'static str,
        resource: String,
        endpoint: Option<&str>,
        err: SdkError<E, HttpResponse>,
    ) -> Self
    where
        E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    {
        let request_id = err
            .request_id()
            .or_else(|| err.meta().request_id())
            .map(str::to_owned);
        match err {
            SdkError::ServiceError(failure) => {
                let inner = failure.err();
                // No error code: the body was not a Proton error (an HTML page from a proxy,
                // a different service on that port…), so the endpoint is the likely culprit.
                let Some(code) = inner.code().map(str::to_owned) else {
                    return Self::Transport {
                        service,
                        operation,
                        resource,
                        endpoint: endpoint.map(str::to_owned),
                        cause: format!(
                            "HTTP {} response that is not an {service} response: {}",
                            failure.raw().status().as_u16(),
                            error_chain(inner)
                        ),
                    };
                };
                let message = inner
                    .message()
                    .map(str::to_owned)
                    .unwrap_or_else(|| error_chain(inner));
                match code.as_str() {
                    NOT_FOUND_CODE => Self::NotFound {
                        what: resource,
                        message: Some(message),
                        request_id,
                    },
                    CONFLICT_CODE => Self::Conflict {
                        operation,
                        resource,
                        code,
                        message,
                        request_id,
                    },
                    _ => Self::Api {
                        operation,
                        resource,
                        code,
                        message,
                        request_id,
                    },
                }
            }
            SdkError::ConstructionFailure(_) => Self::InvalidRequest {
                operation,
                resource,
                message: error_chain(&err),
            },
            SdkError::ResponseError(ref response) => {
                let status = response.raw().status().as_u16();
                Self::Transport {
                    service,
                    operation,
                    resource,
                    endpoint: endpoint.map(str::to_owned),
                    cause: format!(
                        "HTTP {status} response that is not an {service} response: {}",
                        error_chain(&err)
                    ),
                }
            }
            SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => Self::Transport {
                service,
                operation,
                resource,
                endpoint: endpoint.map(str::to_owned),
                // Retries given up on for want of any response say so plainly.
                cause: certificate_hint(
                    find_in_chain::<NoResponse>(&err)
                        .map(NoResponse::to_string)
                        .unwrap_or_else(|| error_chain(&err)),
                ),
            },
            // `SdkError` is non-exhaustive.
            _ => Self::Api {
                operation,
                resource,
                code: err.code().unwrap_or("UnknownError").to_owned(),
                message: error_chain(&err),
                request_id,
            },
        }
    }
}

/// The first error of type `T` along the `source()` chain of `err`.
fn find_in_chain<'a, T: StdError + 'static>(err: &'a (dyn StdError + 'static)) -> Option<&'a T> {
    let mut next = Some(err);
    while let Some(e) = next {
        if let Some(found) = e.downcast_ref::<T>() {
            return Some(found);
        }
        next = e.source();
    }
    None
}

/// `outer: inner: innermost`, from each error's Display along the `source()` chain
/// (the SDK's `DisplayErrorContext` appends a Debug dump, too noisy for a diagnostic).
pub(crate) fn error_chain(err: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(err);
    while let Some(e) = next {
        let text = e.to_string();
        // Wrappers often repeat their source's text; keep each piece once.
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = e.source();
    }
    parts.join(": ")
}

/// `: ResourceNotFoundException: MESSAGE (request ID: …)` when Proton said so.
fn not_found_detail(message: &Option<String>, request_id: &Option<String>) -> String {
    match message {
        Some(message) => format!(
            " ({NOT_FOUND_CODE}: {message}{})",
            request_id_suffix(request_id)
        ),
        None => String::new(),
    }
}

/// A transport failure rustls reports as an untrusted certificate (`invalid peer
/// certificate: UnknownIssuer`, say) ends with how to trust the endpoint's CA.
fn certificate_hint(cause: String) -> String {
    match cause.contains("invalid peer certificate") {
        true => format!("{cause}. The endpoint's TLS certificate is not signed by a trusted CA: to trust a private CA, set the provider's `custom_ca_bundle` (or `AWS_CA_BUNDLE`) to its certificate in PEM"),
        false => cause,
    }
}

fn request_id_suffix(request_id: &Option<String>) -> String {
    match request_id {
        Some(id) => format!(" (request ID: {id})"),
        None => String::new(),
    }
}

/// How to wait longer than `waited`, when a `timeouts` setting bounded the wait: twice as long,
/// rounded up to a whole minute, as an example value.
fn raise_hint(setting: Option<&str>, waited: Duration) -> String {
    let Some(setting) = setting else {
        return String::new();
    };
    let minutes = (waited.as_secs() * 2).div_ceil(60).max(1);
    let example = humanize(Duration::from_secs(minutes * 60));
    format!(
        ". To wait longer, raise the resource's limit: timeouts {{ {setting} = \"{}\" }}",
        example.strip_suffix("0s").unwrap_or(&example)
    )
}

/// `1m30s`-style durations for messages.
pub(crate) fn humanize(d: Duration) -> String {
    let total = d.as_secs();
    if total == 0 {
        return format!("{}ms", d.as_millis());
    }
    let (h, m, s) = (total / 3600, (total % 3600) / 60, total % 60);
    match (h, m) {
        (0, 0) => format!("{s}s"),
        (0, _) => format!("{m}m{s}s"),
        _ => format!("{h}h{m}m{s}s"),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn humanize_durations() {
        assert_eq!(humanize(Duration::from_millis(250)), "250ms");
        assert_eq!(humanize(Duration::from_secs(5)), "5s");
        assert_eq!(humanize(Duration::from_secs(90)), "1m30s");
        assert_eq!(humanize(Duration::from_secs(3723)), "1h2m3s");
    }

    #[test]
    fn codes_by_variant() {
        assert_eq!(
            ProtonError::NotFound {
                what: "x".into(),
                message: None,
                request_id: None
            }
            .code(),
            Some(NOT_FOUND_CODE)
        );
        let conflict = ProtonError::Conflict {
            operation: "DeleteEnvironmentTemplateVersion",
            resource: "environment template version `a:1.0`".into(),
            code: CONFLICT_CODE.into(),
            message: "recommended".into(),
            request_id: Some("rid".into()),
        };
        let refused = ProtonError::DeleteRefused {
            key: "environment template version `a:1.0`".into(),
            reason: "Nothing else deletes them.".into(),
            source: Box::new(conflict.clone()),
        };
        assert_eq!(refused.code(), Some(CONFLICT_CODE));
        assert_eq!(refused.request_id(), Some("rid"));
        let msg = refused.to_string();
        assert!(msg.ends_with(".\n\nNothing else deletes them."), "{msg}");
        assert!(msg.contains("(request ID: rid)"), "{msg}");
        assert_eq!(ProtonError::Cancelled.code(), None);
    }

    fn api(code: &str, message: &str) -> ProtonError {
        ProtonError::Api {
            operation: "CreateEnvironmentTemplate",
            resource: "environment template `taken`".into(),
            code: code.into(),
            message: message.into(),
            request_id: Some("rid".into()),
        }
    }

    #[test]
    fn a_taken_template_name_is_already_exists_and_reads_as_proton_said() {
        let mismatch = api(
            VALIDATION_CODE,
            "IdempotentParameterMismatch: the environment template 'taken' already exists and \
             was created with different parameters.",
        );
        let classified = mismatch.clone().classify_create();
        assert!(classified.is_already_exists(), "{classified:?}");
        assert_eq!(classified.to_string(), mismatch.to_string());
        assert_eq!(classified.code(), Some(VALIDATION_CODE));
        assert_eq!(classified.request_id(), Some("rid"));
        assert!(classified.is_validation() && classified.is_idempotency_mismatch());

        let modified = ProtonError::Conflict {
            operation: "CreateServiceTemplate",
            resource: "service template `taken`".into(),
            code: CONFLICT_CODE.into(),
            message: "The service template 'taken' already exists and has been modified since \
                      it was created."
                .into(),
            request_id: None,
        }
        .classify_create();
        assert!(
            modified.is_already_exists() && modified.is_conflict(),
            "{modified:?}"
        );

        // Anything else stays as it was.
        for other in [
            api(VALIDATION_CODE, "name must match the pattern"),
            api(
                "AccessDeniedException",
                "the role already exists but is not allowed",
            ),
            ProtonError::Cancelled,
        ] {
            assert_eq!(other.clone().classify_create(), other);
        }
    }

    #[test]
    fn timeout_and_registration_messages() {
        let timeout = ProtonError::Timeout {
            operation: "registration of environment template version `a:1.0`".into(),
            waited: Duration::from_secs(600),
            last_status: Some("REGISTRATION_IN_PROGRESS".into()),
            setting: None,
        };
        assert_eq!(
            timeout.to_string(),
            "timed out after 10m0s waiting for registration of environment template version \
             `a:1.0` (last status: REGISTRATION_IN_PROGRESS)"
        );
        // A create's limit: the message says which setting to raise, with an example value.
        assert_eq!(
            timeout.clone().bounded_by("create").to_string(),
            "timed out after 10m0s waiting for registration of environment template version \
             `a:1.0` (last status: REGISTRATION_IN_PROGRESS). To wait longer, raise the \
             resource's limit: timeouts { create = \"20m\" }"
        );
        let short = ProtonError::Timeout {
            operation: "deletion of environment template version `a:1.0`".into(),
            waited: Duration::from_secs(5),
            last_status: None,
            setting: None,
        };
        assert!(short
            .bounded_by("delete")
            .to_string()
            .ends_with("timeouts { delete = \"1m\" }"));
        assert_eq!(
            ProtonError::Cancelled.bounded_by("create"),
            ProtonError::Cancelled
        );
        let failed = ProtonError::RegistrationFailed {
            key: "service template version `s:2.1`".into(),
            status_message: Some("schema.yaml: invalid".into()),
        };
        assert_eq!(
            failed.to_string(),
            "registration of service template version `s:2.1` failed (status \
             REGISTRATION_FAILED): schema.yaml: invalid"
        );
    }
}
