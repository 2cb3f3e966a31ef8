//! What Proton reports of a template version, as attribute values: written
//! once, and shared by the version resource's state, the version data source
//! and the entries of the versions list.

use std::collections::BTreeMap;
use std::time::SystemTime;

use crate::plugin::value::Value;
use crate::proton::{rfc3339, TemplateVersion, TemplateVersionSummary, VersionStatus};
use crate::resources::attrs::optional_string;

/// The fields a version and a version summary share.
struct Reported<'a> {
    arn: &'a str,
    created_at: SystemTime,
    description: Option<&'a str>,
    last_modified_at: SystemTime,
    major_version: &'a str,
    minor_version: &'a str,
    recommended_minor_version: Option<&'a str>,
    status: &'a VersionStatus,
    status_message: Option<&'a str>,
}

impl<'a> From<&'a TemplateVersionSummary> for Reported<'a> {
    fn from(v: &'a TemplateVersionSummary) -> Self {
        Self {
            arn: &v.arn,
            created_at: v.created_at,
            description: v.description.as_deref(),
            last_modified_at: v.last_modified_at,
            major_version: &v.major_version,
            minor_version: &v.minor_version,
            recommended_minor_version: v.recommended_minor_version.as_deref(),
            status: &v.status,
            status_message: v.status_message.as_deref(),
        }
    }
}

impl<'a> From<&'a TemplateVersion> for Reported<'a> {
    fn from(v: &'a TemplateVersion) -> Self {
        Self {
            arn: &v.arn,
            created_at: v.created_at,
            description: v.description.as_deref(),
            last_modified_at: v.last_modified_at,
            major_version: &v.major_version,
            minor_version: &v.minor_version,
            recommended_minor_version: v.recommended_minor_version.as_deref(),
            status: &v.status,
            status_message: v.status_message.as_deref(),
        }
    }
}

impl Reported<'_> {
    fn attributes(&self) -> BTreeMap<String, Value> {
        [
            ("arn", Value::string(self.arn)),
            ("created_at", Value::string(rfc3339(self.created_at))),
            ("description", optional_string(self.description)),
            (
                "last_modified_at",
                Value::string(rfc3339(self.last_modified_at)),
            ),
            ("major_version", Value::string(self.major_version)),
            ("minor_version", Value::string(self.minor_version)),
            (
                "recommended_minor_version",
                optional_string(self.recommended_minor_version),
            ),
            ("status", Value::string(self.status.as_str())),
            ("status_message", optional_string(self.status_message)),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_string(), value))
        .collect()
    }
}

/// A version's reported attributes, with its `id`, `schema` and `template_name`.
pub fn version_attributes(version: &TemplateVersion) -> BTreeMap<String, Value> {
    let mut attributes = Reported::from(version).attributes();
    attributes.extend([
        ("id".to_string(), Value::string(version.key().to_string())),
        (
            "schema".to_string(),
            optional_string(version.schema.as_deref()),
        ),
        (
            "template_name".to_string(),
            Value::string(&version.template_name),
        ),
    ]);
    attributes
}

/// A version summary's reported attributes (a versions list entry).
pub fn summary_attributes(summary: &TemplateVersionSummary) -> BTreeMap<String, Value> {
    Reported::from(summary).attributes()
}
