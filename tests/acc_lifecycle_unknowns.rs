//! Values unknown at plan time, under both real Terraform CLIs against
//! proton-local (issue 20, items 3 and 8a).
//!
//! The documented pattern `major_version = <first>.major_version` makes the
//! second minor's `major_version` unknown whenever the first is replaced (a
//! new bundle, `-replace`, or deleted out of band). Terraform must then plan
//! the second one's replacement, honestly, and the one apply must match that
//! plan: no "Provider produced inconsistent final plan", exit 0, a truthful
//! state and an empty plan after. A create that does not set `status` plans
//! `DRAFT`, which is what Proton registers.
#![allow(deprecated)]

use crate::support;

use support::acc::Acc;
use support::hcl::{self, SHORT_DELETE};
use support::proton_local::TemplateKind::Environment;
use support::terraform::{Cli, Run};

const ENV: &str = "proton_environment_template_version";
const FIRST: &str = "proton_environment_template_version.first";
const SECOND: &str = "proton_environment_template_version.second";

/// The template and its two published minors; `first_key` is the first
/// one's bundle, the second takes its major version from the first.
fn two_minors(first_key: &str) -> String {
    let published = |label: &str, key: &str| {
        hcl::resource(ENV, label)
            .template_of("proton_environment_template.web")
            .status("PUBLISHED")
            .s3("bundles", key)
            .extra(SHORT_DELETE)
    };
    format!(
        "{}{}{}",
        hcl::resource("proton_environment_template", "web").name("web"),
        published("first", first_key),
        published("second", "e2.tar.gz").major_of(FIRST),
    )
}

/// Applies the two minors from scratch: 1.0 and 1.1.
fn applied_two_minors(cli: Cli) -> Acc {
    let acc = Acc::new(cli);
    for key in ["e1.tar.gz", "e2.tar.gz", "e3.tar.gz"] {
        acc.endpoint.write_bundle(Environment, "bundles", key);
    }
    acc.step(&two_minors("e1.tar.gz"));
    assert_eq!(acc.attr(FIRST, "id"), "web:1.0");
    assert_eq!(acc.attr(SECOND, "id"), "web:1.1");
    acc
}

/// `terraform plan -out=tfplan` with `extra`, then the saved plan as JSON.
fn saved_plan(acc: &Acc, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["plan", "-no-color", "-input=false", "-out=tfplan"];
    args.extend_from_slice(extra);
    acc.work.run(&args).assert_ok("plan -out");
    let show = acc.work.run(&["show", "-json", "-no-color", "tfplan"]);
    show.assert_ok("show -json tfplan");
    serde_json::from_str(&show.stdout).unwrap()
}

/// The planned actions (`["delete", "create"]`, …) of `address`.
fn actions(plan: &serde_json::Value, address: &str) -> Vec<String> {
    let changes = plan["resource_changes"].as_array().unwrap();
    let change = changes
        .iter()
        .find(|c| c["address"] == address)
        .unwrap_or_else(|| panic!("{address} is not in the plan: {plan}"));
    change["change"]["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect()
}

/// Applies the saved plan: one apply, which must succeed with no
/// inconsistency errors (the symptom of planning a configured unknown as
/// its prior value).
fn apply_saved(acc: &Acc) -> Run {
    let run = acc
        .work
        .run(&["apply", "-no-color", "-input=false", "tfplan"]);
    assert!(
        !run.stderr.contains("inconsistent final plan"),
        "{}: the apply did not match the plan:\n{}",
        run.cli,
        run.stderr
    );
    run.assert_ok("apply tfplan");
    run
}

/// Both minors are replaced (the second because its major version is
/// unknown until the first exists again), the one apply matches the plan,
/// the state names exactly what Proton has and the next plan is empty.
async fn assert_both_replaced_in_one_apply(acc: &Acc, extra: &[&str]) {
    let plan = saved_plan(acc, extra);
    // The apply first: it is where a dishonest plan shows.
    apply_saved(acc);
    let replace = ["delete", "create"];
    assert_eq!(actions(&plan, SECOND), replace, "{}", acc.work.cli);
    let first_actions = actions(&plan, FIRST);
    assert!(
        first_actions == replace || first_actions == ["create"],
        "{}: {first_actions:?}",
        acc.work.cli
    );
    acc.assert_no_changes();

    let first = acc.attributes(FIRST);
    let second = acc.attributes(SECOND);
    assert_eq!(second["major_version"], first["major_version"]);
    assert_eq!(first["status"], "PUBLISHED");
    assert_eq!(second["status"], "PUBLISHED");
    let in_state = |v: &serde_json::Value| {
        let id = v["id"].as_str().unwrap();
        id.strip_prefix("web:").unwrap().to_string()
    };
    // Terraform destroys 1.1, then 1.0 (or finds it gone), creates the
    // first in a new major, then the second beside it.
    assert_eq!(first["id"], "web:2.0", "{}", acc.work.cli);
    assert_eq!(second["id"], "web:2.1", "{}", acc.work.cli);
    let mut expected = vec![in_state(&first), in_state(&second)];
    expected.sort();
    let mut listed = acc.endpoint.versions(Environment, "web").await;
    listed.sort();
    assert_eq!(
        listed, expected,
        "{}: Proton has other versions than the state",
        acc.work.cli
    );

    // The destroy takes the template, and with it every version.
    acc.destroy();
    let templates = acc.endpoint.template_names(Environment).await;
    assert!(templates.is_empty(), "{templates:?}");
}

each_cli!(async a_new_bundle_for_the_first_minor_replaces_the_second_in_the_same_apply);
async fn a_new_bundle_for_the_first_minor_replaces_the_second_in_the_same_apply(cli: Cli) {
    let acc = applied_two_minors(cli);
    acc.config(&two_minors("e3.tar.gz"));
    assert_both_replaced_in_one_apply(&acc, &[]).await;
}

each_cli!(async replacing_the_first_minor_replaces_the_second_in_the_same_apply);
async fn replacing_the_first_minor_replaces_the_second_in_the_same_apply(cli: Cli) {
    let acc = applied_two_minors(cli);
    assert_both_replaced_in_one_apply(&acc, &[&format!("-replace={FIRST}")]).await;
}

each_cli!(async a_first_minor_deleted_out_of_band_is_recreated_with_the_second);
async fn a_first_minor_deleted_out_of_band_is_recreated_with_the_second(cli: Cli) {
    let acc = applied_two_minors(cli);
    // Proton lets 1.0 go: the recommended version of major 1 is 1.1.
    acc.endpoint.delete_environment_version("web", "1.0").await;
    assert_both_replaced_in_one_apply(&acc, &[]).await;
}

each_cli!(async a_create_without_status_plans_draft);
async fn a_create_without_status_plans_draft(cli: Cli) {
    let acc = Acc::with_web_template(cli, &["e1.tar.gz"]).await;
    acc.config(
        &hcl::resource(ENV, "draft")
            .template("web")
            .s3("bundles", "e1.tar.gz")
            .to_string(),
    );
    let plan = saved_plan(&acc, &[]);
    let changes = plan["resource_changes"].as_array().unwrap();
    let change = &changes[0]["change"];
    assert_eq!(change["after"]["status"], "DRAFT", "{cli}: {change}");
    assert_ne!(
        change["after_unknown"]["status"],
        serde_json::Value::Bool(true),
        "{cli}: {change}"
    );

    apply_saved(&acc);
    acc.assert_no_changes();
    assert_eq!(acc.attr(&format!("{ENV}.draft"), "status"), "DRAFT");
    acc.destroy();
    assert!(acc.endpoint.versions(Environment, "web").await.is_empty());
}
