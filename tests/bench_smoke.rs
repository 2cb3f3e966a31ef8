//! CI's smoke run of the benchmark suite (`benches/suite/`): every code path once, tiny sizes,
//! checking exit codes and counts only. No timing thresholds.
#![allow(
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

#[path = "../benches/suite/mod.rs"]
mod suite;
mod support;

#[test]
fn benchmark_suite_runs_end_to_end() {
    let config = suite::Config::smoke();
    let results = suite::run(&config, &|what| eprintln!("bench smoke: {what}"));
    assert_eq!(results.plan_empty.len(), config.plan_runs);
    assert_eq!(results.plan_one.len(), config.plan_runs);
    // Terraform 1.0.3 starts the provider more than once per plan; each start was sampled.
    assert!(results.plan_one_starts.iter().all(|&n| n >= 1));
    assert!(results.plan_one_rss_kib.iter().all(|&kib| kib > 0));
    assert!(
        results.plan_one_requests >= 1,
        "the plan must refresh through proton-local"
    );
    assert_eq!(results.startup_ms.len(), config.startup_runs);
    assert_eq!(results.rpc.len(), 7);
    assert_eq!(results.apply.len(), config.apply_runs);
    assert_eq!(results.destroy.len(), config.apply_runs);
    assert_eq!(results.refresh.len(), config.refresh_runs);
    assert!(results.refresh_requests >= config.refresh_versions as u64);
    let report = suite::report(&config, &results);
    for section in ["## 1.", "## 2.", "## 3.", "## 4.", "## 5."] {
        assert!(report.contains(section), "{section} missing:\n{report}");
    }
}
