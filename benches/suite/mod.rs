//! The benchmark suite of issue 6, shared by `benches/provider_suite.rs` (the full run that
//! writes `docs/benchmarks.md`) and `tests/bench_smoke.rs` (a tiny run, correctness only).
//!
//! Every Terraform-driven measurement runs the real Terraform CLI against the release (or test)
//! build of the provider, installed through a filesystem mirror, and a `proton-local` this
//! suite starts itself. The provider process is found as a descendant of the Terraform process
//! through `/proc/<pid>/task/*/children` and sampled for `VmHWM` (peak RSS) and utime+stime.

pub mod adopt;
pub mod breakdown;
pub mod bundles;
mod report;
pub mod rpc;
pub mod scale;
pub mod tf;

use std::fmt::Write as _;
use std::time::Instant;

use tf::TfDir;

use crate::support::proton_local::TemplateKind::Environment;
use crate::support::proton_local::{Options, ProtonLocal};
use crate::support::terraform::Cli;

/// Sizes of one run of the suite.
#[derive(Debug, Clone)]
pub struct Config {
    /// Alternated runs of each side of the plan comparison (target 1).
    pub plan_runs: usize,
    /// Extra plan runs with the process sampler on, for peak RSS (target 2).
    pub rss_runs: usize,
    /// Provider launches timed to the handshake line (target 2).
    pub startup_runs: usize,
    /// Timed calls per RPC and transport (target 3), after a warm-up.
    pub rpc_iterations: usize,
    /// Versions created by the timed apply (target 4).
    pub apply_versions: usize,
    /// Apply + destroy rounds (target 4).
    pub apply_runs: usize,
    /// proton-local `--registration-delay` for target 4, and the same in seconds.
    pub apply_delay: &'static str,
    pub apply_delay_secs: f64,
    pub parallelism: usize,
    /// Versions in state for the refresh-only plan (target 5), and its runs.
    pub refresh_versions: usize,
    pub refresh_runs: usize,
    /// Section 6 (Terraform 1.15.5 only): versions made through the SDK in templates of
    /// `adopt_versions` each (Proton's quota is 500 per template), listed by `terraform query`.
    pub query_versions: usize,
    /// Alternated runs of the queries and their empty-configuration baseline.
    pub query_runs: usize,
    /// Versions of one template adopted by generated configuration, and the adoption rounds.
    pub adopt_versions: usize,
    pub adopt_runs: usize,
    /// Section 7a: directory-sourced versions (and as many with `s3` sources) in the plans
    /// compared, and the alternated runs of each.
    pub bundle_versions: usize,
    pub bundle_plan_runs: usize,
    /// Section 7b: the generated directory (text files of about `bundle_text_bytes` each, and
    /// `bundle_binary_bytes` of incompressible bytes), and the timed builds of it (also the
    /// passes over 7a's small bundles).
    pub bundle_text_files: usize,
    pub bundle_text_bytes: usize,
    pub bundle_binary_bytes: usize,
    pub bundle_build_runs: usize,
    /// Section 8a (Terraform 1.15.5): configurations of this many versions in state, each
    /// planned against as many `terraform_data` resources, and the alternated runs of each.
    pub scale_sizes: Vec<usize>,
    pub scale_runs: usize,
    /// Section 8b: versions refreshed with `latency_ms` of latency injected into every API
    /// call, and the alternated runs per provider binary; no 8b when `latency_versions` is 0.
    pub latency_versions: usize,
    pub latency_ms: u64,
    pub latency_runs: usize,
    /// Section 8b's "before": another build of the provider (`BENCH_BASELINE_PROVIDER`).
    pub baseline_provider: Option<std::path::PathBuf>,
    /// `BENCH_ONLY`: `core` (sections 1–5), `adopt` (section 6), `bundles` (section 7) or
    /// `scale` (section 8); all when `None`.
    pub only: Option<String>,
}

/// Proton's quota of versions per template, which proton-local enforces.
pub const QUOTA: usize = 500;

/// The values `BENCH_ONLY` takes.
const SECTIONS: [&str; 4] = ["core", "adopt", "bundles", "scale"];

impl Config {
    /// The full suite of issue 6.
    #[allow(dead_code)]
    pub fn full() -> Self {
        Self {
            plan_runs: 9,
            rss_runs: 3,
            startup_runs: 31,
            rpc_iterations: 3000,
            apply_versions: 100,
            apply_runs: 3,
            apply_delay: "2s",
            apply_delay_secs: 2.0,
            parallelism: 10,
            refresh_versions: 1000,
            refresh_runs: 7,
            query_versions: 1000,
            query_runs: 7,
            adopt_versions: 500,
            adopt_runs: 5,
            bundle_versions: 50,
            bundle_plan_runs: 9,
            // About 1 MB of text and 4.4 MB of random bytes, for an archive under 5 MiB.
            bundle_text_files: 300,
            bundle_text_bytes: 3_500,
            bundle_binary_bytes: 4_400_000,
            bundle_build_runs: 9,
            scale_sizes: vec![300, 1000],
            scale_runs: 7,
            latency_versions: 1000,
            latency_ms: 50,
            latency_runs: 3,
            baseline_provider: None,
            only: None,
        }
    }

    /// `full()` with sizes overridden by `BENCH_PLAN_RUNS`, `BENCH_APPLY_RUNS`,
    /// `BENCH_REFRESH_RUNS`, `BENCH_RPC_ITERATIONS`, `BENCH_QUERY_RUNS`, `BENCH_ADOPT_RUNS`,
    /// `BENCH_QUERY_VERSIONS`, `BENCH_ADOPT_VERSIONS`, `BENCH_BUNDLE_PLAN_RUNS`,
    /// `BENCH_BUNDLE_BUILD_RUNS`, `BENCH_SCALE_SIZES` (comma-separated, e.g. `300,1000`),
    /// `BENCH_SCALE_RUNS`, `BENCH_LATENCY_VERSIONS` (0: no 8b), `BENCH_LATENCY_MS`,
    /// `BENCH_LATENCY_RUNS` (for a quicker look; the doc states the sizes), section 8b's
    /// baseline binary `BENCH_BASELINE_PROVIDER`, and the sections chosen by `BENCH_ONLY`
    /// (`core`, `adopt`, `bundles` or `scale`).
    #[allow(dead_code)]
    pub fn from_env() -> Self {
        let mut config = Self::full();
        let get = |name: &str, default: usize| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(default)
        };
        config.plan_runs = get("BENCH_PLAN_RUNS", config.plan_runs);
        config.apply_runs = get("BENCH_APPLY_RUNS", config.apply_runs);
        config.refresh_runs = get("BENCH_REFRESH_RUNS", config.refresh_runs);
        config.rpc_iterations = get("BENCH_RPC_ITERATIONS", config.rpc_iterations);
        config.query_runs = get("BENCH_QUERY_RUNS", config.query_runs);
        config.adopt_runs = get("BENCH_ADOPT_RUNS", config.adopt_runs);
        config.query_versions = get("BENCH_QUERY_VERSIONS", config.query_versions);
        config.adopt_versions = get("BENCH_ADOPT_VERSIONS", config.adopt_versions);
        config.bundle_plan_runs = get("BENCH_BUNDLE_PLAN_RUNS", config.bundle_plan_runs);
        config.bundle_build_runs = get("BENCH_BUNDLE_BUILD_RUNS", config.bundle_build_runs);
        if let Ok(sizes) = std::env::var("BENCH_SCALE_SIZES") {
            config.scale_sizes = sizes
                .split(',')
                .map(|n| {
                    n.trim()
                        .parse()
                        .unwrap_or_else(|_| panic!("BENCH_SCALE_SIZES={sizes}: expected N,N,..."))
                })
                .collect();
        }
        config.scale_runs = get("BENCH_SCALE_RUNS", config.scale_runs);
        config.latency_versions = get("BENCH_LATENCY_VERSIONS", config.latency_versions);
        config.latency_ms = get("BENCH_LATENCY_MS", config.latency_ms as usize) as u64;
        config.latency_runs = get("BENCH_LATENCY_RUNS", config.latency_runs);
        // Absolute, for the mirror's symlink to it (`cargo bench` runs from the package root).
        config.baseline_provider = std::env::var_os("BENCH_BASELINE_PROVIDER")
            .filter(|v| !v.is_empty())
            .map(|path| {
                std::fs::canonicalize(&path).unwrap_or_else(|err| {
                    panic!("BENCH_BASELINE_PROVIDER={}: {err}", path.display())
                })
            });
        config.only = std::env::var("BENCH_ONLY").ok().filter(|v| !v.is_empty());
        if let Some(only) = &config.only {
            assert!(
                SECTIONS.contains(&only.as_str()),
                "BENCH_ONLY={only}: expected one of {SECTIONS:?}"
            );
        }
        config
    }

    /// Whether this run measures `section` (`core`: 1–5, `adopt`: 6, `bundles`: 7, `scale`: 8).
    pub fn runs(&self, section: &str) -> bool {
        self.only.as_deref().is_none_or(|only| only == section)
    }

    /// The CI smoke version: every code path once, small.
    #[allow(dead_code)]
    pub fn smoke() -> Self {
        Self {
            plan_runs: 2,
            rss_runs: 1,
            startup_runs: 2,
            rpc_iterations: 20,
            apply_versions: 3,
            apply_runs: 1,
            apply_delay: "200ms",
            apply_delay_secs: 0.2,
            parallelism: 10,
            refresh_versions: 3,
            refresh_runs: 1,
            query_versions: 4,
            query_runs: 1,
            adopt_versions: 2,
            adopt_runs: 1,
            bundle_versions: 2,
            bundle_plan_runs: 1,
            bundle_text_files: 3,
            bundle_text_bytes: 500,
            bundle_binary_bytes: 4_000,
            bundle_build_runs: 1,
            scale_sizes: vec![3],
            scale_runs: 1,
            latency_versions: 0,
            latency_ms: 50,
            latency_runs: 1,
            baseline_provider: None,
            only: None,
        }
    }
}

/// Median of a sample (sorted copy; mean of the middle two for even sizes).
pub fn median(values: &[f64]) -> f64 {
    percentile(values, 50.0)
}

/// Nearest-rank percentile (p50 of an even sample averages the middle two).
pub fn percentile(values: &[f64], p: f64) -> f64 {
    assert!(!values.is_empty(), "percentile of nothing");
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    if (p - 50.0).abs() < f64::EPSILON {
        let n = sorted.len();
        return if n % 2 == 1 {
            sorted[n / 2]
        } else {
            (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
        };
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Everything measured, ready for the report.
#[derive(Debug, Default)]
pub struct Results {
    /// The Terraform-driven measurements, once per CLI (oldest first).
    pub clis: Vec<CliResults>,
    pub startup_ms: Vec<f64>,
    pub rpc: Vec<rpc::RpcStats>,
    /// Section 6, on Terraform 1.15.5.
    pub adopt: Option<adopt::AdoptResults>,
    /// Section 7.
    pub bundles: Option<bundles::BundleResults>,
    /// Section 8, on Terraform 1.15.5.
    pub scale: Option<scale::ScaleResults>,
}

/// What one Terraform CLI measured (targets 1, 2's RSS, 4 and 5).
#[derive(Debug)]
pub struct CliResults {
    pub cli: Cli,
    pub plan_empty: Vec<f64>,
    pub plan_one: Vec<f64>,
    pub plan_one_rss_kib: Vec<u64>,
    pub plan_one_starts: Vec<usize>,
    pub plan_one_requests: u64,
    pub plan_one_cpu: Vec<f64>,
    pub plan_breakdown: Option<breakdown::PlanBreakdown>,
    pub apply: Vec<f64>,
    pub destroy: Vec<f64>,
    pub apply_rss_kib: u64,
    pub refresh: Vec<f64>,
    pub refresh_cpu: Vec<f64>,
    pub refresh_rss_kib: Vec<u64>,
    pub refresh_requests: u64,
    pub refresh_setup_secs: f64,
}

impl CliResults {
    fn new(cli: Cli) -> Self {
        Self {
            cli,
            plan_empty: Vec::new(),
            plan_one: Vec::new(),
            plan_one_rss_kib: Vec::new(),
            plan_one_starts: Vec::new(),
            plan_one_requests: 0,
            plan_one_cpu: Vec::new(),
            plan_breakdown: None,
            apply: Vec::new(),
            destroy: Vec::new(),
            apply_rss_kib: 0,
            refresh: Vec::new(),
            refresh_cpu: Vec::new(),
            refresh_rss_kib: Vec::new(),
            refresh_requests: 0,
            refresh_setup_secs: 0.0,
        }
    }

    /// Median plan of one version over median plan of nothing.
    pub fn plan_ratio(&self) -> f64 {
        median(&self.plan_one) / median(&self.plan_empty)
    }

    /// What the provider adds to a plan: median one-version plan minus median empty plan, ms.
    pub fn provider_attributable_ms(&self) -> f64 {
        1000.0 * (median(&self.plan_one) - median(&self.plan_empty))
    }
}

/// `/proc/loadavg`, trimmed (sections that report the load they ran under).
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .trim()
        .to_string()
}

fn secs(start: Instant) -> f64 {
    start.elapsed().as_secs_f64()
}

/// Runs the suite; panics (with Terraform's output) when a step fails or a count is off.
pub fn run(config: &Config, log: &dyn Fn(&str)) -> Results {
    let mut results = Results::default();
    if config.runs("core") {
        for cli in Cli::ALL {
            let mut measured = CliResults::new(cli);
            plan_comparison(config, &mut measured, log);
            apply_and_destroy(config, &mut measured, log);
            refresh_only(config, &mut measured, log);
            results.clis.push(measured);
        }
        log("start-up to handshake");
        results.startup_ms = rpc::startup_times(config.startup_runs);
        log("RPC latency");
        results.rpc = rpc::rpc_latencies(config.rpc_iterations);
    }
    if config.runs("adopt") {
        results.adopt = Some(adopt::run(config, log));
    }
    if config.runs("bundles") {
        results.bundles = Some(bundles::run(config, log));
    }
    if config.runs("scale") {
        results.scale = Some(scale::run(config, log));
    }
    results
}

/// The measurements as the Markdown body of `docs/benchmarks.md` (without the header): the
/// sections this run measured.
pub fn report(config: &Config, r: &Results) -> String {
    let mut out = String::new();
    if config.runs("core") {
        out.push_str(&report::core(config, r));
    }
    if let Some(adopt) = &r.adopt {
        out.push_str(&adopt.report(config));
    }
    if let Some(bundles) = &r.bundles {
        out.push_str(&bundles.report(config));
    }
    if let Some(scale) = &r.scale {
        out.push_str(&scale.report(config));
    }
    out
}

fn env_versions(templates: &[(String, usize)]) -> String {
    let mut body = String::new();
    for (index, (template, count)) in templates.iter().enumerate() {
        let _ = write!(
            body,
            "\nresource \"proton_environment_template_version\" \"v{index}\" {{\n  count         = {count}\n  template_name = \"{template}\"\n  description   = \"bench ${{count.index}}\"\n  source {{\n    s3 {{\n      bucket = \"bundles\"\n      key    = \"bench.tar.gz\"\n    }}\n  }}\n}}\n"
        );
    }
    body
}

/// Templates of at most `per_template` versions each (Proton's quota is [`QUOTA`] per
/// template) for `n` versions, and the bench bundle they use.
async fn make_templates(
    endpoint: &ProtonLocal,
    prefix: &str,
    n: usize,
    per_template: usize,
) -> Vec<(String, usize)> {
    assert!(
        (1..=QUOTA).contains(&per_template),
        "{per_template} per template"
    );
    let mut templates = Vec::new();
    let mut left = n;
    let mut index = 0;
    while left > 0 {
        let count = left.min(per_template);
        let name = format!("{prefix}{index}");
        endpoint.create_template(Environment, &name).await;
        templates.push((name, count));
        left -= count;
        index += 1;
    }
    endpoint.write_bundle(Environment, "bundles", "bench.tar.gz");
    templates
}

/// Versions per template in sections 1–5.
const PER_TEMPLATE: usize = 400;

/// The SDK's variable for the Resource Groups Tagging API's endpoint, set to proton-local in
/// the working directories of sections 5, 6 and 8: their provider blocks name only the Proton
/// endpoint, which the baseline binary of 8b accepts too, and a provider that reads tags
/// through `GetResources` finds proton-local here. One that never calls that API ignores it.
pub(crate) const TAGGING_ENDPOINT_VARIABLE: &str = "AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API";

/// `n` versions in state: a proton-local (registration delay 0 s) with templates of at most
/// `per_template` versions, and an initialised working directory whose one apply
/// (`-parallelism=50`, timed) made them. The set-up of sections 5 and 8.
pub struct Fleet {
    pub endpoint: ProtonLocal,
    pub templates: Vec<(String, usize)>,
    pub dir: TfDir,
    pub setup_secs: f64,
}

impl Fleet {
    pub fn new(cli: Cli, prefix: &str, n: usize, per_template: usize) -> Self {
        let endpoint = ProtonLocal::start_with(Options {
            registration_delay: Some("0s"),
            extra_args: Vec::new(),
        });
        let templates = runtime().block_on(make_templates(&endpoint, prefix, n, per_template));
        let dir = versions_workdir(&endpoint, &templates, cli, None);
        endpoint.reset_counters();
        let start = Instant::now();
        dir.run(&[
            "apply",
            "-auto-approve",
            "-no-color",
            "-input=false",
            "-parallelism=50",
        ])
        .assert_ok("apply (setup)");
        let setup_secs = secs(start);
        assert_eq!(
            endpoint.counters()["versions_created"].as_u64(),
            Some(n as u64),
            "versions created by the setup apply"
        );
        Self {
            endpoint,
            templates,
            dir,
            setup_secs,
        }
    }

    /// An initialised working directory of the same configuration, with `binary` as the
    /// provider, and no state.
    pub fn workdir(&self, cli: Cli, binary: &std::path::Path) -> TfDir {
        versions_workdir(&self.endpoint, &self.templates, cli, Some(binary))
    }

    /// Versions in state.
    pub fn versions(&self) -> usize {
        self.templates.iter().map(|(_, n)| n).sum()
    }
}

/// An initialised working directory whose configuration has `templates`' versions, with
/// `binary` as the provider (the one this build measures when `None`).
fn versions_workdir(
    endpoint: &ProtonLocal,
    templates: &[(String, usize)],
    cli: Cli,
    binary: Option<&std::path::Path>,
) -> TfDir {
    let mut dir = match binary {
        Some(binary) => TfDir::with_provider(cli, binary),
        None => TfDir::new(cli),
    };
    dir.env(TAGGING_ENDPOINT_VARIABLE, &endpoint.url);
    dir.write_config(&format!(
        "{}{}",
        endpoint.proton_only_provider_block(),
        env_versions(templates)
    ));
    dir.run(&["init", "-no-color", "-input=false"])
        .assert_ok("init");
    dir
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

/// Target 1 and the RSS half of target 2.
fn plan_comparison(config: &Config, results: &mut CliResults, log: &dyn Fn(&str)) {
    let cli = results.cli;
    log(&format!(
        "{cli}: plan, one version in state vs empty configuration"
    ));
    let rt = runtime();
    let endpoint = ProtonLocal::start_with(Options {
        registration_delay: Some("0s"),
        extra_args: Vec::new(),
    });
    let templates = rt.block_on(make_templates(&endpoint, "plan", 1, PER_TEMPLATE));

    let empty = TfDir::new(cli);
    empty.write_raw("# An empty configuration: no provider, no resources.\n");
    empty
        .run(&["init", "-no-color", "-input=false"])
        .assert_ok("init");

    let one = TfDir::new(cli);
    one.write_config(&format!(
        "{}{}",
        endpoint.proton_only_provider_block(),
        env_versions(&templates)
    ));
    one.run(&["init", "-no-color", "-input=false"])
        .assert_ok("init");
    one.run(&["apply", "-auto-approve", "-no-color", "-input=false"])
        .assert_ok("apply");

    let plan = ["plan", "-no-color", "-input=false", "-detailed-exitcode"];
    // One untimed warm-up each (page cache, plugin cache).
    empty.run(&plan).assert_ok("plan (empty)");
    one.run(&plan).assert_ok("plan (one version)");
    endpoint.reset_counters();
    for _ in 0..config.plan_runs {
        let start = Instant::now();
        empty.run(&plan).assert_ok("plan (empty)");
        results.plan_empty.push(secs(start));
        let start = Instant::now();
        one.run(&plan).assert_ok("plan (one version)");
        results.plan_one.push(secs(start));
    }
    results.plan_one_requests = endpoint.total_requests() / config.plan_runs as u64;
    for _ in 0..config.rss_runs {
        let (run, sample) = one.run_sampled(&plan);
        run.assert_ok("plan (one version, sampled)");
        assert!(sample.starts >= 1, "no provider process was seen");
        results.plan_one_rss_kib.push(sample.peak_hwm_kib);
        results.plan_one_starts.push(sample.starts);
        results.plan_one_cpu.push(sample.cpu_secs);
    }
    let traced = one.run_traced(&plan);
    traced.assert_ok("plan (one version, traced)");
    results.plan_breakdown = breakdown::PlanBreakdown::from_trace(&traced.stderr);
    one.run(&["destroy", "-auto-approve", "-no-color", "-input=false"])
        .assert_ok("destroy");
}

/// Target 4.
fn apply_and_destroy(config: &Config, results: &mut CliResults, log: &dyn Fn(&str)) {
    let cli = results.cli;
    log(&format!(
        "{cli}: apply and destroy with a registration delay"
    ));
    let rt = runtime();
    let endpoint = ProtonLocal::start_with(Options {
        registration_delay: Some(config.apply_delay),
        extra_args: Vec::new(),
    });
    let templates = rt.block_on(make_templates(
        &endpoint,
        "apply",
        config.apply_versions,
        PER_TEMPLATE,
    ));
    let dir = TfDir::new(cli);
    dir.write_config(&format!(
        "{}{}",
        endpoint.proton_only_provider_block(),
        env_versions(&templates)
    ));
    dir.run(&["init", "-no-color", "-input=false"])
        .assert_ok("init");
    let parallelism = format!("-parallelism={}", config.parallelism);
    endpoint.reset_counters();
    for _ in 0..config.apply_runs {
        let (run, sample) = dir.run_sampled(&[
            "apply",
            "-auto-approve",
            "-no-color",
            "-input=false",
            &parallelism,
        ]);
        run.assert_ok("apply");
        results.apply.push(sample.wall_secs);
        results.apply_rss_kib = results.apply_rss_kib.max(sample.peak_hwm_kib);
        assert_eq!(
            endpoint.counters()["versions_created"].as_u64(),
            Some(config.apply_versions as u64),
            "versions created by the apply"
        );
        endpoint.reset_counters();

        let start = Instant::now();
        dir.run(&[
            "destroy",
            "-auto-approve",
            "-no-color",
            "-input=false",
            &parallelism,
        ])
        .assert_ok("destroy");
        results.destroy.push(secs(start));
        let deletes = endpoint.counters()["requests"]["DeleteEnvironmentTemplateVersion"]
            .as_u64()
            .unwrap_or(0);
        assert!(
            deletes >= config.apply_versions as u64,
            "{deletes} deletes for {} versions",
            config.apply_versions
        );
        endpoint.reset_counters();
    }
}

/// Target 5.
fn refresh_only(config: &Config, results: &mut CliResults, log: &dyn Fn(&str)) {
    let cli = results.cli;
    log(&format!("{cli}: refresh-only plan of many versions"));
    let Fleet {
        endpoint,
        dir,
        setup_secs,
        ..
    } = Fleet::new(cli, "refresh", config.refresh_versions, PER_TEMPLATE);
    results.refresh_setup_secs = setup_secs;
    let plan = [
        "plan",
        "-refresh-only",
        "-no-color",
        "-input=false",
        "-detailed-exitcode",
    ];
    endpoint.reset_counters();
    for _ in 0..config.refresh_runs {
        let (run, sample) = dir.run_sampled(&plan);
        run.assert_ok("plan -refresh-only");
        results.refresh.push(sample.wall_secs);
        results.refresh_cpu.push(sample.cpu_secs);
        results.refresh_rss_kib.push(sample.peak_hwm_kib);
    }
    results.refresh_requests = endpoint.total_requests() / config.refresh_runs as u64;
    // Teardown is best effort: the measurements are taken; the endpoint goes away anyway.
    let teardown = dir.run(&[
        "destroy",
        "-auto-approve",
        "-no-color",
        "-input=false",
        "-parallelism=50",
    ]);
    if teardown.code != 0 {
        log(&format!("teardown destroy exited {}", teardown.code));
    }
}
