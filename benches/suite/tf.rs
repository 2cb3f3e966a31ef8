//! Terraform working directories (filesystem mirror, as in `tests/support/terraform.rs`) and a
//! sampler that follows the provider processes Terraform starts.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::support::terraform::{Cli, Run, Workdir};

/// How often the sampler looks at the process tree.
const SAMPLE_EVERY: Duration = Duration::from_millis(2);

/// A working directory with its own CLI configuration and plugin mirror.
pub struct TfDir {
    work: Workdir,
}

/// What the sampler saw of the provider processes during one command.
#[derive(Debug, Default, Clone)]
pub struct ProcSample {
    /// Provider processes seen.
    pub starts: usize,
    /// Largest `VmHWM` of any of them, KiB.
    pub peak_hwm_kib: u64,
    /// Sum over them of utime+stime at their last sample, seconds.
    pub cpu_secs: f64,
    /// utime+stime of the Terraform process itself (its own threads, not its children) at its
    /// last sample, seconds.
    pub terraform_cpu_secs: f64,
    /// Wall time of the Terraform command, seconds.
    pub wall_secs: f64,
}

impl TfDir {
    pub fn new(cli: Cli) -> Self {
        Self {
            work: Workdir::new(cli),
        }
    }

    /// A working directory whose mirror holds `binary` as the provider (another build).
    pub fn with_provider(cli: Cli, binary: &std::path::Path) -> Self {
        Self {
            work: Workdir::with_provider(cli, binary),
        }
    }

    /// Sets an environment variable for every later command (and the providers it starts).
    pub fn env(&mut self, key: &str, value: &str) {
        self.work.env(key, value);
    }

    /// `main.tf` with the `required_providers` block.
    pub fn write_config(&self, body: &str) {
        self.work.write_config(body);
    }

    /// `main.tf` exactly as given.
    pub fn write_raw(&self, body: &str) {
        std::fs::write(self.work.config_dir().join("main.tf"), body).unwrap();
    }

    /// Where Terraform runs: the configuration, state and generated files.
    #[allow(dead_code)]
    pub fn config_dir(&self) -> PathBuf {
        self.work.config_dir()
    }

    /// Runs `terraform ARGS` with `TF_LOG=trace` while sampling the provider processes.
    #[allow(dead_code)]
    pub fn run_traced_sampled(&self, args: &[&str]) -> (Run, ProcSample) {
        let mut command = self.command(args);
        command.env("TF_LOG", "trace");
        self.sampled(command)
    }

    /// Runs `terraform ARGS` with `TF_LOG=trace` (the trace is on stderr).
    pub fn run_traced(&self, args: &[&str]) -> Run {
        let output = self.command(args).env("TF_LOG", "trace").output().unwrap();
        Run::new(self.work.cli, output)
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = self.work.command(args);
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    }

    /// Runs `terraform ARGS` and waits.
    pub fn run(&self, args: &[&str]) -> Run {
        let output = self.command(args).output().unwrap();
        Run::new(self.work.cli, output)
    }

    /// Runs `terraform ARGS` while sampling the provider processes under it.
    pub fn run_sampled(&self, args: &[&str]) -> (Run, ProcSample) {
        self.sampled(self.command(args))
    }

    fn sampled(&self, mut command: Command) -> (Run, ProcSample) {
        let start = Instant::now();
        let child = command.spawn().unwrap();
        let root = child.id();
        let done = Arc::new(AtomicBool::new(false));
        let sampler = {
            let done = done.clone();
            std::thread::spawn(move || sample_tree(root, &done))
        };
        let output = child.wait_with_output().unwrap();
        let wall = start.elapsed().as_secs_f64();
        done.store(true, Ordering::SeqCst);
        let mut sample = sampler.join().unwrap();
        sample.wall_secs = wall;
        (Run::new(self.work.cli, output), sample)
    }
}

/// Clock ticks per second for `/proc/<pid>/stat` (USER_HZ; 100 on Linux x86-64).
pub fn ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// Follows the tree under `root` until `done`, recording every provider process.
fn sample_tree(root: u32, done: &AtomicBool) -> ProcSample {
    // pid → (peak VmHWM KiB, last utime+stime ticks)
    let mut seen: std::collections::BTreeMap<u32, (u64, u64)> = Default::default();
    let mut terraform_ticks = 0;
    while !done.load(Ordering::SeqCst) {
        if let Some(ticks) = cpu_ticks(root) {
            terraform_ticks = ticks;
        }
        for pid in descendants(root) {
            if !is_provider(pid) {
                continue;
            }
            let entry = seen.entry(pid).or_default();
            if let Some(hwm) = vm_hwm_kib(pid) {
                entry.0 = entry.0.max(hwm);
            }
            if let Some(ticks) = cpu_ticks(pid) {
                entry.1 = entry.1.max(ticks);
            }
        }
        std::thread::sleep(SAMPLE_EVERY);
    }
    let hz = ticks_per_second();
    ProcSample {
        starts: seen.len(),
        peak_hwm_kib: seen.values().map(|v| v.0).max().unwrap_or(0),
        cpu_secs: seen.values().map(|v| v.1 as f64).sum::<f64>() / hz,
        terraform_cpu_secs: terraform_ticks as f64 / hz,
        wall_secs: 0.0,
    }
}

/// Children of every thread of `pid` (Go starts processes from any thread), recursively.
fn descendants(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let mut stack = vec![pid];
    while let Some(pid) = stack.pop() {
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
            continue;
        };
        for task in tasks.flatten() {
            let path: PathBuf = task.path().join("children");
            let Ok(text) = std::fs::read_to_string(path) else {
                continue;
            };
            for child in text.split_whitespace().filter_map(|c| c.parse().ok()) {
                out.push(child);
                stack.push(child);
            }
        }
    }
    out
}

fn is_provider(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .map(|comm| comm.starts_with("terraform-provi"))
        .unwrap_or(false)
}

fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// utime+stime of `pid`, in clock ticks.
pub fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the parenthesised comm: state is field 3; utime 14, stime 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}
