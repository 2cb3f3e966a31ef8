//! Drives the real Terraform CLI against the built provider, installed from
//! a filesystem mirror (a symlink to the cargo-built binary) so `terraform
//! init` works offline exactly as it would from a registry.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The provider's source address in configurations.
pub const SOURCE: &str = "awsproton/proton";
const VERSION: &str = "0.1.0";

/// The Terraform binary: `$TERRAFORM`, else `tools/terraform` (installed by
/// `scripts/install-terraform.sh`). Missing is a failure, never a skip.
pub fn terraform_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("TERRAFORM") {
        return PathBuf::from(path);
    }
    let installed = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/terraform");
    assert!(
        installed.exists(),
        "Terraform is not installed: run scripts/install-terraform.sh (or set TERRAFORM)"
    );
    installed
}

/// The provider binary cargo built for this test run.
pub fn provider_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_terraform-provider-proton"))
}

/// A Terraform working directory with its own CLI configuration.
pub struct Workdir {
    pub dir: tempfile::TempDir,
    extra_env: Vec<(String, String)>,
}

/// What a Terraform command printed and returned.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn assert_ok(&self, what: &str) -> &Self {
        assert_eq!(
            self.code, 0,
            "terraform {what} failed:\n{}\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

impl From<Output> for Run {
    fn from(output: Output) -> Self {
        Self {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

impl Workdir {
    pub fn new() -> Self {
        let dir = tempfile::Builder::new().prefix("tf-").tempdir().unwrap();
        let mirror = dir.path().join("mirror");
        let platform = mirror.join(format!(
            "registry.terraform.io/{SOURCE}/{VERSION}/linux_amd64"
        ));
        std::fs::create_dir_all(&platform).unwrap();
        std::os::unix::fs::symlink(
            provider_binary(),
            platform.join("terraform-provider-proton"),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("cli.tfrc"),
            format!(
                "provider_installation {{\n  filesystem_mirror {{\n    path    = {:?}\n    include = [\"{SOURCE}\"]\n  }}\n}}\n",
                mirror.display().to_string()
            ),
        )
        .unwrap();
        std::fs::create_dir_all(dir.path().join("config")).unwrap();
        Self {
            dir,
            extra_env: Vec::new(),
        }
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
        let mut command = Command::new(terraform_binary());
        command
            .args(args)
            .current_dir(self.config_dir())
            .env("TF_CLI_CONFIG_FILE", self.dir.path().join("cli.tfrc"))
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_IN_AUTOMATION", "1")
            .env_remove("TF_LOG")
            .env_remove("TF_LOG_PROVIDER");
        for (key, value) in &self.extra_env {
            command.env(key, value);
        }
        for (key, value) in env {
            command.env(key, value);
        }
        command.output().unwrap().into()
    }

    pub fn init(&self) {
        self.run(&["init", "-no-color", "-input=false"])
            .assert_ok("init");
    }
}
