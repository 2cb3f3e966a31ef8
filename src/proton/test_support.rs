//! Builders for mocked Proton responses shared by the unit tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use aws_sdk_proton::operation::get_environment_template_version::GetEnvironmentTemplateVersionOutput;
use aws_sdk_proton::types::builders::EnvironmentTemplateVersionBuilder;
use aws_sdk_proton::types::{
    EnvironmentTemplateVersion, EnvironmentTemplateVersionSummary, TemplateVersionStatus,
};
use aws_smithy_mocks::{mock_client, Rule, RuleMode};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::DateTime;

use super::client::{CreateVersionInput, ProtonClient};

pub(crate) const REQUEST_ID: &str = "7e1c9d0a-0000-4000-8000-000000000001";
pub(crate) const ENDPOINT: &str = "http://127.0.0.1:4566";

/// A client whose calls are answered by `rules` in order, with the SDK's standard retry
/// policy (3 attempts) as in production, so throttling and 5xx are retried by the SDK.
pub(crate) fn mocked(rules: &[&Rule]) -> ProtonClient {
    let sdk = mock_client!(aws_sdk_proton, RuleMode::Sequential, rules, |c| c
        .retry_config(RetryConfig::standard().with_max_attempts(3)));
    ProtonClient::from_sdk(sdk, Some(ENDPOINT.into()))
}

/// A client that answers with rules in any order (first non-exhausted match).
pub(crate) fn mocked_any(rules: &[&Rule]) -> ProtonClient {
    let sdk = mock_client!(aws_sdk_proton, RuleMode::MatchAny, rules, |c| c
        .retry_config(RetryConfig::standard().with_max_attempts(3)));
    ProtonClient::from_sdk(sdk, Some(ENDPOINT.into()))
}

/// A Proton JSON 1.0 error response as the service sends it, so the SDK's own deserializer
/// fills in code, message and request ID.
pub(crate) fn aws_error(status: u16, code: &str, message: &str) -> HttpResponse {
    let body = format!(r#"{{"__type":"com.amazonaws.proton#{code}","message":"{message}"}}"#);
    let mut response =
        HttpResponse::new(StatusCode::try_from(status).unwrap(), SdkBody::from(body));
    response
        .headers_mut()
        .insert("content-type", "application/x-amz-json-1.0");
    response
        .headers_mut()
        .insert("x-amzn-requestid", REQUEST_ID);
    response
}

pub(crate) fn not_found() -> HttpResponse {
    aws_error(
        404,
        "ResourceNotFoundException",
        "The requested resource was not found",
    )
}

pub(crate) fn throttled() -> HttpResponse {
    aws_error(429, "ThrottlingException", "Rate exceeded")
}

pub(crate) fn conflict() -> HttpResponse {
    aws_error(
        409,
        "ConflictException",
        "Cannot delete the recommended version while other versions exist",
    )
}

/// An input that creates a minor version of `web` major 1 from `s3://bundles/web.tar.gz`.
pub(crate) fn create_input() -> CreateVersionInput {
    CreateVersionInput {
        template_name: "web".into(),
        major_version: Some("1".into()),
        description: Some("first".into()),
        source_bucket: "bundles".into(),
        source_key: "web.tar.gz".into(),
        tags: BTreeMap::from([("team".into(), "platform".into())]),
        ..Default::default()
    }
}

/// Sets what every SDK shape of an environment template version has on its builder.
macro_rules! version_fields {
    ($builder:expr, $name:expr, $major:expr, $minor:expr, $status:expr) => {{
        let (name, major, minor) = ($name, $major, $minor);
        $builder
            .template_name(name)
            .major_version(major)
            .minor_version(minor)
            .status(TemplateVersionStatus::from($status))
            .arn(format!(
                "arn:aws:proton:us-east-1:123456789012:environment-template/{name}:{major}.{minor}"
            ))
    }};
}

pub(crate) fn env_version(
    name: &str,
    major: &str,
    minor: &str,
    status: &str,
) -> EnvironmentTemplateVersion {
    env_version_with(name, major, minor, status, |version| version)
}

/// [`env_version`] with the fields that `more` sets.
pub(crate) fn env_version_with(
    name: &str,
    major: &str,
    minor: &str,
    status: &str,
    more: impl FnOnce(EnvironmentTemplateVersionBuilder) -> EnvironmentTemplateVersionBuilder,
) -> EnvironmentTemplateVersion {
    let version = version_fields!(
        EnvironmentTemplateVersion::builder(),
        name,
        major,
        minor,
        status
    )
    .created_at(DateTime::from_secs_f64(1_700_000_000.25))
    .last_modified_at(DateTime::from_secs_f64(1_700_000_100.5));
    more(version).build().unwrap()
}

/// A published version of `web`, as List answers it.
pub(crate) fn env_summary(major: &str, minor: &str) -> EnvironmentTemplateVersionSummary {
    version_fields!(
        EnvironmentTemplateVersionSummary::builder(),
        "web",
        major,
        minor,
        "PUBLISHED"
    )
    .created_at(DateTime::from_secs(1))
    .last_modified_at(DateTime::from_secs(2))
    .build()
    .unwrap()
}

pub(crate) fn get_env_output(
    version: EnvironmentTemplateVersion,
) -> GetEnvironmentTemplateVersionOutput {
    GetEnvironmentTemplateVersionOutput::builder()
        .environment_template_version(version)
        .build()
}
