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
use std::sync::Arc;
use std::time::Duration;

use crate::context::{Configured, ProviderState};
use crate::plugin::diag::Diagnostics;
use crate::plugin::provider::{ApplyOutcome, OpContext, ReadOutcome, Resource, ResourcePlan};
use crate::plugin::schema::{
    timeout_from, timeouts_block, validate_value, Attribute, Block, Schema, Validator,
};
use crate::plugin::value::{AttributePath, Type, Value};
use crate::proton::bounded;
use crate::proton::delete::{delete_template, TemplateDeleteError};
use crate::proton::model::ArnScope;
use crate::proton::{
    rfc3339, CreateTemplateInput, ProtonError, Template, TemplateKind, TemplateVersionSummary,
    UpdateTemplateInput,
};
use crate::resources::attrs::{keep_planned, optional_string, str_attr};
use crate::resources::import_scope::{refuse_foreign_account, refuse_foreign_region};
use crate::resources::kind::KindSpec;
use crate::resources::tags;
use crate::resources::validators::template_name_validators;

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

/// The `tags` attribute of a template: the version rules with the template's
/// own limit (no tag is reserved for the provider).
fn template_tags_attribute() -> Attribute {
    let mut attribute = tags::tags_attribute();
    attribute.description =
        "Tags for the template. Merged over the provider's `default_tags` into `tags_all`. Keys starting with `aws:` or `terraform-provider-proton:` (in any case) are reserved."
            .to_string();
    for validator in &mut attribute.validators {
        if let Validator::Count { max, .. } = validator {
            *max = MAX_TEMPLATE_TAGS;
        }
    }
    attribute
}

fn template_tags_all_attribute() -> Attribute {
    let mut attribute = tags::tags_all_attribute();
    attribute.description = "All tags of the template: the provider's `default_tags` overlaid with `tags`. AWS-managed `aws:*` tags are not shown.".to_string();
    attribute
}

/// The resource schema.
pub fn schema(kind: TemplateKind) -> Schema {
    let noun = kind.noun();
    let [name_length, name_pattern] = template_name_validators();
    let [arn_length, arn_pattern] = arn_validators();
    let mut attributes = vec![
        Attribute::computed("arn", Type::String, &format!("ARN of the {noun}.")).use_state_for_unknown(),
        Attribute::computed("created_at", Type::String, &format!("When the {noun} was created (RFC 3339).")).use_state_for_unknown(),
        Attribute::optional("description", Type::String, "Description, at most 500 characters. Updated in place.")
            .validate(Validator::Length { min: 0, max: 500 }),
        Attribute::optional(
            "display_name",
            Type::String,
            "Name shown in the Proton console, 1 to 100 characters. Updated in place. Proton cannot remove a display name: once set, removing it from the configuration is a plan-time error (change it instead, or recreate the template).",
        )
        .validate(Validator::Length { min: 1, max: 100 }),
        Attribute::optional(
            "encryption_key",
            Type::String,
            "ARN of the customer managed KMS key that encrypts the template's data. A change forces a new template.",
        )
        .requires_replace()
        .validate(arn_length)
        .validate(arn_pattern),
        Attribute::computed("id", Type::String, "The template name.").use_state_for_unknown(),
        Attribute::computed("last_modified_at", Type::String, &format!("When the {noun} was last modified (RFC 3339).")),
        Attribute::required("name", Type::String, &format!("Name of the {noun}: letters, digits, `_` and `-`, 1 to 100 characters. A change forces a new template."))
            .requires_replace()
            .validate(name_length)
            .validate(name_pattern),
        Attribute::optional(KindSpec::of(kind).provisioning_attribute, Type::String, provisioning_description(kind))
            .requires_replace()
            .validate(Validator::OneOf(PROVISIONING_VALUES)),
        Attribute::computed(
            "recommended_version",
            Type::String,
            "`MAJOR.MINOR` of the recommended (highest published) version, once one is published; null before. Read when Terraform refreshes: versions published by other resources in the same apply show up on the next plan. To use the recommended version in the same apply, read the template version data source.",
        ),
        template_tags_attribute(),
        template_tags_all_attribute(),
    ];
    attributes.sort_by(|a, b| a.name.cmp(&b.name));
    let mut block = Block::new(&format!(
        "An AWS Proton {noun}: the named parent of template versions. Destroying it requires that it has no versions left."
    ));
    block.attributes = attributes;
    block.blocks = vec![timeouts_block(&[
        ("create", "5m"),
        ("update", "5m"),
        ("delete", "5m"),
    ])];
    Schema::new(block)
}

/// A template resource of one kind.
pub struct TemplateResource {
    kind: TemplateKind,
    schema: Schema,
    provider: Arc<ProviderState>,
}

impl TemplateResource {
    /// The resource of `kind`, sharing the provider's configured client.
    pub fn new(kind: TemplateKind, provider: Arc<ProviderState>) -> Self {
        Self {
            kind,
            schema: schema(kind),
            provider,
        }
    }

    fn configured(&self) -> Result<&Configured, Diagnostics> {
        self.provider.configured()
    }

    /// The state for `template`, taking what Proton cannot report (an empty
    /// description as written, timeouts, tags as written) from `base`.
    fn state_from(
        &self,
        template: &Template,
        base: &Value,
        tags: Value,
        tags_all: &BTreeMap<String, String>,
    ) -> Value {
        template_state(self.kind, template, base, tags, tags_all)
    }
}

/// Proton reports an empty description as none: keep the user's `""`.
fn description_value(remote: Option<&str>, base: &Value) -> Value {
    match (
        remote.filter(|d| !d.is_empty()),
        str_attr(base, "description"),
    ) {
        (None, Some("")) => Value::string(""),
        (remote, _) => optional_string(remote),
    }
}

/// The resource state of `template`; shared with the template data source.
pub fn template_state(
    kind: TemplateKind,
    template: &Template,
    base: &Value,
    tags: Value,
    tags_all: &BTreeMap<String, String>,
) -> Value {
    let base_attr = |name: &str| base.get_attr(name).cloned().unwrap_or(Value::Null);
    Value::object([
        ("arn", Value::string(&template.arn)),
        ("created_at", Value::string(rfc3339(template.created_at))),
        (
            "description",
            description_value(template.description.as_deref(), base),
        ),
        (
            "display_name",
            optional_string(template.display_name.as_deref()),
        ),
        (
            "encryption_key",
            optional_string(template.encryption_key.as_deref()),
        ),
        ("id", Value::string(&template.name)),
        (
            "last_modified_at",
            Value::string(rfc3339(template.last_modified_at)),
        ),
        ("name", Value::string(&template.name)),
        (
            KindSpec::of(kind).provisioning_attribute,
            optional_string(template.provisioning.as_deref()),
        ),
        (
            "recommended_version",
            optional_string(template.recommended_version.as_deref()),
        ),
        ("tags", tags),
        ("tags_all", tags::to_value(tags_all)),
        ("timeouts", base_attr("timeouts")),
    ])
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
    fn type_name(&self) -> &'static str {
        KindSpec::of(self.kind).template_type
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn modify_plan(&self, plan: &mut ResourcePlan<'_>) {
        let own_tags = plan.get("tags").clone();
        if own_tags.is_wholly_known() {
            let all = tags::merge(&self.provider.default_tags(), &tags::from_value(&own_tags));
            if all.len() > MAX_TEMPLATE_TAGS {
                plan.diagnostics.attribute_error(
                    AttributePath::attr("tags"),
                    "Too many tags",
                    format!(
                        "With the provider's default_tags this {} would have {} tags; Proton allows {MAX_TEMPLATE_TAGS}.",
                        self.kind.noun(),
                        all.len(),
                    ),
                );
            }
            plan.set("tags_all", tags::to_value(&all));
        } else {
            plan.set("tags_all", Value::Unknown);
        }
        if plan.is_create() {
            return;
        }
        // A replacement creates a template without one: nothing to refuse.
        if let (Some(current), true) = (
            str_attr(plan.prior, "display_name"),
            plan.get("display_name").is_null() && plan.requires_replace.is_empty(),
        ) {
            let current = current.to_string();
            plan.diagnostics.attribute_error(
                AttributePath::attr("display_name"),
                "Cannot remove a display name",
                format!(
                    "This {} has the display name {current:?}, and Proton cannot remove a template's display name, only change it. Keep `display_name` in the configuration (for example `display_name = {current:?}`), or, to have no display name, recreate the template: destroy it (and its versions) and apply again.",
                    self.kind.noun()
                ),
            );
        }
        if &plan.planned != plan.prior && plan.requires_replace.is_empty() {
            // An update moves the modification time. The recommended version
            // moves only when a version is published, never by a template
            // update: keep what the refresh found.
            plan.set("last_modified_at", Value::Unknown);
            let recommended = plan
                .prior
                .get_attr("recommended_version")
                .cloned()
                .unwrap_or(Value::Null);
            plan.set("recommended_version", recommended);
        }
    }

    async fn create(&self, ctx: &OpContext, planned: &Value, _config: &Value) -> ApplyOutcome {
        let kind = self.kind;
        let configured = match self.configured() {
            Ok(configured) => configured,
            Err(diags) => return ApplyOutcome::failed(None, diags),
        };
        let tags_all = tags::all_of(planned);
        let input = CreateTemplateInput {
            name: str_attr(planned, "name").unwrap_or_default().to_string(),
            display_name: str_attr(planned, "display_name").map(str::to_string),
            description: str_attr(planned, "description").map(str::to_string),
            encryption_key: str_attr(planned, "encryption_key").map(str::to_string),
            provisioning: str_attr(planned, KindSpec::of(kind).provisioning_attribute)
                .map(str::to_string),
            tags: tags_all.clone(),
        };
        let timeout = timeout_from(planned, "create", CREATE_TIMEOUT);
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
                let own_tags = planned.get_attr("tags").cloned().unwrap_or(Value::Null);
                ApplyOutcome::ok(self.state_from(&template, planned, own_tags, &tags_all))
            }
            Err(err) if err.is_already_exists() => {
                // Typically a template made outside Terraform, or state that was lost.
                let detail = format!(
                    "{err}\n\nThe {noun} `{name}` exists but is not in this Terraform state. To manage it here, import it: terraform import {ty}.LABEL {name}",
                    noun = kind.noun(),
                    name = input.name,
                    ty = KindSpec::of(kind).template_type,
                );
                ApplyOutcome::failed(None, api_error("create", kind, &detail))
            }
            Err(err) => ApplyOutcome::failed(None, api_error("create", kind, &err)),
        }
    }

    async fn read(&self, ctx: &OpContext, state: &Value) -> ReadOutcome {
        let kind = self.kind;
        let configured = match self.configured() {
            Ok(configured) => configured,
            Err(diags) => return ReadOutcome::Failed(diags),
        };
        let client = &configured.client;
        let Some(name) = str_attr(state, "id").or_else(|| str_attr(state, "name")) else {
            return ReadOutcome::Failed(Diagnostics::from_error(
                format!("Invalid {} state", kind.noun()),
                "The state has no `id`. This is a bug in the provider.",
            ));
        };
        let template = match bounded(
            client,
            "GetTemplate",
            READ_TIMEOUT,
            &ctx.cancel,
            client.find_template(kind, name),
        )
        .await
        {
            Ok(Some(template)) => template,
            Ok(None) => {
                tracing::warn!(
                    template = name,
                    "template not found; removing it from state"
                );
                return ReadOutcome::Gone;
            }
            Err(err) => return ReadOutcome::Failed(api_error("read", kind, &err)),
        };
        let remote_tags = match bounded(
            client,
            "ListTagsForResource",
            READ_TIMEOUT,
            &ctx.cancel,
            client.list_tags(&template.arn),
        )
        .await
        {
            Ok(tags) => tags,
            Err(err) => return ReadOutcome::Failed(api_error("read tags of", kind, &err)),
        };
        let prior_tags = state.get_attr("tags").cloned().unwrap_or(Value::Null);
        let own_tags = tags::resource_tags(&prior_tags, &remote_tags, &configured.default_tags);
        ReadOutcome::Found(self.state_from(&template, state, own_tags, &remote_tags))
    }

    async fn update(
        &self,
        ctx: &OpContext,
        prior: &Value,
        planned: &Value,
        _config: &Value,
    ) -> ApplyOutcome {
        let kind = self.kind;
        let configured = match self.configured() {
            Ok(configured) => configured,
            Err(diags) => return ApplyOutcome::failed(None, diags),
        };
        let client = &configured.client;
        let name = str_attr(prior, "id").unwrap_or_default().to_string();
        let timeout = timeout_from(planned, "update", UPDATE_TIMEOUT);
        let result = bounded(client, "UpdateTemplate", timeout, &ctx.cancel, async {
            let mut input = UpdateTemplateInput::default();
            if planned.get_attr("display_name") != prior.get_attr("display_name") {
                // Removal is refused at plan time; only a new value gets here.
                input.display_name = str_attr(planned, "display_name").map(str::to_string);
            }
            if planned.get_attr("description") != prior.get_attr("description") {
                input.description = Some(str_attr(planned, "description").map(str::to_string));
            }
            let mut template = if input == UpdateTemplateInput::default() {
                client.get_template(kind, &name).await?
            } else {
                client.update_template(kind, &name, &input).await?
            };
            if tags::update_remote(client, &template.arn, prior, planned).await? {
                template = client.get_template(kind, &name).await?;
            }
            Ok(template)
        })
        .await;
        match result {
            Ok(template) => {
                let tags_all = tags::all_of(planned);
                let own_tags = planned.get_attr("tags").cloned().unwrap_or(Value::Null);
                let mut state = self.state_from(&template, planned, own_tags, &tags_all);
                // As planned: a version published meanwhile (by a sibling
                // resource in this apply) shows on the next refresh instead
                // of making this result inconsistent with the plan.
                keep_planned(&mut state, planned, &["recommended_version"]);
                ApplyOutcome::ok(state)
            }
            Err(err) => ApplyOutcome::failed(None, api_error("update", kind, &err)),
        }
    }

    async fn delete(&self, ctx: &OpContext, prior: &Value) -> Diagnostics {
        let kind = self.kind;
        let configured = match self.configured() {
            Ok(configured) => configured,
            Err(diags) => return diags,
        };
        let name = str_attr(prior, "id").unwrap_or_default();
        let timeout = timeout_from(prior, "delete", DELETE_TIMEOUT);
        match delete_template(&configured.client, kind, name, timeout, &ctx.cancel).await {
            Ok(()) => Diagnostics::new(),
            Err(TemplateDeleteError::HasVersions { versions, refusal }) => {
                has_versions_error(kind, name, &versions, &refusal)
            }
            Err(TemplateDeleteError::Proton(err)) => api_error("delete", kind, &err),
        }
    }

    async fn import(&self, ctx: &OpContext, id: &str) -> Result<Vec<Value>, Diagnostics> {
        let kind = self.kind;
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
        let mut stub = Value::empty_of(&self.schema.implied_type());
        for attribute in ["id", "name"] {
            if let Some(slot) = stub.get_attr_mut(attribute) {
                *slot = Value::string(&name);
            }
        }
        // Unset optional values read as null, like an unset configuration.
        if let Some(slot) = stub.get_attr_mut("tags") {
            *slot = Value::Null;
        }
        Ok(vec![stub])
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
