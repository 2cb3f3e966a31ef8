//! Section 8 (issue 25): what refreshing one version costs, at scale.
//!
//! All on Terraform 1.15.5 (1.0.3 has no `terraform_data`, which came with 1.4).
//!
//! (a) For each size N of `scale_sizes`: N environment template versions in state (one apply,
//! registration delay 0 s, templates of at most Proton's quota of 500 versions) against N
//! `terraform_data` resources in state, Terraform's own cost per resource without a plugin.
//! `terraform plan -detailed-exitcode` (refresh included, must exit 0) alternated after a
//! warm-up of each; one more traced plan of the versions counts Terraform's ReadResource
//! calls (the objects refreshed). proton-local counts the API requests of every timed run, so
//! the report gives requests per refreshed object with the per-operation breakdown.
//!
//! (b) `latency_versions` versions refreshed by `terraform plan -refresh-only` with
//! `latency_ms` injected before every API call (proton-local's faults), by the provider this
//! build measures ("after") and, when `BENCH_BASELINE_PROVIDER` names one, by another build of
//! it ("before"): each from its own working directory and filesystem mirror, the same
//! configuration and a copy of the same state, alternated. Reuses (a)'s set-up when one of its
//! sizes is `latency_versions`.
//!
//! (c) The provider's peak RSS over every timed command of (a) and (b).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use super::adopt::{counts, measure, measure_in, Series};
use super::report::{cpu_ms, mib, spread, verdict};
use super::tf::TfDir;
use super::{loadavg, median, secs, Config, Fleet, QUOTA};
use crate::support::terraform::{provider_binary, Cli, Run};

/// The only CLI with `terraform_data`.
const CLI: Cli = Cli::V1_15_5;
/// Targets of (a): the versions' plan over the `terraform_data` plan, and API requests per
/// refreshed version; of (c): peak RSS.
const RATIO_TARGET: f64 = 2.0;
const REQUESTS_TARGET: f64 = 1.1;
const RSS_TARGET_MIB: f64 = 25.0;

const PLAN: [&str; 4] = ["plan", "-no-color", "-input=false", "-detailed-exitcode"];
const REFRESH: [&str; 5] = [
    "plan",
    "-refresh-only",
    "-no-color",
    "-input=false",
    "-detailed-exitcode",
];

/// (a) at one size.
#[derive(Debug)]
pub struct ScalePoint {
    pub n: usize,
    pub templates: usize,
    /// The set-up applies: the versions (`-parallelism=50`) and the `terraform_data`.
    pub versions_setup_secs: f64,
    pub data_setup_secs: f64,
    pub versions: Series,
    pub data: Series,
}

impl ScalePoint {
    /// Median plan of the versions over median plan of the `terraform_data`.
    pub fn ratio(&self) -> f64 {
        self.versions.ratio_to(&self.data)
    }

    /// API requests of one timed plan per version it refreshed.
    pub fn requests_per_object(&self) -> f64 {
        per_object(&self.versions, self.n)
    }

    /// What the versions add per resource over `terraform_data`, ms (difference of medians).
    pub fn extra_ms_per_object(&self) -> f64 {
        1000.0 * (self.versions.median_wall() - self.data.median_wall()) / self.n as f64
    }
}

/// (b).
#[derive(Debug)]
pub struct LatencyResults {
    pub n: usize,
    pub templates: usize,
    /// Whether (a)'s set-up of the same size was reused (else its own apply, `setup_secs`).
    pub reused: bool,
    pub setup_secs: f64,
    /// The baseline binary and its runs ("before"), when one was given.
    pub baseline: Option<(PathBuf, Series)>,
    /// The binary this build measures ("after").
    pub after: Series,
}

impl LatencyResults {
    /// Median before over median after, when there is a before.
    pub fn speedup(&self) -> Option<f64> {
        self.baseline
            .as_ref()
            .map(|(_, before)| before.ratio_to(&self.after))
    }
}

/// Everything section 8 measured.
#[derive(Debug, Default)]
pub struct ScaleResults {
    pub points: Vec<ScalePoint>,
    pub latency: Option<LatencyResults>,
    /// `/proc/loadavg` when the section started and ended, and its wall time.
    pub load_before: String,
    pub load_after: String,
    pub secs: f64,
}

impl ScaleResults {
    /// Every timed command that ran the provider, for (c).
    fn provider_series(&self) -> Vec<(String, &Series)> {
        let mut all: Vec<(String, &Series)> = self
            .points
            .iter()
            .map(|p| (format!("plan of {} versions", p.n), &p.versions))
            .collect();
        if let Some(l) = &self.latency {
            let n = l.n;
            if let Some((_, before)) = &l.baseline {
                all.push((format!("refresh-only plan of {n}, latency, before"), before));
            }
            all.push((
                format!("refresh-only plan of {n}, latency, after"),
                &l.after,
            ));
        }
        all
    }

    /// (c) The largest VmHWM of any provider process of any timed command.
    pub fn peak_rss_kib(&self) -> u64 {
        self.provider_series()
            .iter()
            .map(|(_, s)| s.peak_rss_kib())
            .max()
            .unwrap_or(0)
    }
}

fn per_object(series: &Series, n: usize) -> f64 {
    series.total_requests as f64 / n as f64
}

/// Runs section 8; panics with Terraform's output when a step fails or a count is off.
pub fn run(config: &Config, log: &dyn Fn(&str)) -> ScaleResults {
    if let Some(baseline) = &config.baseline_provider {
        assert!(
            baseline.is_file(),
            "BENCH_BASELINE_PROVIDER={}: not a file",
            baseline.display()
        );
    }
    let start = Instant::now();
    let mut results = ScaleResults {
        load_before: loadavg(),
        ..ScaleResults::default()
    };
    let mut kept = None;
    for &n in &config.scale_sizes {
        let (point, fleet) = scale_point(config, n, log);
        results.points.push(point);
        if n == config.latency_versions {
            kept = Some(fleet);
        }
    }
    if config.latency_versions > 0 {
        let reused = kept.is_some();
        let fleet = kept.unwrap_or_else(|| {
            log(&format!(
                "{CLI}: {} versions for the latency refresh",
                config.latency_versions
            ));
            Fleet::new(CLI, "latency", config.latency_versions, QUOTA)
        });
        results.latency = Some(latency(config, &fleet, reused, log));
    }
    results.load_after = loadavg();
    results.secs = secs(start);
    results
}

/// (a) at size `n`; returns the versions' set-up for (b).
fn scale_point(config: &Config, n: usize, log: &dyn Fn(&str)) -> (ScalePoint, Fleet) {
    log(&format!(
        "{CLI}: plan of {n} versions in state vs {n} terraform_data"
    ));
    let fleet = Fleet::new(CLI, &format!("scale{n}t"), n, QUOTA);
    let data = TfDir::new(CLI);
    data.write_raw(&format!(
        "# Terraform's built-in resource only: no provider is installed or started.\nresource \"terraform_data\" \"d\" {{\n  count = {n}\n  input = \"bench ${{count.index}}\"\n}}\n"
    ));
    data.run(&["init", "-no-color", "-input=false"])
        .assert_ok("init (terraform_data)");
    let start = Instant::now();
    data.run(&[
        "apply",
        "-auto-approve",
        "-no-color",
        "-input=false",
        "-parallelism=50",
    ])
    .assert_ok("apply (terraform_data)");
    let mut point = ScalePoint {
        n,
        templates: fleet.templates.len(),
        versions_setup_secs: fleet.setup_secs,
        data_setup_secs: secs(start),
        versions: Series::default(),
        data: Series::default(),
    };
    let versions_ok = |run: &Run| {
        run.assert_ok("plan (versions, no changes)");
    };
    let data_ok = |run: &Run| {
        run.assert_ok("plan (terraform_data, no changes)");
    };
    // One untimed warm-up each (page cache, plugin cache).
    versions_ok(&fleet.dir.run(&PLAN));
    data_ok(&data.run(&PLAN));
    for round in 0..=config.scale_runs {
        let traced = round == config.scale_runs;
        let name = format!("scale-versions-{n}");
        let series = &mut point.versions;
        measure(
            &name,
            series,
            traced,
            &fleet.endpoint,
            &fleet.dir,
            &PLAN,
            &versions_ok,
        );
        if !traced {
            let name = format!("scale-data-{n}");
            measure_in(&name, &mut point.data, false, None, &data, &PLAN, &data_ok);
        }
    }
    assert_eq!(
        point.versions.rpcs.get("ReadResource").copied(),
        Some(n as u64),
        "ReadResource calls of the traced plan (one per version in state)"
    );
    (point, fleet)
}

/// (b) on `fleet`'s versions: the baseline binary and this build, alternated.
fn latency(config: &Config, fleet: &Fleet, reused: bool, log: &dyn Fn(&str)) -> LatencyResults {
    let n = fleet.versions();
    let ms = config.latency_ms;
    log(&format!(
        "{CLI}: refresh-only plan of {n} versions with {ms} ms per API call ({})",
        if config.baseline_provider.is_some() {
            "baseline and this build"
        } else {
            "this build only"
        }
    ));
    let state = "terraform.tfstate";
    let before = config.baseline_provider.as_deref().map(|binary| {
        let dir = fleet.workdir(CLI, binary);
        std::fs::copy(
            fleet.dir.config_dir().join(state),
            dir.config_dir().join(state),
        )
        .unwrap();
        (binary, dir)
    });
    let ok = |run: &Run| {
        run.assert_ok("plan -refresh-only (no changes)");
    };
    // One untimed warm-up each, without latency (page cache, plugin cache).
    ok(&fleet.dir.run(&REFRESH));
    if let Some((_, dir)) = &before {
        ok(&dir.run(&REFRESH));
    }
    let mut results = LatencyResults {
        n,
        templates: fleet.templates.len(),
        reused,
        setup_secs: fleet.setup_secs,
        baseline: before
            .as_ref()
            .map(|(binary, _)| (binary.to_path_buf(), Series::default())),
        after: Series::default(),
    };
    fleet
        .endpoint
        .set_faults(&format!("{{\"latency_ms\": {ms}}}"));
    for _ in 0..config.latency_runs {
        if let (Some((_, dir)), Some((_, series))) = (&before, &mut results.baseline) {
            let endpoint = &fleet.endpoint;
            measure(
                "latency-before",
                series,
                false,
                endpoint,
                dir,
                &REFRESH,
                &ok,
            );
        }
        let series = &mut results.after;
        let (endpoint, dir) = (&fleet.endpoint, &fleet.dir);
        measure("latency-after", series, false, endpoint, dir, &REFRESH, &ok);
    }
    fleet.endpoint.set_faults("{}");
    results
}

/// `TOTAL (Op n, …)` of one timed run, with the requests proton-local counted but could not
/// name (an operation it does not know) as `unnamed`.
fn requests_cell(series: &Series) -> String {
    let mut ops = series.requests.clone();
    let named: u64 = ops.values().sum();
    if series.total_requests > named {
        ops.insert("unnamed".to_string(), series.total_requests - named);
    }
    counts(&ops)
}

/// Whether two files hold the same bytes.
fn same_bytes(a: &Path, b: &Path) -> bool {
    match (std::fs::read(a), std::fs::read(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn file_mb(path: &Path) -> String {
    std::fs::metadata(path).map_or("?".to_string(), |m| {
        format!("{:.1} MB", m.len() as f64 / 1e6)
    })
}

impl ScaleResults {
    /// Section 8 in Markdown.
    pub fn report(&self, config: &Config) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "## 8. Refresh cost at scale (issue 25)\n");
        let _ = writeln!(
            out,
            "{CLI} only (1.0.3 has no `terraform_data`, added in 1.4; 8b on 1.0.3 would double the section's longest part). Took {:.0} s. Load average when the section started: `{}`, when it ended: `{}`. Wall: median (min–max) of the timed runs. CPU: median utime+stime in 10 ms ticks, of the provider processes, of the Terraform process itself (the shim's Python process, which runs the CLI in-process) and of proton-local. API requests: proton-local's count during one timed run (`unnamed`: requests on its API paths that named no operation it knows). The versions' working directories name proton-local as the Proton endpoint (provider block) and as the Resource Groups Tagging API's (`AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API`, which a provider that never calls that API ignores).\n",
            self.secs, self.load_before, self.load_after,
        );
        self.report_scale(&mut out, config);
        self.report_latency(&mut out, config);
        let _ = writeln!(out, "### 8c. Provider peak RSS during 8a and 8b\n");
        let _ = writeln!(
            out,
            "`VmHWM` of every provider process of every timed command above, sampled every 2 ms.\n\n| command | peak RSS |\n|---|---|"
        );
        for (label, series) in self.provider_series() {
            let _ = writeln!(out, "| {label} | {:.1} MiB |", mib(series.peak_rss_kib()));
        }
        let peak = mib(self.peak_rss_kib());
        let _ = writeln!(
            out,
            "\nTarget ≤ {RSS_TARGET_MIB} MiB throughout: **{peak:.1} MiB**, {}.\n",
            verdict(peak <= RSS_TARGET_MIB)
        );
        out
    }

    fn report_scale(&self, out: &mut String, config: &Config) {
        let _ = writeln!(
            out,
            "### 8a. `terraform plan` of N versions in state vs N `terraform_data`\n"
        );
        let _ = writeln!(
            out,
            "Per size N: N `proton_environment_template_version` resources (`count`, one description each) in templates of at most {QUOTA} versions (Proton's quota, which proton-local enforces), applied once (`-parallelism=50`, registration delay 0 s), against N `terraform_data` resources (`count`, one `input` each) applied once: Terraform's own cost per resource, with no plugin (no provider process may start). `terraform plan -no-color -input=false -detailed-exitcode` (must exit 0) alternated, {} runs each after one warm-up; one more, untimed, plan of the versions with `TF_LOG=trace` counts Terraform's ReadResource calls, the objects refreshed. Targets: versions / `terraform_data` ≤ {RATIO_TARGET:.1}×, API requests per refreshed version ≤ {REQUESTS_TARGET}.\n",
            config.scale_runs
        );
        let names: Vec<String> = self.points.iter().map(|p| format!("N = {}", p.n)).collect();
        let _ = writeln!(out, "|  | {} |", names.join(" | "));
        let _ = writeln!(out, "|---|{}", "---|".repeat(names.len()));
        let row = |out: &mut String, label: &str, cell: &dyn Fn(&ScalePoint) -> String| {
            let cells: Vec<String> = self.points.iter().map(cell).collect();
            let _ = writeln!(out, "| {label} | {} |", cells.join(" | "));
        };
        row(out, "templates", &|p| p.templates.to_string());
        row(out, "plan, `terraform_data` (baseline)", &|p| {
            spread(&p.data.wall())
        });
        row(out, "plan, versions", &|p| spread(&p.versions.wall()));
        row(
            out,
            "ratio of medians (versions / `terraform_data`)",
            &|p| {
                format!(
                    "**{:.2}×** {}",
                    p.ratio(),
                    verdict(p.ratio() <= RATIO_TARGET)
                )
            },
        );
        row(out, "difference of medians per resource", &|p| {
            format!("{:+.2} ms", p.extra_ms_per_object())
        });
        row(out, "ReadResource calls (traced plan)", &|p| {
            p.versions
                .rpcs
                .get("ReadResource")
                .copied()
                .unwrap_or(0)
                .to_string()
        });
        row(out, "API requests per plan", &|p| {
            requests_cell(&p.versions)
        });
        row(out, "API requests per refreshed version", &|p| {
            let per = p.requests_per_object();
            format!("**{per:.2}** {}", verdict(per <= REQUESTS_TARGET))
        });
        row(out, "provider CPU, versions", &|p| {
            cpu_ms(p.versions.median_of(|s| s.cpu_secs))
        });
        row(out, "Terraform CPU, versions / `terraform_data`", &|p| {
            format!(
                "{} / {}",
                cpu_ms(p.versions.median_of(|s| s.terraform_cpu_secs)),
                cpu_ms(p.data.median_of(|s| s.terraform_cpu_secs))
            )
        });
        row(out, "proton-local CPU, versions", &|p| {
            cpu_ms(median(&p.versions.endpoint_cpu_secs))
        });
        row(out, "provider starts per plan, versions", &|p| {
            p.versions.runs.first().map_or(0, |s| s.starts).to_string()
        });
        row(out, "provider peak RSS, versions", &|p| {
            format!("{:.1} MiB", mib(p.versions.peak_rss_kib()))
        });
        row(out, "set-up apply, versions / `terraform_data`", &|p| {
            format!(
                "{:.1} s / {:.1} s",
                p.versions_setup_secs, p.data_setup_secs
            )
        });
        let _ = writeln!(out);
    }

    fn report_latency(&self, out: &mut String, config: &Config) {
        let Some(l) = &self.latency else {
            let _ = writeln!(
                out,
                "### 8b. Refresh with latency\n\nNot measured in this run (`BENCH_LATENCY_VERSIONS=0`).\n"
            );
            return;
        };
        let (n, ms) = (l.n, config.latency_ms);
        let _ = writeln!(
            out,
            "### 8b. Refresh-only plan of {n} versions with {ms} ms per API call, before and after\n"
        );
        let setup = if l.reused {
            format!("The state of 8a's N = {n} ({} templates)", l.templates)
        } else {
            format!(
                "{n} versions in {} templates, applied once ({:.1} s)",
                l.templates, l.setup_secs
            )
        };
        let _ = writeln!(
            out,
            "{setup}; proton-local waits {ms} ms before answering every API call (`POST /_proton_local/faults` `{{\"latency_ms\": {ms}}}`). `terraform plan -refresh-only -no-color -input=false -detailed-exitcode` (must exit 0, default parallelism 10), {} runs per binary after one warm-up without latency, alternated. \"Before\" is the binary named by `BENCH_BASELINE_PROVIDER`, in a working directory and filesystem mirror of its own with a copy of the same state; \"after\" is the binary this build measures (`{}`).\n",
            config.latency_runs,
            provider_binary().display(),
        );
        let _ = writeln!(
            out,
            "| provider | wall | provider CPU | Terraform CPU | proton-local CPU | API requests per plan | per version | provider peak RSS |\n|---|---|---|---|---|---|---|---|"
        );
        let row = |out: &mut String, label: &str, s: &Series| {
            let _ = writeln!(
                out,
                "| {label} | {} | {} | {} | {} | {} | {:.2} | {:.1} MiB |",
                spread(&s.wall()),
                cpu_ms(s.median_of(|x| x.cpu_secs)),
                cpu_ms(s.median_of(|x| x.terraform_cpu_secs)),
                cpu_ms(median(&s.endpoint_cpu_secs)),
                requests_cell(s),
                per_object(s, n),
                mib(s.peak_rss_kib()),
            );
        };
        if let Some((_, before)) = &l.baseline {
            row(out, "before (baseline)", before);
        }
        row(out, "after (this build)", &l.after);
        let _ = writeln!(out);
        match (&l.baseline, l.speedup()) {
            (Some((binary, _)), Some(speedup)) => {
                let after = provider_binary();
                let _ = writeln!(
                    out,
                    "Before / after, ratio of median walls: **{speedup:.2}×** (no target). Baseline `{}` ({}); this build {}{}.\n",
                    binary.display(),
                    file_mb(binary),
                    file_mb(&after),
                    if same_bytes(binary, &after) {
                        "; the two binaries are byte-identical"
                    } else {
                        ""
                    },
                );
            }
            _ => {
                let _ = writeln!(
                    out,
                    "Only \"after\" was measured: `BENCH_BASELINE_PROVIDER` was not set, so there is no before / after ratio.\n"
                );
            }
        }
    }
}
