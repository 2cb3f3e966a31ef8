//! The template resource of either kind (`proton_environment_template`,
//! `proton_service_template`), the parents of versions, on
//! [`TypedResource`]: one implementation parameterised by [`TemplateKind`],
//! its names from the kind table.
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
//! - A replacement is noted twice (proton::delete rule 8): in the ledger, for
//!   the plans of the template's versions, and in the change's private data
//!   (`Replacement`: old and new name), so that the delete and the create of
//!   the replacement can say which case they are in and what converges: a
//!   rename converges with create_before_destroy on the template and its
//!   versions; under the same name Proton's unique names rule that out, and
//!   versions (and service versions listing them) must be replaced with it.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use crate::context::{Configured, KindType, Managed};
use crate::plugin::diag::Diagnostics;
use crate::plugin::model::Fields;
use crate::plugin::provider::{ApplyOutcome, OpContext, ReadOutcome, ResourcePlan};
use crate::plugin::schema::{timeout_from, timeouts_block, validate_value, Validator};
use crate::plugin::typed::{Planned, Shape, TypedResource};
use crate::plugin::value::{AttributePath, Value};
use crate::proton::delete::{delete_template, TemplateDeleteError};
use crate::proton::listing::all_versions;
use crate::proton::model::ArnScope;
use crate::proton::{bounded, ProtonClient};
use crate::proton::{
    ProtonError, Template, TemplateKind, TemplateVersionSummary, UpdateTemplateInput, VersionKey,
    SOURCE_TAG,
};
use crate::resources::identity::{arn_or, Identified, ACCOUNT_ID, REGION};
use crate::resources::import_scope::{import_region, refuse_foreign_account};
use crate::resources::model::TemplateModel;
use crate::resources::region::{self, region_validator};
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

/// The attributes of the template resource of `kind`: its schema
/// and its typed model's fields.
fn fields(kind: TemplateKind) -> Fields<TemplateModel> {
    let noun = kind.noun();
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
        field!(TemplateModel, provisioning).named(kind.facts().provisioning_attribute).optional(kind.facts().provisioning_description)
            .requires_replace()
            .validate(Validator::OneOf(PROVISIONING_VALUES)),
        field!(TemplateModel, region).optional_computed(&region::resource_description(noun))
            .validate(region_validator()),
        field!(TemplateModel, recommended_version).computed(
            "`MAJOR.MINOR` of the recommended (highest published) version, once one is published; null before. Read when Terraform refreshes: versions published by other resources in the same apply show up on the next plan. To use the recommended version in the same apply, read the template version data source.",
        ),
        field!(TemplateModel, tags).attribute(tags::tags_attribute("template", MAX_TEMPLATE_TAGS)),
        field!(TemplateModel, tags_all).attribute(tags::tags_all_attribute("template")),
        field!(TemplateModel, timeouts).block(|_| timeouts_block(&[("create", "5m"), ("update", "5m"), ("delete", "5m")])),
    ])
}

/// The template resource of one kind.
pub type TemplateResource = KindType<TemplateModel, Managed>;

/// The name, schema, fields and identity of the template resource of
/// `kind`; shared with the list resource, whose results are its
/// states.
pub(crate) fn shape(kind: TemplateKind) -> Shape<TemplateModel> {
    let description = format!("An AWS Proton {kind}: the named parent of template versions. Destroying it requires that it has no versions left.");
    Shape::new(kind.facts().template_type, &description, fields(kind))
        .with_identity(TemplateModel::identity_fields(), TemplateModel::scoped)
}

/// The identity: the template's name in its account and region.
impl Identified for TemplateModel {
    fn identity_fields() -> Fields<Self> {
        Fields::new([
            field!(TemplateModel, account_id).optional_for_import(ACCOUNT_ID),
            field!(TemplateModel, region).optional_for_import(REGION),
            field!(TemplateModel, name).required_for_import("Name of the template."),
        ])
    }

    fn scope_mut(&mut self) -> (Option<&str>, &mut Option<String>, &mut Option<String>) {
        (self.arn.as_deref(), &mut self.account_id, &mut self.region)
    }

    /// Its ARN when the identity gives an account, else its name.
    fn import_id(&self, kind: TemplateKind, default_region: &str) -> String {
        let resource = format!("{}/{}", kind.arn_resource_type(), self.name);
        let (account, region) = (self.account_id.as_deref(), self.region.as_deref());
        arn_or(account, region, &resource, &self.name, default_region)
    }
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
    configured: &Configured,
    kind: TemplateKind,
    name: &str,
    base: &TemplateModel,
    cancel: &CancellationToken,
) -> Result<Option<TemplateModel>, ProtonError> {
    let client = &configured.client;
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
    let (own_tags, all_tags) = tags::read_back(base.tags.as_ref(), remote_tags, &configured.tags);
    Ok(Some(state_from(&template, base, own_tags, all_tags)))
}

/// The template `name` as a refresh finds it (snapshot rule 3): from the
/// listing of its kind's templates that the refresh's other reads share, with
/// the encryption key (fixed at create, and not in the listing) from `prior`,
/// and its tags from the tag index while they agree with `prior` (else
/// ListTagsForResource); a template the listing leaves out, or never read
/// before (an import's stub), is read by [`current`].
async fn refreshed(
    configured: &Configured,
    kind: TemplateKind,
    name: &str,
    prior: &TemplateModel,
    cancel: &CancellationToken,
) -> Result<Option<TemplateModel>, ProtonError> {
    let client = &configured.client;
    if prior.created_at.is_none() {
        // Never read (an import's stub): nothing to keep the encryption key from.
        return current(configured, kind, name, prior, cancel).await;
    }
    let read = async {
        let Some(listed) = client.listed_template(kind, name).await? else {
            return current(configured, kind, name, prior, cancel).await;
        };
        let template = Template {
            encryption_key: prior.encryption_key.clone(),
            ..listed.item
        };
        let from = |remote_tags| {
            let (own_tags, all_tags) =
                tags::read_back(prior.tags.as_ref(), remote_tags, &configured.tags);
            state_from(&template, prior, own_tags, all_tags)
        };
        let found = from(listed.tags);
        if listed.tags_from_index
            && (&found.tags, &found.tags_all) != (&prior.tags, &prior.tags_all)
        {
            return Ok(Some(from(client.list_tags(&template.arn).await?)));
        }
        Ok(Some(found))
    };
    bounded(client, "ListTemplates", READ_TIMEOUT, cancel, read).await
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
                kind.with_article(),
                kind.arn_resource_type()
            ));
        }
        if name.contains(':') {
            return Err(format!(
                "`{id}` is the ARN of a template version, not of a template; import it as a {}_version",
                kind.facts().template_type
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

/// A template replacement, as this change's private data records it
/// (proton::delete rule 8), in JSON like the versions' `DeleteNote`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Replacement {
    old: String,
    new: Option<String>,
}

impl Replacement {
    fn private(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// The replacement the private data records; `None` when it records none.
    fn from_private(private: &[u8]) -> Option<Self> {
        serde_json::from_slice(private).ok()
    }

    /// A replacement under the same name (or one whose new name was not known).
    fn same_name(&self) -> bool {
        self.new.as_deref().is_none_or(|new| new == self.old)
    }
}

/// `a, b, c`-style list of backquoted version keys.
pub(crate) fn quoted(keys: &[VersionKey]) -> String {
    keys.iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What converges when a template is replaced under the same name: Proton's
/// names are unique, so the old template (and its versions, and what lists
/// them) must go first.
pub fn same_name_recipe(kind: TemplateKind, listed_by: &[VersionKey]) -> String {
    let ty = kind.facts().template_type;
    let services = match listed_by.is_empty() {
        true => String::new(),
        false => format!(
            " and to the service template versions that list them ({}), since Proton deletes an environment template's major version only once no service template version lists it",
            quoted(listed_by)
        ),
    };
    format!(
        "To replace the {noun} under the same name, leave create_before_destroy off the template and off every resource that depends on it (Proton template names are unique, so the new template can only be created once the old one is deleted), and add `lifecycle {{ replace_triggered_by = [{ty}.<label>] }}` to each of its versions{services}: Terraform then deletes them, the template, and creates them all again in one apply (Terraform 1.2 and later; with older versions, apply with `-replace=ADDRESS` for each of them). Versions created outside Terraform must be deleted there.",
        noun = kind.noun(),
    )
}

/// What converges when a template is renamed under versions that must stay
/// until their successors exist.
pub fn rename_recipe(kind: TemplateKind) -> String {
    let ty = kind.facts().template_type;
    format!(
        "To rename the {noun}, set `lifecycle {{ create_before_destroy = true }}` on the template and on each of its versions (which must name it by reference, `template_name = {ty}.<label>.name`): Terraform then creates the new template and versions, updates what lists the old versions, and only then deletes the old ones. Versions created outside Terraform must be deleted there.",
        noun = kind.noun(),
    )
}

/// Why a template could not be deleted: it still has `versions`, of which
/// `deferred` wait for the service versions `listed_by` (or for siblings).
fn has_versions_error(
    kind: TemplateKind,
    name: &str,
    failed: (&[TemplateVersionSummary], &[VersionKey], &[VersionKey]),
    replacement: Option<&Replacement>,
    err: &ProtonError,
) -> Diagnostics {
    let (versions, deferred, listed_by) = failed;
    let noun = kind.noun();
    let count = versions.len();
    let plural = if count == 1 { "" } else { "s" };
    let mut detail = format!(
        "The {noun} `{name}` still has {count} version{plural}: {}, and nothing else in this run deletes them. Proton deletes a template only after all of its versions are gone.",
        describe_versions(versions),
    );
    if !deferred.is_empty() {
        detail += &format!(
            " {} {} marked for deletion by this provider and Proton keeps {} while other versions exist or a service template version lists {}.",
            quoted(deferred),
            if deferred.len() == 1 { "is" } else { "are" },
            if deferred.len() == 1 { "it" } else { "them" },
            if deferred.len() == 1 { "its major version" } else { "their major versions" },
        );
    }
    if !listed_by.is_empty() {
        detail += &format!(
            " Service template versions list them as compatible: {}.",
            quoted(listed_by)
        );
    }
    detail += "

";
    detail += &match replacement {
        Some(replacement) if replacement.same_name() => format!(
            "This plan replaces the {noun} under the same name, and does not replace the versions (or the service template versions) in its way. {}",
            same_name_recipe(kind, listed_by)
        ),
        Some(replacement) => format!(
            "This plan renames the {noun} to `{}` and deletes the old one before creating the new one, while what is in its way only moves to the new one after that. {}",
            replacement.new.as_deref().unwrap_or_default(),
            rename_recipe(kind)
        ),
        None => "Destroy its versions first (name the template by reference, `template_name = <template resource>.name`, so that Terraform destroys them first); versions created outside Terraform must be deleted there.".to_string(),
    };
    detail += &format!(" Then apply again.\n\n{err}");
    Diagnostics::from_error(
        format!("Unable to delete {noun}: it still has versions"),
        detail,
    )
}

/// Why a create found the name taken, and what to do: a replacement under
/// the same name with create_before_destroy (likely when the template holds
/// versions this provider created) cannot work; a template in no state can
/// be imported.
async fn name_taken_detail(
    client: &ProtonClient,
    kind: TemplateKind,
    name: &str,
    ty: &str,
) -> String {
    let noun = kind.noun();
    let import = format!("To manage it here, import it: terraform import {ty}.LABEL {name}");
    let cbd = format!(
        "Terraform creates the replacement before deleting the old template when create_before_destroy is set on the template or on a resource that depends on it (such as one of its versions, from which Terraform extends it to the template), and Proton template names are unique, so a template cannot be replaced that way under the same name. Nothing was changed.\n\n{}",
        same_name_recipe(kind, &[]),
    );
    // Terraform does not tell a create that it replaces an object under
    // create_before_destroy: the versions this provider created in the
    // existing template tell a replacement (or a lost state) from a template
    // made elsewhere.
    let mut ours = Vec::new();
    if let Ok(versions) = all_versions(client, kind, name, None).await {
        for version in versions {
            let tags = client.list_tags(&version.arn).await.unwrap_or_default();
            if tags.contains_key(SOURCE_TAG) {
                ours.push(version.key());
            }
        }
    }
    if ours.is_empty() {
        return format!("The {noun} `{name}` exists but is not in this Terraform state. {import}");
    }
    format!(
        "The {noun} `{name}` already exists and holds versions this provider created ({}), so this create most likely replaces it under the same name. {cbd} To give the new template another name instead, see the rename recipe: {}\n\nIf no Terraform state manages the existing template (a state that was lost): {import}",
        quoted(&ours),
        rename_recipe(kind),
    )
}

impl TemplateResource {
    /// The clients of the region a state's template lives in (region rule 4).
    fn configured_for(&self, state: &TemplateModel) -> Result<Configured, Diagnostics> {
        let region = region::of_state(state.region.as_deref(), state.arn.as_deref());
        self.provider.configured(region)
    }
}

#[async_trait::async_trait]
impl TypedResource for TemplateResource {
    const GENERATES_CONFIG: bool = true;

    async fn modify_plan(&self, _ctx: &OpContext, plan: &mut ResourcePlan<'_>) {
        let noun = self.kind.noun();
        tags::plan_tags_all(plan, &self.provider.tags(), MAX_TEMPLATE_TAGS, noun, "");
        region::plan_region(plan, self.provider.default_region());
        if plan.is_create() {
            return;
        }
        let prior = self.shape.read(plan.prior);
        if !plan.requires_replace.is_empty() {
            // For the plans of its versions and for this change's apply
            // (proton::delete rule 8).
            let old = prior.id.clone().unwrap_or_else(|| prior.name.clone());
            let new = plan
                .get(field_name!(TemplateModel, name))
                .as_str()
                .map(str::to_string);
            if let Ok(configured) = self.configured_for(&prior) {
                configured
                    .client
                    .ledger()
                    .note_template_replaced(self.kind, &old, new.as_deref());
            }
            plan.private = Some(Replacement { old, new }.private());
        }
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

    async fn create(&self, ctx: &OpContext, planned: TemplateModel) -> ApplyOutcome<TemplateModel> {
        let kind = self.kind;
        let configured = match self.provider.configured(planned.region.as_deref()) {
            Ok(configured) => configured,
            Err(diags) => return ApplyOutcome::failed(None, diags),
        };
        let timeout = timeout_from(&planned.timeouts, "create", CREATE_TIMEOUT);
        let mut input = planned.create_input();
        // Ignored keys included, as terraform-provider-aws (tags.rs rule 4).
        input.tags = tags::create_tags(&configured.tags.default_tags, planned.tags.as_ref());
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
                // A renamed replacement exists from now on (proton::delete rule 8).
                configured
                    .client
                    .ledger()
                    .note_template_created(kind, &input.name);
                let state = state_from(
                    &template,
                    &planned,
                    planned.tags.clone(),
                    planned.tags_all.clone(),
                );
                ApplyOutcome::ok(state)
            }
            Err(err) if err.is_already_exists() => {
                let explained = name_taken_detail(
                    &configured.client,
                    kind,
                    &input.name,
                    self.kind.facts().template_type,
                );
                let detail = format!("{err}\n\n{}", explained.await);
                ApplyOutcome::failed(None, api_error("create", kind, &detail))
            }
            Err(err) => ApplyOutcome::failed(None, api_error("create", kind, &err)),
        }
    }

    async fn read(&self, ctx: &OpContext, base: TemplateModel) -> ReadOutcome<TemplateModel> {
        let kind = self.kind;
        let configured = match self.configured_for(&base) {
            Ok(configured) => configured,
            Err(diags) => return ReadOutcome::Failed(diags),
        };
        let name = base.id.as_deref().unwrap_or(&base.name);
        if name.is_empty() {
            return ReadOutcome::Failed(Diagnostics::from_error(
                format!("Invalid {} state", kind.noun()),
                "The state has no `id`. This is a bug in the provider.",
            ));
        }
        match refreshed(&configured, kind, name, &base, &ctx.cancel).await {
            Ok(Some(state)) => ReadOutcome::Found(state),
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
        prior: TemplateModel,
        planned_change: Planned<'_, TemplateModel>,
    ) -> ApplyOutcome<TemplateModel> {
        let kind = self.kind;
        let configured = match self.configured_for(&prior) {
            Ok(configured) => configured,
            Err(diags) => return ApplyOutcome::failed(None, diags),
        };
        let client = &configured.client;
        let planned = &planned_change.model;
        let timeout = timeout_from(&planned.timeouts, "update", UPDATE_TIMEOUT);
        let name = prior.id.clone().unwrap_or_default();
        let result = bounded(client, "UpdateTemplate", timeout, &ctx.cancel, async {
            let input = planned.update_input(&prior);
            let mut template = if input == UpdateTemplateInput::default() {
                client.get_template(kind, &name).await?
            } else {
                client.update_template(kind, &name, &input).await?
            };
            let ignore = &configured.tags.ignore_tags;
            if tags::update_remote(
                client,
                &template.arn,
                &prior.tags_all,
                &planned.tags_all,
                ignore,
            )
            .await?
            {
                template = client.get_template(kind, &name).await?;
            }
            Ok(template)
        })
        .await;
        match result {
            Ok(template) => {
                let mut state = state_from(
                    &template,
                    planned,
                    planned.tags.clone(),
                    planned.tags_all.clone(),
                );
                // As planned: a version published meanwhile (by a sibling
                // resource in this apply) shows on the next refresh instead
                // of making this result inconsistent with the plan.
                if planned_change.is_known(field_name!(TemplateModel, recommended_version)) {
                    state.recommended_version = planned.recommended_version.clone();
                }
                ApplyOutcome::ok(state)
            }
            Err(err) => ApplyOutcome::failed(None, api_error("update", kind, &err)),
        }
    }

    async fn delete(&self, ctx: &OpContext, prior: TemplateModel) -> Diagnostics {
        let kind = self.kind;
        let configured = match self.configured_for(&prior) {
            Ok(configured) => configured,
            Err(diags) => return diags,
        };
        let timeout = timeout_from(&prior.timeouts, "delete", DELETE_TIMEOUT);
        let name = prior.id.unwrap_or_default();
        match delete_template(&configured.client, kind, &name, timeout, &ctx.cancel).await {
            Ok(()) => Diagnostics::new(),
            Err(TemplateDeleteError::HasVersions {
                versions,
                deferred,
                listed_by,
                refusal,
            }) => {
                let replacement = Replacement::from_private(&ctx.private);
                let failed = (&versions[..], &deferred[..], &listed_by[..]);
                has_versions_error(kind, &name, failed, replacement.as_ref(), &refusal)
            }
            Err(TemplateDeleteError::Proton(err)) => api_error("delete", kind, &err),
        }
    }

    async fn import(&self, ctx: &OpContext, id: &str) -> Result<Vec<TemplateModel>, Diagnostics> {
        let kind = self.kind;
        let (named, region) = import_region(id, &self.provider.configured(None)?.region)?;
        let name = parse_import_id(kind, named).map_err(|detail| {
            Diagnostics::from_error(
                format!("Invalid import id for {}", kind.with_article()),
                detail,
            )
        })?;
        if ArnScope::of(named).is_some() {
            let client = &self.client(Some(&region))?;
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
                Ok(Some(template)) => refuse_foreign_account(named, &template.arn)?,
                Ok(None) => {}
                Err(err) => return Err(api_error("import", kind, &err)),
            }
        }
        // Unset optional values read as null, like an unset configuration.
        let stub = TemplateModel {
            id: Some(name.clone()),
            name,
            region: Some(region),
            ..TemplateModel::default()
        };
        Ok(vec![stub])
    }

    fn identity_import_id(&self, identity: TemplateModel) -> Result<String, Diagnostics> {
        Ok(identity.import_id(self.kind, &self.provider.configured(None)?.region))
    }

    /// What a user sets, without empty values Proton reports as none.
    fn generate_config(&self, state: TemplateModel) -> TemplateModel {
        state.configuration(self.provider.default_region())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_replacement_is_read_back_from_its_private_data_and_nothing_else() {
        let renamed = Replacement {
            old: "web".into(),
            new: Some("web2".into()),
        };
        assert_eq!(
            Replacement::from_private(&renamed.private()),
            Some(renamed.clone())
        );
        assert!(!renamed.same_name());
        let unknown = Replacement {
            old: "web".into(),
            new: None,
        };
        assert_eq!(
            Replacement::from_private(&unknown.private()),
            Some(unknown.clone())
        );
        assert!(unknown.same_name());
        assert_eq!(Replacement::from_private(b""), None);
        assert_eq!(Replacement::from_private(b"\x01sdk-private"), None);
    }

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
