//! `region` on every resource, data source and list resource (terraform-provider-aws 6.x's
//! "enhanced region support"), under both real Terraform CLIs against proton-local, which keeps
//! each region's objects apart as Proton does: an object lives in the region it names (the
//! provider's when it names none), a change of region replaces it, and imports (`ID@REGION`, an
//! ARN, an identity) adopt the object of the region they name.
#![allow(deprecated)]

use crate::support;

use support::acc::Acc;
use support::hcl;
use support::proton_local::{Options, ProtonLocal};
use support::terraform::{flat, Cli};

const ENV: &str = "proton_environment_template";
const ENV_VERSION: &str = "proton_environment_template_version";
const ELSEWHERE: &str = "eu-west-1";

/// The template `web` and its version in `region` (a literal, or none for the provider's),
/// the template `home` in the provider's region, and a data source reading `web` there.
fn config(region: Option<&str>) -> String {
    let with_region = |resource: hcl::Resource| match region {
        Some(region) => resource.string("region", region),
        None => resource,
    };
    let read = match region {
        Some(region) => format!("  region = \"{region}\"\n"),
        None => String::new(),
    };
    format!(
        "{}{}{}\ndata \"{ENV}\" \"web\" {{\n  name = {ENV}.web.name\n{read}}}\n\noutput \"read_arn\" {{\n  value = data.{ENV}.web.arn\n}}\n",
        with_region(hcl::resource(ENV, "web").name("web")),
        with_region(
            hcl::resource(ENV_VERSION, "v")
                .template_of(&format!("{ENV}.web"))
                .s3("bundles", "a.tar.gz")
        ),
        hcl::resource(ENV, "home").name("home"),
    )
}

/// The names of the environment templates in `region`.
async fn names_in(endpoint: &ProtonLocal, region: &str) -> Vec<String> {
    let list = endpoint
        .client_in(region)
        .list_environment_templates()
        .send()
        .await
        .unwrap();
    let mut names: Vec<String> = list.templates().iter().map(|t| t.name().into()).collect();
    names.sort();
    names
}

/// Removes `region` from every resource in the state, as an earlier provider wrote it.
fn forget_regions(acc: &Acc) {
    let pulled = acc.work.run(&["state", "pull"]);
    pulled.assert_ok("state pull");
    let mut state: serde_json::Value = serde_json::from_str(&pulled.stdout).unwrap();
    state["serial"] = (state["serial"].as_u64().unwrap() + 1).into();
    for resource in state["resources"].as_array_mut().unwrap() {
        for instance in resource["instances"].as_array_mut().unwrap() {
            instance["attributes"]
                .as_object_mut()
                .unwrap()
                .remove("region");
        }
    }
    let file = acc.work.config_dir().join("old.tfstate");
    std::fs::write(&file, state.to_string()).unwrap();
    acc.work
        .run(&["state", "push", file.to_str().unwrap()])
        .assert_ok("state push");
    std::fs::remove_file(file).unwrap();
}

fn import(acc: &Acc, address: &str, id: &str) {
    acc.work
        .run(&["import", "-no-color", "-input=false", address, id])
        .assert_ok(&format!("import {address} {id}"));
}

each_cli!(async objects_live_in_the_region_they_name_and_import_from_it);
async fn objects_live_in_the_region_they_name_and_import_from_it(cli: Cli) {
    let acc = Acc::new(cli);
    acc.endpoint.write_bundle(
        support::proton_local::TemplateKind::Environment,
        "bundles",
        "a.tar.gz",
    );
    acc.step(&config(Some(ELSEWHERE)));

    let web = format!("{ENV}.web");
    let version = format!("{ENV_VERSION}.v");
    let home = format!("{ENV}.home");
    assert_eq!(acc.attr(&web, "region"), ELSEWHERE, "{cli}");
    assert_eq!(acc.attr(&version, "region"), ELSEWHERE, "{cli}");
    assert_eq!(
        acc.attr(&home, "region"),
        "us-east-1",
        "{cli}: the provider's region"
    );
    let arn = acc.attr(&web, "arn");
    assert!(arn.starts_with("arn:aws:proton:eu-west-1:"), "{cli}: {arn}");
    assert!(
        acc.attr(&version, "arn")
            .starts_with("arn:aws:proton:eu-west-1:"),
        "{cli}"
    );
    assert_eq!(names_in(&acc.endpoint, ELSEWHERE).await, ["web"], "{cli}");
    assert_eq!(
        names_in(&acc.endpoint, "us-east-1").await,
        ["home"],
        "{cli}"
    );
    let output = acc.work.run(&["output", "-raw", "read_arn"]);
    assert_eq!(
        output.stdout.trim(),
        arn,
        "{cli}: the data source read another region"
    );

    // A state written before `region` existed has none: the refresh fills it in, and the plan
    // is empty (rule 3).
    forget_regions(&acc);
    acc.assert_no_changes();
    acc.work
        .run(&["apply", "-refresh-only", "-auto-approve", "-no-color"])
        .assert_ok("refresh");
    assert_eq!(acc.attr(&web, "region"), ELSEWHERE, "{cli}");

    // Another region is another object: the plan replaces, naming `region`.
    acc.config(&config(Some("eu-central-1")));
    let moved = acc.plan();
    assert_eq!(moved.code, 2, "{cli}:\n{}\n{}", moved.stdout, moved.stderr);
    let text = flat(&moved.stdout);
    assert!(
        text.contains(&format!("# {web} must be replaced")) && text.contains("forces replacement"),
        "{cli}: {text}"
    );
    acc.config(&config(Some(ELSEWHERE)));

    // Imports adopt the object of the region they name.
    for (template_id, version_id) in [
        ("web@eu-west-1".to_string(), "web:1.0@eu-west-1".to_string()),
        (arn.clone(), acc.attr(&version, "arn")),
    ] {
        acc.work
            .run(&["state", "rm", &web, &version])
            .assert_ok("state rm");
        import(&acc, &web, &template_id);
        import(&acc, &version, &version_id);
        assert_eq!(acc.attr(&web, "region"), ELSEWHERE, "{cli}: {template_id}");
        acc.assert_no_changes();
    }

    acc.destroy();
    assert!(names_in(&acc.endpoint, ELSEWHERE).await.is_empty(), "{cli}");
    assert!(
        names_in(&acc.endpoint, "us-east-1").await.is_empty(),
        "{cli}"
    );
}

each_cli!(async a_region_outside_the_partition_or_malformed_is_refused_at_plan);
async fn a_region_outside_the_partition_or_malformed_is_refused_at_plan(cli: Cli) {
    let acc = Acc::new(cli);
    for (region, named) in [("cn-north-1", "aws-cn"), ("Mars", "Mars")] {
        acc.config(
            &hcl::resource(ENV, "web")
                .name("web")
                .string("region", region)
                .to_string(),
        );
        acc.endpoint.reset_counters();
        let plan = acc.plan();
        assert_eq!(plan.code, 1, "{cli}: {region}:\n{}", plan.stdout);
        let text = flat(&plan.stderr);
        assert!(
            text.contains("region") && text.contains(named),
            "{cli}: {region}: {text}"
        );
        assert_eq!(
            acc.endpoint.total_requests(),
            0,
            "{cli}: {region}: a call was made"
        );
    }
}

/// Terraform 1.12+ only: identities carry the region, and import blocks by identity and
/// `terraform query` (1.14+) reach the region they name.
#[tokio::test(flavor = "multi_thread")]
async fn identities_and_list_resources_carry_the_region() {
    let cli = Cli::V1_15_5;
    let acc = Acc::with_options(
        cli,
        Options {
            registration_delay: Some("0s"),
            ..Options::default()
        },
    );
    let elsewhere = acc.endpoint.client_in(ELSEWHERE);
    elsewhere
        .create_environment_template()
        .name("far")
        .send()
        .await
        .unwrap();
    acc.endpoint
        .create_template(support::proton_local::TemplateKind::Environment, "near")
        .await;

    let resource = hcl::resource(ENV, "far")
        .name("far")
        .string("region", ELSEWHERE);
    acc.config(&format!(
        "{resource}\nimport {{\n  to       = {ENV}.far\n  identity = {{ name = \"far\", region = \"{ELSEWHERE}\" }}\n}}\n"
    ));
    let apply = acc.apply();
    apply.assert_ok("apply with an identity import");
    assert!(
        flat(&apply.stdout).contains("1 imported, 0 added, 0 changed, 0 destroyed"),
        "{}",
        apply.stdout
    );
    acc.assert_no_changes();
    let show = acc.work.run(&["show", "-json", "-no-color"]);
    let state: serde_json::Value = serde_json::from_str(&show.stdout).unwrap();
    let far = &state["values"]["root_module"]["resources"][0];
    assert_eq!(far["identity"]["region"], ELSEWHERE, "{far}");
    assert_eq!(far["values"]["region"], ELSEWHERE, "{far}");

    acc.config("");
    std::fs::write(
        acc.work.config_dir().join("query.tfquery.hcl"),
        format!(
            "list \"{ENV}\" \"far\" {{\n  provider = proton\n  config {{\n    region = \"{ELSEWHERE}\"\n  }}\n}}\n\nlist \"{ENV}\" \"near\" {{\n  provider = proton\n}}\n"
        ),
    )
    .unwrap();
    let found = acc.work.query_results();
    let names = |address: &str| -> Vec<(String, String)> {
        found[address]
            .iter()
            .map(|f| {
                (
                    f.identity["name"].as_str().unwrap().to_string(),
                    f.identity["region"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    assert_eq!(
        names(&format!("list.{ENV}.far")),
        [("far".to_string(), ELSEWHERE.to_string())]
    );
    assert_eq!(
        names(&format!("list.{ENV}.near")),
        [("near".to_string(), "us-east-1".to_string())]
    );
}
