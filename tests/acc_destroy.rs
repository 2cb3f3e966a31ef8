//! Destroy and replacement converge in Terraform's order, under both real
//! Terraform CLIs against proton-local: Proton deletes a template's
//! recommended version last, Terraform destroys dependents first, and the
//! provider reconciles the two (src/proton/delete.rs). Every scenario ends by
//! checking through the API that nothing is left, and version deletes get a
//! short `timeouts.delete`, so a delete that waits instead of converging
//! fails the test quickly instead of after five minutes.
#![allow(deprecated)]

use crate::support;

use std::time::Instant;

use support::acc::Acc;
use support::hcl::{self, Resource, CREATE_BEFORE_DESTROY, SHORT_DELETE};
use support::proton_local::TemplateKind::{self, Environment, Service};
use support::terraform::{flat, Cli};

const ENV: &str = "proton_environment_template_version";
const SVC: &str = "proton_service_template_version";

const WEB: &str = "proton_environment_template.web";

/// A published version resource of type `ty` from `s3://bundles/KEY`, with a
/// short delete timeout; the caller names its template.
fn version(ty: &str, label: &str, key: &str) -> Resource {
    hcl::resource(ty, label)
        .status("PUBLISHED")
        .s3("bundles", key)
        .extra(SHORT_DELETE)
}

fn sorted(mut versions: Vec<String>) -> Vec<String> {
    versions.sort_by_key(|v| {
        let (major, minor) = v.split_once('.').unwrap();
        (major.parse::<u64>().unwrap(), minor.parse::<u64>().unwrap())
    });
    versions
}

async fn template_count(acc: &Acc) -> usize {
    let mut count = 0;
    for kind in [Environment, Service] {
        count += acc.endpoint.template_names(kind).await.len();
    }
    count
}

fn bundles(acc: &Acc, kind: TemplateKind, keys: &[&str]) {
    for key in keys {
        acc.endpoint.write_bundle(kind, "bundles", key);
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
    bundles(&acc, Environment, &["e1.tar.gz", "e2.tar.gz"]);
    bundles(&acc, Service, &["s1.tar.gz", "s2.tar.gz"]);
    // The documented pattern: the second minor takes its major from the
    // first, so Terraform destroys it (the recommended one) first.
    let (env_first, svc_first) = (format!("{ENV}.first"), format!("{SVC}.first"));
    let api = "proton_service_template.api";
    let body = format!(
        "{}{}{}{}{}{}",
        hcl::resource("proton_environment_template", "web").name("web"),
        hcl::resource("proton_service_template", "api")
            .name("api")
            .string("pipeline_provisioning", "CUSTOMER_MANAGED"),
        version(ENV, "first", "e1.tar.gz").template_of(WEB),
        version(ENV, "second", "e2.tar.gz")
            .template_of(WEB)
            .major_of(&env_first),
        version(SVC, "first", "s1.tar.gz")
            .template_of(api)
            .compatible_with(&env_first),
        version(SVC, "second", "s2.tar.gz")
            .template_of(api)
            .major_of(&svc_first)
            .compatible_with(&env_first),
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
    let acc = Acc::with_web_template(cli, &["e1.tar.gz", "e2.tar.gz"]).await;
    acc.step(&format!(
        "{}{}",
        version(ENV, "first", "e1.tar.gz").template("web"),
        version(ENV, "second", "e2.tar.gz")
            .template("web")
            .major_of(&format!("{ENV}.first")),
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
        sorted(acc.endpoint.versions(Environment, "web").await),
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
    assert!(acc.endpoint.versions(Environment, "web").await.is_empty());
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
        sorted(acc.endpoint.versions(Environment, "web").await),
        ["1.0", "1.2"]
    );

    acc.destroy();
    assert!(acc.endpoint.versions(Environment, "web").await.is_empty());
}

each_cli!(async a_new_bundle_for_an_environment_version_a_service_version_lists);
async fn a_new_bundle_for_an_environment_version_a_service_version_lists(cli: Cli) {
    let acc = Acc::new(cli);
    acc.endpoint.create_template(Environment, "net").await;
    acc.endpoint.create_template(Service, "api").await;
    bundles(&acc, Environment, &["net-1.tar.gz", "net-2.tar.gz"]);
    bundles(&acc, Service, &["api.tar.gz"]);
    let body = |net_key: &str| {
        format!(
            "{}{}",
            version(ENV, "net", net_key).template("net"),
            version(SVC, "api", "api.tar.gz")
                .template("api")
                .compatible_with(&format!("{ENV}.net")),
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
    assert_eq!(acc.endpoint.versions(Environment, "net").await, ["2.0"]);

    acc.destroy();
    assert!(acc.endpoint.versions(Environment, "net").await.is_empty());
    assert!(acc.endpoint.versions(Service, "api").await.is_empty());
}

each_cli!(async thirty_two_published_versions_in_four_majors_destroy_completely);
async fn thirty_two_published_versions_in_four_majors_destroy_completely(cli: Cli) {
    let acc = Acc::new(cli);
    bundles(&acc, Environment, &["v.tar.gz"]);
    let mut body = hcl::resource("proton_environment_template", "web")
        .name("web")
        .to_string();
    for major in 0..4 {
        let base = format!("base{major}");
        body += &version(ENV, &base, "v.tar.gz")
            .template_of(WEB)
            .description(&format!("base {major}"))
            .to_string();
        body += &version(ENV, &format!("minor{major}"), "v.tar.gz")
            .template_of(WEB)
            .set("count", "7")
            .description("minor ${count.index}")
            .major_of(&format!("{ENV}.{base}"))
            .to_string();
    }
    acc.step(&body);
    assert_eq!(acc.endpoint.versions(Environment, "web").await.len(), 32);

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
    let acc = Acc::with_web_template(cli, &["same.tar.gz"]).await;
    let body = |count: usize| {
        hcl::resource(ENV, "same")
            .set("count", &count.to_string())
            .template("web")
            .s3("bundles", "same.tar.gz")
            .to_string()
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
    assert_eq!(acc.endpoint.versions(Environment, "web").await.len(), 3);

    // Scaling down deletes one version and leaves the others planned clean.
    acc.step(&body(2));
    assert_eq!(ids(2).len(), 2);
    assert_eq!(acc.endpoint.versions(Environment, "web").await.len(), 2);

    // A later apply (another provider process, same arguments, within the
    // tokens' 8 hours) still gets new versions rather than existing ones.
    acc.step(&body(4));
    assert_eq!(ids(4).len(), 4);
    assert_eq!(acc.endpoint.versions(Environment, "web").await.len(), 4);

    acc.destroy();
    assert!(acc.endpoint.versions(Environment, "web").await.is_empty());
}

each_cli!(async a_pinned_major_on_a_fresh_template_is_created);
async fn a_pinned_major_on_a_fresh_template_is_created(cli: Cli) {
    let acc = Acc::with_web_template(cli, &["v1.tar.gz", "v2.tar.gz"]).await;
    acc.endpoint.create_template(Environment, "pair").await;
    // The documented create_before_destroy example, on a template with no
    // versions yet.
    let rolling = |key: &str| {
        version(ENV, "rolling", key)
            .template("web")
            .major("1")
            .extra(CREATE_BEFORE_DESTROY)
    };
    // And a literal major next to the version that creates it, created in
    // parallel (no reference orders them).
    let pair = format!(
        "{}{}",
        version(ENV, "first", "v1.tar.gz").template("pair"),
        version(ENV, "second", "v2.tar.gz")
            .template("pair")
            .major("1"),
    );
    acc.step(&format!("{}{pair}", rolling("v1.tar.gz")));
    assert_eq!(acc.attr(&format!("{ENV}.rolling"), "id"), "web:1.0");
    assert_eq!(acc.attr(&format!("{ENV}.first"), "id"), "pair:1.0");
    assert_eq!(acc.attr(&format!("{ENV}.second"), "id"), "pair:1.1");

    acc.step(&format!("{}{pair}", rolling("v2.tar.gz")));
    assert_eq!(acc.attr(&format!("{ENV}.rolling"), "id"), "web:1.1");
    assert_eq!(acc.endpoint.versions(Environment, "web").await, ["1.1"]);

    acc.destroy();
    assert!(acc.endpoint.versions(Environment, "web").await.is_empty());
    assert!(acc.endpoint.versions(Environment, "pair").await.is_empty());
}

each_cli!(async a_refusal_nothing_in_the_run_can_lift_fails_at_once);
async fn a_refusal_nothing_in_the_run_can_lift_fails_at_once(cli: Cli) {
    let acc = Acc::with_web_template(cli, &["outside.tar.gz", "managed.tar.gz"]).await;
    // 1.0 comes from outside Terraform; the managed 1.1 is the recommended one.
    acc.endpoint
        .create_environment_version_outside("web", "outside.tar.gz")
        .await;
    // No short delete timeout: the default one.
    let body = hcl::resource(ENV, "managed")
        .template("web")
        .status("PUBLISHED")
        .s3("bundles", "managed.tar.gz")
        .major("1")
        .to_string();
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
        sorted(acc.endpoint.versions(Environment, "web").await),
        ["1.0", "1.1"]
    );

    // Once the outside version is gone, destroy succeeds.
    acc.endpoint.delete_environment_version("web", "1.0").await;
    acc.destroy();
    assert!(acc.endpoint.versions(Environment, "web").await.is_empty());
}

each_cli!(async replacing_a_template_under_its_versions_names_replace_triggered_by);
async fn replacing_a_template_under_its_versions_names_replace_triggered_by(cli: Cli) {
    const KMS_KEY: &str =
        "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555";
    let acc = Acc::new(cli);
    bundles(&acc, Environment, &["v.tar.gz"]);
    let body = |key: &str, lifecycle: &str| {
        format!(
            "{}{}",
            hcl::resource("proton_environment_template", "web")
                .name("web")
                .extra(key),
            version(ENV, "v", "v.tar.gz")
                .template_of(WEB)
                .extra(lifecycle)
        )
    };
    acc.step(&body("", ""));

    // encryption_key forces a new template; the version keeps its
    // template_name, so Terraform does not replace it and the old template
    // cannot be deleted under it.
    let new_key = format!("encryption_key = \"{KMS_KEY}\"");
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
            "lifecycle {\n  replace_triggered_by = [proton_environment_template.web]\n}",
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
    assert_eq!(acc.endpoint.versions(Environment, "web").await.len(), 1);
    acc.destroy();
    assert_eq!(template_count(&acc).await, 0);
}
