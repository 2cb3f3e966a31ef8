//! Import during plan: `import` blocks (Terraform 1.5+) adopt existing
//! templates and versions in `plan`/`apply`, with and without
//! `-generate-config-out`, and the plan after is empty. Terraform 1.0.3 has
//! neither, so on it the same objects are adopted with `terraform import`
//! (the only import it has) and the same end state is checked. Nothing is
//! created or deleted in Proton by an adoption (checked through the API).
#![allow(deprecated)]

use crate::support;

use support::acc::Acc;
use support::hcl;
use support::proton_local::TemplateKind::Environment;
use support::terraform::Cli;

/// Template `web` and its published version `v` (1.0).
fn resources() -> String {
    format!(
        "{}{}",
        hcl::resource("proton_environment_template", "web")
            .name("web")
            .description("adopted"),
        hcl::resource("proton_environment_template_version", "v")
            .template_of("proton_environment_template.web")
            .description("first")
            .status("PUBLISHED")
            .s3("bundles", "a.tar.gz"),
    )
}

const IMPORTS: &str = r#"
import {
  to = proton_environment_template.web
  id = "web"
}

import {
  to = proton_environment_template_version.v
  id = "web:1.0"
}
"#;

/// Forgets both objects (they stay in Proton).
fn forget(acc: &Acc) {
    acc.work
        .run(&[
            "state",
            "rm",
            "proton_environment_template.web",
            "proton_environment_template_version.v",
        ])
        .assert_ok("state rm");
}

/// Versions created and templates created so far, from proton-local's counters.
fn creations(acc: &Acc) -> (u64, u64) {
    let counters = acc.endpoint.counters();
    let requests = &counters["requests"];
    (
        requests["CreateEnvironmentTemplate"].as_u64().unwrap_or(0),
        requests["CreateEnvironmentTemplateVersion"]
            .as_u64()
            .unwrap_or(0),
    )
}

/// Both objects created by a first apply, then forgotten; returns the
/// creations counted and the version's ARN.
fn created_then_forgotten(acc: &Acc) -> ((u64, u64), String) {
    acc.endpoint
        .write_bundle(Environment, "bundles", "a.tar.gz");
    acc.step(&resources());
    let created = creations(acc);
    assert_eq!(
        created,
        (1, 1),
        "{}: the first apply creates both",
        acc.work.cli
    );
    let arn = acc.attr("proton_environment_template_version.v", "arn");
    forget(acc);
    (created, arn)
}

/// Destroys both, then checks through the API that nothing is left.
async fn destroy_leaves_nothing(acc: &Acc) {
    acc.destroy();
    let left = acc.endpoint.template_names(Environment).await;
    assert!(
        left.is_empty(),
        "{}: destroy left {:?} (versions {:?})",
        acc.work.cli,
        left,
        acc.endpoint.versions(Environment, "web").await
    );
}

each_cli!(async existing_objects_are_adopted_during_plan);
async fn existing_objects_are_adopted_during_plan(cli: Cli) {
    let acc = Acc::new(cli);
    let (created, arn) = created_then_forgotten(&acc);
    if cli.has_import_blocks() {
        // The resource blocks stay; the import blocks adopt what they name.
        acc.config(&format!("{}{IMPORTS}", resources()));
        let plan = acc.plan();
        assert_eq!(plan.code, 2, "{cli}: {}\n{}", plan.stdout, plan.stderr);
        assert!(
            plan.stdout
                .contains("Plan: 2 to import, 0 to add, 0 to change, 0 to destroy."),
            "{cli}: {}",
            plan.stdout
        );
        let apply = acc.apply();
        apply.assert_ok("apply (import blocks)");
        assert!(
            apply.stdout.contains(
                "Apply complete! Resources: 2 imported, 0 added, 0 changed, 0 destroyed."
            ),
            "{cli}: {}",
            apply.stdout
        );
    } else {
        // Terraform 1.0.3 has no import blocks (1.5+): the same adoption,
        // one `terraform import` per object.
        acc.config(&resources());
        for (address, id) in [
            ("proton_environment_template.web", "web"),
            ("proton_environment_template_version.v", "web:1.0"),
        ] {
            acc.work
                .run(&["import", "-no-color", "-input=false", address, id])
                .assert_ok("import");
        }
    }
    acc.assert_no_changes();
    assert_eq!(
        acc.attr("proton_environment_template_version.v", "arn"),
        arn,
        "{cli}: the same version is in state"
    );
    assert_eq!(
        creations(&acc),
        created,
        "{cli}: adopting created nothing in Proton"
    );
    destroy_leaves_nothing(&acc).await;
}

/// Only import blocks, no resource blocks: `plan -generate-config-out`
/// writes the resource blocks (Terraform 1.5+; 1.0.3 cannot generate
/// configuration).
#[tokio::test(flavor = "multi_thread")]
async fn generated_configuration_adopts_existing_objects_during_plan() {
    let cli = Cli::V1_15_5;
    let acc = Acc::new(cli);
    let (created, _) = created_then_forgotten(&acc);
    acc.config(IMPORTS);
    let generated = acc.work.config_dir().join("generated.tf");
    let plan = acc.work.run(&[
        "plan",
        "-no-color",
        "-input=false",
        "-generate-config-out=generated.tf",
    ]);
    plan.assert_ok("plan -generate-config-out");
    let text = std::fs::read_to_string(&generated).unwrap();
    for expected in [
        "resource \"proton_environment_template\" \"web\"",
        "resource \"proton_environment_template_version\" \"v\"",
        "key    = \"a.tar.gz\"",
    ] {
        assert!(text.contains(expected), "{cli}: {expected} not in:\n{text}");
    }
    let apply = acc.apply();
    apply.assert_ok("apply (generated configuration)");
    assert!(
        apply.stdout.contains("2 imported, 0 added, 0 changed"),
        "{cli}: {}",
        apply.stdout
    );
    acc.assert_no_changes();
    assert_eq!(
        acc.attr("proton_environment_template_version.v", "status"),
        "PUBLISHED"
    );
    // The hand-written configuration plans no change on what was generated.
    std::fs::remove_file(&generated).unwrap();
    acc.config(&resources());
    acc.assert_no_changes();
    assert_eq!(
        creations(&acc),
        created,
        "{cli}: adopting created nothing in Proton"
    );
    destroy_leaves_nothing(&acc).await;
}
