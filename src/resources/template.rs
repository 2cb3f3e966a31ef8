//! The template resource of either family (`proton_environment_template`,
//! `proton_service_template`), the parents of versions: one implementation
//! parameterised by [`TemplateKind`], its names from [`KindSpec`].
//!
//! Design notes:
//! - Proton's Update takes only `description` and `displayName`, so those
//!   (and tags) update in place; `name`, `encryption_key` and
//!   `provisioning` / `pipeline_provisioning` force replacement.
//! - Proton's display name is 1..100 characters and cannot be cleared.
//!   Removing `display_name` from the configuration of a template that has one
//!   is a plan-time error saying so, rather than a silent replacement (which
//!   would fail anyway while the template has versions) or a silent no-op.
//! - `recommended_version` moves when a version is published, which happens
//!   in other resources (or outside Terraform), never in this one's apply. It
//!   is therefore read-only from refresh: a no-op plan keeps the refreshed
//!   value, an in-place update plans it unknown and records what Proton
//!   reports. It never makes a diff of its own. To use the recommended
//!   version after publishing in the same configuration, read the
//!   `proton_*_template_version` data source, which depends on the versions.
//! - Proton refuses to delete a template that still has versions; the error
//!   lists them so the user knows what to destroy first.

use std::collections::BTreeMap;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::plugin::diag::Diagnostics;
use crate::plugin::model::Fields;
use crate::plugin::provider::{ApplyOutcome, OpContext, ReadOutcome, Resource, ResourcePlan};
use crate::plugin::schema::{timeout_from, timeouts_block, validate_value, Validator};
use crate::plugin::value::{AttributePath, Value};
use crate::proton::delete::{delete_template, TemplateDeleteError};
use crate::proton::model::ArnScope;
use crate::proton::{bounded, ProtonClient};
use crate::proton::{
    CreateTemplateInput, ProtonError, Template, TemplateKind, TemplateVersionSummary,
    UpdateTemplateInput,
};
use crate::resources::attrs::keep_planned;
use crate::resources::import_scope::{refuse_foreign_account, refuse_foreign_region};
use crate::resources::kind::{family_type, identity_hooks, type_name_and_schema, KindSpec, Stubs};
use crate::resources::model::TemplateModel;
use crate::resources::tags;
use crate::resources::validators::template_name_validators;
use crate::{field, field_name};

const CREATE_TIMEOUT: Duration = Duration::from_secs(5 * 60);
const UPDATE_TIMEOUT: Duration = Duration::from_secs(5 * 60);
const DELETE_TIMEOUT: Duration = Duration::from_secs(5 * 60);
const READ_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// Proton allows 50 user tags on a template.
pub const MAX_TEMPLATE_TAGS: usize = 50;

/// The only provisioning value Proton accepts.
pub const PROVISIONING_VALUES: &[&str] = &["CUSTOMER_MANAGED"];

/// Proton's `Arn` shape, for `encryption_key`.
pub fn arn_validators() -> [Validator; 2] {
    [
        Validator::Length { min: 1, max: 200 },
        Validator::pattern(
            "^arn:(aws|aws-cn|aws-us-gov):[a-zA-Z0-9-]+:[a-zA-Z0-9-]*:\\d{12}:([\\w+=,.@-]+[/:])*[\\w+=,.@-]+$",
            "must be an ARN such as `arn:aws:kms:us-east-1:123456789012:key/EXAMPLE`",
        ),
    ]
}

/// `an environment template` / `a service template`.
pub fn with_article(kind: TemplateKind) -> String {
    format!("{} {}", kind.article(), kind.noun())
}

fn provisioning_description(kind: TemplateKind) -> &'static str {
    match kind {
        TemplateKind::Environment => "`CUSTOMER_MANAGED` for environments whose infrastructure is provisioned outside Proton (such templates have no `infrastructure/` in their bundles). Omitted: Proton provisions. A change forces a new template.",
        TemplateKind::Service => "`CUSTOMER_MANAGED` for services whose pipeline is provisioned outside Proton (such templates have no pipeline in their bundles). Omitted: Proton provisions the pipeline. A change forces a new template.",
    }
}

/// The attributes of the template resource of `spec`'s family: its schema
/// and its typed model's fields.
pub(crate) fn fields(spec: &KindSpec) -> Fields<TemplateModel> {
    let noun = spec.noun();
    Fields::new([
        field!(TemplateModel, arn).computed(&format!("ARN of the {noun}.")).use_state_for_unknown(),
        field!(TemplateModel, created_at).computed(&format!("When the {noun} was created (RFC 3339).")).use_state_for_unknown(),
        field!(TemplateModel, description).optional("Description, at most 500 characters. Updated in place.")
            .validate(Validator::Length { min: 0, max: 500 }),
        field!(TemplateModel, display_name).optional(
            "Name shown in the Proton console, 1 to 100 characters. Updated in place. Proton cannot remove a display name: once set, removing it from the configuration is a plan-time error (change it instead, or recreate the template).",
        )
        .validate(Validator::Length { min: 1, max: 100 }),
        field!(TemplateModel, encryption_key).optional(
            "ARN of the customer managed KMS key that encrypts the template's data. A change forces a new template.",
        )
        .requires_replace()
        .validate_all(arn_validators()),
        field!(TemplateModel, id).computed("The template name.").use_state_for_unknown(),
        field!(TemplateModel, last_modified_at).computed(&format!("When the {noun} was last modified (RFC 3339).")),
        field!(TemplateModel, name).required(&format!("Name of the {noun}: letters, digits, `_` and `-`, 1 to 100 characters. A change forces a new template."))
            .requires_replace()
            .validate_all(template_name_validators()),
        field!(TemplateModel, provisioning).named(spec.provisioning_attribute).optional(provisioning_description(spec.kind))
            .requires_replace()
            .validate(Validator::OneOf(PROVISIONING_VALUES)),
        field!(TemplateModel, recommended_version).computed(
            "`MAJOR.MINOR` of the recommended (highest published) version, once one is published; null before. Read when Terraform refreshes: versions published by other resources in the same apply show up on the next plan. To use the recommended version in the same apply, read the template version data source.",
        ),
        field!(TemplateModel, tags).attribute(tags::tags_attribute("template", MAX_TEMPLATE_TAGS)),
        field!(TemplateModel, tags_all).attribute(tags::tags_all_attribute("template")),
        field!(TemplateModel, timeouts).block(|_| timeouts_block(&[("create", "5m"), ("update", "5m"), ("delete", "5m")])),
    ])
}

family_type! {
    /// A template resource of one family.
    pub struct TemplateResource(TemplateModel) = fields,
        "An AWS Proton {noun}: the named parent of template versions. Destroying it requires that it has no versions left.";
}

/// The state for `template`, taking what Proton cannot report (an empty
/// description as written, timeouts, tags as written) from `base`.
fn state_from(
    template: &Template,
    base: &TemplateModel,
    tags: Option<BTreeMap<String, String>>,
    tags_all: BTreeMap<String, String>,
) -> TemplateModel {
    let mut state = TemplateModel::from(template);
    // Proton reports an empty description as none; keep the user's "".
    if state.description.is_none() && base.description.as_deref() == Some("") {
        state.description = Some(String::new());
    }
    TemplateModel {
        tags,
        tags_all,
        timeouts: base.timeouts.clone(),
        ..state
    }
}

/// The template `name` as Proton has it now, as the state built on `base`
/// (which keeps what Proton cannot report); `None` when it does not exist.
/// Shared with the list resource, which reads each template it lists.
pub(crate) async fn current(
    client: &ProtonClient,
    kind: TemplateKind,
    name: &str,
    base: &TemplateModel,
    defaults: &BTreeMap<String, String>,
    cancel: &CancellationToken,
) -> Result<Option<TemplateModel>, ProtonError> {
    let found = bounded(client, "GetTemplate", READ_TIMEOUT, cancel, async {
        let Some(template) = client.find_template(kind, name).await? else {
            return Ok(None);
        };
        let tags = client.list_tags(&template.arn).await?;
        Ok(Some((template, tags)))
    });
    let Some((template, remote_tags)) = found.await? else {
        return Ok(None);
    };
    let own_tags = tags::resource_tags(base.tags.as_ref(), &remote_tags, defaults);
    Ok(Some(state_from(&template, base, own_tags, remote_tags)))
}

/// The diagnostic for a failed Proton call.
fn api_error(action: &str, kind: TemplateKind, err: &dyn std::fmt::Display) -> Diagnostics {
    Diagnostics::from_error(
        format!("Unable to {action} {}", kind.noun()),
        err.to_string(),
    )
}

/// The template name an import id names: the name itself or the template's
/// ARN (`arn:aws:proton:REGION:ACCOUNT:environment-template/NAME`).
pub fn parse_import_id(kind: TemplateKind, id: &str) -> Result<String, String> {
    let expected = format!(
        "expected the template name (for example `my-template`) or its ARN (for example `arn:aws:proton:us-east-1:123456789012:{}/my-template`)",
        kind.arn_resource_type()
    );
    let name = if id.starts_with("arn:") {
        let parts: Vec<&str> = id.splitn(6, ':').collect();
        let [_, _, service, _, _, resource] = parts.as_slice() else {
            return Err(format!("`{id}` is not a valid ARN; {expected}"));
        };
        if *service != "proton" {
            return Err(format!("`{id}` is not a Proton ARN; {expected}"));
        }
        let Some((resource_type, name)) = resource.split_once('/') else {
            return Err(format!("`{id}` is not a template ARN; {expected}"));
        };
        if resource_type != kind.arn_resource_type() {
            return Err(format!(
                "`{id}` is not the ARN of {} (its ARN would contain `:{}/`)",
                with_article(kind),
                kind.arn_resource_type()
            ));
        }
        if name.contains(':') {
            return Err(format!(
                "`{id}` is the ARN of a template version, not of a template; import it as a {}_version",
                KindSpec::of(kind).template_type
            ));
        }
        name.to_string()
    } else {
        id.to_string()
    };
    let mut diags = Diagnostics::new();
    validate_value(
        &Value::string(&name),
        &template_name_validators(),
        &AttributePath::root(),
        &mut diags,
    );
    if diags.has_errors() {
        return Err(format!(
            "`{name}` is not a valid template name (letters, digits, `_` and `-`, 1 to 100 characters); {expected}"
        ));
    }
    Ok(name)
}

/// `1.0 (PUBLISHED), 1.1 (DRAFT)`.
pub fn describe_versions(versions: &[TemplateVersionSummary]) -> String {
    versions
        .iter()
        .map(|v| format!("{}.{} ({})", v.major_version, v.minor_version, v.status))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why a template could not be deleted: it still has `versions`.
fn has_versions_error(
    kind: TemplateKind,
    name: &str,
    versions: &[TemplateVersionSummary],
    err: &ProtonError,
) -> Diagnostics {
    let noun = kind.noun();
    let count = versions.len();
    let plural = if count == 1 { "" } else { "s" };
    Diagnostics::from_error(
        format!("Unable to delete {noun}: it still has versions"),
        format!(
            "The {noun} `{name}` still has {count} version{plural}: {}, and nothing else in this run deletes them. Proton deletes a template only after all of its versions are gone.\n\nIf those versions are managed in this configuration with `template_name = {}.<label>.name`, Terraform is replacing the template without replacing them (the name stays the same): add `lifecycle {{ replace_triggered_by = [{}.<label>] }}` to each of them (Terraform 1.2 and later; with older versions, apply once with `-replace=ADDRESS` for each of them), so that Terraform replaces them with the template. Versions created outside Terraform must be deleted there. Then apply again.\n\n{err}",
            describe_versions(versions),
            KindSpec::of(kind).template_type,
            KindSpec::of(kind).template_type,
        ),
    )
}

#[async_trait::async_trait]
impl Resource for TemplateResource {
    type_name_and_schema!(template_type);

    fn modify_plan(&self, plan: &mut ResourcePlan<'_>) {
        let noun = self.spec.noun();
        tags::plan_tags_all(
            plan,
            &self.provider.default_tags(),
            MAX_TEMPLATE_TAGS,
            noun,
            "",
        );
        if plan.is_create() {
            return;
        }
        let prior = self.fields.read(plan.prior);
        let display_name = field_name!(TemplateModel, display_name);
        // A replacement creates a template without one: nothing to refuse.
        if let (Some(current), true) = (
            prior.display_name,
            plan.get(display_name).is_null() && plan.requires_replace.is_empty(),
        ) {
            plan.diagnostics.attribute_error(
                AttributePath::attr(display_name),
                "Cannot remove a display name",
                format!(
                    "This {noun} has the display name {current:?}, and Proton cannot remove a template's display name, only change it. Keep `display_name` in the configuration (for example `display_name = {current:?}`), or, to have no display name, recreate the template: destroy it (and its versions) and apply again.",
                ),
            );
        }
        if &plan.planned != plan.prior && plan.requires_replace.is_empty() {
            // An update moves the modification time. The recommended version
            // moves only when a version is published, never by a template
            // update: keep what the refresh found.
            plan.set(field_name!(TemplateModel, last_modified_at), Value::Unknown);
            let recommended = prior.recommended_version.map_or(Value::Null, Value::string);
            plan.set(field_name!(TemplateModel, recommended_version), recommended);
        }
    }

    async fn create(&self, ctx: &OpContext, planned: &Value, _config: &Value) -> ApplyOutcome {
        let kind = self.spec.kind;
        let configured = match self.configured() {
            Ok(configured) => configured,
            Err(diags) => return ApplyOutcome::failed(None, diags),
        };
        let timeout = timeout_from(planned, "create", CREATE_TIMEOUT);
        let planned = self.fields.read(planned);
        let input = CreateTemplateInput {
            name: planned.name.clone(),
            display_name: planned.display_name.clone(),
            description: planned.description.clone(),
            encryption_key: planned.encryption_key.clone(),
            provisioning: planned.provisioning.clone(),
            tags: planned.tags_all.clone(),
        };
        // Proton's template create is idempotent for an identical retry, so
        // an interrupted apply converges on the next one.
        match bounded(
            &configured.client,
            "CreateTemplate",
            timeout,
            &ctx.cancel,
            configured.client.create_template(kind, &input),
        )
        .await
        {
            Ok(template) => {
                let state = state_from(&template, &planned, planned.tags.clone(), input.tags);
                ApplyOutcome::ok(self.fields.write(&state))
            }
            Err(err) if err.is_already_exists() => {
                // Typically a template made outside Terraform, or state that was lost.
                let detail = format!(
                    "{err}\n\nThe {noun} `{name}` exists but is not in this Terraform state. To manage it here, import it: terraform import {ty}.LABEL {name}",
                    noun = kind.noun(),
                    name = input.name,
                    ty = self.spec.template_type,
                );
                ApplyOutcome::failed(None, api_error("create", kind, &detail))
            }
            Err(err) => ApplyOutcome::failed(None, api_error("create", kind, &err)),
        }
    }

    async fn read(&self, ctx: &OpContext, state: &Value) -> ReadOutcome {
        let kind = self.spec.kind;
        let configured = match self.configured() {
            Ok(configured) => configured,
            Err(diags) => return ReadOutcome::Failed(diags),
        };
        let client = &configured.client;
        let base = self.fields.read(state);
        let name = base.id.as_deref().unwrap_or(&base.name);
        if name.is_empty() {
            return ReadOutcome::Failed(Diagnostics::from_error(
                format!("Invalid {} state", kind.noun()),
                "The state has no `id`. This is a bug in the provider.",
            ));
        }
        let defaults = &configured.default_tags;
        match current(client, kind, name, &base, defaults, &ctx.cancel).await {
            Ok(Some(state)) => ReadOutcome::Found(self.fields.write(&state)),
            Ok(None) => {
                tracing::warn!(
                    template = name,
                    "template not found; removing it from state"
                );
                ReadOutcome::Gone
            }
            Err(err) => ReadOutcome::Failed(api_error("read", kind, &err)),
        }
    }

    async fn update(
        &self,
        ctx: &OpContext,
        prior: &Value,
        planned: &Value,
        _config: &Value,
    ) -> ApplyOutcome {
        let kind = self.spec.kind;
        let configured = match self.configured() {
            Ok(configured) => configured,
            Err(diags) => return ApplyOutcome::failed(None, diags),
        };
        let client = &configured.client;
        let timeout = timeout_from(planned, "update", UPDATE_TIMEOUT);
        let planned_value = planned;
        let (prior, planned) = (self.fields.read(prior), self.fields.read(planned));
        let name = prior.id.clone().unwrap_or_default();
        let result = bounded(client, "UpdateTemplate", timeout, &ctx.cancel, async {
            let mut input = UpdateTemplateInput::default();
            if planned.display_name != prior.display_name {
                // Removal is refused at plan time; only a new value gets here.
                input.display_name = planned.display_name.clone();
            }
            if planned.description != prior.description {
                input.description = Some(planned.description.clone());
            }
            let mut template = if input == UpdateTemplateInput::default() {
                client.get_template(kind, &name).await?
            } else {
                client.update_template(kind, &name, &input).await?
            };
            if tags::update_remote(client, &template.arn, &prior.tags_all, &planned.tags_all)
                .await?
            {
                template = client.get_template(kind, &name).await?;
            }
            Ok(template)
        })
        .await;
        match result {
            Ok(template) => {
                let state = state_from(
                    &template,
                    &planned,
                    planned.tags.clone(),
                    planned.tags_all.clone(),
                );
                let mut state = self.fields.write(&state);
                // As planned: a version published meanwhile (by a sibling
                // resource in this apply) shows on the next refresh instead
                // of making this result inconsistent with the plan.
                keep_planned(
                    &mut state,
                    planned_value,
                    &[field_name!(TemplateModel, recommended_version)],
                );
                ApplyOutcome::ok(state)
            }
            Err(err) => ApplyOutcome::failed(None, api_error("update", kind, &err)),
        }
    }

    async fn delete(&self, ctx: &OpContext, prior: &Value) -> Diagnostics {
        let kind = self.spec.kind;
        let configured = match self.configured() {
            Ok(configured) => configured,
            Err(diags) => return diags,
        };
        let timeout = timeout_from(prior, "delete", DELETE_TIMEOUT);
        let name = self.fields.read(prior).id.unwrap_or_default();
        match delete_template(&configured.client, kind, &name, timeout, &ctx.cancel).await {
            Ok(()) => Diagnostics::new(),
            Err(TemplateDeleteError::HasVersions { versions, refusal }) => {
                has_versions_error(kind, &name, &versions, &refusal)
            }
            Err(TemplateDeleteError::Proton(err)) => api_error("delete", kind, &err),
        }
    }

    async fn import(&self, ctx: &OpContext, id: &str) -> Stubs {
        let kind = self.spec.kind;
        let name = parse_import_id(kind, id).map_err(|detail| {
            Diagnostics::from_error(
                format!("Invalid import id for {}", with_article(kind)),
                detail,
            )
        })?;
        if ArnScope::of(id).is_some() {
            let client = &self.configured()?.client;
            refuse_foreign_region(id, client)?;
            // The account shows only in the ARN Proton returns; a missing
            // template is left to the read after import.
            match bounded(
                client,
                "GetTemplate",
                READ_TIMEOUT,
                &ctx.cancel,
                client.find_template(kind, &name),
            )
            .await
            {
                Ok(Some(template)) => refuse_foreign_account(id, &template.arn)?,
                Ok(None) => {}
                Err(err) => return Err(api_error("import", kind, &err)),
            }
        }
        // Unset optional values read as null, like an unset configuration.
        let stub = TemplateModel {
            id: Some(name.clone()),
            name,
            ..TemplateModel::default()
        };
        Ok(vec![self.fields.write(&stub)])
    }

    identity_hooks!();

    /// What a user sets, without empty values Proton reports as none.
    fn generate_config(&self, state: &Value) -> Result<Value, Diagnostics> {
        let state = self.fields.read(state);
        let config = TemplateModel {
            name: state.name,
            description: state.description.filter(|d| !d.is_empty()),
            display_name: state.display_name,
            encryption_key: state.encryption_key,
            provisioning: state.provisioning,
            tags: state.tags.filter(|tags| !tags.is_empty()),
            ..TemplateModel::default()
        };
        Ok(self.fields.write(&config))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn import_ids_are_names_or_template_arns() {
        let env = TemplateKind::Environment;
        assert_eq!(parse_import_id(env, "web").unwrap(), "web");
        assert_eq!(
            parse_import_id(
                env,
                "arn:aws:proton:us-east-1:123456789012:environment-template/web"
            )
            .unwrap(),
            "web"
        );
        let wrong_kind = parse_import_id(
            env,
            "arn:aws:proton:us-east-1:123456789012:service-template/web",
        )
        .unwrap_err();
        assert!(wrong_kind.contains("environment template"), "{wrong_kind}");
        let version = parse_import_id(
            env,
            "arn:aws:proton:us-east-1:123456789012:environment-template/web:1.0",
        )
        .unwrap_err();
        assert!(version.contains("version"), "{version}");
        assert!(parse_import_id(env, "not a name").is_err());
        assert!(parse_import_id(env, "").is_err());
    }
}
