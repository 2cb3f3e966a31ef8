//! Literal `major_version`s under both real Terraform CLIs against proton-local: what a
//! module's `for_each` map needs, since it cannot leave `major_version` out on one instance and
//! refer to it from the others. Proton numbers new major versions itself (one above the
//! highest it ever made), so a literal major that does not exist yet is created only when it
//! is the number Proton assigns next, by exactly one instance; no version is ever created and
//! deleted again.
#![allow(deprecated)]

use crate::support;

use support::acc::Acc;
use support::hcl;
use support::proton_local::TemplateKind::Environment;
use support::terraform::Cli;

const ENV: &str = "proton_environment_template_version";

/// A module-style map of instances, each with a literal major and its own bundle.
fn versions_map(majors: &[(&str, &str)]) -> String {
    let entries: Vec<String> = majors
        .iter()
        .map(|(key, major)| format!("  {key} = \"{major}\""))
        .collect();
    hcl::resource(ENV, "v")
        .set("for_each", &format!("{{\n{}\n}}", entries.join("\n")))
        .template("web")
        .set("major_version", "each.value")
        .s3("bundles", "${each.key}.tar.gz")
        .to_string()
}

fn requests(acc: &Acc, operation: &str) -> u64 {
    acc.endpoint.counters()["requests"][operation]
        .as_u64()
        .unwrap_or(0)
}

fn sorted(mut versions: Vec<String>) -> Vec<String> {
    versions.sort();
    versions
}

each_cli!(async a_for_each_map_of_literal_majors_creates_them_in_one_apply);
async fn a_for_each_map_of_literal_majors_creates_them_in_one_apply(cli: Cli) {
    let acc = Acc::with_web_template(cli, &["a.tar.gz", "b.tar.gz", "c.tar.gz"]).await;
    acc.endpoint.reset_counters();
    acc.step(&versions_map(&[("a", "1"), ("b", "1"), ("c", "2")]));

    let of = |key: &str| acc.attr(&format!("{ENV}.v[\"{key}\"]"), "major_version");
    assert_eq!(
        (of("a"), of("b"), of("c")),
        ("1".into(), "1".into(), "2".into())
    );
    assert_eq!(
        sorted(acc.endpoint.versions(Environment, "web").await),
        ["1.0", "1.1", "2.0"]
    );
    // Three versions made, none deleted: no instance created a version it then took back.
    assert_eq!(acc.endpoint.counters()["versions_created"], 3);
    assert_eq!(requests(&acc, "DeleteEnvironmentTemplateVersion"), 0);

    acc.destroy();
    assert!(acc.endpoint.versions(Environment, "web").await.is_empty());
}

each_cli!(async the_next_literal_major_is_added_to_a_template_that_has_one);
async fn the_next_literal_major_is_added_to_a_template_that_has_one(cli: Cli) {
    let acc = Acc::with_web_template(cli, &["a.tar.gz", "b.tar.gz"]).await;
    acc.step(&versions_map(&[("a", "1")]));
    assert_eq!(acc.endpoint.versions(Environment, "web").await, ["1.0"]);

    acc.endpoint.reset_counters();
    acc.step(&versions_map(&[("a", "1"), ("b", "2")]));
    assert_eq!(acc.attr(&format!("{ENV}.v[\"b\"]"), "id"), "web:2.0");
    assert_eq!(
        sorted(acc.endpoint.versions(Environment, "web").await),
        ["1.0", "2.0"]
    );
    assert_eq!(acc.endpoint.counters()["versions_created"], 1);
    assert_eq!(requests(&acc, "DeleteEnvironmentTemplateVersion"), 0);

    acc.destroy();
    assert!(acc.endpoint.versions(Environment, "web").await.is_empty());
}

each_cli!(async a_literal_major_that_is_not_next_fails_and_creates_nothing);
async fn a_literal_major_that_is_not_next_fails_and_creates_nothing(cli: Cli) {
    let acc = Acc::with_web_template(cli, &["a.tar.gz", "b.tar.gz"]).await;
    acc.step(&versions_map(&[("a", "1")]));

    acc.endpoint.reset_counters();
    acc.config(&versions_map(&[("a", "1"), ("b", "5")]));
    let run = acc.apply();
    assert_ne!(
        run.code, 0,
        "{}: apply should fail:\n{}",
        run.cli, run.stdout
    );
    // Terraform wraps long lines; compare the words.
    let words = run.stderr.split_whitespace().collect::<Vec<_>>().join(" ");
    for expected in [
        "major version 5",
        "Proton would assign 2",
        "major_version = \"2\"",
        "omit major_version",
    ] {
        assert!(
            words.contains(expected),
            "{}: no {expected:?} in:\n{}",
            run.cli,
            run.stderr
        );
    }
    assert_eq!(acc.endpoint.versions(Environment, "web").await, ["1.0"]);
    assert_eq!(acc.endpoint.counters()["versions_created"], 0);
    assert_eq!(requests(&acc, "DeleteEnvironmentTemplateVersion"), 0);

    acc.config(&versions_map(&[("a", "1")]));
    acc.destroy();
    assert!(acc.endpoint.versions(Environment, "web").await.is_empty());
}
