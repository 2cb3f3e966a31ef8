//! Creates the templates the quickstart's versions belong to. A stopgap
//! until the provider has template resources: an existing template is fine.
// aws-sdk-proton marks every item deprecated (Proton ends 2026-10-07).
#![allow(deprecated)]

use aws_sdk_proton::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_proton::error::ProvideErrorMetadata;
use aws_sdk_proton::types::Provisioning;
use aws_sdk_proton::Client;

use crate::Error;

/// The quickstart's environment template.
pub const ENVIRONMENT_TEMPLATE: &str = "quickstart-env";
/// The quickstart's service template (customer-managed pipeline, so its
/// bundles need no pipeline).
pub const SERVICE_TEMPLATE: &str = "quickstart-svc";

/// Where and as whom to create the templates.
#[derive(Debug, Clone)]
pub struct Target {
    /// Proton endpoint URL, e.g. `http://127.0.0.1:4580`.
    pub endpoint: String,
    /// Region to sign for.
    pub region: String,
    /// Access key id (`AWS_ACCESS_KEY_ID`, default `test`).
    pub access_key: String,
    /// Secret access key (`AWS_SECRET_ACCESS_KEY`, default `test`).
    pub secret_key: String,
}

impl Target {
    /// `endpoint` and `region`, credentials from the environment or `test`/`test`.
    pub fn new(endpoint: &str, region: &str) -> Self {
        let env = |name: &str| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| "test".to_string())
        };
        Self {
            endpoint: endpoint.to_string(),
            region: region.to_string(),
            access_key: env("AWS_ACCESS_KEY_ID"),
            secret_key: env("AWS_SECRET_ACCESS_KEY"),
        }
    }

    fn client(&self) -> Client {
        let config = aws_sdk_proton::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(self.region.clone()))
            .endpoint_url(&self.endpoint)
            .credentials_provider(Credentials::new(
                self.access_key.clone(),
                self.secret_key.clone(),
                None,
                None,
                "xtask",
            ))
            .build();
        Client::from_conf(config)
    }
}

/// What happened to one template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Newly created.
    Created,
    /// Already there.
    Existed,
}

/// Creates the quickstart's environment and service templates, leaving
/// existing ones as they are.
pub async fn seed(target: &Target) -> Result<Vec<(String, Outcome)>, Error> {
    let client = target.client();

    let exists = client
        .get_environment_template()
        .name(ENVIRONMENT_TEMPLATE)
        .send()
        .await;
    let environment = if found("environment template", ENVIRONMENT_TEMPLATE, exists)? {
        Outcome::Existed
    } else {
        let created = client
            .create_environment_template()
            .name(ENVIRONMENT_TEMPLATE)
            .display_name("Quickstart environment")
            .description("Environment template of the terraform-provider-proton quickstart")
            .send()
            .await;
        outcome("environment template", ENVIRONMENT_TEMPLATE, created)?
    };

    let exists = client
        .get_service_template()
        .name(SERVICE_TEMPLATE)
        .send()
        .await;
    let service = if found("service template", SERVICE_TEMPLATE, exists)? {
        Outcome::Existed
    } else {
        let created = client
            .create_service_template()
            .name(SERVICE_TEMPLATE)
            .display_name("Quickstart service")
            .description("Service template of the terraform-provider-proton quickstart")
            .pipeline_provisioning(Provisioning::CustomerManaged)
            .send()
            .await;
        outcome("service template", SERVICE_TEMPLATE, created)?
    };

    Ok(vec![
        (
            format!("environment template {ENVIRONMENT_TEMPLATE}"),
            environment,
        ),
        (format!("service template {SERVICE_TEMPLATE}"), service),
    ])
}

/// Whether a Get found the template (`ResourceNotFoundException`: no).
fn found<T, E>(
    what: &str,
    name: &str,
    result: Result<T, aws_sdk_proton::error::SdkError<E>>,
) -> Result<bool, Error>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match result {
        Ok(_) => Ok(true),
        Err(err) if err.code() == Some("ResourceNotFoundException") => Ok(false),
        Err(err) => Err(Error(format!(
            "cannot look up {what} {name}: {}",
            detail(&err)
        ))),
    }
}

fn detail<E>(err: &aws_sdk_proton::error::SdkError<E>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match (err.code(), err.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_string(),
        _ => aws_sdk_proton::error::DisplayErrorContext(err).to_string(),
    }
}

fn outcome<T, E>(
    what: &str,
    name: &str,
    result: Result<T, aws_sdk_proton::error::SdkError<E>>,
) -> Result<Outcome, Error>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match result {
        Ok(_) => Ok(Outcome::Created),
        Err(err) if err.code() == Some("ConflictException") => Ok(Outcome::Existed),
        Err(err) => Err(Error(format!(
            "cannot create {what} {name}: {}",
            detail(&err)
        ))),
    }
}
