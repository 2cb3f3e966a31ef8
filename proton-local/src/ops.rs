//! Operation semantics: templates, versions (numbering, status machine, recommended version,
//! delete rules, idempotency) and tags.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Map, Value};

use crate::bundle::{self, BundleKind};
use crate::idempotency::{self, canonical_json, TemplateCreateRequest};
use crate::model::{self, Reader, S3Source};
use crate::paging::{page_limit, page_output, paginate, DEFAULT_PAGE_SIZE, MAX_TAGS_PER_PAGE};
use crate::store::{
    Kind, Log, Partition, PartitionKey, Record, RegistrationOutcome, State, StoreError,
    StoredStatus, Template, TokenRecord, Version, VersionKey,
};
use crate::wire::{ApiError, ErrorKind, Operation};

/// Versions a template may hold (Proton's quota).
pub const MAX_VERSIONS_PER_TEMPLATE: usize = 500;
/// How long a client token is remembered.
pub const CLIENT_TOKEN_TTL_MS: u64 = 8 * 60 * 60 * 1000;

/// Settings the operations depend on.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    pub account_id: String,
    pub bundle_dir: Option<PathBuf>,
    pub registration_delay_ms: u64,
}

/// What an operation did besides answering.
#[derive(Debug, Default, Clone, Copy)]
pub struct Effects {
    pub version_created: bool,
}

struct Inner {
    state: State,
    log: Option<Log>,
}

/// The state machine behind the API. One lock guards state and log so the log's order is the
/// order in which changes were made; bundle reads happen outside it.
pub struct Engine {
    config: EngineConfig,
    inner: Mutex<Inner>,
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn arn_partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

fn template_arn(p: &PartitionKey, kind: Kind, name: &str) -> String {
    format!(
        "arn:{}:proton:{}:{}:{}/{name}",
        arn_partition(&p.region),
        p.region,
        p.account,
        kind.arn_type()
    )
}

fn version_arn(p: &PartitionKey, kind: Kind, name: &str, major: u64, minor: u64) -> String {
    format!("{}:{major}.{minor}", template_arn(p, kind, name))
}

fn version_cursor(major: u64, minor: u64) -> String {
    format!("{major:020}.{minor:020}")
}

fn put_opt(map: &mut Map<String, Value>, key: &str, value: Option<&String>) {
    if let Some(v) = value {
        map.insert(key.to_string(), Value::String(v.clone()));
    }
}

fn recommended_version(p: &Partition, kind: Kind, name: &str) -> Option<(u64, u64)> {
    p.versions_of(kind, name)
        .filter(|v| v.is_published())
        .map(|v| (v.major, v.minor))
        .last()
}

fn recommended_minor(p: &Partition, kind: Kind, name: &str, major: u64) -> Option<u64> {
    p.versions_of(kind, name)
        .filter(|v| v.major == major && v.is_published())
        .map(|v| v.minor)
        .last()
}

fn template_json(pk: &PartitionKey, p: &Partition, t: &Template, summary: bool) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), json!(t.name));
    m.insert("arn".into(), json!(template_arn(pk, t.kind, &t.name)));
    m.insert("createdAt".into(), crate::wire::timestamp(t.created_ms));
    m.insert(
        "lastModifiedAt".into(),
        crate::wire::timestamp(t.modified_ms),
    );
    put_opt(&mut m, "displayName", t.display_name.as_ref());
    put_opt(&mut m, "description", t.description.as_ref());
    if let Some((major, minor)) = recommended_version(p, t.kind, &t.name) {
        m.insert(
            "recommendedVersion".into(),
            json!(format!("{major}.{minor}")),
        );
    }
    if !summary {
        put_opt(&mut m, "encryptionKey", t.encryption_key.as_ref());
    }
    let provisioning_member = match t.kind {
        Kind::Environment => "provisioning",
        Kind::Service => "pipelineProvisioning",
    };
    put_opt(&mut m, provisioning_member, t.provisioning.as_ref());
    Value::Object(m)
}

/// How much of a version to render.
#[derive(Clone, Copy, PartialEq, Eq)]
enum VersionView {
    /// The full shape (Get/Update/Delete and idempotent Create retries).
    Full,
    /// The full shape as at creation (REGISTRATION_IN_PROGRESS, no schema).
    AsCreated,
    /// The list summary (no schema, no service-only lists).
    Summary,
}

fn version_json(
    pk: &PartitionKey,
    p: &Partition,
    v: &Version,
    now: u64,
    view: VersionView,
) -> Value {
    let mut m = Map::new();
    m.insert("templateName".into(), json!(v.template));
    m.insert("majorVersion".into(), json!(v.major.to_string()));
    m.insert("minorVersion".into(), json!(v.minor.to_string()));
    if let Some(minor) = recommended_minor(p, v.kind, &v.template, v.major) {
        m.insert("recommendedMinorVersion".into(), json!(minor.to_string()));
    }
    let (status, message, schema, last_modified) = if view == VersionView::AsCreated {
        ("REGISTRATION_IN_PROGRESS", None, None, v.created_ms)
    } else {
        let effective = v.effective(now);
        (
            effective.status,
            effective.message,
            effective.schema,
            effective.last_modified_ms,
        )
    };
    m.insert("status".into(), json!(status));
    put_opt(&mut m, "statusMessage", message.as_ref());
    put_opt(&mut m, "description", v.description.as_ref());
    m.insert(
        "arn".into(),
        json!(version_arn(pk, v.kind, &v.template, v.major, v.minor)),
    );
    m.insert("createdAt".into(), crate::wire::timestamp(v.created_ms));
    m.insert(
        "lastModifiedAt".into(),
        crate::wire::timestamp(last_modified),
    );
    if view != VersionView::Summary {
        put_opt(&mut m, "schema", schema.as_ref());
        if v.kind == Kind::Service {
            m.insert(
                "compatibleEnvironmentTemplates".into(),
                serde_json::to_value(&v.compatible).unwrap_or_else(|_| json!([])),
            );
            if let Some(sources) = &v.component_sources {
                m.insert("supportedComponentSources".into(), json!(sources));
            }
        }
    }
    Value::Object(m)
}

fn template_not_found(kind: Kind, name: &str) -> ApiError {
    ApiError::not_found(format!("The {} '{name}' was not found.", kind.noun()))
}

fn version_not_found(kind: Kind, name: &str, major: &str, minor: &str) -> ApiError {
    ApiError::not_found(format!(
        "The {} version '{name}:{major}.{minor}' was not found.",
        kind.noun()
    ))
}

fn store_failure(e: StoreError) -> ApiError {
    tracing::error!(error = %e, "failed to persist a change");
    ApiError::internal("An internal error occurred while persisting the change.")
}

fn kind_of(op: Operation) -> Kind {
    match op {
        Operation::CreateServiceTemplate
        | Operation::GetServiceTemplate
        | Operation::UpdateServiceTemplate
        | Operation::DeleteServiceTemplate
        | Operation::ListServiceTemplates
        | Operation::CreateServiceTemplateVersion
        | Operation::GetServiceTemplateVersion
        | Operation::UpdateServiceTemplateVersion
        | Operation::DeleteServiceTemplateVersion
        | Operation::ListServiceTemplateVersions => Kind::Service,
        _ => Kind::Environment,
    }
}

fn version_member(kind: Kind) -> &'static str {
    match kind {
        Kind::Environment => "environmentTemplateVersion",
        Kind::Service => "serviceTemplateVersion",
    }
}

fn template_member(kind: Kind) -> &'static str {
    match kind {
        Kind::Environment => "environmentTemplate",
        Kind::Service => "serviceTemplate",
    }
}

/// A taggable resource named by an ARN.
enum TaggedResource {
    Template(Kind, String),
    Version(VersionKey),
}

/// templateName, majorVersion and minorVersion as read (absent ones already reported).
type VersionIdInput = (Option<String>, Option<String>, Option<String>);

/// A parsed create-version request.
struct CreateVersionInput {
    template: String,
    source: S3Source,
    client_token: Option<String>,
    description: Option<String>,
    major: Option<String>,
    tags: Vec<(String, String)>,
    compatible: Vec<model::CompatibleEnvironmentTemplate>,
    component_sources: Option<Vec<String>>,
    parameters: String,
}

impl Engine {
    /// An engine over `state`, persisting to `log` when given.
    pub fn new(config: EngineConfig, state: State, log: Option<Log>) -> Engine {
        Engine {
            config,
            inner: Mutex::new(Inner { state, log }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Applies `records` to state and log while `inner` is locked.
    fn commit(inner: &mut Inner, records: Vec<Record>) -> Result<(), ApiError> {
        if let Some(log) = inner.log.as_mut() {
            log.append(&records).map_err(store_failure)?;
        }
        for record in records {
            inner.state.apply(record);
        }
        Ok(())
    }

    /// Handles one operation for the caller's (region, account).
    pub fn handle(
        &self,
        op: Operation,
        region: &str,
        body: &Map<String, Value>,
    ) -> Result<(Value, Effects), ApiError> {
        let pk = PartitionKey {
            region: region.to_string(),
            account: self.config.account_id.clone(),
        };
        let kind = kind_of(op);
        let no_effects = |v: Value| (v, Effects::default());
        match op {
            Operation::CreateEnvironmentTemplate | Operation::CreateServiceTemplate => {
                self.create_template(&pk, kind, body).map(no_effects)
            }
            Operation::GetEnvironmentTemplate | Operation::GetServiceTemplate => {
                self.get_template(&pk, kind, body).map(no_effects)
            }
            Operation::UpdateEnvironmentTemplate | Operation::UpdateServiceTemplate => {
                self.update_template(&pk, kind, body).map(no_effects)
            }
            Operation::DeleteEnvironmentTemplate | Operation::DeleteServiceTemplate => {
                self.delete_template(&pk, kind, body).map(no_effects)
            }
            Operation::ListEnvironmentTemplates | Operation::ListServiceTemplates => {
                self.list_templates(&pk, kind, body).map(no_effects)
            }
            Operation::CreateEnvironmentTemplateVersion
            | Operation::CreateServiceTemplateVersion => self.create_version(&pk, kind, body),
            Operation::GetEnvironmentTemplateVersion | Operation::GetServiceTemplateVersion => {
                self.get_version(&pk, kind, body).map(no_effects)
            }
            Operation::UpdateEnvironmentTemplateVersion
            | Operation::UpdateServiceTemplateVersion => {
                self.update_version(&pk, kind, body).map(no_effects)
            }
            Operation::DeleteEnvironmentTemplateVersion
            | Operation::DeleteServiceTemplateVersion => {
                self.delete_version(&pk, kind, body).map(no_effects)
            }
            Operation::ListEnvironmentTemplateVersions | Operation::ListServiceTemplateVersions => {
                self.list_versions(&pk, kind, body).map(no_effects)
            }
            Operation::TagResource => self.tag_resource(&pk, body).map(no_effects),
            Operation::UntagResource => self.untag_resource(&pk, body).map(no_effects),
            Operation::ListTagsForResource => self.list_tags(&pk, body).map(no_effects),
        }
    }

    // ---- templates -------------------------------------------------------------------------

    fn create_template(
        &self,
        pk: &PartitionKey,
        kind: Kind,
        body: &Map<String, Value>,
    ) -> Result<Value, ApiError> {
        let mut errors = Vec::new();
        let mut r = Reader::new(body, &mut errors);
        let name = r.required_string("name", &model::RESOURCE_NAME)?;
        let description = r.string("description", &model::DESCRIPTION)?;
        let display_name = r.string("displayName", &model::DISPLAY_NAME)?;
        let encryption_key = r.string("encryptionKey", &model::ARN)?;
        let provisioning_member = match kind {
            Kind::Environment => "provisioning",
            Kind::Service => "pipelineProvisioning",
        };
        let provisioning = r.enumeration(provisioning_member, model::PROVISIONING_VALUES)?;
        let tags = model::read_tags(&mut r)?;
        model::finish(errors)?;
        let Some(name) = name else {
            return Err(ApiError::validation("name is required"));
        };
        let request = TemplateCreateRequest {
            description,
            display_name,
            encryption_key,
            provisioning,
            tags: tags.into_iter().collect(),
        };
        let now = now_ms();
        let mut inner = self.lock();
        let partition = inner.state.partitions.entry(pk.clone()).or_default();
        if let Some(existing) = partition.templates.get(&(kind, name.clone())) {
            idempotency::check_create_retry(existing, &request)?;
            return Ok(
                json!({ template_member(kind): template_json(pk, partition, existing, false) }),
            );
        }
        let template = Template {
            kind,
            name,
            display_name: request.display_name.clone(),
            description: request.description.clone(),
            encryption_key: request.encryption_key.clone(),
            provisioning: request.provisioning.clone(),
            created_ms: now,
            modified_ms: now,
            tags: request.tags.clone(),
            highest_major: 0,
            highest_minor: BTreeMap::new(),
            created_with: Some(request),
        };
        Engine::commit(
            &mut inner,
            vec![Record::PutTemplate {
                partition: pk.clone(),
                template: template.clone(),
            }],
        )?;
        let partition = inner.state.partitions.entry(pk.clone()).or_default();
        Ok(json!({ template_member(kind): template_json(pk, partition, &template, false) }))
    }

    fn read_name(body: &Map<String, Value>) -> Result<String, ApiError> {
        let mut errors = Vec::new();
        let mut r = Reader::new(body, &mut errors);
        let name = r.required_string("name", &model::RESOURCE_NAME)?;
        model::finish(errors)?;
        name.ok_or_else(|| ApiError::validation("name is required"))
    }

    fn get_template(
        &self,
        pk: &PartitionKey,
        kind: Kind,
        body: &Map<String, Value>,
    ) -> Result<Value, ApiError> {
        let name = Engine::read_name(body)?;
        let inner = self.lock();
        let partition = inner.state.partitions.get(pk);
        let found = partition.and_then(|p| p.templates.get(&(kind, name.clone())).map(|t| (p, t)));
        let Some((p, t)) = found else {
            return Err(template_not_found(kind, &name));
        };
        Ok(json!({ template_member(kind): template_json(pk, p, t, false) }))
    }

    fn update_template(
        &self,
        pk: &PartitionKey,
        kind: Kind,
        body: &Map<String, Value>,
    ) -> Result<Value, ApiError> {
        let mut errors = Vec::new();
        let mut r = Reader::new(body, &mut errors);
        let name = r.required_string("name", &model::RESOURCE_NAME)?;
        let description = r.string("description", &model::DESCRIPTION)?;
        let display_name = r.string("displayName", &model::DISPLAY_NAME)?;
        model::finish(errors)?;
        let Some(name) = name else {
            return Err(ApiError::validation("name is required"));
        };
        let mut inner = self.lock();
        let Some(existing) = inner
            .state
            .partitions
            .get(pk)
            .and_then(|p| p.templates.get(&(kind, name.clone())))
        else {
            return Err(template_not_found(kind, &name));
        };
        let mut template = existing.clone();
        if description.is_some() {
            template.description = description;
        }
        if display_name.is_some() {
            template.display_name = display_name;
        }
        template.modified_ms = now_ms().max(template.created_ms + 1);
        Engine::commit(
            &mut inner,
            vec![Record::PutTemplate {
                partition: pk.clone(),
                template: template.clone(),
            }],
        )?;
        let partition = inner.state.partitions.entry(pk.clone()).or_default();
        Ok(json!({ template_member(kind): template_json(pk, partition, &template, false) }))
    }

    fn delete_template(
        &self,
        pk: &PartitionKey,
        kind: Kind,
        body: &Map<String, Value>,
    ) -> Result<Value, ApiError> {
        let name = Engine::read_name(body)?;
        let now = now_ms();
        let mut inner = self.lock();
        let Some(partition) = inner.state.partitions.get(pk) else {
            return Err(template_not_found(kind, &name));
        };
        let key = (kind, name.clone());
        let Some(template) = partition.templates.get(&key) else {
            // Idempotent delete: retrying one that succeeded answers the empty output.
            return match partition.deleted_templates.get(&key) {
                Some(deleted) if idempotency::delete_retry_allowed(*deleted, now) => Ok(json!({})),
                _ => Err(template_not_found(kind, &name)),
            };
        };
        let count = partition.versions_of(kind, &name).count();
        if count > 0 {
            return Err(ApiError::conflict(format!(
                "The {} '{name}' can't be deleted because it still has {count} version(s). Delete its versions first.",
                kind.noun()
            )));
        }
        let rendered = template_json(pk, partition, template, false);
        Engine::commit(
            &mut inner,
            vec![Record::DeleteTemplate {
                partition: pk.clone(),
                kind,
                name,
                deleted_ms: Some(now),
            }],
        )?;
        Ok(json!({ template_member(kind): rendered }))
    }

    fn list_templates(
        &self,
        pk: &PartitionKey,
        kind: Kind,
        body: &Map<String, Value>,
    ) -> Result<Value, ApiError> {
        let mut errors = Vec::new();
        let mut r = Reader::new(body, &mut errors);
        let (max, token) = model::read_paging(&mut r, &model::NEXT_TOKEN)?;
        model::finish(errors)?;
        let inner = self.lock();
        let items: Vec<(String, Value)> = inner
            .state
            .partitions
            .get(pk)
            .map(|p| {
                p.templates
                    .values()
                    .filter(|t| t.kind == kind)
                    .map(|t| (t.name.clone(), template_json(pk, p, t, true)))
                    .collect()
            })
            .unwrap_or_default();
        let (page, next) = paginate(items, page_limit(max, DEFAULT_PAGE_SIZE), token.as_deref())?;
        Ok(page_output("templates", page, next))
    }

    // ---- versions --------------------------------------------------------------------------

    fn read_create_version(
        kind: Kind,
        body: &Map<String, Value>,
    ) -> Result<CreateVersionInput, ApiError> {
        let mut errors = Vec::new();
        let mut r = Reader::new(body, &mut errors);
        let template = r.required_string("templateName", &model::RESOURCE_NAME)?;
        let source = model::read_source(&mut r)?;
        let client_token = r.string("clientToken", &model::CLIENT_TOKEN)?;
        let description = r.string("description", &model::DESCRIPTION)?;
        let major = r.string("majorVersion", &model::VERSION_PART)?;
        let tags = model::read_tags(&mut r)?;
        let (compatible, component_sources) = if kind == Kind::Service {
            let compatible = model::read_compatible(&mut r, true)?;
            let sources = model::read_component_sources(&mut r)?;
            (compatible.unwrap_or_default(), sources)
        } else {
            (Vec::new(), None)
        };
        model::finish(errors)?;
        let (Some(template), Some(source)) = (template, source) else {
            return Err(ApiError::validation("templateName and source are required"));
        };
        let mut parameters = body.clone();
        parameters.remove("clientToken");
        Ok(CreateVersionInput {
            template,
            source,
            client_token: client_token.filter(|t| !t.is_empty()),
            description,
            major,
            tags,
            compatible,
            component_sources,
            parameters: canonical_json(&Value::Object(parameters)),
        })
    }

    /// Checks that every compatible environment template major exists.
    fn check_compatible(
        p: &Partition,
        compatible: &[model::CompatibleEnvironmentTemplate],
    ) -> Result<(), ApiError> {
        for entry in compatible {
            let major = entry.major_version.parse::<u64>().ok();
            let exists = major.is_some_and(|major| {
                p.versions_of(Kind::Environment, &entry.template_name)
                    .any(|v| v.major == major)
            });
            if !exists {
                let template_exists = p
                    .templates
                    .contains_key(&(Kind::Environment, entry.template_name.clone()));
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

    fn create_version(
        &self,
        pk: &PartitionKey,
        kind: Kind,
        body: &Map<String, Value>,
    ) -> Result<(Value, Effects), ApiError> {
        let input = Engine::read_create_version(kind, body)?;
        // Look up what the bundle must contain, then validate it without holding the lock.
        let provisioning = {
            let inner = self.lock();
            let template = inner
                .state
                .partitions
                .get(pk)
                .and_then(|p| p.templates.get(&(kind, input.template.clone())));
            match template {
                Some(t) => t.provisioning.clone(),
                None => return Err(template_not_found(kind, &input.template)),
            }
        };
        let bundle_kind = match kind {
            Kind::Environment => BundleKind::Environment {
                customer_managed: provisioning.is_some(),
            },
            Kind::Service => BundleKind::Service {
                has_pipeline: provisioning.is_none(),
            },
        };
        let outcome = match bundle::register(
            self.config.bundle_dir.as_deref(),
            &input.source,
            bundle_kind,
        ) {
            Ok(schema) => RegistrationOutcome::Registered { schema },
            Err(message) => RegistrationOutcome::Failed { message },
        };

        let now = now_ms();
        let mut inner = self.lock();
        let partition = inner.state.partitions.entry(pk.clone()).or_default();
        let Some(template) = partition.templates.get(&(kind, input.template.clone())) else {
            return Err(template_not_found(kind, &input.template));
        };
        if let Some(token) = &input.client_token {
            let original = partition
                .tokens
                .get(&(kind, token.clone()))
                .and_then(|key| partition.versions.get(key));
            if let Some(original) = original {
                if let Some(record) = &original.client_token {
                    if record.expires_ms > now {
                        if record.parameters == input.parameters {
                            let rendered =
                                version_json(pk, partition, original, now, VersionView::Full);
                            return Ok((
                                json!({ version_member(kind): rendered }),
                                Effects::default(),
                            ));
                        }
                        return Err(ApiError::validation(format!(
                            "IdempotentParameterMismatch: the client token '{token}' was already used with different parameters."
                        )));
                    }
                }
            }
        }
        let count = partition.versions_of(kind, &input.template).count();
        if count >= MAX_VERSIONS_PER_TEMPLATE {
            return Err(ApiError::new(
                ErrorKind::ServiceQuotaExceeded,
                format!(
                    "The {} '{}' already has {count} versions; the quota is {MAX_VERSIONS_PER_TEMPLATE}.",
                    kind.noun(),
                    input.template
                ),
            ));
        }
        if kind == Kind::Service {
            Engine::check_compatible(partition, &input.compatible)?;
        }
        let mut template = template.clone();
        let (major, minor) = match &input.major {
            None => {
                let major = template.highest_major + 1;
                (major, 0)
            }
            Some(requested) => {
                let major = requested.parse::<u64>().ok().filter(|m| {
                    partition
                        .versions_of(kind, &input.template)
                        .any(|v| v.major == *m)
                });
                let Some(major) = major else {
                    return Err(ApiError::validation(format!(
                        "The {} '{}' has no major version '{requested}'. Omit majorVersion to create a new major version.",
                        kind.noun(),
                        input.template
                    )));
                };
                let minor = template.highest_minor.get(&major).copied().unwrap_or(0) + 1;
                (major, minor)
            }
        };
        template.highest_major = template.highest_major.max(major);
        template.highest_minor.insert(major, minor);
        let version = Version {
            kind,
            template: input.template.clone(),
            major,
            minor,
            description: input.description,
            status: StoredStatus::Registering {
                completes_ms: now + self.config.registration_delay_ms,
                outcome,
            },
            schema: None,
            source: input.source,
            created_ms: now,
            modified_ms: now,
            tags: input.tags.into_iter().collect(),
            compatible: input.compatible,
            component_sources: input.component_sources,
            client_token: input.client_token.map(|token| TokenRecord {
                token,
                parameters: input.parameters,
                expires_ms: now + CLIENT_TOKEN_TTL_MS,
            }),
        };
        Engine::commit(
            &mut inner,
            vec![
                Record::PutTemplate {
                    partition: pk.clone(),
                    template,
                },
                Record::PutVersion {
                    partition: pk.clone(),
                    version: version.clone(),
                },
            ],
        )?;
        let partition = inner.state.partitions.entry(pk.clone()).or_default();
        let rendered = version_json(pk, partition, &version, now, VersionView::AsCreated);
        Ok((
            json!({ version_member(kind): rendered }),
            Effects {
                version_created: true,
            },
        ))
    }

    /// Reads templateName/majorVersion/minorVersion (all required).
    fn read_version_id(r: &mut Reader<'_>) -> Result<VersionIdInput, ApiError> {
        let template = r.required_string("templateName", &model::RESOURCE_NAME)?;
        let major = r.required_string("majorVersion", &model::VERSION_PART)?;
        let minor = r.required_string("minorVersion", &model::VERSION_PART)?;
        Ok((template, major, minor))
    }

    /// Finds a version's key; `Ok(None)` when the template exists but the version doesn't.
    fn find_version(
        p: Option<&Partition>,
        kind: Kind,
        template: &str,
        major: &str,
        minor: &str,
    ) -> Result<Option<VersionKey>, ApiError> {
        let Some(p) = p.filter(|p| p.templates.contains_key(&(kind, template.to_string()))) else {
            return Err(template_not_found(kind, template));
        };
        let (Ok(major), Ok(minor)) = (major.parse::<u64>(), minor.parse::<u64>()) else {
            return Ok(None);
        };
        let key = (kind, template.to_string(), major, minor);
        Ok(p.versions.contains_key(&key).then_some(key))
    }

    fn get_version(
        &self,
        pk: &PartitionKey,
        kind: Kind,
        body: &Map<String, Value>,
    ) -> Result<Value, ApiError> {
        let mut errors = Vec::new();
        let mut r = Reader::new(body, &mut errors);
        let (template, major, minor) = Engine::read_version_id(&mut r)?;
        model::finish(errors)?;
        let (Some(template), Some(major), Some(minor)) = (template, major, minor) else {
            return Err(ApiError::validation(
                "templateName, majorVersion and minorVersion are required",
            ));
        };
        let inner = self.lock();
        let p = inner.state.partitions.get(pk);
        let key = Engine::find_version(p, kind, &template, &major, &minor)?
            .ok_or_else(|| version_not_found(kind, &template, &major, &minor))?;
        let (Some(p), Some(v)) = (p, p.and_then(|p| p.versions.get(&key))) else {
            return Err(version_not_found(kind, &template, &major, &minor));
        };
        Ok(json!({ version_member(kind): version_json(pk, p, v, now_ms(), VersionView::Full) }))
    }

    fn update_version(
        &self,
        pk: &PartitionKey,
        kind: Kind,
        body: &Map<String, Value>,
    ) -> Result<Value, ApiError> {
        let mut errors = Vec::new();
        let mut r = Reader::new(body, &mut errors);
        let (template, major, minor) = Engine::read_version_id(&mut r)?;
        let description = r.string("description", &model::DESCRIPTION)?;
        let status = r.enumeration("status", model::STATUS_VALUES)?;
        let (compatible, component_sources) = if kind == Kind::Service {
            (
                model::read_compatible(&mut r, false)?,
                model::read_component_sources(&mut r)?,
            )
        } else {
            (None, None)
        };
        model::finish(errors)?;
        let (Some(template), Some(major), Some(minor)) = (template, major, minor) else {
            return Err(ApiError::validation(
                "templateName, majorVersion and minorVersion are required",
            ));
        };
        let now = now_ms();
        let mut inner = self.lock();
        let p = inner.state.partitions.get(pk);
        let key = Engine::find_version(p, kind, &template, &major, &minor)?
            .ok_or_else(|| version_not_found(kind, &template, &major, &minor))?;
        let (Some(p), Some(existing)) = (p, p.and_then(|p| p.versions.get(&key))) else {
            return Err(version_not_found(kind, &template, &major, &minor));
        };
        let mut version = existing.clone();
        version.settle(now);
        if let Some(status) = &status {
            let current = version.effective(now).status;
            if status != "PUBLISHED" || current != "DRAFT" {
                return Err(ApiError::validation(format!(
                    "You can only change the status of a template version from DRAFT to PUBLISHED; version {major}.{minor} is {current} and the requested status is {status}."
                )));
            }
        }
        if let Some(compatible) = &compatible {
            Engine::check_compatible(p, compatible)?;
        }
        if status.is_some() {
            version.status = StoredStatus::Published;
        }
        if description.is_some() {
            version.description = description;
        }
        if let Some(compatible) = compatible {
            version.compatible = compatible;
        }
        if component_sources.is_some() {
            version.component_sources = component_sources;
        }
        version.modified_ms = now.max(version.modified_ms);
        Engine::commit(
            &mut inner,
            vec![Record::PutVersion {
                partition: pk.clone(),
                version: version.clone(),
            }],
        )?;
        let p = inner.state.partitions.entry(pk.clone()).or_default();
        Ok(json!({ version_member(kind): version_json(pk, p, &version, now, VersionView::Full) }))
    }

    /// Why a version may not be deleted, if it may not (proton.md §2.4).
    fn delete_refusal(p: &Partition, v: &Version) -> Option<String> {
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
        if others > 0
            && recommended_version(p, v.kind, &v.template).map(|(m, _)| m) == Some(v.major)
        {
            return Some(format!(
                "Version {id} is the recommended version of the {}; it can only be deleted when no other versions exist.",
                v.kind.noun()
            ));
        }
        if v.kind == Kind::Environment {
            let major = v.major.to_string();
            let user = p.versions.values().find(|s| {
                s.kind == Kind::Service
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

    fn delete_version(
        &self,
        pk: &PartitionKey,
        kind: Kind,
        body: &Map<String, Value>,
    ) -> Result<Value, ApiError> {
        let mut errors = Vec::new();
        let mut r = Reader::new(body, &mut errors);
        let (template, major, minor) = Engine::read_version_id(&mut r)?;
        model::finish(errors)?;
        let (Some(template), Some(major), Some(minor)) = (template, major, minor) else {
            return Err(ApiError::validation(
                "templateName, majorVersion and minorVersion are required",
            ));
        };
        let now = now_ms();
        let mut inner = self.lock();
        let p = inner.state.partitions.get(pk);
        let Some(key) = Engine::find_version(p, kind, &template, &major, &minor)? else {
            // Idempotent delete: a missing version of an existing template is a success.
            return Ok(json!({}));
        };
        let (Some(p), Some(v)) = (p, p.and_then(|p| p.versions.get(&key))) else {
            return Ok(json!({}));
        };
        if let Some(reason) = Engine::delete_refusal(p, v) {
            return Err(ApiError::conflict(reason));
        }
        let rendered = version_json(pk, p, v, now, VersionView::Full);
        Engine::commit(
            &mut inner,
            vec![Record::DeleteVersion {
                partition: pk.clone(),
                kind,
                template: key.1.clone(),
                major: key.2,
                minor: key.3,
            }],
        )?;
        Ok(json!({ version_member(kind): rendered }))
    }

    fn list_versions(
        &self,
        pk: &PartitionKey,
        kind: Kind,
        body: &Map<String, Value>,
    ) -> Result<Value, ApiError> {
        let mut errors = Vec::new();
        let mut r = Reader::new(body, &mut errors);
        let template = r.required_string("templateName", &model::RESOURCE_NAME)?;
        let major = r.string("majorVersion", &model::VERSION_PART)?;
        let (max, token) = model::read_paging(&mut r, &model::NEXT_TOKEN)?;
        model::finish(errors)?;
        let Some(template) = template else {
            return Err(ApiError::validation("templateName is required"));
        };
        let now = now_ms();
        let inner = self.lock();
        let Some(p) = inner
            .state
            .partitions
            .get(pk)
            .filter(|p| p.templates.contains_key(&(kind, template.clone())))
        else {
            return Err(template_not_found(kind, &template));
        };
        // A major that cannot be a number simply matches nothing.
        let major_filter = major.as_ref().map(|m| m.parse::<u64>().ok());
        let items: Vec<(String, Value)> = p
            .versions_of(kind, &template)
            .filter(|v| major_filter.is_none_or(|m| m == Some(v.major)))
            .map(|v| {
                (
                    version_cursor(v.major, v.minor),
                    version_json(pk, p, v, now, VersionView::Summary),
                )
            })
            .collect();
        let (page, next) = paginate(items, page_limit(max, DEFAULT_PAGE_SIZE), token.as_deref())?;
        Ok(page_output("templateVersions", page, next))
    }

    // ---- tags ------------------------------------------------------------------------------

    /// Resolves a resource ARN within the caller's partition.
    fn resolve_arn(
        pk: &PartitionKey,
        p: Option<&Partition>,
        arn: &str,
    ) -> Result<TaggedResource, ApiError> {
        let not_found =
            || ApiError::not_found(format!("The resource with ARN '{arn}' was not found."));
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        let [_, partition, service, region, account, resource] = parts[..] else {
            return Err(not_found());
        };
        if partition != arn_partition(&pk.region)
            || service != "proton"
            || region != pk.region
            || account != pk.account
        {
            return Err(not_found());
        }
        let (kind, rest) = if let Some(rest) = resource.strip_prefix("environment-template/") {
            (Kind::Environment, rest)
        } else if let Some(rest) = resource.strip_prefix("service-template/") {
            (Kind::Service, rest)
        } else {
            return Err(not_found());
        };
        let p = p.ok_or_else(not_found)?;
        match rest.split_once(':') {
            None => {
                if p.templates.contains_key(&(kind, rest.to_string())) {
                    Ok(TaggedResource::Template(kind, rest.to_string()))
                } else {
                    Err(not_found())
                }
            }
            Some((name, version)) => {
                let (major, minor) = version.split_once('.').ok_or_else(not_found)?;
                let (Ok(major), Ok(minor)) = (major.parse::<u64>(), minor.parse::<u64>()) else {
                    return Err(not_found());
                };
                let key = (kind, name.to_string(), major, minor);
                if p.versions.contains_key(&key) {
                    Ok(TaggedResource::Version(key))
                } else {
                    Err(not_found())
                }
            }
        }
    }

    /// Applies `change` to a resource's user tags and persists the result.
    fn change_tags(
        &self,
        pk: &PartitionKey,
        arn: &str,
        change: impl FnOnce(&mut BTreeMap<String, String>) -> Result<(), ApiError>,
    ) -> Result<(), ApiError> {
        let mut inner = self.lock();
        let p = inner.state.partitions.get(pk);
        let record = match Engine::resolve_arn(pk, p, arn)? {
            TaggedResource::Template(kind, name) => {
                let Some(existing) = p.and_then(|p| p.templates.get(&(kind, name.clone()))) else {
                    return Err(template_not_found(kind, &name));
                };
                let mut template = existing.clone();
                change(&mut template.tags)?;
                Record::PutTemplate {
                    partition: pk.clone(),
                    template,
                }
            }
            TaggedResource::Version(key) => {
                let Some(existing) = p.and_then(|p| p.versions.get(&key)) else {
                    return Err(ApiError::not_found(format!(
                        "The resource with ARN '{arn}' was not found."
                    )));
                };
                let mut version = existing.clone();
                change(&mut version.tags)?;
                Record::PutVersion {
                    partition: pk.clone(),
                    version,
                }
            }
        };
        Engine::commit(&mut inner, vec![record])
    }

    fn tag_resource(
        &self,
        pk: &PartitionKey,
        body: &Map<String, Value>,
    ) -> Result<Value, ApiError> {
        let mut errors = Vec::new();
        let mut r = Reader::new(body, &mut errors);
        let arn = r.required_string("resourceArn", &model::ARN)?;
        if !body.contains_key("tags") || body.get("tags").is_some_and(Value::is_null) {
            r.record_missing("tags");
        }
        let tags = model::read_tags(&mut r)?;
        model::finish(errors)?;
        let Some(arn) = arn else {
            return Err(ApiError::validation("resourceArn is required"));
        };
        self.change_tags(pk, &arn, |existing| {
            for (k, v) in tags {
                existing.insert(k, v);
            }
            if existing.len() > model::MAX_TAGS {
                return Err(ApiError::validation(format!(
                    "The resource would have {} tags; the maximum is {}.",
                    existing.len(),
                    model::MAX_TAGS
                )));
            }
            Ok(())
        })?;
        Ok(json!({}))
    }

    fn untag_resource(
        &self,
        pk: &PartitionKey,
        body: &Map<String, Value>,
    ) -> Result<Value, ApiError> {
        let mut errors = Vec::new();
        let mut r = Reader::new(body, &mut errors);
        let arn = r.required_string("resourceArn", &model::ARN)?;
        let keys = r.required_list("tagKeys", 0, Some(model::MAX_TAGS))?;
        let mut tag_keys = Vec::new();
        for (i, item) in keys.into_iter().flatten().enumerate() {
            let path = format!("tagKeys.{}.member", i + 1);
            let Value::String(key) = item else {
                return Err(ApiError::serialization(format!(
                    "Expected a string for member '{path}'"
                )));
            };
            Reader::check_string(r.errors_mut(), &path, key, &model::TAG_KEY);
            if model::is_reserved_tag_key(key) {
                r.violation(
                    &path,
                    "Member must not begin with the reserved prefix 'aws:'",
                );
            }
            tag_keys.push(key.clone());
        }
        model::finish(errors)?;
        let Some(arn) = arn else {
            return Err(ApiError::validation("resourceArn is required"));
        };
        self.change_tags(pk, &arn, |existing| {
            for key in &tag_keys {
                existing.remove(key);
            }
            Ok(())
        })?;
        Ok(json!({}))
    }

    fn list_tags(&self, pk: &PartitionKey, body: &Map<String, Value>) -> Result<Value, ApiError> {
        let mut errors = Vec::new();
        let mut r = Reader::new(body, &mut errors);
        let arn = r.required_string("resourceArn", &model::ARN)?;
        let (max, token) = model::read_paging(&mut r, &model::PLAIN_STRING)?;
        model::finish(errors)?;
        let Some(arn) = arn else {
            return Err(ApiError::validation("resourceArn is required"));
        };
        let inner = self.lock();
        let p = inner.state.partitions.get(pk);
        let mut tags: BTreeMap<String, String> = BTreeMap::new();
        match Engine::resolve_arn(pk, p, &arn)? {
            TaggedResource::Template(kind, name) => {
                if let Some(t) = p.and_then(|p| p.templates.get(&(kind, name))) {
                    tags.extend(t.tags.clone());
                }
            }
            TaggedResource::Version(key) => {
                if let Some(v) = p.and_then(|p| p.versions.get(&key)) {
                    tags.extend(v.tags.clone());
                    // AWS-managed tags Proton propagates from the template to its versions.
                    tags.insert(
                        "aws:proton:template".into(),
                        template_arn(pk, v.kind, &v.template),
                    );
                    tags.insert("aws:proton:account".into(), pk.account.clone());
                }
            }
        }
        let items = tags
            .into_iter()
            .map(|(k, v)| (k.clone(), json!({ "key": k, "value": v })))
            .collect();
        // Managed tags count too: a version with 50 user tags lists 52 over two pages.
        let (page, next) = paginate(items, page_limit(max, MAX_TAGS_PER_PAGE), token.as_deref())?;
        Ok(page_output("tags", page, next))
    }
}
