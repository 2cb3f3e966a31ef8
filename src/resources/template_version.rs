//! The template version resource of either family (`proton_environment_template_version`,
//! `proton_service_template_version`): the common schema, and create, read,
//! update, delete and import through the Proton client. What a family adds
//! comes from its [`KindSpec`].
//!
//! Design notes:
//! - A new bundle is a new version, so `source` (and `template_name`,
//!   `major_version`) force replacement; `description`, `status`
//!   (DRAFT→PUBLISHED), tags and the service-only lists update in place.
//! - Creates go through `proton::create`: a deterministic client token per
//!   instance (an apply interrupted after Proton accepted the create converges
//!   on the next apply instead of leaving a duplicate version; identical
//!   instances still get a version each), and a wait for a major version that
//!   a sibling is creating.
//! - Deletes go through `proton::delete`, which defers a version Proton keeps
//!   until its siblings are gone instead of waiting for them.
//! - Proton cannot return a version's bundle location, so the provider records
//!   it in the tag [`SOURCE_TAG`] once the create is complete; an import
//!   restores `source` from it and a plan with the original configuration
//!   shows no changes.
//! - `source` is needed to create, not to keep: a version created outside
//!   the provider has no recorded source, so it is adopted without one.
//!   Adding `source` to such a version records it in place; removing it
//!   forgets it in place (the tag stays, empty, so the version still counts
//!   as this provider's); only a different source replaces.

use std::collections::BTreeMap;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::context::Configured;
use crate::plugin::diag::Diagnostics;
use crate::plugin::model::{Fields, NestedModel};
use crate::plugin::provider::{ApplyOutcome, OpContext, ReadOutcome, Resource, ResourcePlan};
use crate::plugin::schema::{timeout_from, timeouts_block, NestedBlock, Validator};
use crate::plugin::value::{AttributePath, Value};
use crate::proton::create::create_version;
use crate::proton::delete::{delete_version, sweep};
use crate::proton::{bounded, bounded_until, Deadline, ProtonClient};
use crate::proton::{
    wait_registered, CreateVersionInput, ProtonError, TemplateKind, TemplateVersion,
    UpdateVersionInput, VersionKey, VersionStatus, DEFERRED_DELETE_TAG,
};
use crate::resources::attrs::keep_planned;
use crate::resources::import_scope::{refuse_foreign_account, refuse_foreign_region};
use crate::resources::kind::{family_type, identity_hooks, type_name_and_schema, KindSpec, Stubs};
use crate::resources::model::{S3Location, Source, VersionModel};
use crate::resources::source::{parse_source_tag, source_tag_to_record, source_tag_value};
use crate::resources::tags;
use crate::resources::validators::{template_name_validators, version_part_validators};
use crate::{field, field_name};

pub use crate::proton::SOURCE_TAG;

const CREATE_TIMEOUT: Duration = Duration::from_secs(10 * 60);
const UPDATE_TIMEOUT: Duration = Duration::from_secs(5 * 60);
const DELETE_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// The attributes and blocks of the version resource of `spec`'s family:
/// its schema and its typed model's fields.
pub(crate) fn fields(spec: &KindSpec) -> Fields<VersionModel> {
    let noun = spec.noun();
    Fields::new([
        field!(VersionModel, arn).computed("ARN of the version.").use_state_for_unknown(),
        field!(VersionModel, created_at).computed("When the version was created (RFC 3339).").use_state_for_unknown(),
        field!(VersionModel, description).optional("Description of the version, at most 500 characters. Updated in place.")
            .validate(Validator::Length { min: 0, max: 500 }),
        field!(VersionModel, id).computed("`TEMPLATE_NAME:MAJOR.MINOR`.").use_state_for_unknown(),
        field!(VersionModel, last_modified_at).computed("When the version was last modified (RFC 3339)."),
        field!(VersionModel, major_version).optional_computed(
            "Major version to add a minor version to. Omitted: Proton creates a new major version. A change forces a new version.",
        )
        .requires_replace()
        .use_state_for_unknown()
        .validate_all(version_part_validators()),
        field!(VersionModel, minor_version).computed("Minor version number Proton assigned.").use_state_for_unknown(),
        field!(VersionModel, recommended_minor_version).computed(
            "The recommended (highest published) minor version of this major version, if any.",
        ),
        field!(VersionModel, schema).computed("The schema file of the template bundle (YAML).").use_state_for_unknown(),
        field!(VersionModel, skip_destroy).optional(
            "When true, destroying the resource only removes it from state and leaves the version in Proton.",
        ),
        field!(VersionModel, source).block(|name| {
            let block = Source::fields().block("Where the template bundle is. Required to create a version; a version created outside Terraform can be imported and managed without it. A change forces a new version: a new bundle is a new version. Adding it to a version that has none, or removing it, only records or forgets the location.");
            NestedBlock::single(name, block).requires_replace()
        }),
        field!(VersionModel, status).optional_computed(
            "`DRAFT` or `PUBLISHED`. Set `PUBLISHED` to publish the version after registration; Proton cannot unpublish, so a published version cannot go back to `DRAFT`.",
        )
        .use_state_for_unknown()
        .validate(Validator::OneOf(&["DRAFT", "PUBLISHED"])),
        field!(VersionModel, status_message).computed("Why registration failed, when it did."),
        field!(VersionModel, tags).attribute(tags::tags_attribute("version", tags::MAX_USER_TAGS)),
        field!(VersionModel, tags_all).attribute(tags::tags_all_attribute("version")),
        field!(VersionModel, template_name).required(&format!("Name of the {noun} this is a version of. A change forces a new version."))
            .requires_replace()
            .validate_all(template_name_validators()),
        field!(VersionModel, timeouts).block(|_| timeouts_block(&[("create", "10m"), ("update", "5m"), ("delete", "5m")])),
    ])
    .with((spec.version_extras.resource_fields)())
}

family_type! {
    /// A template version resource of one family.
    pub struct TemplateVersionResource(VersionModel) = fields,
        "A version of an AWS Proton {noun}: registers a template bundle from S3, optionally publishes it.";
}

/// Why a version whose registration failed is not imported: it can be
/// neither published nor used (and a configuration generated from it would
/// say `status = "REGISTRATION_FAILED"`, which no configuration may).
fn registration_failed_import_error(kind: TemplateKind, version: &TemplateVersion) -> Diagnostics {
    let key = version.key();
    let message = version
        .status_message
        .as_deref()
        .map(|m| format!(" Proton says: {}", m.trim_end_matches('.')))
        .unwrap_or_default();
    let command = match kind {
        TemplateKind::Environment => "delete-environment-template-version",
        TemplateKind::Service => "delete-service-template-version",
    };
    Diagnostics::from_error(
        format!("Cannot import {} {} version whose registration failed", kind.article(), kind.noun()),
        format!(
            "`{key}` has status REGISTRATION_FAILED: Proton could not register its bundle, so it can be neither published nor used.{message}.\n\nDelete it (for example `aws proton {command} --template-name {} --major-version {} --minor-version {}`), then let Terraform create the version from a fixed bundle.",
            key.template_name, key.major, key.minor
        ),
    )
}

/// Whether going from `prior` to `planned` publishes the version (or may: a
/// status not known yet).
fn publishes(prior: &VersionModel, planned: &Value) -> bool {
    let planned_status = planned
        .get_attr(field_name!(VersionModel, status))
        .unwrap_or(&Value::Null);
    !planned_status.is_wholly_known()
        || (planned_status.as_str() == Some("PUBLISHED")
            && prior.status.as_deref() != Some("PUBLISHED"))
}

/// The version `key` as Proton has it now, as the state built on `base`
/// (which keeps what Proton cannot report), its source restored from the
/// provider's tag when `base` has none; `None` when it does not exist.
/// Shared with the list resource, which reads each version it lists.
pub(crate) async fn current(
    client: &ProtonClient,
    kind: TemplateKind,
    key: &VersionKey,
    mut base: VersionModel,
    defaults: &BTreeMap<String, String>,
    cancel: &CancellationToken,
) -> Result<Option<VersionModel>, ProtonError> {
    let found = bounded(
        client,
        "GetTemplateVersion",
        UPDATE_TIMEOUT,
        cancel,
        async {
            let Some(version) = client.find_version(kind, key).await? else {
                return Ok(None);
            };
            let tags = client.list_tags(&version.arn).await?;
            Ok(Some((version, tags)))
        },
    );
    let Some((version, mut remote_tags)) = found.await? else {
        return Ok(None);
    };
    let recorded_source = remote_tags
        .remove(SOURCE_TAG)
        .as_deref()
        .and_then(parse_source_tag);
    remote_tags.remove(DEFERRED_DELETE_TAG);
    match recorded_source {
        // An import (or adoption): restore what the provider recorded.
        Some(source) if base.source.is_none() => base.source = Some(source),
        // The tag is gone (removed out of band, or never written): report
        // it, so the plan adopts the configured source in place and the
        // update writes the tag again. A source too long for a tag was
        // never recorded; keep it.
        None if source_tag_value(base.source.as_ref()).is_some() => base.source = None,
        _ => {}
    }
    let own_tags = tags::resource_tags(base.tags.as_ref(), &remote_tags, defaults);
    Ok(Some(state_from(&version, &base, own_tags, remote_tags)))
}

/// The diagnostic for a failed Proton call: the summary names the action,
/// the detail the AWS error code, message and identifiers.
fn api_error(action: &str, kind: TemplateKind, err: &ProtonError) -> Diagnostics {
    Diagnostics::from_error(
        format!("Unable to {action} {} version", kind.noun()),
        err.to_string(),
    )
}

/// The create parameters of a planned version.
fn create_input(planned: &VersionModel) -> CreateVersionInput {
    let s3 = planned.source.as_ref().and_then(|source| source.s3.clone());
    let S3Location { bucket, key } = s3.unwrap_or_default();
    let mut compatible: Vec<_> = planned
        .compatible_environment_template
        .iter()
        .map(Into::into)
        .collect();
    compatible.sort();
    CreateVersionInput {
        template_name: planned.template_name.clone(),
        major_version: planned.major_version.clone(),
        description: planned.description.clone(),
        source_bucket: bucket,
        source_key: key,
        tags: planned.tags_all.clone(),
        compatible_environment_templates: compatible,
        supported_component_sources: planned
            .supported_component_sources
            .iter()
            .flatten()
            .cloned()
            .collect(),
        ..Default::default()
    }
}

/// The update parameters for what differs between `prior` and `planned`.
fn update_input(prior: &VersionModel, planned: &VersionModel) -> UpdateVersionInput {
    let mut input = UpdateVersionInput::default();
    if planned.description != prior.description {
        input.description = Some(planned.description.clone());
    }
    if planned.status.as_deref() == Some("PUBLISHED")
        && prior.status.as_deref() != Some("PUBLISHED")
    {
        input.status = Some(VersionStatus::Published);
    }
    if planned.compatible_environment_template != prior.compatible_environment_template {
        let compatible = planned.compatible_environment_template.iter();
        input.compatible_environment_templates = Some(compatible.map(Into::into).collect());
    }
    if planned.supported_component_sources != prior.supported_component_sources {
        let sources = planned.supported_component_sources.iter().flatten();
        input.supported_component_sources = Some(sources.cloned().collect());
    }
    input
}

/// The state for `version`, taking what Proton cannot report (source,
/// skip_destroy, timeouts, tags as written) from `base`.
fn state_from(
    version: &TemplateVersion,
    base: &VersionModel,
    tags: Option<BTreeMap<String, String>>,
    tags_all: BTreeMap<String, String>,
) -> VersionModel {
    let mut state = VersionModel::from(version);
    // Proton reports an empty description as none; keep the user's "".
    if state.description.is_none() && base.description.as_deref() == Some("") {
        state.description = Some(String::new());
    }
    // An unset attribute stays null while Proton reports none.
    if base.supported_component_sources.is_none() && version.supported_component_sources.is_empty()
    {
        state.supported_component_sources = None;
    }
    VersionModel {
        skip_destroy: base.skip_destroy,
        source: base.source.clone(),
        tags,
        tags_all,
        timeouts: base.timeouts.clone(),
        ..state
    }
}

impl TemplateVersionResource {
    /// The configured client, and the version a state names by its `id`.
    fn configured_with_key(
        &self,
        state: &VersionModel,
    ) -> Result<(&Configured, VersionKey), Diagnostics> {
        let kind = self.spec.kind;
        let id = state.id.as_deref().unwrap_or_default();
        let key = VersionKey::parse_id(kind, id).map_err(|err| {
            Diagnostics::from_error(
                format!("Invalid {} version id", kind.noun()),
                err.to_string(),
            )
        })?;
        Ok((self.configured()?, key))
    }

    /// Marks a version as this instance's (see [`crate::proton::create`]), recording where
    /// its bundle is.
    async fn claim(
        &self,
        configured: &Configured,
        arn: &str,
        planned: &VersionModel,
    ) -> Result<(), ProtonError> {
        let location = source_tag_value(planned.source.as_ref()).unwrap_or_default();
        let tag = BTreeMap::from([(SOURCE_TAG.to_string(), location)]);
        configured.client.tag(arn, &tag).await
    }

    /// Publishes a freshly registered version when the plan asks for it.
    async fn publish_if_planned(
        &self,
        configured: &Configured,
        planned: &VersionModel,
        version: TemplateVersion,
    ) -> Result<TemplateVersion, ProtonError> {
        if planned.status.as_deref() != Some("PUBLISHED")
            || version.status == VersionStatus::Published
        {
            return Ok(version);
        }
        let publish = UpdateVersionInput {
            status: Some(VersionStatus::Published),
            ..Default::default()
        };
        configured
            .client
            .update_version(self.spec.kind, &version.key(), &publish)
            .await
    }
}

#[async_trait::async_trait]
impl Resource for TemplateVersionResource {
    type_name_and_schema!(version_type);

    fn modify_plan(&self, plan: &mut ResourcePlan<'_>) {
        let note = " (one is kept for the provider)";
        tags::plan_tags_all(
            plan,
            &self.provider.default_tags(),
            tags::MAX_USER_TAGS,
            "version",
            note,
        );
        let source = field_name!(VersionModel, source);
        if plan.is_create() {
            if plan.get(source).is_null() {
                plan.diagnostics.attribute_error(
                    AttributePath::attr(source),
                    "Missing source block",
                    "A new version needs its bundle: add a `source { s3 { bucket = ..., key = ... } }` block. (Only a version that already exists, imported into Terraform, may go without one.)",
                );
            }
            return;
        }
        let prior = self.fields.read(plan.prior);
        let status = field_name!(VersionModel, status);
        if prior.status.as_deref() == Some("PUBLISHED")
            && plan.get(status).as_str() == Some("DRAFT")
        {
            plan.diagnostics.attribute_error(
                AttributePath::attr(status),
                "Cannot unpublish a template version",
                "This version is PUBLISHED, and Proton cannot return a published version to DRAFT. Set status = \"PUBLISHED\" (or remove it), or create a new version.",
            );
        }
        // A version with no recorded source adopts the configured one, and
        // a removed source is forgotten: neither replaces the version.
        if prior.source.is_none() || plan.get(source).is_null() {
            let source = AttributePath::attr(source);
            plan.requires_replace.retain(|path| path != &source);
        }
        if &plan.planned != plan.prior && plan.requires_replace.is_empty() {
            // An update moves the modification time. Only publishing moves
            // the recommended minor version, and nothing an update does
            // changes the registration's status message: keep those.
            plan.set(field_name!(VersionModel, last_modified_at), Value::Unknown);
            let recommended = match publishes(&prior, &plan.planned) {
                true => Value::Unknown,
                false => prior
                    .recommended_minor_version
                    .as_deref()
                    .map_or(Value::Null, Value::string),
            };
            let status_message = prior
                .status_message
                .as_deref()
                .map_or(Value::Null, Value::string);
            plan.set(
                field_name!(VersionModel, recommended_minor_version),
                recommended,
            );
            plan.set(field_name!(VersionModel, status_message), status_message);
        }
    }

    async fn create(&self, ctx: &OpContext, planned: &Value, _config: &Value) -> ApplyOutcome {
        let kind = self.spec.kind;
        let configured = match self.configured() {
            Ok(configured) => configured,
            Err(diags) => return ApplyOutcome::failed(None, diags),
        };
        let client = &configured.client;
        let timeout = timeout_from(planned, "create", CREATE_TIMEOUT);
        let planned = self.fields.read(planned);
        let input = create_input(&planned);
        let state_of = |version: &TemplateVersion| {
            let state = state_from(
                version,
                &planned,
                planned.tags.clone(),
                planned.tags_all.clone(),
            );
            self.fields.write(&state)
        };
        // Counted from the start, so a delete Proton refuses waits for this create, which
        // may be what lifts the refusal.
        let counted = client.ledger().begin(kind, &input.template_name);
        // One limit for the whole create: the create call, waiting for a sibling's major,
        // registration and publishing.
        let deadline = Deadline::after(timeout);

        // Nothing exists until Proton accepts the create; if this is cut
        // short, the next apply resends the same client token.
        let created = create_version(client, &counted, kind, &input, "", deadline, &ctx.cancel);
        let created = match created.await {
            Ok(created) => created,
            Err(err) => {
                let err = err.bounded_by("create");
                return ApplyOutcome::failed(None, api_error("create", kind, &err));
            }
        };
        let key = created.key();
        tracing::info!(version = %key, "template version created; waiting for registration");
        let partial = state_of(&created);

        let finished = match wait_registered(client, kind, &key, deadline, &ctx.cancel).await {
            Ok(registered) => {
                let publish = self.publish_if_planned(configured, &planned, registered);
                bounded_until(
                    client,
                    "UpdateTemplateVersion",
                    deadline,
                    &ctx.cancel,
                    publish,
                )
                .await
                .map_err(|err| api_error("publish", kind, &err.bounded_by("create")))
            }
            Err(err @ ProtonError::RegistrationFailed { .. }) => {
                let failed = client.get_version(kind, &key).await.ok();
                if let Err(claim_err) = self.claim(configured, &created.arn, &planned).await {
                    tracing::warn!(version = %key, error = %claim_err, "could not tag the failed version");
                }
                let state = failed.as_ref().map(state_of).unwrap_or(partial);
                return ApplyOutcome::failed(
                    Some(state),
                    Diagnostics::from_error(
                        format!("{} version registration failed", kind.noun()),
                        format!("{err}.\n\nTerraform keeps the version as tainted and replaces it on the next apply: fix the bundle, then apply again."),
                    ),
                );
            }
            Err(err) => Err(api_error("create", kind, &err.bounded_by("create"))),
        };
        let version = match finished {
            Ok(version) => version,
            Err(diags) => return ApplyOutcome::failed(Some(partial), diags),
        };
        let state = state_of(&version);
        if let Err(err) = self.claim(configured, &version.arn, &planned).await {
            return ApplyOutcome::failed(Some(state), api_error("tag", kind, &err));
        }
        sweep(client, kind, &input.template_name, &ctx.cancel).await;
        ApplyOutcome::ok(state)
    }

    async fn read(&self, ctx: &OpContext, state: &Value) -> ReadOutcome {
        let kind = self.spec.kind;
        let base = self.fields.read(state);
        let (configured, key) = match self.configured_with_key(&base) {
            Ok(found) => found,
            Err(diags) => return ReadOutcome::Failed(diags),
        };
        let defaults = &configured.default_tags;
        match current(&configured.client, kind, &key, base, defaults, &ctx.cancel).await {
            Ok(Some(state)) => ReadOutcome::Found(self.fields.write(&state)),
            Ok(None) => {
                tracing::warn!(version = %key, "template version not found; removing it from state");
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
        let timeout = timeout_from(planned, "update", UPDATE_TIMEOUT);
        let planned_value = planned;
        let (prior, planned) = (self.fields.read(prior), self.fields.read(planned));
        let (configured, key) = match self.configured_with_key(&prior) {
            Ok(found) => found,
            Err(diags) => return ApplyOutcome::failed(None, diags),
        };
        let client = &configured.client;
        // Counted, so a delete Proton refuses waits for this update: publishing may be what
        // lifts the refusal.
        let _counted = client.ledger().begin(kind, &key.template_name);
        let result = bounded(
            client,
            "UpdateTemplateVersion",
            timeout,
            &ctx.cancel,
            async {
                let input = update_input(&prior, &planned);
                let mut version = if input == UpdateVersionInput::default() {
                    client.get_version(kind, &key).await?
                } else {
                    client.update_version(kind, &key, &input).await?
                };
                let mut tagged =
                    tags::update_remote(client, &version.arn, &prior.tags_all, &planned.tags_all)
                        .await?;
                if let Some(source_tag) = source_tag_to_record(&prior, &planned) {
                    client.tag(&version.arn, &source_tag).await?;
                    tagged = true;
                }
                if tagged {
                    version = client.get_version(kind, &key).await?;
                }
                Ok(version)
            },
        )
        .await;
        match result {
            Ok(version) => {
                sweep(client, kind, &key.template_name, &ctx.cancel).await;
                let state = state_from(
                    &version,
                    &planned,
                    planned.tags.clone(),
                    planned.tags_all.clone(),
                );
                let mut state = self.fields.write(&state);
                // As planned: a sibling published in this apply moves the
                // recommended minor, which the next refresh shows.
                keep_planned(
                    &mut state,
                    planned_value,
                    &[
                        field_name!(VersionModel, recommended_minor_version),
                        field_name!(VersionModel, status_message),
                    ],
                );
                ApplyOutcome::ok(state)
            }
            Err(err) => {
                let err = err.bounded_by("update");
                ApplyOutcome::failed(None, api_error("update", kind, &err))
            }
        }
    }

    async fn delete(&self, ctx: &OpContext, prior: &Value) -> Diagnostics {
        let kind = self.spec.kind;
        let timeout = timeout_from(prior, "delete", DELETE_TIMEOUT);
        let prior = self.fields.read(prior);
        if prior.skip_destroy == Some(true) {
            tracing::info!("skip_destroy is set: leaving the version in Proton");
            return Diagnostics::new();
        }
        let (configured, key) = match self.configured_with_key(&prior) {
            Ok(found) => found,
            Err(diags) => return diags,
        };
        let deleted = delete_version(
            &configured.client,
            kind,
            &key,
            prior.arn.as_deref().unwrap_or_default(),
            prior.recommended_minor_version.as_deref(),
            timeout,
            &ctx.cancel,
        );
        match deleted.await {
            Ok(_) => Diagnostics::new(),
            Err(err) => api_error("delete", kind, &err),
        }
    }

    async fn import(&self, ctx: &OpContext, id: &str) -> Stubs {
        let kind = self.spec.kind;
        let key = VersionKey::parse_id(kind, id).map_err(|err| {
            Diagnostics::from_error(
                format!(
                    "Invalid import id for {} {} version",
                    kind.article(),
                    kind.noun()
                ),
                err.to_string(),
            )
        })?;
        let client = &self.configured()?.client;
        refuse_foreign_region(id, client)?;
        // The account shows only in the ARN Proton returns; a missing version
        // is left to the read after import, which Terraform reports.
        let arn = match bounded(
            client,
            "GetTemplateVersion",
            UPDATE_TIMEOUT,
            &ctx.cancel,
            client.find_version(kind, &key),
        )
        .await
        {
            Ok(Some(version)) => {
                refuse_foreign_account(id, &version.arn)?;
                if version.status == VersionStatus::RegistrationFailed {
                    return Err(registration_failed_import_error(kind, &version));
                }
                Some(version.summary.arn)
            }
            Ok(None) => None,
            Err(err) => return Err(api_error("import", kind, &err)),
        };
        // With the ARN, the stub's identity is complete from the start.
        let stub = VersionModel {
            arn,
            id: Some(key.to_string()),
            template_name: key.template_name,
            major_version: Some(key.major),
            minor_version: Some(key.minor),
            ..VersionModel::default()
        };
        Ok(vec![self.fields.write(&stub)])
    }

    identity_hooks!();

    /// What a user sets: no default status (`DRAFT`), no empty values, and
    /// `source` only where the provider recorded it.
    fn generate_config(&self, state: &Value) -> Result<Value, Diagnostics> {
        let state = self.fields.read(state);
        let config = VersionModel {
            template_name: state.template_name,
            major_version: state.major_version,
            description: state.description.filter(|d| !d.is_empty()),
            source: state.source,
            status: state.status.filter(|status| status == "PUBLISHED"),
            tags: state.tags.filter(|tags| !tags.is_empty()),
            compatible_environment_template: state.compatible_environment_template,
            supported_component_sources: state.supported_component_sources,
            ..VersionModel::default()
        };
        Ok(self.fields.write(&config))
    }
}
