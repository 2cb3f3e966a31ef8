//! The examples under `examples/` (the ones the docs show) work: each is
//! applied with the real Terraform CLI against proton-local, with the
//! templates, versions and bundles its comment names; the plan after apply
//! is empty, the commands in `import.sh` import the resource back with an
//! empty plan, and destroy leaves nothing behind. The `.tfquery.hcl`
//! examples (list resources, adoption) and the docs' `import` blocks by
//! identity run on Terraform 1.15.5 only: 1.0.3 has neither `terraform
//! query` nor identity.
#![allow(deprecated)]

use crate::support;

use std::path::{Path, PathBuf};

use support::hcl;
use support::proton_local::ProtonLocal;
use support::proton_local::TemplateKind::{Environment, Service};
use support::terraform::{flat, Cli, Run, Workdir};

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

/// The templates' published 1.0 versions the data-source examples read,
/// created with this provider's resources: the environment version labelled
/// `env_label`, the service version `svc_label`.
fn data_source_fixtures(env_label: &str, svc_label: &str) -> String {
    let env = format!("proton_environment_template_version.{env_label}");
    format!(
        "{}{}",
        hcl::resource("proton_environment_template_version", env_label)
            .template_of("proton_environment_template.example")
            .status("PUBLISHED")
            .s3("example-bundles", "environment/v1.tar.gz"),
        hcl::resource("proton_service_template_version", svc_label)
            .template_of("proton_service_template.example")
            .status("PUBLISHED")
            .s3("example-bundles", "service/v1.tar.gz")
            .compatible_with(&env),
    )
}

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
    local.write_bundle(Environment, "example-bundles", "environment/v1.tar.gz");
    local.write_bundle(Service, "example-bundles", "service/v1.tar.gz");

    // What the examples read: the template examples plus a published 1.0 of each.
    let fixtures = workdir_for(
        cli,
        &local,
        &format!(
            "{}\n{}\n{}",
            read_example("resources/proton_environment_template/resource.tf"),
            read_example("resources/proton_service_template/resource.tf"),
            data_source_fixtures("env", "svc"),
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
    rt.block_on(local.create_template(Environment, "example-env"));
    local.write_bundle(Environment, "example-bundles", "environment/v1.tar.gz");

    let example = "proton_environment_template_version";
    let work = workdir_for(
        cli,
        &local,
        &read_example(&format!("resources/{example}/resource.tf")),
    );
    apply(&work);
    assert_no_changes(&work, "after apply");
    assert_eq!(
        rt.block_on(local.versions(Environment, "example-env")),
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
        rt.block_on(local.versions(Environment, "example-env"))
            .is_empty(),
        "a version is left after destroy"
    );
}

each_cli!(service_template_version_example_applies_imports_and_destroys);
fn service_template_version_example_applies_imports_and_destroys(cli: Cli) {
    let rt = runtime();
    let local = ProtonLocal::start();
    rt.block_on(local.create_template(Environment, "example-env"));
    rt.block_on(local.create_template(Service, "example-svc"));
    local.write_bundle(Environment, "example-bundles", "environment/v1.tar.gz");
    local.write_bundle(Service, "example-bundles", "service/v1.tar.gz");

    let example = "proton_service_template_version";
    let work = workdir_for(
        cli,
        &local,
        &read_example(&format!("resources/{example}/resource.tf")),
    );
    apply(&work);
    assert_no_changes(&work, "after apply");
    assert_eq!(
        rt.block_on(local.versions(Environment, "example-env")),
        ["1.0"]
    );
    assert_eq!(rt.block_on(local.versions(Service, "example-svc")), ["1.0"]);
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
        rt.block_on(local.versions(Service, "example-svc"))
            .is_empty(),
        "a service version is left after destroy"
    );
    assert!(
        rt.block_on(local.versions(Environment, "example-env"))
            .is_empty(),
        "an environment version is left after destroy"
    );
}

each_cli!(provider_example_configures_the_provider);
fn provider_example_configures_the_provider(cli: Cli) {
    let rt = runtime();
    let local = ProtonLocal::start();
    rt.block_on(local.create_template(Environment, "provider-example"));
    local.write_bundle(Environment, "example-bundles", "environment/v1.tar.gz");

    // The example as written, pointed at this test's endpoint instead of the
    // default port; it has its own required_providers block.
    let provider = read_example("provider/provider.tf");
    assert!(
        provider.contains("\"http://127.0.0.1:4580\""),
        "provider.tf no longer points at proton-local's default address"
    );
    let provider = provider.replace("http://127.0.0.1:4580", &local.url);
    let resource = hcl::resource("proton_environment_template_version", "trivial")
        .template("provider-example")
        .s3("example-bundles", "environment/v1.tar.gz");
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
        .block_on(local.versions(Environment, "provider-example"))
        .is_empty());
}

each_cli!(quickstart_configuration_applies_from_its_template_directories);
fn quickstart_configuration_applies_from_its_template_directories(cli: Cli) {
    let rt = runtime();
    let local = ProtonLocal::start();
    // The configuration creates its templates and builds its bundles from
    // examples/quickstart/templates; only the bucket is given (a directory
    // under proton-local's --bundle-dir, as scripts/quickstart.sh makes it).
    let bucket_dir = local.bundle_dir.path().join("quickstart-bundles");
    std::fs::create_dir_all(&bucket_dir).unwrap();

    let work = Workdir::new(cli);
    let main = read_example("quickstart/main.tf");
    std::fs::write(work.config_dir().join("main.tf"), main).unwrap();
    work.init();
    let endpoint = format!("endpoint={}", local.url);
    let templates = format!(
        "templates_dir={}",
        examples_dir().join("quickstart/templates").display()
    );
    let vars = ["-var", endpoint.as_str(), "-var", templates.as_str()];
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
    // One object per bundle (the draft shares the service's), named by its content.
    let mut uploaded: Vec<String> = Vec::new();
    for template in ["quickstart-env", "quickstart-svc"] {
        let dir = bucket_dir.join("proton").join(template);
        for entry in std::fs::read_dir(&dir).unwrap() {
            uploaded.push(format!(
                "{template}/{}",
                entry.unwrap().file_name().to_string_lossy()
            ));
        }
    }
    assert_eq!(uploaded.len(), 2, "{uploaded:?}");
    assert!(
        uploaded.iter().all(|key| key.ends_with(".tar.gz")),
        "{uploaded:?}"
    );

    let mut args = vec!["destroy", "-auto-approve", "-no-color", "-input=false"];
    args.extend(vars);
    work.run(&args).assert_ok("destroy");
    rt.block_on(no_templates_left(&local));
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

/// The CLI for `terraform query` (1.14+) and import blocks by identity
/// (1.12+): the 1.15.5 one. A CLI too old for them fails, never skips.
fn query_cli() -> Cli {
    let cli = Cli::V1_15_5;
    assert!(
        cli.at_least(1, 14),
        "{cli} has no `terraform query`: point TERRAFORM at Terraform 1.14 or later"
    );
    cli
}

/// The display names a list found, sorted.
fn display_names(
    found: &std::collections::BTreeMap<String, Vec<support::terraform::Found>>,
    address: &str,
) -> Vec<String> {
    let mut names: Vec<String> = found
        .get(address)
        .map(|results| results.iter().map(|r| r.display_name.clone()).collect())
        .unwrap_or_default();
    names.sort();
    names
}

const LIST_RESOURCE_EXAMPLES: [&str; 4] = [
    "proton_environment_template",
    "proton_environment_template_version",
    "proton_service_template",
    "proton_service_template_version",
];

/// Besides `data_source_fixtures`: a draft 1.1 of example-env and a draft
/// major version 2 of example-svc, which the version examples filter out.
fn more_versions() -> String {
    let env = "proton_environment_template_version.env";
    format!(
        "{}{}",
        hcl::resource("proton_environment_template_version", "draft")
            .template_of("proton_environment_template.example")
            .major_of(env)
            .s3("example-bundles", "environment/v1.tar.gz"),
        hcl::resource("proton_service_template_version", "major_2")
            .set(
                "template_name",
                "proton_service_template_version.svc.template_name"
            )
            .s3("example-bundles", "service/v1.tar.gz")
            .compatible_with(env),
    )
}

#[test]
fn list_resource_examples_find_what_they_filter_for() {
    let cli = query_cli();
    let rt = runtime();
    let local = ProtonLocal::start();
    local.write_bundle(Environment, "example-bundles", "environment/v1.tar.gz");
    local.write_bundle(Service, "example-bundles", "service/v1.tar.gz");
    let fixtures = workdir_for(
        cli,
        &local,
        &format!(
            "{}\n{}\n{}\n{}",
            read_example("resources/proton_environment_template/resource.tf"),
            read_example("resources/proton_service_template/resource.tf"),
            data_source_fixtures("env", "svc"),
            more_versions(),
        ),
    );
    apply(&fixtures);
    // Templates the name_prefix filters leave out.
    rt.block_on(local.create_template(Environment, "other-env"));
    rt.block_on(local.create_template(Service, "other-svc"));
    assert_eq!(
        rt.block_on(local.versions(Environment, "example-env")),
        ["1.0", "1.1"]
    );
    assert_eq!(
        rt.block_on(local.versions(Service, "example-svc")),
        ["1.0", "2.0"]
    );

    // The four examples, as written, next to the endpoint's provider block.
    let work = workdir_for(cli, &local, "");
    for name in LIST_RESOURCE_EXAMPLES {
        std::fs::write(
            work.config_dir().join(format!("{name}.tfquery.hcl")),
            read_example(&format!("list-resources/{name}/list.tfquery.hcl")),
        )
        .unwrap();
    }
    let found = work.query_results();
    assert_eq!(
        found.keys().collect::<Vec<_>>(),
        [
            "list.proton_environment_template.example",
            "list.proton_environment_template_version.example",
            "list.proton_service_template.example",
            "list.proton_service_template_version.example",
        ],
        "{found:?}"
    );

    // Templates: name_prefix = "example-".
    assert_eq!(
        display_names(&found, "list.proton_environment_template.example"),
        ["example-env"]
    );
    let env = &found["list.proton_environment_template.example"][0];
    assert_eq!(
        env.identity,
        serde_json::json!({"account_id": "123456789012", "region": "us-east-1", "name": "example-env"})
    );
    assert!(env.resource_object.is_none(), "{env:?}");
    assert_eq!(
        display_names(&found, "list.proton_service_template.example"),
        ["example-svc"]
    );
    // include_resource: the object as the resource reads it.
    let svc = &found["list.proton_service_template.example"][0];
    let object = svc.resource_object.as_ref().expect("no resource_object");
    assert_eq!(object["name"], "example-svc");
    assert_eq!(object["pipeline_provisioning"], "CUSTOMER_MANAGED");
    assert_eq!(object["tags"], serde_json::json!({"team": "web"}));

    // Versions: example-env's published ones; example-svc's major version 1.
    assert_eq!(
        display_names(&found, "list.proton_environment_template_version.example"),
        ["example-env:1.0 (PUBLISHED)"]
    );
    assert_eq!(
        found["list.proton_environment_template_version.example"][0].identity,
        serde_json::json!({
            "account_id": "123456789012",
            "region": "us-east-1",
            "template_name": "example-env",
            "major_version": "1",
            "minor_version": "0"
        })
    );
    assert_eq!(
        display_names(&found, "list.proton_service_template_version.example"),
        ["example-svc:1.0 (PUBLISHED)"]
    );
}

/// The blocks of `generated.tf` that start with `resource "TYPE"`, whole.
fn generated_resources<'a>(generated: &'a str, type_name: &str) -> Vec<&'a str> {
    let start = format!("resource \"{type_name}\" ");
    let mut blocks = Vec::new();
    let mut rest = generated;
    while let Some(at) = rest.find(&start) {
        let block = &rest[at..];
        let end = block.find("\n}\n").map_or(block.len(), |end| end + 3);
        blocks.push(&block[..end]);
        rest = &block[end..];
    }
    blocks
}

#[test]
fn adopt_example_imports_everything_and_plans_nothing() {
    let cli = query_cli();
    let rt = runtime();
    let local = ProtonLocal::start();
    local.write_bundle(Environment, "example-bundles", "environment/v1.tar.gz");
    local.write_bundle(Service, "example-bundles", "service/v1.tar.gz");
    local.write_bundle(Environment, "bundles", "outside/v1.tar.gz");
    local.write_broken_bundle(Environment, "bundles", "outside/broken.tar.gz");

    // Created by this provider (so their sources are recorded): the
    // template examples and a published 1.0 of each.
    let fixtures = workdir_for(
        cli,
        &local,
        &format!(
            "{}\n{}\n{}",
            read_example("resources/proton_environment_template/resource.tf"),
            read_example("resources/proton_service_template/resource.tf"),
            data_source_fixtures("env", "svc"),
        ),
    );
    apply(&fixtures);
    // Created outside it: a template with a draft 1.0 and a 2.0 whose
    // registration failed.
    rt.block_on(local.create_template(Environment, "outside-env"));
    let draft =
        rt.block_on(local.create_environment_version_outside("outside-env", "outside/v1.tar.gz"));
    assert_eq!(draft, "1.0");
    let failed = rt
        .block_on(local.create_environment_version_outside("outside-env", "outside/broken.tar.gz"));
    assert_eq!(failed, "2.0");

    // The example as written, pointed at this test's endpoint.
    let main = read_example("adopt/main.tf");
    assert!(
        main.contains("\"http://127.0.0.1:4580\""),
        "adopt/main.tf no longer points at proton-local's default address"
    );
    let work = Workdir::new(cli);
    std::fs::write(
        work.config_dir().join("main.tf"),
        main.replace("http://127.0.0.1:4580", &local.url),
    )
    .unwrap();
    std::fs::write(
        work.config_dir().join("adopt.tfquery.hcl"),
        read_example("adopt/adopt.tfquery.hcl"),
    )
    .unwrap();
    work.init();
    // The guide shows the query file as it is.
    let guide = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/guides/adopt-existing-templates.md"),
    )
    .unwrap();
    let query_file = read_example("adopt/adopt.tfquery.hcl");
    let blocks: Vec<&str> = query_file
        .lines()
        .filter(|line| !line.starts_with('#'))
        .collect();
    assert!(
        guide.contains(blocks.join("\n").trim()),
        "the guide does not show examples/adopt/adopt.tfquery.hcl's list blocks"
    );
    let generate = || {
        let run = work.run(&["query", "-no-color", "-generate-config-out=generated.tf"]);
        run.assert_ok("query -generate-config-out");
        let generated = std::fs::read_to_string(work.config_dir().join("generated.tf")).unwrap();
        (run, generated)
    };

    // A version whose registration failed is listed and generated, but its
    // import fails, saying what to do.
    let (run, generated) = generate();
    assert!(
        run.stdout.contains("outside-env:2.0 (REGISTRATION_FAILED)"),
        "{}",
        run.stdout
    );
    assert_eq!(generated.matches("\nimport {").count(), 7, "{generated}");
    let plan = work.run(&["plan", "-no-color", "-input=false"]);
    assert_ne!(
        plan.code, 0,
        "plan imported a failed version:\n{}",
        plan.stdout
    );
    let error = flat(&plan.stderr);
    assert!(
        error.contains(
            "Error: Cannot import an environment template version whose registration failed"
        ) && error.contains("`outside-env:2.0` has status REGISTRATION_FAILED"),
        "{}",
        plan.stderr
    );

    // As the guide says: delete it, and generate again.
    rt.block_on(local.delete_environment_version("outside-env", &failed));
    std::fs::remove_file(work.config_dir().join("generated.tf")).unwrap();
    let (run, generated) = generate();
    for name in [
        "example-env",
        "example-env:1.0 (PUBLISHED)",
        "example-svc",
        "example-svc:1.0 (PUBLISHED)",
        "outside-env",
        "outside-env:1.0 (DRAFT)",
    ] {
        assert!(
            run.stdout.contains(name),
            "{name} not listed: {}",
            run.stdout
        );
    }
    // What the guide tells to review.
    assert_eq!(generated.matches("\nimport {").count(), 6, "{generated}");
    assert_eq!(generated.matches("identity = {").count(), 6, "{generated}");
    assert!(
        generated.contains("  provider       = proton\n"),
        "{generated}"
    );
    assert!(
        generated.contains("  encryption_key = null\n"),
        "{generated}"
    );
    let env_versions = generated_resources(&generated, "proton_environment_template_version");
    assert_eq!(env_versions.len(), 2, "{generated}");
    for version in &env_versions {
        assert!(version.contains("  major_version = \"1\"\n"), "{version}");
        assert!(!version.contains("minor_version"), "{version}");
        if version.contains("template_name = \"example-env\"") {
            // Created by the provider: published, its source recorded.
            assert!(
                version.contains("  status        = \"PUBLISHED\"\n"),
                "{version}"
            );
            assert!(
                version.contains("key    = \"environment/v1.tar.gz\""),
                "{version}"
            );
        } else {
            // Created outside it: a draft, no source.
            assert!(
                version.contains("template_name = \"outside-env\""),
                "{version}"
            );
            assert!(!version.contains("status"), "{version}");
            assert!(!version.contains("source {"), "{version}");
        }
    }
    let svc_versions = generated_resources(&generated, "proton_service_template_version");
    assert_eq!(svc_versions.len(), 1, "{generated}");
    assert!(
        svc_versions[0].contains("compatible_environment_template {"),
        "{}",
        svc_versions[0]
    );
    for computed in [
        "arn",
        "created_at",
        "tags_all",
        "recommended_version",
        "schema",
    ] {
        assert!(
            !generated.contains(&format!("  {computed} ")),
            "generated.tf sets the read-only {computed}: {generated}"
        );
    }

    // Imports everything, creates nothing; then nothing to change.
    let run = apply(&work);
    assert!(
        run.stdout
            .contains("Apply complete! Resources: 6 imported, 0 added, 0 changed, 0 destroyed."),
        "{}",
        run.stdout
    );
    assert_no_changes(&work, "after adopting");
    let outside = state_json(&work)["values"]["root_module"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["values"]["id"] == "outside-env:1.0")
        .cloned()
        .expect("outside-env:1.0 is not in the state");
    assert!(outside["values"]["source"].is_null(), "{outside}");
    assert_eq!(outside["values"]["status"], "DRAFT");
}

/// The `import { ... identity ... }` example of a resource's docs page.
fn identity_import_block(type_name: &str) -> String {
    let short = type_name.strip_prefix("proton_").unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("docs/resources/{short}.md"));
    let page = std::fs::read_to_string(&path).unwrap();
    let import = &page[page.find("## Import\n").expect("no Import section")..];
    let start = import
        .find("```terraform\nimport {")
        .expect("no import block")
        + "```terraform\n".len();
    let block = &import[start..];
    block[..block.find("```").unwrap()].to_string()
}

/// Template and version resources named `example`, as the docs' import
/// blocks name them: `data_source_fixtures` labelled `example`.
fn examples_named_example() -> String {
    format!(
        "{}\n{}\n{}",
        read_example("resources/proton_environment_template/resource.tf"),
        read_example("resources/proton_service_template/resource.tf"),
        data_source_fixtures("example", "example")
    )
}

#[test]
fn docs_identity_import_blocks_import_the_examples() {
    let cli = query_cli();
    let local = ProtonLocal::start();
    local.write_bundle(Environment, "example-bundles", "environment/v1.tar.gz");
    local.write_bundle(Service, "example-bundles", "service/v1.tar.gz");
    let config = examples_named_example();
    apply(&workdir_for(cli, &local, &config));

    // The same configuration elsewhere, adopting the objects with the
    // import blocks of the four resource pages, as shown and then with the
    // optional attributes uncommented.
    let work = workdir_for(cli, &local, &config);
    let blocks: Vec<String> = LIST_RESOURCE_EXAMPLES
        .iter()
        .map(|type_name| identity_import_block(type_name))
        .collect();
    let as_shown = blocks.join("\n");
    let uncommented = as_shown
        .replace("    # account_id ", "    account_id ")
        .replace("    # region ", "    region ");
    assert_ne!(
        as_shown, uncommented,
        "no optional attributes shown: {as_shown}"
    );
    for imports in [as_shown, uncommented] {
        let path = work.config_dir().join("imports.tf");
        std::fs::write(&path, &imports).unwrap();
        let fmt = work.run(&["fmt", "-check", "-no-color", "imports.tf"]);
        assert_eq!(
            fmt.code, 0,
            "the docs' import blocks are not fmt-clean:\n{imports}"
        );
        let run = apply(&work);
        assert!(
            run.stdout.contains(
                "Apply complete! Resources: 4 imported, 0 added, 0 changed, 0 destroyed."
            ),
            "{imports}\n{}",
            run.stdout
        );
        assert_no_changes(&work, "after importing by identity");
        for type_name in LIST_RESOURCE_EXAMPLES {
            work.run(&["state", "rm", "-no-color", &format!("{type_name}.example")])
                .assert_ok("state rm");
        }
    }
}
