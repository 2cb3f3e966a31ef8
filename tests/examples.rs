//! The examples under `examples/` (the ones the docs show) work: each is
//! applied with the real Terraform CLI against proton-local, with the
//! templates, versions and bundles its comment names; the plan after apply
//! is empty, the commands in `import.sh` import the resource back with an
//! empty plan, and destroy leaves nothing behind.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, deprecated)]

mod support;

use std::path::{Path, PathBuf};

use support::proton_local::ProtonLocal;
use support::terraform::{Cli, Run, Workdir};

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

fn read_example(relative: &str) -> String {
    let path = examples_dir().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A workdir whose `main.tf` is the endpoint's provider block plus `body`.
fn workdir_for(cli: Cli, local: &ProtonLocal, body: &str) -> Workdir {
    let work = Workdir::new(cli);
    work.write_config(&format!("{}\n{body}", local.provider_block("")));
    work.init();
    work
}

fn apply(work: &Workdir) -> Run {
    let run = work.run(&["apply", "-auto-approve", "-no-color", "-input=false"]);
    run.assert_ok("apply");
    run
}

/// `plan -detailed-exitcode` exits 0: nothing to change.
fn assert_no_changes(work: &Workdir, when: &str) {
    let plan = work.run(&["plan", "-no-color", "-input=false", "-detailed-exitcode"]);
    assert_eq!(
        plan.code, 0,
        "plan {when} is not empty:\n{}\n{}",
        plan.stdout, plan.stderr
    );
}

fn destroy(work: &Workdir) {
    work.run(&["destroy", "-auto-approve", "-no-color", "-input=false"])
        .assert_ok("destroy");
}

fn state_json(work: &Workdir) -> serde_json::Value {
    let show = work.run(&["show", "-json", "-no-color"]);
    show.assert_ok("show -json");
    serde_json::from_str(&show.stdout).unwrap()
}

/// The attribute values of `address` in the state.
fn resource_values(work: &Workdir, address: &str) -> serde_json::Value {
    let state = state_json(work);
    let resources = state["values"]["root_module"]["resources"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    resources
        .into_iter()
        .find(|r| r["address"] == address)
        .map(|r| r["values"].clone())
        .unwrap_or_else(|| panic!("{address} is not in the state: {state}"))
}

/// Runs every `terraform import ADDRESS ID` line of the example's
/// `import.sh`, each after removing the resource from the state, and checks
/// the plan after each import is empty.
fn check_import_commands(work: &Workdir, example: &str, expect_address: &str) {
    let script = read_example(&format!("resources/{example}/import.sh"));
    let commands: Vec<Vec<&str>> = script
        .lines()
        .map(str::trim)
        .filter(|line| line.starts_with("terraform import "))
        .map(|line| line.split_whitespace().skip(1).collect())
        .collect();
    assert!(
        commands.len() >= 2,
        "import.sh should show the name and ARN forms: {script}"
    );
    for command in commands {
        assert_eq!(
            command[1], expect_address,
            "import.sh imports another address"
        );
        work.run(&["state", "rm", "-no-color", expect_address])
            .assert_ok("state rm");
        let mut args = vec![command[0], "-no-color", "-input=false"];
        args.extend(&command[1..]);
        work.run(&args).assert_ok(&format!("{command:?}"));
        assert_no_changes(work, &format!("after `terraform {}`", command.join(" ")));
    }
}

/// proton-local holds no template (and so no version) at all.
async fn no_templates_left(local: &ProtonLocal) {
    let env = local
        .client
        .list_environment_templates()
        .send()
        .await
        .unwrap();
    assert!(env.templates().is_empty(), "left: {:?}", env.templates());
    let svc = local.client.list_service_templates().send().await.unwrap();
    assert!(svc.templates().is_empty(), "left: {:?}", svc.templates());
}

/// The outputs of the configuration, by name.
fn output_values(work: &Workdir) -> serde_json::Value {
    let run = work.run(&["output", "-json", "-no-color"]);
    run.assert_ok("output");
    let all: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let mut values = serde_json::Map::new();
    for (name, output) in all.as_object().unwrap() {
        values.insert(name.clone(), output["value"].clone());
    }
    serde_json::Value::Object(values)
}

each_cli!(template_examples_apply_import_and_destroy);
fn template_examples_apply_import_and_destroy(cli: Cli) {
    let rt = runtime();
    let local = ProtonLocal::start();
    let body = format!(
        "{}\n{}",
        read_example("resources/proton_environment_template/resource.tf"),
        read_example("resources/proton_service_template/resource.tf")
    );
    let work = workdir_for(cli, &local, &body);
    apply(&work);
    assert_no_changes(&work, "after apply");
    let env = resource_values(&work, "proton_environment_template.example");
    assert_eq!(env["id"], "example-env");
    assert_eq!(env["display_name"], "Example environment");
    assert_eq!(env["tags_all"]["team"], "platform");
    assert!(env["recommended_version"].is_null(), "{env}");
    let svc = resource_values(&work, "proton_service_template.example");
    assert_eq!(svc["id"], "example-svc");
    assert_eq!(svc["pipeline_provisioning"], "CUSTOMER_MANAGED");
    assert_eq!(svc["tags_all"]["team"], "web");

    check_import_commands(
        &work,
        "proton_environment_template",
        "proton_environment_template.example",
    );
    check_import_commands(
        &work,
        "proton_service_template",
        "proton_service_template.example",
    );

    destroy(&work);
    rt.block_on(no_templates_left(&local));
}

/// The templates and published 1.0 versions the data-source examples read,
/// created with this provider's resources.
const DATA_SOURCE_FIXTURES: &str = r#"
resource "proton_environment_template_version" "env" {
  template_name = proton_environment_template.example.name
  status        = "PUBLISHED"

  source {
    s3 {
      bucket = "example-bundles"
      key    = "environment/v1.tar.gz"
    }
  }
}

resource "proton_service_template_version" "svc" {
  template_name = proton_service_template.example.name
  status        = "PUBLISHED"

  source {
    s3 {
      bucket = "example-bundles"
      key    = "service/v1.tar.gz"
    }
  }

  compatible_environment_template {
    template_name = proton_environment_template_version.env.template_name
    major_version = proton_environment_template_version.env.major_version
  }
}
"#;

const DATA_SOURCE_EXAMPLES: [&str; 6] = [
    "proton_environment_template",
    "proton_environment_template_version",
    "proton_environment_template_versions",
    "proton_service_template",
    "proton_service_template_version",
    "proton_service_template_versions",
];

each_cli!(data_source_examples_read_what_they_name);
fn data_source_examples_read_what_they_name(cli: Cli) {
    let rt = runtime();
    let local = ProtonLocal::start();
    local.write_environment_bundle("example-bundles", "environment/v1.tar.gz", true);
    local.write_service_bundle("example-bundles", "service/v1.tar.gz");

    // What the examples read: the template examples plus a published 1.0 of each.
    let fixtures = workdir_for(
        cli,
        &local,
        &format!(
            "{}\n{}\n{DATA_SOURCE_FIXTURES}",
            read_example("resources/proton_environment_template/resource.tf"),
            read_example("resources/proton_service_template/resource.tf")
        ),
    );
    apply(&fixtures);

    // Every data-source example, as written, in one configuration.
    let examples: Vec<String> = DATA_SOURCE_EXAMPLES
        .iter()
        .map(|name| read_example(&format!("data-sources/{name}/data-source.tf")))
        .collect();
    let work = workdir_for(cli, &local, &examples.join("\n"));
    apply(&work);
    assert_no_changes(&work, "after apply");
    let outputs = output_values(&work);
    assert_eq!(outputs["environment_template_recommended_version"], "1.0");
    assert_eq!(
        outputs["service_template_pipeline_provisioning"],
        "CUSTOMER_MANAGED"
    );
    assert_eq!(
        outputs["environment_template_version_recommended"],
        "example-env:1.0"
    );
    assert_eq!(
        outputs["environment_template_published_versions"],
        serde_json::json!(["1.0"])
    );
    assert_eq!(
        outputs["service_template_version_statuses"],
        serde_json::json!({"1.0": "PUBLISHED"})
    );
    assert_eq!(
        outputs["service_template_version_compatible_environments"],
        serde_json::json!([{"template_name": "example-env", "major_version": "1"}])
    );
    for address in [
        "data.proton_environment_template_version.latest_1",
        "data.proton_environment_template_version.v1_0",
        "data.proton_service_template_version.v1_0",
    ] {
        assert_eq!(resource_values(&work, address)["status"], "PUBLISHED");
    }
    assert_eq!(
        resource_values(&work, "data.proton_environment_template_versions.major_1")["versions"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );

    destroy(&work);
    destroy(&fixtures);
    rt.block_on(no_templates_left(&local));
}

each_cli!(environment_template_version_example_applies_imports_and_destroys);
fn environment_template_version_example_applies_imports_and_destroys(cli: Cli) {
    let rt = runtime();
    let local = ProtonLocal::start();
    // What the example's comment asks for.
    rt.block_on(local.create_environment_template("example-env"));
    local.write_environment_bundle("example-bundles", "environment/v1.tar.gz", true);

    let example = "proton_environment_template_version";
    let work = workdir_for(
        cli,
        &local,
        &read_example(&format!("resources/{example}/resource.tf")),
    );
    apply(&work);
    assert_no_changes(&work, "after apply");
    assert_eq!(
        rt.block_on(local.environment_versions("example-env")),
        ["1.0"]
    );
    let values = resource_values(&work, "proton_environment_template_version.example");
    assert_eq!(values["id"], "example-env:1.0");
    assert_eq!(values["status"], "PUBLISHED");
    assert_eq!(values["tags_all"]["team"], "platform");

    check_import_commands(
        &work,
        example,
        "proton_environment_template_version.example",
    );

    destroy(&work);
    assert!(
        rt.block_on(local.environment_versions("example-env"))
            .is_empty(),
        "a version is left after destroy"
    );
}

each_cli!(service_template_version_example_applies_imports_and_destroys);
fn service_template_version_example_applies_imports_and_destroys(cli: Cli) {
    let rt = runtime();
    let local = ProtonLocal::start();
    rt.block_on(local.create_environment_template("example-env"));
    rt.block_on(local.create_service_template("example-svc"));
    local.write_environment_bundle("example-bundles", "environment/v1.tar.gz", true);
    local.write_service_bundle("example-bundles", "service/v1.tar.gz");

    let example = "proton_service_template_version";
    let work = workdir_for(
        cli,
        &local,
        &read_example(&format!("resources/{example}/resource.tf")),
    );
    apply(&work);
    assert_no_changes(&work, "after apply");
    assert_eq!(
        rt.block_on(local.environment_versions("example-env")),
        ["1.0"]
    );
    assert_eq!(rt.block_on(local.service_versions("example-svc")), ["1.0"]);
    let values = resource_values(&work, "proton_service_template_version.example");
    assert_eq!(values["id"], "example-svc:1.0");
    assert_eq!(values["status"], "PUBLISHED");
    assert_eq!(
        values["compatible_environment_template"][0]["template_name"],
        "example-env"
    );

    check_import_commands(&work, example, "proton_service_template_version.example");

    destroy(&work);
    assert!(
        rt.block_on(local.service_versions("example-svc"))
            .is_empty(),
        "a service version is left after destroy"
    );
    assert!(
        rt.block_on(local.environment_versions("example-env"))
            .is_empty(),
        "an environment version is left after destroy"
    );
}

each_cli!(provider_example_configures_the_provider);
fn provider_example_configures_the_provider(cli: Cli) {
    let rt = runtime();
    let local = ProtonLocal::start();
    rt.block_on(local.create_environment_template("provider-example"));
    local.write_environment_bundle("example-bundles", "environment/v1.tar.gz", true);

    // The example as written, pointed at this test's endpoint instead of the
    // default port; it has its own required_providers block.
    let provider = read_example("provider/provider.tf");
    assert!(
        provider.contains("\"http://127.0.0.1:4580\""),
        "provider.tf no longer points at proton-local's default address"
    );
    let provider = provider.replace("http://127.0.0.1:4580", &local.url);
    let resource = r#"
resource "proton_environment_template_version" "trivial" {
  template_name = "provider-example"

  source {
    s3 {
      bucket = "example-bundles"
      key    = "environment/v1.tar.gz"
    }
  }
}
"#;
    let work = Workdir::new(cli);
    std::fs::write(
        work.config_dir().join("main.tf"),
        format!("{provider}{resource}"),
    )
    .unwrap();
    work.init();
    apply(&work);
    assert_no_changes(&work, "after apply");
    let values = resource_values(&work, "proton_environment_template_version.trivial");
    assert_eq!(values["status"], "DRAFT");
    assert_eq!(
        values["tags_all"]["managed-by"], "terraform",
        "default_tags from provider.tf did not reach tags_all: {values}"
    );
    destroy(&work);
    assert!(rt
        .block_on(local.environment_versions("provider-example"))
        .is_empty());
}

each_cli!(quickstart_configuration_applies_with_its_bundles);
fn quickstart_configuration_applies_with_its_bundles(cli: Cli) {
    let rt = runtime();
    let local = ProtonLocal::start();
    // The configuration creates its templates; only the bundles are given:
    // the quickstart's own sources, archived the way
    // `cargo run -p xtask -- bundle` does.
    let bucket_dir = local.bundle_dir.path().join("quickstart-bundles");
    std::fs::create_dir_all(&bucket_dir).unwrap();
    for name in ["environment", "service"] {
        let bytes = archive(&examples_dir().join("quickstart/bundles").join(name));
        std::fs::write(bucket_dir.join(format!("{name}.tar.gz")), bytes).unwrap();
    }

    let work = Workdir::new(cli);
    let main = read_example("quickstart/main.tf");
    std::fs::write(work.config_dir().join("main.tf"), main).unwrap();
    work.init();
    let endpoint = format!("endpoint={}", local.url);
    let vars = ["-var", endpoint.as_str()];
    let mut args = vec!["apply", "-auto-approve", "-no-color", "-input=false"];
    args.extend(vars);
    work.run(&args).assert_ok("apply");
    let mut args = vec!["plan", "-no-color", "-input=false", "-detailed-exitcode"];
    args.extend(vars);
    let plan = work.run(&args);
    assert_eq!(
        plan.code, 0,
        "plan after apply:\n{}\n{}",
        plan.stdout, plan.stderr
    );
    let outputs = output_values(&work);
    assert_eq!(
        outputs["templates"]["environment"]["name"],
        "quickstart-env"
    );
    assert_eq!(outputs["templates"]["service"]["name"], "quickstart-svc");
    assert_eq!(
        outputs["environment_template_version"]["status"],
        "PUBLISHED"
    );
    assert_eq!(
        outputs["service_template_version"]["id"],
        "quickstart-svc:1.0"
    );
    assert_eq!(
        outputs["service_template_draft_version"],
        serde_json::json!({"id": "quickstart-svc:1.1", "status": "DRAFT"})
    );
    assert_eq!(
        outputs["recommended_service_template_version"],
        serde_json::json!({"id": "quickstart-svc:1.0", "status": "PUBLISHED"})
    );
    let schema = outputs["service_schema"].as_str().unwrap();
    assert!(schema.contains("service_input_type"), "{schema}");

    let mut args = vec!["destroy", "-auto-approve", "-no-color", "-input=false"];
    args.extend(vars);
    work.run(&args).assert_ok("destroy");
    rt.block_on(no_templates_left(&local));
}

/// A `.tar.gz` of everything under `dir` (paths relative to it).
fn archive(dir: &Path) -> Vec<u8> {
    let encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut builder = tar::Builder::new(encoder);
    builder.append_dir_all(".", dir).unwrap();
    builder.into_inner().unwrap().finish().unwrap()
}

each_cli!(examples_are_terraform_fmt_clean);
fn examples_are_terraform_fmt_clean(cli: Cli) {
    let fmt = cli
        .command()
        .args(["fmt", "-check", "-recursive", "-list=true", "-no-color"])
        .arg(examples_dir())
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .output()
        .unwrap();
    assert!(
        fmt.status.success(),
        "{cli} fmt would change: {}{}",
        String::from_utf8_lossy(&fmt.stdout),
        String::from_utf8_lossy(&fmt.stderr)
    );
}
