//! Fault injection, counters and concurrency.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(deprecated)]

mod common;

use std::collections::BTreeSet;

use common::*;
use serde_json::json;

#[tokio::test]
async fn injected_throttling_and_errors_are_counted_and_change_nothing() {
    let local = Local::start(&["--canned-bundles", "--registration-delay", "0s"]);
    let client = local.client();
    create_env_template(&client, "t").await;
    local.admin_post("/_proton_local/reset-counters", &json!({}));

    let r = local.admin_post(
        "/_proton_local/faults",
        &json!({"throttle_rate": 1.0, "operations": ["CreateEnvironmentTemplateVersion"]}),
    );
    assert_eq!(r.status, 200, "{}", r.body_text());
    let err = client
        .create_environment_template_version()
        .template_name("t")
        .source(s3("bucket", "b.tar.gz"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "ThrottlingException");
    let counters = local.admin_get("/_proton_local/counters");
    // The SDK's standard retry policy makes 3 attempts.
    assert_eq!(counters["requests"]["CreateEnvironmentTemplateVersion"], 3);
    assert_eq!(counters["throttled"], 3);
    assert_eq!(counters["versions_created"], 0);
    assert_eq!(counters["total_requests"], 3);
    // Other operations are unaffected, and nothing was created.
    let list = client
        .list_environment_template_versions()
        .template_name("t")
        .send()
        .await
        .unwrap();
    assert!(list.template_versions.is_empty());

    local.admin_post(
        "/_proton_local/faults",
        &json!({"error_rate": 1.0, "operations": ["GetEnvironmentTemplate"]}),
    );
    let err = client
        .get_environment_template()
        .name("t")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "InternalServerException");
    let counters = local.admin_get("/_proton_local/counters");
    assert_eq!(counters["failed"], 3);
    assert_eq!(counters["requests"]["GetEnvironmentTemplate"], 3);

    // Clearing faults for all operations.
    let r = local.admin_post("/_proton_local/faults", &json!({}));
    assert_eq!(r.status, 200);
    let faults = local.admin_get("/_proton_local/faults");
    assert_eq!(faults["operations"], json!({}));
    create_env_version(&client, "t", None).await;
    let counters = local.admin_get("/_proton_local/counters");
    assert_eq!(counters["versions_created"], 1);

    // Latency alone still answers.
    local.admin_post("/_proton_local/faults", &json!({"latency_ms": 5}));
    client
        .get_environment_template()
        .name("t")
        .send()
        .await
        .unwrap();

    // Bad admin input is refused.
    let r = local.admin_post("/_proton_local/faults", &json!({"throttle_rate": 2}));
    assert_eq!(r.status, 400);
    let r = local.admin_post("/_proton_local/faults", &json!({"operations": ["Nope"]}));
    assert_eq!(r.status, 400);

    local.admin_post("/_proton_local/reset-counters", &json!({}));
    let counters = local.admin_get("/_proton_local/counters");
    assert_eq!(
        counters,
        json!({"requests": {}, "throttled": 0, "failed": 0, "versions_created": 0, "total_requests": 0, "writes": 0, "writes_by_account": {}})
    );
}

#[tokio::test]
async fn fault_flags_apply_from_start() {
    let local = Local::start(&["--throttle-rate", "1"]);
    let err = local
        .client()
        .list_environment_templates()
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "ThrottlingException");
    let local = Local::start(&["--error-rate", "1", "--latency", "1ms"]);
    let err = local
        .client()
        .list_service_templates()
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "InternalServerException");
}

async fn parallel_minor_creates(local: &Local) {
    let client = local.client();
    create_env_template(&client, "t").await;
    create_env_version(&client, "t", None).await;
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            create_env_version(&client, "t", Some("1")).await
        }));
    }
    let mut minors = BTreeSet::new();
    for task in tasks {
        let (major, minor) = task.await.unwrap();
        assert_eq!(major, "1");
        assert!(
            minors.insert(minor.parse::<u64>().unwrap()),
            "duplicate minor {minor}"
        );
    }
    assert_eq!(minors, (1..=32).collect::<BTreeSet<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_creates_get_unique_consecutive_minors() {
    let local = Local::start(&["--canned-bundles", "--registration-delay", "0s"]);
    parallel_minor_creates(&local).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_creates_with_durable_store() {
    let data = tempfile::tempdir().unwrap();
    let local = Local::start(&[
        "--canned-bundles",
        "--registration-delay",
        "0s",
        "--data-dir",
        data.path().to_str().unwrap(),
    ]);
    parallel_minor_creates(&local).await;
}
