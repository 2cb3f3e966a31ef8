//! The template API through the real `aws-sdk-proton` client (and raw HTTP for wire errors).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(deprecated)]

mod common;

use aws_sdk_proton::types::{
    CompatibleEnvironmentTemplateInput, Provisioning, ServiceTemplateSupportedComponentSourceType,
    Tag, TemplateVersionStatus,
};
use common::*;
use serde_json::json;

fn compat(name: &str, major: &str) -> CompatibleEnvironmentTemplateInput {
    CompatibleEnvironmentTemplateInput::builder()
        .template_name(name)
        .major_version(major)
        .build()
        .unwrap()
}

#[tokio::test]
async fn environment_template_crud() {
    let local = Local::start(&["--registration-delay", "0s"]);
    let client = local.client();
    let created = client
        .create_environment_template()
        .name("env1")
        .display_name("Env One")
        .description("first")
        .provisioning(Provisioning::CustomerManaged)
        .send()
        .await
        .unwrap()
        .environment_template
        .unwrap();
    assert_eq!(created.name, "env1");
    assert_eq!(
        created.arn,
        "arn:aws:proton:us-east-1:123456789012:environment-template/env1"
    );
    assert_eq!(created.display_name.as_deref(), Some("Env One"));
    assert_eq!(created.provisioning, Some(Provisioning::CustomerManaged));
    assert!(created.recommended_version.is_none());

    // An identical retry returns the template; different parameters are a mismatch.
    let again = client
        .create_environment_template()
        .name("env1")
        .display_name("Env One")
        .description("first")
        .provisioning(Provisioning::CustomerManaged)
        .send()
        .await
        .unwrap();
    assert_eq!(again.environment_template.unwrap().arn, created.arn);
    let err = client
        .create_environment_template()
        .name("env1")
        .description("other")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "ValidationException");

    let updated = client
        .update_environment_template()
        .name("env1")
        .description("second")
        .send()
        .await
        .unwrap()
        .environment_template
        .unwrap();
    assert_eq!(updated.description.as_deref(), Some("second"));
    assert_eq!(updated.display_name.as_deref(), Some("Env One"));
    assert!(updated.last_modified_at > updated.created_at);
    // After a modification a retry of the original create is a conflict; a create matching
    // the current fields is not the original request, so it is a parameter mismatch.
    let err = client
        .create_environment_template()
        .name("env1")
        .display_name("Env One")
        .description("first")
        .provisioning(Provisioning::CustomerManaged)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "ConflictException");
    let err = client
        .create_environment_template()
        .name("env1")
        .display_name("Env One")
        .description("second")
        .provisioning(Provisioning::CustomerManaged)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "ValidationException");

    for name in ["env2", "env3"] {
        create_env_template(&client, name).await;
    }
    let page = client
        .list_environment_templates()
        .max_results(2)
        .send()
        .await
        .unwrap();
    let names: Vec<_> = page.templates.iter().map(|t| t.name.clone()).collect();
    assert_eq!(names, ["env1", "env2"]);
    let rest = client
        .list_environment_templates()
        .next_token(page.next_token.unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.templates.len(), 1);
    assert!(rest.next_token.is_none());

    let deleted = client
        .delete_environment_template()
        .name("env1")
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.environment_template.unwrap().name, "env1");
    let err = client
        .get_environment_template()
        .name("env1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "ResourceNotFoundException");
    // A retried delete succeeds with the empty output (idempotent delete).
    let retried = client
        .delete_environment_template()
        .name("env1")
        .send()
        .await
        .unwrap();
    assert!(retried.environment_template.is_none());
}

#[tokio::test]
async fn service_template_crud_and_versions() {
    let local = Local::start(&["--canned-bundles", "--registration-delay", "0s"]);
    let client = local.client();
    create_env_template(&client, "env").await;
    create_env_version(&client, "env", None).await;
    let svc = client
        .create_service_template()
        .name("svc")
        .pipeline_provisioning(Provisioning::CustomerManaged)
        .encryption_key("arn:aws:kms:us-east-1:123456789012:key/abc")
        .send()
        .await
        .unwrap()
        .service_template
        .unwrap();
    assert_eq!(
        svc.arn,
        "arn:aws:proton:us-east-1:123456789012:service-template/svc"
    );
    assert_eq!(
        svc.pipeline_provisioning,
        Some(Provisioning::CustomerManaged)
    );
    let got = client
        .get_service_template()
        .name("svc")
        .send()
        .await
        .unwrap()
        .service_template
        .unwrap();
    assert_eq!(
        got.encryption_key.as_deref(),
        Some("arn:aws:kms:us-east-1:123456789012:key/abc")
    );
    client
        .update_service_template()
        .name("svc")
        .display_name("Service")
        .send()
        .await
        .unwrap();
    let listed = client.list_service_templates().send().await.unwrap();
    assert_eq!(listed.templates.len(), 1);
    assert_eq!(listed.templates[0].display_name.as_deref(), Some("Service"));

    // Missing environment template major → ValidationException.
    let err = client
        .create_service_template_version()
        .template_name("svc")
        .source(s3("bucket", "svc.tar.gz"))
        .compatible_environment_templates(compat("env", "2"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "ValidationException", "{}", message(&err));

    let created = client
        .create_service_template_version()
        .template_name("svc")
        .source(s3("bucket", "svc.tar.gz"))
        .description("v1")
        .compatible_environment_templates(compat("env", "1"))
        .supported_component_sources(ServiceTemplateSupportedComponentSourceType::DirectlyDefined)
        .send()
        .await
        .unwrap()
        .service_template_version
        .unwrap();
    assert_eq!(
        (
            created.major_version.as_str(),
            created.minor_version.as_str()
        ),
        ("1", "0")
    );
    assert_eq!(
        created.status,
        TemplateVersionStatus::RegistrationInProgress
    );
    assert_eq!(created.compatible_environment_templates.len(), 1);
    let v = wait_service_registered(&client, "svc", "1", "0").await;
    assert_eq!(v.status, TemplateVersionStatus::Draft);
    assert!(v.schema.unwrap().contains("service_input_type"));
    assert_eq!(
        v.supported_component_sources.unwrap(),
        [ServiceTemplateSupportedComponentSourceType::DirectlyDefined]
    );

    // Update: compatible templates must exist; publishing sets the recommended version.
    let err = client
        .update_service_template_version()
        .template_name("svc")
        .major_version("1")
        .minor_version("0")
        .compatible_environment_templates(compat("nope", "1"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "ValidationException");
    let updated = client
        .update_service_template_version()
        .template_name("svc")
        .major_version("1")
        .minor_version("0")
        .status(TemplateVersionStatus::Published)
        .description("published")
        .send()
        .await
        .unwrap()
        .service_template_version
        .unwrap();
    assert_eq!(updated.status, TemplateVersionStatus::Published);
    assert_eq!(updated.recommended_minor_version.as_deref(), Some("0"));
    assert_eq!(updated.description.as_deref(), Some("published"));
    let svc = client
        .get_service_template()
        .name("svc")
        .send()
        .await
        .unwrap()
        .service_template
        .unwrap();
    assert_eq!(svc.recommended_version.as_deref(), Some("1.0"));
    let list = client
        .list_service_template_versions()
        .template_name("svc")
        .send()
        .await
        .unwrap();
    assert_eq!(list.template_versions.len(), 1);

    // The environment template major is in use by the service version.
    let err = client
        .delete_environment_template_version()
        .template_name("env")
        .major_version("1")
        .minor_version("0")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "ConflictException", "{}", message(&err));

    // Delete the only (recommended) service version, then the template.
    let deleted = client
        .delete_service_template_version()
        .template_name("svc")
        .major_version("1")
        .minor_version("0")
        .send()
        .await
        .unwrap();
    assert_eq!(
        deleted.service_template_version.unwrap().status,
        TemplateVersionStatus::Published
    );
    client
        .delete_service_template()
        .name("svc")
        .send()
        .await
        .unwrap();
    client
        .delete_environment_template_version()
        .template_name("env")
        .major_version("1")
        .minor_version("0")
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn version_numbering_is_numeric_and_never_reused() {
    let local = Local::start(&["--canned-bundles", "--registration-delay", "0s"]);
    let client = local.client();
    create_env_template(&client, "t").await;
    let out = client
        .create_environment_template_version()
        .template_name("t")
        .source(s3("bucket", "b.tar.gz"))
        .description("first")
        .send()
        .await
        .unwrap()
        .environment_template_version
        .unwrap();
    assert_eq!(
        (out.major_version.as_str(), out.minor_version.as_str()),
        ("1", "0")
    );
    assert_eq!(out.status, TemplateVersionStatus::RegistrationInProgress);
    assert!(out.schema.is_none());
    assert_eq!(
        out.arn,
        "arn:aws:proton:us-east-1:123456789012:environment-template/t:1.0"
    );
    let v = wait_env_registered(&client, "t", "1", "0").await;
    assert_eq!(v.status, TemplateVersionStatus::Draft);
    assert!(v.schema.unwrap().contains("environment_input_type"));

    assert_eq!(
        create_env_version(&client, "t", None).await,
        ("2".into(), "0".into())
    );
    for expected in 1..=10 {
        assert_eq!(
            create_env_version(&client, "t", Some("1")).await,
            ("1".into(), expected.to_string())
        );
    }
    let err = client
        .create_environment_template_version()
        .template_name("t")
        .major_version("7")
        .source(s3("bucket", "b.tar.gz"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "ValidationException");

    let list = client
        .list_environment_template_versions()
        .template_name("t")
        .major_version("1")
        .send()
        .await
        .unwrap();
    let minors: Vec<_> = list
        .template_versions
        .iter()
        .map(|v| v.minor_version.clone())
        .collect();
    let expected: Vec<String> = (0..=10).map(|i| i.to_string()).collect();
    assert_eq!(minors, expected);
    let all = client
        .list_environment_template_versions()
        .template_name("t")
        .send()
        .await
        .unwrap();
    assert_eq!(all.template_versions.len(), 12);
    assert_eq!(all.template_versions.last().unwrap().major_version, "2");

    // Deleting the newest minor and major does not free their numbers.
    for (major, minor) in [("1", "10"), ("2", "0")] {
        client
            .delete_environment_template_version()
            .template_name("t")
            .major_version(major)
            .minor_version(minor)
            .send()
            .await
            .unwrap();
    }
    assert_eq!(
        create_env_version(&client, "t", Some("1")).await,
        ("1".into(), "11".into())
    );
    assert_eq!(
        create_env_version(&client, "t", None).await,
        ("3".into(), "0".into())
    );

    // Paginated listing in numeric order, through the SDK paginator too.
    let page = client
        .list_environment_template_versions()
        .template_name("t")
        .max_results(5)
        .send()
        .await
        .unwrap();
    assert_eq!(page.template_versions.len(), 5);
    assert!(page.next_token.is_some());
    let items: Vec<_> = client
        .list_environment_template_versions()
        .template_name("t")
        .max_results(3)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap();
    let ids: Vec<String> = items
        .iter()
        .map(|v| format!("{}.{}", v.major_version, v.minor_version))
        .collect();
    assert_eq!(ids.len(), 12);
    assert_eq!(ids[9], "1.9");
    assert_eq!(ids[10], "1.11");
    assert_eq!(ids[11], "3.0");

    // Unknown template.
    let err = client
        .list_environment_template_versions()
        .template_name("missing")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "ResourceNotFoundException");
    let err = client
        .get_environment_template_version()
        .template_name("t")
        .major_version("1")
        .minor_version("99")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "ResourceNotFoundException");
}

#[tokio::test]
async fn status_machine_and_recommended_versions() {
    let local = Local::start(&["--canned-bundles", "--registration-delay", "0s"]);
    let client = local.client();
    create_env_template(&client, "t").await;
    create_env_version(&client, "t", None).await;
    create_env_version(&client, "t", Some("1")).await;
    // DRAFT → DRAFT is not a valid transition.
    let err = client
        .update_environment_template_version()
        .template_name("t")
        .major_version("1")
        .minor_version("0")
        .status(TemplateVersionStatus::Draft)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "ValidationException");
    let v = wait_env_registered(&client, "t", "1", "0").await;
    assert!(v.recommended_minor_version.is_none());

    publish_env(&client, "t", "1", "0").await;
    let t = client
        .get_environment_template()
        .name("t")
        .send()
        .await
        .unwrap()
        .environment_template
        .unwrap();
    assert_eq!(t.recommended_version.as_deref(), Some("1.0"));
    publish_env(&client, "t", "1", "1").await;
    let v = client
        .get_environment_template_version()
        .template_name("t")
        .major_version("1")
        .minor_version("0")
        .send()
        .await
        .unwrap()
        .environment_template_version
        .unwrap();
    assert_eq!(v.status, TemplateVersionStatus::Published);
    assert_eq!(v.recommended_minor_version.as_deref(), Some("1"));
    let t = client
        .get_environment_template()
        .name("t")
        .send()
        .await
        .unwrap()
        .environment_template
        .unwrap();
    assert_eq!(t.recommended_version.as_deref(), Some("1.1"));

    // PUBLISHED → anything is refused; description stays editable.
    for status in [
        TemplateVersionStatus::Published,
        TemplateVersionStatus::Draft,
    ] {
        let err = client
            .update_environment_template_version()
            .template_name("t")
            .major_version("1")
            .minor_version("1")
            .status(status)
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "ValidationException");
    }
    let v = client
        .update_environment_template_version()
        .template_name("t")
        .major_version("1")
        .minor_version("1")
        .description("edited")
        .send()
        .await
        .unwrap()
        .environment_template_version
        .unwrap();
    assert_eq!(v.description.as_deref(), Some("edited"));
    assert_eq!(v.status, TemplateVersionStatus::Published);
}

#[tokio::test]
async fn registration_in_progress_cannot_be_published() {
    let local = Local::start(&["--canned-bundles", "--registration-delay", "1h"]);
    let client = local.client();
    create_env_template(&client, "t").await;
    create_env_version(&client, "t", None).await;
    let v = client
        .get_environment_template_version()
        .template_name("t")
        .major_version("1")
        .minor_version("0")
        .send()
        .await
        .unwrap()
        .environment_template_version
        .unwrap();
    assert_eq!(v.status, TemplateVersionStatus::RegistrationInProgress);
    assert!(v.schema.is_none());
    let err = client
        .update_environment_template_version()
        .template_name("t")
        .major_version("1")
        .minor_version("0")
        .status(TemplateVersionStatus::Published)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "ValidationException");
}

#[tokio::test]
async fn canned_bundles_failure_marker() {
    let local = Local::start(&["--canned-bundles", "--registration-delay", "0s"]);
    let client = local.client();
    create_env_template(&client, "t").await;
    client
        .create_environment_template_version()
        .template_name("t")
        .source(s3("bucket", "bundles/fail-registration.tar.gz"))
        .send()
        .await
        .unwrap();
    let v = wait_env_registered(&client, "t", "1", "0").await;
    assert_eq!(v.status, TemplateVersionStatus::RegistrationFailed);
    assert!(v.status_message.unwrap().contains("fail-registration"));
    assert!(v.schema.is_none());
    let err = client
        .update_environment_template_version()
        .template_name("t")
        .major_version("1")
        .minor_version("0")
        .status(TemplateVersionStatus::Published)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "ValidationException");
}

#[tokio::test]
async fn delete_rules() {
    let local = Local::start(&["--canned-bundles", "--registration-delay", "0s"]);
    let client = local.client();
    create_env_template(&client, "t").await;
    create_env_version(&client, "t", None).await; // 1.0
    create_env_version(&client, "t", Some("1")).await; // 1.1
    create_env_version(&client, "t", None).await; // 2.0 (stays DRAFT)
    publish_env(&client, "t", "1", "0").await;
    publish_env(&client, "t", "1", "1").await; // recommended: 1.1

    let delete = |major: &'static str, minor: &'static str| {
        let client = client.clone();
        async move {
            client
                .delete_environment_template_version()
                .template_name("t")
                .major_version(major)
                .minor_version(minor)
                .send()
                .await
        }
    };
    let err = client
        .delete_environment_template()
        .name("t")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "ConflictException", "template with versions");

    // The recommended minor, while other minors of its major exist.
    let err = delete("1", "1").await.unwrap_err();
    assert_eq!(code(&err), "ConflictException", "{}", message(&err));
    // A non-recommended minor.
    let out = delete("1", "0").await.unwrap();
    assert_eq!(out.environment_template_version.unwrap().minor_version, "0");
    // The recommended major while other versions (2.0) exist.
    let err = delete("1", "1").await.unwrap_err();
    assert_eq!(code(&err), "ConflictException");
    // A non-recommended major.
    delete("2", "0").await.unwrap();
    // The recommended version once nothing else exists.
    delete("1", "1").await.unwrap();

    // Idempotent: a missing version of an existing template is an empty success.
    let out = delete("1", "1").await.unwrap();
    assert!(out.environment_template_version.is_none());
    client
        .delete_environment_template()
        .name("t")
        .send()
        .await
        .unwrap();
    // Missing template → not found.
    let err = delete("1", "1").await.unwrap_err();
    assert_eq!(code(&err), "ResourceNotFoundException");
}

#[tokio::test]
async fn client_token_idempotency() {
    let local = Local::start(&["--canned-bundles", "--registration-delay", "0s"]);
    let client = local.client();
    create_env_template(&client, "t").await;
    let create = |token: &'static str, description: &'static str| {
        let client = client.clone();
        async move {
            client
                .create_environment_template_version()
                .template_name("t")
                .client_token(token)
                .description(description)
                .source(s3("bucket", "b.tar.gz"))
                .send()
                .await
        }
    };
    let first = create("tok-1", "a")
        .await
        .unwrap()
        .environment_template_version
        .unwrap();
    let retry = create("tok-1", "a")
        .await
        .unwrap()
        .environment_template_version
        .unwrap();
    assert_eq!(first.arn, retry.arn);
    let list = client
        .list_environment_template_versions()
        .template_name("t")
        .send()
        .await
        .unwrap();
    assert_eq!(list.template_versions.len(), 1);
    let counters = local.admin_get("/_proton_local/counters");
    assert_eq!(counters["versions_created"], 1);

    let err = create("tok-1", "b").await.unwrap_err();
    assert_eq!(code(&err), "ValidationException");

    // Once the original is gone, the same token creates a new version.
    client
        .delete_environment_template_version()
        .template_name("t")
        .major_version("1")
        .minor_version("0")
        .send()
        .await
        .unwrap();
    let again = create("tok-1", "a")
        .await
        .unwrap()
        .environment_template_version
        .unwrap();
    assert_eq!(again.major_version, "2");
}

#[tokio::test]
async fn validation_rules() {
    let local = Local::start(&["--canned-bundles", "--registration-delay", "0s"]);
    let client = local.client();

    // Pattern, with the AWS wording.
    let err = client
        .create_environment_template()
        .name("bad name!")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "ValidationException");
    assert_eq!(
        message(&err),
        r"1 validation error detected: Value 'bad name!' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[0-9A-Za-z]+[0-9A-Za-z_\-]*$"
    );
    // Length (and pattern) on one member: two errors.
    let err = client
        .create_environment_template()
        .name("x".repeat(101))
        .display_name("")
        .send()
        .await
        .unwrap_err();
    assert!(
        message(&err).starts_with("2 validation errors detected"),
        "{}",
        message(&err)
    );
    assert!(message(&err).contains(
        "at 'name' failed to satisfy constraint: Member must have length less than or equal to 100"
    ));
    assert!(message(&err).contains("at 'displayName'"));
    // Sensitive members are not echoed.
    let err = client
        .create_environment_template()
        .name("ok")
        .description("d".repeat(501))
        .send()
        .await
        .unwrap_err();
    assert!(
        message(&err).contains("Value at 'description' failed to satisfy constraint"),
        "{}",
        message(&err)
    );
    // Enum.
    let err = client
        .create_environment_template()
        .name("ok")
        .provisioning(Provisioning::from("SELF"))
        .send()
        .await
        .unwrap_err();
    assert!(
        message(&err).contains("Member must satisfy enum value set: [CUSTOMER_MANAGED]"),
        "{}",
        message(&err)
    );
    // Reserved tag prefix.
    let err = client
        .create_environment_template()
        .name("ok")
        .tags(Tag::builder().key("aws:mine").value("v").build().unwrap())
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "ValidationException");
    assert!(
        message(&err).contains("tags.1.member.key"),
        "{}",
        message(&err)
    );
    // Integer range.
    let err = client
        .list_environment_templates()
        .max_results(101)
        .send()
        .await
        .unwrap_err();
    assert!(message(&err).contains("Value '101' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100"));
    // Nested members and list sizes.
    create_env_template(&client, "env").await;
    let err = client
        .create_environment_template_version()
        .template_name("env")
        .major_version("01")
        .source(s3("B", "k"))
        .send()
        .await
        .unwrap_err();
    let msg = message(&err);
    assert!(msg.starts_with("3 validation errors detected"), "{msg}");
    assert!(msg.contains("at 'source.s3.bucket'"), "{msg}");
    assert!(msg.contains("Value '01' at 'majorVersion'"), "{msg}");
    create_env_version(&client, "env", None).await;
    client
        .create_service_template()
        .name("svc")
        .send()
        .await
        .unwrap();
    let err = client
        .create_service_template_version()
        .template_name("svc")
        .source(s3("bucket", "k"))
        .set_compatible_environment_templates(Some((0..11).map(|_| compat("env", "1")).collect()))
        .send()
        .await
        .unwrap_err();
    assert!(message(&err).contains("at 'compatibleEnvironmentTemplates' failed to satisfy constraint: Member must have length less than or equal to 10"), "{}", message(&err));

    // Required members and the union, through raw signed requests.
    let r = local.signed(
        Some("AwsProton20200720.CreateEnvironmentTemplateVersion"),
        Some("application/x-amz-json-1.0"),
        br#"{"templateName":"env"}"#,
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.error_type(), "ValidationException");
    assert!(r.json()["message"]
        .as_str()
        .unwrap()
        .contains("Value null at 'source' failed to satisfy constraint: Member must not be null"));
    let r = local.signed(
        Some("AwsProton20200720.CreateEnvironmentTemplateVersion"),
        Some("application/x-amz-json-1.0"),
        br#"{"templateName":"env","source":{"s3":{"bucket":"bucket","key":"k"},"other":{}}}"#,
    );
    assert_eq!(r.error_type(), "ValidationException");
    assert!(r.body_text().contains("'source'"), "{}", r.body_text());
    let r = local.signed(
        Some("AwsProton20200720.CreateEnvironmentTemplateVersion"),
        Some("application/x-amz-json-1.0"),
        br#"{"templateName":"env","source":{}}"#,
    );
    assert_eq!(r.error_type(), "ValidationException");
    // A member of the wrong JSON type.
    let r = local.signed(
        Some("AwsProton20200720.GetEnvironmentTemplate"),
        Some("application/x-amz-json-1.0"),
        br#"{"name":5}"#,
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.error_type(), "SerializationException");
}

#[tokio::test]
async fn version_quota() {
    let local = Local::start(&["--canned-bundles", "--registration-delay", "1h"]);
    let client = local.client();
    create_env_template(&client, "t").await;
    create_env_version(&client, "t", None).await;
    for _ in 1..500 {
        create_env_version(&client, "t", Some("1")).await;
    }
    let err = client
        .create_environment_template_version()
        .template_name("t")
        .source(s3("bucket", "b.tar.gz"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "ServiceQuotaExceededException");
}

#[tokio::test]
async fn tags_on_templates_and_versions() {
    let local = Local::start(&["--canned-bundles", "--registration-delay", "0s"]);
    let client = local.client();
    let t = client
        .create_environment_template()
        .name("t")
        .tags(Tag::builder().key("team").value("a").build().unwrap())
        .send()
        .await
        .unwrap()
        .environment_template
        .unwrap();
    let tags = client
        .list_tags_for_resource()
        .resource_arn(&t.arn)
        .send()
        .await
        .unwrap()
        .tags;
    assert_eq!(tags.len(), 1);
    let v = client
        .create_environment_template_version()
        .template_name("t")
        .source(s3("bucket", "b.tar.gz"))
        .tags(Tag::builder().key("k1").value("v1").build().unwrap())
        .send()
        .await
        .unwrap()
        .environment_template_version
        .unwrap();
    client
        .tag_resource()
        .resource_arn(&v.arn)
        .tags(Tag::builder().key("k2").value("v2").build().unwrap())
        .send()
        .await
        .unwrap();
    let tags = client
        .list_tags_for_resource()
        .resource_arn(&v.arn)
        .send()
        .await
        .unwrap()
        .tags;
    let pairs: Vec<(String, String)> = tags.into_iter().map(|t| (t.key, t.value)).collect();
    assert_eq!(
        pairs,
        [
            ("aws:proton:account".to_string(), "123456789012".to_string()),
            ("aws:proton:template".to_string(), t.arn.clone()),
            ("k1".to_string(), "v1".to_string()),
            ("k2".to_string(), "v2".to_string()),
        ]
    );
    let page = client
        .list_tags_for_resource()
        .resource_arn(&v.arn)
        .max_results(3)
        .send()
        .await
        .unwrap();
    assert_eq!(page.tags.len(), 3);
    let rest = client
        .list_tags_for_resource()
        .resource_arn(&v.arn)
        .next_token(page.next_token.unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.tags.len(), 1);

    client
        .untag_resource()
        .resource_arn(&v.arn)
        .tag_keys("k1")
        .send()
        .await
        .unwrap();
    let err = client
        .untag_resource()
        .resource_arn(&v.arn)
        .tag_keys("aws:proton:template")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "ValidationException");
    let err = client
        .tag_resource()
        .resource_arn(&v.arn)
        .tags(Tag::builder().key("aws:x").value("v").build().unwrap())
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "ValidationException");
    let tags = client
        .list_tags_for_resource()
        .resource_arn(&v.arn)
        .send()
        .await
        .unwrap()
        .tags;
    assert_eq!(tags.len(), 3);
    let err = client
        .list_tags_for_resource()
        .resource_arn("arn:aws:proton:us-east-1:123456789012:environment-template/t:9.9")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "ResourceNotFoundException");
    let err = client
        .tag_resource()
        .resource_arn("not-an-arn")
        .tags(Tag::builder().key("k").value("v").build().unwrap())
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "ValidationException");
}

#[tokio::test]
async fn wire_protocol_errors() {
    let local = Local::start(&[]);
    // Unsigned.
    let r = local.raw("POST", "/", &Default::default(), b"{}");
    assert_eq!(r.status, 403);
    assert_eq!(r.error_type(), "MissingAuthenticationTokenException");
    assert_eq!(r.json()["message"], "Missing Authentication Token");
    assert_eq!(
        r.header("x-amzn-errortype"),
        Some("MissingAuthenticationTokenException")
    );
    assert!(r.header("x-amzn-requestid").is_some());
    // Unknown operation, missing target, wrong content type.
    for (target, ct) in [
        (
            Some("AwsProton20200720.CreateEnvironment"),
            Some("application/x-amz-json-1.0"),
        ),
        (None, Some("application/x-amz-json-1.0")),
        (
            Some("AwsProton20200720.ListEnvironmentTemplates"),
            Some("text/plain"),
        ),
        (Some("AwsProton20200720.ListEnvironmentTemplates"), None),
    ] {
        let r = local.signed(target, ct, b"{}");
        assert_eq!(r.status, 400, "{target:?} {ct:?}");
        assert_eq!(r.error_type(), "UnknownOperationException");
    }
    // Malformed JSON.
    let r = local.signed(
        Some("AwsProton20200720.ListEnvironmentTemplates"),
        Some("application/x-amz-json-1.0"),
        b"{not json",
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.error_type(), "SerializationException");
    // Success: required members present even when empty; JSON content type; request id.
    let r = local.signed(
        Some("AwsProton20200720.ListEnvironmentTemplates"),
        Some("application/x-amz-json-1.0"),
        b"",
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), json!({"templates": []}));
    assert_eq!(r.header("content-type"), Some("application/x-amz-json-1.0"));
    assert_eq!(r.header("x-amzn-requestid").unwrap().len(), 36);
    // Timestamps are epoch-second numbers.
    let r = local.signed(
        Some("AwsProton20200720.CreateEnvironmentTemplate"),
        Some("application/x-amz-json-1.0"),
        br#"{"name":"t"}"#,
    );
    assert!(r.json()["environmentTemplate"]["createdAt"].is_number());
    let r = local.signed(
        Some("AwsProton20200720.ListEnvironmentTemplateVersions"),
        Some("application/x-amz-json-1.0"),
        br#"{"templateName":"t"}"#,
    );
    assert_eq!(r.json(), json!({"templateVersions": []}));
}

#[tokio::test]
async fn signature_verification() {
    let local = Local::start(&["--region", "us-east-1,eu-west-1"]);
    let err = local
        .client_with("test", "wrong", "us-east-1")
        .list_environment_templates()
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "InvalidSignatureException");
    assert!(message(&err).starts_with("The request signature we calculated does not match"));
    let err = local
        .client_with("AKIDUNKNOWN", "test", "us-east-1")
        .list_environment_templates()
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "UnrecognizedClientException");
    assert_eq!(
        message(&err),
        "The security token included in the request is invalid."
    );
    let err = local
        .client_with("test", "test", "ap-south-1")
        .list_environment_templates()
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "InvalidSignatureException");
    // Allowed regions; session tokens are accepted with the configured key pair.
    local
        .client_with("test", "test", "eu-west-1")
        .list_environment_templates()
        .send()
        .await
        .unwrap();
    let config = aws_sdk_proton::Config::builder()
        .behavior_version(aws_sdk_proton::config::BehaviorVersion::latest())
        .region(aws_sdk_proton::config::Region::new("us-east-1"))
        .endpoint_url(&local.endpoint)
        .credentials_provider(aws_sdk_proton::config::Credentials::new(
            "test",
            "test",
            Some("session-token".into()),
            None,
            "test",
        ))
        .build();
    aws_sdk_proton::Client::from_conf(config)
        .list_environment_templates()
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn state_is_per_region() {
    let local = Local::start(&[]);
    create_env_template(&local.client(), "t").await;
    let west = local.client_with("test", "test", "us-west-2");
    let err = west
        .get_environment_template()
        .name("t")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "ResourceNotFoundException");
    let t = west
        .create_environment_template()
        .name("t")
        .send()
        .await
        .unwrap()
        .environment_template
        .unwrap();
    assert_eq!(
        t.arn,
        "arn:aws:proton:us-west-2:123456789012:environment-template/t"
    );
}

#[tokio::test]
async fn sigterm_exits_cleanly_with_idle_keep_alive_connections() {
    let mut local = Local::start(&[]);
    // The client keeps its pooled connection open across the signal.
    let client = local.client();
    create_env_template(&client, "t").await;
    let status = local.terminate();
    assert!(status.success(), "{status:?}");
    drop(client);
}

#[tokio::test]
async fn the_server_ends_with_the_process_that_started_it() {
    // The harness holds the server's standard input open and never writes to it; when the
    // harness ends, however it ends, the pipe closes and so does the server (`--exit-with-stdin`).
    let mut local = Local::start(&[]);
    create_env_template(&local.client(), "t").await;
    let status = local.close_stdin();
    assert!(status.success(), "{status:?}");
}

#[tokio::test]
async fn sdk_waiter_sees_registration() {
    use aws_sdk_proton::client::Waiters;
    let local = Local::start(&["--canned-bundles", "--registration-delay", "0s"]);
    let client = local.client();
    create_env_template(&client, "t").await;
    create_env_version(&client, "t", None).await;
    let done = client
        .wait_until_environment_template_version_registered()
        .template_name("t")
        .major_version("1")
        .minor_version("0")
        .wait(std::time::Duration::from_secs(60))
        .await
        .unwrap();
    let v = done
        .into_result()
        .unwrap()
        .environment_template_version
        .unwrap();
    assert_eq!(v.status, TemplateVersionStatus::Draft);
}

#[tokio::test]
async fn shared_aws_config_client_works() {
    let local = Local::start(&["--registration-delay", "0s"]);
    let sdk_config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(&local.endpoint)
        .credentials_provider(aws_sdk_proton::config::Credentials::new(
            "test", "test", None, None, "static",
        ))
        .load()
        .await;
    let client = aws_sdk_proton::Client::new(&sdk_config);
    create_env_template(&client, "t").await;
    let list = client.list_environment_templates().send().await.unwrap();
    assert_eq!(list.templates.len(), 1);
}
