//! Acceptance-test steps in terraform-plugin-testing's shape: each step
//! applies a configuration, then a plan must report no changes.

use super::proton_local::TemplateKind::Environment;
use super::proton_local::{Options, ProtonLocal};
use super::terraform::{Cli, Run, Workdir};

/// A working directory wired to its own proton-local endpoint.
pub struct Acc {
    pub endpoint: ProtonLocal,
    pub work: Workdir,
    provider_extra: String,
    /// Whether the provider block also points S3 at the endpoint.
    s3: bool,
}

impl Acc {
    pub fn new(cli: Cli) -> Self {
        Self::with_options(cli, Options::default())
    }

    pub fn with_options(cli: Cli, options: Options) -> Self {
        let endpoint = ProtonLocal::start_with(options);
        let work = Workdir::new(cli);
        let acc = Self {
            endpoint,
            work,
            provider_extra: String::new(),
            s3: false,
        };
        acc.work.write_config(&acc.endpoint.provider_block(""));
        acc.work.init();
        acc
    }

    /// `Acc::new` with the environment template `web`, made outside
    /// Terraform, and an environment bundle at `s3://bundles/KEY` for each
    /// of `keys`.
    pub async fn with_web_template(cli: Cli, keys: &[&str]) -> Self {
        let acc = Self::new(cli);
        acc.endpoint.create_template(Environment, "web").await;
        for key in keys {
            acc.endpoint.write_bundle(Environment, "bundles", key);
        }
        acc
    }

    /// `Acc::new` whose provider block also points S3 at the endpoint
    /// ([`ProtonLocal::provider_block_with_s3`]), for directory sources.
    pub fn with_s3(cli: Cli) -> Self {
        Self {
            s3: true,
            ..Self::new(cli)
        }
    }

    /// The provider block of this working directory.
    pub fn provider_block(&self) -> String {
        match self.s3 {
            true => self.endpoint.provider_block_with_s3(&self.provider_extra),
            false => self.endpoint.provider_block(&self.provider_extra),
        }
    }

    /// Extra lines inside the provider block (e.g. default_tags).
    pub fn provider_extra(&mut self, extra: &str) {
        self.provider_extra = extra.to_string();
    }

    /// Writes the configuration: provider block plus `body`.
    pub fn config(&self, body: &str) {
        self.work
            .write_config(&format!("{}\n{body}", self.provider_block()));
    }

    pub fn apply(&self) -> Run {
        self.apply_with(&[])
    }

    /// `terraform apply` with `extra` arguments (`-replace=...`, say).
    pub fn apply_with(&self, extra: &[&str]) -> Run {
        let mut args = vec![
            "apply",
            "-auto-approve",
            "-no-color",
            "-input=false",
            "-parallelism=10",
        ];
        args.extend_from_slice(extra);
        self.work.run(&args)
    }

    /// Applies `body`, then checks that a refreshing plan is empty.
    pub fn step(&self, body: &str) -> Run {
        self.config(body);
        let run = self.apply();
        run.assert_ok("apply");
        self.assert_no_changes();
        run
    }

    /// `terraform plan -detailed-exitcode`: 0 no changes, 2 changes, 1 error.
    pub fn plan(&self) -> Run {
        self.work
            .run(&["plan", "-no-color", "-input=false", "-detailed-exitcode"])
    }

    pub fn assert_no_changes(&self) {
        let plan = self.plan();
        assert_eq!(
            plan.code, 0,
            "{}: expected an empty plan:\n{}\n{}",
            plan.cli, plan.stdout, plan.stderr
        );
    }

    /// The attributes of `address` in state.
    pub fn attributes(&self, address: &str) -> serde_json::Value {
        let show = self.work.run(&["show", "-json", "-no-color"]);
        show.assert_ok("show");
        let state: serde_json::Value = serde_json::from_str(&show.stdout).unwrap();
        let resources = state["values"]["root_module"]["resources"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        resources
            .into_iter()
            .find(|r| r["address"] == address)
            .map(|r| r["values"].clone())
            .unwrap_or_else(|| panic!("{}: {address} is not in state:\n{}", show.cli, show.stdout))
    }

    /// One attribute of `address` as a string.
    pub fn attr(&self, address: &str, name: &str) -> String {
        let value = &self.attributes(address)[name];
        value
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| value.to_string())
    }

    /// `terraform apply -refresh-only`: the state takes what a read reports.
    pub fn refresh(&self) {
        self.work
            .run(&[
                "apply",
                "-refresh-only",
                "-auto-approve",
                "-no-color",
                "-input=false",
            ])
            .assert_ok("apply -refresh-only");
    }

    pub fn destroy(&self) {
        self.destroy_run().assert_ok("destroy");
    }

    /// `terraform destroy`, whatever it answers.
    pub fn destroy_run(&self) -> Run {
        self.work.run(&[
            "destroy",
            "-auto-approve",
            "-no-color",
            "-input=false",
            "-parallelism=10",
        ])
    }
}
