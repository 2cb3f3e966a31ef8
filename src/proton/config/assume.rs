//! Credentials from STS: `assume_role_with_web_identity`, then each `assume_role` in order,
//! each signed with the credentials of the step before (role chaining), and the account check
//! of `allowed_account_ids` / `forbidden_account_ids`.
//!
//! Why not `aws_config::sts::AssumeRoleProvider`: it cannot send `SourceIdentity` or
//! `TransitiveTagKeys`, and aws-config's web identity provider reads only a token file and
//! sends no `DurationSeconds`. Both providers here are thin `ProvideCredentials` over the
//! generated STS client (`aws-sdk-sts`), built from the same `SdkConfig` as every other
//! client, so the STS endpoint, retries, timeouts and HTTP client are the provider's.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{future, ProvideCredentials, SharedCredentialsProvider};
use aws_credential_types::Credentials;
use aws_sdk_sts::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_sts::types::{PolicyDescriptorType, Tag};
use aws_types::SdkConfig;

use super::ConfigError;

/// Session name sent when a block sets none; terraform-provider-aws leaves it to the SDK,
/// which makes one up from the time, so any name is as good as another for AWS.
pub const DEFAULT_SESSION_NAME: &str = "terraform-provider-proton";

/// One `assume_role` block.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssumeRole {
    pub role_arn: String,
    pub session_name: Option<String>,
    pub external_id: Option<String>,
    pub duration: Option<Duration>,
    pub policy: Option<String>,
    pub policy_arns: Vec<String>,
    pub tags: BTreeMap<String, String>,
    pub transitive_tag_keys: Vec<String>,
    pub source_identity: Option<String>,
}

/// The `assume_role_with_web_identity` block. Unset values fall back to `AWS_ROLE_ARN`,
/// `AWS_ROLE_SESSION_NAME` and `AWS_WEB_IDENTITY_TOKEN_FILE`, as in terraform-provider-aws.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct WebIdentity {
    pub role_arn: Option<String>,
    pub session_name: Option<String>,
    pub web_identity_token: Option<String>,
    pub web_identity_token_file: Option<String>,
    pub duration: Option<Duration>,
    pub policy: Option<String>,
    pub policy_arns: Vec<String>,
}

// Hand-written so the token never reaches logs.
impl std::fmt::Debug for WebIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebIdentity")
            .field("role_arn", &self.role_arn)
            .field("session_name", &self.session_name)
            .field(
                "web_identity_token",
                &self.web_identity_token.as_ref().map(|_| "<redacted>"),
            )
            .field("web_identity_token_file", &self.web_identity_token_file)
            .field("duration", &self.duration)
            .field("policy", &self.policy)
            .field("policy_arns", &self.policy_arns)
            .finish()
    }
}

/// Where a web identity token comes from.
#[derive(Debug, Clone)]
enum TokenSource {
    Inline(String),
    /// Read at each refresh: token files are rotated by whoever writes them (CI, Kubernetes).
    File(PathBuf),
}

/// Why STS gave no credentials; the message names the role and what STS said.
#[derive(Debug, thiserror::Error)]
enum StsFailure {
    #[error("{operation} of {role_arn} failed: {detail}")]
    Refused {
        operation: &'static str,
        role_arn: String,
        detail: String,
    },
    #[error("{operation} of {role_arn} returned no credentials")]
    NoCredentials {
        operation: &'static str,
        role_arn: String,
    },
    #[error("the web identity token file {path} could not be read: {reason}")]
    TokenFile { path: String, reason: String },
}

/// `code: message` of an STS error, else the whole chain.
fn sts_detail<E>(err: &aws_sdk_sts::error::SdkError<E>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match (err.code(), err.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_string(),
        _ => DisplayErrorContext(err).to_string(),
    }
}

fn into_credentials(
    credentials: Option<&aws_sdk_sts::types::Credentials>,
    operation: &'static str,
    role_arn: &str,
) -> Result<Credentials, CredentialsError> {
    let Some(credentials) = credentials else {
        return Err(CredentialsError::provider_error(
            StsFailure::NoCredentials {
                operation,
                role_arn: role_arn.to_string(),
            },
        ));
    };
    // The session's secrets stay out of the logs, as the base keys do.
    crate::plugin::logging::redact(credentials.secret_access_key());
    crate::plugin::logging::redact(credentials.session_token());
    let expiry = SystemTime::try_from(*credentials.expiration()).ok();
    Ok(Credentials::new(
        credentials.access_key_id(),
        credentials.secret_access_key(),
        Some(credentials.session_token().to_string()),
        expiry,
        operation,
    ))
}

fn policy_descriptors(arns: &[String]) -> Option<Vec<PolicyDescriptorType>> {
    (!arns.is_empty()).then(|| {
        arns.iter()
            .map(|arn| PolicyDescriptorType::builder().arn(arn).build())
            .collect()
    })
}

/// Seconds for `DurationSeconds`; validation keeps durations within 15 min..12 h.
fn duration_seconds(duration: Option<Duration>) -> Option<i32> {
    duration.and_then(|duration| i32::try_from(duration.as_secs()).ok())
}

/// An STS client that signs with `credentials`, at the STS endpoint of the settings (else
/// `AWS_ENDPOINT_URL_STS` / `AWS_ENDPOINT_URL`, else AWS).
pub(super) fn sts_client(
    sdk_config: &SdkConfig,
    credentials: Option<SharedCredentialsProvider>,
    endpoint: Option<&str>,
) -> aws_sdk_sts::Client {
    let mut config = aws_sdk_sts::config::Builder::from(sdk_config);
    if let Some(credentials) = credentials {
        config.set_credentials_provider(Some(credentials));
    }
    if let Some(endpoint) = endpoint {
        config.set_endpoint_url(Some(endpoint.to_string()));
    }
    aws_sdk_sts::Client::from_conf(config.build())
}

#[derive(Debug)]
struct AssumeRoleCredentials {
    sts: aws_sdk_sts::Client,
    role: AssumeRole,
}

impl AssumeRoleCredentials {
    async fn assume(&self) -> Result<Credentials, CredentialsError> {
        let role = &self.role;
        let mut request = self
            .sts
            .assume_role()
            .role_arn(&role.role_arn)
            .role_session_name(role.session_name.as_deref().unwrap_or(DEFAULT_SESSION_NAME))
            .set_external_id(role.external_id.clone())
            .set_duration_seconds(duration_seconds(role.duration))
            .set_policy(role.policy.clone())
            .set_policy_arns(policy_descriptors(&role.policy_arns))
            .set_source_identity(role.source_identity.clone());
        for (key, value) in &role.tags {
            // Both members are set, so building cannot fail; a failure would only drop the tag.
            if let Ok(tag) = Tag::builder().key(key).value(value).build() {
                request = request.tags(tag);
            }
        }
        for key in &role.transitive_tag_keys {
            request = request.transitive_tag_keys(key);
        }
        let assumed = request.send().await.map_err(|err| {
            CredentialsError::provider_error(StsFailure::Refused {
                operation: "AssumeRole",
                role_arn: role.role_arn.clone(),
                detail: sts_detail(&err),
            })
        })?;
        into_credentials(assumed.credentials(), "AssumeRole", &role.role_arn)
    }
}

impl ProvideCredentials for AssumeRoleCredentials {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(self.assume())
    }
}

#[derive(Debug)]
struct WebIdentityCredentials {
    sts: aws_sdk_sts::Client,
    role_arn: String,
    session_name: String,
    token: TokenSource,
    duration: Option<Duration>,
    policy: Option<String>,
    policy_arns: Vec<String>,
}

impl WebIdentityCredentials {
    async fn assume(&self) -> Result<Credentials, CredentialsError> {
        let token = match &self.token {
            TokenSource::Inline(token) => token.clone(),
            TokenSource::File(path) => tokio::fs::read_to_string(path)
                .await
                .map_err(|err| {
                    CredentialsError::provider_error(StsFailure::TokenFile {
                        path: path.display().to_string(),
                        reason: err.to_string(),
                    })
                })?
                .trim()
                .to_string(),
        };
        crate::plugin::logging::redact(&token);
        let assumed = self
            .sts
            .assume_role_with_web_identity()
            .role_arn(&self.role_arn)
            .role_session_name(&self.session_name)
            .web_identity_token(token)
            .set_duration_seconds(duration_seconds(self.duration))
            .set_policy(self.policy.clone())
            .set_policy_arns(policy_descriptors(&self.policy_arns))
            .send()
            .await
            .map_err(|err| {
                CredentialsError::provider_error(StsFailure::Refused {
                    operation: "AssumeRoleWithWebIdentity",
                    role_arn: self.role_arn.clone(),
                    detail: sts_detail(&err),
                })
            })?;
        into_credentials(
            assumed.credentials(),
            "AssumeRoleWithWebIdentity",
            &self.role_arn,
        )
    }
}

impl ProvideCredentials for WebIdentityCredentials {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(self.assume())
    }
}

/// The credentials every client signs with: the base ones (`sdk_config`'s), replaced by a
/// web identity session if configured, then by each role of `roles` in order. Makes no
/// network call; each STS client caches its session until shortly before it expires.
pub(super) fn chain(
    sdk_config: &SdkConfig,
    sts_endpoint: Option<&str>,
    web_identity: Option<&WebIdentity>,
    roles: &[AssumeRole],
    env: &aws_types::os_shim_internal::Env,
) -> Result<Option<SharedCredentialsProvider>, ConfigError> {
    let mut current = sdk_config.credentials_provider();
    if let Some(web) = web_identity {
        let from_env = |var: &str| env.get(var).ok().filter(|v| !v.trim().is_empty());
        let role_arn = web
            .role_arn
            .clone()
            .or_else(|| from_env("AWS_ROLE_ARN"))
            .ok_or(ConfigError::WebIdentityWithout { what: "role_arn" })?;
        let session_name = web
            .session_name
            .clone()
            .or_else(|| from_env("AWS_ROLE_SESSION_NAME"))
            .unwrap_or_else(|| DEFAULT_SESSION_NAME.to_string());
        let token = match (&web.web_identity_token, &web.web_identity_token_file) {
            (Some(token), _) => TokenSource::Inline(token.clone()),
            (None, Some(file)) => TokenSource::File(PathBuf::from(file)),
            (None, None) => TokenSource::File(PathBuf::from(
                from_env("AWS_WEB_IDENTITY_TOKEN_FILE").ok_or(ConfigError::WebIdentityWithout {
                    what: "web_identity_token or web_identity_token_file",
                })?,
            )),
        };
        let provider = WebIdentityCredentials {
            sts: sts_client(sdk_config, current.clone(), sts_endpoint),
            role_arn,
            session_name,
            token,
            duration: web.duration,
            policy: web.policy.clone(),
            policy_arns: web.policy_arns.clone(),
        };
        current = Some(SharedCredentialsProvider::new(provider));
    }
    for role in roles {
        let provider = AssumeRoleCredentials {
            sts: sts_client(sdk_config, current.clone(), sts_endpoint),
            role: role.clone(),
        };
        current = Some(SharedCredentialsProvider::new(provider));
    }
    Ok(current)
}

/// `allowed_account_ids` / `forbidden_account_ids` against the account the credentials act
/// in, asked of STS (GetCallerIdentity). Returns the account.
pub(super) async fn caller_account(sts: &aws_sdk_sts::Client) -> Result<String, ConfigError> {
    let identity =
        sts.get_caller_identity()
            .send()
            .await
            .map_err(|err| ConfigError::CallerIdentity {
                detail: caller_identity_detail(&err),
            })?;
    identity
        .account()
        .map(str::to_string)
        .ok_or(ConfigError::CallerIdentity {
            detail: "STS answered without an account".to_string(),
        })
}

/// What failed: an STS error, or (more often) the credentials, whose chain names the role.
fn caller_identity_detail<E>(err: &aws_sdk_sts::error::SdkError<E>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match err.code() {
        Some(_) => sts_detail(err),
        None => crate::proton::error::error_chain(err),
    }
}

/// Refuses `account` unless the lists allow it (at most one list is set; validation refuses
/// both).
pub(super) fn check_account(
    account: &str,
    allowed: &[String],
    forbidden: &[String],
) -> Result<(), ConfigError> {
    if forbidden.iter().any(|id| id == account) {
        return Err(ConfigError::AccountForbidden {
            account: account.to_string(),
            forbidden: forbidden.join(", "),
        });
    }
    if !allowed.is_empty() && !allowed.iter().any(|id| id == account) {
        return Err(ConfigError::AccountNotAllowed {
            account: account.to_string(),
            allowed: allowed.join(", "),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn account_lists() {
        let ids = |ids: &[&str]| ids.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(check_account("111111111111", &[], &[]).is_ok());
        assert!(check_account("111111111111", &ids(&["111111111111"]), &[]).is_ok());
        assert!(check_account("111111111111", &[], &ids(&["222222222222"])).is_ok());
        let err = check_account("111111111111", &ids(&["2", "3"]), &[]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the credentials act in AWS account 111111111111; 111111111111 is not in \
             allowed_account_ids (2, 3)"
        );
        let err = check_account("111111111111", &[], &ids(&["111111111111"])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the credentials act in AWS account 111111111111; 111111111111 is in \
             forbidden_account_ids (111111111111)"
        );
    }

    #[test]
    fn web_identity_debug_hides_the_token() {
        let web = WebIdentity {
            web_identity_token: Some("eyJsecret".into()),
            ..Default::default()
        };
        assert!(!format!("{web:?}").contains("eyJsecret"));
    }
}
