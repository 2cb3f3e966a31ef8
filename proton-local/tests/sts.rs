//! STS on proton-local's port and accounts made real, driven by the real `aws-sdk-sts`,
//! aws-config's `AssumeRoleProvider` and `aws-sdk-proton` / `aws-sdk-s3` with the resulting
//! credentials. (Web identity from a token file is in `sts_web_identity.rs`: aws-config reads
//! the STS endpoint for it from the process environment.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(deprecated)]

mod common;

use aws_config::sts::AssumeRoleProvider;
use aws_config::SdkConfig;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sdk_proton::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_sts::error::ProvideErrorMetadata;
use aws_smithy_async::rt::sleep::TokioSleep;
use aws_smithy_async::time::SystemTimeSource;
use base64::Engine as _;
use common::*;
use serde_json::json;

const BASE_ACCOUNT: &str = "123456789012";
const OTHER_ACCOUNT: &str = "210987654321";
const THIRD_ACCOUNT: &str = "333333333333";
const DEPLOYER: &str = "arn:aws:iam::210987654321:role/deployer";

/// An SDK configuration for `local` with `credentials`.
fn sdk_config(local: &Local, credentials: impl ProvideCredentials + 'static) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(&local.endpoint)
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .time_source(SystemTimeSource::new())
        .sleep_impl(TokioSleep::new())
        .build()
}

fn base_credentials() -> Credentials {
    Credentials::new("test", "test", None, None, "base")
}

fn sts(config: &SdkConfig) -> aws_sdk_sts::Client {
    aws_sdk_sts::Client::new(config)
}

fn proton(config: &SdkConfig) -> aws_sdk_proton::Client {
    aws_sdk_proton::Client::new(config)
}

fn s3(config: &SdkConfig) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(config)
            .force_path_style(true)
            .build(),
    )
}

/// aws-config's AssumeRoleProvider for `role`, from the base key pair.
async fn assume_role_provider(local: &Local, role: &str) -> AssumeRoleProvider {
    AssumeRoleProvider::builder(role)
        .session_name("tests")
        .configure(&sdk_config(local, base_credentials()))
        .build()
        .await
}

/// Credentials for `role` through STS's AssumeRole, signed with the base key pair.
async fn assumed(local: &Local, role: &str, duration: Option<i32>) -> Credentials {
    let out = sts(&sdk_config(local, base_credentials()))
        .assume_role()
        .role_arn(role)
        .role_session_name("tests")
        .set_duration_seconds(duration)
        .send()
        .await
        .unwrap();
    let c = out.credentials.unwrap();
    Credentials::new(
        c.access_key_id,
        c.secret_access_key,
        Some(c.session_token),
        None,
        "assumed",
    )
}

fn counters(local: &Local) -> serde_json::Value {
    local.admin_get("/_proton_local/counters")
}

#[tokio::test]
async fn get_caller_identity_names_the_base_user_and_the_assumed_role() {
    let local = Local::start(&["--canned-bundles", "--role", DEPLOYER]);
    let base = sts(&sdk_config(&local, base_credentials()))
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(base.account(), Some(BASE_ACCOUNT));
    assert_eq!(
        base.arn(),
        Some("arn:aws:iam::123456789012:user/proton-local")
    );
    assert!(base.user_id().unwrap().starts_with("AIDA"));

    let out = sts(&sdk_config(&local, base_credentials()))
        .assume_role()
        .role_arn(DEPLOYER)
        .role_session_name("ci@example.com")
        .send()
        .await
        .unwrap();
    let user = out.assumed_role_user.unwrap();
    assert_eq!(
        user.arn,
        "arn:aws:sts::210987654321:assumed-role/deployer/ci@example.com"
    );
    assert!(user.assumed_role_id.starts_with("AROA"));
    assert!(user.assumed_role_id.ends_with(":ci@example.com"));
    let creds = out.credentials.unwrap();
    assert!(creds.access_key_id.starts_with("ASIA"));
    assert_eq!(creds.access_key_id.len(), 20);
    // Default duration: one hour from now (the server's clock).
    let expires = creds.expiration.secs();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!((expires - now - 3600).abs() <= 5, "{expires} vs {now}");

    let session = Credentials::new(
        creds.access_key_id,
        creds.secret_access_key,
        Some(creds.session_token),
        None,
        "assumed",
    );
    let me = sts(&sdk_config(&local, session))
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(me.account(), Some(OTHER_ACCOUNT));
    assert_eq!(me.arn(), Some(user.arn.as_str()));
    assert_eq!(me.user_id(), Some(user.assumed_role_id.as_str()));
    assert_eq!(counters(&local)["requests"]["GetCallerIdentity"], 2);
    assert_eq!(counters(&local)["requests"]["AssumeRole"], 1);
}

#[tokio::test]
async fn an_assumed_role_creates_in_its_own_account_and_sees_only_it() {
    let local = Local::start(&["--canned-bundles", "--role", DEPLOYER]);
    let assumed = sdk_config(&local, assume_role_provider(&local, DEPLOYER).await);
    let base = sdk_config(&local, base_credentials());

    let created = proton(&assumed)
        .create_environment_template()
        .name("over-there")
        .send()
        .await
        .unwrap()
        .environment_template
        .unwrap();
    assert_eq!(
        created.arn,
        "arn:aws:proton:us-east-1:210987654321:environment-template/over-there"
    );
    let version = proton(&assumed)
        .create_environment_template_version()
        .template_name("over-there")
        .source(common::s3("bucket", "bundle.tar.gz"))
        .send()
        .await
        .unwrap()
        .environment_template_version
        .unwrap();
    assert!(version.arn.contains(":210987654321:"), "{}", version.arn);
    let tags = proton(&assumed)
        .list_tags_for_resource()
        .resource_arn(&version.arn)
        .send()
        .await
        .unwrap();
    assert!(tags
        .tags
        .iter()
        .any(|t| t.key == "aws:proton:account" && t.value == OTHER_ACCOUNT));

    let mine = proton(&base)
        .list_environment_templates()
        .send()
        .await
        .unwrap();
    assert!(mine.templates.is_empty(), "{:?}", mine.templates);
    let err = proton(&base)
        .get_environment_template()
        .name("over-there")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "ResourceNotFoundException");
    let theirs = proton(&assumed)
        .list_environment_templates()
        .send()
        .await
        .unwrap();
    assert_eq!(theirs.templates.len(), 1);
    // Another account's ARN names nothing in the caller's account.
    let err = proton(&base)
        .tag_resource()
        .resource_arn(&created.arn)
        .tags(
            aws_sdk_proton::types::Tag::builder()
                .key("k")
                .value("v")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "ResourceNotFoundException");

    // The base account's objects are invisible to the role, too.
    proton(&base)
        .create_environment_template()
        .name("at-home")
        .send()
        .await
        .unwrap();
    let theirs = proton(&assumed)
        .list_environment_templates()
        .send()
        .await
        .unwrap();
    let names: Vec<_> = theirs.templates.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["over-there"]);

    let c = counters(&local);
    assert_eq!(c["writes_by_account"][OTHER_ACCOUNT], 2);
    // The refused TagResource is a write attempt too.
    assert_eq!(c["writes_by_account"][BASE_ACCOUNT], 2);
    assert_eq!(c["writes"], 4);
}

#[tokio::test]
async fn role_chaining_acts_in_the_last_role_and_is_limited_to_an_hour() {
    let local = Local::start(&["--canned-bundles", "--role", DEPLOYER]);
    let target = "arn:aws:iam::333333333333:role/path/target";
    let declared = local.admin_post(
        "/_proton_local/roles",
        &json!({ "arn": target, "max_session_duration": 43200 }),
    );
    assert_eq!(declared.status, 200, "{}", declared.body_text());
    let roles = local.admin_get("/_proton_local/roles");
    assert_eq!(roles["roles"].as_array().unwrap().len(), 2);

    let hub = assume_role_provider(&local, DEPLOYER).await;
    let chained = AssumeRoleProvider::builder(target)
        .session_name("chained")
        .configure(&sdk_config(&local, base_credentials()))
        .build_from_provider(hub)
        .await;
    let config = sdk_config(&local, chained);
    let me = sts(&config).get_caller_identity().send().await.unwrap();
    assert_eq!(me.account(), Some(THIRD_ACCOUNT));
    assert_eq!(
        me.arn(),
        Some("arn:aws:sts::333333333333:assumed-role/target/chained")
    );
    let created = proton(&config)
        .create_service_template()
        .name("chained")
        .send()
        .await
        .unwrap()
        .service_template
        .unwrap();
    assert!(created.arn.contains(":333333333333:service-template/"));

    // Two hours are allowed from the base user (the role's maximum is 12 h) ...
    assumed(&local, target, Some(7200)).await;
    // ... but not along a chain.
    let hub = assumed(&local, DEPLOYER, None).await;
    let err = sts(&sdk_config(&local, hub))
        .assume_role()
        .role_arn(target)
        .role_session_name("chained")
        .duration_seconds(7200)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ValidationError"));
    assert_eq!(
        err.message(),
        Some("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
    );
}

#[tokio::test]
async fn an_external_id_is_required_when_the_role_declares_one() {
    let local = Local::start(&[
        "--canned-bundles",
        "--role",
        "arn:aws:iam::210987654321:role/deployer:secret-ext",
    ]);
    let client = sts(&sdk_config(&local, base_credentials()));
    let denied = "User: arn:aws:iam::123456789012:user/proton-local is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::210987654321:role/deployer";
    for external_id in [None, Some("other-ext")] {
        let err = client
            .assume_role()
            .role_arn(DEPLOYER)
            .role_session_name("tests")
            .set_external_id(external_id.map(str::to_string))
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some("AccessDenied"), "{external_id:?}");
        assert_eq!(err.message(), Some(denied));
        assert_eq!(err.raw_response().unwrap().status().as_u16(), 403);
    }
    let ok = client
        .assume_role()
        .role_arn(DEPLOYER)
        .role_session_name("tests")
        .external_id("secret-ext")
        .send()
        .await
        .unwrap();
    assert!(ok.credentials.is_some());
    // Through aws-config's provider too.
    let provider = AssumeRoleProvider::builder(DEPLOYER)
        .session_name("tests")
        .external_id("secret-ext")
        .configure(&sdk_config(&local, base_credentials()))
        .build()
        .await;
    let me = sts(&sdk_config(&local, provider))
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(me.account(), Some(OTHER_ACCOUNT));
}

#[tokio::test]
async fn an_unknown_role_is_access_denied() {
    let local = Local::start(&["--canned-bundles"]);
    let err = sts(&sdk_config(&local, base_credentials()))
        .assume_role()
        .role_arn("arn:aws:iam::210987654321:role/nobody")
        .role_session_name("tests")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("AccessDenied"));
    assert_eq!(
        err.message(),
        Some("User: arn:aws:iam::123456789012:user/proton-local is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::210987654321:role/nobody")
    );
    // A bad declaration through the admin API is refused and declares nothing.
    let refused = local.admin_post(
        "/_proton_local/roles",
        &json!({ "arn": "arn:aws:iam::2109:role/x" }),
    );
    assert_eq!(refused.status, 400);
    assert!(local.admin_get("/_proton_local/roles")["roles"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn a_forged_session_token_is_refused_everywhere_and_writes_nothing() {
    let local = Local::start(&["--canned-bundles", "--role", DEPLOYER]);
    let real = assumed(&local, DEPLOYER, None).await;
    let forged = Credentials::new(
        real.access_key_id(),
        real.secret_access_key(),
        Some("FwoGZXIvYXdzEBYaDforgedforgedforged".to_string()),
        None,
        "forged",
    );
    let config = sdk_config(&local, forged);
    let err = proton(&config)
        .create_environment_template()
        .name("never")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "UnrecognizedClientException");
    assert_eq!(
        message(&err),
        "The security token included in the request is invalid."
    );
    let err = sts(&config).get_caller_identity().send().await.unwrap_err();
    assert_eq!(err.code(), Some("InvalidClientTokenId"));
    assert_eq!(
        err.message(),
        Some("The security token included in the request is invalid.")
    );
    let err = s3(&config).list_buckets().send().await.unwrap_err();
    assert_eq!(err.code(), Some("InvalidToken"));
    // A session key without any token is as invalid.
    let tokenless = Credentials::new(
        real.access_key_id(),
        real.secret_access_key(),
        None,
        None,
        "tokenless",
    );
    let err = proton(&sdk_config(&local, tokenless))
        .list_environment_templates()
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "UnrecognizedClientException");
    let c = counters(&local);
    assert_eq!(c["writes"], 0, "{c}");
    // The real token works.
    proton(&sdk_config(&local, real))
        .list_environment_templates()
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn an_expired_session_is_refused_once_the_clock_moves() {
    let local = Local::start(&["--canned-bundles", "--role", DEPLOYER]);
    let session = assumed(&local, DEPLOYER, Some(900)).await;
    let config = sdk_config(&local, session);
    proton(&config)
        .create_environment_template()
        .name("before")
        .send()
        .await
        .unwrap();
    s3(&config)
        .create_bucket()
        .bucket("shared-bundles")
        .send()
        .await
        .unwrap();

    let moved = local.admin_post("/_proton_local/clock", &json!({ "advance_seconds": 901 }));
    assert_eq!(moved.status, 200);
    assert_eq!(moved.json()["offset_seconds"], 901);
    // The clock never goes back and never leaves representable times.
    for bad in [
        json!({ "advance_seconds": -1 }),
        json!({ "advance_seconds": u64::MAX }),
    ] {
        let refused = local.admin_post("/_proton_local/clock", &bad);
        assert_eq!(refused.status, 400, "{bad}");
    }
    assert_eq!(
        local.admin_get("/_proton_local/clock")["offset_seconds"],
        901
    );

    let err = proton(&config)
        .list_environment_templates()
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "ExpiredTokenException");
    assert_eq!(
        message(&err),
        "The security token included in the request is expired"
    );
    assert_eq!(err.raw_response().unwrap().status().as_u16(), 400);
    let err = sts(&config).get_caller_identity().send().await.unwrap_err();
    assert_eq!(err.code(), Some("ExpiredToken"));
    assert_eq!(
        err.message(),
        Some("The security token included in the request is expired")
    );
    assert_eq!(err.raw_response().unwrap().status().as_u16(), 403);
    let err = sts(&config)
        .assume_role()
        .role_arn(DEPLOYER)
        .role_session_name("again")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ExpiredToken"));
    let err = s3(&config).list_buckets().send().await.unwrap_err();
    assert_eq!(err.code(), Some("ExpiredToken"));

    // The base key pair never expires; bucket names are global, so it sees the bucket.
    let base = sdk_config(&local, base_credentials());
    let buckets = s3(&base).list_buckets().send().await.unwrap();
    assert!(buckets
        .buckets()
        .iter()
        .any(|b| b.name() == Some("shared-bundles")));
}

#[tokio::test]
async fn duration_seconds_outside_the_model_or_the_role_is_a_validation_error() {
    let local = Local::start(&["--canned-bundles", "--role", DEPLOYER]);
    let client = sts(&sdk_config(&local, base_credentials()));
    let attempt = |duration: i32| {
        client
            .assume_role()
            .role_arn(DEPLOYER)
            .role_session_name("tests")
            .duration_seconds(duration)
            .send()
    };
    let err = attempt(899).await.unwrap_err();
    assert_eq!(err.code(), Some("ValidationError"));
    assert_eq!(
        err.message(),
        Some("1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900")
    );
    let err = attempt(43201).await.unwrap_err();
    assert_eq!(
        err.message(),
        Some("1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200")
    );
    // Within the model, above the role's maximum (one hour unless declared).
    let err = attempt(3601).await.unwrap_err();
    assert_eq!(err.code(), Some("ValidationError"));
    assert_eq!(
        err.message(),
        Some("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
    );
    assert!(attempt(900).await.is_ok());
    assert!(attempt(3600).await.is_ok());
    // Other members are validated together.
    let err = client
        .assume_role()
        .role_arn(DEPLOYER)
        .role_session_name("has space")
        .external_id("x")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.message(),
        Some("2 validation errors detected: Value 'has space' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*; Value 'x' at 'externalId' failed to satisfy constraint: Member must have length greater than or equal to 2")
    );
    let err = client
        .assume_role()
        .role_arn(DEPLOYER)
        .role_session_name("tests")
        .source_identity("aws:me")
        .send()
        .await
        .unwrap_err();
    // The reserved `aws:` prefix is already outside the pattern.
    assert_eq!(
        err.message(),
        Some("1 validation error detected: Value 'aws:me' at 'sourceIdentity' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*")
    );
    let err = client
        .assume_role()
        .role_arn(DEPLOYER)
        .role_session_name("tests")
        .policy("{not json")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("MalformedPolicyDocument"));
    // Tags, transitive keys, policy ARNs and a source identity are accepted.
    let ok = client
        .assume_role()
        .role_arn(DEPLOYER)
        .role_session_name("tests")
        .tags(
            aws_sdk_sts::types::Tag::builder()
                .key("team")
                .value("platform")
                .build()
                .unwrap(),
        )
        .transitive_tag_keys("team")
        .policy_arns(
            aws_sdk_sts::types::PolicyDescriptorType::builder()
                .arn("arn:aws:iam::aws:policy/ReadOnlyAccess")
                .build(),
        )
        .policy(r#"{"Version":"2012-10-17","Statement":[]}"#)
        .source_identity("alice")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.source_identity(), Some("alice"));
}

fn jwt(claims: serde_json::Value) -> String {
    let e = |v: &serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    format!(
        "{}.{}.bm90LXZlcmlmaWVk",
        e(&json!({ "alg": "RS256", "typ": "JWT" })),
        e(&claims)
    )
}

fn epoch_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[tokio::test]
async fn web_identity_tokens_must_be_well_formed_and_unexpired() {
    let local = Local::start(&["--canned-bundles", "--role", DEPLOYER]);
    // Unsigned: the SDK sends AssumeRoleWithWebIdentity without credentials.
    let client = aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(&local.endpoint)
            .build(),
    );
    let attempt = |token: String| {
        client
            .assume_role_with_web_identity()
            .role_arn(DEPLOYER)
            .role_session_name("oidc")
            .web_identity_token(token)
            .send()
    };
    let err = attempt("not.a-jwt".to_string()).await.unwrap_err();
    assert_eq!(err.code(), Some("InvalidIdentityToken"));
    let err = attempt(jwt(json!({ "sub": "repo:x", "exp": epoch_now() + 600 })))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidIdentityToken"));
    let err = attempt(jwt(
        json!({ "sub": "repo:x", "aud": "sts.amazonaws.com", "exp": epoch_now() - 1 }),
    ))
    .await
    .unwrap_err();
    assert_eq!(err.code(), Some("ExpiredTokenException"));

    let token = jwt(json!({
        "sub": "repo:x", "aud": "sts.amazonaws.com", "exp": epoch_now() + 600,
        "iss": "https://token.actions.githubusercontent.com"
    }));
    let ok = attempt(token.clone()).await.unwrap();
    assert_eq!(ok.subject_from_web_identity_token(), Some("repo:x"));
    assert_eq!(ok.audience(), Some("sts.amazonaws.com"));
    assert_eq!(
        ok.assumed_role_user().unwrap().arn(),
        "arn:aws:sts::210987654321:assumed-role/deployer/oidc"
    );
    // The token's own expiry follows the server's clock as well.
    local.admin_post("/_proton_local/clock", &json!({ "advance_seconds": 601 }));
    let err = attempt(token).await.unwrap_err();
    assert_eq!(err.code(), Some("ExpiredTokenException"));
    let err = client
        .assume_role_with_web_identity()
        .role_arn("arn:aws:iam::210987654321:role/nobody")
        .role_session_name("oidc")
        .web_identity_token(jwt(
            json!({ "sub": "s", "aud": "a", "exp": epoch_now() + 7200 }),
        ))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("AccessDenied"));
    assert_eq!(counters(&local)["requests"]["AssumeRoleWithWebIdentity"], 6);
}

#[tokio::test]
async fn requests_that_are_not_sts_keep_protons_errors() {
    let local = Local::start(&["--canned-bundles"]);
    // Unsigned and form-encoded, naming no STS action: Proton's missing-signature error.
    let mut headers = axum::http::HeaderMap::new();
    headers.insert(
        "content-type",
        "application/x-www-form-urlencoded".parse().unwrap(),
    );
    for body in [&b"Action=ListUsers&Version=2010-05-08"[..], b"a=b", b""] {
        let r = local.raw("POST", "/", &headers, body);
        assert_eq!(r.status, 403);
        assert_eq!(r.error_type(), "MissingAuthenticationTokenException");
    }
    // Unsigned, naming an STS action that needs a signature: STS's own refusal, in XML.
    let r = local.raw(
        "POST",
        "/",
        &headers,
        b"Action=GetCallerIdentity&Version=2011-06-15",
    );
    assert_eq!(r.status, 403);
    assert_eq!(r.header("content-type"), Some("text/xml"));
    let text = r.body_text();
    assert!(
        text.contains("<Type>Sender</Type><Code>MissingAuthenticationToken</Code>"),
        "{text}"
    );
    // Signed for Proton with a form body: still Proton's (no operation).
    let r = local.signed(
        None,
        Some("application/x-www-form-urlencoded"),
        b"Action=GetCallerIdentity&Version=2011-06-15",
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.error_type(), "UnknownOperationException");
}
