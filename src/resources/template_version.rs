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

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use crate::context::{Configured, ProviderState};
use crate::plugin::diag::Diagnostics;
use crate::plugin::provider::{ApplyOutcome, OpContext, ReadOutcome, Resource, ResourcePlan};
use crate::plugin::schema::{
    timeout_from, timeouts_block, Attribute, Block, NestedBlock, Schema, Validator,
};
use crate::plugin::value::{AttributePath, Type, Value};
use crate::proton::bounded;
use crate::proton::create::create_version;
use crate::proton::delete::{delete_version, sweep};
use crate::proton::{
    wait_registered, CreateVersionInput, ProtonError, TemplateKind, TemplateVersion,
    UpdateVersionInput, VersionKey, VersionStatus, DEFERRED_DELETE_TAG,
};
use crate::resources::attrs::{keep_planned, optional_string, str_attr};
use crate::resources::import_scope::{refuse_foreign_account, refuse_foreign_region};
use crate::resources::kind::KindSpec;
use crate::resources::reported::version_attributes;
use crate::resources::tags;
use crate::resources::validators::{
    template_name_validators, version_part_length_validator, version_part_validator,
};

pub use crate::proton::SOURCE_TAG;

const CREATE_TIMEOUT: Duration = Duration::from_secs(10 * 60);
const UPDATE_TIMEOUT: Duration = Duration::from_secs(5 * 60);
const DELETE_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// The attributes and blocks both version resources have, in alphabetical
/// order; `extra_attributes` and `extra_blocks` are merged in.
pub fn version_schema(
    kind: TemplateKind,
    extra_attributes: Vec<Attribute>,
    extra_blocks: Vec<NestedBlock>,
) -> Schema {
    let noun = kind.noun();
    let [name_length, name_pattern] = template_name_validators();
    let mut attributes = vec![
        Attribute::computed("arn", Type::String, "ARN of the version.").use_state_for_unknown(),
        Attribute::computed("created_at", Type::String, "When the version was created (RFC 3339).").use_state_for_unknown(),
        Attribute::optional("description", Type::String, "Description of the version, at most 500 characters. Updated in place.")
            .validate(Validator::Length { min: 0, max: 500 }),
        Attribute::computed("id", Type::String, "`TEMPLATE_NAME:MAJOR.MINOR`.").use_state_for_unknown(),
        Attribute::computed("last_modified_at", Type::String, "When the version was last modified (RFC 3339)."),
        Attribute::optional_computed(
            "major_version",
            Type::String,
            "Major version to add a minor version to. Omitted: Proton creates a new major version. A change forces a new version.",
        )
        .requires_replace()
        .use_state_for_unknown()
        .validate(version_part_length_validator())
        .validate(version_part_validator()),
        Attribute::computed("minor_version", Type::String, "Minor version number Proton assigned.").use_state_for_unknown(),
        Attribute::computed(
            "recommended_minor_version",
            Type::String,
            "The recommended (highest published) minor version of this major version, if any.",
        ),
        Attribute::computed("schema", Type::String, "The schema file of the template bundle (YAML).").use_state_for_unknown(),
        Attribute::optional(
            "skip_destroy",
            Type::Bool,
            "When true, destroying the resource only removes it from state and leaves the version in Proton.",
        ),
        Attribute::optional_computed(
            "status",
            Type::String,
            "`DRAFT` or `PUBLISHED`. Set `PUBLISHED` to publish the version after registration; Proton cannot unpublish, so a published version cannot go back to `DRAFT`.",
        )
        .use_state_for_unknown()
        .validate(Validator::OneOf(&["DRAFT", "PUBLISHED"])),
        Attribute::computed("status_message", Type::String, "Why registration failed, when it did."),
        tags::tags_attribute(),
        tags::tags_all_attribute(),
        Attribute::required("template_name", Type::String, &format!("Name of the {noun} this is a version of. A change forces a new version."))
            .requires_replace()
            .validate(name_length)
            .validate(name_pattern),
    ];
    attributes.extend(extra_attributes);
    attributes.sort_by(|a, b| a.name.cmp(&b.name));

    let s3 = Block::new("The bundle's S3 object.")
        .attribute(
            Attribute::required("bucket", Type::String, "S3 bucket of the bundle.")
                .validate(Validator::Length { min: 3, max: 63 })
                .validate(Validator::pattern(
                    "^[a-z0-9]+[a-z0-9-\\.]+[a-z0-9]+$",
                    "must be a valid S3 bucket name (lowercase letters, digits, `.` and `-`)",
                )),
        )
        .attribute(
            Attribute::required("key", Type::String, "S3 key of the bundle (a `.tar.gz`).")
                .validate(Validator::Length { min: 1, max: 1024 }),
        );
    let mut blocks = vec![
        NestedBlock::single_required(
            "source",
            Block::new("Where the template bundle is. A change forces a new version: a new bundle is a new version.")
                .nested(NestedBlock::single_required("s3", s3)),
        )
        .requires_replace(),
        timeouts_block(&[("create", "10m"), ("update", "5m"), ("delete", "5m")]),
    ];
    blocks.extend(extra_blocks);
    blocks.sort_by(|a, b| a.name.cmp(&b.name));

    let mut block = Block::new(&format!(
        "A version of an AWS Proton {noun}: registers a template bundle from S3, optionally publishes it."
    ));
    block.attributes = attributes;
    block.blocks = blocks;
    Schema::new(block)
}

/// A template version resource of one family.
pub struct TemplateVersionResource {
    spec: &'static KindSpec,
    schema: Schema,
    provider: Arc<ProviderState>,
}

impl TemplateVersionResource {
    /// The version resource of the family `spec`.
    pub fn new(spec: &'static KindSpec, provider: Arc<ProviderState>) -> Self {
        let (attributes, blocks) = (spec.version_extras.resource_schema)();
        Self {
            spec,
            schema: version_schema(spec.kind, attributes, blocks),
            provider,
        }
    }
}

/// `source.s3.bucket` and `source.s3.key`.
fn source_location(value: &Value) -> Option<(String, String)> {
    let s3 = value.get_attr("source")?.get_attr("s3")?;
    Some((
        str_attr(s3, "bucket")?.to_string(),
        str_attr(s3, "key")?.to_string(),
    ))
}

fn source_value(bucket: &str, key: &str) -> Value {
    Value::object([(
        "s3",
        Value::object([
            ("bucket", Value::string(bucket)),
            ("key", Value::string(key)),
        ]),
    )])
}

fn source_tag_value(bucket: &str, key: &str) -> Option<String> {
    let value = format!("s3://{bucket}/{key}");
    (value.len() <= 256).then_some(value)
}

fn parse_source_tag(value: &str) -> Option<Value> {
    let (bucket, key) = value.strip_prefix("s3://")?.split_once('/')?;
    Some(source_value(bucket, key))
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
fn publishes(prior: &Value, planned: &Value) -> bool {
    let planned_status = planned.get_attr("status").unwrap_or(&Value::Null);
    !planned_status.is_wholly_known()
        || (planned_status.as_str() == Some("PUBLISHED")
            && str_attr(prior, "status") != Some("PUBLISHED"))
}

/// The bookkeeping tag to write on an update: the planned source, when the
/// prior state has none (Proton had no such tag, or the version was adopted).
fn source_tag_to_record(prior: &Value, planned: &Value) -> Option<BTreeMap<String, String>> {
    if !prior.get_attr("source").is_some_and(Value::is_null) {
        return None;
    }
    let (bucket, key) = source_location(planned)?;
    let location = source_tag_value(&bucket, &key)?;
    Some(BTreeMap::from([(SOURCE_TAG.to_string(), location)]))
}

/// The diagnostic for a failed Proton call: the summary names the action,
/// the detail the AWS error code, message and identifiers.
fn api_error(action: &str, kind: TemplateKind, err: &ProtonError) -> Diagnostics {
    Diagnostics::from_error(
        format!("Unable to {action} {} version", kind.noun()),
        err.to_string(),
    )
}

fn key_of(state: &Value, kind: TemplateKind) -> Result<VersionKey, Diagnostics> {
    let id = str_attr(state, "id").unwrap_or_default();
    VersionKey::parse_id(kind, id).map_err(|err| {
        Diagnostics::from_error(
            format!("Invalid {} version id", kind.noun()),
            err.to_string(),
        )
    })
}

impl TemplateVersionResource {
    fn configured(&self) -> Result<&Configured, Diagnostics> {
        self.provider.configured()
    }

    /// The state for `version`, taking what Proton cannot report (source,
    /// skip_destroy, timeouts, tags as written) from `base`.
    fn state_from(
        &self,
        version: &TemplateVersion,
        base: &Value,
        tags: Value,
        tags_all: &BTreeMap<String, String>,
    ) -> Value {
        let base_attr = |name: &str| base.get_attr(name).cloned().unwrap_or(Value::Null);
        // Proton reports an empty description as none; keep the user's "".
        let description = match (&version.description, str_attr(base, "description")) {
            (None, Some("")) => Value::string(""),
            (description, _) => optional_string(description.as_deref()),
        };
        let mut state = version_attributes(version);
        state.extend(
            [
                ("description", description),
                ("skip_destroy", base_attr("skip_destroy")),
                ("source", base_attr("source")),
                ("tags", tags),
                ("tags_all", tags::to_value(tags_all)),
                ("timeouts", base_attr("timeouts")),
            ]
            .map(|(name, value)| (name.to_string(), value)),
        );
        (self.spec.version_extras.resource_state)(version, base, &mut state);
        Value::Object(state)
    }

    fn create_input(&self, planned: &Value) -> CreateVersionInput {
        let (source_bucket, source_key) = source_location(planned).unwrap_or_default();
        let tags = tags::all_of(planned);
        let mut input = CreateVersionInput {
            template_name: str_attr(planned, "template_name")
                .unwrap_or_default()
                .to_string(),
            major_version: str_attr(planned, "major_version").map(str::to_string),
            description: str_attr(planned, "description").map(str::to_string),
            source_bucket,
            source_key,
            tags,
            ..Default::default()
        };
        (self.spec.version_extras.create_input)(planned, &mut input);
        input
    }

    /// Marks a version as this instance's (see [`crate::proton::create`]), recording where
    /// its bundle is.
    async fn claim(
        &self,
        configured: &Configured,
        arn: &str,
        planned: &Value,
    ) -> Result<(), ProtonError> {
        let location = source_location(planned)
            .and_then(|(bucket, key)| source_tag_value(&bucket, &key))
            .unwrap_or_default();
        let tag = BTreeMap::from([(SOURCE_TAG.to_string(), location)]);
        configured.client.tag(arn, &tag).await
    }

    /// Publishes a freshly registered version when the plan asks for it.
    async fn publish_if_planned(
        &self,
        configured: &Configured,
        planned: &Value,
        version: TemplateVersion,
    ) -> Result<TemplateVersion, ProtonError> {
        if str_attr(planned, "status") != Some("PUBLISHED")
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
    fn type_name(&self) -> &'static str {
        self.spec.version_type
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn modify_plan(&self, plan: &mut ResourcePlan<'_>) {
        let own_tags = plan.get("tags").clone();
        if own_tags.is_wholly_known() {
            let all = tags::merge(&self.provider.default_tags(), &tags::from_value(&own_tags));
            if all.len() > tags::MAX_USER_TAGS {
                plan.diagnostics.attribute_error(
                    AttributePath::attr("tags"),
                    "Too many tags",
                    format!(
                        "With the provider's default_tags this version would have {} tags; Proton allows {} (one is kept for the provider).",
                        all.len(),
                        tags::MAX_USER_TAGS
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
        if str_attr(plan.prior, "status") == Some("PUBLISHED")
            && str_attr(&plan.planned, "status") == Some("DRAFT")
        {
            plan.diagnostics.attribute_error(
                AttributePath::attr("status"),
                "Cannot unpublish a template version",
                "This version is PUBLISHED, and Proton cannot return a published version to DRAFT. Set status = \"PUBLISHED\" (or remove it), or create a new version.",
            );
        }
        // An imported version has no recorded source: adopt the configured
        // one instead of replacing the version.
        if plan.prior.get_attr("source").is_some_and(Value::is_null) {
            let source = AttributePath::attr("source");
            plan.requires_replace.retain(|path| path != &source);
        }
        if &plan.planned != plan.prior && plan.requires_replace.is_empty() {
            // An update moves the modification time. Only publishing moves
            // the recommended minor version, and nothing an update does
            // changes the registration's status message: keep those.
            plan.set("last_modified_at", Value::Unknown);
            let prior = |name: &str| plan.prior.get_attr(name).cloned().unwrap_or(Value::Null);
            let recommended = if publishes(plan.prior, &plan.planned) {
                Value::Unknown
            } else {
                prior("recommended_minor_version")
            };
            let status_message = prior("status_message");
            plan.set("recommended_minor_version", recommended);
            plan.set("status_message", status_message);
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
        let input = self.create_input(planned);
        let planned_tags = planned.get_attr("tags").cloned().unwrap_or(Value::Null);
        let tags_all = tags::all_of(planned);
        let _counted = client.ledger().begin(kind, &input.template_name);

        // Nothing exists until Proton accepts the create; if this is cut
        // short, the next apply resends the same client token.
        let created = match bounded(
            client,
            "CreateTemplateVersion",
            timeout,
            &ctx.cancel,
            create_version(client, kind, &input, "", timeout, &ctx.cancel),
        )
        .await
        {
            Ok(created) => created,
            Err(err) => return ApplyOutcome::failed(None, api_error("create", kind, &err)),
        };
        let key = created.key();
        tracing::info!(version = %key, "template version created; waiting for registration");
        let partial = self.state_from(&created, planned, planned_tags.clone(), &tags_all);

        let finished = match wait_registered(client, kind, &key, timeout, &ctx.cancel).await {
            Ok(registered) => self
                .publish_if_planned(configured, planned, registered)
                .await
                .map_err(|err| api_error("publish", kind, &err)),
            Err(err @ ProtonError::RegistrationFailed { .. }) => {
                let failed = client.get_version(kind, &key).await.ok();
                if let Err(claim_err) = self.claim(configured, &created.arn, planned).await {
                    tracing::warn!(version = %key, error = %claim_err, "could not tag the failed version");
                }
                let state = failed
                    .map(|v| self.state_from(&v, planned, planned_tags, &tags_all))
                    .unwrap_or(partial);
                return ApplyOutcome::failed(
                    Some(state),
                    Diagnostics::from_error(
                        format!("{} version registration failed", kind.noun()),
                        format!("{err}.\n\nTerraform keeps the version as tainted and replaces it on the next apply: fix the bundle, then apply again."),
                    ),
                );
            }
            Err(err) => Err(api_error("create", kind, &err)),
        };
        let version = match finished {
            Ok(version) => version,
            Err(diags) => return ApplyOutcome::failed(Some(partial), diags),
        };
        let state = self.state_from(&version, planned, planned_tags, &tags_all);
        if let Err(err) = self.claim(configured, &version.arn, planned).await {
            return ApplyOutcome::failed(Some(state), api_error("tag", kind, &err));
        }
        sweep(client, kind, &input.template_name, &ctx.cancel).await;
        ApplyOutcome::ok(state)
    }

    async fn read(&self, ctx: &OpContext, state: &Value) -> ReadOutcome {
        let kind = self.spec.kind;
        let (configured, key) = match (self.configured(), key_of(state, kind)) {
            (Ok(configured), Ok(key)) => (configured, key),
            (Err(diags), _) | (_, Err(diags)) => return ReadOutcome::Failed(diags),
        };
        let client = &configured.client;
        let version = match bounded(
            client,
            "GetTemplateVersion",
            UPDATE_TIMEOUT,
            &ctx.cancel,
            client.find_version(kind, &key),
        )
        .await
        {
            Ok(Some(version)) => version,
            Ok(None) => {
                tracing::warn!(version = %key, "template version not found; removing it from state");
                return ReadOutcome::Gone;
            }
            Err(err) => return ReadOutcome::Failed(api_error("read", kind, &err)),
        };
        let mut remote_tags = match bounded(
            client,
            "ListTagsForResource",
            UPDATE_TIMEOUT,
            &ctx.cancel,
            client.list_tags(&version.arn),
        )
        .await
        {
            Ok(tags) => tags,
            Err(err) => return ReadOutcome::Failed(api_error("read tags of", kind, &err)),
        };
        let recorded_source = remote_tags
            .remove(SOURCE_TAG)
            .as_deref()
            .and_then(parse_source_tag);
        remote_tags.remove(DEFERRED_DELETE_TAG);
        let mut base = state.clone();
        let state_source = state.get_attr("source").unwrap_or(&Value::Null);
        let replacement = match recorded_source {
            // An import (or adoption): restore what the provider recorded.
            Some(source) if state_source.is_null() => Some(source),
            // The tag is gone (removed out of band, or never written): report
            // it, so the plan adopts the configured source in place and the
            // update writes the tag again. A source too long for a tag was
            // never recorded; keep it.
            None if source_location(state)
                .is_some_and(|(bucket, key)| source_tag_value(&bucket, &key).is_some()) =>
            {
                Some(Value::Null)
            }
            _ => None,
        };
        if let (Some(slot), Some(source)) = (base.get_attr_mut("source"), replacement) {
            *slot = source;
        }
        let prior_tags = state.get_attr("tags").cloned().unwrap_or(Value::Null);
        let own_tags = tags::resource_tags(&prior_tags, &remote_tags, &configured.default_tags);
        ReadOutcome::Found(self.state_from(&version, &base, own_tags, &remote_tags))
    }

    async fn update(
        &self,
        ctx: &OpContext,
        prior: &Value,
        planned: &Value,
        _config: &Value,
    ) -> ApplyOutcome {
        let kind = self.spec.kind;
        let (configured, key) = match (self.configured(), key_of(prior, kind)) {
            (Ok(configured), Ok(key)) => (configured, key),
            (Err(diags), _) | (_, Err(diags)) => return ApplyOutcome::failed(None, diags),
        };
        let client = &configured.client;
        let timeout = timeout_from(planned, "update", UPDATE_TIMEOUT);
        let result = bounded(
            client,
            "UpdateTemplateVersion",
            timeout,
            &ctx.cancel,
            async {
                let mut input = UpdateVersionInput::default();
                if planned.get_attr("description") != prior.get_attr("description") {
                    input.description = Some(str_attr(planned, "description").map(str::to_string));
                }
                if str_attr(planned, "status") == Some("PUBLISHED")
                    && str_attr(prior, "status") != Some("PUBLISHED")
                {
                    input.status = Some(VersionStatus::Published);
                }
                (self.spec.version_extras.update_input)(prior, planned, &mut input);
                let mut version = if input == UpdateVersionInput::default() {
                    client.get_version(kind, &key).await?
                } else {
                    client.update_version(kind, &key, &input).await?
                };
                let mut tagged = tags::update_remote(client, &version.arn, prior, planned).await?;
                if let Some(source_tag) = source_tag_to_record(prior, planned) {
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
                let tags_all = tags::all_of(planned);
                let own_tags = planned.get_attr("tags").cloned().unwrap_or(Value::Null);
                let mut state = self.state_from(&version, planned, own_tags, &tags_all);
                // As planned: a sibling published in this apply moves the
                // recommended minor, which the next refresh shows.
                keep_planned(
                    &mut state,
                    planned,
                    &["recommended_minor_version", "status_message"],
                );
                ApplyOutcome::ok(state)
            }
            Err(err) => ApplyOutcome::failed(None, api_error("update", kind, &err)),
        }
    }

    async fn delete(&self, ctx: &OpContext, prior: &Value) -> Diagnostics {
        let kind = self.spec.kind;
        if prior.get_attr("skip_destroy").and_then(Value::as_bool) == Some(true) {
            tracing::info!("skip_destroy is set: leaving the version in Proton");
            return Diagnostics::new();
        }
        let (configured, key) = match (self.configured(), key_of(prior, kind)) {
            (Ok(configured), Ok(key)) => (configured, key),
            (Err(diags), _) | (_, Err(diags)) => return diags,
        };
        let timeout = timeout_from(prior, "delete", DELETE_TIMEOUT);
        let arn = str_attr(prior, "arn").unwrap_or_default();
        let recommended_minor = str_attr(prior, "recommended_minor_version");
        let deleted = delete_version(
            &configured.client,
            kind,
            &key,
            arn,
            recommended_minor,
            timeout,
            &ctx.cancel,
        );
        match deleted.await {
            Ok(_) => Diagnostics::new(),
            Err(err) => api_error("delete", kind, &err),
        }
    }

    async fn import(&self, ctx: &OpContext, id: &str) -> Result<Vec<Value>, Diagnostics> {
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
        match bounded(
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
            }
            Ok(None) => {}
            Err(err) => return Err(api_error("import", kind, &err)),
        }
        let ty = self.schema.implied_type();
        let mut stub = Value::empty_of(&ty);
        for (name, value) in [
            ("id", key.to_string()),
            ("template_name", key.template_name.clone()),
            ("major_version", key.major.clone()),
            ("minor_version", key.minor.clone()),
        ] {
            if let Some(slot) = stub.get_attr_mut(name) {
                *slot = Value::string(value);
            }
        }
        Ok(vec![stub])
    }
}
