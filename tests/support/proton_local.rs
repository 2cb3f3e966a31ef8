//! Runs `proton-local` as a process for a test, with an SDK client to set
//! up templates and check what exists, and its admin API for counters and
//! faults.
#![allow(deprecated)]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use aws_sdk_proton::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_proton::Client;
use aws_sdk_s3::error::DisplayErrorContext;
pub use terraform_provider_proton::proton::TemplateKind;

/// The `proton-local` binary of this workspace's build. `cargo test
/// --workspace` builds it; `$PROTON_LOCAL` overrides.
pub fn binary() -> PathBuf {
    if let Some(path) = std::env::var_os("PROTON_LOCAL") {
        return PathBuf::from(path);
    }
    // target/debug/deps/<test> → target/debug/proton-local
    let exe = std::env::current_exe().unwrap();
    let path = exe
        .parent()
        .and_then(Path::parent)
        .unwrap()
        .join("proton-local");
    assert!(
        path.exists(),
        "{} is missing: build it with `cargo build -p proton-local` (cargo test --workspace does)",
        path.display()
    );
    path
}

/// A running endpoint; killed when dropped.
pub struct ProtonLocal {
    child: Child,
    pub url: String,
    pub bundle_dir: tempfile::TempDir,
    pub client: Client,
    /// An S3 client for the same endpoint (path-style, credentials test/test).
    pub s3: aws_sdk_s3::Client,
}

impl Drop for ProtonLocal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Options beyond the defaults (registration delay 0s, bundle dir set).
#[derive(Default)]
pub struct Options {
    pub registration_delay: Option<&'static str>,
    pub extra_args: Vec<String>,
}

impl ProtonLocal {
    pub fn start() -> Self {
        Self::start_with(Options::default())
    }

    pub fn start_with(options: Options) -> Self {
        let bundle_dir = tempfile::Builder::new()
            .prefix("bundles-")
            .tempdir()
            .unwrap();
        let mut child = Command::new(binary())
            .args(["--listen", "127.0.0.1:0", "--registration-delay"])
            .arg(options.registration_delay.unwrap_or("100ms"))
            .arg("--bundle-dir")
            .arg(bundle_dir.path())
            .args(&options.extra_args)
            // A pipe never written to: the endpoint ends with this process,
            // however it ends.
            .arg("--exit-with-stdin")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .trim()
            .strip_prefix("proton-local listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        let config = aws_sdk_proton::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(&url)
            .credentials_provider(Credentials::new("test", "test", None, None, "tests"))
            .build();
        let s3 = s3_client(&url);
        Self {
            child,
            url,
            bundle_dir,
            client: Client::from_conf(config),
            s3,
        }
    }

    /// A Proton client of the endpoint's default account signing for `region`: proton-local
    /// keeps each region's objects apart, as Proton does.
    pub fn client_in(&self, region: &str) -> Client {
        let config = self
            .client
            .config()
            .to_builder()
            .region(Region::new(region.to_string()))
            .build();
        Client::from_conf(config)
    }

    /// The endpoint's process id (the benchmarks read its CPU time from `/proc`).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// A `provider "proton"` block pointing Proton and the Resource Groups
    /// Tagging API at this endpoint.
    pub fn provider_block(&self, extra: &str) -> String {
        format!(
            "provider \"proton\" {{\n  region     = \"us-east-1\"\n  access_key = \"test\"\n  secret_key = \"test\"\n  endpoints {{\n    proton                   = \"{url}\"\n    resourcegroupstaggingapi = \"{url}\"\n  }}\n{extra}}}\n",
            url = self.url
        )
    }

    /// A `provider "proton"` block naming only the Proton endpoint, which
    /// providers from before `endpoints.resourcegroupstaggingapi` accept too
    /// (the benchmarks compare one against today's, giving the Tagging API's
    /// endpoint in `AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API`).
    pub fn proton_only_provider_block(&self) -> String {
        format!(
            "provider \"proton\" {{\n  region     = \"us-east-1\"\n  access_key = \"test\"\n  secret_key = \"test\"\n  endpoints {{\n    proton = \"{}\"\n  }}\n}}\n",
            self.url
        )
    }

    /// A `provider "proton"` block pointing both Proton and S3 at this
    /// endpoint, S3 addressed path-style (`URL/BUCKET/KEY`).
    pub fn provider_block_with_s3(&self, extra: &str) -> String {
        format!(
            "provider \"proton\" {{\n  region     = \"us-east-1\"\n  access_key = \"test\"\n  secret_key = \"test\"\n  endpoints {{\n    proton                   = \"{url}\"\n    s3                       = \"{url}\"\n    resourcegroupstaggingapi = \"{url}\"\n  }}\n  s3_use_path_style = true\n{extra}}}\n",
            url = self.url
        )
    }

    /// Creates bucket `bucket` through the S3 API.
    pub async fn create_bucket(&self, bucket: &str) {
        self.s3
            .create_bucket()
            .bucket(bucket)
            .send()
            .await
            .unwrap_or_else(|e| panic!("CreateBucket {bucket}: {}", DisplayErrorContext(e)));
    }

    /// Every key in `bucket` that starts with `prefix`, sorted, through the
    /// S3 API (ListObjectsV2, every page).
    pub async fn list_keys(&self, bucket: &str, prefix: &str) -> Vec<String> {
        let mut keys = Vec::new();
        let mut pages = self
            .s3
            .list_objects_v2()
            .bucket(bucket)
            .prefix(prefix)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.unwrap_or_else(|e| {
                panic!(
                    "ListObjectsV2 {bucket}/{prefix}: {}",
                    DisplayErrorContext(e)
                )
            });
            keys.extend(
                page.contents()
                    .iter()
                    .filter_map(|o| o.key().map(str::to_string)),
            );
        }
        keys.sort();
        keys
    }

    /// The bytes of `s3://bucket/key`, through the S3 API.
    pub async fn object_bytes(&self, bucket: &str, key: &str) -> Vec<u8> {
        let object = self
            .s3
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GetObject {bucket}/{key}: {}", DisplayErrorContext(e)));
        let body = object.body.collect().await.unwrap();
        body.into_bytes().to_vec()
    }

    fn admin(&self, method: &str, path: &str, body: &str) -> serde_json::Value {
        let address = self.url.trim_start_matches("http://");
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        write!(
            stream,
            "{method} /_proton_local/{path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let (head, body) = response.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 200"), "admin {path}: {head}");
        serde_json::from_str(body).unwrap()
    }

    /// Counters: requests per operation, throttled, failed, versions created.
    pub fn counters(&self) -> serde_json::Value {
        self.admin("GET", "counters", "")
    }

    /// Requests of each operation since the counters were reset.
    pub fn requests(&self) -> std::collections::BTreeMap<String, u64> {
        let counters = self.counters();
        counters["requests"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(op, n)| (op.clone(), n.as_u64().unwrap()))
            .collect()
    }

    /// Total authenticated API requests made so far.
    pub fn total_requests(&self) -> u64 {
        self.counters()["total_requests"].as_u64().unwrap()
    }

    pub fn reset_counters(&self) {
        self.admin("POST", "reset-counters", "");
    }

    /// Sets faults, e.g. `{"throttle_rate": 0.3}`.
    pub fn set_faults(&self, json: &str) {
        self.admin("POST", "faults", json);
    }

    /// Creates template `name` of `kind` (service templates with
    /// customer-managed pipeline provisioning, so their bundles need no
    /// pipeline).
    pub async fn create_template(&self, kind: TemplateKind, name: &str) {
        match kind {
            TemplateKind::Environment => {
                self.client
                    .create_environment_template()
                    .name(name)
                    .send()
                    .await
                    .unwrap();
            }
            TemplateKind::Service => {
                self.client
                    .create_service_template()
                    .name(name)
                    .pipeline_provisioning(aws_sdk_proton::types::Provisioning::CustomerManaged)
                    .send()
                    .await
                    .unwrap();
            }
        }
    }

    /// Creates a new major version of environment template `template` from
    /// `s3://bundles/KEY` outside Terraform (no bookkeeping tag), waits until
    /// its registration has ended, and returns its `MAJOR.MINOR`.
    pub async fn create_environment_version_outside(&self, template: &str, key: &str) -> String {
        let version = self
            .create_version_outside(TemplateKind::Environment, template, None, key, "")
            .await;
        // Registration ends after proton-local's registration delay; poll for it.
        loop {
            let status = self.environment_version(template, &version).await.status;
            if status != aws_sdk_proton::types::TemplateVersionStatus::RegistrationInProgress {
                return version;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// The names of every template of `kind`.
    pub async fn template_names(&self, kind: TemplateKind) -> Vec<String> {
        let client = &self.client;
        match kind {
            TemplateKind::Environment => {
                let list = client.list_environment_templates().send().await.unwrap();
                list.templates().iter().map(|t| t.name().into()).collect()
            }
            TemplateKind::Service => {
                let list = client.list_service_templates().send().await.unwrap();
                list.templates().iter().map(|t| t.name().into()).collect()
            }
        }
    }

    /// Environment template version `template:MAJOR.MINOR` as Proton has it.
    pub async fn environment_version(
        &self,
        template: &str,
        version: &str,
    ) -> aws_sdk_proton::types::EnvironmentTemplateVersion {
        let (major, minor) = version.split_once('.').unwrap();
        let got = self
            .client
            .get_environment_template_version()
            .template_name(template)
            .major_version(major)
            .minor_version(minor)
            .send()
            .await
            .unwrap();
        got.environment_template_version.unwrap()
    }

    /// Creates a version of the `kind` template `template` from
    /// `s3://bundles/KEY` outside Terraform (no bookkeeping tag): a minor of
    /// `major`, or a new major. Service versions are compatible with major 1
    /// of the environment template `compatible`. Returns its `MAJOR.MINOR` at
    /// once: with a `registration_delay` of `0s` it is registered by then.
    pub async fn create_version_outside(
        &self,
        kind: TemplateKind,
        template: &str,
        major: Option<&str>,
        key: &str,
        compatible: &str,
    ) -> String {
        use aws_sdk_proton::types::{
            CompatibleEnvironmentTemplateInput, S3ObjectSource, TemplateVersionSourceInput,
        };
        let source = TemplateVersionSourceInput::S3(
            S3ObjectSource::builder()
                .bucket("bundles")
                .key(key)
                .build()
                .unwrap(),
        );
        match kind {
            TemplateKind::Service => {
                let compatible = CompatibleEnvironmentTemplateInput::builder()
                    .template_name(compatible)
                    .major_version("1")
                    .build()
                    .unwrap();
                let created = self
                    .client
                    .create_service_template_version()
                    .template_name(template)
                    .set_major_version(major.map(str::to_string))
                    .source(source)
                    .compatible_environment_templates(compatible)
                    .send()
                    .await
                    .unwrap();
                let version = created.service_template_version().unwrap();
                numbered(version.major_version(), version.minor_version())
            }
            TemplateKind::Environment => {
                let created = self
                    .client
                    .create_environment_template_version()
                    .template_name(template)
                    .set_major_version(major.map(str::to_string))
                    .source(source)
                    .send()
                    .await
                    .unwrap();
                let version = created.environment_template_version().unwrap();
                numbered(version.major_version(), version.minor_version())
            }
        }
    }

    /// Every tag Proton holds for `arn`, the provider's own included.
    pub async fn tags(&self, arn: &str) -> std::collections::BTreeMap<String, String> {
        let listed = self
            .client
            .list_tags_for_resource()
            .resource_arn(arn)
            .send()
            .await
            .unwrap();
        listed
            .tags()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect()
    }

    /// The provider's source tag on `arn`, if any.
    pub async fn source_tag(&self, arn: &str) -> Option<String> {
        self.tags(arn)
            .await
            .remove("terraform-provider-proton:source")
    }

    /// Publishes version `template:MAJOR.MINOR` of `kind` outside Terraform.
    pub async fn publish_outside(&self, kind: TemplateKind, template: &str, version: &str) {
        use aws_sdk_proton::types::TemplateVersionStatus::Published;
        let (major, minor) = version.split_once('.').unwrap();
        match kind {
            TemplateKind::Environment => {
                self.client
                    .update_environment_template_version()
                    .template_name(template)
                    .major_version(major)
                    .minor_version(minor)
                    .status(Published)
                    .send()
                    .await
                    .unwrap();
            }
            TemplateKind::Service => {
                self.client
                    .update_service_template_version()
                    .template_name(template)
                    .major_version(major)
                    .minor_version(minor)
                    .status(Published)
                    .send()
                    .await
                    .unwrap();
            }
        }
    }

    /// Deletes environment template version `template:MAJOR.MINOR` outside Terraform.
    pub async fn delete_environment_version(&self, template: &str, version: &str) {
        let (major, minor) = version.split_once('.').unwrap();
        self.client
            .delete_environment_template_version()
            .template_name(template)
            .major_version(major)
            .minor_version(minor)
            .send()
            .await
            .unwrap();
    }

    /// `MAJOR.MINOR` of every version of the `kind` template `template`.
    pub async fn versions(&self, kind: TemplateKind, template: &str) -> Vec<String> {
        let client = &self.client;
        match kind {
            TemplateKind::Environment => {
                let listed = client.list_environment_template_versions();
                let listed = listed.template_name(template).send().await.unwrap();
                let versions = listed.template_versions().iter();
                versions
                    .map(|v| numbered(v.major_version(), v.minor_version()))
                    .collect()
            }
            TemplateKind::Service => {
                let listed = client.list_service_template_versions();
                let listed = listed.template_name(template).send().await.unwrap();
                let versions = listed.template_versions().iter();
                versions
                    .map(|v| numbered(v.major_version(), v.minor_version()))
                    .collect()
            }
        }
    }

    /// Writes a bundle for `kind` at `s3://bucket/key` (service bundles
    /// have no pipeline: the test templates are created with
    /// customer-managed pipeline provisioning).
    pub fn write_bundle(&self, kind: TemplateKind, bucket: &str, key: &str) {
        self.write_archive(bucket, key, &bundle_files(kind));
    }

    /// Writes a bundle for `kind` without its schema, so registration fails.
    pub fn write_broken_bundle(&self, kind: TemplateKind, bucket: &str, key: &str) {
        let mut files = bundle_files(kind);
        files.retain(|(name, _)| *name != "schema/schema.yaml");
        self.write_archive(bucket, key, &files);
    }

    fn write_archive(&self, bucket: &str, key: &str, files: &[(&str, &str)]) {
        let path = self.bundle_dir.path().join(bucket).join(key);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let file = std::fs::File::create(&path).unwrap();
        let encoder = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
        let mut archive = tar::Builder::new(encoder);
        for (name, content) in files {
            let mut header = tar::Header::new_gnu();
            header.set_size(content.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            archive
                .append_data(&mut header, name, content.as_bytes())
                .unwrap();
        }
        archive
            .into_inner()
            .unwrap()
            .finish()
            .unwrap()
            .flush()
            .unwrap();
    }
}

/// An S3 client for the endpoint at `url`: path-style addressing,
/// credentials test/test, region us-east-1. Checksums only where S3 requires
/// them, so the helpers ask no more of the endpoint than the calls need.
fn s3_client(url: &str) -> aws_sdk_s3::Client {
    use aws_sdk_s3::config::{RequestChecksumCalculation, ResponseChecksumValidation};
    let config = aws_sdk_s3::Config::builder()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .region(aws_sdk_s3::config::Region::new("us-east-1"))
        .endpoint_url(url)
        .force_path_style(true)
        .credentials_provider(aws_sdk_s3::config::Credentials::new(
            "test", "test", None, None, "tests",
        ))
        .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
        .response_checksum_validation(ResponseChecksumValidation::WhenRequired)
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

/// `MAJOR.MINOR`.
fn numbered(major: &str, minor: &str) -> String {
    format!("{major}.{minor}")
}

/// The files of a bundle for `kind`, in the order they are archived: a
/// CloudFormation bundle proton-local registers (service bundles without a
/// pipeline).
pub fn bundle_files(kind: TemplateKind) -> Vec<(&'static str, &'static str)> {
    match kind {
        TemplateKind::Environment => vec![
            ("infrastructure/manifest.yaml", ENV_MANIFEST),
            ("infrastructure/cloudformation.yaml", CLOUDFORMATION),
            ("schema/schema.yaml", ENV_SCHEMA),
        ],
        TemplateKind::Service => vec![
            ("schema/schema.yaml", SERVICE_SCHEMA),
            ("instance_infrastructure/manifest.yaml", ENV_MANIFEST),
            (
                "instance_infrastructure/cloudformation.yaml",
                CLOUDFORMATION,
            ),
        ],
    }
}

const ENV_SCHEMA: &str = "schema:\n  format:\n    openapi: \"3.0.0\"\n  environment_input_type: \"EnvInput\"\n  types:\n    EnvInput:\n      type: object\n      properties:\n        size:\n          type: string\n          default: small\n";
const SERVICE_SCHEMA: &str = "schema:\n  format:\n    openapi: \"3.0.0\"\n  service_input_type: \"SvcInput\"\n  types:\n    SvcInput:\n      type: object\n      properties:\n        port:\n          type: number\n          default: 80\n";
const ENV_MANIFEST: &str = "infrastructure:\n  templates:\n    - file: \"cloudformation.yaml\"\n      rendering_engine: jinja\n      template_language: cloudformation\n";
const CLOUDFORMATION: &str =
    "Resources:\n  Placeholder:\n    Type: AWS::CloudFormation::WaitConditionHandle\n";
