//! The provider's `ignore_tags` block under both real Terraform CLIs against
//! proton-local: tags added outside Terraform whose key is ignored (exactly or
//! by prefix) never show in `tags` / `tags_all`, never make a plan, and are
//! never removed; other out-of-band tags still do (the regression guard);
//! data sources and list resources leave them out too; an update without a
//! refresh does not remove one either; a configured tag that is also ignored
//! is set on create only, as terraform-provider-aws does; invalid settings
//! are plan-time errors on their lines.
#![allow(deprecated)]

use crate::support;

use std::collections::BTreeMap;

use aws_sdk_proton::types::Tag;
use serde_json::json;
use support::acc::Acc;
use support::hcl::{self, Resource};
use support::proton_local::Options;
use support::proton_local::TemplateKind::{Environment, Service};
use support::terraform::{flat, Cli};

const TEMPLATE: &str = "proton_environment_template.web";
const VERSION: &str = "proton_environment_template_version.v";
const IGNORE: &str =
    "  ignore_tags {\n    keys         = [\"owner\"]\n    key_prefixes = [\"ops:\"]\n  }\n";

/// Environment template `web` with `tags`.
fn template(tags: &str) -> Resource {
    hcl::resource("proton_environment_template", "web")
        .name("web")
        .extra(&format!("tags = {tags}"))
}

/// A version of the template resource `web`, from `s3://bundles/a.tar.gz`, with `tags`.
fn version(tags: &str) -> Resource {
    hcl::resource("proton_environment_template_version", "v")
        .template_of(TEMPLATE)
        .s3("bundles", "a.tar.gz")
        .extra(&format!("tags = {tags}"))
}

/// The template and its version, with their tags.
fn config(template_tags: &str, version_tags: &str) -> String {
    format!("{}{}", template(template_tags), version(version_tags))
}

/// An `Acc` with `provider_extra` in its provider block and the bundle `a.tar.gz`.
fn acc_with(cli: Cli, provider_extra: &str) -> Acc {
    let mut acc = Acc::new(cli);
    acc.provider_extra(provider_extra);
    acc.endpoint
        .write_bundle(Environment, "bundles", "a.tar.gz");
    acc
}

/// Tags `arn` through the SDK, as another tool would.
async fn tag_outside(acc: &Acc, arn: &str, tags: &[(&str, &str)]) {
    let tags = tags
        .iter()
        .map(|(key, value)| Tag::builder().key(*key).value(*value).build().unwrap())
        .collect();
    acc.endpoint
        .client
        .tag_resource()
        .resource_arn(arn)
        .set_tags(Some(tags))
        .send()
        .await
        .unwrap();
}

/// The tags Proton holds for `arn` (ListTagsForResource), without AWS's and the provider's own.
async fn remote_tags(acc: &Acc, arn: &str) -> BTreeMap<String, String> {
    let mut tags = acc.endpoint.tags(arn).await;
    tags.retain(|key, _| {
        !key.starts_with("aws:") && !key.starts_with("terraform-provider-proton:")
    });
    tags
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

async fn nothing_left(acc: &Acc) {
    acc.destroy();
    for kind in [Environment, Service] {
        let left = acc.endpoint.template_names(kind).await;
        assert!(left.is_empty(), "{kind:?} templates left: {left:?}");
    }
}

each_cli!(async ignored_tags_added_outside_make_no_plan_and_survive_updates);
async fn ignored_tags_added_outside_make_no_plan_and_survive_updates(cli: Cli) {
    let acc = acc_with(cli, IGNORE);
    acc.step(&config(
        r#"{ team = "a", tier = "1" }"#,
        r#"{ app = "web", tier = "1" }"#,
    ));
    let arns = [acc.attr(TEMPLATE, "arn"), acc.attr(VERSION, "arn")];
    // One ignored by key, one by prefix, on both objects.
    for arn in &arns {
        tag_outside(&acc, arn, &[("owner", "alice"), ("ops:cost-center", "42")]).await;
    }

    let plan = acc.plan();
    assert_eq!(
        plan.code, 0,
        "{cli}: ignored tags made a plan:\n{}\n{}",
        plan.stdout, plan.stderr
    );
    acc.refresh();
    for (address, own) in [
        (TEMPLATE, json!({"team": "a", "tier": "1"})),
        (VERSION, json!({"app": "web", "tier": "1"})),
    ] {
        let state = acc.attributes(address);
        assert_eq!(state["tags"], own, "{cli}: {address} tags");
        assert_eq!(state["tags_all"], own, "{cli}: {address} tags_all");
    }

    // Change one configured tag and remove another: the ignored ones stay.
    acc.step(&config(r#"{ team = "b" }"#, r#"{ app = "api" }"#));
    let ignored = [("owner", "alice"), ("ops:cost-center", "42")];
    let template_tags = remote_tags(&acc, &arns[0]).await;
    assert_eq!(
        template_tags,
        map(&[ignored[0], ignored[1], ("team", "b")]),
        "{cli}: template"
    );
    let version_tags = remote_tags(&acc, &arns[1]).await;
    assert_eq!(
        version_tags,
        map(&[ignored[0], ignored[1], ("app", "api")]),
        "{cli}: version"
    );
    assert_eq!(acc.attributes(TEMPLATE)["tags_all"], json!({"team": "b"}));
    assert_eq!(acc.attributes(VERSION)["tags_all"], json!({"app": "api"}));
    nothing_left(&acc).await;
}

each_cli!(async tags_added_outside_that_no_setting_ignores_are_planned_away);
async fn tags_added_outside_that_no_setting_ignores_are_planned_away(cli: Cli) {
    let acc = acc_with(cli, IGNORE);
    let config = config(r#"{ team = "a" }"#, r#"{ app = "web" }"#);
    acc.step(&config);
    let arn = acc.attr(TEMPLATE, "arn");
    // Matching is exact and case-sensitive, as terraform-provider-aws's:
    // neither key is ignored.
    tag_outside(&acc, &arn, &[("Owner", "alice"), ("ops-team", "x")]).await;

    let plan = acc.plan();
    assert_eq!(
        plan.code, 2,
        "{cli}: expected a plan:\n{}\n{}",
        plan.stdout, plan.stderr
    );
    let text = flat(&plan.stdout);
    assert!(
        text.contains("\"Owner\" = \"alice\" -> null") && text.contains("1 to change"),
        "{cli}: {text}"
    );
    acc.step(&config);
    assert_eq!(
        remote_tags(&acc, &arn).await,
        map(&[("team", "a")]),
        "{cli}"
    );
    nothing_left(&acc).await;
}

/// An endpoint (ignoring [`IGNORE`]) with the template `web` and a version of it, made and
/// tagged outside Terraform with two ignored tags and one other each (so no resource of a
/// configuration changes the tags that are read); returns it and the version's `MAJOR.MINOR`.
async fn tagged_outside(cli: Cli) -> (Acc, String) {
    let mut acc = Acc::with_options(
        cli,
        Options {
            registration_delay: Some("0s"),
            ..Options::default()
        },
    );
    acc.provider_extra(IGNORE);
    acc.endpoint
        .write_bundle(Environment, "bundles", "a.tar.gz");
    acc.endpoint.create_template(Environment, "web").await;
    let version = acc
        .endpoint
        .create_version_outside(Environment, "web", None, "a.tar.gz", "")
        .await;
    let got = acc.endpoint.client.get_environment_template().name("web");
    let template_arn = got.send().await.unwrap().environment_template.unwrap().arn;
    let version_arn = acc.endpoint.environment_version("web", &version).await.arn;
    let ignored = [("owner", "alice"), ("ops:cost-center", "42")];
    let template_tags = [ignored[0], ignored[1], ("team", "a")];
    tag_outside(&acc, &template_arn, &template_tags).await;
    let version_tags = [ignored[0], ignored[1], ("app", "web")];
    tag_outside(&acc, &version_arn, &version_tags).await;
    (acc, version)
}

each_cli!(async data_sources_leave_ignored_tags_out);
async fn data_sources_leave_ignored_tags_out(cli: Cli) {
    let (acc, version) = tagged_outside(cli).await;
    let (major, minor) = version.split_once('.').unwrap();
    acc.step(&format!(
        r#"
data "proton_environment_template" "web" {{
  name = "web"
}}

data "proton_environment_template_version" "v" {{
  template_name = "web"
  major_version = "{major}"
  minor_version = "{minor}"
}}
"#
    ));
    assert_eq!(
        acc.attributes("data.proton_environment_template.web")["tags"],
        json!({"team": "a"}),
        "{cli}"
    );
    assert_eq!(
        acc.attributes("data.proton_environment_template_version.v")["tags"],
        json!({"app": "web"}),
        "{cli}"
    );
}

each_cli!(async a_configured_tag_that_is_ignored_is_set_on_create_only_with_a_warning);
async fn a_configured_tag_that_is_ignored_is_set_on_create_only_with_a_warning(cli: Cli) {
    let default_tags = |value: &str| {
        format!("  default_tags {{\n    tags = {{ \"ops:owner\" = \"{value}\" }}\n  }}\n")
    };
    let mut acc = acc_with(cli, &format!("{IGNORE}{}", default_tags("platform")));
    acc.config(&template(r#"{ team = "a", owner = "bob" }"#).to_string());
    let created = acc.apply();
    created.assert_ok("apply");
    // Terraform prints warnings on stdout, or stderr with some versions and flags.
    let warned = flat(&format!("{}{}", created.stdout, created.stderr));
    assert!(
        warned.contains("Tag ignored by the provider") && warned.contains("\"owner\""),
        "{cli}: {warned}"
    );
    // On `tags` only: a default tag makes no difference to show.
    assert!(!warned.contains("\"ops:owner\" ="), "{cli}: {warned}");
    let arn = acc.attr(TEMPLATE, "arn");
    let first = map(&[("ops:owner", "platform"), ("owner", "bob"), ("team", "a")]);
    assert_eq!(
        remote_tags(&acc, &arn).await,
        first,
        "{cli}: a create sends every configured and default tag"
    );
    assert_eq!(acc.attributes(TEMPLATE)["tags_all"], json!({"team": "a"}));

    // Never updated afterwards; in `tags`, the change stays a change in every plan.
    acc.provider_extra(&format!("{IGNORE}{}", default_tags("core")));
    acc.config(&template(r#"{ team = "b", owner = "carol" }"#).to_string());
    acc.apply().assert_ok("apply");
    assert_eq!(
        remote_tags(&acc, &arn).await,
        map(&[("ops:owner", "platform"), ("owner", "bob"), ("team", "b")]),
        "{cli}: an update set an ignored tag"
    );
    assert_eq!(acc.plan().code, 2, "{cli}: the perpetual difference");
    nothing_left(&acc).await;
}

each_cli!(async a_tag_ignored_later_is_not_removed_even_without_a_refresh);
async fn a_tag_ignored_later_is_not_removed_even_without_a_refresh(cli: Cli) {
    let mut acc = acc_with(cli, "");
    acc.step(&template(r#"{ team = "a", owner = "bob" }"#).to_string());
    let arn = acc.attr(TEMPLATE, "arn");
    // Another system takes `owner` over: ignored, and out of the configuration.
    // Without a refresh the prior state still holds it, and the plan shows it
    // removed from `tags_all`; the update must leave it in Proton all the same.
    acc.provider_extra(IGNORE);
    acc.config(&template(r#"{ team = "b" }"#).to_string());
    acc.apply_with(&["-refresh=false"])
        .assert_ok("apply -refresh=false");
    assert_eq!(
        remote_tags(&acc, &arn).await,
        map(&[("owner", "bob"), ("team", "b")]),
        "{cli}: an update removed an ignored tag"
    );
    acc.assert_no_changes();
    assert_eq!(acc.attributes(TEMPLATE)["tags_all"], json!({"team": "b"}));
    nothing_left(&acc).await;
}

each_cli!(async invalid_ignore_tags_are_plan_time_errors_on_their_lines);
async fn invalid_ignore_tags_are_plan_time_errors_on_their_lines(cli: Cli) {
    let acc = acc_with(
        cli,
        "  ignore_tags {\n    keys         = [\"\"]\n    key_prefixes = [\"ok:\", \"\"]\n  }\n",
    );
    acc.config(&template(r#"{ team = "a" }"#).to_string());
    let run = acc.plan();
    assert_eq!(run.code, 1, "{cli}: {}", run.stdout);
    // Terraform quotes the configuration line of the attribute each error is on.
    assert!(
        run.stderr.contains("keys         = [\"\"]")
            && run.stderr.contains("key_prefixes = [\"ok:\", \"\"]")
            && run.stderr.contains("ignore_tags.key_prefixes"),
        "{cli}: {}",
        run.stderr
    );
    assert_eq!(acc.endpoint.total_requests(), 0, "{cli}");
}

/// The list resources' objects (`include_resource`), read as the resources
/// read. `terraform query` is Terraform 1.14 and later, so this runs on
/// 1.15.5 only; on 1.0.3 the same reads are the resources' refreshes above.
#[tokio::test(flavor = "multi_thread")]
async fn list_resource_objects_leave_ignored_tags_out() {
    let cli = Cli::V1_15_5;
    let (acc, _) = tagged_outside(cli).await;
    acc.config("");
    let query = r#"
list "proton_environment_template" "all" {
  provider         = proton
  include_resource = true
}

list "proton_environment_template_version" "all" {
  provider         = proton
  include_resource = true
}
"#;
    std::fs::write(acc.work.config_dir().join("query.tfquery.hcl"), query).unwrap();
    let found = acc.work.query_results();
    for (list, own) in [
        ("list.proton_environment_template.all", json!({"team": "a"})),
        (
            "list.proton_environment_template_version.all",
            json!({"app": "web"}),
        ),
    ] {
        let results = &found[list];
        assert_eq!(results.len(), 1, "{list}");
        let object = results[0].resource_object.as_ref().unwrap();
        assert_eq!(object["tags"], own, "{list}: {object}");
        assert_eq!(object["tags_all"], own, "{list}: {object}");
    }
}
