//! Destroy and replacement converge in Terraform's order, under both real
//! Terraform CLIs against proton-local: Proton deletes a template's
//! recommended version last, Terraform destroys dependents first, and the
//! provider reconciles the two (src/proton/delete.rs). Every scenario ends by
//! checking through the API that nothing is left, and version deletes get a
//! short `timeouts.delete`, so a delete that waits instead of converging
//! fails the test quickly instead of after five minutes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(deprecated)]

mod support;

use std::time::Instant;

use support::acc::Acc;
use support::hcl::{published_version, SHORT_DELETE};
use support::terraform::{flat, Cli};

const ENV: &str = "proton_environment_template_version";
const SVC: &str = "proton_service_template_version";

/// A version resource of type `ty`; `template` is an HCL expression.
fn version(ty: &str, label: &str, template: &str, key: &str, extra: &str) -> String {
    let extra = format!("{SHORT_DELETE}\n{extra}");
    published_version(ty, label, template, ("bundles", key), &extra)
}

fn same_major_as(ty: &str, label: &str) -> String {
    format!("  major_version = {ty}.{label}.major_version")
}

fn compatible_with(env_label: &str) -> String {
    format!(
        "  compatible_environment_template {{\n    template_name = {ENV}.{env_label}.template_name\n    major_version = {ENV}.{env_label}.major_version\n  }}"
    )
}

fn sorted(mut versions: Vec<String>) -> Vec<String> {
    versions.sort_by_key(|v| {
        let (major, minor) = v.split_once('.').unwrap();
        (major.parse::<u64>().unwrap(), minor.parse::<u64>().unwrap())
    });
    versions
}

async fn template_count(acc: &Acc) -> usize {
    let client = &acc.endpoint.client;
    let env = client.list_environment_templates().send().await.unwrap();
    let svc = client.list_service_templates().send().await.unwrap();
    env.templates().len() + svc.templates().len()
}

fn bundles(acc: &Acc, env: &[&str], svc: &[&str]) {
    for key in env {
        acc.endpoint.write_environment_bundle("bundles", key, true);
    }
    for key in svc {
        acc.endpoint.write_service_bundle("bundles", key);
    }
}

fn destroy_run(acc: &Acc, extra: &[&str]) -> support::terraform::Run {
    let mut args = vec!["destroy", "-auto-approve", "-no-color", "-input=false"];
    args.extend_from_slice(extra);
    acc.work.run(&args)
}

each_cli!(async published_minors_that_depend_on_each_other_destroy_in_terraforms_order);
async fn published_minors_that_depend_on_each_other_destroy_in_terraforms_order(cli: Cli) {
    let acc = Acc::new(cli);
    bundles(
        &acc,
        &["e1.tar.gz", "e2.tar.gz"],
        &["s1.tar.gz", "s2.tar.gz"],
    );
    // The documented pattern: the second minor takes its major from the
    // first, so Terraform destroys it (the recommended one) first.
    let body = format!(
        r#"
resource "proton_environment_template" "web" {{
  name = "web"
}}
resource "proton_service_template" "api" {{
  name                  = "api"
  pipeline_provisioning = "CUSTOMER_MANAGED"
}}
{}{}{}{}"#,
        version(
            ENV,
            "first",
            "proton_environment_template.web.name",
            "e1.tar.gz",
            ""
        ),
        version(
            ENV,
            "second",
            "proton_environment_template.web.name",
            "e2.tar.gz",
            &same_major_as(ENV, "first")
        ),
        version(
            SVC,
            "first",
            "proton_service_template.api.name",
            "s1.tar.gz",
            &compatible_with("first")
        ),
        version(
            SVC,
            "second",
            "proton_service_template.api.name",
            "s2.tar.gz",
            &format!(
                "{}\n{}",
                same_major_as(SVC, "first"),
                compatible_with("first")
            ),
        ),
    );
    acc.step(&body);
    assert_eq!(acc.attr(&format!("{ENV}.second"), "id"), "web:1.1");
    assert_eq!(acc.attr(&format!("{SVC}.second"), "id"), "api:1.1");

    let start = Instant::now();
    let run = destroy_run(&acc, &[]);
    eprintln!(
        "FIGURE {cli}: destroy of 2 templates and 4 published versions converged in {:?}",
        start.elapsed()
    );
    run.assert_ok("destroy");
    assert!(run.stdout.contains("6 destroyed"), "{}", run.stdout);
    assert_eq!(
        template_count(&acc).await,
        0,
        "templates (and so versions) left"
    );
}

/// Template `web` (made outside Terraform) with the published `first` (1.0) and `second`
/// (1.1, the recommended minor, taking its major from `first`) applied.
async fn two_published_minors(cli: Cli) -> Acc {
    let acc = Acc::new(cli);
    acc.endpoint.create_environment_template("web").await;
    bundles(&acc, &["e1.tar.gz", "e2.tar.gz"], &[]);
    acc.step(&format!(
        "{}{}",
        version(ENV, "first", "\"web\"", "e1.tar.gz", ""),
        version(
            ENV,
            "second",
            "\"web\"",
            "e2.tar.gz",
            &same_major_as(ENV, "first")
        ),
    ));
    acc
}

each_cli!(async destroying_only_the_recommended_minor_defers_it_until_the_rest_goes);
async fn destroying_only_the_recommended_minor_defers_it_until_the_rest_goes(cli: Cli) {
    let acc = two_published_minors(cli).await;
    let second_arn = acc.attr(&format!("{ENV}.second"), "arn");

    // Proton cannot delete 1.1 while 1.0 exists: the destroy succeeds, the
    // version is tagged for deletion and stays until 1.0 goes.
    let start = Instant::now();
    destroy_run(&acc, &[&format!("-target={ENV}.second")]).assert_ok("destroy -target");
    eprintln!(
        "FIGURE {cli}: destroy -target of the recommended minor took {:?}",
        start.elapsed()
    );
    let state = acc.work.run(&["state", "list"]);
    assert_eq!(state.stdout.trim(), format!("{ENV}.first"));
    assert_eq!(
        sorted(acc.endpoint.environment_versions("web").await),
        ["1.0", "1.1"]
    );
    assert!(acc
        .endpoint
        .tags(&second_arn)
        .await
        .contains_key("terraform-provider-proton:deferred-delete"));

    // A later run, in another provider process, finishes it.
    let start = Instant::now();
    destroy_run(&acc, &[]).assert_ok("destroy");
    eprintln!(
        "FIGURE {cli}: the later destroy converged in {:?}",
        start.elapsed()
    );
    assert!(acc.endpoint.environment_versions("web").await.is_empty());
}

each_cli!(async replacing_the_recommended_minor_converges);
async fn replacing_the_recommended_minor_converges(cli: Cli) {
    let acc = two_published_minors(cli).await;

    // Terraform's default replacement deletes the recommended 1.1 first;
    // Proton deletes it once its successor 1.2 is published.
    let start = Instant::now();
    acc.apply_with(&[&format!("-replace={ENV}.second")])
        .assert_ok("apply -replace");
    eprintln!(
        "FIGURE {cli}: -replace of the recommended minor converged in {:?}",
        start.elapsed()
    );
    acc.assert_no_changes();
    assert_eq!(acc.attr(&format!("{ENV}.second"), "id"), "web:1.2");
    assert_eq!(
        sorted(acc.endpoint.environment_versions("web").await),
        ["1.0", "1.2"]
    );

    acc.destroy();
    assert!(acc.endpoint.environment_versions("web").await.is_empty());
}

each_cli!(async a_new_bundle_for_an_environment_version_a_service_version_lists);
async fn a_new_bundle_for_an_environment_version_a_service_version_lists(cli: Cli) {
    let acc = Acc::new(cli);
    acc.endpoint.create_environment_template("net").await;
    acc.endpoint.create_service_template("api").await;
    bundles(&acc, &["net-1.tar.gz", "net-2.tar.gz"], &["api.tar.gz"]);
    let body = |net_key: &str| {
        format!(
            "{}{}",
            version(ENV, "net", "\"net\"", net_key, ""),
            version(SVC, "api", "\"api\"", "api.tar.gz", &compatible_with("net")),
        )
    };
    acc.step(&body("net-1.tar.gz"));
    assert_eq!(acc.attr(&format!("{ENV}.net"), "id"), "net:1.0");

    // The new bundle is major 2; Proton keeps major 1 while the service
    // version lists it, which the same apply then moves to major 2.
    let start = Instant::now();
    acc.step(&body("net-2.tar.gz"));
    eprintln!("FIGURE {cli}: new environment bundle under a service version converged (apply + plan) in {:?}", start.elapsed());
    assert_eq!(acc.attr(&format!("{ENV}.net"), "id"), "net:2.0");
    let compatible = &acc.attributes(&format!("{SVC}.api"))["compatible_environment_template"];
    assert_eq!(compatible[0]["major_version"], "2");
    assert_eq!(acc.endpoint.environment_versions("net").await, ["2.0"]);

    acc.destroy();
    assert!(acc.endpoint.environment_versions("net").await.is_empty());
    assert!(acc.endpoint.service_versions("api").await.is_empty());
}

each_cli!(async thirty_two_published_versions_in_four_majors_destroy_completely);
async fn thirty_two_published_versions_in_four_majors_destroy_completely(cli: Cli) {
    let acc = Acc::new(cli);
    bundles(&acc, &["v.tar.gz"], &[]);
    let mut body =
        "resource \"proton_environment_template\" \"web\" {\n  name = \"web\"\n}\n".to_string();
    for major in 0..4 {
        body += &version(
            ENV,
            &format!("base{major}"),
            "proton_environment_template.web.name",
            "v.tar.gz",
            &format!("  description = \"base {major}\""),
        );
        body += &version(
            ENV,
            &format!("minor{major}"),
            "proton_environment_template.web.name",
            "v.tar.gz",
            &format!(
                "  count = 7\n  description = \"minor ${{count.index}}\"\n{}",
                same_major_as(ENV, &format!("base{major}"))
            ),
        );
    }
    acc.step(&body);
    assert_eq!(acc.endpoint.environment_versions("web").await.len(), 32);

    let start = Instant::now();
    let run = destroy_run(&acc, &["-parallelism=10"]);
    eprintln!(
        "FIGURE {cli}: destroy of 32 published versions in 4 majors converged in {:?}",
        start.elapsed()
    );
    run.assert_ok("destroy");
    assert_eq!(
        template_count(&acc).await,
        0,
        "versions or the template left"
    );
}

each_cli!(async identical_arguments_never_share_a_version);
async fn identical_arguments_never_share_a_version(cli: Cli) {
    let acc = Acc::new(cli);
    acc.endpoint.create_environment_template("web").await;
    bundles(&acc, &["same.tar.gz"], &[]);
    let body = |count: usize| {
        format!(
            r#"
resource "{ENV}" "same" {{
  count         = {count}
  template_name = "web"
  source {{
    s3 {{
      bucket = "bundles"
      key    = "same.tar.gz"
    }}
  }}
}}
"#
        )
    };
    let ids = |count: usize| {
        let mut ids: Vec<String> = (0..count)
            .map(|i| acc.attr(&format!("{ENV}.same[{i}]"), "id"))
            .collect();
        ids.sort();
        ids.dedup();
        ids
    };

    acc.step(&body(3));
    assert_eq!(ids(3).len(), 3, "three instances, three versions");
    assert_eq!(acc.endpoint.environment_versions("web").await.len(), 3);

    // Scaling down deletes one version and leaves the others planned clean.
    acc.step(&body(2));
    assert_eq!(ids(2).len(), 2);
    assert_eq!(acc.endpoint.environment_versions("web").await.len(), 2);

    // A later apply (another provider process, same arguments, within the
    // tokens' 8 hours) still gets new versions rather than existing ones.
    acc.step(&body(4));
    assert_eq!(ids(4).len(), 4);
    assert_eq!(acc.endpoint.environment_versions("web").await.len(), 4);

    acc.destroy();
    assert!(acc.endpoint.environment_versions("web").await.is_empty());
}

each_cli!(async a_pinned_major_on_a_fresh_template_is_created);
async fn a_pinned_major_on_a_fresh_template_is_created(cli: Cli) {
    let acc = Acc::new(cli);
    acc.endpoint.create_environment_template("web").await;
    acc.endpoint.create_environment_template("pair").await;
    bundles(&acc, &["v1.tar.gz", "v2.tar.gz"], &[]);
    // The documented create_before_destroy example, on a template with no
    // versions yet.
    let rolling = |key: &str| {
        version(
            ENV,
            "rolling",
            "\"web\"",
            key,
            "  major_version = \"1\"\n  lifecycle {\n    create_before_destroy = true\n  }",
        )
    };
    // And a literal major next to the version that creates it, created in
    // parallel (no reference orders them).
    let pair = format!(
        "{}{}",
        version(ENV, "first", "\"pair\"", "v1.tar.gz", ""),
        version(
            ENV,
            "second",
            "\"pair\"",
            "v2.tar.gz",
            "  major_version = \"1\""
        ),
    );
    acc.step(&format!("{}{pair}", rolling("v1.tar.gz")));
    assert_eq!(acc.attr(&format!("{ENV}.rolling"), "id"), "web:1.0");
    assert_eq!(acc.attr(&format!("{ENV}.first"), "id"), "pair:1.0");
    assert_eq!(acc.attr(&format!("{ENV}.second"), "id"), "pair:1.1");

    acc.step(&format!("{}{pair}", rolling("v2.tar.gz")));
    assert_eq!(acc.attr(&format!("{ENV}.rolling"), "id"), "web:1.1");
    assert_eq!(acc.endpoint.environment_versions("web").await, ["1.1"]);

    acc.destroy();
    assert!(acc.endpoint.environment_versions("web").await.is_empty());
    assert!(acc.endpoint.environment_versions("pair").await.is_empty());
}

each_cli!(async a_refusal_nothing_in_the_run_can_lift_fails_at_once);
async fn a_refusal_nothing_in_the_run_can_lift_fails_at_once(cli: Cli) {
    let acc = Acc::new(cli);
    acc.endpoint.create_environment_template("web").await;
    bundles(&acc, &["outside.tar.gz", "managed.tar.gz"], &[]);
    // 1.0 comes from outside Terraform; the managed 1.1 is the recommended one.
    acc.endpoint
        .create_environment_version_outside("web", "outside.tar.gz")
        .await;
    let body = version(
        ENV,
        "managed",
        "\"web\"",
        "managed.tar.gz",
        "  major_version = \"1\"",
    )
    .replace(SHORT_DELETE, "");
    acc.step(&body);
    assert_eq!(acc.attr(&format!("{ENV}.managed"), "id"), "web:1.1");

    // Under the default 5-minute delete timeout, the refusal is reported at
    // once, with the reason and the fix; the state keeps the version.
    let start = Instant::now();
    let refused = destroy_run(&acc, &[]);
    eprintln!("FIGURE {cli}: refusal reported after {:?}", start.elapsed());
    assert_eq!(refused.code, 1, "{}", refused.stdout);
    let message = flat(&refused.stderr);
    assert!(
        message.contains("only after web:1.0 is gone, and the provider created none of them")
            && message.contains("create_before_destroy")
            && message.contains("skip_destroy"),
        "{}",
        refused.stderr
    );
    assert_eq!(acc.attr(&format!("{ENV}.managed"), "id"), "web:1.1");
    assert_eq!(
        sorted(acc.endpoint.environment_versions("web").await),
        ["1.0", "1.1"]
    );

    // Once the outside version is gone, destroy succeeds.
    acc.endpoint.delete_environment_version("web", "1.0").await;
    acc.destroy();
    assert!(acc.endpoint.environment_versions("web").await.is_empty());
}

each_cli!(async replacing_a_template_under_its_versions_names_replace_triggered_by);
async fn replacing_a_template_under_its_versions_names_replace_triggered_by(cli: Cli) {
    const KMS_KEY: &str =
        "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555";
    let acc = Acc::new(cli);
    bundles(&acc, &["v.tar.gz"], &[]);
    let body =
        |key: &str, lifecycle: &str| {
            format!(
            "resource \"proton_environment_template\" \"web\" {{\n  name = \"web\"\n{key}\n}}\n{}",
            version(ENV, "v", "proton_environment_template.web.name", "v.tar.gz", lifecycle)
        )
        };
    acc.step(&body("", ""));

    // encryption_key forces a new template; the version keeps its
    // template_name, so Terraform does not replace it and the old template
    // cannot be deleted under it.
    let new_key = format!("  encryption_key = \"{KMS_KEY}\"");
    acc.config(&body(&new_key, ""));
    let failed = acc.apply();
    assert_eq!(failed.code, 1, "{}", failed.stdout);
    let message = flat(&failed.stderr);
    assert!(
        message
            .contains("lifecycle { replace_triggered_by = [proton_environment_template.<label>] }")
            && message.contains("-replace="),
        "{}",
        failed.stderr
    );

    // The advice works: replace_triggered_by from Terraform 1.2 on, -replace
    // on older CLIs.
    if cli.at_least(1, 2) {
        acc.step(&body(
            &new_key,
            "  lifecycle {\n    replace_triggered_by = [proton_environment_template.web]\n  }",
        ));
    } else {
        acc.apply_with(&[&format!("-replace={ENV}.v")])
            .assert_ok("apply -replace");
        acc.assert_no_changes();
    }
    assert_eq!(
        acc.attr("proton_environment_template.web", "encryption_key"),
        KMS_KEY
    );
    assert_eq!(acc.endpoint.environment_versions("web").await.len(), 1);
    acc.destroy();
    assert_eq!(template_count(&acc).await, 0);
}
