//! The rules versions obey beyond their own fields: which version is recommended, which
//! compatible environment templates a service version may name, and when a delete is refused.

use crate::kind::TemplateKind;
use crate::model;
use crate::store::{Partition, Version};
use crate::wire::ApiError;

/// The template's recommended version: its highest published one.
pub(super) fn recommended_version(
    p: &Partition,
    kind: TemplateKind,
    name: &str,
) -> Option<(u64, u64)> {
    p.versions_of(kind, name)
        .filter(|v| v.is_published())
        .map(|v| (v.major, v.minor))
        .last()
}

/// The recommended minor of `major`: its highest published one.
pub(super) fn recommended_minor(
    p: &Partition,
    kind: TemplateKind,
    name: &str,
    major: u64,
) -> Option<u64> {
    p.versions_of(kind, name)
        .filter(|v| v.major == major && v.is_published())
        .map(|v| v.minor)
        .last()
}

/// Checks that every compatible environment template major exists.
pub(super) fn check_compatible(
    p: &Partition,
    compatible: &[model::CompatibleEnvironmentTemplate],
) -> Result<(), ApiError> {
    for entry in compatible {
        let major = entry.major_version.parse::<u64>().ok();
        let exists = major.is_some_and(|major| {
            p.versions_of(TemplateKind::Environment, &entry.template_name)
                .any(|v| v.major == major)
        });
        if !exists {
            let template_exists = p
                .templates
                .contains_key(&(TemplateKind::Environment, entry.template_name.clone()));
            return Err(ApiError::validation(if template_exists {
                format!(
                    "The compatible environment template '{}' has no major version '{}'.",
                    entry.template_name, entry.major_version
                )
            } else {
                format!(
                    "The compatible environment template '{}' does not exist.",
                    entry.template_name
                )
            }));
        }
    }
    Ok(())
}

/// Why a version may not be deleted, if it may not (proton.md §2.4).
pub(super) fn delete_refusal(p: &Partition, v: &Version) -> Option<String> {
    let others_in_major = p
        .versions_of(v.kind, &v.template)
        .filter(|o| o.major == v.major && o.minor != v.minor)
        .count();
    let id = format!("{}:{}.{}", v.template, v.major, v.minor);
    if others_in_major > 0 {
        if recommended_minor(p, v.kind, &v.template, v.major) == Some(v.minor) {
            return Some(format!(
                "Version {id} is the recommended minor version of major version {}; it can only be deleted when no other minor versions of that major version exist.",
                v.major
            ));
        }
        return None;
    }
    // This is the last minor version: deleting it deletes the major version.
    let others = p.versions_of(v.kind, &v.template).count().saturating_sub(1);
    if others > 0 && recommended_version(p, v.kind, &v.template).map(|(m, _)| m) == Some(v.major) {
        return Some(format!(
            "Version {id} is the recommended version of the {}; it can only be deleted when no other versions exist.",
            v.kind.noun()
        ));
    }
    if v.kind == TemplateKind::Environment {
        let major = v.major.to_string();
        let user = p.versions.values().find(|s| {
            s.kind.names_compatible_environments()
                && s.compatible
                    .iter()
                    .any(|c| c.template_name == v.template && c.major_version == major)
        });
        if let Some(user) = user {
            return Some(format!(
                "Major version {} of environment template '{}' is a compatible environment template of service template version {}:{}.{}.",
                v.major, v.template, user.template, user.major, user.minor
            ));
        }
    }
    None
}
