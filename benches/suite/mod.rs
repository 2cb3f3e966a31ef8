//! The benchmark suite of issue 6, shared by `benches/provider_suite.rs` (the full run that
//! writes `docs/benchmarks.md`) and `tests/bench_smoke.rs` (a tiny run, correctness only).
//!
//! Every Terraform-driven measurement runs the real Terraform CLI against the release (or test)
//! build of the provider, installed through a filesystem mirror, and a `proton-local` this
//! suite starts itself. The provider process is found as a descendant of the Terraform process
//! through `/proc/<pid>/task/*/children` and sampled for `VmHWM` (peak RSS) and utime+stime.

pub mod breakdown;
pub mod rpc;
pub mod tf;

use std::fmt::Write as _;
use std::time::Instant;

use tf::TfDir;

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
}

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
        }
    }

    /// `full()` with sizes overridden by `BENCH_PLAN_RUNS`, `BENCH_APPLY_RUNS`,
    /// `BENCH_REFRESH_RUNS`, `BENCH_RPC_ITERATIONS` (for a quicker look; the doc states the sizes).
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
        config
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

fn secs(start: Instant) -> f64 {
    start.elapsed().as_secs_f64()
}

/// Runs the suite; panics (with Terraform's output) when a step fails or a count is off.
pub fn run(config: &Config, log: &dyn Fn(&str)) -> Results {
    let mut results = Results::default();
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
    results
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

/// Templates (at most 400 versions each: Proton's quota is 500 per template) for `n` versions.
async fn make_templates(endpoint: &ProtonLocal, prefix: &str, n: usize) -> Vec<(String, usize)> {
    let mut templates = Vec::new();
    let mut left = n;
    let mut index = 0;
    while left > 0 {
        let count = left.min(400);
        let name = format!("{prefix}{index}");
        endpoint.create_environment_template(&name).await;
        templates.push((name, count));
        left -= count;
        index += 1;
    }
    endpoint.write_environment_bundle("bundles", "bench.tar.gz", true);
    templates
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
    let templates = rt.block_on(make_templates(&endpoint, "plan", 1));

    let empty = TfDir::new(cli);
    empty.write_raw("# An empty configuration: no provider, no resources.\n");
    empty
        .run(&["init", "-no-color", "-input=false"])
        .assert_ok("init");

    let one = TfDir::new(cli);
    one.write_config(&format!(
        "{}{}",
        endpoint.provider_block(""),
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
    let templates = rt.block_on(make_templates(&endpoint, "apply", config.apply_versions));
    let dir = TfDir::new(cli);
    dir.write_config(&format!(
        "{}{}",
        endpoint.provider_block(""),
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
    let rt = runtime();
    let endpoint = ProtonLocal::start_with(Options {
        registration_delay: Some("0s"),
        extra_args: Vec::new(),
    });
    let templates = rt.block_on(make_templates(
        &endpoint,
        "refresh",
        config.refresh_versions,
    ));
    endpoint.reset_counters();
    let dir = TfDir::new(cli);
    dir.write_config(&format!(
        "{}{}",
        endpoint.provider_block(""),
        env_versions(&templates)
    ));
    dir.run(&["init", "-no-color", "-input=false"])
        .assert_ok("init");
    let start = Instant::now();
    dir.run(&[
        "apply",
        "-auto-approve",
        "-no-color",
        "-input=false",
        "-parallelism=50",
    ])
    .assert_ok("apply (setup)");
    results.refresh_setup_secs = secs(start);
    assert_eq!(
        endpoint.counters()["versions_created"].as_u64(),
        Some(config.refresh_versions as u64),
        "versions created by the setup apply"
    );
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

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "**met**"
    } else {
        "**missed**"
    }
}

/// The CLI whose figures carry the targets: the one people run.
fn current(r: &Results) -> Option<&CliResults> {
    r.clis.iter().find(|c| c.cli == Cli::V1_15_5)
}

fn oldest(r: &Results) -> Option<&CliResults> {
    r.clis.iter().find(|c| c.cli == Cli::V1_0_3)
}

/// `| label | value per CLI |` with one column per CLI.
fn row(out: &mut String, label: &str, r: &Results, cell: impl Fn(&CliResults) -> String) {
    let cells: Vec<String> = r.clis.iter().map(cell).collect();
    let _ = writeln!(out, "| {label} | {} |", cells.join(" | "));
}

fn header_row(out: &mut String, first: &str, r: &Results) {
    let names: Vec<String> = r.clis.iter().map(|c| c.cli.to_string()).collect();
    let _ = writeln!(out, "| {first} | {} |", names.join(" | "));
    let _ = writeln!(out, "|---|{}", "---|".repeat(names.len()));
}

fn spread(v: &[f64]) -> String {
    format!(
        "{:.3} s ({:.3}–{:.3})",
        median(v),
        percentile(v, 0.0),
        percentile(v, 100.0)
    )
}

fn cpu_ms(secs: f64) -> String {
    match 1000.0 * secs {
        ms if ms < 10.0 => "< 10 ms (one tick)".to_string(),
        ms => format!("{ms:.0} ms"),
    }
}

/// The measurements as the Markdown body of `docs/benchmarks.md` (without the header).
pub fn report(config: &Config, r: &Results) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "## 1. `terraform plan`: one version in state vs an empty configuration\n"
    );
    let _ = writeln!(
        out,
        "Per CLI: alternated, {} runs each after one warm-up; `plan -detailed-exitcode` must exit 0. The one-version plan refreshes through proton-local. Median (min–max).\n",
        config.plan_runs
    );
    header_row(&mut out, "", r);
    row(&mut out, "empty configuration (floor)", r, |c| {
        spread(&c.plan_empty)
    });
    row(&mut out, "one version in state", r, |c| spread(&c.plan_one));
    row(&mut out, "ratio of medians", r, |c| {
        format!("**{:.2}×**", c.plan_ratio())
    });
    row(&mut out, "provider-attributable (one − empty)", r, |c| {
        format!("**{:.0} ms**", c.provider_attributable_ms())
    });
    row(
        &mut out,
        "provider CPU per plan (utime+stime, 10 ms ticks)",
        r,
        |c| cpu_ms(median(&c.plan_one_cpu)),
    );
    row(&mut out, "provider starts per plan", r, |c| {
        c.plan_one_starts.first().copied().unwrap_or(0).to_string()
    });
    row(&mut out, "API requests per plan", r, |c| {
        c.plan_one_requests.to_string()
    });
    if let (Some(now), Some(old)) = (current(r), oldest(r)) {
        let ratio = now.plan_ratio();
        let attributable = now.provider_attributable_ms();
        let half = old.provider_attributable_ms() / 2.0;
        let _ = writeln!(
            out,
            "\nTargets on {}: ratio ≤ 1.5×: {:.2}×, {}; provider-attributable time at most half of {}'s ({half:.0} ms): {attributable:.0} ms, {}.\n",
            now.cli,
            ratio,
            verdict(ratio <= 1.5),
            old.cli,
            verdict(attributable <= half),
        );
    }
    for c in &r.clis {
        let _ = writeln!(out, "### Where one traced plan goes: {}\n", c.cli);
        match &c.plan_breakdown {
            Some(b) => out.push_str(&b.report()),
            None => out.push_str(
                "(The traced plan could not be broken down: Terraform's trace lines were not found.)\n\n",
            ),
        }
    }

    let _ = writeln!(out, "## 2. Provider process: peak RSS and start-up\n");
    let _ = writeln!(
        out,
        "Peak RSS is the `VmHWM` of every provider process Terraform started, sampled every 2 ms (target ≤ 20 MiB).\n"
    );
    header_row(&mut out, "peak RSS", r);
    row(&mut out, "during the one-version plan", r, |c| {
        let peak = c.plan_one_rss_kib.iter().copied().max().unwrap_or(0);
        format!("**{:.1} MiB** {}", mib(peak), verdict(mib(peak) <= 20.0))
    });
    row(
        &mut out,
        &format!("during the {}-version apply", config.apply_versions),
        r,
        |c| format!("{:.1} MiB", mib(c.apply_rss_kib)),
    );
    row(
        &mut out,
        &format!(
            "during the {}-version refresh-only plan",
            config.refresh_versions
        ),
        r,
        |c| {
            format!(
                "{:.1} MiB",
                mib(c.refresh_rss_kib.iter().copied().max().unwrap_or(0))
            )
        },
    );
    let startup = median(&r.startup_ms);
    let _ = writeln!(
        out,
        "\nStart-up to handshake line (no Terraform involved: the binary launched with go-plugin's environment and a P-521 client certificate, timed from spawn to the first stdout line; {} launches): median **{startup:.2} ms**, p90 {:.2} ms, min {:.2} ms (target ≤ 10 ms): {}.\n",
        r.startup_ms.len(),
        percentile(&r.startup_ms, 90.0),
        percentile(&r.startup_ms, 0.0),
        verdict(startup <= 10.0)
    );

    let _ = writeln!(out, "## 3. Server overhead per RPC\n");
    let _ = writeln!(
        out,
        "Round trip of one unary call through a tonic client ({} timed calls each after a warm-up, one at a time on one connection). Toy provider (`tests/support/toy.rs`, in-memory) so the work behind the call is trivial. No Terraform involved.\n",
        config.rpc_iterations
    );
    let _ = writeln!(
        out,
        "| transport | RPC | p50 | p99 | target p50 ≤ 1 ms |\n|---|---|---|---|---|"
    );
    for s in &r.rpc {
        let _ = writeln!(
            out,
            "| {} | {} | {:.3} ms | {:.3} ms | {} |",
            s.transport,
            s.rpc,
            s.p50_ms,
            s.p99_ms,
            verdict(s.p50_ms <= 1.0)
        );
    }
    let _ = writeln!(out);

    let floor =
        (config.apply_versions as f64 / config.parallelism as f64).ceil() * config.apply_delay_secs;
    let _ = writeln!(
        out,
        "## 4. Apply and destroy of {} versions\n",
        config.apply_versions
    );
    let _ = writeln!(
        out,
        "proton-local `--registration-delay {}`, `-parallelism={}`; each round applies all versions (checked through the API), then destroys them (checked again); {} rounds per CLI. Floor: {floor:.1} s ({}/{} × {}); target ≤ 1.2× the floor.\n",
        config.apply_delay, config.parallelism, config.apply_runs, config.apply_versions, config.parallelism, config.apply_delay,
    );
    header_row(&mut out, "", r);
    for (name, pick) in [
        (
            "apply",
            (|c: &CliResults| &c.apply) as fn(&CliResults) -> &Vec<f64>,
        ),
        ("destroy", |c: &CliResults| &c.destroy),
    ] {
        row(&mut out, &format!("{name}: runs"), r, |c| fmt_runs(pick(c)));
        row(&mut out, &format!("{name}: median / floor"), r, |c| {
            let ratio = median(pick(c)) / floor;
            format!(
                "{:.2} s, **{ratio:.2}×** {}",
                median(pick(c)),
                verdict(ratio <= 1.2)
            )
        });
    }
    let _ = writeln!(out);

    let _ = writeln!(
        out,
        "## 5. Refresh-only plan of {} versions\n",
        config.refresh_versions
    );
    let _ = writeln!(
        out,
        "`terraform plan -refresh-only -detailed-exitcode` (must exit 0), {} runs per CLI; state set up once per CLI by an apply with `-parallelism=50` and registration delay 0 s.\n",
        config.refresh_runs,
    );
    header_row(&mut out, "", r);
    row(&mut out, "wall (median)", r, |c| {
        format!("{:.2} s", median(&c.refresh))
    });
    row(&mut out, "provider CPU, utime+stime (median)", r, |c| {
        format!("{:.2} s", median(&c.refresh_cpu))
    });
    row(&mut out, "provider share of wall", r, |c| {
        format!(
            "{:.0} %",
            100.0 * median(&c.refresh_cpu) / median(&c.refresh)
        )
    });
    row(&mut out, "API requests per plan", r, |c| {
        c.refresh_requests.to_string()
    });
    row(&mut out, "setup apply", r, |c| {
        format!("{:.1} s", c.refresh_setup_secs)
    });
    let _ = writeln!(out);
    out
}

fn fmt_runs(values: &[f64]) -> String {
    values
        .iter()
        .map(|v| format!("{v:.2}"))
        .collect::<Vec<_>>()
        .join(", ")
}
