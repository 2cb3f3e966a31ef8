//! Drives the real Terraform CLIs against the built provider, installed from
//! a filesystem mirror (a symlink to the cargo-built binary) so `terraform
//! init` works offline exactly as it would from a registry.
//!
//! Every scenario runs once per CLI ([`Cli`]): the test `name` becomes
//! `name::terraform_1_0_3` and `name::terraform_1_15_5` (see [`each_cli!`]),
//! and every failure message names the CLI's version.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The provider's source address in configurations.
pub const SOURCE: &str = "awsproton/proton";
const VERSION: &str = "0.1.0";

/// The Terraform CLIs every real-CLI test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cli {
    /// The oldest supported client: `$TERRAFORM_1_0_3`, else `tools/terraform-1.0.3`.
    V1_0_3,
    /// The CLI people run: `$TERRAFORM`, else `tools/terraform` (1.15.5).
    V1_15_5,
}

impl Cli {
    /// Both, oldest first.
    pub const ALL: [Cli; 2] = [Cli::V1_0_3, Cli::V1_15_5];

    /// The CLI's executable. Missing is a failure, never a skip.
    pub fn binary(self) -> PathBuf {
        let (variable, installed) = match self {
            Cli::V1_0_3 => ("TERRAFORM_1_0_3", "tools/terraform-1.0.3"),
            Cli::V1_15_5 => ("TERRAFORM", "tools/terraform"),
        };
        if let Some(path) = std::env::var_os(variable) {
            return PathBuf::from(path);
        }
        let installed = Path::new(env!("CARGO_MANIFEST_DIR")).join(installed);
        assert!(
            installed.exists(),
            "{} is not installed: run scripts/install-terraform.sh (or set {variable})",
            installed.display()
        );
        installed
    }

    /// The version the binary reports (`terraform version -json`), e.g. `1.15.5`.
    pub fn version(self) -> &'static str {
        static VERSIONS: [OnceLock<String>; 2] = [OnceLock::new(), OnceLock::new()];
        VERSIONS[self as usize].get_or_init(|| {
            let output = Command::new(self.binary())
                .args(["version", "-json"])
                .env("TF_CLI_CONFIG_FILE", "/dev/null")
                .env("CHECKPOINT_DISABLE", "1")
                .output()
                .unwrap_or_else(|e| panic!("{}: {e}", self.binary().display()));
            let parsed: serde_json::Value = serde_json::from_slice(&output.stdout)
                .unwrap_or_else(|e| panic!("{} version -json: {e}", self.binary().display()));
            parsed["terraform_version"]
                .as_str()
                .unwrap_or_else(|| panic!("no terraform_version in {parsed}"))
                .to_string()
        })
    }

    /// `(major, minor)` of [`Cli::version`].
    fn minor_version(self) -> (u32, u32) {
        let mut parts = self.version().split('.').map(|p| p.parse().unwrap_or(0));
        (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
    }

    /// Whether this CLI is at least `major.minor`.
    pub fn at_least(self, major: u32, minor: u32) -> bool {
        self.minor_version() >= (major, minor)
    }

    /// `import` blocks and `plan -generate-config-out` (Terraform 1.5+).
    pub fn has_import_blocks(self) -> bool {
        self.at_least(1, 5)
    }

    /// A base command for this CLI: no user CLI configuration, no
    /// checkpoint calls, automation output, no inherited log settings.
    pub fn command(self) -> Command {
        let mut command = Command::new(self.binary());
        command
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_IN_AUTOMATION", "1")
            .env_remove("TF_LOG")
            .env_remove("TF_LOG_PROVIDER");
        command
    }
}

impl std::fmt::Display for Cli {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Terraform {}", self.version())
    }
}

/// Runs a scenario `fn NAME(cli: Cli)` once per CLI, as the tests
/// `NAME::terraform_1_0_3` and `NAME::terraform_1_15_5` (a module and a
/// function may share a name). `each_cli!(async NAME)` for an `async fn`
/// (run on a multi-threaded tokio runtime).
#[macro_export]
macro_rules! each_cli {
    (async $($scenario:ident),+ $(,)?) => {
        $(
            mod $scenario {
                use $crate::support::terraform::Cli;

                #[tokio::test(flavor = "multi_thread")]
                async fn terraform_1_0_3() {
                    super::$scenario(Cli::V1_0_3).await
                }

                #[tokio::test(flavor = "multi_thread")]
                async fn terraform_1_15_5() {
                    super::$scenario(Cli::V1_15_5).await
                }
            }
        )+
    };
    ($($scenario:ident),+ $(,)?) => {
        $(
            mod $scenario {
                use $crate::support::terraform::Cli;

                #[test]
                fn terraform_1_0_3() {
                    super::$scenario(Cli::V1_0_3)
                }

                #[test]
                fn terraform_1_15_5() {
                    super::$scenario(Cli::V1_15_5)
                }
            }
        )+
    };
}

/// The provider binary cargo built for this test run.
pub fn provider_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_terraform-provider-proton"))
}

/// A Terraform working directory with its own CLI configuration.
pub struct Workdir {
    pub dir: tempfile::TempDir,
    pub cli: Cli,
    extra_env: Vec<(String, String)>,
}

/// What a Terraform command printed and returned.
#[derive(Debug)]
pub struct Run {
    pub cli: Cli,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn assert_ok(&self, what: &str) -> &Self {
        assert_eq!(
            self.code, 0,
            "{} {what} exited {}:\n{}\n{}",
            self.cli, self.code, self.stdout, self.stderr
        );
        self
    }

    pub fn new(cli: Cli, output: Output) -> Self {
        Self {
            cli,
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

impl Workdir {
    pub fn new(cli: Cli) -> Self {
        Self::with_provider(cli, &provider_binary())
    }

    /// A working directory whose filesystem mirror holds `binary` as the
    /// provider (e.g. another build of it, to compare against).
    pub fn with_provider(cli: Cli, binary: &Path) -> Self {
        let workdir = Self::with_cli_config(cli, "");
        let mirror = workdir.dir.path().join("mirror");
        let platform = mirror.join(format!(
            "registry.terraform.io/{SOURCE}/{VERSION}/linux_amd64"
        ));
        std::fs::create_dir_all(&platform).unwrap();
        std::os::unix::fs::symlink(binary, platform.join("terraform-provider-proton")).unwrap();
        workdir.write_cli_config(&format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path    = {:?}\n    include = [\"{SOURCE}\"]\n  }}\n}}\n",
            mirror.display().to_string()
        ));
        workdir
    }

    /// A working directory whose CLI configuration is `cli_config`.
    pub fn with_cli_config(cli: Cli, cli_config: &str) -> Self {
        let dir = tempfile::Builder::new().prefix("tf-").tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("config")).unwrap();
        let workdir = Self {
            dir,
            cli,
            extra_env: Vec::new(),
        };
        workdir.write_cli_config(cli_config);
        workdir
    }

    /// Replaces the CLI configuration (`TF_CLI_CONFIG_FILE`) of later commands.
    pub fn write_cli_config(&self, cli_config: &str) {
        std::fs::write(self.dir.path().join("cli.tfrc"), cli_config).unwrap();
    }

    /// Where the configuration lives (and Terraform runs).
    pub fn config_dir(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    /// Writes `main.tf`, prefixed with the required_providers block.
    pub fn write_config(&self, body: &str) {
        let header = format!(
            "terraform {{\n  required_providers {{\n    proton = {{ source = \"{SOURCE}\" }}\n  }}\n}}\n\n"
        );
        std::fs::write(self.config_dir().join("main.tf"), format!("{header}{body}")).unwrap();
    }

    /// Sets an environment variable for every later command.
    pub fn env(&mut self, key: &str, value: &str) {
        self.extra_env.push((key.to_string(), value.to_string()));
    }

    /// Runs `terraform ARGS` in the configuration directory.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_env(args, &[])
    }

    pub fn run_with_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut command = self.command(args);
        for (key, value) in env {
            command.env(key, value);
        }
        Run::new(self.cli, command.output().unwrap())
    }

    /// `terraform ARGS` in the configuration directory, with this directory's
    /// CLI configuration and environment, not yet started.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = self.cli.command();
        command
            .args(args)
            .current_dir(self.config_dir())
            .env("TF_CLI_CONFIG_FILE", self.dir.path().join("cli.tfrc"));
        for (key, value) in &self.extra_env {
            command.env(key, value);
        }
        command
    }

    /// Starts `terraform apply` with provider logs on stderr, in its own
    /// process group (like a shell job, so Ctrl-C can signal the group), and
    /// returns once the provider reports that Proton accepted a create and it
    /// is waiting for registration: the moment to interrupt or fault.
    pub fn apply_until_waiting(&self) -> std::process::Child {
        use std::io::BufRead;
        use std::os::unix::process::CommandExt;
        use std::process::Stdio;

        let mut child = self
            .command(&["apply", "-auto-approve", "-no-color", "-input=false"])
            .env("TF_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .unwrap();
        let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
        loop {
            let line = lines
                .next()
                .unwrap_or_else(|| {
                    panic!("{}: terraform ended before a version was created", self.cli)
                })
                .unwrap();
            if line.contains("waiting for registration") {
                break;
            }
        }
        // Keep draining stderr so Terraform never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        child
    }

    /// `terraform query -json` here: the results by list address. Fails on
    /// a non-zero exit or an error diagnostic, and checks each list's
    /// `list_complete` total against its results.
    pub fn query_results(&self) -> std::collections::BTreeMap<String, Vec<Found>> {
        let run = self.run(&["query", "-no-color", "-json"]);
        run.assert_ok("query -json");
        let mut found: std::collections::BTreeMap<String, Vec<Found>> = Default::default();
        let mut totals = std::collections::BTreeMap::new();
        for line in run.stdout.lines().filter(|l| !l.trim().is_empty()) {
            let message: serde_json::Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("query -json line {line:?}: {e}"));
            assert_ne!(
                message["@level"], "error",
                "query reported an error: {line}"
            );
            match message["type"].as_str() {
                Some("list_resource_found") => {
                    let result = &message["list_resource_found"];
                    found
                        .entry(result["address"].as_str().unwrap().to_string())
                        .or_default()
                        .push(Found {
                            display_name: result["display_name"].as_str().unwrap().to_string(),
                            identity: result["identity"].clone(),
                            resource_object: result.get("resource_object").cloned(),
                        });
                }
                Some("list_complete") => {
                    let complete = &message["list_complete"];
                    totals.insert(
                        complete["address"].as_str().unwrap().to_string(),
                        complete["total"].as_u64().unwrap(),
                    );
                }
                _ => {}
            }
        }
        for (address, results) in &found {
            assert_eq!(
                totals.get(address).copied(),
                Some(results.len() as u64),
                "{address}: list_complete does not count its results"
            );
        }
        found
    }

    pub fn init(&self) {
        self.run(&["init", "-no-color", "-input=false"])
            .assert_ok("init");
    }
}

/// One `list_resource_found` message of `terraform query -json`.
#[derive(Debug)]
pub struct Found {
    pub display_name: String,
    pub identity: serde_json::Value,
    pub resource_object: Option<serde_json::Value>,
}

/// Terraform wraps diagnostics in a box at 78 columns: its output as one line
/// of words, to compare messages with.
pub fn flat(text: &str) -> String {
    text.replace('│', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}
