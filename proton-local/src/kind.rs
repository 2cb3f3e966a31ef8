//! The template kind: environment or service. The two kinds share every template and version
//! rule; what differs between them (names on the wire, wording, the members only a service
//! version has) is the one table below, [`TemplateKind::facts`].

use serde::{Deserialize, Serialize};

use crate::bundle::BundleKind;

/// Environment or service template (the two kinds share all version semantics).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum TemplateKind {
    Environment,
    Service,
}

/// What one kind is called and carries.
struct Facts {
    /// The word in operation names (`CreateEnvironmentTemplate`).
    operation_word: &'static str,
    /// The ARN resource type (`…:environment-template/NAME`).
    arn_type: &'static str,
    /// Human wording for messages.
    noun: &'static str,
    /// The member a template is answered in.
    template_member: &'static str,
    /// The member a version is answered in.
    version_member: &'static str,
    /// The template's provisioning member.
    provisioning_member: &'static str,
    /// Whether versions name the environment template majors they run on
    /// (`compatibleEnvironmentTemplates`, `supportedComponentSources`).
    names_compatible_environments: bool,
    /// What a bundle must contain, given whether the template has a provisioning value.
    bundle: fn(provisioned: bool) -> BundleKind,
}

const ENVIRONMENT: Facts = Facts {
    operation_word: "Environment",
    arn_type: "environment-template",
    noun: "environment template",
    template_member: "environmentTemplate",
    version_member: "environmentTemplateVersion",
    provisioning_member: "provisioning",
    names_compatible_environments: false,
    bundle: |provisioned| BundleKind::Environment {
        customer_managed: provisioned,
    },
};

const SERVICE: Facts = Facts {
    operation_word: "Service",
    arn_type: "service-template",
    noun: "service template",
    template_member: "serviceTemplate",
    version_member: "serviceTemplateVersion",
    provisioning_member: "pipelineProvisioning",
    names_compatible_environments: true,
    bundle: |provisioned| BundleKind::Service {
        has_pipeline: !provisioned,
    },
};

impl TemplateKind {
    /// Both kinds, in the order operations are listed.
    pub const ALL: [TemplateKind; 2] = [TemplateKind::Environment, TemplateKind::Service];

    fn facts(self) -> &'static Facts {
        match self {
            TemplateKind::Environment => &ENVIRONMENT,
            TemplateKind::Service => &SERVICE,
        }
    }

    /// The word in operation names: `Environment` in `CreateEnvironmentTemplate`.
    pub(crate) fn operation_word(self) -> &'static str {
        self.facts().operation_word
    }

    /// The ARN resource type.
    pub(crate) fn arn_type(self) -> &'static str {
        self.facts().arn_type
    }

    /// The kind an ARN's resource part names, and what follows its type and `/`
    /// (`environment-template/web:1.0` → `Environment`, `web:1.0`).
    pub(crate) fn of_arn_resource(resource: &str) -> Option<(TemplateKind, &str)> {
        TemplateKind::ALL.into_iter().find_map(|kind| {
            let rest = resource.strip_prefix(kind.arn_type())?.strip_prefix('/')?;
            Some((kind, rest))
        })
    }

    /// Human wording for messages.
    pub(crate) fn noun(self) -> &'static str {
        self.facts().noun
    }

    /// The member a template is answered in (`environmentTemplate`).
    pub(crate) fn template_member(self) -> &'static str {
        self.facts().template_member
    }

    /// The member a version is answered in (`environmentTemplateVersion`).
    pub(crate) fn version_member(self) -> &'static str {
        self.facts().version_member
    }

    /// The template's provisioning member: `provisioning` or `pipelineProvisioning`.
    pub(crate) fn provisioning_member(self) -> &'static str {
        self.facts().provisioning_member
    }

    /// Whether the kind's versions name compatible environment template majors and supported
    /// component sources.
    pub(crate) fn names_compatible_environments(self) -> bool {
        self.facts().names_compatible_environments
    }

    /// What a bundle registered under a template of this kind must contain; `provisioned`
    /// says whether the template has a provisioning value (CUSTOMER_MANAGED).
    pub(crate) fn bundle(self, provisioned: bool) -> BundleKind {
        (self.facts().bundle)(provisioned)
    }
}
