//! The template kind: environment or service templates, and everything that tells them apart
//! as plain data, said once in [`TemplateKind::facts`].
//!
//! What the kinds differ in beyond data lives next to the code it drives: the SDK calls in
//! `proton::client::kind`, the SDK shapes in `proton::convert`, and the service versions'
//! extra Terraform attributes in `resources::service_template_version`. Imports nothing of
//! the crate: `proton` and the provider's types build on it.

use std::fmt;

/// Which kind of Proton templates an item belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TemplateKind {
    Environment,
    Service,
}

/// The facts of one kind (see [`TemplateKind::facts`]).
#[derive(Debug, PartialEq, Eq)]
pub struct KindFacts {
    /// The resource-type segment of the kind's ARNs: `environment-template`.
    pub arn_resource_type: &'static str,
    /// Human wording for diagnostics: `environment template`.
    pub noun: &'static str,
    /// The indefinite article before the noun: `an`.
    pub article: &'static str,
    /// The template resource and data source, e.g. `proton_environment_template`.
    pub template_type: &'static str,
    /// The version resource and data source.
    pub version_type: &'static str,
    /// The versions-list data source.
    pub versions_type: &'static str,
    /// The template attribute for Proton's `provisioning` (environment) or
    /// `pipelineProvisioning` (service) setting.
    pub provisioning_attribute: &'static str,
    /// The schema description of [`KindFacts::provisioning_attribute`].
    pub provisioning_description: &'static str,
    /// The kind whose majors versions of this kind list as compatible, with the supported
    /// component sources that come with them: service versions list environment majors, and
    /// Proton deletes an environment major only once no service version lists it.
    pub lists: Option<TemplateKind>,
}

impl TemplateKind {
    /// Every kind, in the order the provider lists their types.
    pub const ALL: [Self; 2] = [Self::Environment, Self::Service];

    /// The one table of what tells the kinds apart.
    pub const fn facts(self) -> &'static KindFacts {
        match self {
            Self::Environment => &KindFacts {
                arn_resource_type: "environment-template",
                noun: "environment template",
                article: "an",
                template_type: "proton_environment_template",
                version_type: "proton_environment_template_version",
                versions_type: "proton_environment_template_versions",
                provisioning_attribute: "provisioning",
                provisioning_description: "`CUSTOMER_MANAGED` for environments whose infrastructure is provisioned outside Proton (such templates have no `infrastructure/` in their bundles). Omitted: Proton provisions. A change forces a new template.",
                lists: None,
            },
            Self::Service => &KindFacts {
                arn_resource_type: "service-template",
                noun: "service template",
                article: "a",
                template_type: "proton_service_template",
                version_type: "proton_service_template_version",
                versions_type: "proton_service_template_versions",
                provisioning_attribute: "pipeline_provisioning",
                provisioning_description: "`CUSTOMER_MANAGED` for services whose pipeline is provisioned outside Proton (such templates have no pipeline in their bundles). Omitted: Proton provisions the pipeline. A change forces a new template.",
                lists: Some(Self::Environment),
            },
        }
    }

    /// The kind whose ARNs have the resource-type segment `arn_resource_type`.
    pub fn from_arn_resource_type(arn_resource_type: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.arn_resource_type() == arn_resource_type)
    }

    /// The resource-type segment of this kind's ARNs: `environment-template` / `service-template`.
    pub const fn arn_resource_type(self) -> &'static str {
        self.facts().arn_resource_type
    }

    /// Human wording for diagnostics: `environment template` / `service template`.
    pub const fn noun(self) -> &'static str {
        self.facts().noun
    }

    /// The indefinite article before [`TemplateKind::noun`]: `an` / `a`.
    pub const fn article(self) -> &'static str {
        self.facts().article
    }

    /// The kind whose majors versions of this kind list as compatible (see
    /// [`KindFacts::lists`]): `Service` lists `Environment`.
    pub const fn lists(self) -> Option<Self> {
        self.facts().lists
    }

    /// The kind whose versions list majors of this kind as compatible: the inverse of
    /// [`TemplateKind::lists`].
    pub fn listed_by(self) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.lists() == Some(self))
    }

    /// Whether versions of this kind take compatible environment templates and supported
    /// component sources (Proton's service-only version fields).
    pub const fn has_service_fields(self) -> bool {
        self.lists().is_some()
    }

    /// The AWS CLI command that deletes a version of this kind:
    /// `delete-environment-template-version`.
    pub fn delete_version_command(self) -> String {
        format!("delete-{}-version", self.arn_resource_type())
    }

    /// `an environment template` / `a service template`.
    pub fn with_article(self) -> String {
        format!("{} {}", self.article(), self.noun())
    }

    /// The noun starting a sentence: `Environment template` / `Service template`.
    pub fn capitalized_noun(self) -> String {
        let noun = self.noun();
        let split = noun.chars().next().map_or(0, char::len_utf8);
        noun[..split].to_uppercase() + &noun[split..]
    }

    /// How a version is named in messages: ``environment template version `web:1.0` ``.
    pub fn describe_version(self, key: &impl fmt::Display) -> String {
        format!("{} version `{key}`", self.noun())
    }

    /// How a template is named in messages: ``environment template `web` ``.
    pub fn describe_template(self, name: &str) -> String {
        format!("{} `{name}`", self.noun())
    }
}

impl fmt::Display for TemplateKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.noun())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proton::VersionKey;

    #[test]
    fn wording() {
        let (env, svc) = (TemplateKind::Environment, TemplateKind::Service);
        assert_eq!(env.with_article(), "an environment template");
        assert_eq!(svc.with_article(), "a service template");
        assert_eq!(env.capitalized_noun(), "Environment template");
        assert_eq!(svc.capitalized_noun(), "Service template");
        assert_eq!(
            env.describe_version(&VersionKey::new("web", "1", "0")),
            "environment template version `web:1.0`"
        );
        assert_eq!(svc.describe_template("api"), "service template `api`");
        assert_eq!(
            svc.delete_version_command(),
            "delete-service-template-version"
        );
        assert_eq!(
            env.delete_version_command(),
            "delete-environment-template-version"
        );
    }

    #[test]
    fn service_versions_list_environment_majors() {
        let (env, svc) = (TemplateKind::Environment, TemplateKind::Service);
        assert_eq!(svc.lists(), Some(env));
        assert_eq!(env.listed_by(), Some(svc));
        assert_eq!((env.lists(), svc.listed_by()), (None, None));
        assert!(svc.has_service_fields() && !env.has_service_fields());
    }

    #[test]
    fn arn_resource_types_name_their_kind() {
        for kind in TemplateKind::ALL {
            assert_eq!(
                TemplateKind::from_arn_resource_type(kind.arn_resource_type()),
                Some(kind)
            );
        }
        assert_eq!(TemplateKind::from_arn_resource_type("environment"), None);
    }
}
