//! Repeatable create: an apply interrupted while Proton registers a new
//! version (Ctrl-C, Terraform killed, provider killed) is followed by an
//! apply that converges, and Proton is left with no duplicate version.
#![allow(deprecated)]

use crate::support;

use std::process::{Child, Command};

use support::acc::Acc;
use support::hcl;
use support::proton_local::Options;
use support::proton_local::TemplateKind::Environment;
use support::terraform::Cli;

/// One version of template `web`.
fn config() -> String {
    hcl::resource("proton_environment_template_version", "v")
        .template("web")
        .description("interrupted")
        .s3("bundles", "a.tar.gz")
        .to_string()
}

/// The provider processes Terraform started (they share its process group).
fn provider_pids_in(group: u32) -> Vec<u32> {
    let output = Command::new("pgrep")
        .args(["-g", &group.to_string(), "-f", "terraform-provider-proton"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

/// `kill -NAME -- TARGET`: a pid, or `-PGID` for a whole process group (as
/// a terminal signals its foreground job).
fn signal(target: &str, name: &str) {
    assert!(Command::new("kill")
        .args([&format!("-{name}"), "--", target])
        .status()
        .unwrap()
        .success());
}

fn group(leader: &Child) -> String {
    format!("-{}", leader.id())
}

async fn setup(cli: Cli) -> Acc {
    let acc = Acc::with_options(
        cli,
        Options {
            registration_delay: Some("3s"),
            ..Default::default()
        },
    );
    acc.endpoint.create_template(Environment, "web").await;
    acc.endpoint
        .write_bundle(Environment, "bundles", "a.tar.gz");
    acc.config(&config());
    acc
}

/// After the interruption, one apply converges to an empty plan and Proton
/// holds exactly one version of the template.
async fn assert_converges_without_duplicates(acc: &Acc) {
    acc.step(&config());
    let versions = acc.endpoint.versions(Environment, "web").await;
    assert_eq!(
        versions.len(),
        1,
        "duplicate versions left in Proton: {versions:?}"
    );
    assert_eq!(
        acc.attr("proton_environment_template_version.v", "id"),
        format!("web:{}", versions[0])
    );
    acc.destroy();
    assert!(acc.endpoint.versions(Environment, "web").await.is_empty());
}

each_cli!(async killed_terraform_then_apply_adopts_the_version);
async fn killed_terraform_then_apply_adopts_the_version(cli: Cli) {
    let acc = setup(cli).await;
    let mut terraform = acc.work.apply_until_waiting();
    // Terraform and everything it started die at once.
    signal(&group(&terraform), "KILL");
    terraform.wait().unwrap();
    // Terraform never saved the object; the next apply sends the same client
    // token and Proton hands back the version it already made.
    assert_converges_without_duplicates(&acc).await;
    assert_eq!(acc.endpoint.counters()["versions_created"], 1);
}

each_cli!(async killed_provider_then_apply_adopts_the_version);
async fn killed_provider_then_apply_adopts_the_version(cli: Cli) {
    let acc = setup(cli).await;
    let mut terraform = acc.work.apply_until_waiting();
    let providers = provider_pids_in(terraform.id());
    assert!(!providers.is_empty(), "no provider process found");
    for pid in providers {
        signal(&pid.to_string(), "KILL");
    }
    let status = terraform.wait().unwrap();
    assert!(
        !status.success(),
        "the apply cannot succeed without its provider"
    );
    assert_converges_without_duplicates(&acc).await;
    assert_eq!(acc.endpoint.counters()["versions_created"], 1);
}

each_cli!(async interrupted_terraform_keeps_the_object_and_the_next_apply_converges);
async fn interrupted_terraform_keeps_the_object_and_the_next_apply_converges(cli: Cli) {
    let acc = setup(cli).await;
    let mut terraform = acc.work.apply_until_waiting();
    // Ctrl-C: Terraform asks the provider to stop; the wait ends at once and
    // the version is returned so Terraform keeps it (tainted).
    signal(&group(&terraform), "INT");
    let status = terraform.wait().unwrap();
    assert!(!status.success());
    let state = acc.work.run(&["show", "-no-color"]);
    assert!(
        state
            .stdout
            .contains("proton_environment_template_version.v"),
        "{}",
        state.stdout
    );
    assert!(state.stdout.contains("tainted"), "{}", state.stdout);
    assert_converges_without_duplicates(&acc).await;
}
