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
//! - **Major versions.** Proton numbers a new major itself: one above the highest major it
//!   ever made, deleted ones included (proton.md §2.2; proton-local keeps that number per
//!   template and never reuses one). No listing shows a deleted major, so the number Proton
//!   assigns next is known as *at least* one above the highest major listed or assigned in
//!   this process. A create naming a major that does not exist follows these rules:
//!
//!   1. It records in the [`Ledger`](super::ledger::Ledger) that it waits for that major, and
//!      lists the template's versions. If the major is there now (a sibling made it), the
//!      create is sent again.
//!   2. While another create of a new major of the template is under way in this process, it
//!      waits for that one to end (through the ledger, no timer), then starts over: the
//!      other may be making its major.
//!   3. When the major is the number Proton assigns next, it becomes the one create that
//!      makes it, in one step under the ledger's lock, and creates it at once (no grace
//!      period: a sibling that arrives later finds it under way, rule 2, or made, rule 1).
//!      The other creates naming it then add minor versions to it.
//!   4. A major above the next one waits while a create of this process waits for a major in
//!      between (a module's map of majors 1, 2 and 3 on a fresh template), or while another
//!      operation on the template's versions is under way that has not said which major it
//!      wants (Terraform calls siblings in no set order: one naming major 1 may be refused
//!      after this one looked). Otherwise, and for a major below the next one (deleted: never
//!      reused), it fails at once, saying which major Proton would assign and how to write the
//!      configuration.
//!   5. If Proton still numbers the new major otherwise (a major deleted earlier, which no
//!      listing shows, was above the highest listed), the version is deleted again and the
//!      create fails, naming the number Proton gave: the one case the provider cannot see
//!      coming.
//!
//! One [`Deadline`] bounds the whole create: every call and wait here races it, and the
//! caller goes on to registration and publishing under the same one.

use tokio_util::sync::CancellationToken;

use super::client::{CreateVersionInput, ProtonClient};
use super::error::ProtonError;
use super::ledger::{InFlight, MajorClaim, MajorMark};
use super::listing::all_versions;
use super::model::{TemplateKind, TemplateVersion, VersionStatus};
use super::token::client_token;
use super::wait::{bounded, Deadline};

/// Tag in which the provider records a version's bundle location, written when it has
/// finished creating the version (so it also marks the version as claimed). Empty when the
/// location is too long for a tag value.
pub const SOURCE_TAG: &str = "terraform-provider-proton:source";

/// Bounds the occurrences tried for identical arguments (each is one create call).
const MAX_OCCURRENCES: u32 = 1000;

fn occurrence_nonce(base: &str, occurrence: u32) -> String {
    match occurrence {
        // The first occurrence keeps the token earlier releases sent.
        0 => base.to_string(),
        n => format!("{base}#{n}"),
    }
}

/// Creates a version for one resource instance (see the module documentation), as the
/// operation `op` counts, within `deadline`. Returns it as Proton answered: usually
/// `REGISTRATION_IN_PROGRESS`; a replayed create may be further on.
pub async fn create_version(
    client: &ProtonClient,
    op: &InFlight<'_>,
    kind: TemplateKind,
    input: &CreateVersionInput,
    nonce: &str,
    deadline: Deadline,
    cancel: &CancellationToken,
) -> Result<TemplateVersion, ProtonError> {
    let work = create_unbounded(client, op, kind, input, nonce);
    bounded(client, "CreateTemplateVersion", deadline, cancel, work).await
}

/// What to do after a create naming a missing major.
enum Then {
    /// Send the create again.
    Retry,
    Created(Box<TemplateVersion>),
}

async fn create_unbounded(
    client: &ProtonClient,
    op: &InFlight<'_>,
    kind: TemplateKind,
    input: &CreateVersionInput,
    nonce: &str,
) -> Result<TemplateVersion, ProtonError> {
    let ledger = client.ledger();
    let token_for = |n: u32| client_token(kind, input, &occurrence_nonce(nonce, n));
    let mut attempt = input.clone();
    (_, attempt.client_token) = ledger.reserve_token(token_for);
    let mut wanting = None;
    let mut saw_it_listed = false;
    loop {
        let created = match &input.major_version {
            None => {
                let _creating = op.begin_new_major().await;
                client.create_version(kind, &attempt).await
            }
            Some(major) => match client.create_version(kind, &attempt).await {
                Err(err) if err.is_validation() => {
                    let missing = MissingMajor {
                        client,
                        op,
                        kind,
                        attempt: &attempt,
                        major,
                    };
                    match missing
                        .resolve(err, &mut wanting, &mut saw_it_listed)
                        .await?
                    {
                        Then::Retry => continue,
                        Then::Created(version) => Ok(*version),
                    }
                }
                other => other,
            },
        };
        let version = created?;
        if let Ok(major) = version.major_version.parse() {
            op.saw_major(major);
        }
        if version.status != VersionStatus::RegistrationInProgress
            && is_claimed(client, &version.arn).await? == Some(true)
        {
            let (occurrence, token) = ledger.reserve_token(token_for);
            tracing::info!(version = %version.key(), occurrence, "the token returned another instance's version; trying the next one");
            if occurrence >= MAX_OCCURRENCES {
                return Err(ProtonError::InvalidRequest {
                    operation: "CreateTemplateVersion",
                    resource: kind.describe_template(&input.template_name),
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

/// A create that Proton refused because it names a major that does not exist (as far as the
/// refusal says: it is a validation error), and what the module rules make of it.
struct MissingMajor<'c, 'o, 'l> {
    client: &'c ProtonClient,
    op: &'o InFlight<'l>,
    kind: TemplateKind,
    attempt: &'c CreateVersionInput,
    major: &'c str,
}

impl<'o> MissingMajor<'_, 'o, '_> {
    async fn resolve(
        &self,
        refused: ProtonError,
        wanting: &mut Option<MajorMark<'o>>,
        saw_it_listed: &mut bool,
    ) -> Result<Then, ProtonError> {
        let (client, op, kind, attempt) = (self.client, self.op, self.kind, self.attempt);
        // The schema admits only decimal numbers; anything else is Proton's refusal as it is.
        let Ok(number) = self.major.parse::<u64>() else {
            return Err(refused);
        };
        // Rule 1: recorded before looking, so creates of higher majors wait for this one.
        wanting.get_or_insert_with(|| op.want_major(number));
        let epoch = op.majors_epoch();
        let versions = all_versions(client, kind, &attempt.template_name, None).await?;
        if versions.iter().any(|v| v.major_version == self.major) {
            if refused.is_idempotency_mismatch() {
                // This token created the major itself in an interrupted run.
                return replay_as_new_major(client, op, kind, attempt)
                    .await
                    .map(|version| Then::Created(Box::new(version)));
            }
            if std::mem::replace(saw_it_listed, true) {
                // Refused although the major exists: for another reason.
                return Err(refused);
            }
            return Ok(Then::Retry);
        }
        let highest = versions
            .iter()
            .filter_map(|v| v.major_version.parse::<u64>().ok())
            .max()
            .unwrap_or(0);
        match op.claim_major(number, highest, epoch) {
            MajorClaim::Retry => Ok(Then::Retry),
            MajorClaim::Wait { epoch, in_flight } => {
                tracing::debug!(template = %attempt.template_name, major = number, "waiting for a new-major create of this run");
                op.majors_changed(epoch, in_flight).await;
                Ok(Then::Retry)
            }
            MajorClaim::Create(_creating) => {
                tracing::info!(template = %attempt.template_name, major = number, "creating the next major version");
                let as_new = CreateVersionInput {
                    major_version: None,
                    ..attempt.clone()
                };
                let version = client.create_version(kind, &as_new).await?;
                if let Ok(assigned) = version.major_version.parse() {
                    op.saw_major(assigned);
                }
                expect_major(client, kind, attempt, version)
                    .await
                    .map(|version| Then::Created(Box::new(version)))
            }
            MajorClaim::NotNext { next } => Err(ProtonError::MajorNotNext {
                template: kind.describe_template(&attempt.template_name),
                major: self.major.to_string(),
                next,
                seen: String::new(),
            }),
        }
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
    op: &InFlight<'_>,
    kind: TemplateKind,
    attempt: &CreateVersionInput,
) -> Result<TemplateVersion, ProtonError> {
    let as_new = CreateVersionInput {
        major_version: None,
        ..attempt.clone()
    };
    let _creating = op.begin_new_major().await;
    let version = client.create_version(kind, &as_new).await?;
    expect_major(client, kind, attempt, version).await
}

/// Checks that a new-major create got the major the configuration asked for. Proton numbers
/// it otherwise only when it made a higher major before that is deleted now, which no listing
/// shows (module rule 5): the version is deleted again, and the error names the number.
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
    let assigned = version.major_version.parse::<u64>().unwrap_or_default();
    Err(ProtonError::MajorNotNext {
        template: kind.describe_template(&attempt.template_name),
        major: wanted.to_string(),
        next: assigned.saturating_add(1),
        seen: format!(
            " (it gave this create major version {assigned}, counting a major version deleted \
             earlier that no listing shows; the provider deleted that version again)"
        ),
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
