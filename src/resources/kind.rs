//! One descriptor per template family: what tells environment and service
//! templates apart, said once. Every resource and data source of a family
//! reads its [`KindSpec`]; the provider registers one of each type per spec.

use std::sync::Arc;

use crate::context::{Configured, ProviderState};
use crate::plugin::diag::Diagnostics;
use crate::plugin::model::{Field, Fields};
use crate::plugin::schema::Schema;
use crate::proton::TemplateKind;
use crate::resources::model::VersionModel;
use crate::resources::service_template_version as service;

/// A template family and everything the Terraform types of it differ in.
#[derive(Debug)]
pub struct KindSpec {
    pub kind: TemplateKind,
    /// The template resource and data source, e.g. `proton_environment_template`.
    pub template_type: &'static str,
    /// The version resource and data source.
    pub version_type: &'static str,
    /// The versions-list data source.
    pub versions_type: &'static str,
    /// The template attribute for Proton's `provisioning` (environment) or
    /// `pipelineProvisioning` (service) setting.
    pub provisioning_attribute: &'static str,
    /// What versions of this family add to the shared version resource.
    pub version_extras: VersionExtras,
}

/// The attributes a family adds to the shared template version resource and
/// data source (service versions: compatible environment templates and
/// supported component sources). The model has them for every family; a
/// family without them never reads or writes them.
#[derive(Debug)]
pub struct VersionExtras {
    /// Extra resource attributes and blocks.
    pub resource_fields: fn() -> Vec<Field<VersionModel>>,
    /// Extra data source attributes (computed).
    pub data_source_fields: fn() -> Vec<Field<VersionModel>>,
}

impl VersionExtras {
    /// A family whose versions have only the shared attributes.
    const NONE: Self = Self {
        resource_fields: Vec::new,
        data_source_fields: Vec::new,
    };
}

impl KindSpec {
    pub const ENVIRONMENT: Self = Self {
        kind: TemplateKind::Environment,
        template_type: "proton_environment_template",
        version_type: "proton_environment_template_version",
        versions_type: "proton_environment_template_versions",
        provisioning_attribute: "provisioning",
        version_extras: VersionExtras::NONE,
    };

    pub const SERVICE: Self = Self {
        kind: TemplateKind::Service,
        template_type: "proton_service_template",
        version_type: "proton_service_template_version",
        versions_type: "proton_service_template_versions",
        provisioning_attribute: "pipeline_provisioning",
        version_extras: VersionExtras {
            resource_fields: service::resource_fields,
            data_source_fields: service::data_source_fields,
        },
    };

    /// Both families, in the order the provider lists their types.
    pub const ALL: [&'static Self; 2] = [&Self::ENVIRONMENT, &Self::SERVICE];

    /// The descriptor of `kind`.
    pub fn of(kind: TemplateKind) -> &'static Self {
        match kind {
            TemplateKind::Environment => &Self::ENVIRONMENT,
            TemplateKind::Service => &Self::SERVICE,
        }
    }

    /// "environment template" or "service template".
    pub fn noun(&self) -> &'static str {
        self.kind.noun()
    }
}

/// What an import gives Terraform: the stub states for Read to fill.
pub type Stubs = Result<Vec<crate::plugin::value::Value>, Diagnostics>;

/// What every resource and data source type of a family is built from: the
/// family, the fields of its typed model, the schema they give, and the
/// provider's shared state.
pub struct FamilyType<M> {
    pub spec: &'static KindSpec,
    pub fields: Fields<M>,
    pub schema: Schema,
    pub provider: Arc<ProviderState>,
}

impl<M: Default> FamilyType<M> {
    /// The type of `spec`'s family with `fields`, described by `description`.
    pub fn new(
        spec: &'static KindSpec,
        provider: Arc<ProviderState>,
        fields: Fields<M>,
        description: &str,
    ) -> Self {
        let schema = Schema::new(fields.block(description));
        Self {
            spec,
            fields,
            schema,
            provider,
        }
    }

    /// The configured client and default tags.
    pub fn configured(&self) -> Result<&Configured, Diagnostics> {
        self.provider.configured()
    }
}

/// `family_type! { /// doc
/// pub struct Name(Model) = fields, "description"; }`: a resource or data
/// source type that is a [`FamilyType`] of `Model` (and reads as one,
/// through `Deref`), built by `Name::new(spec, provider)` from
/// `fields(spec)`, described by the text with `{noun}` the family's noun.
macro_rules! family_type {
    ($(#[$doc:meta])* pub struct $name:ident($model:ty) = $fields:path, $description:literal;) => {
        $(#[$doc])*
        pub struct $name($crate::resources::kind::FamilyType<$model>);

        impl $name {
            /// The type of `spec`'s family.
            pub fn new(
                spec: &'static $crate::resources::kind::KindSpec,
                provider: std::sync::Arc<$crate::context::ProviderState>,
            ) -> Self {
                let description = format!($description, noun = spec.noun());
                Self($crate::resources::kind::FamilyType::new(
                    spec,
                    provider,
                    $fields(spec),
                    &description,
                ))
            }
        }

        impl std::ops::Deref for $name {
            type Target = $crate::resources::kind::FamilyType<$model>;

            fn deref(&self) -> &Self::Target {
                &self.0
            }
        }
    };
}
pub(crate) use family_type;

/// `type_name_and_schema!(version_type)`: the `type_name` and `schema` of a
/// [`FamilyType`]'s resource or data source trait, the name being that
/// field of its [`KindSpec`]; `type_name_and_schema!(version_type,
/// config_schema)` names the schema method (a list resource's).
macro_rules! type_name_and_schema {
    ($type_field:ident) => {
        $crate::resources::kind::type_name_and_schema!($type_field, schema);
    };
    ($type_field:ident, $schema:ident) => {
        fn type_name(&self) -> &'static str {
            self.spec.$type_field
        }

        fn $schema(&self) -> &$crate::plugin::schema::Schema {
            &self.schema
        }
    };
}
pub(crate) use type_name_and_schema;

/// `identity_hooks!()`: the identity schema of a resource whose model is
/// [`Identified`](crate::resources::identity::Identified), its identity from
/// a state, the import id an identity names, and config generation on.
macro_rules! identity_hooks {
    () => {
        fn identity_schema(&self) -> Option<&$crate::plugin::schema::IdentitySchema> {
            Some($crate::resources::identity::schema_of(&self.fields))
        }

        fn identity(&self, state: &Value) -> Option<Value> {
            let model = self.fields.read(state);
            Some($crate::resources::identity::identity_of(model, state))
        }

        fn identity_import_id(&self, identity: &Value) -> Result<String, Diagnostics> {
            let client = &self.configured()?.client;
            $crate::resources::identity::import_id_of(
                &self.fields,
                identity,
                self.spec.kind,
                client,
            )
        }

        fn generates_config(&self) -> bool {
            true
        }
    };
}
pub(crate) use identity_hooks;
