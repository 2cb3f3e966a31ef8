//! Version creates that give every resource instance a version of its own, converge after an
//! interrupted apply, and wait for a major version that a sibling is creating.
//!
//! - **Tokens.** Each create sends a token derived from its arguments (see
//!   [`crate::proton::token`]) and its *occurrence*: the n-th create with identical arguments
//!   in this process gets the n-th token. `count = 3` with identical arguments therefore
//!   creates three versions, and an interrupted apply sends the same three tokens again.
//! - **Claims.** When a create is complete (registered, published if asked), the provider
//!   tags the version [`SOURCE_TAG`], which also records the bundle location. A token Proton
//!   has seen returns the version it made: unclaimed, that is this instance's own interrupted
//!   create, adopted; claimed, it belongs to another instance (identical arguments applied
//!   earlier), and the next occurrence's token is tried.
//! - **Major versions.** A create naming a major version that does not exist waits for a
//!   create of a new major of the same template that this run has under way (or starts within
//!   [`SIBLING_MAJOR_GRACE`]), then adds its minor to it. With no such sibling, on a template
//!   with no versions yet, it creates that major itself when Proton's numbering gives it that
//!   number; otherwise it fails, saying how to write the configuration.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::client::{describe_template, CreateVersionInput, ProtonClient};
use super::error::ProtonError;
use super::model::{TemplateKind, TemplateVersion, VersionStatus};
use super::token::client_token;

/// Tag in which the provider records a version's bundle location, written when it has
/// finished creating the version (so it also marks the version as claimed). Empty when the
/// location is too long for a tag value.
pub const SOURCE_TAG: &str = "terraform-provider-proton:source";

/// How long a create naming a missing major version waits for a sibling that creates it to
/// begin. Terraform starts independent creates together, within milliseconds of each other,
/// so this is paid only when no sibling comes.
pub const SIBLING_MAJOR_GRACE: Duration = Duration::from_secs(2);

/// Bounds the occurrences tried for identical arguments (each is one create call).
const MAX_OCCURRENCES: u32 = 1000;

fn occurrence_nonce(base: &str, occurrence: u32) -> String {
    match occurrence {
        // The first occurrence keeps the token earlier releases sent.
        0 => base.to_string(),
        n => format!("{base}#{n}"),
    }
}

/// Creates a version for one resource instance (see the module documentation). Returns it as
/// Proton answered: usually `REGISTRATION_IN_PROGRESS`; a replayed create may be further on.
pub async fn create_version(
    client: &ProtonClient,
    kind: TemplateKind,
    input: &CreateVersionInput,
    nonce: &str,
    timeout: Duration,
    cancel: &CancellationToken,
) -> Result<TemplateVersion, ProtonError> {
    let ledger = client.ledger();
    let token_for = |n: u32| client_token(kind, input, &occurrence_nonce(nonce, n));
    let mut attempt = input.clone();
    (_, attempt.client_token) = ledger.reserve_token(token_for);
    let deadline = tokio::time::Instant::now() + timeout;
    let mut retried_existing_major = false;
    loop {
        let created = match &input.major_version {
            None => {
                let _creating = ledger.begin_new_major(kind, &input.template_name);
                client.create_version(kind, &attempt).await
            }
            Some(major) => {
                // Taken before the attempt: a sibling's new major that begins after it may be
                // the one this create needs, even if it ends before anyone looks.
                let begun = ledger.counts(kind, &input.template_name).new_majors_begun;
                match client.create_version(kind, &attempt).await {
                    Err(err) if err.is_validation() => {
                        if client
                            .major_exists(kind, &input.template_name, major)
                            .await?
                        {
                            if err.is_idempotency_mismatch() {
                                // This token created the major itself in an interrupted run.
                                replay_as_new_major(client, kind, &attempt).await
                            } else if !retried_existing_major {
                                // A sibling created it between the two calls.
                                retried_existing_major = true;
                                continue;
                            } else {
                                Err(err)
                            }
                        } else {
                            let remaining =
                                deadline.saturating_duration_since(tokio::time::Instant::now());
                            let awaited = await_major(
                                client, kind, &attempt, major, begun, remaining, cancel,
                            );
                            match awaited.await? {
                                Some(created) => Ok(created),
                                None => continue,
                            }
                        }
                    }
                    other => other,
                }
            }
        };
        let version = created?;
        if version.status != VersionStatus::RegistrationInProgress
            && is_claimed(client, &version.arn).await? == Some(true)
        {
            let (occurrence, token) = ledger.reserve_token(token_for);
            tracing::info!(version = %version.key(), occurrence, "the token returned another instance's version; trying the next one");
            if occurrence >= MAX_OCCURRENCES {
                return Err(ProtonError::InvalidRequest {
                    operation: "CreateTemplateVersion",
                    resource: describe_template(kind, &input.template_name),
                    message: format!(
                        "more than {MAX_OCCURRENCES} versions with identical arguments"
                    ),
                });
            }
            attempt.client_token = token;
            continue;
        }
        return Ok(version);
    }
}

/// Whether the provider finished creating the version at `arn` for some resource instance
/// (it carries [`SOURCE_TAG`]): `None` when the version is gone.
pub(super) async fn is_claimed(
    client: &ProtonClient,
    arn: &str,
) -> Result<Option<bool>, ProtonError> {
    match client.list_tags(arn).await {
        Ok(tags) => Ok(Some(tags.contains_key(SOURCE_TAG))),
        Err(err) if err.is_not_found() => Ok(None),
        Err(err) => Err(err),
    }
}

/// Resends a create as the new-major create it was in an earlier run; Proton answers with the
/// version that run made (or, if it was deleted since, a new major, which is checked).
async fn replay_as_new_major(
    client: &ProtonClient,
    kind: TemplateKind,
    attempt: &CreateVersionInput,
) -> Result<TemplateVersion, ProtonError> {
    let as_new = CreateVersionInput {
        major_version: None,
        ..attempt.clone()
    };
    let _creating = client
        .ledger()
        .begin_new_major(kind, &attempt.template_name);
    let version = client.create_version(kind, &as_new).await?;
    expect_major(client, kind, attempt, version).await
}

/// `major` does not exist: waits for a sibling creating a new major, or creates it when the
/// template is empty. `Ok(None)`: retry the create now.
async fn await_major(
    client: &ProtonClient,
    kind: TemplateKind,
    attempt: &CreateVersionInput,
    major: &str,
    begun_before: u64,
    remaining: Duration,
    cancel: &CancellationToken,
) -> Result<Option<TemplateVersion>, ProtonError> {
    let ledger = client.ledger();
    let template = &attempt.template_name;
    let waited = async {
        let sibling = ledger
            .wait_for(kind, template, SIBLING_MAJOR_GRACE.min(remaining), |c| {
                c.new_majors > 0 || c.new_majors_begun > begun_before
            })
            .await;
        if sibling {
            ledger
                .wait_for(kind, template, remaining, |c| c.new_majors == 0)
                .await;
        }
        sibling
    };
    let sibling = tokio::select! {
        biased;
        () = cancel.cancelled() => return Err(ProtonError::Cancelled),
        sibling = waited => sibling,
    };
    if sibling {
        return Ok(None);
    }
    if !client.list_versions(kind, template, None).await?.is_empty() {
        return Err(ProtonError::NoSuchMajor {
            template: describe_template(kind, template),
            major: major.to_string(),
        });
    }
    let Some(_creating) = ledger.try_begin_new_major(kind, template) else {
        // Another create of this run is making the first major: add to it once it exists.
        return Ok(None);
    };
    let as_new = CreateVersionInput {
        major_version: None,
        ..attempt.clone()
    };
    let version = client.create_version(kind, &as_new).await?;
    expect_major(client, kind, attempt, version).await.map(Some)
}

/// Checks that a new-major create got the major the configuration asked for; if Proton
/// numbered it otherwise (it never reuses a deleted major's number), deletes it again.
async fn expect_major(
    client: &ProtonClient,
    kind: TemplateKind,
    attempt: &CreateVersionInput,
    version: TemplateVersion,
) -> Result<TemplateVersion, ProtonError> {
    let Some(wanted) = attempt.major_version.as_deref() else {
        return Ok(version);
    };
    if version.major_version == wanted {
        return Ok(version);
    }
    client.delete_version(kind, &version.key()).await?;
    Err(ProtonError::NoSuchMajor {
        template: format!(
            "{} (Proton numbers new major versions itself and would have made this one {})",
            describe_template(kind, &attempt.template_name),
            version.major_version
        ),
        major: wanted.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_occurrence_keeps_the_plain_nonce() {
        assert_eq!(occurrence_nonce("", 0), "");
        assert_eq!(occurrence_nonce("", 2), "#2");
        assert_eq!(occurrence_nonce("abc", 1), "abc#1");
    }
}
