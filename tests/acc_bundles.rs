//! Version resources whose `source` is a bundle directory: the provider
//! builds a deterministic `.tar.gz` from it, shows its `bundle_sha256` in the
//! plan, checks it at plan time, uploads it to a content-addressed key
//! (`<key_prefix><template>/<sha256>.tar.gz`) and registers the version from
//! that object. Under both real Terraform CLIs against proton-local, whose S3
//! API the tests use to create buckets and read what was uploaded. Every
//! test that applies ends with the endpoint holding none of its versions.
#![allow(deprecated)]

use crate::support;

use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};
use support::acc::Acc;
use support::hcl::{self, Resource};
use support::proton_local::bundle_files;
use support::proton_local::TemplateKind::{self, Environment, Service};
use support::terraform::{flat, Cli, Run};

const ENV: &str = "proton_environment_template_version";
const SVC: &str = "proton_service_template_version";
const V: &str = "proton_environment_template_version.v";
const BUCKET: &str = "bundles";
const PREFIX: &str = "proton/";

// ---------------------------------------------------------------------------
// Bundle directories

/// How an environment bundle provisions its infrastructure.
#[derive(Clone, Copy, Debug)]
enum Style {
    /// `jinja` + `cloudformation`, one template file.
    CloudFormation,
    /// `hcl` + `terraform` with `file: "*"` (every `.tf` file), plus a
    /// binary file the Terraform code uses.
    Terraform,
    /// `rendering_engine: codebuild`: commands, no `file`; the bundle holds
    /// the scripts they run.
    CodeBuild,
}

const TERRAFORM_MANIFEST: &str = "infrastructure:\n  templates:\n    - file: \"*\"\n      rendering_engine: hcl\n      template_language: terraform\n";
const MAIN_TF: &str =
    "resource \"terraform_data\" \"placeholder\" {\n  input = var.environment.inputs.size\n}\n";
const VARIABLES_TF: &str =
    "variable \"environment\" {\n  type = object({ inputs = map(string) })\n}\n";
/// An empty zip archive with a byte that is not UTF-8 after it: bundles
/// carry binary files (the Terraform samples ship a Lambda zip).
const LAMBDA_ZIP: &[u8] = &[
    0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff,
];
const CODEBUILD_MANIFEST: &str = "infrastructure:\n  templates:\n    - rendering_engine: codebuild\n      settings:\n        image: aws/codebuild/amazonlinux2-x86_64-standard:4.0\n        runtimes:\n          nodejs: 16\n        provision:\n          - ./deploy.sh\n        deprovision:\n          - ./destroy.sh\n";
const DEPLOY_SH: &str = "#!/bin/sh\nset -eu\nnpm ci\nnpx cdk deploy --require-approval never\n";
const DESTROY_SH: &str = "#!/bin/sh\nset -eu\nnpx cdk destroy --force\n";
const PACKAGE_JSON: &str = "{\n  \"name\": \"proton-env\",\n  \"private\": true\n}\n";

/// A bundle directory: `web/v1/` inside a temporary directory, the layout
/// template sync uses (`<template>/v<major>/`).
struct BundleDir {
    temp: tempfile::TempDir,
}

impl BundleDir {
    fn empty() -> Self {
        let temp = tempfile::Builder::new()
            .prefix("bundle-")
            .tempdir()
            .unwrap();
        std::fs::create_dir_all(temp.path().join("web/v1")).unwrap();
        Self { temp }
    }

    /// The bundle's root, the `directory` of the source block.
    fn root(&self) -> PathBuf {
        self.temp.path().join("web/v1")
    }

    /// Writes `path` (relative to the root), making its directories.
    fn write(&self, path: &str, data: impl AsRef<[u8]>) {
        let path = self.root().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, data).unwrap();
    }

    /// Writes `path` with mode 0755.
    fn write_executable(&self, path: &str, data: &str) {
        self.write(path, data);
        let permissions = std::fs::Permissions::from_mode(0o755);
        std::fs::set_permissions(self.root().join(path), permissions).unwrap();
    }

    fn remove(&self, path: &str) {
        std::fs::remove_file(self.root().join(path)).unwrap();
    }

    /// Replaces `from` by `to` in `path`, which must contain it.
    fn edit(&self, path: &str, from: &str, to: &str) {
        let file = self.root().join(path);
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(text.contains(from), "{path} has no {from:?}:\n{text}");
        std::fs::write(file, text.replacen(from, to, 1)).unwrap();
    }

    /// A copy of the whole tree in a new temporary directory, every file's
    /// mtime set an hour later than now and `schema/schema.yaml` given group
    /// write permission (still not executable): what a fresh clone on
    /// another machine, with another umask, looks like.
    fn copied_and_touched(&self) -> Self {
        let copy = Self::empty();
        copy_tree(&self.root(), &copy.root());
        let later = SystemTime::now() + Duration::from_secs(3600);
        for file in files_under(&copy.root()) {
            let handle = std::fs::File::options().write(true).open(&file).unwrap();
            handle.set_modified(later).unwrap();
        }
        let schema = copy.root().join("schema/schema.yaml");
        std::fs::set_permissions(&schema, std::fs::Permissions::from_mode(0o664)).unwrap();
        copy
    }
}

/// The one place that writes a valid environment bundle, provisioned in
/// `style`: the variants of the tests edit one file of it.
fn environment_bundle(style: Style) -> BundleDir {
    let dir = BundleDir::empty();
    let cloudformation = bundle_files(Environment);
    let schema = file_of(&cloudformation, "schema/schema.yaml");
    dir.write("schema/schema.yaml", schema);
    match style {
        Style::CloudFormation => {
            for (path, text) in &cloudformation {
                dir.write(path, text);
            }
        }
        Style::Terraform => {
            dir.write("infrastructure/manifest.yaml", TERRAFORM_MANIFEST);
            dir.write("infrastructure/main.tf", MAIN_TF);
            dir.write("infrastructure/variables.tf", VARIABLES_TF);
            dir.write("infrastructure/lambda.zip", LAMBDA_ZIP);
        }
        Style::CodeBuild => {
            dir.write("infrastructure/manifest.yaml", CODEBUILD_MANIFEST);
            dir.write_executable("infrastructure/deploy.sh", DEPLOY_SH);
            dir.write_executable("infrastructure/destroy.sh", DESTROY_SH);
            dir.write("infrastructure/package.json", PACKAGE_JSON);
        }
    }
    dir
}

/// A service bundle for a template without a pipeline (customer-managed
/// pipeline provisioning): `schema/` and `instance_infrastructure/` only,
/// plus the registration files template sync keeps beside a bundle, which
/// are not part of it.
fn service_bundle() -> BundleDir {
    let dir = BundleDir::empty();
    for (path, text) in bundle_files(Service) {
        dir.write(path, text);
    }
    dir.write(".compatible-envs", "web:1\n");
    dir.write(
        ".template-registration.yaml",
        "compatible_environments:\n  - web:1\n",
    );
    dir
}

fn file_of(files: &[(&str, &'static str)], path: &str) -> &'static str {
    files.iter().find(|(p, _)| *p == path).unwrap().1
}

/// Every regular file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        match path.is_dir() {
            true => files.extend(files_under(&path)),
            false => files.push(path),
        }
    }
    files
}

/// Copies the tree `from` into `to` (file contents and permissions).
fn copy_tree(from: &Path, to: &Path) {
    for file in files_under(from) {
        let target = to.join(file.strip_prefix(from).unwrap());
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&file, &target).unwrap();
    }
}

// ---------------------------------------------------------------------------
// Configurations, plans and the uploaded objects

/// Environment version `label` of template `template` from the bundle
/// directory `dir`, uploaded to the test bucket under `PREFIX`.
fn env_version(label: &str, template: &str, dir: &BundleDir) -> Resource {
    hcl::resource(ENV, label)
        .template(template)
        .directory_source(&dir.root(), BUCKET, PREFIX)
}

/// An [`Acc`] whose provider block points S3 at proton-local, with the test
/// bucket created through the S3 API and the environment templates
/// `templates` created outside Terraform.
async fn acc_with_bucket(cli: Cli, templates: &[&str]) -> Acc {
    let acc = Acc::with_s3(cli);
    acc.endpoint.create_bucket(BUCKET).await;
    for template in templates {
        acc.endpoint.create_template(Environment, template).await;
    }
    acc
}

/// The content-addressed key of a bundle: `<prefix><template>/<sha>.tar.gz`.
fn content_key(prefix: &str, template: &str, sha: &str) -> String {
    format!("{prefix}{template}/{sha}.tar.gz")
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Asserts that `sha` looks like a SHA-256 in lowercase hex.
fn assert_sha256(sha: &str, what: &str) {
    assert!(
        sha.len() == 64 && sha.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')),
        "{what}: {sha:?} is not a lowercase hex SHA-256"
    );
}

/// The entry paths of the `.tar.gz` `bytes`, in archive order.
fn archive_entries(bytes: &[u8]) -> Vec<String> {
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
    let mut names = Vec::new();
    for entry in tar.entries().unwrap() {
        let mut entry = entry.unwrap();
        names.push(entry.path().unwrap().to_string_lossy().into_owned());
        // Read through the entry so the archive's checksums are exercised.
        std::io::copy(&mut entry.by_ref(), &mut std::io::sink()).unwrap();
    }
    names
}

/// `terraform plan -out=tfplan`, which must succeed, then the saved plan as
/// JSON (`terraform show -json tfplan`).
fn saved_plan(acc: &Acc) -> serde_json::Value {
    acc.work
        .run(&["plan", "-no-color", "-input=false", "-out=tfplan"])
        .assert_ok("plan -out");
    let show = acc.work.run(&["show", "-json", "-no-color", "tfplan"]);
    show.assert_ok("show -json tfplan");
    serde_json::from_str(&show.stdout).unwrap()
}

/// `terraform apply tfplan`.
fn apply_saved(acc: &Acc) -> Run {
    acc.work
        .run(&["apply", "-no-color", "-input=false", "tfplan"])
}

/// The planned change (`actions`, `before`, `after`, …) of `address`.
fn change<'p>(plan: &'p serde_json::Value, address: &str) -> &'p serde_json::Value {
    let changes = plan["resource_changes"].as_array().unwrap();
    let found = changes.iter().find(|c| c["address"] == address);
    &found.unwrap_or_else(|| panic!("{address} is not in the plan: {plan}"))["change"]
}

fn actions(change: &serde_json::Value) -> Vec<String> {
    let actions = change["actions"].as_array().unwrap();
    actions
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect()
}

fn is_replace(actions: &[String]) -> bool {
    actions == ["delete", "create"] || actions == ["create", "delete"]
}

/// Destroys everything, then checks through the API that the templates
/// `templates` of `kind` have no version left.
async fn destroy_leaves_no_version(acc: &Acc, kind: TemplateKind, templates: &[&str]) {
    acc.destroy();
    for template in templates {
        let left = acc.endpoint.versions(kind, template).await;
        assert!(left.is_empty(), "{template}: {left:?} left");
    }
}

// ---------------------------------------------------------------------------
// Registering from a directory

each_cli!(async a_directory_is_uploaded_once_to_its_content_addressed_key_and_registered);
async fn a_directory_is_uploaded_once_to_its_content_addressed_key_and_registered(cli: Cli) {
    let acc = acc_with_bucket(cli, &["web"]).await;
    let dir = environment_bundle(Style::CloudFormation);
    // Left out of the bundle: by the excludes, and always.
    dir.write("README.md", "# web\n");
    dir.write("docs/notes.md", "notes\n");
    dir.write(".DS_Store", [0u8, 0, 0, 1]);
    dir.write(".git/HEAD", "ref: refs/heads/main\n");
    acc.step(
        &hcl::resource(ENV, "v")
            .template("web")
            .directory_source_excluding(&dir.root(), BUCKET, PREFIX, &["**/*.md"])
            .to_string(),
    );

    let sha = acc.attr(V, "bundle_sha256");
    assert_sha256(&sha, "bundle_sha256 in state");
    let key = content_key(PREFIX, "web", &sha);
    assert_eq!(
        acc.endpoint.list_keys(BUCKET, "").await,
        std::slice::from_ref(&key),
        "the bucket should hold the bundle at its content-addressed key and nothing else"
    );
    let object = acc.endpoint.object_bytes(BUCKET, &key).await;
    assert_eq!(
        sha256_hex(&object),
        sha,
        "bundle_sha256 is not the object's"
    );
    assert_eq!(
        archive_entries(&object),
        [
            "infrastructure/cloudformation.yaml",
            "infrastructure/manifest.yaml",
            "schema/schema.yaml",
        ],
        "the bundle's entries, sorted, without excluded or left-out files"
    );
    assert_eq!(acc.attr(V, "id"), "web:1.0");
    assert_eq!(acc.attr(V, "status"), "DRAFT");
    assert_eq!(acc.endpoint.versions(Environment, "web").await, ["1.0"]);
    destroy_leaves_no_version(&acc, Environment, &["web"]).await;
}

each_cli!(async a_copied_and_touched_directory_is_not_a_replacement);
async fn a_copied_and_touched_directory_is_not_a_replacement(cli: Cli) {
    let acc = acc_with_bucket(cli, &["web"]).await;
    let original = environment_bundle(Style::CloudFormation);
    acc.step(&env_version("v", "web", &original).to_string());
    let sha = acc.attr(V, "bundle_sha256");

    let copy = original.copied_and_touched();
    acc.config(&env_version("v", "web", &copy).to_string());
    let plan = saved_plan(&acc);
    let planned = change(&plan, V);
    let planned_actions = actions(planned);
    assert!(
        planned_actions == ["update"] || planned_actions == ["no-op"],
        "{cli}: same content elsewhere planned {planned_actions:?}, not an update in place: {planned}"
    );
    assert_eq!(planned["before"]["bundle_sha256"], sha.as_str());
    assert_eq!(planned["after"]["bundle_sha256"], sha.as_str());
    apply_saved(&acc).assert_ok("apply tfplan");
    acc.assert_no_changes();

    assert_eq!(acc.attr(V, "id"), "web:1.0", "the version was replaced");
    assert_eq!(acc.attr(V, "bundle_sha256"), sha);
    assert_eq!(acc.endpoint.versions(Environment, "web").await, ["1.0"]);
    assert_eq!(
        acc.endpoint.list_keys(BUCKET, "").await,
        [content_key(PREFIX, "web", &sha)]
    );
    destroy_leaves_no_version(&acc, Environment, &["web"]).await;
}

each_cli!(async editing_one_file_replaces_only_the_version_built_from_it);
async fn editing_one_file_replaces_only_the_version_built_from_it(cli: Cli) {
    let acc = acc_with_bucket(cli, &["web", "db"]).await;
    let web_dir = environment_bundle(Style::CloudFormation);
    let db_dir = environment_bundle(Style::CloudFormation);
    let config = format!(
        "{}{}",
        env_version("web", "web", &web_dir),
        env_version("db", "db", &db_dir)
    );
    acc.step(&config);
    let web = format!("{ENV}.web");
    let db = format!("{ENV}.db");
    let web_sha = acc.attr(&web, "bundle_sha256");
    let old_db_sha = acc.attr(&db, "bundle_sha256");
    assert_eq!(
        web_sha, old_db_sha,
        "the same content in two directories should build the same bundle"
    );

    db_dir.edit(
        "infrastructure/cloudformation.yaml",
        "Placeholder:",
        "Changed:",
    );
    let plan = saved_plan(&acc);
    let db_change = change(&plan, &db);
    assert!(
        is_replace(&actions(db_change)),
        "{cli}: the edited version should be replaced: {db_change}"
    );
    assert_eq!(db_change["before"]["bundle_sha256"], old_db_sha.as_str());
    let new_db_sha = db_change["after"]["bundle_sha256"]
        .as_str()
        .unwrap_or_else(|| panic!("{cli}: the new bundle_sha256 is not known at plan: {db_change}"))
        .to_string();
    assert_sha256(&new_db_sha, "planned bundle_sha256");
    assert_ne!(new_db_sha, old_db_sha, "the edit did not change the hash");
    let web_change = change(&plan, &web);
    assert_eq!(
        actions(web_change),
        ["no-op"],
        "{cli}: the other version should not change: {web_change}"
    );

    apply_saved(&acc).assert_ok("apply tfplan");
    acc.assert_no_changes();
    assert_eq!(acc.attr(&db, "bundle_sha256"), new_db_sha);
    assert_eq!(acc.attr(&web, "id"), "web:1.0");
    assert_eq!(acc.attr(&web, "bundle_sha256"), web_sha);
    assert_eq!(acc.endpoint.versions(Environment, "web").await, ["1.0"]);
    assert_eq!(acc.endpoint.versions(Environment, "db").await.len(), 1);
    let new_key = content_key(PREFIX, "db", &new_db_sha);
    let db_keys = acc
        .endpoint
        .list_keys(BUCKET, &format!("{PREFIX}db/"))
        .await;
    assert!(db_keys.contains(&new_key), "{new_key} not in {db_keys:?}");
    destroy_leaves_no_version(&acc, Environment, &["web", "db"]).await;
}

each_cli!(async a_service_version_without_a_pipeline_registers_from_a_directory);
async fn a_service_version_without_a_pipeline_registers_from_a_directory(cli: Cli) {
    let acc = acc_with_bucket(cli, &["web"]).await;
    // The environment major the service version lists must exist.
    acc.endpoint
        .write_bundle(Environment, BUCKET, "web-env.tar.gz");
    acc.endpoint
        .create_environment_version_outside("web", "web-env.tar.gz")
        .await;
    acc.endpoint.create_template(Service, "api").await;
    let dir = service_bundle();
    // No key_prefix: the default, "".
    acc.step(
        &hcl::resource(SVC, "svc")
            .template("api")
            .compatible("web", "1")
            .directory_source(&dir.root(), BUCKET, "")
            .to_string(),
    );

    let svc = format!("{SVC}.svc");
    let sha = acc.attr(&svc, "bundle_sha256");
    assert_sha256(&sha, "bundle_sha256 in state");
    let key = content_key("", "api", &sha);
    assert_eq!(
        acc.endpoint.list_keys(BUCKET, "api/").await,
        std::slice::from_ref(&key)
    );
    let object = acc.endpoint.object_bytes(BUCKET, &key).await;
    assert_eq!(sha256_hex(&object), sha);
    assert_eq!(
        archive_entries(&object),
        [
            "instance_infrastructure/cloudformation.yaml",
            "instance_infrastructure/manifest.yaml",
            "schema/schema.yaml",
        ],
        "no pipeline, no registration files"
    );
    assert_eq!(acc.attr(&svc, "id"), "api:1.0");
    assert_eq!(acc.attr(&svc, "status"), "DRAFT");
    assert_eq!(acc.endpoint.versions(Service, "api").await, ["1.0"]);
    destroy_leaves_no_version(&acc, Service, &["api"]).await;
}

/// Applies a version of `web` from a fresh bundle of `style`: registered
/// (DRAFT, no status message), its object holding exactly the files written.
async fn a_bundle_of_style_registers_from_a_directory(cli: Cli, style: Style) {
    let acc = acc_with_bucket(cli, &["web"]).await;
    let dir = environment_bundle(style);
    acc.step(&env_version("v", "web", &dir).to_string());

    let version = acc.attributes(V);
    assert_eq!(version["status"], "DRAFT", "{style:?}: {version}");
    assert!(version["status_message"].is_null(), "{style:?}: {version}");
    assert!(version["schema"]
        .as_str()
        .unwrap()
        .contains("environment_input_type"));
    let sha = acc.attr(V, "bundle_sha256");
    let key = content_key(PREFIX, "web", &sha);
    assert_eq!(
        acc.endpoint.list_keys(BUCKET, "").await,
        std::slice::from_ref(&key)
    );
    let object = acc.endpoint.object_bytes(BUCKET, &key).await;
    let mut written: Vec<String> = files_under(&dir.root())
        .iter()
        .map(|f| {
            let relative = f.strip_prefix(dir.root()).unwrap();
            relative.to_string_lossy().into_owned()
        })
        .collect();
    written.sort();
    assert_eq!(archive_entries(&object), written, "{style:?}");
    assert_eq!(acc.endpoint.versions(Environment, "web").await, ["1.0"]);
    destroy_leaves_no_version(&acc, Environment, &["web"]).await;
}

each_cli!(async a_cloudformation_bundle_registers_from_a_directory);
async fn a_cloudformation_bundle_registers_from_a_directory(cli: Cli) {
    a_bundle_of_style_registers_from_a_directory(cli, Style::CloudFormation).await;
}

each_cli!(async a_terraform_bundle_with_a_wildcard_file_registers_from_a_directory);
async fn a_terraform_bundle_with_a_wildcard_file_registers_from_a_directory(cli: Cli) {
    a_bundle_of_style_registers_from_a_directory(cli, Style::Terraform).await;
}

each_cli!(async a_codebuild_bundle_registers_from_a_directory);
async fn a_codebuild_bundle_registers_from_a_directory(cli: Cli) {
    a_bundle_of_style_registers_from_a_directory(cli, Style::CodeBuild).await;
}

// ---------------------------------------------------------------------------
// Plan-time checks

/// Plans version `v` of `web` from a CloudFormation bundle changed by
/// `break_it`: the plan must fail with "Invalid template bundle" on the
/// `directory` attribute, naming `file`, with no version created. Returns
/// the diagnostics as one line.
async fn plan_refuses(cli: Cli, break_it: impl FnOnce(&BundleDir), file: &str) -> String {
    let acc = Acc::with_s3(cli);
    acc.endpoint.create_template(Environment, "web").await;
    let dir = environment_bundle(Style::CloudFormation);
    break_it(&dir);
    acc.config(&env_version("v", "web", &dir).to_string());
    let plan = acc.plan();
    let errors = flat(&plan.stderr);
    assert_eq!(plan.code, 1, "{cli}: the plan should fail:\n{errors}");
    assert!(
        errors.contains("Error: Invalid template bundle"),
        "{cli}: {errors}"
    );
    assert!(
        errors.contains(file),
        "{cli}: {file} is not named: {errors}"
    );
    // The diagnostic is on the attribute: Terraform quotes its line.
    let attribute = format!("directory = \"{}\"", dir.root().display());
    assert!(
        errors.contains(&attribute),
        "{cli}: the diagnostic does not point at `{attribute}`: {errors}"
    );
    assert!(acc.endpoint.versions(Environment, "web").await.is_empty());
    assert_eq!(acc.endpoint.counters()["versions_created"], 0);
    errors
}

each_cli!(async a_schema_that_does_not_parse_fails_the_plan_at_its_line_and_column);
async fn a_schema_that_does_not_parse_fails_the_plan_at_its_line_and_column(cli: Cli) {
    // Line 10 is indented with a tab, which YAML forbids: column 1.
    let errors = plan_refuses(
        cli,
        |dir| {
            dir.edit(
                "schema/schema.yaml",
                "        size:\n",
                "        size:\n\tbroken: true\n",
            )
        },
        "schema/schema.yaml",
    )
    .await;
    assert!(
        errors.contains("schema/schema.yaml:10:1"),
        "{cli}: no line and column: {errors}"
    );
}

each_cli!(async a_bundle_without_a_schema_fails_the_plan);
async fn a_bundle_without_a_schema_fails_the_plan(cli: Cli) {
    plan_refuses(
        cli,
        |dir| dir.remove("schema/schema.yaml"),
        "schema/schema.yaml",
    )
    .await;
}

each_cli!(async an_unknown_engine_and_language_pair_fails_the_plan);
async fn an_unknown_engine_and_language_pair_fails_the_plan(cli: Cli) {
    let errors = plan_refuses(
        cli,
        |dir| {
            dir.edit(
                "infrastructure/manifest.yaml",
                "template_language: cloudformation",
                "template_language: terraform",
            )
        },
        "infrastructure/manifest.yaml",
    )
    .await;
    assert!(errors.contains("jinja"), "{cli}: {errors}");
}

each_cli!(async a_manifest_naming_a_missing_file_fails_the_plan);
async fn a_manifest_naming_a_missing_file_fails_the_plan(cli: Cli) {
    let errors = plan_refuses(
        cli,
        |dir| dir.remove("infrastructure/cloudformation.yaml"),
        "infrastructure/manifest.yaml",
    )
    .await;
    assert!(errors.contains("cloudformation.yaml"), "{cli}: {errors}");
}

each_cli!(async an_environment_bundle_without_a_manifest_fails_the_plan);
async fn an_environment_bundle_without_a_manifest_fails_the_plan(cli: Cli) {
    plan_refuses(
        cli,
        |dir| dir.remove("infrastructure/manifest.yaml"),
        "infrastructure/manifest.yaml",
    )
    .await;
}

// ---------------------------------------------------------------------------
// Between plan and apply, and interrupted applies

each_cli!(async content_changed_after_a_saved_plan_fails_its_apply_and_creates_nothing);
/// Terraform plans every change again at apply, with the same inputs as at
/// plan time, and compares the result with the saved plan itself before the
/// provider applies anything; the provider cannot tell that second plan
/// from a new one. So the edited bundle's new hash is reported by Terraform
/// ("produced an invalid new value for .bundle_sha256: was OLD, but now
/// NEW"), and nothing is uploaded or created.
async fn content_changed_after_a_saved_plan_fails_its_apply_and_creates_nothing(cli: Cli) {
    let acc = acc_with_bucket(cli, &["web"]).await;
    let dir = environment_bundle(Style::CloudFormation);
    acc.config(&env_version("v", "web", &dir).to_string());
    let plan = saved_plan(&acc);
    assert_eq!(actions(change(&plan, V)), ["create"]);
    let planned_sha = change(&plan, V)["after"]["bundle_sha256"]
        .as_str()
        .unwrap()
        .to_string();

    dir.edit(
        "infrastructure/cloudformation.yaml",
        "Placeholder:",
        "Changed:",
    );
    let apply = apply_saved(&acc);
    let errors = flat(&apply.stderr);
    assert_eq!(apply.code, 1, "{cli}: the apply should fail: {errors}");
    assert!(
        errors.contains(".bundle_sha256: was") && errors.contains(&planned_sha),
        "{cli}: the apply should name the planned hash: {errors}"
    );
    assert!(acc.endpoint.versions(Environment, "web").await.is_empty());
    assert_eq!(acc.endpoint.counters()["versions_created"], 0);
    assert_eq!(
        acc.endpoint.list_keys(BUCKET, "").await,
        Vec::<String>::new(),
        "nothing should be uploaded"
    );
    destroy_leaves_no_version(&acc, Environment, &["web"]).await;
}

each_cli!(async an_apply_failing_between_upload_and_create_converges_without_duplicates);
async fn an_apply_failing_between_upload_and_create_converges_without_duplicates(cli: Cli) {
    let mut acc = acc_with_bucket(cli, &["web"]).await;
    // One attempt per call: the injected failure is final at once.
    acc.provider_extra("  max_retries = 0\n");
    let dir = environment_bundle(Style::CloudFormation);
    let config = env_version("v", "web", &dir).to_string();

    acc.endpoint
        .set_faults(r#"{"error_rate": 1.0, "operations": ["CreateEnvironmentTemplateVersion"]}"#);
    acc.config(&config);
    let failed = acc.apply();
    assert_eq!(
        failed.code, 1,
        "{cli}: the create should fail:\n{}",
        failed.stderr
    );
    let uploaded = acc.endpoint.list_keys(BUCKET, "").await;
    assert_eq!(
        uploaded.len(),
        1,
        "{cli}: the bundle should be uploaded before the create: {uploaded:?}"
    );
    assert!(acc.endpoint.versions(Environment, "web").await.is_empty());

    acc.endpoint.set_faults("{}");
    acc.step(&config);
    let sha = acc.attr(V, "bundle_sha256");
    assert_eq!(
        acc.endpoint.list_keys(BUCKET, "").await,
        [content_key(PREFIX, "web", &sha)],
        "one object, the one uploaded before the failure"
    );
    assert_eq!(uploaded, [content_key(PREFIX, "web", &sha)]);
    assert_eq!(acc.endpoint.versions(Environment, "web").await, ["1.0"]);
    assert_eq!(acc.endpoint.counters()["versions_created"], 1);
    destroy_leaves_no_version(&acc, Environment, &["web"]).await;
}

// ---------------------------------------------------------------------------
// What the plan knows from Proton, and the source block's own rules

each_cli!(async a_new_minor_whose_schema_changes_an_input_type_fails_the_plan);
/// A minor added to major 1 must keep the inputs of the major's newest
/// minor (Proton refuses it otherwise): the plan compares the schemas.
async fn a_new_minor_whose_schema_changes_an_input_type_fails_the_plan(cli: Cli) {
    let acc = acc_with_bucket(cli, &["web"]).await;
    let first = environment_bundle(Style::CloudFormation);
    let first_version = env_version("v", "web", &first);
    acc.step(&first_version.to_string());
    let second = environment_bundle(Style::CloudFormation);
    second.edit("schema/schema.yaml", "type: string", "type: number");
    let minor = env_version("m", "web", &second).string("major_version", "1");
    acc.config(&format!("{first_version}{minor}"));
    let plan = acc.plan();
    let errors = flat(&plan.stderr);
    assert_eq!(plan.code, 1, "{cli}: the plan should fail:\n{errors}");
    assert!(
        errors.contains("Error: Invalid template bundle")
            && errors
                .contains("not backward compatible with environment template version `web:1.0`")
            && errors.contains("size"),
        "{cli}: {errors}"
    );
    assert_eq!(acc.endpoint.versions(Environment, "web").await, ["1.0"]);
    // Without the major, the same bundle starts major 2: nothing to compare.
    acc.step(&format!(
        "{first_version}{}",
        env_version("m", "web", &second)
    ));
    assert_eq!(
        acc.endpoint.versions(Environment, "web").await,
        ["1.0", "2.0"]
    );
    destroy_leaves_no_version(&acc, Environment, &["web"]).await;
}

each_cli!(async a_source_with_both_a_directory_and_an_s3_block_is_refused);
async fn a_source_with_both_a_directory_and_an_s3_block_is_refused(cli: Cli) {
    let acc = acc_with_bucket(cli, &["web"]).await;
    let dir = environment_bundle(Style::CloudFormation);
    let both = hcl::resource(ENV, "v").template("web").extra(&format!(
        "source {{\n  directory = \"{}\"\n  bucket = \"{BUCKET}\"\n  s3 {{\n    bucket = \"{BUCKET}\"\n    key = \"web.tar.gz\"\n  }}\n}}",
        dir.root().display()
    ));
    acc.config(&both.to_string());
    let plan = acc.plan();
    let errors = flat(&plan.stderr);
    assert_eq!(plan.code, 1, "{cli}: the plan should fail:\n{errors}");
    assert!(
        errors.contains("Error: Conflicting source"),
        "{cli}: {errors}"
    );
    assert!(acc.endpoint.versions(Environment, "web").await.is_empty());
}
