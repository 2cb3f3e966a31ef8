//! Section 6 (issue 15 item 7): adopting what already exists with Terraform 1.15.5's
//! `terraform query` and generated configuration.
//!
//! The versions are made through the SDK, as one finds them in an account (proton-local
//! `--registration-delay 0s`). (a) `terraform query -json` over all of them, without and with
//! `include_resource`, each against a `terraform plan` of a configuration with only the same
//! provider block, alternated. (b) Rounds of adopting one template's versions:
//! `query -generate-config-out`, the query file removed, `apply` of the generated file, `plan`
//! (must show no changes), and as the baseline a refresh-only plan of the same versions, now in
//! state. (c) The provider's peak RSS over every command of (a) and (b).
//!
//! Each command runs once more with `TF_LOG=trace` (untimed) to count Terraform's calls to the
//! provider; proton-local counts the API requests of one timed run.
#![allow(deprecated)] // the SDK marks every Proton operation deprecated (no new customers)

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use aws_sdk_proton::types::{S3ObjectSource, TemplateVersionSourceInput};
use tokio::task::JoinSet;

use super::report::{cpu_ms, mib, spread, verdict};
use super::tf::{cpu_ticks, ticks_per_second, ProcSample, TfDir};
use super::{median, runtime, secs, Config, QUOTA};
use crate::support::proton_local::TemplateKind::Environment;
use crate::support::proton_local::{Options, ProtonLocal};
use crate::support::terraform::{flat, Cli, Run};

/// The only CLI with `terraform query`.
const CLI: Cli = Cli::V1_15_5;
/// The list blocks' `limit`: above any listing here (Terraform's default is 100).
const LIMIT: usize = 10_000;
/// Target of (b): the adoption apply over the refresh-only plan (1.5× until issue 25, whose
/// shared reads make the refresh cheaper and the bar lower).
const APPLY_TARGET: f64 = 1.3;
/// SDK requests in flight while the versions are made.
const IN_FLIGHT: usize = 16;
const QUERY_FILE: &str = "adopt.tfquery.hcl";
const GENERATED: &str = "generated.tf";

/// One command: its timed runs, and what one run asked of Proton and of the provider.
#[derive(Debug, Default)]
pub struct Series {
    pub runs: Vec<ProcSample>,
    /// proton-local's utime+stime during each timed run, seconds.
    pub endpoint_cpu_secs: Vec<f64>,
    /// proton-local's requests per operation during the last timed run.
    pub requests: BTreeMap<String, u64>,
    /// proton-local's `total_requests` (every request on its AWS API paths, whether it named
    /// an operation it knows or not) during the last timed run.
    pub total_requests: u64,
    /// Terraform's calls to the provider per RPC in the traced run.
    pub rpcs: BTreeMap<String, u64>,
}

impl Series {
    pub fn wall(&self) -> Vec<f64> {
        self.runs.iter().map(|s| s.wall_secs).collect()
    }

    pub fn median_wall(&self) -> f64 {
        median(&self.wall())
    }

    pub fn peak_rss_kib(&self) -> u64 {
        self.runs.iter().map(|s| s.peak_hwm_kib).max().unwrap_or(0)
    }

    pub(super) fn median_of(&self, pick: impl Fn(&ProcSample) -> f64) -> f64 {
        median(&self.runs.iter().map(pick).collect::<Vec<_>>())
    }

    /// Median over the median of `baseline`.
    pub fn ratio_to(&self, baseline: &Series) -> f64 {
        self.median_wall() / baseline.median_wall()
    }
}

/// Everything section 6 measured.
#[derive(Debug, Default)]
pub struct AdoptResults {
    /// Templates the versions were made in, and how long making them took.
    pub templates: usize,
    pub setup_secs: f64,
    /// (a): the baseline and the two queries.
    pub empty_plan: Series,
    pub query: Series,
    pub query_resources: Series,
    /// (b): the adoption steps and the baseline.
    pub generate: Series,
    pub apply: Series,
    pub plan: Series,
    pub refresh_only: Series,
}

impl AdoptResults {
    /// (a) Query without resources over the empty-configuration plan.
    pub fn query_ratio(&self) -> f64 {
        self.query.ratio_to(&self.empty_plan)
    }

    /// (b) Adoption apply over the refresh-only plan.
    pub fn apply_ratio(&self) -> f64 {
        self.apply.ratio_to(&self.refresh_only)
    }

    fn all(&self) -> [(&'static str, &Series); 7] {
        [
            ("empty-configuration plan", &self.empty_plan),
            ("query", &self.query),
            ("query, `include_resource = true`", &self.query_resources),
            ("query `-generate-config-out`", &self.generate),
            ("apply of the generated file", &self.apply),
            ("plan after adoption", &self.plan),
            ("refresh-only plan", &self.refresh_only),
        ]
    }

    /// (c) The largest VmHWM of any provider process of any timed command.
    pub fn peak_rss_kib(&self) -> u64 {
        self.all()
            .iter()
            .map(|(_, s)| s.peak_rss_kib())
            .max()
            .unwrap_or(0)
    }
}

/// Runs section 6; panics with Terraform's output when a step fails or a count is off.
pub fn run(config: &Config, log: &dyn Fn(&str)) -> AdoptResults {
    assert!(
        (1..=QUOTA).contains(&config.adopt_versions)
            && config.query_versions >= config.adopt_versions,
        "adopt_versions must be 1..={QUOTA} and at most query_versions"
    );
    let mut results = AdoptResults::default();
    let endpoint = ProtonLocal::start_with(Options {
        registration_delay: Some("0s"),
        extra_args: Vec::new(),
    });
    log(&format!(
        "{CLI}: {} versions made through the SDK",
        config.query_versions
    ));
    let start = Instant::now();
    let templates = runtime().block_on(make_versions(
        &endpoint,
        config.query_versions,
        config.adopt_versions,
    ));
    results.setup_secs = secs(start);
    results.templates = templates.len();
    queries(config, &endpoint, &mut results, log);
    adoption(config, &endpoint, &templates[0], &mut results, log);
    results
}

/// Templates of `per_template` versions (major 1 and its minors) holding `total` versions.
async fn make_versions(endpoint: &ProtonLocal, total: usize, per_template: usize) -> Vec<String> {
    endpoint.write_bundle(Environment, "bundles", "adopt.tar.gz");
    let mut templates = Vec::new();
    let mut left = total;
    while left > 0 {
        let name = format!("adopt{}", templates.len());
        endpoint.create_template(Environment, &name).await;
        let count = left.min(per_template);
        create_version(endpoint.client.clone(), name.clone(), None).await;
        let mut in_flight = JoinSet::new();
        for _ in 1..count {
            if in_flight.len() >= IN_FLIGHT {
                in_flight.join_next().await.unwrap().unwrap();
            }
            in_flight.spawn(create_version(
                endpoint.client.clone(),
                name.clone(),
                Some("1"),
            ));
        }
        while let Some(done) = in_flight.join_next().await {
            done.unwrap();
        }
        templates.push(name);
        left -= count;
    }
    assert_eq!(
        endpoint.counters()["versions_created"].as_u64(),
        Some(total as u64),
        "versions made through the SDK"
    );
    templates
}

/// A version of `template` (of `major`, or a new major) from the bench bundle, as another tool
/// would make it: no tags, no description.
async fn create_version(client: aws_sdk_proton::Client, template: String, major: Option<&str>) {
    let source = S3ObjectSource::builder()
        .bucket("bundles")
        .key("adopt.tar.gz")
        .build()
        .unwrap();
    client
        .create_environment_template_version()
        .template_name(template)
        .set_major_version(major.map(str::to_string))
        .source(TemplateVersionSourceInput::S3(source))
        .send()
        .await
        .unwrap();
}

/// The list block of every query here: all versions (of `template`, when given).
fn list_block(include_resource: bool, template: Option<&str>) -> String {
    let mut body = format!(
        "list \"proton_environment_template_version\" \"all\" {{\n  provider = proton\n  limit    = {LIMIT}\n"
    );
    if include_resource {
        body.push_str("  include_resource = true\n");
    }
    if let Some(template) = template {
        let _ = write!(
            body,
            "  config {{\n    template_name = \"{template}\"\n  }}\n"
        );
    }
    body.push_str("}\n");
    body
}

/// An initialised working directory: `main.tf` with only the provider block, and `query` as
/// its query file when given.
fn workdir(endpoint: &ProtonLocal, query: Option<&str>) -> TfDir {
    let mut dir = TfDir::new(CLI);
    dir.env(super::TAGGING_ENDPOINT_VARIABLE, &endpoint.url);
    dir.write_config(&endpoint.proton_only_provider_block());
    if let Some(query) = query {
        std::fs::write(dir.config_dir().join(QUERY_FILE), query).unwrap();
    }
    dir.run(&["init", "-no-color", "-input=false"])
        .assert_ok("init");
    dir
}

/// Runs `args` in `dir` (traced: once more with `TF_LOG=trace`, for the RPC counts only; the
/// trace is kept as `$BENCH_TRACE_DIR/NAME.log` when that is set), checks it, and records it in
/// `series`.
pub(super) fn measure(
    name: &str,
    series: &mut Series,
    traced: bool,
    endpoint: &ProtonLocal,
    dir: &TfDir,
    args: &[&str],
    check: &dyn Fn(&Run),
) {
    measure_in(name, series, traced, Some(endpoint), dir, args, check);
}

/// [`measure`], where `endpoint` is `None` for a command that involves neither proton-local
/// nor this provider (a configuration of Terraform's built-in resources only): it must start
/// no provider process, and no endpoint CPU or requests are recorded.
pub(super) fn measure_in(
    name: &str,
    series: &mut Series,
    traced: bool,
    endpoint: Option<&ProtonLocal>,
    dir: &TfDir,
    args: &[&str],
    check: &dyn Fn(&Run),
) {
    if let Some(endpoint) = endpoint {
        endpoint.reset_counters();
    }
    let endpoint_ticks = || endpoint.map_or(0, |e| cpu_ticks(e.pid()).unwrap_or(0));
    let before = endpoint_ticks();
    let (run, sample) = if traced {
        dir.run_traced_sampled(args)
    } else {
        dir.run_sampled(args)
    };
    check(&run);
    match endpoint {
        Some(_) => assert!(sample.starts >= 1, "no provider process was seen: {args:?}"),
        None => assert_eq!(sample.starts, 0, "a provider process was seen: {args:?}"),
    }
    if traced {
        if let Some(keep) = std::env::var_os("BENCH_TRACE_DIR") {
            std::fs::write(Path::new(&keep).join(format!("{name}.log")), &run.stderr).unwrap();
        }
        series.rpcs = rpc_counts(&run.stderr);
    } else {
        let ticks = endpoint_ticks() - before;
        series
            .endpoint_cpu_secs
            .push(ticks as f64 / ticks_per_second());
        if let Some(endpoint) = endpoint {
            let counters = endpoint.counters();
            series.requests = requests(&counters);
            series.total_requests = counters["total_requests"].as_u64().unwrap_or(0);
        }
        series.runs.push(sample);
    }
}

/// The requests per operation of a counters snapshot (`GET /_proton_local/counters`).
fn requests(counters: &serde_json::Value) -> BTreeMap<String, u64> {
    counters["requests"]
        .as_object()
        .map(|ops| {
            ops.iter()
                .filter_map(|(op, n)| Some((op.clone(), n.as_u64()?)))
                .filter(|(_, n)| *n > 0)
                .collect()
        })
        .unwrap_or_default()
}

/// Terraform's calls to the provider per RPC: its `GRPCProvider.v6: NAME` trace lines.
pub fn rpc_counts(trace: &str) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for line in trace.lines() {
        let Some((_, rest)) = line.split_once("GRPCProvider.v6: ") else {
            continue;
        };
        let name: String = rest
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        if !name.is_empty() {
            *counts.entry(name).or_default() += 1;
        }
    }
    counts
}

/// `query -json` succeeded and listed `expected` versions, with their objects when asked.
fn check_query(run: &Run, expected: usize, include_resource: bool) {
    run.assert_ok("query");
    let (mut found, mut total, mut objects) = (0, None, 0);
    for line in run.stdout.lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        match message["type"].as_str() {
            Some("list_resource_found") => {
                found += 1;
                let object = &message["list_resource_found"]["resource_object"];
                objects += usize::from(!object.is_null());
            }
            Some("list_complete") => total = message["list_complete"]["total"].as_u64(),
            _ => {}
        }
    }
    assert_eq!(found, expected, "results of the query:\n{}", run.stderr);
    assert_eq!(total, Some(expected as u64), "list_complete total");
    let objects_expected = if include_resource { expected } else { 0 };
    assert_eq!(objects, objects_expected, "resource objects in the results");
}

/// (a): both queries against the empty-configuration plan, alternated.
fn queries(config: &Config, endpoint: &ProtonLocal, r: &mut AdoptResults, log: &dyn Fn(&str)) {
    let n = config.query_versions;
    log(&format!(
        "{CLI}: terraform query over {n} versions vs an empty-configuration plan"
    ));
    let empty = workdir(endpoint, None);
    let bare = workdir(endpoint, Some(&list_block(false, None)));
    let full = workdir(endpoint, Some(&list_block(true, None)));
    let plan = ["plan", "-no-color", "-input=false", "-detailed-exitcode"];
    let query = ["query", "-json", "-no-color"];
    let plan_ok = |run: &Run| {
        run.assert_ok("plan (empty configuration)");
    };
    let bare_ok = |run: &Run| check_query(run, n, false);
    let full_ok = |run: &Run| check_query(run, n, true);
    // One untimed warm-up each (page cache, plugin cache).
    plan_ok(&empty.run(&plan));
    bare_ok(&bare.run(&query));
    full_ok(&full.run(&query));
    for round in 0..=config.query_runs {
        let traced = round == config.query_runs;
        measure(
            "empty-plan",
            &mut r.empty_plan,
            traced,
            endpoint,
            &empty,
            &plan,
            &plan_ok,
        );
        measure(
            "query",
            &mut r.query,
            traced,
            endpoint,
            &bare,
            &query,
            &bare_ok,
        );
        let series = &mut r.query_resources;
        measure(
            "query-resources",
            series,
            traced,
            endpoint,
            &full,
            &query,
            &full_ok,
        );
    }
}

/// Back to no state and no generated file, with the query file in place.
fn reset(dir: &Path, query: &str) {
    for file in ["terraform.tfstate", "terraform.tfstate.backup", GENERATED] {
        match std::fs::remove_file(dir.join(file)) {
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => panic!("{file}: {err}"),
            _ => {}
        }
    }
    std::fs::write(dir.join(QUERY_FILE), query).unwrap();
}

/// (b): rounds of adopting `template`'s versions, each with its refresh-only baseline.
fn adoption(
    config: &Config,
    endpoint: &ProtonLocal,
    template: &str,
    r: &mut AdoptResults,
    log: &dyn Fn(&str),
) {
    let n = config.adopt_versions;
    log(&format!(
        "{CLI}: adoption of {n} versions vs a refresh-only plan of them"
    ));
    let dir = workdir(endpoint, None);
    let config_dir = dir.config_dir();
    let query = list_block(false, Some(template));
    let generate = [
        "query",
        "-no-color",
        &format!("-generate-config-out={GENERATED}"),
    ];
    let apply = ["apply", "-auto-approve", "-no-color", "-input=false"];
    let plan = ["plan", "-no-color", "-input=false", "-detailed-exitcode"];
    let refresh = [
        "plan",
        "-refresh-only",
        "-no-color",
        "-input=false",
        "-detailed-exitcode",
    ];
    let generated_ok = |run: &Run| {
        run.assert_ok("query -generate-config-out");
        let generated = std::fs::read_to_string(config_dir.join(GENERATED)).unwrap();
        assert_eq!(generated.matches("\nimport {").count(), n, "import blocks");
        assert_eq!(generated.matches("\nresource ").count(), n, "resources");
    };
    let imported = format!("Resources: {n} imported, 0 added, 0 changed, 0 destroyed");
    let apply_ok = |run: &Run| {
        run.assert_ok("apply of the generated configuration");
        assert!(flat(&run.stdout).contains(&imported), "{}", run.stdout);
        let writes: Vec<_> = requests(&endpoint.counters())
            .into_keys()
            .filter(|op| {
                ["Create", "Update", "Delete", "Tag", "Untag"]
                    .iter()
                    .any(|w| op.starts_with(w))
            })
            .collect();
        assert!(writes.is_empty(), "the adoption wrote: {writes:?}");
    };
    let plan_ok = |run: &Run| {
        run.assert_ok("plan after adoption (no changes)");
    };
    let refresh_ok = |run: &Run| {
        run.assert_ok("plan -refresh-only (no changes)");
    };
    for round in 0..=config.adopt_runs {
        let traced = round == config.adopt_runs;
        reset(&config_dir, &query);
        measure(
            "generate",
            &mut r.generate,
            traced,
            endpoint,
            &dir,
            &generate,
            &generated_ok,
        );
        // Terraform reads a query file only for `query`; the adoption is the generated file.
        std::fs::remove_file(config_dir.join(QUERY_FILE)).unwrap();
        measure(
            "apply",
            &mut r.apply,
            traced,
            endpoint,
            &dir,
            &apply,
            &apply_ok,
        );
        measure("plan", &mut r.plan, traced, endpoint, &dir, &plan, &plan_ok);
        measure(
            "refresh-only",
            &mut r.refresh_only,
            traced,
            endpoint,
            &dir,
            &refresh,
            &refresh_ok,
        );
    }
}

/// `TOTAL (Op n, …)`, most first.
pub(super) fn counts(map: &BTreeMap<String, u64>) -> String {
    let mut items: Vec<(&String, u64)> = map.iter().map(|(k, v)| (k, *v)).collect();
    items.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let total: u64 = items.iter().map(|(_, n)| n).sum();
    if items.is_empty() {
        return "0".to_string();
    }
    let parts: Vec<String> = items.iter().map(|(k, n)| format!("{k} {n}")).collect();
    format!("{total} ({})", parts.join(", "))
}

impl AdoptResults {
    fn row(out: &mut String, label: &str, series: &Series, baseline: Option<&Series>) {
        let ratio = baseline.map_or("1 (baseline)".to_string(), |b| {
            format!("**{:.2}×**", series.ratio_to(b))
        });
        let _ = writeln!(
            out,
            "| {label} | {} | {ratio} | {} | {} | {} | {} | {:.1} MiB |",
            spread(&series.wall()),
            cpu_ms(series.median_of(|s| s.cpu_secs)),
            cpu_ms(series.median_of(|s| s.terraform_cpu_secs)),
            cpu_ms(median(&series.endpoint_cpu_secs)),
            series.runs.first().map_or(0, |s| s.starts),
            mib(series.peak_rss_kib()),
        );
    }

    fn table(out: &mut String, rows: &[(&str, &Series, Option<&Series>)]) {
        let _ = writeln!(
            out,
            "| command | wall | ratio | provider CPU | Terraform CPU | proton-local CPU | provider starts | provider peak RSS |\n|---|---|---|---|---|---|---|---|"
        );
        for (label, series, baseline) in rows {
            Self::row(out, label, series, *baseline);
        }
        let _ = writeln!(
            out,
            "\n| command | API requests (one timed run) | RPCs (traced run) |\n|---|---|---|"
        );
        for (label, series, _) in rows {
            let _ = writeln!(
                out,
                "| {label} | {} | {} |",
                counts(&series.requests),
                counts(
                    &series
                        .rpcs
                        .iter()
                        .filter(|(rpc, _)| *rpc != "GetProviderSchema")
                        .map(|(rpc, n)| (rpc.clone(), *n))
                        .collect()
                )
            );
        }
        let _ = writeln!(out);
    }

    /// Section 6 in Markdown.
    pub fn report(&self, config: &Config) -> String {
        let mut out = String::new();
        let (n, m) = (config.query_versions, config.adopt_versions);
        let _ = writeln!(
            out,
            "## 6. Adoption with {CLI}: `terraform query` and generated configuration\n"
        );
        let _ = writeln!(
            out,
            "Objects made outside Terraform, through the SDK: {n} environment template versions in {} templates of {m} (major 1 and its minors; Proton's quota is {QUOTA} versions per template and proton-local enforces it, so 1,000 versions cannot be one template's), no tags, registration delay 0 s; made in {:.1} s with {IN_FLIGHT} requests in flight. {CLI} only: 1.0.3 has no `terraform query`. Wall: median (min–max) of the timed runs. CPU: median utime+stime in 10 ms ticks, of the provider processes, of the Terraform process itself (the shim's Python process, which runs the CLI in-process) and of proton-local (the two cores are shared by all three). API requests: proton-local's count during one timed run. RPCs: Terraform's `GRPCProvider.v6: NAME` trace lines (one per call of its plugin client) in one more, untimed, run with `TF_LOG=trace`, without GetProviderSchema, whose line Terraform also logs for every look-up it answers from its schema cache.\n",
            self.templates, self.setup_secs,
        );
        let _ = writeln!(out, "### 6a. `terraform query` over {n} versions\n");
        let _ = writeln!(
            out,
            "`terraform query -json -no-color` with one `list \"proton_environment_template_version\"` block, no filter (every version of every template), `limit = {LIMIT}`; each run must list all {n} (`list_complete` total; with `include_resource = true`, every result with its object). Baseline: `terraform plan -no-color -input=false -detailed-exitcode` (exit 0) of a configuration holding only the same provider block. Alternated, {} runs each after one warm-up.\n",
            config.query_runs
        );
        Self::table(
            &mut out,
            &[
                (
                    "plan, empty configuration (baseline)",
                    &self.empty_plan,
                    None,
                ),
                ("query", &self.query, Some(&self.empty_plan)),
                (
                    "query, `include_resource = true`",
                    &self.query_resources,
                    Some(&self.empty_plan),
                ),
            ],
        );
        let ratio = self.query_ratio();
        let _ = writeln!(
            out,
            "Target: the query without resources ≤ 3× the empty-configuration plan: **{ratio:.3}×**, {}. With `include_resource = true`: {:.2}× (no target).\n",
            verdict(ratio <= 3.0),
            self.query_resources.ratio_to(&self.empty_plan),
        );
        let _ = writeln!(out, "### 6b. Adoption of {m} versions\n");
        let _ = writeln!(
            out,
            "{} rounds, each from no state: `terraform query -no-color -generate-config-out={GENERATED}` with the list block filtered to one template (`config {{ template_name = ... }}`; must write {m} resources and {m} import blocks), the query file removed, `terraform apply -auto-approve -no-color -input=false` of the generated file (must report {m} imported, 0 added, changed or destroyed, with no create, update, tag or delete request), `terraform plan -detailed-exitcode` (must exit 0), then the baseline: `terraform plan -refresh-only -detailed-exitcode` of the same {m} versions, now in state (must exit 0). Default parallelism (10) throughout.\n",
            config.adopt_runs
        );
        Self::table(
            &mut out,
            &[
                ("refresh-only plan (baseline)", &self.refresh_only, None),
                (
                    "query `-generate-config-out`",
                    &self.generate,
                    Some(&self.refresh_only),
                ),
                (
                    "apply of the generated file",
                    &self.apply,
                    Some(&self.refresh_only),
                ),
                ("plan after adoption", &self.plan, Some(&self.refresh_only)),
            ],
        );
        let ratio = self.apply_ratio();
        let _ = writeln!(
            out,
            "Target: the adoption apply ≤ {APPLY_TARGET}× the refresh-only plan (1.5× before issue 25): **{ratio:.3}×**, {}. Query with generation: {:.2}×; plan after adoption: {:.2}× (no targets).\n",
            verdict(ratio <= APPLY_TARGET),
            self.generate.ratio_to(&self.refresh_only),
            self.plan.ratio_to(&self.refresh_only),
        );
        let _ = writeln!(out, "### 6c. Provider peak RSS during 6a and 6b\n");
        let _ = writeln!(
            out,
            "`VmHWM` of every provider process of every timed command above, sampled every 2 ms.\n\n| command | peak RSS |\n|---|---|"
        );
        for (label, series) in self.all() {
            let _ = writeln!(out, "| {label} | {:.1} MiB |", mib(series.peak_rss_kib()));
        }
        let peak = mib(self.peak_rss_kib());
        let _ = writeln!(
            out,
            "\nTarget ≤ 25 MiB throughout: **{peak:.1} MiB**, {}.\n",
            verdict(peak <= 25.0)
        );
        out
    }
}
