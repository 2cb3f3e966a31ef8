//! Client, finder and waiter behaviour against mocked Proton responses (aws-smithy-mocks).
//!
//! Errors are mocked as raw HTTP responses in Proton's wire format, so the SDK's own
//! deserializer and retry policy run exactly as in production.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_proton::operation::create_environment_template_version::CreateEnvironmentTemplateVersionOutput;
use aws_sdk_proton::operation::create_service_template_version::CreateServiceTemplateVersionOutput;
use aws_sdk_proton::operation::delete_environment_template_version::DeleteEnvironmentTemplateVersionOutput;
use aws_sdk_proton::operation::get_environment_template_version::GetEnvironmentTemplateVersionOutput;
use aws_sdk_proton::operation::list_environment_template_versions::ListEnvironmentTemplateVersionsOutput;
use aws_sdk_proton::operation::list_service_templates::ListServiceTemplatesOutput;
use aws_sdk_proton::operation::list_tags_for_resource::ListTagsForResourceOutput;
use aws_sdk_proton::operation::tag_resource::TagResourceOutput;
use aws_sdk_proton::operation::update_environment_template_version::UpdateEnvironmentTemplateVersionOutput;
use aws_sdk_proton::types::{
    CompatibleEnvironmentTemplate as SdkCompatible, ServiceTemplateSupportedComponentSourceType,
    ServiceTemplateVersion, Tag, TemplateVersionSourceInput, TemplateVersionStatus,
};
use aws_sdk_proton::Client;
use aws_smithy_mocks::{mock, Rule};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_types::DateTime;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::create::create_version;
use super::delete::delete_version;
use super::error::ProtonError;
use super::model::{
    rfc3339, CompatibleEnvironmentTemplate, TemplateKind, VersionKey, VersionStatus,
};
use super::test_support::*;
use super::{
    client_token, wait_registered, CreateVersionInput, Deadline, TemplateVersion,
    UpdateVersionInput, VersionDeleted, DEFERRED_DELETE_TAG, SOURCE_TAG,
};

fn key() -> VersionKey {
    VersionKey::new("web", "1", "0")
}

/// `web:1.0` with `status`, as Get answers it.
fn get_output(status: &str) -> GetEnvironmentTemplateVersionOutput {
    get_env_output(env_version("web", "1", "0", status))
}

fn get_rule_status(status: &'static str) -> Rule {
    mock!(Client::get_environment_template_version).then_output(move || get_output(status))
}

/// `web:1.0` looked up on a client answering with `rule`.
async fn find_web(rule: &Rule) -> Result<Option<TemplateVersion>, ProtonError> {
    mocked(&[rule])
        .find_version(TemplateKind::Environment, &key())
        .await
}

/// `web:1.0` read from a client answering with `rule`.
async fn get_web(rule: &Rule) -> Result<TemplateVersion, ProtonError> {
    mocked(&[rule])
        .get_version(TemplateKind::Environment, &key())
        .await
}

/// `web:1.0` deleted (one call) on a client answering with `rule`.
async fn delete_web(rule: &Rule) -> Result<(), ProtonError> {
    mocked(&[rule])
        .delete_version(TemplateKind::Environment, &key())
        .await
}

/// A token that is cancelled `delay` from now.
fn cancelled_after(delay: Duration) -> CancellationToken {
    let cancel = CancellationToken::new();
    let canceller = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        canceller.cancel();
    });
    cancel
}

// ---- finders and error mapping ----------------------------------------------------------

#[tokio::test]
async fn find_version_not_found_is_none_without_retrying() {
    let rule = mock!(Client::get_environment_template_version).then_http_response(not_found);
    let found = find_web(&rule).await.unwrap();
    assert_eq!(found, None);
    assert_eq!(rule.num_calls(), 1);
}

#[tokio::test(start_paused = true)]
async fn find_version_rides_out_throttling_through_sdk_retries() {
    let rule = mock!(Client::get_environment_template_version)
        .sequence()
        .http_response(throttled)
        .times(2)
        .output(|| get_output("DRAFT"))
        .build();
    let found = find_web(&rule).await.unwrap().expect("found");
    assert_eq!(rule.num_calls(), 3);
    assert_eq!(found.status, VersionStatus::Draft);
    assert_eq!(found.kind, TemplateKind::Environment);
    assert_eq!(found.key(), key());
    assert_eq!(rfc3339(found.created_at), "2023-11-14T22:13:20Z");
    assert_eq!(rfc3339(found.last_modified_at), "2023-11-14T22:15:00Z");
}

#[tokio::test(start_paused = true)]
async fn find_version_never_reports_gone_for_other_errors() {
    let throttled_forever = mock!(Client::get_environment_template_version)
        .sequence()
        .http_response(throttled)
        .repeatedly()
        .build();
    let err = find_web(&throttled_forever).await.unwrap_err();
    assert_eq!(err.code(), Some("ThrottlingException"));
    assert_eq!(
        throttled_forever.num_calls(),
        3,
        "SDK made all its attempts"
    );

    let denied = mock!(Client::get_environment_template_version).then_http_response(|| {
        aws_error(
            403,
            "AccessDeniedException",
            "User is not authorized to perform proton:GetEnvironmentTemplateVersion",
        )
    });
    let err = find_web(&denied).await.unwrap_err();
    assert!(matches!(err, ProtonError::Api { .. }), "{err:?}");
}

#[tokio::test]
async fn api_errors_carry_operation_resource_code_message_and_request_id() {
    let rule = mock!(Client::get_service_template_version).then_http_response(|| {
        aws_error(400, "ValidationException", "1 validation error detected")
    });
    let client = mocked(&[&rule]);
    let err = client
        .get_version(TemplateKind::Service, &VersionKey::new("api", "2", "3"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));
    assert_eq!(err.request_id(), Some(REQUEST_ID));
    assert_eq!(
        err.to_string(),
        format!(
            "GetServiceTemplateVersion on service template version `api:2.3` failed: \
             ValidationException: 1 validation error detected (request ID: {REQUEST_ID})"
        )
    );
}

#[tokio::test]
async fn not_found_from_get_names_the_version() {
    let rule = mock!(Client::get_environment_template_version).then_http_response(not_found);
    let err = get_web(&rule).await.unwrap_err();
    assert!(err.is_not_found());
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
    assert!(
        err.to_string().starts_with(
            "environment template version `web:1.0` was not found (ResourceNotFoundException: The requested resource was not found"
        ),
        "{err}"
    );
}

#[tokio::test]
async fn a_non_proton_reply_is_a_transport_error_naming_the_endpoint() {
    let rule = mock!(Client::get_environment_template_version).then_http_response(|| {
        aws_smithy_runtime_api::client::orchestrator::HttpResponse::new(
            aws_smithy_runtime_api::http::StatusCode::try_from(200).unwrap(),
            aws_smithy_types::body::SdkBody::from("<html>captive portal</html>"),
        )
    });
    let err = get_web(&rule).await.unwrap_err();
    assert!(matches!(err, ProtonError::Transport { .. }), "{err:?}");
    assert!(err.to_string().contains(ENDPOINT), "{err}");
}

// ---- create / update / list / tags ------------------------------------------------------

/// `input` created on a client answering with `rule`.
async fn create(
    rule: &Rule,
    kind: TemplateKind,
    input: &CreateVersionInput,
) -> Result<TemplateVersion, ProtonError> {
    mocked(&[rule]).create_version(kind, input).await
}

#[tokio::test]
async fn create_environment_version_sends_every_field_and_the_token() {
    let mut input = create_input();
    input.client_token = client_token(TemplateKind::Environment, &input, "");
    let expected_token = input.client_token.clone();
    let rule = mock!(Client::create_environment_template_version)
        .match_requests(move |r| {
            let source_ok = matches!(
                r.source(),
                Some(TemplateVersionSourceInput::S3(s)) if s.bucket() == "bundles" && s.key() == "web.tar.gz"
            );
            r.template_name() == Some("web")
                && r.major_version() == Some("1")
                && r.description() == Some("first")
                && r.client_token() == Some(expected_token.as_str())
                && r.tags().len() == 1
                && source_ok
        })
        .then_output(|| {
            created("1")
        });
    let created = create(&rule, TemplateKind::Environment, &input)
        .await
        .unwrap();
    assert_eq!(rule.num_calls(), 1);
    assert_eq!(created.key(), VersionKey::new("web", "1", "1"));
    assert_eq!(created.status, VersionStatus::RegistrationInProgress);
}

#[tokio::test]
async fn create_service_version_maps_service_only_fields() {
    let mut input = create_input();
    input.compatible_environment_templates = vec![CompatibleEnvironmentTemplate {
        template_name: "env".into(),
        major_version: "2".into(),
    }];
    input.supported_component_sources = vec!["DIRECTLY_DEFINED".into()];
    let rule = mock!(Client::create_service_template_version)
        .match_requests(|r| {
            r.compatible_environment_templates().len() == 1
                && r.supported_component_sources()
                    == [ServiceTemplateSupportedComponentSourceType::DirectlyDefined]
                && r.client_token().is_some()
        })
        .then_output(|| {
            CreateServiceTemplateVersionOutput::builder()
                .service_template_version(
                    ServiceTemplateVersion::builder()
                        .template_name("web")
                        .major_version("1")
                        .minor_version("0")
                        .status(TemplateVersionStatus::RegistrationInProgress)
                        .arn("arn:aws:proton:us-east-1:123456789012:service-template/web:1.0")
                        .created_at(DateTime::from_secs(1_700_000_000))
                        .last_modified_at(DateTime::from_secs(1_700_000_000))
                        .compatible_environment_templates(
                            SdkCompatible::builder()
                                .template_name("env")
                                .major_version("2")
                                .build()
                                .unwrap(),
                        )
                        .supported_component_sources(
                            ServiceTemplateSupportedComponentSourceType::DirectlyDefined,
                        )
                        .build()
                        .unwrap(),
                )
                .build()
        });
    let created = create(&rule, TemplateKind::Service, &input).await.unwrap();
    assert_eq!(rule.num_calls(), 1);
    assert_eq!(created.kind, TemplateKind::Service);
    assert_eq!(
        created.compatible_environment_templates,
        input.compatible_environment_templates
    );
    assert_eq!(created.supported_component_sources, ["DIRECTLY_DEFINED"]);
}

#[tokio::test]
async fn service_only_fields_are_rejected_for_environment_versions_without_a_call() {
    let rule = mock!(Client::create_environment_template_version)
        .then_output(|| CreateEnvironmentTemplateVersionOutput::builder().build());
    let mut input = create_input();
    input.supported_component_sources = vec!["DIRECTLY_DEFINED".into()];
    let err = create(&rule, TemplateKind::Environment, &input)
        .await
        .unwrap_err();
    assert!(matches!(err, ProtonError::InvalidRequest { .. }), "{err:?}");
    assert_eq!(rule.num_calls(), 0);
}

#[tokio::test]
async fn update_clears_a_description_by_sending_an_empty_one() {
    let rule = mock!(Client::update_environment_template_version)
        .match_requests(|r| {
            r.description() == Some("") && r.status() == Some(&TemplateVersionStatus::Published)
        })
        .then_output(|| {
            UpdateEnvironmentTemplateVersionOutput::builder()
                .environment_template_version(env_version_with(
                    "web",
                    "1",
                    "0",
                    "PUBLISHED",
                    |version| version.description(""),
                ))
                .build()
        });
    let updated = mocked(&[&rule])
        .update_version(
            TemplateKind::Environment,
            &key(),
            &UpdateVersionInput {
                description: Some(None),
                status: Some(VersionStatus::Published),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(rule.num_calls(), 1);
    assert_eq!(updated.status, VersionStatus::Published);
    assert_eq!(
        updated.description, None,
        "empty description reads as unset"
    );
}

/// A rule answering `$list` in two pages of `$set` items: `$first` to the request without a
/// token, with the next token `page2`, then `$second` to the request with that token.
macro_rules! two_pages {
    ($list:path $(where $filter:expr)?, $output:ident::$set:ident, $first:expr, $second:expr) => {
        mock!($list)
            $(.match_requests($filter))?
            .then_compute_output(|r| {
                let (items, next) = match r.next_token() {
                    None => ($first, Some("page2".to_owned())),
                    Some("page2") => ($second, None),
                    other => panic!("asked for page {other:?}"),
                };
                $output::builder().$set(Some(items)).set_next_token(next).build().unwrap()
            })
    };
}

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build().unwrap()
}

#[tokio::test]
async fn list_versions_follows_every_page() {
    let pages = two_pages!(
        Client::list_environment_template_versions where |r| r.major_version() == Some("1"),
        ListEnvironmentTemplateVersionsOutput::set_template_versions,
        vec![env_summary("1", "0"), env_summary("1", "1")],
        vec![env_summary("1", "2")]
    );
    let versions = mocked_any(&[&pages])
        .list_versions(TemplateKind::Environment, "web", Some("1"))
        .await
        .unwrap();
    let keys: Vec<String> = versions.iter().map(|v| v.key().to_string()).collect();
    assert_eq!(keys, ["web:1.0", "web:1.1", "web:1.2"]);
    assert_eq!(pages.num_calls(), 2);
}

#[tokio::test]
async fn list_tags_reads_all_pages_and_drops_aws_managed_keys() {
    let pages = two_pages!(
        Client::list_tags_for_resource,
        ListTagsForResourceOutput::set_tags,
        vec![
            tag("team", "platform"),
            tag("aws:proton:template", "arn:...")
        ],
        vec![
            tag("aws:proton:account", "123456789012"),
            tag("env", "prod")
        ]
    );
    let tags = mocked_any(&[&pages])
        .list_tags("arn:aws:proton:us-east-1:123456789012:environment-template/web:1.0")
        .await
        .unwrap();
    assert_eq!(
        tags,
        BTreeMap::from([
            ("env".to_string(), "prod".to_string()),
            ("team".to_string(), "platform".to_string())
        ])
    );
    assert_eq!(pages.num_calls(), 2);
}

#[tokio::test]
async fn tag_and_untag_skip_the_call_when_there_is_nothing_to_do() {
    let tag = mock!(Client::tag_resource).then_output(|| {
        aws_sdk_proton::operation::tag_resource::TagResourceOutput::builder().build()
    });
    let untag = mock!(Client::untag_resource).then_output(|| {
        aws_sdk_proton::operation::untag_resource::UntagResourceOutput::builder().build()
    });
    let client = mocked_any(&[&tag, &untag]);
    let arn = "arn:aws:proton:us-east-1:123456789012:environment-template/web:1.0";
    client.tag(arn, &BTreeMap::new()).await.unwrap();
    client.untag(arn, &[]).await.unwrap();
    assert_eq!((tag.num_calls(), untag.num_calls()), (0, 0));
    client
        .tag(arn, &BTreeMap::from([("a".into(), "b".into())]))
        .await
        .unwrap();
    client.untag(arn, &["c".into()]).await.unwrap();
    assert_eq!((tag.num_calls(), untag.num_calls()), (1, 1));
}

// ---- delete -----------------------------------------------------------------------------

#[tokio::test]
async fn delete_treats_not_found_and_empty_output_as_success() {
    let gone = mock!(Client::delete_environment_template_version).then_http_response(not_found);
    delete_web(&gone).await.unwrap();
    assert_eq!(gone.num_calls(), 1);

    let empty = mock!(Client::delete_environment_template_version)
        .then_output(|| DeleteEnvironmentTemplateVersionOutput::builder().build());
    delete_web(&empty).await.unwrap();
    assert_eq!(empty.num_calls(), 1);
}

#[tokio::test]
async fn delete_conflict_is_a_conflict_error() {
    let rule = mock!(Client::delete_environment_template_version).then_http_response(conflict);
    let err = delete_web(&rule).await.unwrap_err();
    assert!(err.is_conflict(), "{err:?}");
    assert_eq!(rule.num_calls(), 1, "the SDK does not retry conflicts");
    assert!(err.to_string().starts_with(
        "DeleteEnvironmentTemplateVersion on environment template version `web:1.0` was refused: ConflictException"
    ), "{err}");
}

fn no_service_templates() -> Rule {
    mock!(Client::list_service_templates).then_output(|| {
        ListServiceTemplatesOutput::builder()
            .set_templates(Some(vec![]))
            .build()
            .unwrap()
    })
}

/// Lists `versions` (all of major 1) whether asked with or without a major.
fn list_rule(minors: &'static [&'static str]) -> Rule {
    mock!(Client::list_environment_template_versions).then_output(move || {
        let mut out = ListEnvironmentTemplateVersionsOutput::builder();
        for minor in minors {
            out = out.template_versions(env_summary("1", minor));
        }
        out.build().unwrap()
    })
}

async fn delete(
    client: &super::ProtonClient,
    key: &VersionKey,
    cancel: &CancellationToken,
) -> Result<VersionDeleted, ProtonError> {
    delete_version(
        client,
        TemplateKind::Environment,
        key,
        "arn:aws:proton:us-east-1:123456789012:environment-template/web:1.1",
        None,
        None,
        Duration::from_secs(300),
        cancel,
    )
    .await
}

/// Deletes `web:1.1`, not to be cancelled.
async fn delete_1_1(client: &super::ProtonClient) -> Result<VersionDeleted, ProtonError> {
    delete(
        client,
        &VersionKey::new("web", "1", "1"),
        &CancellationToken::new(),
    )
    .await
}

/// A client that refuses every delete of a version while `minors` of `web` major 1 are listed,
/// with `others` answering the rest; and the refusing rule, to count its calls.
fn refusing(minors: &'static [&'static str], others: &[&Rule]) -> (Rule, super::ProtonClient) {
    let refused = mock!(Client::delete_environment_template_version).then_http_response(conflict);
    let listed = list_rule(minors);
    let mut rules = vec![&refused, &listed];
    rules.extend_from_slice(others);
    let client = mocked_any(&rules);
    (refused, client)
}

#[tokio::test(start_paused = true)]
async fn a_recommended_version_with_siblings_is_deferred_not_retried() {
    let tagged = mock!(Client::tag_resource)
        .match_requests(|r| r.tags().iter().any(|t| t.key() == DEFERRED_DELETE_TAG))
        .then_output(|| TagResourceOutput::builder().build());
    // web:1.0, in the way, was created by the provider: a Terraform run may delete it.
    let claimed = mock!(Client::list_tags_for_resource).then_output(|| {
        ListTagsForResourceOutput::builder()
            .tags(tag(SOURCE_TAG, "s3://b/k"))
            .build()
            .unwrap()
    });
    let (refused, client) = refusing(&["0", "1"], &[&tagged, &claimed]);
    let start = Instant::now();
    let outcome = delete_1_1(&client).await.unwrap();
    assert_eq!(
        outcome,
        VersionDeleted::Deferred {
            waiting_for: "web:1.0".into()
        }
    );
    assert_eq!(start.elapsed(), Duration::ZERO, "no backoff");
    assert_eq!(
        refused.num_calls(),
        2,
        "refused, then tried again by the sweep after deferring"
    );
    assert_eq!(tagged.num_calls(), 1);
    let deferred: Vec<_> = client
        .ledger()
        .deferred()
        .into_iter()
        .map(|d| d.key)
        .collect();
    assert_eq!(deferred, [VersionKey::new("web", "1", "1")]);
}

#[tokio::test(start_paused = true)]
async fn a_refusal_nothing_under_way_can_lift_fails_at_once() {
    // The only version: no sibling is in its way, no service version lists it.
    let (refused, client) = refusing(&["1"], &[&no_service_templates()]);
    let start = Instant::now();
    let err = delete_1_1(&client).await.unwrap_err();
    assert_eq!(start.elapsed(), Duration::ZERO);
    assert_eq!(
        refused.num_calls(),
        2,
        "asked once more, in case what was in the way just went"
    );
    assert!(matches!(err, ProtonError::DeleteRefused { .. }), "{err:?}");
    assert_eq!(err.code(), Some("ConflictException"));
    let msg = err.to_string();
    assert!(msg.contains("did not wait"), "{msg}");
    assert!(msg.contains("create_before_destroy"), "{msg}");
}

#[tokio::test(start_paused = true)]
async fn two_refused_deletes_never_wait_for_each_other() {
    let (_, client) = refusing(&["1"], &[&no_service_templates()]);
    let cancel = CancellationToken::new();
    let (first, second) = (
        VersionKey::new("web", "1", "1"),
        VersionKey::new("web", "2", "1"),
    );
    let start = Instant::now();
    let (a, b) = tokio::join!(
        delete(&client, &first, &cancel),
        delete(&client, &second, &cancel),
    );
    assert!(matches!(a, Err(ProtonError::DeleteRefused { .. })), "{a:?}");
    assert!(matches!(b, Err(ProtonError::DeleteRefused { .. })), "{b:?}");
    assert_eq!(
        start.elapsed(),
        Duration::ZERO,
        "neither waited out a deadline"
    );
}

#[tokio::test(start_paused = true)]
async fn versions_in_the_way_created_outside_the_provider_fail_the_delete_at_once() {
    let unclaimed = mock!(Client::list_tags_for_resource).then_output(|| {
        ListTagsForResourceOutput::builder()
            .set_tags(Some(vec![]))
            .build()
            .unwrap()
    });
    let (_, client) = refusing(&["0", "1"], &[&unclaimed]);
    let err = delete_1_1(&client).await.unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("only after web:1.0 is gone, and the provider created none of them"),
        "{msg}"
    );
    assert!(client.ledger().deferred().is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_refusal_waits_for_an_operation_under_way_and_stops_when_cancelled() {
    let (refused, client) = refusing(&["1"], &[&no_service_templates()]);
    // Another operation on the same template is under way and never ends.
    let _sibling = client.ledger().begin(TemplateKind::Environment, "web");
    let cancel = cancelled_after(Duration::from_millis(1200));
    let start = Instant::now();
    let err = delete(&client, &VersionKey::new("web", "1", "1"), &cancel)
        .await
        .unwrap_err();
    assert_eq!(err, ProtonError::Cancelled);
    assert_eq!(start.elapsed(), Duration::from_millis(1200));
    assert_eq!(
        refused.num_calls(),
        2,
        "asked once more, then waited for the sibling without polling"
    );
}

// ---- creates naming a major version ----------------------------------------------------

/// Proton's refusal of a create naming a major version that does not exist.
fn no_such_major() -> HttpResponse {
    aws_error(
        400,
        "ValidationException",
        "The environment template 'web' has no major version '1'. Omit majorVersion to create a new major version.",
    )
}

/// Proton's answer to a create: `web:1.<minor>`, registering.
fn created(minor: &str) -> CreateEnvironmentTemplateVersionOutput {
    let version = env_version("web", "1", minor, "REGISTRATION_IN_PROGRESS");
    CreateEnvironmentTemplateVersionOutput::builder()
        .environment_template_version(version)
        .build()
}

/// Creates refused once (the major does not exist yet), then answered with `web:1.<minor>`.
fn refused_once_then_created(minor: &'static str) -> Rule {
    mock!(Client::create_environment_template_version)
        .sequence()
        .http_response(no_such_major)
        .output(move || created(minor))
        .build()
}

/// Answers creates: refused while they name a major, `web:1.0` when they name none.
fn create_rules() -> (Rule, Rule) {
    let refused = mock!(Client::create_environment_template_version)
        .match_requests(|r| r.major_version().is_some())
        .then_http_response(no_such_major);
    let new_major = mock!(Client::create_environment_template_version)
        .match_requests(|r| r.major_version().is_none())
        .then_output(|| created("0"));
    (refused, new_major)
}

/// Lists `majors` of `web`, each with minor 0.
fn list_majors(majors: &'static [&'static str]) -> Rule {
    mock!(Client::list_environment_template_versions).then_output(move || {
        let mut out =
            ListEnvironmentTemplateVersionsOutput::builder().set_template_versions(Some(vec![]));
        for major in majors {
            out = out.template_versions(env_summary(major, "0"));
        }
        out.build().unwrap()
    })
}

/// `input` created with `major_version = major` through `proton::create` on `client`.
async fn create_in_major(
    client: &super::ProtonClient,
    major: &str,
    limit: Duration,
) -> Result<TemplateVersion, ProtonError> {
    let input = CreateVersionInput {
        major_version: Some(major.into()),
        ..create_input()
    };
    let op = client.ledger().begin(TemplateKind::Environment, "web");
    let cancel = CancellationToken::new();
    let deadline = Deadline::after(limit);
    create_version(
        client,
        &op,
        TemplateKind::Environment,
        &input,
        "",
        deadline,
        &cancel,
    )
    .await
}

#[tokio::test(start_paused = true)]
async fn the_next_major_on_a_fresh_template_is_created_at_once() {
    let (refused, new_major) = create_rules();
    let listed = list_majors(&[]);
    let client = mocked_any(&[&refused, &new_major, &listed]);
    let start = Instant::now();
    let created = create_in_major(&client, "1", Duration::from_secs(600))
        .await
        .unwrap();
    assert_eq!(created.key(), VersionKey::new("web", "1", "0"));
    assert_eq!(
        start.elapsed(),
        Duration::ZERO,
        "no grace period for a sibling"
    );
    assert_eq!((refused.num_calls(), new_major.num_calls()), (1, 1));
}

#[tokio::test(start_paused = true)]
async fn a_major_that_is_not_next_fails_without_creating_anything() {
    let (refused, new_major) = create_rules();
    let listed = list_majors(&["1"]);
    let client = mocked_any(&[&refused, &new_major, &listed]);
    let err = create_in_major(&client, "5", Duration::from_secs(600))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ProtonError::MajorNotNext { next: 2, major, .. } if major == "5"),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.contains("Proton would assign 2"), "{message}");
    assert!(message.contains("major_version = \"2\""), "{message}");
    assert_eq!(new_major.num_calls(), 0, "nothing created");
}

#[tokio::test(start_paused = true)]
async fn a_sibling_creating_the_major_is_waited_for_then_added_to() {
    // The sibling's create of major 1 is under way; once it ends, the major exists.
    let refused = refused_once_then_created("1");
    let listed = list_majors(&[]);
    let client = mocked_any(&[&refused, &listed]);
    let sibling = client.ledger().begin(TemplateKind::Environment, "web");
    let creating = sibling.try_begin_new_major().unwrap();
    let ends = async {
        tokio::time::sleep(Duration::from_secs(20)).await;
        drop(creating);
    };
    let (created, ()) = tokio::join!(
        create_in_major(&client, "1", Duration::from_secs(600)),
        ends
    );
    assert_eq!(created.unwrap().key(), VersionKey::new("web", "1", "1"));
    assert_eq!(refused.num_calls(), 2);
}

#[tokio::test(start_paused = true)]
async fn one_deadline_bounds_the_whole_create() {
    // 20 s waiting for a sibling's major, then registration that never ends: the create's
    // 30 s limit ends it 30 s after it began, not 30 s after registration began.
    let refused = refused_once_then_created("0");
    let listed = list_majors(&[]);
    let registering = in_progress_forever();
    let client = mocked_any(&[&refused, &listed, &registering]);
    let sibling = client.ledger().begin(TemplateKind::Environment, "web");
    let creating = sibling.try_begin_new_major().unwrap();
    let ends = async {
        tokio::time::sleep(Duration::from_secs(20)).await;
        drop(creating);
    };
    let start = Instant::now();
    let deadline = Deadline::after(Duration::from_secs(30));
    let cancel = CancellationToken::new();
    let create = async {
        let op = client.ledger().begin(TemplateKind::Environment, "web");
        let input = CreateVersionInput {
            major_version: Some("1".into()),
            ..create_input()
        };
        let kind = TemplateKind::Environment;
        let created = create_version(&client, &op, kind, &input, "", deadline, &cancel).await?;
        wait_registered(&client, kind, &created.key(), deadline, &cancel).await
    };
    let (waited, ()) = tokio::join!(create, ends);
    assert_eq!(start.elapsed(), Duration::from_secs(30));
    let err = waited.unwrap_err().bounded_by("create");
    assert!(
        matches!(&err, ProtonError::Timeout { waited, last_status: Some(status), .. }
            if *waited == Duration::from_secs(30) && status == "REGISTRATION_IN_PROGRESS"),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("timeouts { create = \"1m\" }"),
        "{err}"
    );
}

// ---- registration waiter ----------------------------------------------------------------

/// Waits for `web:1.0` to register on a client answering with `rules` in order, until
/// `cancel`.
async fn wait_until_cancelled(
    rules: &[&Rule],
    timeout: Duration,
    cancel: &CancellationToken,
) -> Result<TemplateVersion, ProtonError> {
    wait_registered(
        &mocked(rules),
        TemplateKind::Environment,
        &key(),
        Deadline::after(timeout),
        cancel,
    )
    .await
}

async fn wait(rules: &[&Rule], timeout: Duration) -> Result<TemplateVersion, ProtonError> {
    wait_until_cancelled(rules, timeout, &CancellationToken::new()).await
}

fn in_progress() -> GetEnvironmentTemplateVersionOutput {
    get_output("REGISTRATION_IN_PROGRESS")
}

fn in_progress_forever() -> Rule {
    mock!(Client::get_environment_template_version)
        .sequence()
        .output(in_progress)
        .repeatedly()
        .build()
}

/// Waits through the answers of `early` (`calls` of them) to a DRAFT answer; how long it took.
async fn waits_through_to_draft(early: Rule, calls: usize, timeout: Duration) -> Duration {
    let draft = get_rule_status("DRAFT");
    let start = Instant::now();
    let version = wait(&[&early, &draft], timeout).await.unwrap();
    assert_eq!(version.status, VersionStatus::Draft);
    assert_eq!((early.num_calls(), draft.num_calls()), (calls, 1));
    start.elapsed()
}

#[tokio::test(start_paused = true)]
async fn waiter_polls_fast_until_draft() {
    let in_progress = mock!(Client::get_environment_template_version)
        .sequence()
        .output(in_progress)
        .times(2)
        .build();
    let waited = waits_through_to_draft(in_progress, 2, Duration::from_secs(600)).await;
    // Polls at 0.25 s, 0.5 s and 0.75 s.
    assert_eq!(waited, Duration::from_millis(750));
}

#[tokio::test(start_paused = true)]
async fn waiter_accepts_published() {
    let published = get_rule_status("PUBLISHED");
    let version = wait(&[&published], Duration::from_secs(60)).await.unwrap();
    assert_eq!(version.status, VersionStatus::Published);
}

#[tokio::test(start_paused = true)]
async fn waiter_reports_registration_failure_with_the_status_message() {
    let failed = mock!(Client::get_environment_template_version).then_output(|| {
        get_env_output(env_version_with(
            "web",
            "1",
            "0",
            "REGISTRATION_FAILED",
            |version| version.status_message("schema/schema.yaml: missing environment_input_type"),
        ))
    });
    let err = wait(&[&failed], Duration::from_secs(60)).await.unwrap_err();
    assert_eq!(
        err,
        ProtonError::RegistrationFailed {
            key: "environment template version `web:1.0`".into(),
            status_message: Some("schema/schema.yaml: missing environment_input_type".into()),
        }
    );
    assert!(err
        .to_string()
        .contains("schema/schema.yaml: missing environment_input_type"));
}

#[tokio::test(start_paused = true)]
async fn waiter_times_out_at_the_deadline_with_the_last_status() {
    let in_progress = in_progress_forever();
    let start = Instant::now();
    let err = wait(&[&in_progress], Duration::from_secs(30))
        .await
        .unwrap_err();
    assert_eq!(
        start.elapsed(),
        Duration::from_secs(30),
        "never past the deadline"
    );
    match &err {
        ProtonError::Timeout {
            waited,
            last_status,
            ..
        } => {
            assert_eq!(*waited, Duration::from_secs(30));
            assert_eq!(last_status.as_deref(), Some("REGISTRATION_IN_PROGRESS"));
        }
        other => panic!("expected Timeout, got {other:?}"),
    }
    // Every 250 ms to 1.25 s, then a fifth of the time waited (1.5, 1.8, 2.16, … 21.5 s),
    // then every 5 s (26.5 s), then the final poll exactly at the deadline.
    assert_eq!(in_progress.num_calls(), 23);
}

#[tokio::test(start_paused = true)]
async fn waiter_keeps_polling_through_not_found_right_after_create_and_through_throttling() {
    // Not found is tolerated right after a create. Three throttles exhaust the SDK's 3
    // attempts, so one poll surfaces ThrottlingException, and the waiter backs off and polls on.
    let answers: [(fn() -> HttpResponse, u64); 2] = [(not_found, 60), (throttled, 600)];
    for (answer, timeout) in answers {
        let early = mock!(Client::get_environment_template_version)
            .sequence()
            .http_response(answer)
            .times(3)
            .build();
        waits_through_to_draft(early, 3, Duration::from_secs(timeout)).await;
    }
}

#[tokio::test(start_paused = true)]
async fn waiter_gives_up_on_not_found_after_the_grace_polls() {
    let never = mock!(Client::get_environment_template_version)
        .sequence()
        .http_response(not_found)
        .repeatedly()
        .build();
    let start = Instant::now();
    let err = wait(&[&never], Duration::from_secs(600)).await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    // The first poll after the 20 s grace returns the NotFound.
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_secs(20) && waited < Duration::from_secs(25),
        "{waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn waiter_does_not_tolerate_not_found_once_the_version_was_seen() {
    let seen = mock!(Client::get_environment_template_version)
        .sequence()
        .output(in_progress)
        .http_response(not_found)
        .build();
    let err = wait(&[&seen], Duration::from_secs(600)).await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(seen.num_calls(), 2);
}

#[tokio::test(start_paused = true)]
async fn waiter_returns_promptly_when_cancelled() {
    let cancel = cancelled_after(Duration::from_millis(1234));
    let start = Instant::now();
    let err = wait_until_cancelled(
        &[&in_progress_forever()],
        Duration::from_secs(3600),
        &cancel,
    )
    .await
    .unwrap_err();
    assert_eq!(err, ProtonError::Cancelled);
    assert_eq!(start.elapsed(), Duration::from_millis(1234));
}

#[tokio::test(start_paused = true)]
async fn waiter_cancelled_before_start_makes_no_call() {
    let rule = get_rule_status("DRAFT");
    let cancel = CancellationToken::new();
    cancel.cancel();
    let err = wait_until_cancelled(&[&rule], Duration::from_secs(60), &cancel)
        .await
        .unwrap_err();
    assert_eq!(err, ProtonError::Cancelled);
    assert_eq!(rule.num_calls(), 0);
}

// ---- templates --------------------------------------------------------------------------

#[tokio::test]
async fn template_finder_and_delete_treat_not_found_as_gone() {
    let get = mock!(Client::get_service_template).then_http_response(not_found);
    let delete = mock!(Client::delete_service_template).then_http_response(not_found);
    let client = mocked_any(&[&get, &delete]);
    assert_eq!(
        client
            .find_template(TemplateKind::Service, "api")
            .await
            .unwrap(),
        None
    );
    client
        .delete_template(TemplateKind::Service, "api")
        .await
        .unwrap();
    assert_eq!((get.num_calls(), delete.num_calls()), (1, 1));
}

#[tokio::test]
async fn template_is_converted_with_its_provisioning() {
    use aws_sdk_proton::operation::get_environment_template::GetEnvironmentTemplateOutput;
    use aws_sdk_proton::types::{EnvironmentTemplate, Provisioning};
    let get = mock!(Client::get_environment_template)
        .match_requests(|r| r.name() == Some("env"))
        .then_output(|| {
            GetEnvironmentTemplateOutput::builder()
                .environment_template(
                    EnvironmentTemplate::builder()
                        .name("env")
                        .arn("arn:aws:proton:us-east-1:123456789012:environment-template/env")
                        .created_at(DateTime::from_secs(1_700_000_000))
                        .last_modified_at(DateTime::from_secs(1_700_000_000))
                        .display_name("Env")
                        .recommended_version("2.1")
                        .provisioning(Provisioning::CustomerManaged)
                        .build()
                        .unwrap(),
                )
                .build()
        });
    let template = mocked(&[&get])
        .get_template(TemplateKind::Environment, "env")
        .await
        .unwrap();
    assert_eq!(template.kind, TemplateKind::Environment);
    assert_eq!(template.provisioning.as_deref(), Some("CUSTOMER_MANAGED"));
    assert_eq!(template.recommended_version.as_deref(), Some("2.1"));
    assert_eq!(template.description, None);
}

#[tokio::test]
async fn deleting_a_template_with_versions_is_a_conflict() {
    let delete = mock!(Client::delete_environment_template).then_http_response(conflict);
    let err = mocked(&[&delete])
        .delete_template(TemplateKind::Environment, "env")
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "{err:?}");
    assert_eq!(err.request_id(), Some(REQUEST_ID));
}

#[tokio::test]
async fn creating_a_template_whose_name_is_taken_is_already_exists() {
    use aws_sdk_proton::types::Provisioning;
    let create = mock!(Client::create_service_template)
        .match_requests(|r| {
            r.name() == Some("taken")
                && r.pipeline_provisioning() == Some(&Provisioning::CustomerManaged)
        })
        .then_http_response(|| {
            aws_error(
                400,
                "ValidationException",
                "IdempotentParameterMismatch: the service template 'taken' already exists and \
                 was created with different parameters.",
            )
        });
    let input = super::CreateTemplateInput {
        name: "taken".into(),
        provisioning: Some("CUSTOMER_MANAGED".into()),
        ..Default::default()
    };
    let err = mocked(&[&create])
        .create_template(TemplateKind::Service, &input)
        .await
        .unwrap_err();
    assert!(err.is_already_exists(), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "CreateServiceTemplate on service template `taken` failed: ValidationException: \
             IdempotentParameterMismatch: the service template 'taken' already exists and was \
             created with different parameters. (request ID: {REQUEST_ID})"
        )
    );
    assert_eq!(create.num_calls(), 1);
}
