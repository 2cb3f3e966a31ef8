//! The template version resource of either kind (`proton_environment_template_version`,
//! `proton_service_template_version`), on [`TypedResource`]: schema, identity,
//! create, read, update, delete and import through the Proton client. What a
//! kind adds (service versions' lists) comes from
//! [`super::service_template_version`], chosen by the kind table.
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
//! - Keeping a PUBLISHED version as `DRAFT` (say, one published outside
//!   Terraform) is a plan-time warning on `status` and an apply-time error
//!   that changes nothing, not a plan error: Terraform refreshes before a
//!   destroy with a normal plan whose PlanResourceChange looks exactly like
//!   `terraform plan`'s, so a plan error would block the destroy.
//! - A create without `status` plans `DRAFT`, what Proton registers; one
//!   whose `status` is unknown at plan time (taken from another resource)
//!   plans it unknown, never the prior value.

use std::collections::BTreeMap;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::context::{Configured, KindType, Managed};
use crate::plugin::diag::{Diagnostics, Severity};
use crate::plugin::model::{Fields, NestedModel};
use crate::plugin::provider::{ApplyOutcome, DestroyPlan, OpContext, ReadOutcome, ResourcePlan};
use crate::plugin::schema::{timeout_from, timeouts_block, NestedBlock, Validator};
use crate::plugin::typed::{Planned, Shape, TypedResource};
use crate::plugin::value::{AttributePath, Value};
use crate::proton::create::create_version;
use crate::proton::delete::{
    delete_version, forecast_delete, pick_up_deferrals, sweep, DeleteForecast, DeleteNote,
    TemplateReplaced, VersionDeleted,
};
use crate::proton::ledger::PlannedFate;
use crate::proton::{bounded, Deadline, ProtonClient};
use crate::proton::{
    wait_registered, ProtonError, TemplateKind, TemplateVersion, UpdateVersionInput, VersionKey,
    VersionStatus, DEFERRED_DELETE_TAG,
};
use crate::resources::directory_source::{self, invalid_bundle, upload, Directory, DirectoryPlan};
use crate::resources::identity::{arn_or, Identified, ACCOUNT_ID, REGION};
use crate::resources::import_scope::{import_region, refuse_foreign_account};
use crate::resources::model::{Source, VersionModel};
use crate::resources::region::{self, region_validator};
use crate::resources::service_template_version as service;
use crate::resources::source::{parse_source_tag, source_tag_to_record, source_tag_value};
use crate::resources::tags;
use crate::resources::template::{quoted, rename_recipe, same_name_recipe};
use crate::resources::validators::{template_name_validators, version_part_validators};
use crate::{field, field_name};

pub use crate::proton::SOURCE_TAG;

const CREATE_TIMEOUT: Duration = Duration::from_secs(10 * 60);
const UPDATE_TIMEOUT: Duration = Duration::from_secs(5 * 60);
const DELETE_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// The attributes and blocks of the version resource of `kind`:
/// its schema and its typed model's fields.
fn fields(kind: TemplateKind) -> Fields<VersionModel> {
    let noun = kind.noun();
    Fields::new([
        field!(VersionModel, arn).computed("ARN of the version.").use_state_for_unknown(),
        field!(VersionModel, bundle_sha256).computed("SHA-256 (hex) of the bundle built from `source.directory`, known at plan time: a change of the bundle's content replaces the version, and the plan shows the old and new hash. Null for an `s3` source."),
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
        field!(VersionModel, region).optional_computed(&region::resource_description("version"))
            .validate(region_validator()),
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
    .with(service::resource_fields(kind))
}

/// The template version resource of one kind.
pub type TemplateVersionResource = KindType<VersionModel, Managed>;

/// The name, schema, fields and identity of the version resource of
/// `kind`; shared with the list resource, whose results are its
/// states.
pub(crate) fn shape(kind: TemplateKind) -> Shape<VersionModel> {
    let description = format!("A version of an AWS Proton {kind}: registers a template bundle from S3, optionally publishes it.");
    Shape::new(kind.facts().version_type, &description, fields(kind))
        .with_identity(VersionModel::identity_fields(), VersionModel::scoped)
}

/// The identity: the version's template name and numbers in its account and region.
impl Identified for VersionModel {
    fn identity_fields() -> Fields<Self> {
        Fields::new([
            field!(VersionModel, account_id).optional_for_import(ACCOUNT_ID),
            field!(VersionModel, region).optional_for_import(REGION),
            field!(VersionModel, template_name)
                .required_for_import("Name of the template the version belongs to."),
            field!(VersionModel, major_version).required_for_import("Major version number."),
            field!(VersionModel, minor_version).required_for_import("Minor version number."),
        ])
    }

    fn scope_mut(&mut self) -> (Option<&str>, &mut Option<String>, &mut Option<String>) {
        (self.arn.as_deref(), &mut self.account_id, &mut self.region)
    }

    /// Its ARN when the identity gives an account, else
    /// `TEMPLATE_NAME:MAJOR.MINOR`.
    fn import_id(&self, kind: TemplateKind, default_region: &str) -> String {
        let part = |part: &Option<String>| part.clone().unwrap_or_default();
        let (major, minor) = (part(&self.major_version), part(&self.minor_version));
        let key = VersionKey::new(&self.template_name, major, minor);
        // A version ARN ends in `TEMPLATE_NAME:MAJOR.MINOR` too.
        let resource = format!("{}/{key}", kind.arn_resource_type());
        let (account, region) = (self.account_id.as_deref(), self.region.as_deref());
        arn_or(account, region, &resource, &key.to_string(), default_region)
    }
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
    let command = kind.delete_version_command();
    Diagnostics::from_error(
        format!("Cannot import {} version whose registration failed", kind.with_article()),
        format!(
            "`{key}` has status REGISTRATION_FAILED: Proton could not register its bundle, so it can be neither published nor used.{message}.\n\nDelete it (for example `aws proton {command} --template-name {} --major-version {} --minor-version {}`), then let Terraform create the version from a fixed bundle.",
            key.template_name, key.major, key.minor
        ),
    )
}

/// Whether a version `prior` describes would go from PUBLISHED back to DRAFT
/// by an update to `planned_status`, which Proton cannot do.
fn unpublishes(prior: &VersionModel, planned_status: Option<&str>) -> bool {
    prior.status.as_deref() == Some("PUBLISHED") && planned_status == Some("DRAFT")
}

/// Reports, on `status`, that a PUBLISHED version cannot go back to DRAFT:
/// a warning when planning (the plan may be the refresh before a destroy,
/// which Terraform does not tell the provider), an error when applying.
fn unpublish_refused(diagnostics: &mut Diagnostics, severity: Severity) {
    let path = AttributePath::attr(field_name!(VersionModel, status));
    let summary = "Cannot unpublish a template version";
    let outcome = match severity {
        Severity::Warning => "applying this plan would fail for this version, changing nothing on it (destroying it is not affected)",
        Severity::Error => "nothing was changed",
    };
    let detail = format!(
        "This version is PUBLISHED in Proton, and Proton cannot return a published version to DRAFT: {outcome}. Set status = \"PUBLISHED\" (or remove status) to keep this version, or create a new version."
    );
    diagnostics.attribute(severity, path, summary, detail);
}

/// `created` as the registration failure `err` describes it.
fn registration_failed(mut created: TemplateVersion, err: &ProtonError) -> TemplateVersion {
    created.summary.status = VersionStatus::RegistrationFailed;
    if let ProtonError::RegistrationFailed { status_message, .. } = err {
        created.summary.status_message = status_message.clone();
    }
    created
}

/// Whether going from `prior` to `planned` publishes the version (or may: a
/// status not known yet).
fn publishes(prior: &VersionModel, planned: &Value) -> bool {
    let planned_status = planned
        .get_attr(field_name!(VersionModel, status))
        .unwrap_or(&Value::Null);
    !planned_status.is_wholly_known() || prior.newly_published(planned_status.as_str())
}

/// A version as Proton has it now.
pub(crate) struct Current {
    /// Its state.
    pub model: VersionModel,
    /// Since when its delete is deferred (the provider's tag), if it is:
    /// Proton still has it, and a sweep will delete it.
    pub pending_deletion: Option<String>,
}

/// The version `key` as Proton has it now, as the state built on `base`
/// (which keeps what Proton cannot report), its source restored from the
/// provider's tag when `base` has none; `None` when it does not exist.
/// Shared with the list resource, which reads each version it lists.
pub(crate) async fn current(
    configured: &Configured,
    kind: TemplateKind,
    key: &VersionKey,
    base: VersionModel,
    cancel: &CancellationToken,
) -> Result<Option<Current>, ProtonError> {
    let client = &configured.client;
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
    let found = found.await?;
    Ok(found.map(|(version, tags)| reported(configured, &version, tags, base)))
}

/// The version `key` as a refresh finds it (snapshot rule 3): from the listing
/// of its template's major that the refresh's other reads share, with the
/// schema from `prior`, and its tags from the tag index while they agree with
/// `prior`. A service version (whose lists the listing lacks) and a version
/// last read while registering are got on their own; tags that disagree are
/// confirmed with ListTagsForResource; a version the listing leaves out is
/// read by [`current`]. Right after an import, what the import got (snapshot
/// rule 6).
async fn refreshed(
    configured: &Configured,
    kind: TemplateKind,
    key: &VersionKey,
    prior: VersionModel,
    cancel: &CancellationToken,
) -> Result<Option<Current>, ProtonError> {
    let client = &configured.client;
    let read = async {
        if let Some((version, tags)) = client.imported_version(kind, key).await? {
            return Ok(Some(reported(configured, &version, tags, prior)));
        }
        let Some(listed) = client.listed_version(kind, key).await? else {
            return current(configured, kind, key, prior, cancel).await;
        };
        let version = match kind.has_service_fields() || prior.schema.is_none() {
            true => match client.find_version(kind, key).await? {
                Some(version) => version,
                None => return Ok(None),
            },
            false => TemplateVersion {
                summary: listed.item,
                schema: prior.schema.clone(),
                compatible_environment_templates: Vec::new(),
                supported_component_sources: Vec::new(),
            },
        };
        let found = reported(configured, &version, listed.tags, prior.clone());
        if listed.tags_from_index && tag_parts(&found.model) != tag_parts(&prior) {
            let tags = client.list_tags(&version.summary.arn).await?;
            return Ok(Some(reported(configured, &version, tags, prior)));
        }
        Ok(Some(found))
    };
    bounded(client, "ListTemplateVersions", UPDATE_TIMEOUT, cancel, read).await
}

/// What a version's state takes from its tags.
fn tag_parts(model: &VersionModel) -> impl PartialEq + '_ {
    (&model.tags, &model.tags_all, &model.source)
}

/// The state that `version` and its tags `remote_tags` give, built on `base`.
fn reported(
    configured: &Configured,
    version: &TemplateVersion,
    mut remote_tags: BTreeMap<String, String>,
    mut base: VersionModel,
) -> Current {
    let recorded_source = remote_tags
        .remove(SOURCE_TAG)
        .as_deref()
        .and_then(parse_source_tag);
    let pending_deletion = remote_tags.remove(DEFERRED_DELETE_TAG);
    match recorded_source {
        // An import (or adoption): restore what the provider recorded.
        Some(source) if base.source.is_none() => base.source = Some(source),
        // The tag is gone (removed out of band, or never written): report
        // it, so the plan adopts the configured source in place and the
        // update writes the tag again. A source too long for a tag was
        // never recorded; keep it.
        None if source_tag_value(&base).is_some() => base.source = None,
        _ => {}
    }
    let (own_tags, all_tags) = tags::read_back(base.tags.as_ref(), remote_tags, &configured.tags);
    Current {
        model: state_from(version, &base, own_tags, all_tags),
        pending_deletion,
    }
}

/// Whether a changed `source` replaces the version (directory_source rule 2): only when the
/// S3 object the version would be created from differs. A version with no recorded source
/// adopts the configured one, and a removed source is forgotten: neither replaces it.
fn plan_source_replacement(
    prior: &VersionModel,
    planned: &VersionModel,
    directory: &DirectoryPlan,
    plan: &mut ResourcePlan<'_>,
) {
    let source = AttributePath::attr(field_name!(VersionModel, source));
    let (Some(prior_source), Some(planned_source)) = (&prior.source, &planned.source) else {
        plan.requires_replace.retain(|path| path != &source);
        return;
    };
    let prior_object = prior_source.object(&prior.template_name, prior.bundle_sha256.as_deref());
    let planned_object =
        planned_source.object(&planned.template_name, planned.bundle_sha256.as_deref());
    if prior_object.is_some() && prior_object == planned_object {
        plan.requires_replace.retain(|path| path != &source);
    } else if *directory != DirectoryPlan::None && prior.bundle_sha256 != planned.bundle_sha256 {
        // The content changed (or is not known yet): the plan shows the hash forcing it.
        plan.requires_replace.push(AttributePath::attr(field_name!(
            VersionModel,
            bundle_sha256
        )));
    }
}

/// `source` is either an `s3` block or a `directory` with its `bucket`: errors on the
/// attributes that break that, where the configuration knows them.
fn validate_source(config: &Value, diags: &mut Diagnostics) {
    let Some(source) = config
        .get_attr("source")
        .filter(|s| s.is_wholly_known() && !s.is_null())
    else {
        return;
    };
    let path = AttributePath::attr("source");
    let set = |name: &str| source.get_attr(name).is_some_and(|v| !v.is_null());
    match (set("s3"), set("directory")) {
        (true, true) => diags.attribute_error(
            path.child_attr("directory"),
            "Conflicting source",
            "`source` takes either an `s3` block (a bundle built outside Terraform) or a `directory` (built and uploaded by the provider), not both.",
        ),
        (false, false) => diags.attribute_error(
            path,
            "Missing bundle location",
            "`source` needs a `directory` (with `bucket`) or an `s3 { bucket, key }` block.",
        ),
        (false, true) if !set("bucket") => diags.attribute_error(
            path.child_attr("bucket"),
            "Missing bucket",
            "A `directory` source needs `bucket`: the S3 bucket the provider uploads the built bundle to.",
        ),
        (true, false) => {
            for name in ["bucket", "key_prefix", "excludes"].into_iter().filter(|n| set(n)) {
                diags.attribute_error(
                    path.child_attr(name),
                    "Argument only for a directory",
                    format!("`{name}` applies to a `directory` source; an `s3` block names its object itself."),
                );
            }
        }
        _ => {}
    }
}

/// Why the delete of `key` fails when its template is replaced before the
/// service versions `listed_by` stop listing its major (proton::delete rule
/// 8), and the recipe that converges.
fn listed_under_replacement_error(
    kind: TemplateKind,
    key: &VersionKey,
    new_name: Option<&str>,
    listed_by: &[VersionKey],
    err: &ProtonError,
) -> Diagnostics {
    let noun = kind.noun();
    let template = &key.template_name;
    let services = quoted(listed_by);
    let (how, recipe) = match new_name.filter(|n| n != template) {
        Some(new_name) => (format!("renaming it to `{new_name}`"), rename_recipe(kind)),
        None => (
            "under the same name".to_string(),
            same_name_recipe(kind, listed_by),
        ),
    };
    Diagnostics::from_error(
        format!("Cannot replace {noun} `{template}` while service template versions list its versions"),
        format!(
            "This plan replaces the {noun} `{template}` {how}, and with it its version `{key}`. Proton deletes `{key}` only once no service template version lists major version {major} of `{template}` as compatible, and {services} {verb}. Terraform changes {them} only after the new template exists, and without create_before_destroy it deletes the old template first, which Proton refuses while it has versions: this apply cannot succeed. The version was not deleted and stays in the state; Proton keeps the template as it was.\n\n{recipe} Then apply again.\n\n{err}",
            major = key.major,
            verb = if listed_by.len() == 1 { "does" } else { "do" },
            them = if listed_by.len() == 1 { "it" } else { "them" },
        ),
    )
}

/// What Terraform should say when the delete of `key` is deferred without
/// the plan having shown the refusal lifted in this run.
fn deferred_warning(kind: TemplateKind, key: &VersionKey, waiting_for: &str) -> Diagnostics {
    let mut diags = Diagnostics::new();
    diags.warning(
        format!("{} version `{key}` is not deleted yet", kind.noun()),
        format!(
            "Proton refused to delete it while {waiting_for} exists. Terraform no longer manages it, but Proton still has it as it was: a published version stays the recommended one. The provider marked it for deletion (tag {DEFERRED_DELETE_TAG}) and deletes it as soon as Proton allows: later in this run if what is in its way goes too, otherwise in the run that removes that (or publishes a newer version of the same major).\n\n{PENDING_WAYS_OUT}"
        ),
    );
    diags
}

/// What a user can do about a version Proton keeps.
const PENDING_WAYS_OUT: &str = "To keep the version, import it again: importing cancels the pending delete. To roll back to an earlier bundle, point the newest version's source at that bundle instead of removing the resource: Proton registers it as a new minor version, the recommended one, and the provider then deletes the version it replaces (docs/guides/rollback.md).";

/// The destroy plan of a version Proton keeps while versions the same plan
/// keeps exist: it would be reported destroyed and stay in Proton.
fn kept_error(why: &str, kept: &[VersionKey]) -> Diagnostics {
    let kept = quoted(kept);
    Diagnostics::from_error(
        "Cannot destroy a template version Proton keeps",
        format!(
            "{why}, and this plan keeps {kept}. Terraform would report the version destroyed while Proton went on offering it.\n\nTo roll back to an earlier bundle, point this version's source at that bundle instead of removing the resource: Proton registers it as a new minor version, the recommended one, and the provider then deletes this one (docs/guides/rollback.md). To stop managing the version but keep it in Proton, set skip_destroy = true and apply before removing it (or, with Terraform 1.7+, use a removed block with lifecycle {{ destroy = false }}). To delete it, destroy {kept} in the same run."
        ),
    )
}

/// The diagnostic for a failed Proton call: the summary names the action,
/// the detail the AWS error code, message and identifiers.
fn api_error(action: &str, kind: TemplateKind, err: &ProtonError) -> Diagnostics {
    Diagnostics::from_error(
        format!("Unable to {action} {} version", kind.noun()),
        err.to_string(),
    )
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
        bundle_sha256: base.bundle_sha256.clone(),
        tags,
        tags_all,
        timeouts: base.timeouts.clone(),
        ..state
    }
}

impl TemplateVersionResource {
    /// The clients of the region a state names (region rule 4), and the version it names by
    /// its `id`.
    fn configured_with_key(
        &self,
        state: &VersionModel,
    ) -> Result<(Configured, VersionKey), Diagnostics> {
        let kind = self.kind;
        let id = state.id.as_deref().unwrap_or_default();
        let key = VersionKey::parse_id(kind, id).map_err(|err| {
            Diagnostics::from_error(
                format!("Invalid {} version id", kind.noun()),
                err.to_string(),
            )
        })?;
        Ok((
            self.provider.configured(region::of_state(
                state.region.as_deref(),
                state.arn.as_deref(),
            ))?,
            key,
        ))
    }

    /// Plans `bundle_sha256` from the configured directory (directory_source rule 1): `None`,
    /// with the plan's error, when the bundle cannot be built.
    async fn plan_bundle_sha256(&self, plan: &mut ResourcePlan<'_>) -> Option<DirectoryPlan> {
        let sha = field_name!(VersionModel, bundle_sha256);
        let directory = directory_source::planned(plan.config, &self.shape.read(plan.config));
        match &directory {
            DirectoryPlan::None => plan.set(sha, Value::Null),
            DirectoryPlan::Unknown => plan.set(sha, Value::Unknown),
            DirectoryPlan::Known(known) => match known.build().await {
                Ok(built) => plan.set(sha, Value::string(&built.sha256)),
                Err(diags) => {
                    plan.diagnostics.extend(diags);
                    return None;
                }
            },
        }
        Some(directory)
    }

    /// Checks a bundle a plan creates a version from (directory_source rule 3).
    async fn check_bundle(&self, directory: &Directory, plan: &mut ResourcePlan<'_>) {
        let kind = self.kind;
        let planned = self.shape.read(&plan.planned);
        let client = self.client(planned.region.as_deref()).ok();
        let client = client.as_ref();
        let template = plan
            .config
            .get_attr(field_name!(VersionModel, template_name))
            .and_then(Value::as_str);
        let expected = directory_source::expectations(client, kind, template).await;
        let problems = directory.problems(expected).await;
        if !problems.is_empty() {
            let problems = problems.iter().map(ToString::to_string);
            plan.diagnostics
                .extend(invalid_bundle(&directory.path, problems));
            return;
        }
        let (Some(client), Some(template), Some(major), Some(schema)) = (
            client,
            template,
            planned.major_version.as_deref(),
            directory.schema(),
        ) else {
            return;
        };
        let Some((current, refused)) =
            directory_source::incompatibilities(client, kind, template, major, &schema).await
        else {
            return;
        };
        let refused = refused.iter().map(|why| {
            format!("schema/schema.yaml is not backward compatible with {} (the newest minor of major version {major}): {why}. Proton refuses such a minor version; start a new major version instead (omit `major_version`, or give the next major).", kind.describe_version(&current))
        });
        plan.diagnostics
            .extend(invalid_bundle(&directory.path, refused));
    }

    /// Marks a version as this instance's (see [`crate::proton::create`]), recording where
    /// its bundle is.
    async fn claim(
        &self,
        configured: &Configured,
        arn: &str,
        planned: &VersionModel,
    ) -> Result<(), ProtonError> {
        let location = source_tag_value(planned).unwrap_or_default();
        let tag = BTreeMap::from([(SOURCE_TAG.to_string(), location)]);
        configured.client.tag(arn, &tag).await
    }

    /// Notes what this plan does to an existing version, for the destroy
    /// plans of its siblings (proton::delete rule 6). A replacement that is
    /// published into the same major makes the old version an ordinary
    /// minor, which Proton deletes: its delete may wait for it.
    fn note_planned(&self, prior: &VersionModel, plan: &mut ResourcePlan<'_>) {
        let kind = self.kind;
        let Ok((configured, key)) = self.configured_with_key(prior) else {
            return;
        };
        let replaced = !plan.requires_replace.is_empty();
        let fate = if replaced {
            PlannedFate::Goes
        } else {
            PlannedFate::Stays
        };
        let ledger = configured.client.ledger();
        ledger.note_planned(kind, &key, fate);
        // Into the same major of the same template: a rename makes a version
        // of another template, which lifts nothing.
        let published_into_same_major = plan.get(field_name!(VersionModel, status)).as_str()
            == Some("PUBLISHED")
            && plan.get(field_name!(VersionModel, template_name)).as_str()
                == Some(&key.template_name)
            && plan.get(field_name!(VersionModel, major_version)).as_str() == Some(&key.major);
        let note = DeleteNote {
            lifted_in_run: replaced && published_into_same_major,
            // The template's plan came first (this version depends on it):
            // its replacement decides whether this delete may defer (rule 8).
            template_replaced: ledger
                .template_replacement(kind, &key.template_name)
                .map(|new_name| TemplateReplaced { new_name }),
            ..DeleteNote::new(&key)
        };
        plan.private = Some(note.to_private());
    }

    /// Finds the deletes earlier runs deferred that a change of `key` may
    /// have lifted (proton::delete rule 3), for the sweep that follows: a
    /// publish makes the versions below it ordinary minors; a service version
    /// that stops listing an environment major, or is deleted, frees it.
    async fn pick_up_lifted(
        &self,
        client: &ProtonClient,
        key: &VersionKey,
        prior: &VersionModel,
        planned: Option<&VersionModel>,
    ) {
        let kind = self.kind;
        if planned.is_some_and(|planned| prior.newly_published(planned.status.as_deref())) {
            pick_up_deferrals(client, kind, &key.template_name, Some(&key.major)).await;
        }
        let Some(listed_kind) = kind.lists() else {
            return;
        };
        let still_listed = planned.map(|p| &p.compatible_environment_template);
        for listed in &prior.compatible_environment_template {
            if still_listed.is_some_and(|now| now.contains(listed)) {
                continue;
            }
            let (template, major) = (&listed.template_name, &listed.major_version);
            pick_up_deferrals(client, listed_kind, template, Some(major)).await;
        }
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
            .update_version(self.kind, &version.key(), &publish)
            .await
    }
}

#[async_trait::async_trait]
impl TypedResource for TemplateVersionResource {
    const GENERATES_CONFIG: bool = true;

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        validate_source(config, diags);
    }

    async fn modify_plan(&self, _ctx: &OpContext, plan: &mut ResourcePlan<'_>) {
        region::plan_region(plan, self.provider.default_region());
        let Some(directory) = self.plan_bundle_sha256(plan).await else {
            return;
        };
        let note = " (one is kept for the provider)";
        tags::plan_tags_all(
            plan,
            &self.provider.tags(),
            tags::MAX_USER_TAGS,
            "version",
            note,
        );
        let source = field_name!(VersionModel, source);
        let status = field_name!(VersionModel, status);
        if plan.is_create() {
            // Proton registers every new version as DRAFT and the create
            // publishes only when asked, so an unset status is certain. (A
            // failed registration fails the create, and its state says so.)
            if plan.config.get_attr(status).is_none_or(Value::is_null) {
                plan.set(status, Value::string("DRAFT"));
            }
            if plan.get(source).is_null() {
                plan.diagnostics.attribute_error(
                    AttributePath::attr(source),
                    "Missing source block",
                    "A new version needs its bundle: add a `source { directory = ..., bucket = ... }` block (or `source { s3 { bucket = ..., key = ... } }` for a bundle built outside Terraform). (Only a version that already exists, imported into Terraform, may go without one.)",
                );
            }
            if let DirectoryPlan::Known(directory) = &directory {
                self.check_bundle(directory, plan).await;
            }
            return;
        }
        let prior = self.shape.read(plan.prior);
        plan_source_replacement(&prior, &self.shape.read(&plan.planned), &directory, plan);
        // A replacement creates a new DRAFT version: only an update would
        // unpublish.
        let planned_status = plan.get(field_name!(VersionModel, status)).as_str();
        if plan.requires_replace.is_empty() && unpublishes(&prior, planned_status) {
            unpublish_refused(&mut plan.diagnostics, Severity::Warning);
        }
        self.note_planned(&prior, plan);
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

    async fn plan_destroy(&self, ctx: &OpContext, prior: VersionModel) -> DestroyPlan {
        let kind = self.kind;
        if prior.skip_destroy == Some(true) {
            return DestroyPlan::default();
        }
        let Ok((configured, key)) = self.configured_with_key(&prior) else {
            return DestroyPlan::default();
        };
        let client = &configured.client;
        let looked = bounded(
            client,
            "ListTemplateVersions",
            UPDATE_TIMEOUT,
            &ctx.cancel,
            forecast_delete(client, kind, &key),
        );
        match looked.await {
            Ok(DeleteForecast::Allowed) => DestroyPlan::default(),
            Ok(DeleteForecast::LiftedInRun { why }) => {
                tracing::info!(version = %key, why, "the versions Proton deletes first are destroyed in this run too");
                let note = DeleteNote {
                    lifted_in_run: true,
                    ..DeleteNote::new(&key)
                };
                DestroyPlan {
                    private: Some(note.to_private()),
                    ..DestroyPlan::default()
                }
            }
            Ok(DeleteForecast::Kept { why, kept }) => DestroyPlan {
                diagnostics: kept_error(&why, &kept),
                ..DestroyPlan::default()
            },
            Ok(DeleteForecast::Unsure) => DestroyPlan::default(),
            // The look-ahead only sharpens what the apply says; it never
            // stops a destroy (the template may be gone, say, with
            // -refresh=false): the apply decides as without it.
            Err(err) => {
                tracing::warn!(version = %key, error = %err, "could not look ahead at the delete");
                DestroyPlan::default()
            }
        }
    }

    async fn create(&self, ctx: &OpContext, planned: VersionModel) -> ApplyOutcome<VersionModel> {
        let kind = self.kind;
        let configured = match self.provider.configured(planned.region.as_deref()) {
            Ok(configured) => configured,
            Err(diags) => return ApplyOutcome::failed(None, diags),
        };
        let client = &configured.client;
        let timeout = timeout_from(&planned.timeouts, "create", CREATE_TIMEOUT);
        let mut input = planned.create_input();
        // Ignored keys included, as terraform-provider-aws (tags.rs rule 4).
        input.tags = tags::create_tags(&configured.tags.default_tags, planned.tags.as_ref());
        let state_of = |version: &TemplateVersion| {
            state_from(
                version,
                &planned,
                planned.tags.clone(),
                planned.tags_all.clone(),
            )
        };
        // Counted from the start, so a delete Proton refuses waits for this create, which
        // may be what lifts the refusal.
        let counted = client.ledger().begin(kind, &input.template_name);
        // One limit for the whole create: the create call, waiting for a sibling's major,
        // registration and publishing.
        let deadline = Deadline::after(timeout);

        // A directory's bundle goes up first (directory_source rule 4).
        if let Some(directory) = Directory::of(&planned) {
            let uploaded = upload(&configured.bundles, &directory, &planned, &ctx.cancel);
            if let Err(diags) = uploaded.await {
                return ApplyOutcome::failed(None, diags);
            }
        }
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
            // A failed publish leaves the version registered, unpublished:
            // the state says so.
            Ok(registered) => {
                let publish = self.publish_if_planned(&configured, &planned, registered.clone());
                bounded(
                    client,
                    "UpdateTemplateVersion",
                    deadline,
                    &ctx.cancel,
                    publish,
                )
                .await
                .map_err(|err| {
                    let diags = api_error("publish", kind, &err.bounded_by("create"));
                    (state_of(&registered), diags)
                })
            }
            Err(err @ ProtonError::RegistrationFailed { .. }) => {
                // The state says what Proton has: read it again, or, if
                // that fails, what the waiter saw.
                let failed = match client.get_version(kind, &key).await {
                    Ok(failed) => failed,
                    Err(_) => registration_failed(created, &err),
                };
                if let Err(claim_err) = self.claim(&configured, &failed.arn, &planned).await {
                    tracing::warn!(version = %key, error = %claim_err, "could not tag the failed version");
                }
                return ApplyOutcome::failed(
                    Some(state_of(&failed)),
                    Diagnostics::from_error(
                        format!("{} version registration failed", kind.noun()),
                        format!("{err}.\n\nTerraform keeps the version as tainted and replaces it on the next apply: fix the bundle, then apply again."),
                    ),
                );
            }
            Err(err) => Err((
                partial,
                api_error("create", kind, &err.bounded_by("create")),
            )),
        };
        let version = match finished {
            Ok(version) => version,
            Err((state, diags)) => return ApplyOutcome::failed(Some(state), diags),
        };
        let state = state_of(&version);
        client.ledger().mark_live(kind, &key);
        if let Err(err) = self.claim(&configured, &version.arn, &planned).await {
            return ApplyOutcome::failed(Some(state), api_error("tag", kind, &err));
        }
        if version.status == VersionStatus::Published {
            pick_up_deferrals(client, kind, &key.template_name, Some(&key.major)).await;
        }
        sweep(client, kind, &input.template_name, &ctx.cancel).await;
        ApplyOutcome::ok(state)
    }

    async fn read(&self, ctx: &OpContext, base: VersionModel) -> ReadOutcome<VersionModel> {
        let kind = self.kind;
        let (configured, key) = match self.configured_with_key(&base) {
            Ok(found) => found,
            Err(diags) => return ReadOutcome::Failed(diags),
        };
        let client = &configured.client;
        match refreshed(&configured, kind, &key, base, &ctx.cancel).await {
            Ok(Some(found)) => {
                // A state manages it: never swept, and a delete an earlier
                // run deferred is cancelled (proton::delete rule 7).
                client.ledger().mark_live(kind, &key);
                if found.pending_deletion.is_some() {
                    let arn = found.model.arn.as_deref().unwrap_or_default();
                    match client.untag(arn, &[DEFERRED_DELETE_TAG.to_string()]).await {
                        Ok(()) => {
                            tracing::info!(version = %key, "managed again: its deferred delete is cancelled")
                        }
                        Err(err) => return ReadOutcome::Failed(api_error("read", kind, &err)),
                    }
                }
                ReadOutcome::Found(found.model)
            }
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
        prior: VersionModel,
        planned_change: Planned<'_, VersionModel>,
    ) -> ApplyOutcome<VersionModel> {
        let kind = self.kind;
        let planned = &planned_change.model;
        let timeout = timeout_from(&planned.timeouts, "update", UPDATE_TIMEOUT);
        let (configured, key) = match self.configured_with_key(&prior) {
            Ok(found) => found,
            Err(diags) => return ApplyOutcome::failed(None, diags),
        };
        // Refused before any call, so the plan's other changes are not
        // applied half-way either.
        if unpublishes(&prior, planned.status.as_deref()) {
            let mut diagnostics = Diagnostics::new();
            unpublish_refused(&mut diagnostics, Severity::Error);
            return ApplyOutcome::failed(None, diagnostics);
        }
        // A directory newly recorded (adopted, moved, or after an `s3` source) has its bundle
        // uploaded, so the recorded object holds it (directory_source rule 4).
        if let Some(directory) = Directory::of(planned).filter(|_| planned.source != prior.source) {
            let uploaded = upload(&configured.bundles, &directory, planned, &ctx.cancel);
            if let Err(diags) = uploaded.await {
                return ApplyOutcome::failed(None, diags);
            }
        }
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
                let input = planned.update_input(&prior);
                let mut version = if input == UpdateVersionInput::default() {
                    client.get_version(kind, &key).await?
                } else {
                    client.update_version(kind, &key, &input).await?
                };
                let (before, after) = (&prior.tags_all, &planned.tags_all);
                let ignore = &configured.tags.ignore_tags;
                let mut tagged =
                    tags::update_remote(client, &version.arn, before, after, ignore).await?;
                if let Some(source_tag) = source_tag_to_record(&prior, planned) {
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
                client.ledger().mark_live(kind, &key);
                self.pick_up_lifted(client, &key, &prior, Some(planned))
                    .await;
                sweep(client, kind, &key.template_name, &ctx.cancel).await;
                let mut state = state_from(
                    &version,
                    planned,
                    planned.tags.clone(),
                    planned.tags_all.clone(),
                );
                // As planned: a sibling published in this apply moves the
                // recommended minor, which the next refresh shows.
                let known = |name| planned_change.is_known(name);
                if known(field_name!(VersionModel, recommended_minor_version)) {
                    state.recommended_minor_version = planned.recommended_minor_version.clone();
                }
                if known(field_name!(VersionModel, status_message)) {
                    state.status_message = planned.status_message.clone();
                }
                ApplyOutcome::ok(state)
            }
            Err(err) => {
                let err = err.bounded_by("update");
                ApplyOutcome::failed(None, api_error("update", kind, &err))
            }
        }
    }

    async fn delete(&self, ctx: &OpContext, prior: VersionModel) -> Diagnostics {
        let kind = self.kind;
        let timeout = timeout_from(&prior.timeouts, "delete", DELETE_TIMEOUT);
        if prior.skip_destroy == Some(true) {
            tracing::info!("skip_destroy is set: leaving the version in Proton");
            return Diagnostics::new();
        }
        let (configured, key) = match self.configured_with_key(&prior) {
            Ok(found) => found,
            Err(diags) => return diags,
        };
        let DeleteNote {
            lifted_in_run,
            template_replaced,
            ..
        } = DeleteNote::from_private(&ctx.private, &key);
        let deleted = delete_version(
            &configured.client,
            kind,
            &key,
            prior.arn.as_deref().unwrap_or_default(),
            prior.recommended_minor_version.as_deref(),
            template_replaced.as_ref(),
            timeout,
            &ctx.cancel,
        );
        match deleted.await {
            Ok(VersionDeleted::Now) => {
                if !prior.compatible_environment_template.is_empty() {
                    let client = &configured.client;
                    self.pick_up_lifted(client, &key, &prior, None).await;
                    sweep(client, kind, &key.template_name, &ctx.cancel).await;
                }
                Diagnostics::new()
            }
            // The plan showed what lifts the refusal happening in this run.
            Ok(VersionDeleted::Deferred { .. }) if lifted_in_run => Diagnostics::new(),
            Ok(VersionDeleted::Deferred { waiting_for }) => {
                let mut warning = deferred_warning(kind, &key, &waiting_for);
                let renamed = template_replaced
                    .and_then(|r| r.new_name)
                    .filter(|new_name| *new_name != key.template_name);
                let created =
                    |new_name: &str| configured.client.ledger().template_created(kind, new_name);
                if let Some(new_name) = renamed.filter(|n| !created(n)) {
                    // What the deferral takes when the template goes too
                    // (proton::delete rule 8): said in the same command.
                    warning.warning(
                        format!("{} `{}` can only be deleted once `{key}` is", kind.noun(), key.template_name),
                        format!(
                            "This plan renames the {noun} `{old}` to `{new_name}`. Proton deletes `{old}` only once `{key}` is gone, which waits for {waiting_for}. That happens in this run only if `{new_name}` is created before `{old}` is deleted and what lists `{key}` moves to its versions; otherwise deleting `{old}` fails, and so does every re-apply. {}",
                            rename_recipe(kind),
                            noun = kind.noun(),
                            old = key.template_name,
                        ),
                    );
                }
                warning
            }
            Err(ProtonError::ListedUnderReplacement(listed)) => listed_under_replacement_error(
                kind,
                &listed.key,
                listed.new_name.as_deref(),
                &listed.listed_by,
                &listed.source,
            ),
            Err(err) => api_error("delete", kind, &err),
        }
    }

    async fn import(&self, ctx: &OpContext, id: &str) -> Result<Vec<VersionModel>, Diagnostics> {
        let kind = self.kind;
        let (named, region) = import_region(id, &self.provider.configured(None)?.region)?;
        let key = VersionKey::parse_id(kind, named).map_err(|err| {
            Diagnostics::from_error(
                format!("Invalid import id for {} version", kind.with_article()),
                err.to_string(),
            )
        })?;
        let client = &self.client(Some(&region))?;
        // The account shows only in the ARN Proton returns; a missing version
        // is left to the read after import, which Terraform reports.
        let arn = match bounded(
            client,
            "GetTemplateVersion",
            UPDATE_TIMEOUT,
            &ctx.cancel,
            client.find_version_to_import(kind, &key),
        )
        .await
        {
            Ok(Some(version)) => {
                refuse_foreign_account(named, &version.arn)?;
                client.ledger().mark_live(kind, &key);
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
            region: Some(region),
            ..VersionModel::default()
        };
        Ok(vec![stub])
    }

    fn identity_import_id(&self, identity: VersionModel) -> Result<String, Diagnostics> {
        Ok(identity.import_id(self.kind, &self.provider.configured(None)?.region))
    }

    /// What a user sets: no default status (`DRAFT`), no empty values, and
    /// `source` only where the provider recorded it.
    fn generate_config(&self, state: VersionModel) -> VersionModel {
        state.configuration(self.provider.default_region())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use crate::context::ProviderState;
    use std::sync::Arc;
    use std::time::SystemTime;

    use super::*;
    use crate::plugin::plan::plan_change_now;
    use crate::plugin::schema::Presence;
    use crate::proton::TemplateVersionSummary;

    fn version(status: VersionStatus) -> TemplateVersion {
        TemplateVersion {
            summary: TemplateVersionSummary {
                kind: TemplateKind::Environment,
                template_name: "web".into(),
                major_version: "1".into(),
                minor_version: "0".into(),
                recommended_minor_version: None,
                status,
                status_message: None,
                description: None,
                arn: "arn:aws:proton:us-east-1:123456789012:environment-template/web:1.0".into(),
                created_at: SystemTime::UNIX_EPOCH,
                last_modified_at: SystemTime::UNIX_EPOCH,
            },
            schema: None,
            compatible_environment_templates: Vec::new(),
            supported_component_sources: Vec::new(),
        }
    }

    #[test]
    fn only_published_to_draft_unpublishes() {
        let with = |status: &str| VersionModel {
            status: Some(status.into()),
            ..VersionModel::default()
        };
        assert!(unpublishes(&with("PUBLISHED"), Some("DRAFT")));
        assert!(!unpublishes(&with("PUBLISHED"), Some("PUBLISHED")));
        assert!(!unpublishes(&with("DRAFT"), Some("DRAFT")));
        assert!(!unpublishes(&with("REGISTRATION_FAILED"), Some("DRAFT")));
        assert!(!unpublishes(&with("PUBLISHED"), None));
    }

    #[test]
    fn a_failed_registration_unread_is_stored_as_the_waiter_saw_it() {
        let err = ProtonError::RegistrationFailed {
            key: "environment template version `web:1.0`".into(),
            status_message: Some("schema missing".into()),
        };
        let failed = registration_failed(version(VersionStatus::RegistrationInProgress), &err);
        let state = VersionModel::from(&failed);
        assert_eq!(state.status.as_deref(), Some("REGISTRATION_FAILED"));
        assert_eq!(state.status_message.as_deref(), Some("schema missing"));
    }

    fn resource() -> TemplateVersionResource {
        let kind = TemplateKind::Environment;
        TemplateVersionResource::new(kind, shape, Arc::new(ProviderState::default()))
    }

    fn prior(resource: &TemplateVersionResource) -> Value {
        resource.shape.write(&VersionModel {
            template_name: "web".into(),
            major_version: Some("1".into()),
            minor_version: Some("0".into()),
            id: Some("web:1.0".into()),
            arn: Some("arn:aws:proton:us-east-1:123456789012:environment-template/web/1.0".into()),
            created_at: Some("2026-01-01T00:00:00Z".into()),
            last_modified_at: Some("2026-01-01T00:00:00Z".into()),
            schema: Some("schema: {}".into()),
            status: Some("DRAFT".into()),
            source: Some(Source::s3("bundles", "e1.tar.gz")),
            ..VersionModel::default()
        })
    }

    /// The configuration of `prior` with `status`: computed values null.
    fn config(resource: &TemplateVersionResource, prior: &Value, status: Value) -> Value {
        let mut config = prior.clone();
        for attribute in &resource.shape.schema().block.attributes {
            if attribute.presence != Presence::Required {
                *config.get_attr_mut(&attribute.name).unwrap() = Value::Null;
            }
        }
        *config.get_attr_mut("status").unwrap() = status;
        config
    }

    /// Terraform's proposed new state: configured values, and the prior
    /// ones of computed attributes the configuration leaves null.
    fn proposed(resource: &TemplateVersionResource, prior: &Value, config: &Value) -> Value {
        let mut proposed = config.clone();
        for attribute in &resource.shape.schema().block.attributes {
            let slot = proposed.get_attr_mut(&attribute.name).unwrap();
            if attribute.is_computed() && slot.is_null() {
                *slot = prior
                    .get_attr(&attribute.name)
                    .cloned()
                    .unwrap_or(Value::Null);
            }
        }
        proposed
    }

    fn planned_status(prior: &Value, status: Value) -> Value {
        let resource = resource();
        let config = config(&resource, &self::prior(&resource), status);
        let proposed = match prior.is_null() {
            true => config.clone(),
            false => proposed(&resource, prior, &config),
        };
        let change = plan_change_now(&resource, prior, &proposed, &config);
        assert!(!change.diagnostics.has_errors(), "{:?}", change.diagnostics);
        change.planned.get_attr("status").unwrap().clone()
    }

    #[test]
    fn a_create_without_status_plans_draft() {
        assert_eq!(
            planned_status(&Value::Null, Value::Null),
            Value::string("DRAFT")
        );
    }

    #[test]
    fn a_create_plans_a_configured_status_as_configured() {
        let published = Value::string("PUBLISHED");
        assert_eq!(planned_status(&Value::Null, published.clone()), published);
        assert_eq!(planned_status(&Value::Null, Value::Unknown), Value::Unknown);
    }

    #[test]
    fn an_update_keeps_an_unset_status_and_never_fills_an_unknown_one() {
        let resource = resource();
        let prior = prior(&resource);
        assert_eq!(planned_status(&prior, Value::Null), Value::string("DRAFT"));
        // `status = other.status`, unknown until apply: publishing may
        // follow, so the status (and the recommended minor) stay unknown.
        assert_eq!(planned_status(&prior, Value::Unknown), Value::Unknown);
    }
}
