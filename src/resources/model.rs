//! The typed models of the two resources, shared by the resources, data
//! sources and list resources of both kinds: a template and a template
//! version as Terraform records them, and the conversions from what Proton
//! reports.
//!
//! The attribute schemas are not here: each resource and data source
//! declares its own [`Fields`](crate::plugin::model::Fields) over these
//! structs, next to its code. A field a schema does not declare is neither
//! read nor written (a data source has no `timeouts`, an environment
//! version no compatible environment templates). A field that no schema
//! declares fails the 1:1 test (`resources::tests`), and the conversions
//! that must be total name every field, so a new one fails to compile
//! until each has decided on it.

use std::collections::{BTreeMap, BTreeSet};

use crate::bundle::content_key;
use crate::plugin::value::Value;
use crate::proton::model::ArnScope;
use crate::proton::{
    rfc3339, CompatibleEnvironmentTemplate, CreateTemplateInput, CreateVersionInput, Template,
    TemplateVersion, TemplateVersionSummary, UpdateTemplateInput, UpdateVersionInput,
    VersionStatus,
};

/// A template (`proton_environment_template`, `proton_service_template`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TemplateModel {
    // What names it, and its identity.
    pub name: String,
    /// The name.
    pub id: Option<String>,
    /// From the ARN: identity only, no attribute.
    pub account_id: Option<String>,
    /// Where it lives: from the ARN, or (planned) the configuration's `region`, else the
    /// provider's.
    pub region: Option<String>,
    // What Proton reports; timestamps are RFC 3339.
    pub arn: Option<String>,
    pub created_at: Option<String>,
    pub last_modified_at: Option<String>,
    /// `MAJOR.MINOR`, once a version is published.
    pub recommended_version: Option<String>,
    // What the configuration sets.
    /// Proton reports `""` as none; the state keeps a written `""`.
    pub description: Option<String>,
    pub display_name: Option<String>,
    pub encryption_key: Option<String>,
    /// `provisioning` or `pipeline_provisioning`, by kind.
    pub provisioning: Option<String>,
    /// As written (unset stays unset), without tags only the defaults give.
    pub tags: Option<BTreeMap<String, String>>,
    /// Every tag but AWS's own.
    pub tags_all: BTreeMap<String, String>,
    /// The `timeouts` block, kept as written.
    pub timeouts: Value,
}

/// What Proton reports of a template. Every field is named, so a new one
/// must be decided on here.
impl From<&Template> for TemplateModel {
    fn from(template: &Template) -> Self {
        Self {
            name: template.name.clone(),
            id: Some(template.name.clone()),
            arn: Some(template.arn.clone()),
            created_at: Some(rfc3339(template.created_at)),
            last_modified_at: Some(rfc3339(template.last_modified_at)),
            recommended_version: template.recommended_version.clone(),
            description: template.description.clone(),
            display_name: template.display_name.clone(),
            encryption_key: template.encryption_key.clone(),
            provisioning: template.provisioning.clone(),
            region: region_of(&template.arn),
            // Not reported with the template: from its ARN, from
            // ListTagsForResource, or from the configuration.
            account_id: None,
            tags: None,
            tags_all: BTreeMap::new(),
            timeouts: Value::Null,
        }
    }
}

/// A template version (`proton_environment_template_version`,
/// `proton_service_template_version`), or an entry of a versions list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VersionModel {
    // What names it, and its identity.
    pub template_name: String,
    pub major_version: Option<String>,
    pub minor_version: Option<String>,
    /// `TEMPLATE_NAME:MAJOR.MINOR`.
    pub id: Option<String>,
    /// From the ARN: identity only, no attribute.
    pub account_id: Option<String>,
    /// Where it lives: from the ARN, or (planned) the configuration's `region`, else the
    /// provider's.
    pub region: Option<String>,
    // What Proton reports.
    pub arn: Option<String>,
    pub created_at: Option<String>,
    pub last_modified_at: Option<String>,
    /// Of the version's major version.
    pub recommended_minor_version: Option<String>,
    /// The bundle's schema file; none while registration is in progress.
    pub schema: Option<String>,
    /// `REGISTRATION_IN_PROGRESS`, `REGISTRATION_FAILED`, `DRAFT` or `PUBLISHED`.
    pub status: Option<String>,
    pub status_message: Option<String>,
    /// Data source only: whether the provider deferred the version's delete
    /// (its tag), so Proton keeps it only until a sweep deletes it.
    pub pending_deletion: Option<bool>,
    // What the configuration sets.
    pub description: Option<String>,
    pub skip_destroy: Option<bool>,
    /// From the configuration, or from the provider's tag on import.
    pub source: Option<Source>,
    /// SHA-256 of the bundle built from `source.directory`, computed at plan time.
    pub bundle_sha256: Option<String>,
    pub tags: Option<BTreeMap<String, String>>,
    pub tags_all: BTreeMap<String, String>,
    pub timeouts: Value,
    /// Service versions only.
    pub compatible_environment_template: BTreeSet<CompatibleTemplate>,
    /// Service versions only; unset stays unset while Proton reports none.
    pub supported_component_sources: Option<BTreeSet<String>>,
}

/// What Proton lists of a version. Every field is named, so a new one must
/// be decided on here.
impl From<&TemplateVersionSummary> for VersionModel {
    fn from(version: &TemplateVersionSummary) -> Self {
        Self {
            template_name: version.template_name.clone(),
            major_version: Some(version.major_version.clone()),
            minor_version: Some(version.minor_version.clone()),
            id: Some(version.key().to_string()),
            arn: Some(version.arn.clone()),
            created_at: Some(rfc3339(version.created_at)),
            last_modified_at: Some(rfc3339(version.last_modified_at)),
            recommended_minor_version: version.recommended_minor_version.clone(),
            status: Some(version.status.as_str().to_string()),
            status_message: version.status_message.clone(),
            description: version.description.clone(),
            region: region_of(&version.arn),
            // Reported by GetTemplateVersion only (below).
            schema: None,
            compatible_environment_template: BTreeSet::new(),
            supported_component_sources: None,
            // Not reported by Proton: from the ARN, from the tags, or from
            // the configuration.
            account_id: None,
            pending_deletion: None,
            skip_destroy: None,
            source: None,
            bundle_sha256: None,
            tags: None,
            tags_all: BTreeMap::new(),
            timeouts: Value::Null,
        }
    }
}

/// What Proton reports of a version; source, tags and timeouts are not
/// among it.
impl From<&TemplateVersion> for VersionModel {
    fn from(version: &TemplateVersion) -> Self {
        Self {
            schema: version.schema.clone(),
            compatible_environment_template: version
                .compatible_environment_templates
                .iter()
                .map(CompatibleTemplate::from)
                .collect(),
            supported_component_sources: Some(
                version
                    .supported_component_sources
                    .iter()
                    .cloned()
                    .collect(),
            ),
            ..Self::from(&version.summary)
        }
    }
}

/// The region an object's ARN names.
fn region_of(arn: &str) -> Option<String> {
    ArnScope::of(arn).map(|scope| scope.region)
}

/// The conversions that must be total: each names every field of its model,
/// so a new field fails to compile here until each has decided on it.
impl TemplateModel {
    /// The create parameters of a planned template.
    pub fn create_input(&self) -> CreateTemplateInput {
        let Self {
            name,
            description,
            display_name,
            encryption_key,
            provisioning,
            tags_all,
            // Proton's, the identity's, or the provider's own.
            id: _,
            account_id: _,
            region: _,
            arn: _,
            created_at: _,
            last_modified_at: _,
            recommended_version: _,
            tags: _,
            timeouts: _,
        } = self.clone();
        CreateTemplateInput {
            name,
            display_name,
            description,
            encryption_key,
            provisioning,
            tags: tags_all,
        }
    }

    /// The update parameters for what differs from `prior`; tags are
    /// updated by tagging.
    pub fn update_input(&self, prior: &Self) -> UpdateTemplateInput {
        let Self {
            display_name,
            description,
            // A change replaces the template.
            name: _,
            encryption_key: _,
            provisioning: _,
            // Proton's, the identity's, or the provider's own.
            id: _,
            account_id: _,
            region: _,
            arn: _,
            created_at: _,
            last_modified_at: _,
            recommended_version: _,
            tags: _,
            tags_all: _,
            timeouts: _,
        } = self;
        let mut input = UpdateTemplateInput::default();
        if *display_name != prior.display_name {
            // Removal is refused at plan time; only a new value gets here.
            input.display_name = display_name.clone();
        }
        if *description != prior.description {
            input.description = Some(description.clone());
        }
        input
    }

    /// What a user sets for this state: `-generate-config-out`'s
    /// configuration, without empty values Proton reports as none, and with `region` only
    /// where it is not the provider's `default_region`.
    pub fn configuration(self, default_region: Option<&str>) -> Self {
        let Self {
            name,
            description,
            display_name,
            encryption_key,
            provisioning,
            tags,
            region,
            id: _,
            account_id: _,
            arn: _,
            created_at: _,
            last_modified_at: _,
            recommended_version: _,
            tags_all: _,
            timeouts: _,
        } = self;
        Self {
            name,
            region: region.filter(|region| Some(region.as_str()) != default_region),
            description: description.filter(|d| !d.is_empty()),
            display_name,
            encryption_key,
            provisioning,
            tags: tags.filter(|tags| !tags.is_empty()),
            ..Self::default()
        }
    }
}

/// The conversions that must be total, as for templates.
impl VersionModel {
    /// The create parameters of a planned version.
    pub fn create_input(&self) -> CreateVersionInput {
        let Self {
            template_name,
            major_version,
            description,
            source,
            bundle_sha256,
            tags_all,
            compatible_environment_template,
            supported_component_sources,
            // Published after registration, by the create.
            status: _,
            // Proton's, the identity's, or the provider's own.
            minor_version: _,
            id: _,
            account_id: _,
            region: _,
            arn: _,
            created_at: _,
            last_modified_at: _,
            recommended_minor_version: _,
            schema: _,
            status_message: _,
            pending_deletion: _,
            skip_destroy: _,
            tags: _,
            timeouts: _,
        } = self.clone();
        let object =
            source.and_then(|source| source.object(&template_name, bundle_sha256.as_deref()));
        let S3Location { bucket, key } = object.unwrap_or_default();
        let mut compatible: Vec<_> = compatible_environment_template
            .iter()
            .map(Into::into)
            .collect();
        compatible.sort();
        CreateVersionInput {
            template_name,
            major_version,
            description,
            source_bucket: bucket,
            source_key: key,
            tags: tags_all,
            compatible_environment_templates: compatible,
            supported_component_sources: supported_component_sources
                .into_iter()
                .flatten()
                .collect(),
            client_token: String::new(),
        }
    }

    /// The update parameters for what differs from `prior`; tags are
    /// updated by tagging.
    pub fn update_input(&self, prior: &Self) -> UpdateVersionInput {
        let Self {
            description,
            status,
            compatible_environment_template,
            supported_component_sources,
            // A change replaces the version.
            template_name: _,
            major_version: _,
            source: _,
            bundle_sha256: _,
            // Proton's, the identity's, or the provider's own.
            minor_version: _,
            id: _,
            account_id: _,
            region: _,
            arn: _,
            created_at: _,
            last_modified_at: _,
            recommended_minor_version: _,
            schema: _,
            status_message: _,
            pending_deletion: _,
            skip_destroy: _,
            tags: _,
            tags_all: _,
            timeouts: _,
        } = self;
        let mut input = UpdateVersionInput::default();
        if *description != prior.description {
            input.description = Some(description.clone());
        }
        if prior.newly_published(status.as_deref()) {
            input.status = Some(VersionStatus::Published);
        }
        if *compatible_environment_template != prior.compatible_environment_template {
            let compatible = compatible_environment_template.iter();
            input.compatible_environment_templates = Some(compatible.map(Into::into).collect());
        }
        if *supported_component_sources != prior.supported_component_sources {
            let sources = supported_component_sources.iter().flatten();
            input.supported_component_sources = Some(sources.cloned().collect());
        }
        input
    }

    /// What a user sets for this state: `-generate-config-out`'s
    /// configuration, with no default status (`DRAFT`), no empty values,
    /// `source` only where the provider recorded it, and `region` only where it is not the
    /// provider's `default_region`.
    pub fn configuration(self, default_region: Option<&str>) -> Self {
        let Self {
            template_name,
            major_version,
            description,
            source,
            status,
            tags,
            compatible_environment_template,
            supported_component_sources,
            region,
            minor_version: _,
            id: _,
            account_id: _,
            arn: _,
            created_at: _,
            last_modified_at: _,
            recommended_minor_version: _,
            schema: _,
            status_message: _,
            pending_deletion: _,
            skip_destroy: _,
            tags_all: _,
            timeouts: _,
            // Computed from the directory, which Proton cannot report.
            bundle_sha256: _,
        } = self;
        Self {
            template_name,
            major_version,
            region: region.filter(|region| Some(region.as_str()) != default_region),
            description: description.filter(|d| !d.is_empty()),
            source,
            status: status.filter(|status| status == "PUBLISHED"),
            tags: tags.filter(|tags| !tags.is_empty()),
            compatible_environment_template,
            supported_component_sources,
            ..Self::default()
        }
    }

    /// Whether a version this describes is published by an update to
    /// `planned_status`.
    pub fn newly_published(&self, planned_status: Option<&str>) -> bool {
        planned_status == Some("PUBLISHED") && self.status.as_deref() != Some("PUBLISHED")
    }
}

/// `source { s3 { bucket, key } }`, or `source { directory, bucket, key_prefix, excludes }`:
/// where a version's bundle is, or the directory the provider builds it from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Source {
    pub s3: Option<S3Location>,
    /// The bundle's root directory (`schema/`, `infrastructure/`, …).
    pub directory: Option<String>,
    /// The bucket the built bundle is uploaded to.
    pub bucket: Option<String>,
    /// Prepended to the uploaded object's key.
    pub key_prefix: Option<String>,
    /// Globs of files to leave out of the built bundle.
    pub excludes: Option<Vec<String>>,
}

/// An S3 object.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct S3Location {
    pub bucket: String,
    pub key: String,
}

impl Source {
    /// The source at `s3://bucket/key`.
    pub fn s3(bucket: &str, key: &str) -> Self {
        Self {
            s3: Some(S3Location {
                bucket: bucket.to_string(),
                key: key.to_string(),
            }),
            ..Self::default()
        }
    }

    /// The S3 object a version of `template_name` is created from: the given one, or, for a
    /// directory, the content-addressed object its built bundle (`bundle_sha256`) is
    /// uploaded to. `None` while that is not known.
    pub fn object(&self, template_name: &str, bundle_sha256: Option<&str>) -> Option<S3Location> {
        let Self {
            s3,
            directory,
            bucket,
            key_prefix,
            excludes: _,
        } = self;
        if let Some(s3) = s3 {
            return Some(s3.clone());
        }
        directory.as_ref()?;
        Some(S3Location {
            bucket: bucket.clone()?,
            key: content_key(
                key_prefix.as_deref().unwrap_or(""),
                template_name,
                bundle_sha256?,
            ),
        })
    }
}

/// An environment template major version a service version works with.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct CompatibleTemplate {
    pub template_name: String,
    pub major_version: String,
}

impl From<&CompatibleEnvironmentTemplate> for CompatibleTemplate {
    fn from(template: &CompatibleEnvironmentTemplate) -> Self {
        Self {
            major_version: template.major_version.clone(),
            template_name: template.template_name.clone(),
        }
    }
}

impl From<&CompatibleTemplate> for CompatibleEnvironmentTemplate {
    fn from(template: &CompatibleTemplate) -> Self {
        Self {
            major_version: template.major_version.clone(),
            template_name: template.template_name.clone(),
        }
    }
}
