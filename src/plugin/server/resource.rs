//! The managed resource RPCs: UpgradeResourceState, ReadResource,
//! PlanResourceChange, ApplyResourceChange, ImportResourceState and
//! GenerateResourceConfig, each with the identity its answer carries (none
//! for a type without an identity schema, or for a null resulting state).

use super::{cancellable, ProviderService, ResourceEntry};
use crate::plugin::diag::Diagnostics;
use crate::plugin::identity::{self, PlanKind};
use crate::plugin::lifecycle::{self, Applied, ApplyAction, Refreshed};
use crate::plugin::plan::{plan_change, PlannedChange};
use crate::plugin::proto::tfplugin6 as pb;
use crate::plugin::provider::{DestroyPlan, OpContext};
use crate::plugin::value::Value;
use crate::plugin::wire::{self, decode, encode};

impl ProviderService {
    pub(super) fn upgrade_state(
        &self,
        entry: &ResourceEntry,
        request: pb::upgrade_resource_state::Request,
    ) -> Result<pb::upgrade_resource_state::Response, Diagnostics> {
        let state = lifecycle::upgrade_state(
            &request.type_name,
            request.version,
            wire::stored_state(request.raw_state.as_ref()),
            entry.resource.schema(),
            &entry.ty,
        )?;
        // Terraform substitutes null for a missing upgraded_state, so one is
        // always returned when the state could be read.
        Ok(pb::upgrade_resource_state::Response {
            upgraded_state: Some(encode(&state, &entry.ty)?),
            diagnostics: Vec::new(),
        })
    }

    pub(super) async fn read(
        &self,
        entry: &ResourceEntry,
        request: pb::read_resource::Request,
    ) -> pb::read_resource::Response {
        let keep_current = |diags: Diagnostics| pb::read_resource::Response {
            new_state: request.current_state.clone(),
            diagnostics: wire::diagnostics(diags),
            private: request.private.clone(),
            new_identity: entry.echo_identity(request.current_identity.as_ref()),
            ..Default::default()
        };
        let decoded =
            decode(request.current_state.as_ref(), &entry.ty, "state").and_then(|state| {
                let identity =
                    entry.decode_identity(request.current_identity.as_ref(), "current identity")?;
                Ok((state, identity))
            });
        let (current, current_identity) = match decoded {
            Ok(decoded) => decoded,
            Err(diags) => return keep_current(diags),
        };
        if !lifecycle::needs_refresh(&current) {
            return keep_current(Diagnostics::new());
        }
        let ctx = self.context();
        let outcome = match cancellable(&ctx, "Read", entry.resource.read(&ctx, &current)).await {
            Ok(outcome) => outcome,
            Err(diags) => return keep_current(diags),
        };
        let new_state = match lifecycle::after_read(outcome) {
            Refreshed::State(state) => state,
            Refreshed::KeepCurrent(diags) => return keep_current(diags),
        };
        let mut diags = Diagnostics::new();
        let new_identity = entry.settled_identity(
            "the identity Terraform has stored",
            current_identity.as_ref(),
            &new_state,
            &mut diags,
        );
        if diags.has_errors() {
            return keep_current(diags);
        }
        let encoded = encode(&new_state, &entry.ty)
            .and_then(|state| Ok((state, entry.encode_identity(new_identity.as_ref())?)));
        match encoded {
            Ok((state, new_identity)) => pb::read_resource::Response {
                new_state: Some(state),
                private: request.private,
                new_identity,
                diagnostics: wire::diagnostics(diags),
                ..Default::default()
            },
            Err(diags) => keep_current(diags),
        }
    }

    pub(super) async fn plan(
        &self,
        entry: &ResourceEntry,
        request: pb::plan_resource_change::Request,
    ) -> Result<pb::plan_resource_change::Response, Diagnostics> {
        let prior = decode(request.prior_state.as_ref(), &entry.ty, "prior state")?;
        let proposed = decode(
            request.proposed_new_state.as_ref(),
            &entry.ty,
            "proposed state",
        )?;
        let config = decode(request.config.as_ref(), &entry.ty, "configuration")?;
        let prior_identity =
            entry.decode_identity(request.prior_identity.as_ref(), "prior identity")?;
        let ctx = self.context();
        let change = if proposed.is_null() {
            // Destroy (Terraform 1.3+ asks, as plan_destroy is advertised).
            let looked = entry.resource.plan_destroy(&ctx, &prior);
            let DestroyPlan {
                diagnostics,
                private,
            } = cancellable(&ctx, "PlanResourceChange", looked).await?;
            PlannedChange {
                planned: Value::Null,
                requires_replace: Vec::new(),
                diagnostics,
                private,
            }
        } else {
            let planned = plan_change(entry.resource.as_ref(), &ctx, &prior, &proposed, &config);
            cancellable(&ctx, "PlanResourceChange", planned).await?
        };
        if change.diagnostics.has_errors() {
            return Err(change.diagnostics);
        }
        let kind = if proposed.is_null() {
            PlanKind::Destroy
        } else if prior.is_null() {
            PlanKind::Create
        } else if !change.requires_replace.is_empty() {
            PlanKind::Replace
        } else {
            PlanKind::Update
        };
        let planned_identity = identity::planned(
            &request.type_name,
            kind,
            prior_identity.as_ref(),
            entry.derive_identity(&change.planned),
        )?;
        Ok(pb::plan_resource_change::Response {
            planned_state: Some(encode(&change.planned, &entry.ty)?),
            requires_replace: change
                .requires_replace
                .iter()
                .map(wire::attribute_path)
                .collect(),
            // Private state passes through unless the plan sets its own.
            planned_private: change
                .private
                .unwrap_or_else(|| request.prior_private.clone()),
            planned_identity: entry.encode_identity(planned_identity.as_ref())?,
            diagnostics: wire::diagnostics(change.diagnostics),
            ..Default::default()
        })
    }

    pub(super) async fn apply(
        &self,
        entry: &ResourceEntry,
        request: pb::apply_resource_change::Request,
    ) -> pb::apply_resource_change::Response {
        let decoded = (|| {
            Ok::<_, Diagnostics>((
                decode(request.prior_state.as_ref(), &entry.ty, "prior state")?,
                decode(request.planned_state.as_ref(), &entry.ty, "planned state")?,
                decode(request.config.as_ref(), &entry.ty, "configuration")?,
                entry.decode_identity(request.planned_identity.as_ref(), "planned identity")?,
            ))
        })();
        let (prior, planned, config, planned_identity) = match decoded {
            Ok(values) => values,
            // Nothing was done: hand the prior state back.
            Err(diags) => {
                return pb::apply_resource_change::Response {
                    new_state: request.prior_state,
                    private: request.planned_private,
                    new_identity: entry.echo_identity(request.planned_identity.as_ref()),
                    diagnostics: wire::diagnostics(diags),
                    ..Default::default()
                }
            }
        };
        let ctx = OpContext {
            private: request.planned_private.clone(),
            ..self.context()
        };
        let resource = entry.resource.as_ref();
        let Applied {
            state,
            mut diagnostics,
        } = match lifecycle::apply_action(&prior, &planned) {
            ApplyAction::Delete => {
                let diags = resource.delete(&ctx, &prior).await;
                lifecycle::after_delete(prior.clone(), diags)
            }
            ApplyAction::Create => {
                let outcome = resource.create(&ctx, &planned, &config).await;
                lifecycle::after_create(&planned, outcome)
            }
            ApplyAction::Update => {
                let outcome = resource.update(&ctx, &prior, &planned, &config).await;
                lifecycle::after_update(prior.clone(), &planned, outcome)
            }
        };
        let (new_state, kept) = match encode(&state, &entry.ty) {
            Ok(encoded) => (Some(encoded), &state),
            Err(encode_diags) => {
                diagnostics.extend(encode_diags);
                (request.prior_state, &prior)
            }
        };
        let new_identity = entry.settled_identity(
            "the planned identity",
            planned_identity.as_ref(),
            kept,
            &mut diagnostics,
        );
        let new_identity =
            entry
                .encode_identity(new_identity.as_ref())
                .unwrap_or_else(|encode_diags| {
                    diagnostics.extend(encode_diags);
                    None
                });
        pb::apply_resource_change::Response {
            new_state,
            private: request.planned_private,
            new_identity,
            diagnostics: wire::diagnostics(diagnostics),
            ..Default::default()
        }
    }

    pub(super) async fn import(
        &self,
        entry: &ResourceEntry,
        request: pb::import_resource_state::Request,
    ) -> Result<pb::import_resource_state::Response, Diagnostics> {
        let type_name = request.type_name.as_str();
        let requested = match (&request.identity, &entry.identity_ty) {
            (
                Some(pb::ResourceIdentityData {
                    identity_data: Some(_),
                }),
                None,
            ) => {
                return Err(Diagnostics::from_error(
                    "Import by identity not supported",
                    format!("{type_name} has no identity schema; import it by id."),
                ))
            }
            _ => entry.decode_identity(request.identity.as_ref(), "import identity")?,
        };
        let ctx = self.context();
        let states = match (&requested, entry.resource.identity_schema()) {
            (Some(identity), Some(schema)) => {
                let missing = schema.missing_for_import(identity);
                if !missing.is_empty() {
                    return Err(Diagnostics::from_error(
                        "Missing required identity attribute",
                        format!(
                            "Importing {type_name} by identity requires {}.",
                            missing.join(", ")
                        ),
                    ));
                }
                let work = entry.resource.import_identity(&ctx, identity);
                cancellable(&ctx, "Import", work).await??
            }
            _ => cancellable(&ctx, "Import", entry.resource.import(&ctx, &request.id)).await??,
        };
        let mut diags = Diagnostics::new();
        let imported_resources = lifecycle::imported_objects(type_name, states)
            .into_iter()
            .map(|object| {
                let identity = match &requested {
                    // An identity import must answer with an identity.
                    Some(_) => entry.settled_identity(
                        "the import block's identity",
                        requested.as_ref(),
                        &object.state,
                        &mut diags,
                    ),
                    // By id, Read completes what the stub cannot tell.
                    None => entry
                        .derive_identity(&object.state)
                        .filter(Value::is_wholly_known),
                };
                Ok(pb::import_resource_state::ImportedResource {
                    type_name: object.type_name,
                    state: Some(encode(&object.state, &entry.ty)?),
                    identity: entry.encode_identity(identity.as_ref())?,
                    ..Default::default()
                })
            })
            .collect::<Result<Vec<_>, Diagnostics>>()?;
        if diags.has_errors() {
            return Err(diags);
        }
        Ok(pb::import_resource_state::Response {
            imported_resources,
            ..Default::default()
        })
    }

    pub(super) fn generate_config(
        &self,
        entry: &ResourceEntry,
        request: pb::generate_resource_config::Request,
    ) -> Result<pb::generate_resource_config::Response, Diagnostics> {
        let state = decode(request.state.as_ref(), &entry.ty, "state")?;
        // On `terraform query` a result without a resource object comes
        // as a null state; Terraform's own extraction gives null for it.
        let config = if state.is_null() {
            Value::Null
        } else {
            let generated = entry.resource.generate_config(&state)?;
            entry.resource.schema().block.configurable_only(generated)
        };
        if !config.is_wholly_known() {
            return Err(Diagnostics::from_error(
                "Provider generated an incomplete configuration",
                format!("The configuration generated for this {} has unknown values. This is a bug in the provider.", request.type_name),
            ));
        }
        Ok(pb::generate_resource_config::Response {
            config: Some(encode(&config, &entry.ty)?),
            diagnostics: Vec::new(),
        })
    }
}
