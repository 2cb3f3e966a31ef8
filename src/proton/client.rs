//! Proton operations on template versions, templates and tags.
//!
//! Both template kinds go through the same methods: a `kind` argument picks the environment or
//! service SDK call, and the results are converted into the same domain types.

use std::collections::BTreeMap;
use std::sync::Arc;

use aws_sdk_proton::types::{
    CompatibleEnvironmentTemplateInput, Provisioning, S3ObjectSource,
    ServiceTemplateSupportedComponentSourceType, Tag, TemplateVersionSourceInput,
    TemplateVersionStatus,
};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;

use super::convert;
use super::error::ProtonError;
use super::ledger::Ledger;
use super::model::{
    CompatibleEnvironmentTemplate, Template, TemplateKind, TemplateVersion, TemplateVersionSummary,
    VersionKey, VersionStatus,
};

/// The shared Proton client: cheap to clone, `Send + Sync`, built once per provider process
/// by [`crate::proton::build_client`] and used by every RPC.
#[derive(Clone, Debug)]
pub struct ProtonClient {
    sdk: aws_sdk_proton::Client,
    /// The endpoint in use, only for error messages.
    endpoint: Option<Arc<str>>,
    /// What this process has under way with Proton (one per process, shared by clones).
    ledger: Arc<Ledger>,
}

/// Input of [`ProtonClient::create_version`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CreateVersionInput {
    pub template_name: String,
    /// `Some(major)` adds a minor version under that major; `None` creates a new major.
    pub major_version: Option<String>,
    pub description: Option<String>,
    pub source_bucket: String,
    pub source_key: String,
    /// Sent with the create (an empty map sends none).
    pub tags: BTreeMap<String, String>,
    /// Service template versions only (required there, 1..10 entries).
    pub compatible_environment_templates: Vec<CompatibleEnvironmentTemplate>,
    /// Service template versions only, e.g. `DIRECTLY_DEFINED`.
    pub supported_component_sources: Vec<String>,
    /// Idempotency token, normally [`crate::proton::client_token`]. Empty lets the SDK pick a
    /// random one, which makes a retried apply create a second version.
    pub client_token: String,
}

/// Input of [`ProtonClient::update_version`]; `None` fields are left unchanged.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UpdateVersionInput {
    /// `Some(Some(text))` sets the description; `Some(None)` clears it by sending an empty
    /// description (Proton accepts 0..500 characters and has no separate "remove" call);
    /// `None` leaves it unchanged. A cleared description reads back as `None`.
    pub description: Option<Option<String>>,
    /// Proton only allows `DRAFT` → `PUBLISHED`.
    pub status: Option<VersionStatus>,
    /// Service template versions only.
    pub compatible_environment_templates: Option<Vec<CompatibleEnvironmentTemplate>>,
    /// Service template versions only; `Some(vec![])` removes all sources.
    pub supported_component_sources: Option<Vec<String>>,
}

/// Input of [`ProtonClient::create_template`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CreateTemplateInput {
    pub name: String,
    pub display_name: Option<String>,
    pub description: Option<String>,
    /// KMS key ARN.
    pub encryption_key: Option<String>,
    /// `CUSTOMER_MANAGED`: `provisioning` for environment templates, `pipelineProvisioning`
    /// for service templates. Cannot be changed later.
    pub provisioning: Option<String>,
    pub tags: BTreeMap<String, String>,
}

/// Input of [`ProtonClient::update_template`]; `None` fields are left unchanged.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UpdateTemplateInput {
    /// Proton's display name is 1..100 characters, so it can be changed but not cleared.
    pub display_name: Option<String>,
    /// Same convention as [`UpdateVersionInput::description`].
    pub description: Option<Option<String>>,
}

fn operation(kind: TemplateKind, environment: &'static str, service: &'static str) -> &'static str {
    match kind {
        TemplateKind::Environment => environment,
        TemplateKind::Service => service,
    }
}

/// How a version is named in messages: ``environment template version `web:1.0` ``.
pub(crate) fn describe_version(kind: TemplateKind, key: &VersionKey) -> String {
    format!("{} version `{key}`", kind.noun())
}

pub(crate) fn describe_template(kind: TemplateKind, name: &str) -> String {
    format!("{} `{name}`", kind.noun())
}

fn status_input(status: &VersionStatus) -> TemplateVersionStatus {
    TemplateVersionStatus::from(status.as_str())
}

fn description_input(description: &Option<Option<String>>) -> Option<String> {
    description.as_ref().map(|d| d.clone().unwrap_or_default())
}

fn compatible_inputs(
    templates: &[CompatibleEnvironmentTemplate],
    invalid: &dyn Fn(String) -> ProtonError,
) -> Result<Vec<CompatibleEnvironmentTemplateInput>, ProtonError> {
    templates
        .iter()
        .map(|t| {
            CompatibleEnvironmentTemplateInput::builder()
                .template_name(&t.template_name)
                .major_version(&t.major_version)
                .build()
                .map_err(|e| invalid(e.to_string()))
        })
        .collect()
}

fn component_sources(sources: &[String]) -> Vec<ServiceTemplateSupportedComponentSourceType> {
    sources
        .iter()
        .map(|s| ServiceTemplateSupportedComponentSourceType::from(s.as_str()))
        .collect()
}

fn tag_inputs(
    tags: &BTreeMap<String, String>,
    invalid: &dyn Fn(String) -> ProtonError,
) -> Result<Option<Vec<Tag>>, ProtonError> {
    if tags.is_empty() {
        return Ok(None);
    }
    tags.iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| invalid(e.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

fn service_only_error(
    operation: &'static str,
    resource: &str,
    what: &str,
) -> Result<(), ProtonError> {
    Err(ProtonError::InvalidRequest {
        operation,
        resource: resource.to_owned(),
        message: format!("{what} apply to service template versions only"),
    })
}

fn empty_response(operation: &'static str, resource: String) -> ProtonError {
    ProtonError::Api {
        operation,
        resource,
        code: "EmptyResponse".into(),
        message: "the response did not contain the expected object".into(),
        request_id: None,
    }
}

impl ProtonClient {
    /// Wraps an already configured SDK client (tests, the local emulator).
    ///
    /// `endpoint` is only used to name the endpoint in transport error messages; when `None`,
    /// messages name the regional default.
    pub fn from_sdk(sdk: aws_sdk_proton::Client, endpoint: Option<String>) -> Self {
        let endpoint = endpoint.or_else(|| {
            sdk.config()
                .region()
                .map(|r| format!("https://proton.{r}.amazonaws.com"))
        });
        Self {
            sdk,
            endpoint: endpoint.map(Arc::from),
            ledger: Arc::default(),
        }
    }

    /// What this process has under way with Proton.
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// Whether `template` has a version in major version `major`.
    pub async fn major_exists(
        &self,
        kind: TemplateKind,
        template: &str,
        major: &str,
    ) -> Result<bool, ProtonError> {
        Ok(!self
            .list_versions(kind, template, Some(major))
            .await?
            .is_empty())
    }

    /// The region requests are signed for (and, without a custom endpoint, sent to).
    pub fn region(&self) -> Option<&str> {
        self.sdk.config().region().map(|region| region.as_ref())
    }

    /// The endpoint requests go to, as far as it is known without resolving it.
    pub fn endpoint(&self) -> Option<&str> {
        self.endpoint.as_deref()
    }

    fn sdk_error<E>(
        &self,
        operation: &'static str,
        resource: &str,
        err: SdkError<E, HttpResponse>,
    ) -> ProtonError
    where
        E: aws_sdk_proton::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        ProtonError::from_sdk(operation, resource.to_owned(), self.endpoint(), err)
    }

    // ---- template versions -------------------------------------------------------------

    /// Creates a version; Proton answers at once with `REGISTRATION_IN_PROGRESS` and registers
    /// the bundle in the background (see [`crate::proton::wait_registered`]).
    pub async fn create_version(
        &self,
        kind: TemplateKind,
        input: &CreateVersionInput,
    ) -> Result<TemplateVersion, ProtonError> {
        let op = operation(
            kind,
            "CreateEnvironmentTemplateVersion",
            "CreateServiceTemplateVersion",
        );
        let resource = format!(
            "a new version of {}",
            describe_template(kind, &input.template_name)
        );
        let invalid = |message: String| ProtonError::InvalidRequest {
            operation: op,
            resource: resource.clone(),
            message,
        };
        let source = TemplateVersionSourceInput::S3(
            S3ObjectSource::builder()
                .bucket(&input.source_bucket)
                .key(&input.source_key)
                .build()
                .map_err(|e| invalid(e.to_string()))?,
        );
        let tags = tag_inputs(&input.tags, &invalid)?;
        let client_token = Some(input.client_token.clone()).filter(|t| !t.is_empty());
        match kind {
            TemplateKind::Environment => {
                if !input.compatible_environment_templates.is_empty()
                    || !input.supported_component_sources.is_empty()
                {
                    service_only_error(
                        op,
                        &resource,
                        "compatible environment templates and supported component sources",
                    )?;
                }
                let out = self
                    .sdk
                    .create_environment_template_version()
                    .template_name(&input.template_name)
                    .set_major_version(input.major_version.clone())
                    .set_description(input.description.clone())
                    .source(source)
                    .set_tags(tags)
                    .set_client_token(client_token)
                    .send()
                    .await
                    .map_err(|e| self.sdk_error(op, &resource, e))?;
                out.environment_template_version()
                    .map(convert::environment_version)
                    .ok_or_else(|| empty_response(op, resource))
            }
            TemplateKind::Service => {
                let compatible =
                    compatible_inputs(&input.compatible_environment_templates, &invalid)?;
                let out = self
                    .sdk
                    .create_service_template_version()
                    .template_name(&input.template_name)
                    .set_major_version(input.major_version.clone())
                    .set_description(input.description.clone())
                    .source(source)
                    .set_compatible_environment_templates(Some(compatible))
                    .set_supported_component_sources(
                        Some(component_sources(&input.supported_component_sources))
                            .filter(|s| !s.is_empty()),
                    )
                    .set_tags(tags)
                    .set_client_token(client_token)
                    .send()
                    .await
                    .map_err(|e| self.sdk_error(op, &resource, e))?;
                out.service_template_version()
                    .map(convert::service_version)
                    .ok_or_else(|| empty_response(op, resource))
            }
        }
    }

    /// Reads a version; a missing version (or template) is [`ProtonError::NotFound`].
    /// Use [`ProtonClient::find_version`] to get `Ok(None)` instead.
    pub async fn get_version(
        &self,
        kind: TemplateKind,
        key: &VersionKey,
    ) -> Result<TemplateVersion, ProtonError> {
        let op = operation(
            kind,
            "GetEnvironmentTemplateVersion",
            "GetServiceTemplateVersion",
        );
        let resource = describe_version(kind, key);
        match kind {
            TemplateKind::Environment => self
                .sdk
                .get_environment_template_version()
                .template_name(&key.template_name)
                .major_version(&key.major)
                .minor_version(&key.minor)
                .send()
                .await
                .map_err(|e| self.sdk_error(op, &resource, e))?
                .environment_template_version()
                .map(convert::environment_version),
            TemplateKind::Service => self
                .sdk
                .get_service_template_version()
                .template_name(&key.template_name)
                .major_version(&key.major)
                .minor_version(&key.minor)
                .send()
                .await
                .map_err(|e| self.sdk_error(op, &resource, e))?
                .service_template_version()
                .map(convert::service_version),
        }
        .ok_or_else(|| empty_response(op, resource))
    }

    /// Updates description, status and (service only) compatibility lists in one call.
    pub async fn update_version(
        &self,
        kind: TemplateKind,
        key: &VersionKey,
        input: &UpdateVersionInput,
    ) -> Result<TemplateVersion, ProtonError> {
        let op = operation(
            kind,
            "UpdateEnvironmentTemplateVersion",
            "UpdateServiceTemplateVersion",
        );
        let resource = describe_version(kind, key);
        let invalid = |message: String| ProtonError::InvalidRequest {
            operation: op,
            resource: resource.clone(),
            message,
        };
        let description = description_input(&input.description);
        let status = input.status.as_ref().map(status_input);
        match kind {
            TemplateKind::Environment => {
                if input.compatible_environment_templates.is_some()
                    || input.supported_component_sources.is_some()
                {
                    service_only_error(
                        op,
                        &resource,
                        "compatible environment templates and supported component sources",
                    )?;
                }
                self.sdk
                    .update_environment_template_version()
                    .template_name(&key.template_name)
                    .major_version(&key.major)
                    .minor_version(&key.minor)
                    .set_description(description)
                    .set_status(status)
                    .send()
                    .await
                    .map_err(|e| self.sdk_error(op, &resource, e))?
                    .environment_template_version()
                    .map(convert::environment_version)
            }
            TemplateKind::Service => {
                let compatible = input
                    .compatible_environment_templates
                    .as_deref()
                    .map(|c| compatible_inputs(c, &invalid))
                    .transpose()?;
                self.sdk
                    .update_service_template_version()
                    .template_name(&key.template_name)
                    .major_version(&key.major)
                    .minor_version(&key.minor)
                    .set_description(description)
                    .set_status(status)
                    .set_compatible_environment_templates(compatible)
                    .set_supported_component_sources(
                        input
                            .supported_component_sources
                            .as_deref()
                            .map(component_sources),
                    )
                    .send()
                    .await
                    .map_err(|e| self.sdk_error(op, &resource, e))?
                    .service_template_version()
                    .map(convert::service_version)
            }
        }
        .ok_or_else(|| empty_response(op, resource))
    }

    /// Deletes a version. Already gone (ResourceNotFound, or Proton's empty idempotent-delete
    /// response) is success. A refusal is [`ProtonError::Conflict`]; see
    /// [`crate::proton::delete::delete_version`].
    pub async fn delete_version(
        &self,
        kind: TemplateKind,
        key: &VersionKey,
    ) -> Result<(), ProtonError> {
        let op = operation(
            kind,
            "DeleteEnvironmentTemplateVersion",
            "DeleteServiceTemplateVersion",
        );
        let resource = describe_version(kind, key);
        let result = match kind {
            TemplateKind::Environment => self
                .sdk
                .delete_environment_template_version()
                .template_name(&key.template_name)
                .major_version(&key.major)
                .minor_version(&key.minor)
                .send()
                .await
                .map(drop)
                .map_err(|e| self.sdk_error(op, &resource, e)),
            TemplateKind::Service => self
                .sdk
                .delete_service_template_version()
                .template_name(&key.template_name)
                .major_version(&key.major)
                .minor_version(&key.minor)
                .send()
                .await
                .map(drop)
                .map_err(|e| self.sdk_error(op, &resource, e)),
        };
        match result {
            Err(ProtonError::NotFound { .. }) => Ok(()),
            other => other,
        }
    }

    /// Lists versions of a template, all pages. With `major`, the minor versions of that major;
    /// without, Proton lists the latest minor of each major.
    pub async fn list_versions(
        &self,
        kind: TemplateKind,
        template_name: &str,
        major: Option<&str>,
    ) -> Result<Vec<TemplateVersionSummary>, ProtonError> {
        let op = operation(
            kind,
            "ListEnvironmentTemplateVersions",
            "ListServiceTemplateVersions",
        );
        let resource = format!("versions of {}", describe_template(kind, template_name));
        let mut versions = Vec::new();
        let mut next_token: Option<String> = None;
        loop {
            let token = next_token.take();
            let page_token = match kind {
                TemplateKind::Environment => {
                    let page = self
                        .sdk
                        .list_environment_template_versions()
                        .template_name(template_name)
                        .set_major_version(major.map(str::to_owned))
                        .set_next_token(token.clone())
                        .send()
                        .await
                        .map_err(|e| self.sdk_error(op, &resource, e))?;
                    versions.extend(
                        page.template_versions()
                            .iter()
                            .map(convert::environment_version_summary),
                    );
                    page.next_token().map(str::to_owned)
                }
                TemplateKind::Service => {
                    let page = self
                        .sdk
                        .list_service_template_versions()
                        .template_name(template_name)
                        .set_major_version(major.map(str::to_owned))
                        .set_next_token(token.clone())
                        .send()
                        .await
                        .map_err(|e| self.sdk_error(op, &resource, e))?;
                    versions.extend(
                        page.template_versions()
                            .iter()
                            .map(convert::service_version_summary),
                    );
                    page.next_token().map(str::to_owned)
                }
            };
            next_token = next_page(token, page_token);
            if next_token.is_none() {
                return Ok(versions);
            }
        }
    }

    // ---- tags --------------------------------------------------------------------------

    /// Tags on a resource, all pages, without AWS-managed `aws:` keys (users cannot set or
    /// remove those, so keeping them would show as permanent drift).
    pub async fn list_tags(&self, arn: &str) -> Result<BTreeMap<String, String>, ProtonError> {
        let op = "ListTagsForResource";
        let resource = format!("`{arn}`");
        let mut tags = BTreeMap::new();
        let mut next_token: Option<String> = None;
        loop {
            let token = next_token.take();
            let page = self
                .sdk
                .list_tags_for_resource()
                .resource_arn(arn)
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(|e| self.sdk_error(op, &resource, e))?;
            tags.extend(
                page.tags()
                    .iter()
                    .filter(|t| !t.key().starts_with("aws:"))
                    .map(|t| (t.key().to_owned(), t.value().to_owned())),
            );
            next_token = next_page(token, page.next_token().map(str::to_owned));
            if next_token.is_none() {
                return Ok(tags);
            }
        }
    }

    /// Adds or overwrites tags; an empty map makes no call.
    pub async fn tag(&self, arn: &str, tags: &BTreeMap<String, String>) -> Result<(), ProtonError> {
        let op = "TagResource";
        let resource = format!("`{arn}`");
        let invalid = |message: String| ProtonError::InvalidRequest {
            operation: op,
            resource: resource.clone(),
            message,
        };
        let Some(tags) = tag_inputs(tags, &invalid)? else {
            return Ok(());
        };
        self.sdk
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(tags))
            .send()
            .await
            .map(drop)
            .map_err(|e| self.sdk_error(op, &resource, e))
    }

    /// Removes tags by key; no keys makes no call.
    pub async fn untag(&self, arn: &str, keys: &[String]) -> Result<(), ProtonError> {
        if keys.is_empty() {
            return Ok(());
        }
        let op = "UntagResource";
        let resource = format!("`{arn}`");
        self.sdk
            .untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(keys.to_vec()))
            .send()
            .await
            .map(drop)
            .map_err(|e| self.sdk_error(op, &resource, e))
    }

    // ---- templates ---------------------------------------------------------------------

    pub async fn create_template(
        &self,
        kind: TemplateKind,
        input: &CreateTemplateInput,
    ) -> Result<Template, ProtonError> {
        let op = operation(kind, "CreateEnvironmentTemplate", "CreateServiceTemplate");
        let resource = describe_template(kind, &input.name);
        let invalid = |message: String| ProtonError::InvalidRequest {
            operation: op,
            resource: resource.clone(),
            message,
        };
        let tags = tag_inputs(&input.tags, &invalid)?;
        let provisioning = input.provisioning.as_deref().map(Provisioning::from);
        match kind {
            TemplateKind::Environment => self
                .sdk
                .create_environment_template()
                .name(&input.name)
                .set_display_name(input.display_name.clone())
                .set_description(input.description.clone())
                .set_encryption_key(input.encryption_key.clone())
                .set_provisioning(provisioning)
                .set_tags(tags)
                .send()
                .await
                .map_err(|e| self.sdk_error(op, &resource, e))?
                .environment_template()
                .map(convert::environment_template),
            TemplateKind::Service => self
                .sdk
                .create_service_template()
                .name(&input.name)
                .set_display_name(input.display_name.clone())
                .set_description(input.description.clone())
                .set_encryption_key(input.encryption_key.clone())
                .set_pipeline_provisioning(provisioning)
                .set_tags(tags)
                .send()
                .await
                .map_err(|e| self.sdk_error(op, &resource, e))?
                .service_template()
                .map(convert::service_template),
        }
        .ok_or_else(|| empty_response(op, resource))
    }

    pub async fn get_template(
        &self,
        kind: TemplateKind,
        name: &str,
    ) -> Result<Template, ProtonError> {
        let op = operation(kind, "GetEnvironmentTemplate", "GetServiceTemplate");
        let resource = describe_template(kind, name);
        match kind {
            TemplateKind::Environment => self
                .sdk
                .get_environment_template()
                .name(name)
                .send()
                .await
                .map_err(|e| self.sdk_error(op, &resource, e))?
                .environment_template()
                .map(convert::environment_template),
            TemplateKind::Service => self
                .sdk
                .get_service_template()
                .name(name)
                .send()
                .await
                .map_err(|e| self.sdk_error(op, &resource, e))?
                .service_template()
                .map(convert::service_template),
        }
        .ok_or_else(|| empty_response(op, resource))
    }

    pub async fn update_template(
        &self,
        kind: TemplateKind,
        name: &str,
        input: &UpdateTemplateInput,
    ) -> Result<Template, ProtonError> {
        let op = operation(kind, "UpdateEnvironmentTemplate", "UpdateServiceTemplate");
        let resource = describe_template(kind, name);
        let description = description_input(&input.description);
        match kind {
            TemplateKind::Environment => self
                .sdk
                .update_environment_template()
                .name(name)
                .set_display_name(input.display_name.clone())
                .set_description(description)
                .send()
                .await
                .map_err(|e| self.sdk_error(op, &resource, e))?
                .environment_template()
                .map(convert::environment_template),
            TemplateKind::Service => self
                .sdk
                .update_service_template()
                .name(name)
                .set_display_name(input.display_name.clone())
                .set_description(description)
                .send()
                .await
                .map_err(|e| self.sdk_error(op, &resource, e))?
                .service_template()
                .map(convert::service_template),
        }
        .ok_or_else(|| empty_response(op, resource))
    }

    /// Deletes a template (Proton refuses while versions exist: [`ProtonError::Conflict`]).
    /// Already gone is success.
    pub async fn delete_template(&self, kind: TemplateKind, name: &str) -> Result<(), ProtonError> {
        let op = operation(kind, "DeleteEnvironmentTemplate", "DeleteServiceTemplate");
        let resource = describe_template(kind, name);
        let result = match kind {
            TemplateKind::Environment => self
                .sdk
                .delete_environment_template()
                .name(name)
                .send()
                .await
                .map(drop)
                .map_err(|e| self.sdk_error(op, &resource, e)),
            TemplateKind::Service => self
                .sdk
                .delete_service_template()
                .name(name)
                .send()
                .await
                .map(drop)
                .map_err(|e| self.sdk_error(op, &resource, e)),
        };
        match result {
            Err(ProtonError::NotFound { .. }) => Ok(()),
            other => other,
        }
    }

    /// All templates of a kind, all pages (`encryption_key` is not in List results).
    pub async fn list_templates(&self, kind: TemplateKind) -> Result<Vec<Template>, ProtonError> {
        let op = operation(kind, "ListEnvironmentTemplates", "ListServiceTemplates");
        let resource = format!("{}s", kind.noun());
        let mut templates = Vec::new();
        let mut next_token: Option<String> = None;
        loop {
            let token = next_token.take();
            let page_token = match kind {
                TemplateKind::Environment => {
                    let page = self
                        .sdk
                        .list_environment_templates()
                        .set_next_token(token.clone())
                        .send()
                        .await
                        .map_err(|e| self.sdk_error(op, &resource, e))?;
                    templates.extend(
                        page.templates()
                            .iter()
                            .map(convert::environment_template_summary),
                    );
                    page.next_token().map(str::to_owned)
                }
                TemplateKind::Service => {
                    let page = self
                        .sdk
                        .list_service_templates()
                        .set_next_token(token.clone())
                        .send()
                        .await
                        .map_err(|e| self.sdk_error(op, &resource, e))?;
                    templates.extend(
                        page.templates()
                            .iter()
                            .map(convert::service_template_summary),
                    );
                    page.next_token().map(str::to_owned)
                }
            };
            next_token = next_page(token, page_token);
            if next_token.is_none() {
                return Ok(templates);
            }
        }
    }
}

/// The token for the next page, or `None` when done. An empty or repeated token also ends
/// the listing, so a misbehaving endpoint cannot make us loop forever.
fn next_page(previous: Option<String>, next: Option<String>) -> Option<String> {
    next.filter(|n| !n.is_empty() && Some(n) != previous.as_ref())
}
