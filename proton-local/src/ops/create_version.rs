//! CreateEnvironmentTemplateVersion and CreateServiceTemplateVersion: the next version number,
//! bundle registration (outside the lock), client-token idempotency and the version quota.

use serde_json::{json, Map, Value};

use super::render::{template_not_found, version_json, VersionView};
use super::version_rules::check_compatible;
use super::{now_ms, Effects, Engine};
use crate::bundle;
use crate::idempotency::canonical_json;
use crate::kind::TemplateKind;
use crate::model::{self, Reader, S3Source};
use crate::store::{PartitionKey, Record, RegistrationOutcome, StoredStatus, TokenRecord, Version};
use crate::wire::{ApiError, ErrorKind};

/// Versions a template may hold (Proton's quota).
const MAX_VERSIONS_PER_TEMPLATE: usize = 500;
/// How long a client token is remembered.
const CLIENT_TOKEN_TTL_MS: u64 = 8 * 60 * 60 * 1000;

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

/// Reads and checks a create-version body; `parameters` is what a client-token retry must repeat.
fn read_create_version(
    kind: TemplateKind,
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
    let (compatible, component_sources) = if kind.names_compatible_environments() {
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

impl Engine {
    pub(super) fn create_version(
        &self,
        pk: &PartitionKey,
        kind: TemplateKind,
        body: &Map<String, Value>,
    ) -> Result<(Value, Effects), ApiError> {
        let input = read_create_version(kind, body)?;
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
        let bundle_kind = kind.bundle(provisioning.is_some());
        let outcome = match bundle::register(&self.config.bundles, &input.source, bundle_kind) {
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
                                json!({ kind.version_member(): rendered }),
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
        if kind.names_compatible_environments() {
            check_compatible(partition, &input.compatible)?;
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
        // A new minor must keep its major's current schema working (the highest registered
        // minor's).
        let current = partition
            .versions_of(kind, &input.template)
            .filter(|v| v.major == major)
            .filter_map(|v| Some((v.minor, v.effective(now).schema?)))
            .last();
        let outcome = match (outcome, current) {
            (RegistrationOutcome::Registered { schema }, Some((current_minor, current))) => {
                match bundle::incompatibility(&current, &schema) {
                    None => RegistrationOutcome::Registered { schema },
                    Some(why) => RegistrationOutcome::Failed {
                        message: format!(
                            "The schema is not backward compatible with version {major}.{current_minor}, the current one of major version {major}: {why}. Register it as a new major version instead."
                        ),
                    },
                }
            }
            (outcome, _) => outcome,
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
            json!({ kind.version_member(): rendered }),
            Effects {
                version_created: true,
            },
        ))
    }
}
