//! The per-kind layer: the only place where environment and service templates differ in the
//! SDK calls that Proton makes.
//!
//! The two kinds' operations have the same shape under different names
//! (`get_environment_template_version` / `get_service_template_version`, `set_provisioning` /
//! `set_pipeline_provisioning`, …), and the SDK's builders share no trait. So [`KindApi`] is
//! implemented once, as the body of `kind_api!`, and instantiated for each kind from a table
//! of its SDK names. [`api`] is the one `match` on the kind.
//!
//! Each method maps the public input onto its SDK request (with [`Call`]'s shared input
//! builders), sends it and converts the answer. Everything else (refusing service-only
//! fields, messages, empty responses, pagination, "already gone is success") is decided once,
//! in [`super::ProtonClient`].

use aws_sdk_proton::types::{Provisioning, TemplateVersionStatus};

use super::{
    component_sources, description_input, Call, CreateTemplateInput, CreateVersionInput,
    UpdateTemplateInput, UpdateVersionInput,
};
use crate::proton::convert::ToModel;
use crate::proton::error::ProtonError;
use crate::proton::model::{
    Template, TemplateKind, TemplateVersion, TemplateVersionSummary, VersionKey,
};

/// The per-kind SDK calls.
pub(super) fn api(kind: TemplateKind) -> &'static dyn KindApi {
    match kind {
        TemplateKind::Environment => &EnvironmentApi,
        TemplateKind::Service => &ServiceApi,
    }
}

/// A Proton operation on templates or versions; [`KindApi::operation`] names it per kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Op {
    CreateVersion,
    GetVersion,
    UpdateVersion,
    DeleteVersion,
    ListVersions,
    CreateTemplate,
    GetTemplate,
    UpdateTemplate,
    DeleteTemplate,
    ListTemplates,
}

/// One page of a listing, and the token Proton gave for the next.
pub(super) type Page<T> = (Vec<T>, Option<String>);

/// What a call answered: `None` is a response without the expected object.
pub(super) type Answered<T> = Result<Option<T>, ProtonError>;
pub(super) type Listed<T> = Result<Page<T>, ProtonError>;
pub(super) type Done = Result<(), ProtonError>;

/// One kind's SDK calls: each sends one request and converts what came back.
#[async_trait::async_trait]
pub(super) trait KindApi: Send + Sync {
    /// The operation's AWS name, e.g. `GetServiceTemplateVersion`.
    fn operation(&self, op: Op) -> &'static str;
    /// Whether versions of this kind take compatible environment templates and component
    /// sources.
    fn has_service_fields(&self) -> bool;

    async fn create_version(
        &self,
        call: &Call,
        input: &CreateVersionInput,
    ) -> Answered<TemplateVersion>;
    async fn get_version(&self, call: &Call, key: &VersionKey) -> Answered<TemplateVersion>;
    async fn update_version(
        &self,
        call: &Call,
        key: &VersionKey,
        input: &UpdateVersionInput,
    ) -> Answered<TemplateVersion>;
    async fn delete_version(&self, call: &Call, key: &VersionKey) -> Done;
    async fn list_versions(
        &self,
        call: &Call,
        template_name: &str,
        major: Option<&str>,
        token: Option<String>,
    ) -> Listed<TemplateVersionSummary>;

    async fn create_template(&self, call: &Call, input: &CreateTemplateInput)
        -> Answered<Template>;
    async fn get_template(&self, call: &Call, name: &str) -> Answered<Template>;
    async fn update_template(
        &self,
        call: &Call,
        name: &str,
        input: &UpdateTemplateInput,
    ) -> Answered<Template>;
    async fn delete_template(&self, call: &Call, name: &str) -> Done;
    async fn list_templates(&self, call: &Call, token: Option<String>) -> Listed<Template>;
}

/// Implements [`KindApi`] for the [`TemplateKind`] variant `$Kind` from its SDK names:
/// `versions` and `templates` list the create, get, update, delete and list calls and the
/// output's accessor; `service fields` names the setters only service versions have (without
/// it, those fields are never sent). Whether a row has them must match
/// [`TemplateKind::has_service_fields`], or the crate does not compile.
///
/// Each body destructures its input without `..`, so a new input field fails to compile here
/// until it is sent (or deliberately not).
macro_rules! kind_api {
    (@present) => { false };
    (@present $setter:ident) => { true };
    // A request about one version.
    (@version $request:expr, $key:expr) => {
        $request
            .template_name(&$key.template_name)
            .major_version(&$key.major)
            .minor_version(&$key.minor)
    };
    (
        $api:ident, $Kind:ident,
        versions: $create_version:ident $get_version:ident $update_version:ident
            $delete_version:ident $list_versions:ident -> $version:ident,
        templates: $create_template:ident $get_template:ident $update_template:ident
            $delete_template:ident $list_templates:ident -> $template:ident,
        provisioning: $set_provisioning:ident,
        $(service fields: $set_compatible:ident $set_sources:ident,)?
    ) => {
        pub(super) struct $api;

        // The kind table and this row agree on whether the kind's versions have service fields.
        const _: () = assert!(
            TemplateKind::$Kind.has_service_fields() == kind_api!(@present $($set_compatible)?),
            concat!(
                "kind_api! row ", stringify!($Kind),
                ": `service fields` disagree with the kind table"
            ),
        );

        #[async_trait::async_trait]
        impl KindApi for $api {
            fn operation(&self, op: Op) -> &'static str {
                match op {
                    Op::CreateVersion => concat!("Create", stringify!($Kind), "TemplateVersion"),
                    Op::GetVersion => concat!("Get", stringify!($Kind), "TemplateVersion"),
                    Op::UpdateVersion => concat!("Update", stringify!($Kind), "TemplateVersion"),
                    Op::DeleteVersion => concat!("Delete", stringify!($Kind), "TemplateVersion"),
                    Op::ListVersions => concat!("List", stringify!($Kind), "TemplateVersions"),
                    Op::CreateTemplate => concat!("Create", stringify!($Kind), "Template"),
                    Op::GetTemplate => concat!("Get", stringify!($Kind), "Template"),
                    Op::UpdateTemplate => concat!("Update", stringify!($Kind), "Template"),
                    Op::DeleteTemplate => concat!("Delete", stringify!($Kind), "Template"),
                    Op::ListTemplates => concat!("List", stringify!($Kind), "Templates"),
                }
            }

            fn has_service_fields(&self) -> bool {
                kind_api!(@present $($set_compatible)?)
            }

            async fn create_version(
                &self,
                call: &Call,
                input: &CreateVersionInput,
            ) -> Answered<TemplateVersion> {
                let CreateVersionInput {
                    template_name,
                    major_version,
                    description,
                    source_bucket,
                    source_key,
                    tags,
                    compatible_environment_templates,
                    supported_component_sources,
                    client_token,
                } = input;
                // Sent only by a kind with the service fields' setters; refused for the others
                // before (`Call::service_fields`).
                let _ = (compatible_environment_templates, supported_component_sources);
                let request = call.sdk().$create_version()
                    .template_name(template_name)
                    .set_major_version(major_version.clone())
                    .set_description(description.clone())
                    .source(call.source(source_bucket, source_key)?)
                    .set_tags(call.tags(tags)?)
                    .set_client_token(Some(client_token.clone()).filter(|t| !t.is_empty()));
                $(let compatible = call.compatible(compatible_environment_templates)?;
                let sources = component_sources(supported_component_sources);
                let request = request
                    .$set_compatible(Some(compatible))
                    .$set_sources(Some(sources).filter(|s| !s.is_empty()));)?
                let out = call.run(request.send()).await?;
                Ok(out.$version().map(ToModel::to_model))
            }

            async fn get_version(&self, call: &Call, key: &VersionKey) -> Answered<TemplateVersion> {
                let request = kind_api!(@version call.sdk().$get_version(), key);
                let out = call.run(request.send()).await?;
                Ok(out.$version().map(ToModel::to_model))
            }

            async fn update_version(
                &self,
                call: &Call,
                key: &VersionKey,
                input: &UpdateVersionInput,
            ) -> Answered<TemplateVersion> {
                let UpdateVersionInput {
                    description,
                    status,
                    compatible_environment_templates,
                    supported_component_sources,
                } = input;
                // Service fields: as for a create.
                let _ = (compatible_environment_templates, supported_component_sources);
                let status = status.as_ref().map(|s| TemplateVersionStatus::from(s.as_str()));
                let request = kind_api!(@version call.sdk().$update_version(), key)
                    .set_description(description_input(description))
                    .set_status(status);
                $(let compatible = compatible_environment_templates.as_deref();
                let sources = supported_component_sources.as_deref();
                let request = request
                    .$set_compatible(compatible.map(|c| call.compatible(c)).transpose()?)
                    .$set_sources(sources.map(component_sources));)?
                let out = call.run(request.send()).await?;
                Ok(out.$version().map(ToModel::to_model))
            }

            async fn delete_version(&self, call: &Call, key: &VersionKey) -> Done {
                let request = kind_api!(@version call.sdk().$delete_version(), key);
                call.run(request.send()).await.map(drop)
            }

            async fn list_versions(
                &self,
                call: &Call,
                template_name: &str,
                major: Option<&str>,
                token: Option<String>,
            ) -> Listed<TemplateVersionSummary> {
                let request = call.sdk().$list_versions()
                    .template_name(template_name)
                    .set_major_version(major.map(str::to_owned))
                    .set_next_token(token);
                let page = call.run(request.send()).await?;
                let versions = page.template_versions().iter().map(ToModel::to_model);
                Ok((versions.collect(), page.next_token().map(str::to_owned)))
            }

            async fn create_template(
                &self,
                call: &Call,
                input: &CreateTemplateInput,
            ) -> Answered<Template> {
                let CreateTemplateInput {
                    name,
                    display_name,
                    description,
                    encryption_key,
                    provisioning,
                    tags,
                } = input;
                let provisioning = provisioning.as_deref().map(Provisioning::from);
                let request = call.sdk().$create_template()
                    .name(name)
                    .set_display_name(display_name.clone())
                    .set_description(description.clone())
                    .set_encryption_key(encryption_key.clone())
                    .$set_provisioning(provisioning)
                    .set_tags(call.tags(tags)?);
                let out = call.run(request.send()).await?;
                Ok(out.$template().map(ToModel::to_model))
            }

            async fn get_template(&self, call: &Call, name: &str) -> Answered<Template> {
                let out = call.run(call.sdk().$get_template().name(name).send()).await?;
                Ok(out.$template().map(ToModel::to_model))
            }

            async fn update_template(
                &self,
                call: &Call,
                name: &str,
                input: &UpdateTemplateInput,
            ) -> Answered<Template> {
                let UpdateTemplateInput {
                    display_name,
                    description,
                } = input;
                let request = call.sdk().$update_template()
                    .name(name)
                    .set_display_name(display_name.clone())
                    .set_description(description_input(description));
                let out = call.run(request.send()).await?;
                Ok(out.$template().map(ToModel::to_model))
            }

            async fn delete_template(&self, call: &Call, name: &str) -> Done {
                let request = call.sdk().$delete_template().name(name);
                call.run(request.send()).await.map(drop)
            }

            async fn list_templates(
                &self,
                call: &Call,
                token: Option<String>,
            ) -> Listed<Template> {
                let request = call.sdk().$list_templates().set_next_token(token);
                let page = call.run(request.send()).await?;
                let templates = page.templates().iter().map(ToModel::to_model);
                Ok((templates.collect(), page.next_token().map(str::to_owned)))
            }
        }
    };
}

kind_api! {
    EnvironmentApi, Environment,
    versions: create_environment_template_version get_environment_template_version
        update_environment_template_version delete_environment_template_version
        list_environment_template_versions -> environment_template_version,
    templates: create_environment_template get_environment_template update_environment_template
        delete_environment_template list_environment_templates -> environment_template,
    provisioning: set_provisioning,
}

kind_api! {
    ServiceApi, Service,
    versions: create_service_template_version get_service_template_version
        update_service_template_version delete_service_template_version
        list_service_template_versions -> service_template_version,
    templates: create_service_template get_service_template update_service_template
        delete_service_template list_service_templates -> service_template,
    provisioning: set_pipeline_provisioning,
    service fields: set_compatible_environment_templates set_supported_component_sources,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_are_named_per_kind() {
        let env = api(TemplateKind::Environment);
        let svc = api(TemplateKind::Service);
        assert_eq!(
            env.operation(Op::ListVersions),
            "ListEnvironmentTemplateVersions"
        );
        assert_eq!(svc.operation(Op::CreateTemplate), "CreateServiceTemplate");
        assert!(!env.has_service_fields());
        assert!(svc.has_service_fields());
    }
}
