//! Proton operations on template versions, templates and tags: the public [`ProtonClient`].
//!
//! Both template kinds go through the same methods. Each method builds its inputs, names its
//! operation and resource for errors (`Call`) and interprets the answer once; the per-kind
//! SDK call behind it is in `kind`, chosen by the one `match` on the kind there.

mod kind;
mod pages;

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

use aws_sdk_proton::types::{
    CompatibleEnvironmentTemplateInput, S3ObjectSource,
    ServiceTemplateSupportedComponentSourceType, Tag, TemplateVersionSourceInput,
};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;

use self::kind::{api, KindApi, Op, Page};
use super::error::{ProtonError, PROTON};
use super::ledger::Ledger;
use super::model::{
    CompatibleEnvironmentTemplate, Template, TemplateKind, TemplateVersion, TemplateVersionSummary,
    VersionKey, VersionStatus,
};
use super::snapshot::{Group, Listed, Member, Snapshots};
use super::tag_index::TagIndex;

/// The shared Proton client: cheap to clone, `Send + Sync`, built once per provider process
/// by [`crate::proton::build_client`] and used by every RPC.
#[derive(Clone, Debug)]
pub struct ProtonClient {
    sdk: aws_sdk_proton::Client,
    /// The endpoint in use, only for error messages.
    endpoint: Option<Arc<str>>,
    /// What this process has under way with Proton (one per process, shared by clones).
    ledger: Arc<Ledger>,
    /// The region's tags of many objects per request, when available.
    tag_index: TagIndex,
    /// Listings that reads share (`snapshot`), forgotten after every write.
    snapshots: Arc<Snapshots>,
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

/// One Proton call in the making: the client (a cheap clone, so that calls borrow nothing),
/// and the operation and resource that its errors name.
struct Call {
    client: ProtonClient,
    op: &'static str,
    resource: String,
}

impl Call {
    fn sdk(&self) -> &aws_sdk_proton::Client {
        &self.client.sdk
    }

    /// Maps any operation's SDK error (see [`ProtonError::from_sdk`]).
    fn fail<E>(&self, err: SdkError<E, HttpResponse>) -> ProtonError
    where
        E: aws_sdk_proton::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let (op, resource, endpoint) = (self.op, self.resource.clone(), self.client.endpoint());
        ProtonError::from_sdk(PROTON, op, resource, endpoint, err)
    }

    /// Awaits a sent SDK request, mapping its error.
    async fn run<O, E>(
        &self,
        sent: impl Future<Output = Result<O, SdkError<E, HttpResponse>>>,
    ) -> Result<O, ProtonError>
    where
        E: aws_sdk_proton::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        sent.await.map_err(|e| self.fail(e))
    }

    /// A request that could not be built.
    fn invalid(&self, message: impl ToString) -> ProtonError {
        ProtonError::InvalidRequest {
            operation: self.op,
            resource: self.resource.clone(),
            message: message.to_string(),
        }
    }

    /// Refuses service-only version fields for a kind that has none.
    fn service_fields(&self, api: &dyn KindApi, given: bool) -> Result<(), ProtonError> {
        if given && !api.has_service_fields() {
            return Err(self.invalid(
                "compatible environment templates and supported component sources apply to \
                 service template versions only",
            ));
        }
        Ok(())
    }

    /// The object the response should have carried.
    fn expect<T>(&self, found: Option<T>) -> Result<T, ProtonError> {
        found.ok_or_else(|| ProtonError::Api {
            operation: self.op,
            resource: self.resource.clone(),
            code: "EmptyResponse".into(),
            message: "the response did not contain the expected object".into(),
            request_id: None,
        })
    }

    /// The bundle's S3 location.
    fn source(&self, bucket: &str, key: &str) -> Result<TemplateVersionSourceInput, ProtonError> {
        let source = S3ObjectSource::builder()
            .bucket(bucket)
            .key(key)
            .build()
            .map_err(|e| self.invalid(e))?;
        Ok(TemplateVersionSourceInput::S3(source))
    }

    fn tags(&self, tags: &BTreeMap<String, String>) -> Result<Option<Vec<Tag>>, ProtonError> {
        if tags.is_empty() {
            return Ok(None);
        }
        tags.iter()
            .map(|(k, v)| {
                Tag::builder()
                    .key(k)
                    .value(v)
                    .build()
                    .map_err(|e| self.invalid(e))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    fn compatible(
        &self,
        templates: &[CompatibleEnvironmentTemplate],
    ) -> Result<Vec<CompatibleEnvironmentTemplateInput>, ProtonError> {
        templates
            .iter()
            .map(|t| {
                CompatibleEnvironmentTemplateInput::builder()
                    .template_name(&t.template_name)
                    .major_version(&t.major_version)
                    .build()
                    .map_err(|e| self.invalid(e))
            })
            .collect()
    }
}

fn component_sources(sources: &[String]) -> Vec<ServiceTemplateSupportedComponentSourceType> {
    sources
        .iter()
        .map(|s| ServiceTemplateSupportedComponentSourceType::from(s.as_str()))
        .collect()
}

/// `Some(Some(text))` sends the text, `Some(None)` an empty description (Proton's way to clear
/// it), `None` nothing.
fn description_input(description: &Option<Option<String>>) -> Option<String> {
    description.as_ref().map(|d| d.clone().unwrap_or_default())
}

/// Already gone is success for a delete.
fn gone_is_done(result: Result<(), ProtonError>) -> Result<(), ProtonError> {
    match result {
        Err(ProtonError::NotFound { .. }) => Ok(()),
        other => other,
    }
}

/// Every page of a listing, asking `page` with each next token in turn.
async fn all_pages<T, F, Fut>(mut page: F) -> Result<Vec<T>, ProtonError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<Page<T>, ProtonError>>,
{
    let mut items = Vec::new();
    let mut next_token: Option<String> = None;
    loop {
        let token = next_token.take();
        let (batch, next) = page(token.clone()).await?;
        items.extend(batch);
        next_token = next_page(token, next);
        if next_token.is_none() {
            return Ok(items);
        }
    }
}

/// The token for the next page, or `None` when done. An empty or repeated token also ends
/// the listing, so a misbehaving endpoint cannot make us loop forever.
fn next_page(previous: Option<String>, next: Option<String>) -> Option<String> {
    next.filter(|n| !n.is_empty() && Some(n) != previous.as_ref())
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
            tag_index: TagIndex::none(),
            snapshots: Arc::default(),
        }
    }

    /// The same client, reading tags of many objects through `tag_index`.
    pub fn with_tag_index(self, tag_index: TagIndex) -> Self {
        Self { tag_index, ..self }
    }

    /// The region's tags of many objects per request (see [`TagIndex::tags_of`]).
    pub fn tag_index(&self) -> &TagIndex {
        &self.tag_index
    }

    /// Runs the write `write`, then forgets every listing reads share (snapshot rule 4).
    async fn writing<T>(&self, write: impl Future<Output = T>) -> T {
        let written = write.await;
        self.snapshots.forget();
        written
    }

    /// The version `key` as its template's listing shows it, shared with every other read of
    /// that template (snapshot rules 1 and 2): the listing of every major's latest minor, else
    /// the listing of its major; `None` when both leave it out.
    pub async fn listed_version(
        &self,
        kind: TemplateKind,
        key: &VersionKey,
    ) -> Result<Option<Listed<TemplateVersionSummary>>, ProtonError> {
        // Every major's latest minor first, then, for an older minor, its major's listing.
        for major in [None, Some(key.major.as_str())] {
            let list = async {
                // A template that is gone has no versions: each is then looked up on its own.
                let versions = match self.list_versions(kind, &key.template_name, major).await {
                    Err(ProtonError::NotFound { .. }) => Vec::new(),
                    listed => listed?,
                };
                let arns: Vec<String> = versions.iter().map(|v| v.arn.clone()).collect();
                let tags = self.tag_index.tags_of(&arns).await?;
                Ok(Group::new(versions, |v| v.key().to_string(), tags))
            };
            let member = self.snapshots.version((kind, key, major), list).await?;
            if member.is_some() {
                return self.with_tags(member, |version| &version.arn).await;
            }
        }
        Ok(None)
    }

    /// The template `name` as the listing of its kind shows it (snapshot rules 1 and 2); `None`
    /// when the listing leaves it out. Only to confirm a state: see snapshot rule 3.
    pub async fn listed_template(
        &self,
        kind: TemplateKind,
        name: &str,
    ) -> Result<Option<Listed<Template>>, ProtonError> {
        let list = async {
            let templates = self.list_templates(kind).await?;
            let arns: Vec<String> = templates.iter().map(|t| t.arn.clone()).collect();
            let tags = self.tag_index.tags_of(&arns).await?;
            Ok(Group::new(templates, |t| t.name.clone(), tags))
        };
        let member = self.snapshots.template(kind, name, list).await?;
        self.with_tags(member, |template| &template.arn).await
    }

    /// The version `key` for an import: as [`ProtonClient::find_version`], and kept for the
    /// read that follows the import (snapshot rule 6).
    pub async fn find_version_to_import(
        &self,
        kind: TemplateKind,
        key: &VersionKey,
    ) -> Result<Option<TemplateVersion>, ProtonError> {
        let found = self.find_version(kind, key).await?;
        if let Some(version) = &found {
            self.snapshots.imported(kind, version.clone());
        }
        Ok(found)
    }

    /// The version `key` with its tags, as the import before this read got it (snapshot rule
    /// 6), with its own ListTagsForResource; `None` when no import got it.
    pub async fn imported_version(
        &self,
        kind: TemplateKind,
        key: &VersionKey,
    ) -> Result<Option<(TemplateVersion, BTreeMap<String, String>)>, ProtonError> {
        let Some(version) = self.snapshots.take_imported(kind, key) else {
            return Ok(None);
        };
        let tags = self.list_tags(&version.summary.arn).await?;
        Ok(Some((version, tags)))
    }

    /// A group's member with its tags: the index's, else its own ListTagsForResource.
    async fn with_tags<T>(
        &self,
        member: Option<Member<T>>,
        arn: impl Fn(&T) -> &str,
    ) -> Result<Option<Listed<T>>, ProtonError> {
        let Some((item, tags)) = member else {
            return Ok(None);
        };
        let tags_from_index = tags.is_some();
        let tags = match tags {
            Some(tags) => tags,
            None => self.list_tags(arn(&item)).await?,
        };
        Ok(Some(Listed {
            item,
            tags,
            tags_from_index,
        }))
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

    fn call(&self, op: &'static str, resource: String) -> Call {
        Call {
            client: self.clone(),
            op,
            resource,
        }
    }

    /// The kind's SDK calls, and a [`Call`] for `op` on `resource`.
    fn begin(&self, kind: TemplateKind, op: Op, resource: String) -> (&'static dyn KindApi, Call) {
        let api = api(kind);
        (api, self.call(api.operation(op), resource))
    }

    // ---- template versions -------------------------------------------------------------

    /// Creates a version; Proton answers at once with `REGISTRATION_IN_PROGRESS` and registers
    /// the bundle in the background (see [`crate::proton::wait_registered`]).
    pub async fn create_version(
        &self,
        kind: TemplateKind,
        input: &CreateVersionInput,
    ) -> Result<TemplateVersion, ProtonError> {
        let resource = format!(
            "a new version of {}",
            kind.describe_template(&input.template_name)
        );
        let (api, call) = self.begin(kind, Op::CreateVersion, resource);
        call.service_fields(
            api,
            !input.compatible_environment_templates.is_empty()
                || !input.supported_component_sources.is_empty(),
        )?;
        call.expect(self.writing(api.create_version(&call, input)).await?)
    }

    /// Reads a version; a missing version (or template) is [`ProtonError::NotFound`].
    /// Use [`ProtonClient::find_version`] to get `Ok(None)` instead.
    pub async fn get_version(
        &self,
        kind: TemplateKind,
        key: &VersionKey,
    ) -> Result<TemplateVersion, ProtonError> {
        let (api, call) = self.begin(kind, Op::GetVersion, kind.describe_version(key));
        call.expect(api.get_version(&call, key).await?)
    }

    /// Updates description, status and (service only) compatibility lists in one call.
    pub async fn update_version(
        &self,
        kind: TemplateKind,
        key: &VersionKey,
        input: &UpdateVersionInput,
    ) -> Result<TemplateVersion, ProtonError> {
        let (api, call) = self.begin(kind, Op::UpdateVersion, kind.describe_version(key));
        call.service_fields(
            api,
            input.compatible_environment_templates.is_some()
                || input.supported_component_sources.is_some(),
        )?;
        call.expect(self.writing(api.update_version(&call, key, input)).await?)
    }

    /// Deletes a version. Already gone (ResourceNotFound, or Proton's empty idempotent-delete
    /// response) is success. A refusal is [`ProtonError::Conflict`]; see
    /// [`crate::proton::delete::delete_version`].
    pub async fn delete_version(
        &self,
        kind: TemplateKind,
        key: &VersionKey,
    ) -> Result<(), ProtonError> {
        let (api, call) = self.begin(kind, Op::DeleteVersion, kind.describe_version(key));
        gone_is_done(self.writing(api.delete_version(&call, key)).await)
    }

    /// Lists versions of a template, all pages. With `major`, the minor versions of that major;
    /// without, Proton lists the latest minor of each major.
    pub async fn list_versions(
        &self,
        kind: TemplateKind,
        template_name: &str,
        major: Option<&str>,
    ) -> Result<Vec<TemplateVersionSummary>, ProtonError> {
        let resource = format!("versions of {}", kind.describe_template(template_name));
        let (api, call) = self.begin(kind, Op::ListVersions, resource);
        let call = &call;
        all_pages(|token| api.list_versions(call, template_name, major, token)).await
    }

    // ---- tags --------------------------------------------------------------------------

    /// Tags on a resource, all pages, without AWS-managed `aws:` keys (users cannot set or
    /// remove those, so keeping them would show as permanent drift).
    pub async fn list_tags(&self, arn: &str) -> Result<BTreeMap<String, String>, ProtonError> {
        let call = &self.call("ListTagsForResource", format!("`{arn}`"));
        let tags = all_pages(|token| async move {
            let page = call
                .sdk()
                .list_tags_for_resource()
                .resource_arn(arn)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| call.fail(e))?;
            let tags = page
                .tags()
                .iter()
                .filter(|t| !t.key().starts_with("aws:"))
                .map(|t| (t.key().to_owned(), t.value().to_owned()));
            Ok((tags.collect(), page.next_token().map(str::to_owned)))
        })
        .await?;
        Ok(tags.into_iter().collect())
    }

    /// Adds or overwrites tags; an empty map makes no call.
    pub async fn tag(&self, arn: &str, tags: &BTreeMap<String, String>) -> Result<(), ProtonError> {
        let call = self.call("TagResource", format!("`{arn}`"));
        let Some(tags) = call.tags(tags)? else {
            return Ok(());
        };
        let sent = self
            .sdk
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(tags))
            .send();
        self.writing(sent).await.map(drop).map_err(|e| call.fail(e))
    }

    /// Removes tags by key; no keys makes no call.
    pub async fn untag(&self, arn: &str, keys: &[String]) -> Result<(), ProtonError> {
        if keys.is_empty() {
            return Ok(());
        }
        let call = self.call("UntagResource", format!("`{arn}`"));
        let sent = self
            .sdk
            .untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(keys.to_vec()))
            .send();
        self.writing(sent).await.map(drop).map_err(|e| call.fail(e))
    }

    // ---- templates ---------------------------------------------------------------------

    /// Creates a template. A name that is taken (with other parameters, or by a template
    /// changed since) is [`ProtonError::AlreadyExists`].
    pub async fn create_template(
        &self,
        kind: TemplateKind,
        input: &CreateTemplateInput,
    ) -> Result<Template, ProtonError> {
        let (api, call) = self.begin(
            kind,
            Op::CreateTemplate,
            kind.describe_template(&input.name),
        );
        let created = self
            .writing(api.create_template(&call, input))
            .await
            .map_err(ProtonError::classify_create)?;
        call.expect(created)
    }

    pub async fn get_template(
        &self,
        kind: TemplateKind,
        name: &str,
    ) -> Result<Template, ProtonError> {
        let (api, call) = self.begin(kind, Op::GetTemplate, kind.describe_template(name));
        call.expect(api.get_template(&call, name).await?)
    }

    pub async fn update_template(
        &self,
        kind: TemplateKind,
        name: &str,
        input: &UpdateTemplateInput,
    ) -> Result<Template, ProtonError> {
        let (api, call) = self.begin(kind, Op::UpdateTemplate, kind.describe_template(name));
        call.expect(
            self.writing(api.update_template(&call, name, input))
                .await?,
        )
    }

    /// Deletes a template (Proton refuses while versions exist: [`ProtonError::Conflict`]).
    /// Already gone is success.
    pub async fn delete_template(&self, kind: TemplateKind, name: &str) -> Result<(), ProtonError> {
        let (api, call) = self.begin(kind, Op::DeleteTemplate, kind.describe_template(name));
        gone_is_done(self.writing(api.delete_template(&call, name)).await)
    }

    /// All templates of a kind, all pages (`encryption_key` is not in List results).
    pub async fn list_templates(&self, kind: TemplateKind) -> Result<Vec<Template>, ProtonError> {
        let (api, call) = self.begin(kind, Op::ListTemplates, format!("{}s", kind.noun()));
        let call = &call;
        all_pages(|token| api.list_templates(call, token)).await
    }
}
