//! What a refresh, an import and a listing cost in API requests, under both
//! real Terraform CLIs against proton-local, and that the cheap paths still
//! see every change made outside Terraform.
//!
//! A refresh reads templates and versions from shared listings and their
//! tags from the Resource Groups Tagging API, many objects per request
//! (`proton::snapshot`); only an object whose listing disagrees with its
//! state is read on its own. An import reads its object once.
#![allow(deprecated)]

use crate::support;

use aws_sdk_proton::types::Tag;
use support::acc::Acc;
use support::proton_local::Options;
use support::proton_local::TemplateKind::Environment;
use support::terraform::{flat, Cli};

/// Versions in the configuration, all of template `web`'s major 1.
const VERSIONS: usize = 12;
/// Templates in the configuration.
const TEMPLATES: usize = 2;

/// Two templates (the first tagged) and [`VERSIONS`] versions of `web` (the
/// first four tagged), all registered at once.
fn configuration() -> String {
    format!(
        r#"
resource "proton_environment_template" "t" {{
  count = {TEMPLATES}
  name  = "t${{count.index}}"
  tags  = count.index == 0 ? {{ team = "platform" }} : null
}}

resource "proton_environment_template_version" "v" {{
  count         = {VERSIONS}
  template_name = "web"
  major_version = "1"
  description   = "version ${{count.index}}"
  tags          = count.index < 4 ? {{ n = "${{count.index}}" }} : null
  source {{
    s3 {{
      bucket = "bundles"
      key    = "web.tar.gz"
    }}
  }}
}}
"#
    )
}

/// A working directory whose endpoint registers versions at once, with the
/// template `web` and its bundle `s3://bundles/web.tar.gz`.
async fn with_web(cli: Cli) -> Acc {
    let acc = Acc::with_options(
        cli,
        Options {
            registration_delay: Some("0s"),
            ..Options::default()
        },
    );
    acc.endpoint.create_template(Environment, "web").await;
    acc.endpoint
        .write_bundle(Environment, "bundles", "web.tar.gz");
    acc
}

/// [`configuration`], applied.
async fn applied(cli: Cli) -> Acc {
    let acc = with_web(cli).await;
    acc.endpoint
        .write_bundle(Environment, "bundles", "web.tar.gz");
    acc.config(&configuration());
    acc.apply().assert_ok("apply");
    acc
}

fn refresh_only_plan(acc: &Acc) -> support::terraform::Run {
    acc.work.run(&[
        "plan",
        "-refresh-only",
        "-no-color",
        "-input=false",
        "-detailed-exitcode",
    ])
}

each_cli!(async a_refresh_reads_many_objects_per_request);
async fn a_refresh_reads_many_objects_per_request(cli: Cli) {
    let acc = applied(cli).await;
    acc.endpoint.reset_counters();
    let plan = refresh_only_plan(&acc);
    assert_eq!(plan.code, 0, "{}\n{}", plan.stdout, plan.stderr);
    let requests = acc.endpoint.requests();
    let objects = (VERSIONS + TEMPLATES) as u64;
    let total: u64 = requests.values().sum();
    assert!(
        total * 10 <= objects * 11,
        "{total} requests to refresh {objects} objects: {requests:?}"
    );
    for one_by_one in [
        "GetEnvironmentTemplateVersion",
        "GetEnvironmentTemplate",
        "ListTagsForResource",
    ] {
        assert_eq!(requests.get(one_by_one), None, "{requests:?}");
    }
}

each_cli!(async a_cheap_refresh_still_sees_every_change_made_outside);
async fn a_cheap_refresh_still_sees_every_change_made_outside(cli: Cli) {
    let acc = applied(cli).await;
    let client = acc.endpoint.client_in("us-east-1");
    let attr = |i: usize, name: &str| {
        acc.attr(&format!("proton_environment_template_version.v[{i}]"), name)
    };
    let arn = |i: usize| attr(i, "arn");
    let minor = |i: usize| attr(i, "minor_version");
    client
        .update_environment_template_version()
        .template_name("web")
        .major_version("1")
        .minor_version(minor(1))
        .description("changed outside")
        .send()
        .await
        .unwrap();
    acc.endpoint
        .publish_outside(Environment, "web", &format!("1.{}", minor(2)))
        .await;
    let tag = Tag::builder().key("owner").value("ops").build().unwrap();
    client
        .tag_resource()
        .resource_arn(arn(3))
        .tags(tag.clone())
        .send()
        .await
        .unwrap();
    client
        .tag_resource()
        .resource_arn(arn(5))
        .tags(tag)
        .send()
        .await
        .unwrap();
    client
        .untag_resource()
        .resource_arn(arn(0))
        .tag_keys("n")
        .send()
        .await
        .unwrap();
    client
        .update_environment_template()
        .name("t1")
        .description("template changed outside")
        .send()
        .await
        .unwrap();
    acc.endpoint
        .delete_environment_version("web", &format!("1.{}", minor(7)))
        .await;

    acc.refresh();
    let version = |i: usize| acc.attributes(&format!("proton_environment_template_version.v[{i}]"));
    assert_eq!(version(1)["description"], "changed outside");
    assert_eq!(version(2)["status"], "PUBLISHED");
    assert_eq!(
        version(3)["tags"],
        serde_json::json!({"n": "3", "owner": "ops"})
    );
    assert_eq!(version(5)["tags_all"], serde_json::json!({"owner": "ops"}));
    assert_eq!(version(0)["tags_all"], serde_json::json!({}));
    assert_eq!(version(4)["description"], "version 4");
    assert_eq!(
        acc.attributes("proton_environment_template.t[1]")["description"],
        "template changed outside"
    );
    let list = acc.work.run(&["state", "list", "-no-color"]);
    list.assert_ok("state list");
    assert!(
        !list
            .stdout
            .contains("proton_environment_template_version.v[7]"),
        "{}",
        list.stdout
    );
    assert_eq!(
        list.stdout.lines().count(),
        VERSIONS + TEMPLATES - 1,
        "{}",
        list.stdout
    );
}

each_cli!(async an_import_reads_its_object_once);
async fn an_import_reads_its_object_once(cli: Cli) {
    let acc = with_web(cli).await;
    acc.endpoint
        .create_version_outside(Environment, "web", None, "web.tar.gz", "")
        .await;
    acc.config(
        r#"
resource "proton_environment_template_version" "v" {
  template_name = "web"
  major_version = "1"
}
"#,
    );
    acc.endpoint.reset_counters();
    let import = acc.work.run(&[
        "import",
        "-no-color",
        "-input=false",
        "proton_environment_template_version.v",
        "web:1.0",
    ]);
    import.assert_ok("import");
    assert!(
        flat(&import.stdout).contains("Import successful"),
        "{}",
        import.stdout
    );
    let requests = acc.endpoint.requests();
    assert_eq!(
        requests.get("GetEnvironmentTemplateVersion"),
        Some(&1),
        "{requests:?}"
    );
    assert!(
        requests.get("ListTagsForResource") <= Some(&1),
        "{requests:?}"
    );
    acc.assert_no_changes();
}

each_cli!(async without_tag_getresources_each_object_reads_its_own_tags);
async fn without_tag_getresources_each_object_reads_its_own_tags(cli: Cli) {
    let acc = applied(cli).await;
    let arn = acc.attr("proton_environment_template_version.v[6]", "arn");
    let tag = Tag::builder().key("owner").value("ops").build().unwrap();
    acc.endpoint
        .client_in("us-east-1")
        .tag_resource()
        .resource_arn(arn)
        .tags(tag)
        .send()
        .await
        .unwrap();
    // The caller's IAM policy lacks `tag:GetResources`.
    acc.endpoint
        .set_faults(r#"{"deny_rate": 1.0, "operations": ["GetResources"]}"#);
    acc.endpoint.reset_counters();
    let plan = refresh_only_plan(&acc);
    assert_eq!(plan.code, 2, "{}\n{}", plan.stdout, plan.stderr);
    assert!(
        flat(&plan.stdout).contains("\"owner\" = \"ops\""),
        "{}",
        plan.stdout
    );
    let requests = acc.endpoint.requests();
    let objects = (VERSIONS + TEMPLATES) as u64;
    // Denied once (or once per group that asked before the first answer), then not again.
    assert!(requests["GetResources"] <= 2, "{requests:?}");
    assert_eq!(
        requests.get("ListTagsForResource"),
        Some(&objects),
        "{requests:?}"
    );
    assert_eq!(
        requests.get("GetEnvironmentTemplateVersion"),
        None,
        "{requests:?}"
    );
}
