//! CI's smoke run of the benchmark suite (`benches/suite/`): every code path once, tiny sizes,
//! checking exit codes and counts only. No timing thresholds.

#[path = "../benches/suite/mod.rs"]
mod suite;
use crate::support;

use support::terraform::Cli;

#[test]
fn benchmark_suite_runs_end_to_end() {
    let config = suite::Config::smoke();
    let results = suite::run(&config, &|what| eprintln!("bench smoke: {what}"));
    assert_eq!(
        results.clis.iter().map(|c| c.cli).collect::<Vec<_>>(),
        Cli::ALL,
        "every CLI measured"
    );
    for c in &results.clis {
        let cli = c.cli;
        assert_eq!(c.plan_empty.len(), config.plan_runs, "{cli}");
        assert_eq!(c.plan_one.len(), config.plan_runs, "{cli}");
        assert!(c.plan_one_starts.iter().all(|&n| n >= 1), "{cli}");
        assert!(c.plan_one_rss_kib.iter().all(|&kib| kib > 0), "{cli}");
        assert!(
            c.plan_one_requests >= 1,
            "{cli}: the plan must refresh through proton-local"
        );
        let breakdown = c
            .plan_breakdown
            .as_ref()
            .unwrap_or_else(|| panic!("{cli}: the traced plan breaks down into phases"));
        assert_eq!(
            breakdown.starts, c.plan_one_starts[0],
            "{cli}: the trace and the sampler see the same provider starts"
        );
        assert!(
            breakdown.client_certificate_ms > 0.0 && breakdown.serving_ms > 0.0,
            "{cli}: {breakdown:?}"
        );
        assert_eq!(c.apply.len(), config.apply_runs, "{cli}");
        assert_eq!(c.destroy.len(), config.apply_runs, "{cli}");
        assert_eq!(c.refresh.len(), config.refresh_runs, "{cli}");
        // Shared reads (issue 25): some requests, at most 1.1 per refreshed version.
        let versions = config.refresh_versions as u64;
        assert!(
            c.refresh_requests > 0 && c.refresh_requests * 10 <= versions * 11,
            "{cli}: {} requests to refresh {versions} versions",
            c.refresh_requests
        );
    }
    assert_eq!(results.startup_ms.len(), config.startup_runs);
    assert_eq!(results.rpc.len(), 7);
    let adopt = results
        .adopt
        .as_ref()
        .expect("section 6 (adoption) measured");
    for series in [&adopt.empty_plan, &adopt.query, &adopt.query_resources] {
        assert_eq!(series.runs.len(), config.query_runs);
    }
    for series in [
        &adopt.generate,
        &adopt.apply,
        &adopt.plan,
        &adopt.refresh_only,
    ] {
        assert_eq!(series.runs.len(), config.adopt_runs);
    }
    assert!(adopt.peak_rss_kib() > 0);
    assert_eq!(adopt.query.rpcs.get("ListResource"), Some(&1), "{adopt:?}");
    assert_eq!(
        adopt.generate.rpcs.get("GenerateResourceConfig"),
        Some(&(config.adopt_versions as u64)),
        "{adopt:?}"
    );
    assert_eq!(
        adopt.apply.rpcs.get("ImportResourceState"),
        Some(&(config.adopt_versions as u64)),
        "{adopt:?}"
    );
    assert_eq!(
        adopt.refresh_only.rpcs.get("ReadResource"),
        Some(&(config.adopt_versions as u64)),
        "{adopt:?}"
    );
    assert!(
        adopt.query_resources.requests["GetEnvironmentTemplateVersion"]
            >= config.query_versions as u64,
        "include_resource reads every listed version: {adopt:?}"
    );
    let bundles = results
        .bundles
        .as_ref()
        .expect("section 7 (bundles from directories) measured");
    assert_eq!(
        bundles.plans.iter().map(|p| p.cli).collect::<Vec<_>>(),
        Cli::ALL,
        "section 7a on every CLI"
    );
    for pair in &bundles.plans {
        let cli = pair.cli;
        for series in [&pair.s3, &pair.directory] {
            assert_eq!(series.runs.len(), config.bundle_plan_runs, "{cli}");
            assert!(
                series.requests.values().sum::<u64>() >= config.bundle_versions as u64,
                "{cli}: the plan refreshes every version: {series:?}"
            );
            assert!(
                series.rpcs.get("PlanResourceChange").copied().unwrap_or(0)
                    >= config.bundle_versions as u64,
                "{cli}: every version planned: {series:?}"
            );
        }
    }
    assert_eq!(bundles.small_builds.len(), config.bundle_build_runs);
    assert_eq!(bundles.large.runs.len(), config.bundle_build_runs);
    assert!(bundles.large.archive_bytes > config.bundle_binary_bytes);
    assert_eq!(
        bundles.large.archive_files,
        config.bundle_text_files + 4 + 3,
        "text files, blobs, and the small bundle's three"
    );
    let scale = results
        .scale
        .as_ref()
        .expect("section 8 (refresh cost at scale) measured");
    assert_eq!(
        scale.points.iter().map(|p| p.n).collect::<Vec<_>>(),
        config.scale_sizes,
        "section 8a at every size"
    );
    for point in &scale.points {
        let n = point.n;
        assert_eq!(point.versions.runs.len(), config.scale_runs, "N = {n}");
        assert_eq!(point.data.runs.len(), config.scale_runs, "N = {n}");
        assert!(
            point.versions.total_requests >= 1,
            "N = {n}: the plan refreshes through proton-local: {point:?}"
        );
        assert!(point.requests_per_object() > 0.0, "N = {n}");
        assert!(point.ratio() > 0.0, "N = {n}");
    }
    assert!(
        scale.latency.is_none(),
        "8b is not part of the smoke run (latency_versions = 0)"
    );
    assert!(scale.peak_rss_kib() > 0);
    let report = suite::report(&config, &results);
    for section in [
        "## 1.", "## 2.", "## 3.", "## 4.", "## 5.", "## 6.", "## 7.", "## 8.",
    ] {
        assert!(report.contains(section), "{section} missing:\n{report}");
    }
}

#[test]
fn counts_terraform_rpc_trace_lines() {
    let trace = "\
2026-12-02T05:07:29.946Z [TRACE] GRPCProvider.v6: GetProviderSchema
2026-12-02T05:07:29.982Z [TRACE] GRPCProvider.v6: ValidateResourceConfig
2026-12-02T05:07:29.983Z [TRACE] GRPCProvider.v6: ReadResource
2026-12-02T05:07:29.984Z [TRACE] GRPCProvider.v6: ReadResource
2026-12-02T05:07:29.985Z [TRACE] provider.stdio: waiting for stdio data
";
    let counts = suite::adopt::rpc_counts(trace);
    assert_eq!(counts.len(), 3, "{counts:?}");
    assert_eq!(counts["ReadResource"], 2);
    assert_eq!(counts["ValidateResourceConfig"], 1);
}

#[test]
fn reads_terraform_trace_lines() {
    let trace = "\
2026-11-22T02:51:51.483Z [INFO]  Terraform version: 1.0.3
2026-11-22T02:51:51.484Z [TRACE] providercache.fillMetaCache: including .terraform/providers/x
2026-11-22T02:51:51.530Z [DEBUG] checking for provisioner in \".\"
2026-11-22T02:51:51.556Z [INFO]  provider: configuring client automatic mTLS
2026-11-22T02:51:51.589Z [DEBUG] provider: starting plugin: path=x
2026-11-22T02:51:51.592Z [DEBUG] provider: plugin started: path=x pid=1
2026-11-22T02:51:51.598Z [DEBUG] provider: using plugin: version=6
2026-11-22T02:51:51.618Z [TRACE] GRPCProvider.v6: GetProviderSchema
2026-11-22T02:51:51.621Z [DEBUG] provider: plugin exited
2026-11-22T02:51:51.700Z [INFO]  backend/local: plan operation completed
";
    let b = suite::breakdown::PlanBreakdown::from_trace(trace).unwrap();
    assert_eq!(b.starts, 1);
    let near = |a: f64, b: f64| (a - b).abs() < 0.01;
    assert!(near(b.total_ms, 217.0), "{b:?}");
    assert!(near(b.plugin_hash_ms, 46.0), "{b:?}");
    assert!(near(b.client_certificate_ms, 33.0), "{b:?}");
    assert!(near(b.launch_to_handshake_ms, 9.0), "{b:?}");
    assert!(near(b.handshake_to_first_rpc_ms, 20.0), "{b:?}");
    assert!(near(b.serving_ms, 3.0), "{b:?}");
}
