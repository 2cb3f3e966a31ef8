//! The data sources under both real Terraform CLIs against proton-local:
//! templates, their versions and the recommended version, all in one
//! configuration with the resources that create them. Every step applies and
//! then requires an empty plan; every test ends with the endpoint holding
//! nothing it created (checked through the API).
#![allow(deprecated)]

use crate::support;

use serde_json::json;
use support::acc::Acc;
use support::hcl::{self, Resource};
use support::proton_local::TemplateKind::{Environment, Service};
use support::terraform::{flat, Cli};

fn outputs(acc: &Acc) -> serde_json::Value {
    let run = acc.work.run(&["output", "-json", "-no-color"]);
    run.assert_ok("output");
    let all: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let mut values = serde_json::Map::new();
    for (name, output) in all.as_object().unwrap() {
        values.insert(name.clone(), output["value"].clone());
    }
    serde_json::Value::Object(values)
}

async fn nothing_left(acc: &Acc) {
    for kind in [Environment, Service] {
        let left = acc.endpoint.template_names(kind).await;
        assert!(left.is_empty(), "{left:?}");
    }
}

/// Version `label` of the template resource `web`, from `s3://bundles/env.tar.gz`.
fn env_version(label: &str) -> Resource {
    hcl::resource("proton_environment_template_version", label)
        .template_of("proton_environment_template.web")
        .s3("bundles", "env.tar.gz")
}

const ENV_READS: &str = r#"
data "proton_environment_template_version" "recommended" {
  template_name = proton_environment_template.web.name
  depends_on    = [proton_environment_template_version.v1, proton_environment_template_version.v2, proton_environment_template_version.v3]
}

data "proton_environment_template_version" "recommended_of_major" {
  template_name = proton_environment_template.web.name
  major_version = "1"
  depends_on    = [proton_environment_template_version.v1, proton_environment_template_version.v2, proton_environment_template_version.v3]
}

data "proton_environment_template_version" "explicit" {
  template_name = proton_environment_template.web.name
  major_version = proton_environment_template_version.v3.major_version
  minor_version = proton_environment_template_version.v3.minor_version
}

data "proton_environment_template" "web" {
  name       = proton_environment_template.web.name
  depends_on = [proton_environment_template_version.v1, proton_environment_template_version.v2, proton_environment_template_version.v3]
}

data "proton_environment_template_versions" "all" {
  template_name = proton_environment_template.web.name
  depends_on    = [proton_environment_template_version.v1, proton_environment_template_version.v2, proton_environment_template_version.v3]
}

data "proton_environment_template_versions" "major_2" {
  template_name = proton_environment_template.web.name
  major_version = "2"
  depends_on    = [proton_environment_template_version.v1, proton_environment_template_version.v2, proton_environment_template_version.v3]
}

output "recommended" { value = data.proton_environment_template_version.recommended }
output "recommended_of_major" { value = data.proton_environment_template_version.recommended_of_major }
output "explicit" { value = data.proton_environment_template_version.explicit }
output "template" { value = data.proton_environment_template.web }
output "all" { value = data.proton_environment_template_versions.all }
output "major_2" { value = data.proton_environment_template_versions.major_2 }
"#;

each_cli!(async environment_data_sources_read_what_the_same_configuration_created);
async fn environment_data_sources_read_what_the_same_configuration_created(cli: Cli) {
    let acc = Acc::new(cli);
    acc.endpoint
        .write_bundle(Environment, "bundles", "env.tar.gz");
    // 1.0 published, 1.1 and 2.0 drafts: the recommended version is 1.0
    // (the highest published, not the latest). The dependencies also give a
    // destroy order Proton accepts: the recommended version goes last.
    let (v1, v2) = (
        "proton_environment_template_version.v1",
        "proton_environment_template_version.v2",
    );
    let body = format!(
        "{}{}{}{}{ENV_READS}",
        hcl::resource("proton_environment_template", "web")
            .name("web")
            .string("display_name", "Web")
            .extra(r#"tags = { team = "a" }"#),
        env_version("v1").status("PUBLISHED").description("one"),
        env_version("v2")
            .major_of(v1)
            .set("depends_on", &format!("[{v1}]")),
        env_version("v3").set("depends_on", &format!("[{v2}]")),
    );
    acc.step(&body);
    let out = outputs(&acc);

    let recommended = &out["recommended"];
    assert_eq!(recommended["id"], "web:1.0");
    assert_eq!(recommended["major_version"], "1");
    assert_eq!(recommended["minor_version"], "0");
    assert_eq!(recommended["status"], "PUBLISHED");
    assert_eq!(recommended["description"], "one");
    assert_eq!(
        recommended["arn"],
        "arn:aws:proton:us-east-1:123456789012:environment-template/web:1.0"
    );
    assert!(recommended["schema"]
        .as_str()
        .unwrap()
        .contains("environment_input_type"));
    assert_eq!(recommended["tags"], json!({}));

    let of_major = &out["recommended_of_major"];
    assert_eq!(of_major["id"], "web:1.0");
    assert_eq!(of_major["description"], "one");
    assert_eq!(of_major["recommended_minor_version"], "0");

    let explicit = &out["explicit"];
    assert_eq!(explicit["id"], "web:2.0");
    assert_eq!(explicit["status"], "DRAFT");
    assert!(explicit["recommended_minor_version"].is_null());

    let template = &out["template"];
    assert_eq!(template["id"], "web");
    assert_eq!(template["display_name"], "Web");
    assert_eq!(template["recommended_version"], "1.0");
    assert_eq!(template["tags"], json!({"team": "a"}));
    assert!(template["provisioning"].is_null());

    let all = out["all"]["versions"].as_array().unwrap();
    let listed: Vec<(String, String)> = all
        .iter()
        .map(|v| {
            (
                format!(
                    "{}.{}",
                    v["major_version"].as_str().unwrap(),
                    v["minor_version"].as_str().unwrap()
                ),
                v["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        vec![
            ("1.0".to_string(), "PUBLISHED".to_string()),
            ("1.1".to_string(), "DRAFT".to_string()),
            ("2.0".to_string(), "DRAFT".to_string()),
        ]
    );
    assert_eq!(all[0]["description"], "one");
    assert_eq!(all[1]["recommended_minor_version"], "0");
    let major_2 = out["major_2"]["versions"].as_array().unwrap();
    assert_eq!(major_2.len(), 1);
    assert_eq!(major_2[0]["minor_version"], "0");
    assert_eq!(out["major_2"]["id"], "web:2");

    // An explicit draft version, read by its numbers.
    acc.step(&body.replace(
        "major_version = proton_environment_template_version.v3.major_version\n  minor_version = proton_environment_template_version.v3.minor_version",
        "major_version = \"1\"\n  minor_version = \"1\"\n  depends_on    = [proton_environment_template_version.v2]",
    ));
    let explicit = &outputs(&acc)["explicit"];
    assert_eq!(explicit["id"], "web:1.1");
    assert_eq!(explicit["status"], "DRAFT");
    assert!(explicit["description"].is_null());
    assert_eq!(explicit["recommended_minor_version"], "0");

    acc.destroy();
    nothing_left(&acc).await;
}

const SVC_READS: &str = r#"
data "proton_service_template_version" "recommended" {
  template_name = proton_service_template.api.name
  depends_on    = [proton_service_template_version.v1]
}

data "proton_service_template" "api" {
  name       = proton_service_template.api.name
  depends_on = [proton_service_template_version.v1]
}

data "proton_service_template_versions" "all" {
  template_name = proton_service_template_version.v1.template_name
}

output "recommended" { value = data.proton_service_template_version.recommended }
output "template" { value = data.proton_service_template.api }
output "all" { value = data.proton_service_template_versions.all }
"#;

each_cli!(async service_data_sources);
async fn service_data_sources(cli: Cli) {
    let acc = Acc::new(cli);
    acc.endpoint
        .write_bundle(Environment, "bundles", "env.tar.gz");
    acc.endpoint.write_bundle(Service, "bundles", "svc.tar.gz");
    let body = format!(
        "{}{}{}{}{SVC_READS}",
        hcl::resource("proton_environment_template", "web").name("net"),
        env_version("v1").status("PUBLISHED"),
        hcl::resource("proton_service_template", "api")
            .name("api")
            .description("the api")
            .string("pipeline_provisioning", "CUSTOMER_MANAGED"),
        hcl::resource("proton_service_template_version", "v1")
            .template_of("proton_service_template.api")
            .status("PUBLISHED")
            .compatible_with("proton_environment_template_version.v1")
            .extra(r#"supported_component_sources = ["DIRECTLY_DEFINED"]"#)
            .s3("bundles", "svc.tar.gz"),
    );
    acc.step(&body);
    let out = outputs(&acc);
    let recommended = &out["recommended"];
    assert_eq!(recommended["id"], "api:1.0");
    assert_eq!(recommended["status"], "PUBLISHED");
    assert_eq!(
        recommended["compatible_environment_template"],
        json!([{"template_name": "net", "major_version": "1"}])
    );
    assert_eq!(
        recommended["supported_component_sources"],
        json!(["DIRECTLY_DEFINED"])
    );
    assert!(recommended["schema"]
        .as_str()
        .unwrap()
        .contains("service_input_type"));
    let template = &out["template"];
    assert_eq!(template["pipeline_provisioning"], "CUSTOMER_MANAGED");
    assert_eq!(template["description"], "the api");
    assert_eq!(template["recommended_version"], "1.0");
    let all = out["all"]["versions"].as_array().unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["status"], "PUBLISHED");

    acc.destroy();
    nothing_left(&acc).await;
}

each_cli!(async look_ups_that_find_nothing_say_what_was_looked_for);
async fn look_ups_that_find_nothing_say_what_was_looked_for(cli: Cli) {
    let acc = Acc::new(cli);
    acc.endpoint
        .write_bundle(Environment, "bundles", "env.tar.gz");
    // A template with one draft version and nothing published.
    let base = format!(
        "{}{}",
        hcl::resource("proton_environment_template", "web").name("web"),
        env_version("v1")
    );
    acc.step(&base);

    // An existing template's version list is not an error, even when empty.
    acc.step(&format!(
        "{base}\ndata \"proton_environment_template_versions\" \"none\" {{\n  template_name = \"web\"\n  major_version = \"7\"\n}}\noutput \"none\" {{ value = data.proton_environment_template_versions.none.versions }}\n"
    ));
    assert_eq!(outputs(&acc)["none"], json!([]));

    for (data, expected) in [
        (
            "data \"proton_environment_template\" \"x\" {\n  name = \"nope\"\n}",
            "Found no environment template named `nope`",
        ),
        (
            "data \"proton_service_template\" \"x\" {\n  name = \"web\"\n}",
            "Found no service template named `web`",
        ),
        (
            "data \"proton_environment_template_version\" \"x\" {\n  template_name = \"web\"\n  major_version = \"9\"\n  minor_version = \"0\"\n}",
            "Found no environment template version `web:9.0`",
        ),
        (
            "data \"proton_environment_template_version\" \"x\" {\n  template_name = \"web\"\n  major_version = \"3\"\n}",
            "the environment template `web` has no major version 3",
        ),
        (
            "data \"proton_environment_template_version\" \"x\" {\n  template_name = \"web\"\n}",
            "recommended version of the environment template `web`, but it has none",
        ),
        (
            "data \"proton_environment_template_version\" \"x\" {\n  template_name = \"web\"\n  major_version = \"1\"\n}",
            "none of its versions is published (1.0 (DRAFT))",
        ),
        (
            "data \"proton_environment_template_version\" \"x\" {\n  template_name = \"nope\"\n}",
            "Found no environment template named `nope`",
        ),
        (
            "data \"proton_service_template_versions\" \"x\" {\n  template_name = \"nope\"\n}",
            "Found no service template named `nope`",
        ),
        (
            "data \"proton_environment_template_version\" \"x\" {\n  template_name = \"web\"\n  minor_version = \"0\"\n}",
            "set `major_version` too",
        ),
    ] {
        acc.config(&format!("{base}\n{data}\n"));
        let plan = acc.plan();
        assert_eq!(plan.code, 1, "{data}: {}", plan.stdout);
        assert!(
            flat(&plan.stderr).contains(expected),
            "{data}: {}",
            plan.stderr
        );
    }

    acc.config(&base);
    acc.destroy();
    nothing_left(&acc).await;
}
