//! The resource-agnostic rules for the identity each response carries
//! (Terraform 1.12+; hashicorp/terraform internal/terraform
//! node_resource_abstract_instance.go and the SDKs' servers):
//!
//! - an identity goes out only for a type with an identity schema and a
//!   non-null resulting state; a destroy carries none;
//! - once Terraform holds an identity, it does not change: a known non-null
//!   attribute Terraform sent wins, and a resource deriving another value is
//!   an error ("Unexpected Identity Change", as the SDKs report it; core
//!   stopped checking in 1.12.0). Null attributes Terraform sent are filled
//!   in from the resource, so imports and pre-1.12 states complete;
//! - read, apply and import identities must be wholly known; a create or
//!   replace plan may leave parts unknown; an update plan that cannot give a
//!   known identity gives none, which Terraform accepts;
//! - a stored identity is read at any version up to the schema's, dropping
//!   attributes the schema no longer has; an empty one stays absent, as
//!   both SDKs answer.
//!
//! Terraform older than 1.12 sends no identity and ignores the ones we send,
//! so nothing here may depend on receiving one. Pure functions over values;
//! never protobuf.

use std::collections::BTreeSet;

use super::codec;
use super::diag::Diagnostics;
use super::lifecycle::{self, StoredState};
use super::schema::IdentitySchema;
use super::value::{Type, Value};

/// The instance's identity from what Terraform `sent` (its stored, planned
/// or requested identity, `what` naming it in the error) and what the
/// resource `derived` from the resulting state.
pub fn settle(
    type_name: &str,
    what: &str,
    sent: Option<&Value>,
    derived: Option<Value>,
) -> Result<Option<Value>, Diagnostics> {
    let Some(Value::Object(sent)) = sent else {
        return Ok(derived);
    };
    let Some(Value::Object(derived)) = derived else {
        return Ok(Some(Value::Object(sent.clone())));
    };
    let mut changed = BTreeSet::new();
    let names: BTreeSet<&String> = sent.keys().chain(derived.keys()).collect();
    let settled = names
        .into_iter()
        .map(|name| {
            let held = sent.get(name).unwrap_or(&Value::Null);
            let found = derived.get(name).unwrap_or(&Value::Null);
            let fixed = !held.is_null() && held.is_wholly_known();
            if !fixed {
                return (name.clone(), found.clone());
            }
            if !found.is_null() && found.is_wholly_known() && found != held {
                changed.insert(name.as_str());
            }
            (name.clone(), held.clone())
        })
        .collect();
    if !changed.is_empty() {
        let names: Vec<&str> = changed.into_iter().collect();
        return Err(Diagnostics::from_error(
            "Unexpected Identity Change",
            format!(
                "The provider derived an identity for this {type_name} whose {} differ from {what}. The identity of a remote object must not change during its lifecycle; this is a bug in the provider.",
                names.join(", ")
            ),
        ));
    }
    Ok(Some(Value::Object(settled)))
}

/// An identity for a read, apply or import response, refused when partly
/// unknown (Terraform would reject it).
pub fn known(type_name: &str, identity: Option<Value>) -> Result<Option<Value>, Diagnostics> {
    match identity {
        Some(identity) if !identity.is_wholly_known() => Err(Diagnostics::from_error(
            "Provider produced invalid identity",
            format!("The identity of this {type_name} still has unknown values. This is a bug in the provider."),
        )),
        identity => Ok(identity),
    }
}

/// What a PlanResourceChange plans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanKind {
    /// No prior object, including the second call of a replacement.
    Create,
    /// A replace-forcing change of a prior object.
    Replace,
    /// An in-place change or a no-op.
    Update,
    /// A null proposed state.
    Destroy,
}

/// The planned identity. On create and replace the identity is the new
/// object's and may be unknown; on update it is the prior one.
pub fn planned(
    type_name: &str,
    kind: PlanKind,
    prior: Option<&Value>,
    derived: Option<Value>,
) -> Result<Option<Value>, Diagnostics> {
    match kind {
        PlanKind::Destroy => Ok(None),
        PlanKind::Create | PlanKind::Replace => Ok(derived),
        PlanKind::Update => {
            let settled = settle(type_name, "the identity Terraform holds", prior, derived)?;
            Ok(settled.filter(Value::is_wholly_known))
        }
    }
}

/// Reads an identity stored at `version` with the current identity schema;
/// `None` when nothing (or null) is stored.
pub fn upgrade(
    type_name: &str,
    version: i64,
    stored: StoredState<'_>,
    schema: &IdentitySchema,
    ty: &Type,
) -> Result<Option<Value>, Diagnostics> {
    lifecycle::not_newer(
        "identity",
        "identity schema",
        type_name,
        version,
        schema.version,
    )?;
    let json =
        match stored {
            StoredState::Json(json) => json,
            StoredState::Absent => return Ok(None),
            StoredState::Flatmap => return Err(Diagnostics::from_error(
                "Unsupported legacy identity",
                "Terraform stores identities as JSON only; this one arrived in the flatmap format.",
            )),
        };
    let unreadable =
        |detail: String| Diagnostics::from_error("Unreadable resource identity", detail);
    let mut parsed: serde_json::Value = serde_json::from_slice(json)
        .map_err(|err| unreadable(format!("The stored identity is not valid JSON: {err}.")))?;
    if let serde_json::Value::Object(map) = &mut parsed {
        map.retain(|key, _| schema.attributes.iter().any(|a| &a.name == key));
    }
    let cleaned = serde_json::to_vec(&parsed).map_err(|err| unreadable(err.to_string()))?;
    let identity = codec::decode_json(&cleaned, ty)
        .map_err(|err| Diagnostics::from_codec_error("Unreadable resource identity", &err))?;
    Ok((!identity.is_null()).then_some(identity))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::plugin::schema::IdentityAttribute;

    fn id(name: Value, region: Value) -> Value {
        Value::object([("name", name), ("region", region)])
    }

    fn s(text: &str) -> Value {
        Value::string(text)
    }

    #[test]
    fn without_a_sent_identity_the_derived_one_stands() {
        let derived = id(s("a"), s("r"));
        assert_eq!(
            settle("t", "x", None, Some(derived.clone())).unwrap(),
            Some(derived)
        );
        assert_eq!(settle("t", "x", None, None).unwrap(), None);
    }

    #[test]
    fn a_sent_identity_is_kept_when_the_resource_derives_none() {
        let sent = id(s("a"), s("r"));
        assert_eq!(settle("t", "x", Some(&sent), None).unwrap(), Some(sent));
    }

    #[test]
    fn null_attributes_sent_are_filled_in_and_known_ones_win() {
        let sent = id(s("a"), Value::Null);
        let derived = id(Value::Unknown, s("r"));
        assert_eq!(
            settle("t", "x", Some(&sent), Some(derived)).unwrap(),
            Some(id(s("a"), s("r")))
        );
    }

    #[test]
    fn a_changed_known_attribute_is_an_error_naming_it() {
        let sent = id(s("a"), s("r"));
        let diags =
            settle("t", "the stored one", Some(&sent), Some(id(s("b"), s("r")))).unwrap_err();
        assert_eq!(diags.0[0].summary, "Unexpected Identity Change");
        assert!(diags.0[0]
            .detail
            .contains("name differ from the stored one"));
        assert!(!diags.0[0].detail.contains("region"));
    }

    #[test]
    fn read_apply_and_import_identities_must_be_known() {
        assert!(known("t", Some(id(s("a"), Value::Unknown))).is_err());
        assert_eq!(known("t", None).unwrap(), None);
        let whole = id(s("a"), Value::Null);
        assert_eq!(known("t", Some(whole.clone())).unwrap(), Some(whole));
    }

    #[test]
    fn plans_keep_the_prior_identity_on_update_only() {
        let prior = id(s("a"), s("r"));
        let renamed = id(s("b"), Value::Unknown);
        assert_eq!(
            planned("t", PlanKind::Replace, Some(&prior), Some(renamed.clone())).unwrap(),
            Some(renamed.clone())
        );
        assert_eq!(
            planned("t", PlanKind::Create, Some(&prior), Some(renamed.clone())).unwrap(),
            Some(renamed.clone())
        );
        assert!(planned("t", PlanKind::Update, Some(&prior), Some(renamed)).is_err());
        assert_eq!(
            planned(
                "t",
                PlanKind::Update,
                Some(&prior),
                Some(id(Value::Unknown, s("r")))
            )
            .unwrap(),
            Some(prior.clone())
        );
        assert_eq!(
            planned("t", PlanKind::Destroy, Some(&prior), Some(prior.clone())).unwrap(),
            None
        );
    }

    #[test]
    fn an_update_plan_without_a_known_identity_plans_none() {
        let partly_unknown = id(s("a"), Value::Unknown);
        assert_eq!(
            planned("t", PlanKind::Update, None, Some(partly_unknown)).unwrap(),
            None
        );
    }

    fn schema(version: i64) -> IdentitySchema {
        let mut schema = IdentitySchema::new(vec![
            IdentityAttribute::required_for_import("name", Type::String, "n"),
            IdentityAttribute::optional_for_import("region", Type::String, "r"),
        ]);
        schema.version = version;
        schema
    }

    #[test]
    fn upgrade_reads_json_dropping_removed_attributes() {
        let schema = schema(1);
        let ty = schema.implied_type();
        let json = br#"{"name":"a","gone":"x"}"#;
        let identity = upgrade("t", 0, StoredState::Json(json), &schema, &ty).unwrap();
        assert_eq!(identity, Some(id(s("a"), Value::Null)));
    }

    #[test]
    fn upgrade_of_nothing_is_nothing_and_bad_input_is_refused() {
        let schema = schema(0);
        let ty = schema.implied_type();
        let upgraded = |version, stored| upgrade("t", version, stored, &schema, &ty);
        assert_eq!(upgraded(0, StoredState::Absent).unwrap(), None);
        assert_eq!(upgraded(0, StoredState::Json(b"null")).unwrap(), None);
        let summary =
            |result: Result<Option<Value>, Diagnostics>| result.unwrap_err().0[0].summary.clone();
        assert_eq!(
            summary(upgraded(1, StoredState::Absent)),
            "Resource identity from a newer provider"
        );
        assert_eq!(
            summary(upgraded(0, StoredState::Json(b"{"))),
            "Unreadable resource identity"
        );
        assert_eq!(
            summary(upgraded(0, StoredState::Json(br#"{"name":[1]}"#))),
            "Unreadable resource identity"
        );
        assert_eq!(
            summary(upgraded(0, StoredState::Flatmap)),
            "Unsupported legacy identity"
        );
    }
}
