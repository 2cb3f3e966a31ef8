//! A version's `status` against what Proton has, under both real Terraform
//! CLIs against proton-local: a version declared DRAFT but published outside
//! Terraform is still destroyed (a destroy is never stopped by a rule about
//! updates), while a plan that keeps it says, on `status`, that it cannot go
//! back to DRAFT and the apply refuses without changing anything; and the
//! state written after a failed registration says what Proton has.
#![allow(deprecated)]

use crate::support;

use support::acc::Acc;
use support::hcl::{self, Resource};
use support::proton_local::TemplateKind::Environment;
use support::terraform::{flat, Cli, Run};

const ENV: &str = "proton_environment_template_version";

/// Version `v` of template `web` from `key`, with `status`.
fn version(key: &str, status: &str) -> Resource {
    hcl::resource(ENV, "v")
        .template_of("proton_environment_template.web")
        .s3("bundles", key)
        .status(status)
}

/// Template `web` and `version` of it.
fn config(version: Resource) -> String {
    let template = hcl::resource("proton_environment_template", "web").name("web");
    format!("{template}{version}")
}

/// Both CLIs' output of `run`, on one line.
fn output(run: &Run) -> String {
    flat(&format!("{}\n{}", run.stdout, run.stderr))
}

/// What Proton has for `web:1.0`: its status and description.
async fn remote(acc: &Acc) -> (String, Option<String>) {
    let version = acc.endpoint.environment_version("web", "1.0").await;
    (
        version.status().as_str().to_string(),
        version.description().map(str::to_string),
    )
}

async fn templates_left(acc: &Acc) -> usize {
    acc.endpoint.template_names(Environment).await.len()
}

/// `web:1.0` applied as declared DRAFT, then published outside Terraform.
async fn draft_published_outside(cli: Cli) -> Acc {
    let acc = Acc::new(cli);
    acc.endpoint
        .write_bundle(Environment, "bundles", "v1.tar.gz");
    acc.step(&config(version("v1.tar.gz", "DRAFT").description("first")));
    assert_eq!(acc.attr(&format!("{ENV}.v"), "status"), "DRAFT");
    acc.endpoint
        .publish_outside(Environment, "web", "1.0")
        .await;
    acc
}

each_cli!(async a_draft_version_published_outside_terraform_is_destroyed);
async fn a_draft_version_published_outside_terraform_is_destroyed(cli: Cli) {
    let acc = draft_published_outside(cli).await;

    let destroy = acc
        .work
        .run(&["destroy", "-auto-approve", "-no-color", "-input=false"]);
    destroy.assert_ok("destroy");
    assert!(destroy.stdout.contains("2 destroyed"), "{}", destroy.stdout);
    assert_eq!(templates_left(&acc).await, 0, "templates left in Proton");
    let state = acc.work.run(&["state", "list"]);
    assert_eq!(state.stdout.trim(), "", "{cli}: state after destroy");
}

each_cli!(async keeping_a_version_published_outside_as_draft_is_refused_on_status);
async fn keeping_a_version_published_outside_as_draft_is_refused_on_status(cli: Cli) {
    let acc = draft_published_outside(cli).await;
    let address = format!("{ENV}.v");

    // The plan warns on `status`: applying it would unpublish.
    let plan = acc.plan();
    let text = output(&plan);
    assert_eq!(plan.code, 2, "{cli}: {text}");
    assert!(
        text.contains("Warning: Cannot unpublish a template version")
            && text.contains("PUBLISHED in Proton")
            && text.contains(r#"status = "DRAFT""#),
        "{cli}: the warning names the problem and points at `status`: {text}"
    );

    // The apply refuses with the same message and changes nothing, not even
    // the description that came with it.
    acc.config(&config(version("v1.tar.gz", "DRAFT").description("second")));
    let apply = acc.apply();
    let text = output(&apply);
    assert_eq!(apply.code, 1, "{cli}: {text}");
    assert!(
        text.contains("Error: Cannot unpublish a template version")
            && text.contains(r#"status = "DRAFT""#),
        "{cli}: {text}"
    );
    assert_eq!(
        remote(&acc).await,
        ("PUBLISHED".to_string(), Some("first".to_string()))
    );
    assert_eq!(acc.attr(&address, "status"), "PUBLISHED");
    assert_eq!(acc.attr(&address, "description"), "first");

    // What the message says to do converges.
    acc.step(&config(
        version("v1.tar.gz", "PUBLISHED").description("second"),
    ));
    assert_eq!(
        remote(&acc).await,
        ("PUBLISHED".to_string(), Some("second".to_string()))
    );
    acc.destroy();
    assert_eq!(templates_left(&acc).await, 0, "templates left in Proton");
}

each_cli!(async a_failed_registration_is_stored_as_proton_reports_it);
async fn a_failed_registration_is_stored_as_proton_reports_it(cli: Cli) {
    let acc = Acc::new(cli);
    acc.endpoint
        .write_broken_bundle(Environment, "bundles", "broken.tar.gz");
    acc.endpoint
        .write_bundle(Environment, "bundles", "fixed.tar.gz");
    let address = format!("{ENV}.v");

    acc.config(&config(version("broken.tar.gz", "PUBLISHED")));
    let failed = acc.apply();
    let text = output(&failed);
    assert_eq!(failed.code, 1, "{cli}: {text}");
    assert!(text.contains("registration failed"), "{cli}: {text}");

    // The state says what Proton has, not what was planned.
    let stored = acc.attributes(&address);
    assert_eq!(stored["status"], "REGISTRATION_FAILED", "{cli}: {stored}");
    assert!(
        stored["status_message"]
            .as_str()
            .is_some_and(|m| m.contains("schema")),
        "{cli}: {stored}"
    );
    assert!(
        stored["recommended_minor_version"].is_null(),
        "{cli}: {stored}"
    );
    let shown = acc.work.run(&["show", "-no-color"]);
    assert!(shown.stdout.contains("tainted"), "{}", shown.stdout);

    // The next plan replaces the tainted version cleanly.
    acc.config(&config(version("fixed.tar.gz", "PUBLISHED")));
    let plan = acc.plan();
    let text = output(&plan);
    assert_eq!(plan.code, 2, "{cli}: {text}");
    assert!(text.contains("must be replaced"), "{cli}: {text}");
    acc.step(&config(version("fixed.tar.gz", "PUBLISHED")));
    let replaced = acc.attributes(&address);
    assert_eq!(replaced["id"], "web:2.0");
    assert_eq!(replaced["status"], "PUBLISHED");
    assert!(replaced["status_message"].is_null(), "{cli}: {replaced}");
    assert_eq!(acc.endpoint.versions(Environment, "web").await, vec!["2.0"]);

    acc.destroy();
    assert_eq!(templates_left(&acc).await, 0, "templates left in Proton");
}
