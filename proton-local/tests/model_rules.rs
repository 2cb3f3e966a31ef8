//! Issue 13 regressions, through the unmodified `aws-sdk-proton` client: valid multi-byte tag
//! keys, ECMA-262 (ASCII) pattern classes, idempotent template create and delete, tag paging
//! and the SigV4 clock-skew check.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(deprecated)]

mod common;

use std::time::{Duration, SystemTime};

use aws_sdk_proton::types::{CompatibleEnvironmentTemplateInput, Tag};
use aws_sdk_proton::Client;
use aws_smithy_async::time::StaticTimeSource;
use common::*;

const MULTI_BYTE_KEYS: [&str; 3] = ["abcé", "中中", "ab😀"];

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build().unwrap()
}

fn multi_byte_tags() -> Vec<Tag> {
    MULTI_BYTE_KEYS.iter().map(|k| tag(k, "v")).collect()
}

async fn tag_keys(client: &Client, arn: &str) -> Vec<String> {
    let mut keys: Vec<String> = client
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .unwrap()
        .tags
        .into_iter()
        .map(|t| t.key)
        .filter(|k| !k.starts_with("aws:"))
        .collect();
    keys.sort();
    keys
}

fn sorted(keys: &[&str]) -> Vec<String> {
    let mut keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
    keys.sort();
    keys
}

/// Every operation that takes tag keys accepts keys whose 4th byte is inside a character.
async fn multi_byte_tag_keys_are_accepted(local: &Local) {
    let client = local.client();
    let env = client
        .create_environment_template()
        .name("web")
        .set_tags(Some(multi_byte_tags()))
        .send()
        .await
        .unwrap()
        .environment_template
        .unwrap();
    assert_eq!(tag_keys(&client, &env.arn).await, sorted(&MULTI_BYTE_KEYS));
    let svc = client
        .create_service_template()
        .name("svc")
        .set_tags(Some(multi_byte_tags()))
        .send()
        .await
        .unwrap()
        .service_template
        .unwrap();
    assert_eq!(tag_keys(&client, &svc.arn).await, sorted(&MULTI_BYTE_KEYS));
    let env_version = client
        .create_environment_template_version()
        .template_name("web")
        .source(s3("bucket", "b.tar.gz"))
        .set_tags(Some(multi_byte_tags()))
        .send()
        .await
        .unwrap()
        .environment_template_version
        .unwrap();
    assert_eq!(
        tag_keys(&client, &env_version.arn).await,
        sorted(&MULTI_BYTE_KEYS)
    );
    let svc_version = client
        .create_service_template_version()
        .template_name("svc")
        .source(s3("bucket", "b.tar.gz"))
        .compatible_environment_templates(
            CompatibleEnvironmentTemplateInput::builder()
                .template_name("web")
                .major_version("1")
                .build()
                .unwrap(),
        )
        .set_tags(Some(multi_byte_tags()))
        .send()
        .await
        .unwrap()
        .service_template_version
        .unwrap();
    assert_eq!(
        tag_keys(&client, &svc_version.arn).await,
        sorted(&MULTI_BYTE_KEYS)
    );
    client
        .tag_resource()
        .resource_arn(&env.arn)
        .tags(tag("日本語", "x"))
        .send()
        .await
        .unwrap();
    client
        .untag_resource()
        .resource_arn(&env.arn)
        .tag_keys("abcé")
        .tag_keys("中中")
        .send()
        .await
        .unwrap();
    assert_eq!(
        tag_keys(&client, &env.arn).await,
        sorted(&["ab😀", "日本語"])
    );
    // The reserved prefix is still refused, whatever its case.
    let err = client
        .tag_resource()
        .resource_arn(&env.arn)
        .tags(tag("AWS:x", "y"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "ValidationException");
}

#[tokio::test]
async fn multi_byte_tag_keys_in_memory() {
    let local = Local::start(&["--registration-delay", "0s"]);
    multi_byte_tag_keys_are_accepted(&local).await;
}

#[tokio::test]
async fn multi_byte_tag_keys_with_a_data_dir() {
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_str().unwrap().to_string();
    let local = Local::start(&["--data-dir", &data_dir, "--registration-delay", "0s"]);
    multi_byte_tag_keys_are_accepted(&local).await;
}

/// The error is the pattern's ValidationException naming the member, not a lookup result.
fn assert_pattern_error<E: aws_sdk_proton::error::ProvideErrorMetadata>(
    err: &E,
    member: &str,
    pattern: &str,
) {
    assert_eq!(code(err), "ValidationException", "{}", message(err));
    let text = message(err);
    assert!(
        text.contains(&format!("at '{member}' failed to satisfy constraint: Member must satisfy regular expression pattern: {pattern}")),
        "{text}"
    );
}

const VERSION_PART: &str = r"^(0|([1-9]{1}\d*))$";
const ARN: &str = r"^arn:(aws|aws-cn|aws-us-gov):[a-zA-Z0-9-]+:[a-zA-Z0-9-]*:\d{12}:([\w+=,.@-]+[/:])*[\w+=,.@-]+$";

#[tokio::test]
async fn unicode_digits_and_letters_fail_the_ascii_patterns() {
    let local = Local::start(&["--canned-bundles", "--registration-delay", "0s"]);
    let client = local.client();
    create_env_template(&client, "web").await;
    create_env_version(&client, "web", None).await;
    client
        .create_service_template()
        .name("svc")
        .send()
        .await
        .unwrap();
    // U+0663 ARABIC-INDIC DIGIT THREE, U+FF11 FULLWIDTH DIGIT ONE: Unicode digits, not \d.
    for major in ["1\u{663}", "\u{FF11}"] {
        let err = client
            .get_environment_template_version()
            .template_name("web")
            .major_version(major)
            .minor_version("0")
            .send()
            .await
            .unwrap_err();
        assert_pattern_error(&err, "majorVersion", VERSION_PART);
        let err = client
            .list_environment_template_versions()
            .template_name("web")
            .major_version(major)
            .send()
            .await
            .unwrap_err();
        assert_pattern_error(&err, "majorVersion", VERSION_PART);
        let err = client
            .create_environment_template_version()
            .template_name("web")
            .major_version(major)
            .source(s3("bucket", "b.tar.gz"))
            .send()
            .await
            .unwrap_err();
        assert_pattern_error(&err, "majorVersion", VERSION_PART);
        let err = client
            .delete_environment_template_version()
            .template_name("web")
            .major_version("1")
            .minor_version(major)
            .send()
            .await
            .unwrap_err();
        assert_pattern_error(&err, "minorVersion", VERSION_PART);
        let err = client
            .update_service_template_version()
            .template_name("svc")
            .major_version(major)
            .minor_version("0")
            .send()
            .await
            .unwrap_err();
        assert_pattern_error(&err, "majorVersion", VERSION_PART);
        let err = client
            .create_service_template_version()
            .template_name("svc")
            .source(s3("bucket", "b.tar.gz"))
            .compatible_environment_templates(
                CompatibleEnvironmentTemplateInput::builder()
                    .template_name("web")
                    .major_version(major)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap_err();
        assert_pattern_error(
            &err,
            "compatibleEnvironmentTemplates.1.member.majorVersion",
            VERSION_PART,
        );
    }
    // \w is [A-Za-z0-9_]: an encryption key with `é` is refused, not stored.
    let err = client
        .create_environment_template()
        .name("keyed")
        .encryption_key("arn:aws:kms:us-east-1:123456789012:key/clé")
        .send()
        .await
        .unwrap_err();
    assert_pattern_error(&err, "encryptionKey", ARN);
    let err = client
        .create_service_template()
        .name("keyed")
        .encryption_key("arn:aws:kms:us-east-1:12345678901\u{662}:key/k")
        .send()
        .await
        .unwrap_err();
    assert_pattern_error(&err, "encryptionKey", ARN);
    let lookalike_arn = "arn:aws:proton:us-east-1:12345678901\u{662}:environment-template/web";
    let err = client
        .list_tags_for_resource()
        .resource_arn(lookalike_arn)
        .send()
        .await
        .unwrap_err();
    assert_pattern_error(&err, "resourceArn", ARN);
    let err = client
        .tag_resource()
        .resource_arn("arn:aws:proton:us-east-1:123456789012:environment-template/wéb")
        .tags(tag("k", "v"))
        .send()
        .await
        .unwrap_err();
    assert_pattern_error(&err, "resourceArn", ARN);
    let err = client
        .untag_resource()
        .resource_arn(lookalike_arn)
        .tag_keys("k")
        .send()
        .await
        .unwrap_err();
    assert_pattern_error(&err, "resourceArn", ARN);
    // An ASCII ARN still resolves.
    client
        .list_tags_for_resource()
        .resource_arn("arn:aws:proton:us-east-1:123456789012:environment-template/web")
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn template_create_retry_is_compared_with_the_original_request() {
    let local = Local::start(&[]);
    let client = local.client();
    let create = || {
        client
            .create_service_template()
            .name("svc")
            .description("original")
            .tags(tag("b", "2"))
            .tags(tag("a", "1"))
    };
    let created = create().send().await.unwrap().service_template.unwrap();
    // Tag order carries no meaning: the same request with tags reordered is a retry.
    let retried = client
        .create_service_template()
        .name("svc")
        .description("original")
        .tags(tag("a", "1"))
        .tags(tag("b", "2"))
        .send()
        .await
        .unwrap()
        .service_template
        .unwrap();
    assert_eq!(retried.arn, created.arn);
    assert_eq!(retried.description.as_deref(), Some("original"));
    client
        .update_service_template()
        .name("svc")
        .description("changed")
        .send()
        .await
        .unwrap();
    let err = create().send().await.unwrap_err();
    assert_eq!(code(&err), "ConflictException", "{}", message(&err));
    let err = client
        .create_service_template()
        .name("svc")
        .description("changed")
        .tags(tag("a", "1"))
        .tags(tag("b", "2"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "ValidationException");
    assert!(message(&err).starts_with("IdempotentParameterMismatch"));
}

#[tokio::test]
async fn retried_template_deletes_succeed_and_survive_a_restart() {
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_str().unwrap().to_string();
    let mut local = Local::start(&["--data-dir", &data_dir]);
    let client = local.client();
    create_env_template(&client, "web").await;
    client
        .create_service_template()
        .name("svc")
        .send()
        .await
        .unwrap();
    let deleted = client
        .delete_environment_template()
        .name("web")
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.environment_template.unwrap().name, "web");
    let deleted = client
        .delete_service_template()
        .name("svc")
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.service_template.unwrap().name, "svc");
    let retried = client
        .delete_environment_template()
        .name("web")
        .send()
        .await
        .unwrap();
    assert!(retried.environment_template.is_none());
    // Never created: not found, for either kind (the delete record is per kind).
    for name in ["never", "svc"] {
        let err = client
            .delete_environment_template()
            .name(name)
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "ResourceNotFoundException", "{name}");
    }
    local.terminate();
    let local = Local::start(&["--data-dir", &data_dir]);
    let client = local.client();
    let retried = client
        .delete_service_template()
        .name("svc")
        .send()
        .await
        .unwrap();
    assert!(retried.service_template.is_none());
    // The template is gone all the same, and can be created again (which clears the record).
    let err = client
        .get_service_template()
        .name("svc")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "ResourceNotFoundException");
    client
        .create_service_template()
        .name("svc")
        .send()
        .await
        .unwrap();
    client
        .delete_service_template()
        .name("svc")
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn list_tags_pages_hold_at_most_fifty() {
    let local = Local::start(&["--canned-bundles", "--registration-delay", "0s"]);
    let client = local.client();
    create_env_template(&client, "web").await;
    let user_tags: Vec<Tag> = (0..50).map(|i| tag(&format!("k{i:02}"), "v")).collect();
    let version = client
        .create_environment_template_version()
        .template_name("web")
        .source(s3("bucket", "b.tar.gz"))
        .set_tags(Some(user_tags))
        .send()
        .await
        .unwrap()
        .environment_template_version
        .unwrap();
    for max in [None, Some(100)] {
        let first = client
            .list_tags_for_resource()
            .resource_arn(&version.arn)
            .set_max_results(max)
            .send()
            .await
            .unwrap();
        assert_eq!(first.tags.len(), 50, "maxResults {max:?}");
        let rest = client
            .list_tags_for_resource()
            .resource_arn(&version.arn)
            .set_max_results(max)
            .next_token(first.next_token.expect("a second page"))
            .send()
            .await
            .unwrap();
        assert_eq!(rest.tags.len(), 2);
        assert!(rest.next_token.is_none());
        let mut keys: Vec<String> = first
            .tags
            .into_iter()
            .chain(rest.tags)
            .map(|t| t.key)
            .collect();
        keys.dedup();
        assert_eq!(keys.len(), 52);
        assert!(keys.contains(&"aws:proton:template".to_string()));
    }
    let small = client
        .list_tags_for_resource()
        .resource_arn(&version.arn)
        .max_results(10)
        .send()
        .await
        .unwrap();
    assert_eq!(small.tags.len(), 10);
    // The SDK's paginator walks every page.
    let pages: Vec<_> = client
        .list_tags_for_resource()
        .resource_arn(&version.arn)
        .into_paginator()
        .send()
        .collect::<Vec<_>>()
        .await;
    let counts: Vec<usize> = pages.into_iter().map(|p| p.unwrap().tags.len()).collect();
    assert_eq!(counts, [50, 2]);
}

/// Signed at `time` by raw HTTP: the SDK cannot send a skewed request, since it corrects its
/// clock from the refusal's `Date` header and retries.
fn list_signed_at(local: &Local, time: SystemTime) -> RawResponse {
    local.signed_at(
        Some("AwsProton20200720.ListEnvironmentTemplates"),
        Some("application/x-amz-json-1.0"),
        b"{}",
        time,
    )
}

#[tokio::test]
async fn requests_signed_beyond_fifteen_minutes_are_refused() {
    let local = Local::start(&[]);
    let now = SystemTime::now();
    let minutes = |m: u64| Duration::from_secs(m * 60);
    for signed_at in [now - minutes(14), now + minutes(14)] {
        assert_eq!(list_signed_at(&local, signed_at).status, 200);
    }
    let late = list_signed_at(&local, now - minutes(16));
    assert_eq!(late.status, 403);
    assert_eq!(late.error_type(), "InvalidSignatureException");
    let text = late.json()["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(text.starts_with("Signature expired: "), "{text}");
    let early = list_signed_at(&local, now + minutes(16));
    assert_eq!(early.status, 403);
    assert_eq!(early.error_type(), "InvalidSignatureException");
    let text = early.json()["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(text.starts_with("Signature not yet current: "), "{text}");
    // The SDK, whose clock is off by 16 minutes, still gets through: it reads the server's
    // time from the refusal and signs its retry with that.
    let skewed = aws_sdk_proton::Config::builder()
        .behavior_version(aws_sdk_proton::config::BehaviorVersion::latest())
        .region(aws_sdk_proton::config::Region::new("us-east-1"))
        .endpoint_url(&local.endpoint)
        .credentials_provider(aws_sdk_proton::config::Credentials::new(
            "test", "test", None, None, "test",
        ))
        .time_source(StaticTimeSource::new(now - minutes(16)))
        .build();
    Client::from_conf(skewed)
        .list_environment_templates()
        .send()
        .await
        .unwrap();

    let lenient = Local::start(&["--no-clock-skew-check"]);
    let day_old = list_signed_at(&lenient, now - Duration::from_secs(24 * 60 * 60));
    assert_eq!(day_old.status, 200, "{}", day_old.body_text());
}
