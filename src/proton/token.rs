//! Deterministic `clientToken`s for Create*TemplateVersion.
//!
//! # Why deterministic
//!
//! Proton's version creates are idempotent per `clientToken`: within 8 hours, the same token
//! with the same parameters returns the version that token created instead of a new one; the
//! same token with different parameters is a `ValidationException`; and if that version was
//! deleted, the same token creates a new version. The SDK would otherwise fill in a random
//! token per call, so an apply interrupted after Proton accepted the create (but before
//! Terraform saved state) would leave an orphan version and the next apply would add another.
//! With a token derived from the request itself, the next apply sends the same token and
//! Proton hands back the version it already made: the apply converges.
//!
//! # What goes in
//!
//! Everything the create sends: kind, template name, requested major, source bucket and key,
//! description, tags, compatible environment templates and supported component sources, plus a
//! caller-chosen `nonce`. Because every sent parameter is hashed, two different requests never
//! share a token, so the `IdempotentParameterMismatch` validation error cannot happen. List
//! items are sorted first (they are sets for Proton), and each field is length-prefixed so no
//! two inputs encode alike.
//!
//! # Trade-offs
//!
//! - Deliberately creating the same version twice still works when the first one is gone:
//!   destroy-then-create (Terraform's default replacement) deletes the old version first, and
//!   Proton then creates a new one for the same token. After 8 hours tokens expire anyway.
//! - Re-uploading a different bundle to the **same** S3 key within 8 hours would otherwise
//!   return the old version. The `nonce` is how callers tell creates apart:
//!   [`crate::proton::create`] passes the create's occurrence (the n-th create with identical
//!   arguments in one provider process gets the n-th token), and moves on to the next
//!   occurrence when a token returns a version another resource instance already holds.
//! - `create_before_destroy` replacement with an unchanged configuration (e.g. `terraform
//!   apply -replace=...`) within 8 hours gets the existing version back, which then counts as
//!   held, so the next occurrence's token creates a new version.

use sha2::{Digest, Sha256};

use super::client::CreateVersionInput;
use super::model::TemplateKind;

/// Bumped if the encoding ever changes, so old and new tokens never collide.
const ENCODING_VERSION: &[u8] = b"terraform-provider-proton/client-token/v1";

/// Returns the lowercase hex SHA-256 (64 characters, within Proton's `^[!-~]*$`, ≤ 64) of
/// a canonical encoding of `input` (its own `client_token` field excluded) and `nonce`.
pub fn client_token(kind: TemplateKind, input: &CreateVersionInput, nonce: &str) -> String {
    // Every field is named, so a new one cannot be left out of the token unnoticed.
    let CreateVersionInput {
        template_name,
        major_version,
        description,
        source_bucket,
        source_key,
        tags,
        compatible_environment_templates,
        supported_component_sources,
        client_token: _,
    } = input;
    let mut encoder = Encoder::default();
    encoder.bytes(ENCODING_VERSION);
    encoder.str(kind.arn_resource_type());
    encoder.str(template_name);
    encoder.opt(major_version.as_deref());
    encoder.str(source_bucket);
    encoder.str(source_key);
    encoder.opt(description.as_deref());

    // BTreeMap iterates in key order already.
    encoder.count(tags.len());
    for (key, value) in tags {
        encoder.str(key);
        encoder.str(value);
    }

    let mut compatible: Vec<_> = compatible_environment_templates.iter().collect();
    compatible.sort();
    compatible.dedup();
    encoder.count(compatible.len());
    for template in compatible {
        encoder.str(&template.template_name);
        encoder.str(&template.major_version);
    }

    let mut sources: Vec<&str> = supported_component_sources
        .iter()
        .map(String::as_str)
        .collect();
    sources.sort_unstable();
    sources.dedup();
    encoder.count(sources.len());
    for source in sources {
        encoder.str(source);
    }

    encoder.str(nonce);
    hex::encode(encoder.hasher.finalize())
}

#[derive(Default)]
struct Encoder {
    hasher: Sha256,
}

impl Encoder {
    fn bytes(&mut self, b: &[u8]) {
        self.count(b.len());
        self.hasher.update(b);
    }

    fn str(&mut self, s: &str) {
        self.hasher.update([b's']);
        self.bytes(s.as_bytes());
    }

    /// `None` and `Some("")` encode differently.
    fn opt(&mut self, s: Option<&str>) {
        match s {
            None => self.hasher.update([b'n']),
            Some(s) => self.str(s),
        }
    }

    fn count(&mut self, n: usize) {
        self.hasher.update((n as u64).to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use std::collections::HashSet;

    use super::*;
    use crate::proton::model::CompatibleEnvironmentTemplate;
    use crate::proton::test_support::create_input;

    fn input() -> CreateVersionInput {
        CreateVersionInput {
            compatible_environment_templates: vec![
                CompatibleEnvironmentTemplate {
                    template_name: "env-a".into(),
                    major_version: "1".into(),
                },
                CompatibleEnvironmentTemplate {
                    template_name: "env-b".into(),
                    major_version: "2".into(),
                },
            ],
            supported_component_sources: vec!["DIRECTLY_DEFINED".into()],
            ..create_input()
        }
    }

    #[test]
    fn is_deterministic_and_well_formed() {
        let a = client_token(TemplateKind::Service, &input(), "");
        let b = client_token(TemplateKind::Service, &input(), "");
        assert_eq!(a, b);
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|c| (b'!'..=b'~').contains(&c)));
    }

    #[test]
    fn ignores_the_input_token_field_and_set_order() {
        let base = client_token(TemplateKind::Service, &input(), "");
        let mut other = input();
        other.client_token = "whatever".into();
        other.compatible_environment_templates.reverse();
        other
            .supported_component_sources
            .push("DIRECTLY_DEFINED".into());
        assert_eq!(client_token(TemplateKind::Service, &other, ""), base);
    }

    #[test]
    fn changes_with_every_input() {
        // A new field fails to compile here: give it an edit below.
        let CreateVersionInput {
            template_name: _,
            major_version: _,
            description: _,
            source_bucket: _,
            source_key: _,
            tags: _,
            compatible_environment_templates: _,
            supported_component_sources: _,
            client_token: _, // not hashed: `ignores_the_input_token_field_and_set_order`
        } = input();
        type Edit = fn(&mut CreateVersionInput);
        let edits: [(&str, Edit); 13] = [
            ("template", |i| i.template_name = "web2".into()),
            ("major none", |i| i.major_version = None),
            ("major", |i| i.major_version = Some("2".into())),
            ("bucket", |i| i.source_bucket = "bundles2".into()),
            ("key", |i| i.source_key = "other.tar.gz".into()),
            ("description none", |i| i.description = None),
            ("description empty", |i| i.description = Some(String::new())),
            ("tag value", |i| {
                i.tags.insert("team".into(), "b".into());
            }),
            ("tag added", |i| {
                i.tags.insert("env".into(), "prod".into());
            }),
            ("compatible", |i| {
                i.compatible_environment_templates[0].major_version = "3".into()
            }),
            ("compatible removed", |i| {
                i.compatible_environment_templates.pop();
            }),
            ("sources", |i| i.supported_component_sources.clear()),
            // Field boundaries matter: moving a character between fields changes the token.
            ("boundary", |i| {
                i.source_bucket = "bundlesw".into();
                i.source_key = "eb.tar.gz".into();
            }),
        ];
        let mut seen = HashSet::new();
        let base = client_token(TemplateKind::Service, &input(), "");
        seen.insert(base.clone());
        for (label, edit) in edits {
            let mut changed = input();
            edit(&mut changed);
            let token = client_token(TemplateKind::Service, &changed, "");
            assert!(seen.insert(token), "{label} did not change the token");
        }
        assert!(seen.insert(client_token(TemplateKind::Environment, &input(), "")));
        assert!(seen.insert(client_token(TemplateKind::Service, &input(), "hash-2")));
    }
}
