//! A version's delete across runs tells the truth, under both real Terraform
//! CLIs against proton-local (src/proton/delete.rs, rules 1, 3, 6 and 7):
//! what Terraform reports destroyed is gone from Proton, or the user is told
//! in the same command; a version a state manages is never swept; a delete an
//! earlier run deferred is done by the later run that lifts Proton's refusal.
#![allow(deprecated)]

use crate::support;

use std::time::Instant;

use aws_sdk_proton::types::Tag;
use support::acc::Acc;
use support::hcl::{self, Resource};
use support::proton_local::TemplateKind::{Environment, Service};
use support::terraform::{flat, Cli, Run};

const ENV: &str = "proton_environment_template_version";
const DEFERRED_TAG: &str = "terraform-provider-proton:deferred-delete";
const E: &str = "proton_environment_template.e";

/// A published version `label` of the template resource `template`, from
/// `s3://bkt/KEY`.
fn published(ty: &str, label: &str, template: &str, key: &str) -> Resource {
    hcl::resource(ty, label)
        .template_of(template)
        .status("PUBLISHED")
        .s3("bkt", key)
}

/// Template `c9-env`.
fn c9_env() -> Resource {
    hcl::resource("proton_environment_template", "e").name("c9-env")
}

/// `v1`, 1.0 of `c9-env`.
fn v1() -> Resource {
    published(ENV, "v1", E, "env.tar.gz")
}

/// `v2` (counted once while `keep_v2`), from bundle `key`, without its major.
fn v2(keep_v2: bool, key: &str) -> Resource {
    let count = u8::from(keep_v2).to_string();
    published(ENV, "v2", E, key).set("count", &count)
}

/// The issue's reproduction: `v1` is 1.0, `v2` (kept while `keep_v2`) adds
/// 1.1 to its major, both published; `v2_key` is `v2`'s bundle.
fn rollback_config(keep_v2: bool, v2_key: &str) -> String {
    let v2 = v2(keep_v2, v2_key).major_of(&format!("{ENV}.v1"));
    format!("{}{}{v2}", c9_env(), v1())
}

/// `rollback_config` applied: 1.0 and 1.1 of `c9-env`, both published.
fn two_published_minors(cli: Cli) -> Acc {
    let acc = Acc::new(cli);
    for key in ["env.tar.gz", "env2.tar.gz"] {
        acc.endpoint.write_bundle(Environment, "bkt", key);
    }
    acc.step(&rollback_config(true, "env2.tar.gz"));
    acc
}

fn warnings(run: &Run) -> usize {
    run.stdout.matches("Warning:").count() + run.stderr.matches("Warning:").count()
}

each_cli!(async removing_the_newest_published_minor_is_never_reported_done_while_proton_keeps_it);
async fn removing_the_newest_published_minor_is_never_reported_done_while_proton_keeps_it(
    cli: Cli,
) {
    let acc = two_published_minors(cli);
    assert_eq!(acc.attr(&format!("{ENV}.v2[0]"), "id"), "c9-env:1.1");

    // count = 0: Proton keeps 1.1, the recommended minor, while 1.0 exists.
    acc.config(&rollback_config(false, "env2.tar.gz"));
    let start = Instant::now();
    let run = acc.apply();
    eprintln!(
        "FIGURE {cli}: removing the recommended minor answered in {:?}",
        start.elapsed()
    );
    let out = flat(&format!("{}{}", run.stdout, run.stderr));
    if cli.at_least(1, 3) {
        // The destroy plan sees the refusal and that this plan keeps 1.0.
        assert_ne!(run.code, 0, "{cli}: the plan must fail:\n{out}");
        assert!(
            out.contains("Cannot destroy a template version Proton keeps")
                && out.contains("`c9-env:1.0`")
                && out.contains("rollback"),
            "{cli}: {out}"
        );
        assert!(!out.contains("Destruction complete"), "{cli}: {out}");
        assert_eq!(acc.attr(&format!("{ENV}.v2[0]"), "id"), "c9-env:1.1");
        assert_eq!(
            acc.endpoint.versions(Environment, "c9-env").await,
            ["1.0", "1.1"]
        );
    } else {
        // Terraform 1.0 plans destroys without the provider: the apply says
        // what Proton kept.
        run.assert_ok("apply");
        assert!(
            out.contains("environment template version `c9-env:1.1` is not deleted yet")
                && out.contains("c9-env:1.0"),
            "{cli}: the deferral must be reported:\n{out}"
        );
        let arn = acc.endpoint.environment_version("c9-env", "1.1").await.arn;
        assert!(acc.endpoint.tags(&arn).await.contains_key(DEFERRED_TAG));
    }

    // The rollback recipe: the newest version points at the old bundle.
    // Proton publishes it as 1.2, the recommended minor, and 1.1 goes.
    let start = Instant::now();
    let run = acc.step(&rollback_config(true, "env.tar.gz"));
    eprintln!(
        "FIGURE {cli}: the rollback recipe converged (apply + plan) in {:?}",
        start.elapsed()
    );
    assert_eq!(acc.attr(&format!("{ENV}.v2[0]"), "id"), "c9-env:1.2");
    assert_eq!(
        acc.endpoint.versions(Environment, "c9-env").await,
        ["1.0", "1.2"]
    );
    if cli.at_least(1, 3) {
        assert_eq!(warnings(&run), 0, "{cli}: {}", run.stdout);
    }
    acc.destroy();
}

each_cli!(async a_version_imported_back_is_never_swept);
async fn a_version_imported_back_is_never_swept(cli: Cli) {
    let acc = two_published_minors(cli);
    // An earlier run deferred 1.1's delete: tagged, gone from the state.
    let arn = acc.attr(&format!("{ENV}.v2[0]"), "arn");
    acc.endpoint
        .client
        .tag_resource()
        .resource_arn(&arn)
        .tags(
            Tag::builder()
                .key(DEFERRED_TAG)
                .value("2026-12-01T00:00:00Z")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    acc.work
        .run(&["state", "rm", &format!("{ENV}.v2[0]")])
        .assert_ok("state rm");
    // The data source marks it.
    let lookup = r#"
data "proton_environment_template_version" "pending" {
  template_name = "c9-env"
  major_version = "1"
  minor_version = "1"
}
"#;
    acc.step(&format!(
        "{}{lookup}",
        rollback_config(false, "env2.tar.gz")
    ));
    let pending = acc.attributes("data.proton_environment_template_version.pending");
    assert_eq!(pending["pending_deletion"], true, "{cli}: {pending}");
    assert!(
        pending["tags"].get(DEFERRED_TAG).is_none(),
        "{cli}: {pending}"
    );
    acc.config(&rollback_config(true, "env2.tar.gz"));
    // "It is still there: import it back."
    acc.work
        .run(&[
            "import",
            "-no-color",
            "-input=false",
            &format!("{ENV}.v2[0]"),
            "c9-env:1.1",
        ])
        .assert_ok("import");
    assert!(
        !acc.endpoint.tags(&arn).await.contains_key(DEFERRED_TAG),
        "{cli}: importing cancels the pending delete"
    );
    acc.assert_no_changes();

    // Retire 1.0: Proton allows it (1.1 is the recommended minor), and the
    // sweep after it must leave the managed 1.1 alone.
    let retired = format!("{}{}", c9_env(), v2(true, "env2.tar.gz").major("1"));
    acc.step(&retired);
    assert_eq!(acc.endpoint.versions(Environment, "c9-env").await, ["1.1"]);
    assert_eq!(acc.attr(&format!("{ENV}.v2[0]"), "id"), "c9-env:1.1");
    acc.destroy();
}

/// An environment template with majors 1 (kept while `keep_first`) and 2,
/// and a service version listing `listed_major` of it.
fn listed_config(keep_first: bool, listed_major: &str) -> String {
    let (first, first_ref) = match keep_first {
        true => (
            published(ENV, "first", E, "env.tar.gz").to_string(),
            format!("{ENV}.first"),
        ),
        false => (String::new(), String::new()),
    };
    let second =
        published(ENV, "second", E, "env2.tar.gz").set("depends_on", &format!("[{first_ref}]"));
    let service = published(
        "proton_service_template_version",
        "sv",
        "proton_service_template.s",
        "svc.tar.gz",
    )
    .compatible("shared-env", listed_major)
    .set("depends_on", &format!("[{ENV}.second]"));
    format!(
        "{}{}{first}{second}{service}",
        hcl::resource("proton_environment_template", "e").name("shared-env"),
        hcl::resource("proton_service_template", "s")
            .name("api")
            .string("pipeline_provisioning", "CUSTOMER_MANAGED"),
    )
}

each_cli!(async a_delete_deferred_for_a_listing_service_version_is_done_when_the_listing_changes);
async fn a_delete_deferred_for_a_listing_service_version_is_done_when_the_listing_changes(
    cli: Cli,
) {
    let acc = Acc::new(cli);
    for key in ["env.tar.gz", "env2.tar.gz"] {
        acc.endpoint.write_bundle(Environment, "bkt", key);
    }
    acc.endpoint.write_bundle(Service, "bkt", "svc.tar.gz");
    acc.step(&listed_config(true, "1"));
    assert_eq!(
        acc.endpoint.versions(Environment, "shared-env").await,
        ["1.0", "2.0"]
    );

    // Major 1 goes while a service version still lists it: Proton keeps it,
    // and the user is told so in this run.
    acc.config(&listed_config(false, "1"));
    let run = acc.apply();
    run.assert_ok("apply");
    let out = flat(&format!("{}{}", run.stdout, run.stderr));
    assert!(
        out.contains("environment template version `shared-env:1.0` is not deleted yet")
            && out.contains("api:1.0"),
        "{cli}: the deferral must be reported:\n{out}"
    );
    assert_eq!(
        acc.endpoint.versions(Environment, "shared-env").await,
        ["1.0", "2.0"]
    );

    // A later run makes the service version list major 2: that lifts the
    // refusal, and the delete deferred in the earlier run is done.
    acc.step(&listed_config(false, "2"));
    assert_eq!(
        acc.endpoint.versions(Environment, "shared-env").await,
        ["2.0"]
    );
    acc.destroy();
}

each_cli!(async minors_with_a_literal_major_destroy_together_without_a_deferral);
async fn minors_with_a_literal_major_destroy_together_without_a_deferral(cli: Cli) {
    let acc = two_published_minors(cli);
    // The module recipe: a literal major instead of a reference, so
    // Terraform destroys both minors at once and the recommended one's
    // delete waits for its sibling's instead of being deferred.
    acc.step(&format!(
        "{}{}{}",
        c9_env(),
        v1(),
        v2(true, "env2.tar.gz").major("1")
    ));
    let start = Instant::now();
    let run = acc.destroy_run();
    run.assert_ok("destroy");
    eprintln!(
        "FIGURE {cli}: destroy of two literal-major minors converged in {:?}",
        start.elapsed()
    );
    assert_eq!(warnings(&run), 0, "{cli}:\n{}{}", run.stdout, run.stderr);
    let templates = acc.endpoint.template_names(Environment).await;
    assert!(templates.is_empty(), "{cli}: {templates:?}");
}

each_cli!(async the_rollback_recipe_replaces_the_recommended_minor_without_a_warning);
async fn the_rollback_recipe_replaces_the_recommended_minor_without_a_warning(cli: Cli) {
    let acc = two_published_minors(cli);
    // The replacement is published into the same major, which the plan
    // shows: the deferred delete of 1.1 is expected and done in this apply.
    let run = acc.step(&rollback_config(true, "env.tar.gz"));
    assert_eq!(warnings(&run), 0, "{cli}:\n{}{}", run.stdout, run.stderr);
    assert_eq!(
        acc.endpoint.versions(Environment, "c9-env").await,
        ["1.0", "1.2"]
    );
    acc.destroy();
}
