//! The Resource Groups Tagging API's `GetResources` on proton-local's port, driven by the real
//! `aws-sdk-resourcegroupstagging` client, over objects made with the real `aws-sdk-proton`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(deprecated)]

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_proton::types::Tag as ProtonTag;
use aws_sdk_resourcegroupstagging::config::retry::RetryConfig;
use aws_sdk_resourcegroupstagging::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_resourcegroupstagging::operation::get_resources::GetResourcesOutput;
use aws_sdk_resourcegroupstagging::types::{ResourceTagMapping, TagFilter};
use aws_sdk_resourcegroupstagging::Client as Tagging;
use common::*;
use serde_json::json;

const ACCOUNT: &str = "123456789012";
const OTHER_ACCOUNT: &str = "210987654321";
const DEPLOYER: &str = "arn:aws:iam::210987654321:role/deployer";

fn tagging(local: &Local) -> Tagging {
    tagging_with(
        local,
        Credentials::new("test", "test", None, None, "test"),
        "us-east-1",
    )
}

fn tagging_with(local: &Local, credentials: Credentials, region: &str) -> Tagging {
    let config = aws_sdk_resourcegroupstagging::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .endpoint_url(&local.endpoint)
        .credentials_provider(credentials)
        .retry_config(RetryConfig::standard().with_initial_backoff(Duration::from_millis(5)))
        .build();
    Tagging::from_conf(config)
}

fn start() -> Local {
    Local::start(&["--canned-bundles", "--registration-delay", "0s"])
}

fn env_arn(name: &str) -> String {
    format!("arn:aws:proton:us-east-1:{ACCOUNT}:environment-template/{name}")
}

fn svc_arn(name: &str) -> String {
    format!("arn:aws:proton:us-east-1:{ACCOUNT}:service-template/{name}")
}

fn ptag(key: &str, value: &str) -> ProtonTag {
    ProtonTag::builder().key(key).value(value).build().unwrap()
}

async fn tagged_env_template(client: &aws_sdk_proton::Client, name: &str, tags: &[(&str, &str)]) {
    client
        .create_environment_template()
        .name(name)
        .set_tags(Some(tags.iter().map(|(k, v)| ptag(k, v)).collect()))
        .send()
        .await
        .unwrap();
}

async fn tag(client: &aws_sdk_proton::Client, arn: &str, tags: &[(&str, &str)]) {
    client
        .tag_resource()
        .resource_arn(arn)
        .set_tags(Some(tags.iter().map(|(k, v)| ptag(k, v)).collect()))
        .send()
        .await
        .unwrap();
}

async fn untag(client: &aws_sdk_proton::Client, arn: &str, keys: &[&str]) {
    client
        .untag_resource()
        .resource_arn(arn)
        .set_tag_keys(Some(keys.iter().map(|k| k.to_string()).collect()))
        .send()
        .await
        .unwrap();
}

/// ARN → tags (as a map) of every mapping in an output.
fn mappings(out: &GetResourcesOutput) -> BTreeMap<String, BTreeMap<String, String>> {
    out.resource_tag_mapping_list()
        .iter()
        .map(|m: &ResourceTagMapping| {
            (
                m.resource_arn().unwrap_or_default().to_string(),
                m.tags()
                    .iter()
                    .map(|t| (t.key().to_string(), t.value().to_string()))
                    .collect(),
            )
        })
        .collect()
}

fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Every resource GetResources lists (all pages) for `request`'s filters.
async fn all_pages(
    client: &Tagging,
    filters: Vec<TagFilter>,
    types: Vec<&str>,
) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut found = BTreeMap::new();
    let mut token: Option<String> = None;
    loop {
        let out = client
            .get_resources()
            .set_tag_filters((!filters.is_empty()).then(|| filters.clone()))
            .set_resource_type_filters(
                (!types.is_empty()).then(|| types.iter().map(|t| t.to_string()).collect()),
            )
            .set_pagination_token(token.clone())
            .send()
            .await
            .unwrap();
        found.extend(mappings(&out));
        match out.pagination_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => return found,
        }
    }
}

fn filter(key: &str, values: &[&str]) -> TagFilter {
    TagFilter::builder()
        .key(key)
        .set_values((!values.is_empty()).then(|| values.iter().map(|v| v.to_string()).collect()))
        .build()
}

#[tokio::test]
async fn tags_of_templates_and_versions_by_arn_list() {
    let local = start();
    let proton = local.client();
    tagged_env_template(&proton, "tagged", &[("team", "a"), ("env", "prod")]).await;
    create_env_template(&proton, "never").await;
    create_env_version(&proton, "tagged", None).await;
    tag(
        &proton,
        &format!("{}:1.0", env_arn("tagged")),
        &[("v", "1")],
    )
    .await;

    let out = tagging(&local)
        .get_resources()
        .resource_arn_list(env_arn("tagged"))
        .resource_arn_list(format!("{}:1.0", env_arn("tagged")))
        .resource_arn_list(env_arn("never"))
        .resource_arn_list(env_arn("missing"))
        .resource_arn_list("arn:aws:s3:::some-bucket")
        .send()
        .await
        .unwrap();
    let found = mappings(&out);
    assert_eq!(
        found.keys().cloned().collect::<Vec<_>>(),
        vec![env_arn("tagged"), format!("{}:1.0", env_arn("tagged"))],
        "never-tagged, missing and foreign ARNs are simply absent"
    );
    assert_eq!(
        found[&env_arn("tagged")],
        tags(&[("env", "prod"), ("team", "a")])
    );
    // A version's tags are those ListTagsForResource reports, the managed ones included.
    assert_eq!(
        found[&format!("{}:1.0", env_arn("tagged"))],
        tags(&[
            ("v", "1"),
            ("aws:proton:template", &env_arn("tagged")),
            ("aws:proton:account", ACCOUNT),
        ])
    );
    // Done in one page: no token (or an empty one).
    assert!(out.pagination_token().is_none_or(str::is_empty));
}

#[tokio::test]
async fn a_template_untagged_after_tagging_shows_empty_tags_and_deleted_ones_vanish() {
    let local = start();
    let proton = local.client();
    create_env_template(&proton, "was").await;
    tag(&proton, &env_arn("was"), &[("k", "v")]).await;
    untag(&proton, &env_arn("was"), &["k"]).await;
    tagged_env_template(&proton, "at-create", &[("k", "v")]).await;
    untag(&proton, &env_arn("at-create"), &["k"]).await;
    tagged_env_template(&proton, "gone", &[("k", "v")]).await;
    proton
        .delete_environment_template()
        .name("gone")
        .send()
        .await
        .unwrap();
    create_env_template(&proton, "never").await;

    let client = tagging(&local);
    let out = client
        .get_resources()
        .resource_arn_list(env_arn("was"))
        .resource_arn_list(env_arn("at-create"))
        .resource_arn_list(env_arn("gone"))
        .resource_arn_list(env_arn("never"))
        .send()
        .await
        .unwrap();
    let found = mappings(&out);
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!(found[&env_arn("was")], BTreeMap::new());
    assert_eq!(found[&env_arn("at-create")], BTreeMap::new());
    // On the wire it is `"Tags": []`, not an absent member.
    for m in out.resource_tag_mapping_list() {
        assert!(m.tags.is_some(), "{m:?}");
    }
    // Listing without filters agrees.
    let listed = all_pages(&client, vec![], vec![]).await;
    assert_eq!(
        listed.keys().cloned().collect::<Vec<_>>(),
        vec![env_arn("at-create"), env_arn("was")]
    );

    // A template created again under a deleted name starts never tagged.
    create_env_template(&proton, "gone").await;
    let out = client
        .get_resources()
        .resource_arn_list(env_arn("gone"))
        .send()
        .await
        .unwrap();
    assert!(mappings(&out).is_empty());
}

#[tokio::test]
async fn only_the_callers_account_and_region_are_seen() {
    let local = Local::start(&[
        "--canned-bundles",
        "--registration-delay",
        "0s",
        "--role",
        DEPLOYER,
    ]);
    let proton = local.client();
    tagged_env_template(&proton, "here", &[("k", "v")]).await;
    let eu = local.client_with("test", "test", "eu-west-1");
    tagged_env_template(&eu, "eu", &[("k", "v")]).await;

    // The other account, through STS.
    let sts = aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::Config::builder()
            .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
            .region(aws_sdk_sts::config::Region::new("us-east-1"))
            .endpoint_url(&local.endpoint)
            .credentials_provider(aws_sdk_sts::config::Credentials::new(
                "test", "test", None, None, "base",
            ))
            .build(),
    );
    let c = sts
        .assume_role()
        .role_arn(DEPLOYER)
        .role_session_name("tests")
        .send()
        .await
        .unwrap()
        .credentials
        .unwrap();
    let other = Credentials::new(
        c.access_key_id,
        c.secret_access_key,
        Some(c.session_token),
        None,
        "assumed",
    );
    let other_proton = aws_sdk_proton::Client::from_conf(
        aws_sdk_proton::Config::builder()
            .behavior_version(aws_sdk_proton::config::BehaviorVersion::latest())
            .region(aws_sdk_proton::config::Region::new("us-east-1"))
            .endpoint_url(&local.endpoint)
            .credentials_provider(other.clone())
            .build(),
    );
    tagged_env_template(&other_proton, "theirs", &[("k", "v")]).await;
    let theirs = format!("arn:aws:proton:us-east-1:{OTHER_ACCOUNT}:environment-template/theirs");
    let eu_arn = format!("arn:aws:proton:eu-west-1:{ACCOUNT}:environment-template/eu");

    let mine = all_pages(&tagging(&local), vec![], vec![]).await;
    assert_eq!(
        mine.keys().cloned().collect::<Vec<_>>(),
        vec![env_arn("here")]
    );
    let by_arn = tagging(&local)
        .get_resources()
        .resource_arn_list(&theirs)
        .resource_arn_list(&eu_arn)
        .send()
        .await
        .unwrap();
    assert!(mappings(&by_arn).is_empty());

    let eu_seen = all_pages(
        &tagging_with(
            &local,
            Credentials::new("test", "test", None, None, "t"),
            "eu-west-1",
        ),
        vec![],
        vec![],
    )
    .await;
    assert_eq!(eu_seen.keys().cloned().collect::<Vec<_>>(), vec![eu_arn]);
    let theirs_seen = all_pages(&tagging_with(&local, other, "us-east-1"), vec![], vec![]).await;
    assert_eq!(
        theirs_seen.keys().cloned().collect::<Vec<_>>(),
        vec![theirs]
    );
}

#[tokio::test]
async fn pages_of_resources_per_page_cover_everything_once() {
    let local = start();
    let proton = local.client();
    for i in 0..7 {
        tagged_env_template(&proton, &format!("t{i}"), &[("n", &i.to_string())]).await;
    }
    let client = tagging(&local);
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let out = client
            .get_resources()
            .resources_per_page(3)
            .set_pagination_token(token.clone())
            .send()
            .await
            .unwrap();
        pages += 1;
        assert!(out.resource_tag_mapping_list().len() <= 3);
        seen.extend(mappings(&out).into_keys());
        match out.pagination_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => break,
        }
    }
    assert_eq!(pages, 3);
    let mut expected: Vec<String> = (0..7).map(|i| env_arn(&format!("t{i}"))).collect();
    expected.sort();
    seen.sort();
    assert_eq!(seen, expected);

    // The SDK's paginator ends on proton-local's last page.
    let paged: Vec<_> = client
        .get_resources()
        .resources_per_page(2)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap();
    assert_eq!(paged.len(), 7);

    // TagsPerPage: a resource is never split, and each here has one tag.
    let out = client
        .get_resources()
        .tags_per_page(100)
        .send()
        .await
        .unwrap();
    assert_eq!(out.resource_tag_mapping_list().len(), 7);
}

#[tokio::test]
async fn tag_filters_and_across_filters_or_across_values() {
    let local = start();
    let proton = local.client();
    tagged_env_template(&proton, "a", &[("key1", "value1"), ("key3", "")]).await;
    tagged_env_template(&proton, "b", &[("key1", "value1"), ("key2", "value3")]).await;
    tagged_env_template(&proton, "c", &[("key2", "value4"), ("key3", "x")]).await;
    tagged_env_template(&proton, "d", &[("key1", "other")]).await;
    create_env_template(&proton, "e").await;
    tag(&proton, &env_arn("e"), &[("key1", "value1")]).await;
    untag(&proton, &env_arn("e"), &["key1"]).await;
    let client = tagging(&local);
    let names = |found: BTreeMap<String, BTreeMap<String, String>>| -> Vec<String> {
        found
            .into_keys()
            .map(|arn| arn.rsplit('/').next().unwrap().to_string())
            .collect()
    };

    let f1 = filter("key1", &["value1"]);
    let f2 = filter("key2", &["value2", "value3", "value4"]);
    let f3 = filter("key3", &[]);
    assert_eq!(
        names(all_pages(&client, vec![f1.clone()], vec![]).await),
        ["a", "b"]
    );
    assert_eq!(
        names(all_pages(&client, vec![f2.clone()], vec![]).await),
        ["b", "c"]
    );
    // No values: the key with any value, the empty one included.
    assert_eq!(
        names(all_pages(&client, vec![f3.clone()], vec![]).await),
        ["a", "c"]
    );
    assert_eq!(
        names(all_pages(&client, vec![f1.clone(), f2.clone()], vec![]).await),
        ["b"]
    );
    assert!(all_pages(&client, vec![f1, f2, f3], vec![])
        .await
        .is_empty());
    // Without filters: every tagged or previously tagged resource ("e" with no tags).
    assert_eq!(
        names(all_pages(&client, vec![], vec![]).await),
        ["a", "b", "c", "d", "e"]
    );
}

#[tokio::test]
async fn resource_type_filters_take_service_and_type_from_the_arn() {
    let local = start();
    let proton = local.client();
    tagged_env_template(&proton, "env", &[("k", "v")]).await;
    create_env_version(&proton, "env", None).await;
    proton
        .create_service_template()
        .name("svc")
        .tags(ptag("k", "v"))
        .send()
        .await
        .unwrap();
    let client = tagging(&local);
    let env_version = format!("{}:1.0", env_arn("env"));

    let keys = |m: BTreeMap<String, BTreeMap<String, String>>| m.into_keys().collect::<Vec<_>>();
    assert_eq!(
        keys(all_pages(&client, vec![], vec!["proton:environment-template"]).await),
        vec![env_arn("env"), env_version.clone()]
    );
    assert_eq!(
        keys(all_pages(&client, vec![], vec!["proton:service-template"]).await),
        vec![svc_arn("svc")]
    );
    assert_eq!(
        keys(all_pages(&client, vec![], vec!["proton"]).await).len(),
        3
    );
    assert!(all_pages(&client, vec![], vec!["ec2", "s3:bucket"])
        .await
        .is_empty());
    assert!(
        all_pages(&client, vec![], vec!["proton:environment-template-version"])
            .await
            .is_empty()
    );
    // Together with a tag filter.
    assert_eq!(
        keys(
            all_pages(
                &client,
                vec![filter("k", &["v"])],
                vec!["proton:service-template"]
            )
            .await
        ),
        vec![svc_arn("svc")]
    );
}

#[tokio::test]
async fn compliance_details_report_compliant_without_tag_policies() {
    let local = start();
    let proton = local.client();
    tagged_env_template(&proton, "t", &[("k", "v")]).await;
    let client = tagging(&local);
    let out = client
        .get_resources()
        .include_compliance_details(true)
        .send()
        .await
        .unwrap();
    let details = out.resource_tag_mapping_list()[0]
        .compliance_details()
        .expect("compliance details");
    assert_eq!(details.compliance_status(), Some(true));
    let out = client
        .get_resources()
        .include_compliance_details(true)
        .exclude_compliant_resources(true)
        .send()
        .await
        .unwrap();
    assert!(out.resource_tag_mapping_list().is_empty());
    let out = client.get_resources().send().await.unwrap();
    assert!(out.resource_tag_mapping_list()[0]
        .compliance_details()
        .is_none());
}

#[tokio::test]
async fn invalid_parameters_are_refused() {
    let local = start();
    let client = tagging(&local);
    let arns: Vec<String> = (0..101).map(|i| env_arn(&format!("t{i}"))).collect();

    let mut cases: Vec<(&str, aws_sdk_resourcegroupstagging::operation::get_resources::builders::GetResourcesFluentBuilder)> = vec![
        ("101 ARNs", client.get_resources().set_resource_arn_list(Some(arns.clone()))),
        ("an empty ARN list", client.get_resources().set_resource_arn_list(Some(vec![]))),
        (
            "ARN list and tag filters",
            client
                .get_resources()
                .resource_arn_list(env_arn("a"))
                .tag_filters(filter("k", &[])),
        ),
        (
            "ARN list and resource types",
            client
                .get_resources()
                .resource_arn_list(env_arn("a"))
                .resource_type_filters("proton"),
        ),
        (
            "ARN list and ResourcesPerPage",
            client
                .get_resources()
                .resource_arn_list(env_arn("a"))
                .resources_per_page(10),
        ),
        (
            "ARN list and a token",
            client
                .get_resources()
                .resource_arn_list(env_arn("a"))
                .pagination_token("abc"),
        ),
        ("ResourcesPerPage 0", client.get_resources().resources_per_page(0)),
        ("ResourcesPerPage 101", client.get_resources().resources_per_page(101)),
        ("TagsPerPage 99", client.get_resources().tags_per_page(99)),
        ("TagsPerPage 501", client.get_resources().tags_per_page(501)),
        (
            "51 tag filters",
            client
                .get_resources()
                .set_tag_filters(Some((0..51).map(|i| filter(&format!("k{i}"), &[])).collect())),
        ),
        (
            "21 values",
            client.get_resources().tag_filters(filter(
                "k",
                &(0..21).map(|i| if i % 2 == 0 { "a" } else { "b" }).collect::<Vec<_>>(),
            )),
        ),
        (
            "a filter without a key",
            client
                .get_resources()
                .tag_filters(TagFilter::builder().values("v").build()),
        ),
        (
            "a malformed ARN",
            client.get_resources().resource_arn_list("not-an-arn"),
        ),
        (
            "an ARN of another partition",
            client
                .get_resources()
                .resource_arn_list("arn:aws-cn:proton:cn-north-1:123456789012:environment-template/t"),
        ),
        (
            "ExcludeCompliantResources without IncludeComplianceDetails",
            client.get_resources().exclude_compliant_resources(true),
        ),
        ("a malformed token", client.get_resources().pagination_token("%%% not a token")),
    ];
    for (what, request) in cases.drain(..) {
        let err = request.send().await.expect_err(what);
        assert_eq!(code(&err), "InvalidParameterException", "{what}: {err:?}");
        // The model's `Message` member reaches the SDK.
        assert_ne!(message(&err), "<none>", "{what}");
        assert!(
            err.as_service_error()
                .is_some_and(|e| e.is_invalid_parameter_exception()),
            "{what}"
        );
        assert_eq!(
            err.raw_response().map(|r| r.status().as_u16()),
            Some(400),
            "{what}"
        );
    }
    // 100 ARNs are fine.
    client
        .get_resources()
        .set_resource_arn_list(Some(arns[..100].to_vec()))
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_token_older_than_fifteen_minutes_has_expired() {
    let local = start();
    let proton = local.client();
    for name in ["a", "b"] {
        tagged_env_template(&proton, name, &[("k", "v")]).await;
    }
    let client = tagging(&local);
    let first = client
        .get_resources()
        .resources_per_page(1)
        .send()
        .await
        .unwrap();
    let token = first.pagination_token().unwrap().to_string();
    assert!(!token.is_empty());
    let r = local.admin_post("/_proton_local/clock", &json!({"advance_seconds": 16 * 60}));
    assert_eq!(r.status, 200);
    let err = client
        .get_resources()
        .resources_per_page(1)
        .pagination_token(token)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "PaginationTokenExpiredException", "{err:?}");
    assert!(err
        .as_service_error()
        .is_some_and(|e| e.is_pagination_token_expired_exception()));
}

#[tokio::test]
async fn get_resources_is_counted_and_takes_faults_by_name() {
    let local = start();
    let client = tagging(&local);
    local.admin_post("/_proton_local/reset-counters", &json!({}));
    client.get_resources().send().await.unwrap();
    client.get_resources().send().await.unwrap();
    let counters = local.admin_get("/_proton_local/counters");
    assert_eq!(counters["requests"]["GetResources"], 2);
    assert_eq!(counters["total_requests"], 2);
    assert_eq!(counters["writes"], 0);

    let r = local.admin_post(
        "/_proton_local/faults",
        &json!({"throttle_rate": 1.0, "operations": ["GetResources"]}),
    );
    assert_eq!(r.status, 200, "{}", r.body_text());
    let err = client.get_resources().send().await.unwrap_err();
    assert_eq!(code(&err), "ThrottledException", "{err:?}");
    assert!(err
        .as_service_error()
        .is_some_and(|e| e.is_throttled_exception()));
    let counters = local.admin_get("/_proton_local/counters");
    // The SDK retries a throttled call: 3 attempts, all counted.
    assert_eq!(counters["requests"]["GetResources"], 5);
    assert_eq!(counters["throttled"], 3);
    // Proton's operations are unaffected.
    local
        .client()
        .list_environment_templates()
        .send()
        .await
        .unwrap();

    local.admin_post(
        "/_proton_local/faults",
        &json!({"error_rate": 1.0, "operations": ["GetResources"]}),
    );
    let err = client.get_resources().send().await.unwrap_err();
    assert_eq!(code(&err), "InternalServiceException", "{err:?}");
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(500));
    local.admin_post("/_proton_local/faults", &json!({}));
    client.get_resources().send().await.unwrap();
}

#[tokio::test]
async fn signed_for_another_service_or_unknown_operations_are_refused() {
    let local = start();
    // Signed for `proton` (the harness signs as Proton) but aimed at the tagging API.
    let r = local.signed(
        Some("ResourceGroupsTaggingAPI_20170126.GetResources"),
        Some("application/x-amz-json-1.1"),
        b"{}",
    );
    assert_eq!(r.status, 403, "{}", r.body_text());
    assert_eq!(r.error_type(), "InvalidSignatureException");
    assert!(r.body_text().contains("'tagging'"), "{}", r.body_text());
    // Unsigned.
    let mut headers = axum::http::HeaderMap::new();
    headers.insert(
        "x-amz-target",
        "ResourceGroupsTaggingAPI_20170126.GetResources"
            .parse()
            .unwrap(),
    );
    headers.insert(
        "content-type",
        "application/x-amz-json-1.1".parse().unwrap(),
    );
    let r = local.raw("POST", "/", &headers, b"{}");
    assert_eq!(r.status, 403, "{}", r.body_text());
    assert_eq!(r.error_type(), "MissingAuthenticationTokenException");
    // A tagging operation proton-local does not implement.
    let err = tagging(&local)
        .tag_resources()
        .resource_arn_list(env_arn("t"))
        .tags("k", "v")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "UnknownOperationException", "{err:?}");
    let counters = local.admin_get("/_proton_local/counters");
    assert_eq!(counters["total_requests"], 3);
    assert!(counters["requests"].get("GetResources").is_none());
}

#[tokio::test]
async fn previously_tagged_survives_a_restart() {
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_str().unwrap().to_string();
    let args = [
        "--canned-bundles",
        "--data-dir",
        &data_dir,
        "--registration-delay",
        "0s",
    ];
    {
        let mut local = Local::start(&args);
        let proton = local.client();
        create_env_template(&proton, "was").await;
        tag(&proton, &env_arn("was"), &[("k", "v")]).await;
        untag(&proton, &env_arn("was"), &["k"]).await;
        create_env_template(&proton, "never").await;
        assert!(local.terminate().success());
    }
    let local = Local::start(&args);
    let out = tagging(&local)
        .get_resources()
        .resource_arn_list(env_arn("was"))
        .resource_arn_list(env_arn("never"))
        .send()
        .await
        .unwrap();
    let found = mappings(&out);
    assert_eq!(
        found.keys().cloned().collect::<Vec<_>>(),
        vec![env_arn("was")]
    );
    assert!(found[&env_arn("was")].is_empty());
}
