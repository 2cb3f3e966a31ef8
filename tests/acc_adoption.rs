//! Adopting objects created outside the provider (through the AWS SDK, as
//! one adopts an account) with Terraform 1.15.5's workflow: `terraform
//! query` over the list resources, `-generate-config-out`, imports by
//! identity, and plans that come out empty. Resource identity in state after
//! create, refresh and import, and for states written by Terraform 1.0.3.
//! Terraform 1.0.3 has none of this; its own import paths are covered by
//! `acc_import_blocks` and `acc_templates`, unchanged.
#![allow(deprecated)]

use crate::support;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value as Json;
use support::acc::Acc;
use support::hcl;
use support::proton_local::TemplateKind::{self, Environment, Service};
use support::proton_local::{Options, ProtonLocal};
use support::terraform::{flat, Cli, Found, Workdir};

const CLI: Cli = Cli::V1_15_5;

/// An endpoint that registers at once, so versions made through the SDK are
/// ready when created.
fn acc() -> Acc {
    Acc::with_options(
        CLI,
        Options {
            registration_delay: Some("0s"),
            ..Options::default()
        },
    )
}

/// What the SDK made: two templates of each kind, versions in several majors
/// and minors, some published. Returns `TEMPLATE:MAJOR.MINOR` by kind.
async fn outside_objects(acc: &Acc) -> (Vec<String>, Vec<String>) {
    let local = &acc.endpoint;
    local.write_bundle(Environment, "bundles", "env.tar.gz");
    local.write_bundle(Service, "bundles", "svc.tar.gz");
    let env_plan = [("env-a", &["new", "1", "new"][..]), ("env-b", &["new"][..])];
    let env = templates_with_versions(local, Environment, env_plan, "env.tar.gz").await;
    local.publish_outside(Environment, "env-a", "1.0").await;
    let svc_plan = [("svc-a", &["new", "1"][..]), ("svc-b", &["new", "new"][..])];
    let svc = templates_with_versions(local, Service, svc_plan, "svc.tar.gz").await;
    local.publish_outside(Service, "svc-a", "1.1").await;
    (env, svc)
}

/// Creates each `kind` template of `plan` with its versions from
/// `s3://bundles/KEY`, one a major: `new` for a new major, else a minor of
/// that major (service versions list `env-a`'s major 1). Returns
/// `TEMPLATE:MAJOR.MINOR` of each.
async fn templates_with_versions(
    local: &ProtonLocal,
    kind: TemplateKind,
    plan: [(&str, &[&str]); 2],
    key: &str,
) -> Vec<String> {
    let mut made = Vec::new();
    for (name, majors) in plan {
        local.create_template(kind, name).await;
        for major in majors {
            let major = (*major != "new").then_some(*major);
            let version = local
                .create_version_outside(kind, name, major, key, "env-a")
                .await;
            made.push(format!("{name}:{version}"));
        }
    }
    made
}

/// Writes `query.tfquery.hcl` next to the provider block.
fn write_query(acc: &Acc, body: &str) {
    acc.config("");
    std::fs::write(acc.work.config_dir().join("query.tfquery.hcl"), body).unwrap();
}

fn display_names(results: &[Found]) -> BTreeSet<String> {
    results.iter().map(|r| r.display_name.clone()).collect()
}

fn writes(requests: &BTreeMap<String, u64>) -> Vec<&String> {
    requests
        .keys()
        .filter(|op| op.starts_with("Create") || op.starts_with("Delete"))
        .collect()
}

/// Every resource in state with its identity, from `show -json`.
fn identities(work: &Workdir) -> BTreeMap<String, Json> {
    let show = work.run(&["show", "-json", "-no-color"]);
    show.assert_ok("show");
    let state: Json = serde_json::from_str(&show.stdout).unwrap();
    state["values"]["root_module"]["resources"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|r| {
            (
                r["address"].as_str().unwrap().to_string(),
                r["identity"].clone(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn query_lists_what_exists_with_filters_limits_and_objects() {
    let acc = acc();
    let (env, svc) = outside_objects(&acc).await;
    write_query(
        &acc,
        r#"
list "proton_environment_template" "all" {
  provider = proton
}

list "proton_environment_template_version" "of_a" {
  provider = proton
  config {
    template_name = "env-a"
  }
}

list "proton_environment_template_version" "published" {
  provider = proton
  config {
    status = "PUBLISHED"
  }
}

list "proton_service_template_version" "two" {
  provider = proton
  limit    = 2
}

list "proton_service_template" "a_with_object" {
  provider         = proton
  include_resource = true
  config {
    name_prefix = "svc-a"
  }
}
"#,
    );
    let found = acc.work.query_results();

    let all = &found["list.proton_environment_template.all"];
    assert_eq!(
        display_names(all),
        BTreeSet::from(["env-a".into(), "env-b".into()])
    );
    let identity = &all[0].identity;
    assert_eq!(identity["region"], "us-east-1", "{identity}");
    assert!(
        identity["account_id"]
            .as_str()
            .is_some_and(|a| a.len() == 12),
        "{identity}"
    );
    assert!(
        all[0].resource_object.as_ref().is_none_or(Json::is_null),
        "no object unless asked"
    );

    let of_a = display_names(&found["list.proton_environment_template_version.of_a"]);
    let expected: BTreeSet<String> = env
        .iter()
        .filter(|v| v.starts_with("env-a:"))
        .map(|v| {
            let status = if v == "env-a:1.0" {
                "PUBLISHED"
            } else {
                "DRAFT"
            };
            format!("{v} ({status})")
        })
        .collect();
    assert_eq!(of_a, expected, "every major and minor of env-a");
    assert_eq!(of_a.len(), 3);

    let published = display_names(&found["list.proton_environment_template_version.published"]);
    assert_eq!(
        published,
        BTreeSet::from(["env-a:1.0 (PUBLISHED)".to_string()])
    );

    let two = &found["list.proton_service_template_version.two"];
    assert_eq!(two.len(), 2, "limit = 2 of {} versions", svc.len());
    let version_identity = &two[0].identity;
    for attribute in [
        "template_name",
        "major_version",
        "minor_version",
        "account_id",
        "region",
    ] {
        assert!(
            version_identity[attribute].is_string(),
            "{attribute}: {version_identity}"
        );
    }

    let with_object = &found["list.proton_service_template.a_with_object"];
    assert_eq!(
        display_names(with_object),
        BTreeSet::from(["svc-a".to_string()])
    );
    let object = with_object[0].resource_object.as_ref().unwrap();
    assert_eq!(object["name"], "svc-a", "{object}");
    assert_eq!(
        object["pipeline_provisioning"], "CUSTOMER_MANAGED",
        "{object}"
    );
    assert!(object["arn"]
        .as_str()
        .is_some_and(|arn| arn.ends_with(":service-template/svc-a")));
}

/// Every `name = value` line of a generated file, trimmed.
fn settings(generated: &str) -> Vec<(String, String)> {
    generated
        .lines()
        .filter_map(|line| line.split_once(" = "))
        .map(|(name, value)| (name.trim().to_string(), value.trim().to_string()))
        .collect()
}

/// The latest minor of each major of every template `outside_objects` made.
async fn latest(acc: &Acc) -> Vec<String> {
    let mut versions = Vec::new();
    for (kind, name) in [
        (Environment, "env-a"),
        (Environment, "env-b"),
        (Service, "svc-a"),
        (Service, "svc-b"),
    ] {
        versions.extend(acc.endpoint.versions(kind, name).await);
    }
    versions
}

#[tokio::test(flavor = "multi_thread")]
async fn generated_configuration_adopts_an_account_and_plans_clean() {
    let acc = acc();
    let (env, svc) = outside_objects(&acc).await;
    let before = latest(&acc).await;
    write_query(
        &acc,
        r#"
list "proton_environment_template" "env" {
  provider         = proton
  include_resource = true
}

list "proton_environment_template_version" "env" {
  provider         = proton
  include_resource = true
}

list "proton_service_template" "svc" {
  provider         = proton
  include_resource = true
}

list "proton_service_template_version" "svc" {
  provider         = proton
  include_resource = true
}
"#,
    );
    let run = acc
        .work
        .run(&["query", "-no-color", "-generate-config-out=generated.tf"]);
    run.assert_ok("query -generate-config-out");
    let generated = std::fs::read_to_string(acc.work.config_dir().join("generated.tf")).unwrap();
    let objects = 4 + env.len() + svc.len();
    assert_eq!(
        generated.matches("\nimport {").count(),
        objects,
        "{generated}"
    );
    assert_eq!(
        generated.matches("identity = {").count(),
        objects,
        "{generated}"
    );
    // Outside versions have no recorded bundle, and none is needed.
    assert!(!generated.contains("source {"), "{generated}");
    // Computed values and defaults are not written.
    let set = settings(&generated);
    for absent in [
        "arn",
        "created_at",
        "id",
        "tags_all",
        "recommended_minor_version",
        "schema",
    ] {
        assert!(
            !set.iter().any(|(name, _)| name == absent),
            "{absent} in:\n{generated}"
        );
    }
    let statuses: Vec<_> = set.iter().filter(|(name, _)| name == "status").collect();
    assert_eq!(
        statuses.len(),
        2,
        "only the published versions say so:\n{generated}"
    );
    assert!(
        statuses.iter().all(|(_, value)| value == "\"PUBLISHED\""),
        "{statuses:?}"
    );

    // Terraform reads the query file only for `query`: apply the generated file.
    std::fs::remove_file(acc.work.config_dir().join("query.tfquery.hcl")).unwrap();
    acc.endpoint.reset_counters();
    let apply = acc.apply();
    apply.assert_ok("apply of the generated configuration");
    let summary = flat(&apply.stdout);
    assert!(
        summary.contains(&format!(
            "Apply complete! Resources: {objects} imported, 0 added, 0 changed, 0 destroyed"
        )),
        "{summary}"
    );
    let made = acc.endpoint.requests();
    assert!(
        writes(&made).is_empty(),
        "the adoption created or deleted: {made:?}"
    );
    acc.assert_no_changes();

    // Nothing moved in Proton.
    assert_eq!(latest(&acc).await, before);
    let identities = identities(&acc.work);
    assert_eq!(identities.len(), objects);
    assert!(identities
        .values()
        .all(|identity| identity["account_id"].is_string()));
}

/// The account of the environment template `name`, from its ARN.
async fn account_of(acc: &Acc, name: &str) -> String {
    let got = acc
        .endpoint
        .client
        .get_environment_template()
        .name(name)
        .send()
        .await
        .unwrap();
    got.environment_template()
        .unwrap()
        .arn()
        .split(':')
        .nth(4)
        .unwrap()
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn each_type_imports_by_identity_with_and_without_the_optional_parts() {
    let acc = acc();
    outside_objects(&acc).await;
    let account = account_of(&acc, "env-a").await;
    let resources = format!(
        "{}{}{}{}",
        hcl::resource("proton_environment_template", "a").name("env-a"),
        hcl::resource("proton_environment_template_version", "a")
            .template("env-a")
            .major("1")
            .status("PUBLISHED"),
        hcl::resource("proton_service_template", "a")
            .name("svc-a")
            .string("pipeline_provisioning", "CUSTOMER_MANAGED"),
        hcl::resource("proton_service_template_version", "a")
            .template("svc-a")
            .major("1")
            .compatible("env-a", "1"),
    );
    let imports = format!(
        r#"
import {{
  to       = proton_environment_template.a
  identity = {{ name = "env-a" }}
}}

import {{
  to       = proton_environment_template_version.a
  identity = {{
    account_id    = "{account}"
    region        = "us-east-1"
    template_name = "env-a"
    major_version = "1"
    minor_version = "0"
  }}
}}

import {{
  to       = proton_service_template.a
  identity = {{ name = "svc-a", region = "us-east-1" }}
}}

import {{
  to       = proton_service_template_version.a
  identity = {{ template_name = "svc-a", major_version = "1", minor_version = "0" }}
}}
"#
    );
    acc.config(&format!("{resources}{imports}"));
    acc.endpoint.reset_counters();
    let apply = acc.apply();
    apply.assert_ok("apply with identity imports");
    assert!(
        flat(&apply.stdout).contains("Resources: 4 imported, 0 added, 0 changed, 0 destroyed"),
        "{}",
        apply.stdout
    );
    assert!(writes(&acc.endpoint.requests()).is_empty());
    acc.assert_no_changes();
    let identities = identities(&acc.work);
    for (address, identity) in &identities {
        assert_eq!(
            identity["account_id"],
            account.as_str(),
            "{address}: {identity}"
        );
        assert_eq!(identity["region"], "us-east-1", "{address}: {identity}");
    }
    assert_eq!(
        identities["proton_service_template_version.a"]["minor_version"],
        "0"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_identity_from_another_account_is_refused_naming_both() {
    let acc = acc();
    acc.endpoint.create_template(Environment, "env-a").await;
    let account = account_of(&acc, "env-a").await;
    acc.config(&format!(
        r#"{}
import {{
  to       = proton_environment_template.a
  identity = {{ name = "env-a", account_id = "999999999999" }}
}}
"#,
        hcl::resource("proton_environment_template", "a").name("env-a"),
    ));
    let refused = acc.plan();
    assert_eq!(refused.code, 1, "{}", refused.stdout);
    let message = flat(&refused.stderr);
    assert!(
        message.contains("Cannot import from another account"),
        "{message}"
    );
    assert!(
        message.contains("999999999999") && message.contains(&account),
        "{message}"
    );
}

/// A template and a version of it made by the provider (bundle `s3://bundles/a.tar.gz`).
fn web_version() -> String {
    format!(
        "{}{}",
        hcl::resource("proton_environment_template", "web").name("web"),
        hcl::resource("proton_environment_template_version", "v")
            .template_of("proton_environment_template.web")
            .s3("bundles", "a.tar.gz"),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn identity_is_in_state_after_create_refresh_and_import() {
    let acc = acc();
    acc.endpoint
        .write_bundle(Environment, "bundles", "a.tar.gz");
    acc.step(&web_version());
    let expected = |identities: &BTreeMap<String, Json>| {
        assert_eq!(identities["proton_environment_template.web"]["name"], "web");
        let version = &identities["proton_environment_template_version.v"];
        assert_eq!(version["template_name"], "web", "{version}");
        assert_eq!(version["major_version"], "1", "{version}");
        assert_eq!(version["minor_version"], "0", "{version}");
        assert!(
            version["account_id"].is_string() && version["region"] == "us-east-1",
            "{version}"
        );
    };
    expected(&identities(&acc.work));

    acc.work
        .run(&["apply", "-refresh-only", "-auto-approve", "-no-color"])
        .assert_ok("refresh");
    expected(&identities(&acc.work));

    acc.work
        .run(&[
            "state",
            "rm",
            "proton_environment_template.web",
            "proton_environment_template_version.v",
        ])
        .assert_ok("state rm");
    for (address, id) in [
        ("proton_environment_template.web", "web"),
        ("proton_environment_template_version.v", "web:1.0"),
    ] {
        acc.work
            .run(&["import", "-no-color", "-input=false", address, id])
            .assert_ok("import");
    }
    expected(&identities(&acc.work));
    acc.assert_no_changes();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_state_written_by_terraform_1_0_3_gains_identity_with_an_empty_plan() {
    let old = Acc::new(Cli::V1_0_3);
    old.endpoint
        .write_bundle(Environment, "bundles", "a.tar.gz");
    old.step(&web_version());
    let state = std::fs::read_to_string(old.work.config_dir().join("terraform.tfstate")).unwrap();
    assert!(
        !state.contains("\"identity\""),
        "1.0.3 writes no identity:\n{state}"
    );

    let new = Workdir::new(CLI);
    new.write_config(&format!(
        "{}\n{}",
        old.endpoint.provider_block(""),
        web_version()
    ));
    new.init();
    std::fs::write(new.config_dir().join("terraform.tfstate"), state).unwrap();
    let plan = new.run(&["plan", "-no-color", "-input=false", "-detailed-exitcode"]);
    assert_eq!(
        plan.code, 0,
        "1.15.5 plans no change on a 1.0.3 state:\n{}\n{}",
        plan.stdout, plan.stderr
    );
    new.run(&["apply", "-auto-approve", "-no-color", "-input=false"])
        .assert_ok("apply (nothing to do)");
    let identities = identities(&new);
    assert_eq!(identities["proton_environment_template.web"]["name"], "web");
    assert_eq!(
        identities["proton_environment_template_version.v"]["minor_version"],
        "0"
    );
    let plan = new.run(&["plan", "-no-color", "-input=false", "-detailed-exitcode"]);
    assert_eq!(plan.code, 0, "{}\n{}", plan.stdout, plan.stderr);
}

each_cli!(a_new_version_without_a_source_is_refused_at_plan_time);
fn a_new_version_without_a_source_is_refused_at_plan_time(cli: Cli) {
    let acc = Acc::new(cli);
    acc.config(&format!(
        "{}{}",
        hcl::resource("proton_environment_template", "web").name("web"),
        hcl::resource("proton_environment_template_version", "v")
            .template_of("proton_environment_template.web"),
    ));
    acc.endpoint.reset_counters();
    let plan = acc.plan();
    assert_eq!(plan.code, 1, "{cli}: {}", plan.stdout);
    let message = flat(&plan.stderr);
    assert!(message.contains("Missing source block"), "{cli}: {message}");
    assert!(
        message.contains("source {"),
        "{cli}: the fix is named: {message}"
    );
    assert!(
        writes(&acc.endpoint.requests()).is_empty(),
        "{cli}: no API write at plan time"
    );
}

const ADOPTED: &str = "proton_environment_template_version.v";

/// Version 1 of `web`, without a source.
fn adopted_version() -> hcl::Resource {
    hcl::resource("proton_environment_template_version", "v")
        .template("web")
        .major("1")
}

/// `web:1.0`, made outside Terraform, adopted without a source; then the
/// source `s3://bundles/env.tar.gz` added to its configuration, which is
/// recorded in place. Returns the version's ARN.
async fn adopted_then_given_a_source(acc: &Acc) -> String {
    let local = &acc.endpoint;
    local.write_bundle(Environment, "bundles", "env.tar.gz");
    local.write_bundle(Environment, "bundles", "other.tar.gz");
    local.create_template(Environment, "web").await;
    local
        .create_version_outside(Environment, "web", None, "env.tar.gz", "")
        .await;
    let import =
        "\nimport {\n  to = proton_environment_template_version.v\n  id = \"web:1.0\"\n}\n";
    acc.step(&format!("{}{import}", adopted_version()));
    let arn = acc.attr(ADOPTED, "arn");
    assert_eq!(
        acc.endpoint.source_tag(&arn).await,
        None,
        "adopted without a source"
    );

    // Adding the source records it in place.
    let sourced = adopted_version().s3("bundles", "env.tar.gz").to_string();
    acc.config(&sourced);
    let plan = acc.plan();
    assert_eq!(plan.code, 2, "{}", plan.stdout);
    assert!(
        flat(&plan.stdout).contains("1 to change, 0 to destroy"),
        "{}",
        plan.stdout
    );
    acc.step(&sourced);
    assert_eq!(acc.attr(ADOPTED, "arn"), arn, "same version");
    assert_eq!(
        acc.endpoint.source_tag(&arn).await.as_deref(),
        Some("s3://bundles/env.tar.gz")
    );
    arn
}

#[tokio::test(flavor = "multi_thread")]
async fn an_adopted_version_records_a_source_added_later_and_replaces_only_on_a_change() {
    let acc = acc();
    adopted_then_given_a_source(&acc).await;

    // Another bundle is another version.
    acc.config(&adopted_version().s3("bundles", "other.tar.gz").to_string());
    let plan = acc.plan();
    assert!(
        flat(&plan.stdout).contains("must be replaced"),
        "{}",
        plan.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn removing_an_adopted_versions_source_forgets_it_in_place() {
    let acc = acc();
    let arn = adopted_then_given_a_source(&acc).await;

    acc.config(&adopted_version().to_string());
    let plan = acc.plan();
    assert!(
        flat(&plan.stdout).contains("1 to change, 0 to destroy"),
        "{}",
        plan.stdout
    );
    acc.step(&adopted_version().to_string());
    assert_eq!(acc.attr(ADOPTED, "arn"), arn);
    assert_eq!(
        acc.endpoint.source_tag(&arn).await.as_deref(),
        Some(""),
        "still the provider's, location forgotten"
    );
}
