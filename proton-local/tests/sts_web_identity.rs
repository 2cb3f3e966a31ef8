//! Web identity from a token file, as aws-config's `WebIdentityTokenCredentialsProvider`
//! (what `AWS_WEB_IDENTITY_TOKEN_FILE` and `web_identity_token_file` use) does it. It reads the
//! STS endpoint from the process environment (`AWS_ENDPOINT_URL_STS`), so this test has a
//! binary of its own: nothing else in this process reads or writes the environment.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(deprecated)]

mod common;

use aws_config::provider_config::ProviderConfig;
use aws_config::web_identity_token::{StaticConfiguration, WebIdentityTokenCredentialsProvider};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_proton::config::{BehaviorVersion, Region};
use base64::Engine as _;
use common::*;
use serde_json::json;

#[tokio::test]
async fn web_identity_from_a_token_file_acts_in_the_roles_account() {
    let local = Local::start(&[
        "--canned-bundles",
        "--role",
        "arn:aws:iam::210987654321:role/ci",
    ]);
    std::env::set_var("AWS_ENDPOINT_URL_STS", &local.endpoint);
    let exp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3600;
    let e = |v: serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let token = format!(
        "{}.{}.c2lnbmF0dXJl",
        e(json!({ "alg": "RS256", "kid": "k" })),
        e(
            json!({ "sub": "system:serviceaccount:ci:runner", "aud": "sts.amazonaws.com", "exp": exp })
        )
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("token");
    std::fs::write(&file, token).unwrap();

    let provider = WebIdentityTokenCredentialsProvider::builder()
        .configure(&ProviderConfig::empty().with_region(Some(Region::new("us-east-1"))))
        .static_configuration(StaticConfiguration {
            web_identity_token_file: file,
            role_arn: "arn:aws:iam::210987654321:role/ci".into(),
            session_name: "from-file".into(),
        })
        .build();
    let config = aws_config::SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(&local.endpoint)
        .credentials_provider(SharedCredentialsProvider::new(provider))
        .time_source(aws_smithy_async::time::SystemTimeSource::new())
        .sleep_impl(aws_smithy_async::rt::sleep::TokioSleep::new())
        .build();
    let me = aws_sdk_sts::Client::new(&config)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(me.account(), Some("210987654321"));
    assert_eq!(
        me.arn(),
        Some("arn:aws:sts::210987654321:assumed-role/ci/from-file")
    );
    let created = aws_sdk_proton::Client::new(&config)
        .create_environment_template()
        .name("from-ci")
        .send()
        .await
        .unwrap()
        .environment_template
        .unwrap();
    assert_eq!(
        created.arn,
        "arn:aws:proton:us-east-1:210987654321:environment-template/from-ci"
    );
    let base = local
        .client()
        .list_environment_templates()
        .send()
        .await
        .unwrap();
    assert!(base.templates.is_empty());
    let counters = local.admin_get("/_proton_local/counters");
    // Once per SDK client: without a shared identity cache each client caches its own.
    assert_eq!(counters["requests"]["AssumeRoleWithWebIdentity"], 2);
    assert_eq!(counters["writes_by_account"]["210987654321"], 1);
}
