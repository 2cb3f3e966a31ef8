//! Reliability under faults, with both real Terraform CLIs against
//! proton-local: injected throttling and 5xx, an unreachable and a hanging
//! endpoint, an endpoint restarted mid-apply, and two working directories
//! creating minors of one major at the same time. Figures go to
//! `docs/reliability.md`; run with `--nocapture` to see them.
#![allow(deprecated)]

use crate::support;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::acc::Acc;
use support::hcl::{self, Resource};
use support::proton_local::TemplateKind::Environment;
use support::proton_local::{binary, Options};
use support::terraform::{flat, Cli, Run, Workdir};

const ENV: &str = "proton_environment_template_version";

/// `count` versions `label` of template `web`, each with its own
/// description (so each create has its own client token).
fn versions(label: &str, count: usize, prefix: &str) -> Resource {
    hcl::resource(ENV, label)
        .set("count", &count.to_string())
        .template("web")
        .description(&format!("{prefix} ${{count.index}}"))
        .s3("bundles", "a.tar.gz")
}

/// The ids (`web:M.m`) of every `ENV` instance in state.
fn state_ids(acc_work: &Workdir) -> BTreeSet<String> {
    let show = acc_work.run(&["show", "-json", "-no-color"]);
    show.assert_ok("show");
    let state: serde_json::Value = serde_json::from_str(&show.stdout).unwrap();
    state["values"]["root_module"]["resources"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter(|r| r["type"] == ENV)
        .map(|r| r["values"]["id"].as_str().unwrap().to_string())
        .collect()
}

/// Every version of `web` in Proton, as `web:M.m`, asserting none repeats.
async fn api_ids(acc: &Acc) -> BTreeSet<String> {
    let listed = acc.endpoint.versions(Environment, "web").await;
    let ids: BTreeSet<String> = listed.iter().map(|v| format!("web:{v}")).collect();
    assert_eq!(
        ids.len(),
        listed.len(),
        "a version is listed twice: {listed:?}"
    );
    ids
}

each_cli!(async fifty_versions_apply_under_throttling_and_server_errors);
async fn fifty_versions_apply_under_throttling_and_server_errors(cli: Cli) {
    let mut acc = Acc::with_options(
        cli,
        Options {
            registration_delay: Some("200ms"),
            ..Default::default()
        },
    );
    // A request fails with p = 0.3 + 0.7 * 0.2 = 0.44. With the default 10
    // attempts a call gives up with p = 0.44^10 = 2.7e-4, so one of the ~360
    // calls of apply + plan would fail in about 1 run in 10; 16 attempts
    // make that 0.44^16 * 360 = 7e-4 per run.
    acc.provider_extra("  max_retries = 15\n");
    acc.endpoint.create_template(Environment, "web").await;
    acc.endpoint
        .write_bundle(Environment, "bundles", "a.tar.gz");
    let config = versions("v", 50, "faulty").to_string();

    acc.endpoint.reset_counters();
    acc.endpoint
        .set_faults(r#"{"throttle_rate": 0.3, "error_rate": 0.2}"#);
    acc.config(&config);
    // All 50 at once: retries back off in parallel rather than in waves.
    let started = Instant::now();
    acc.work
        .run(&[
            "apply",
            "-auto-approve",
            "-no-color",
            "-input=false",
            "-parallelism=50",
        ])
        .assert_ok("apply under faults");
    let apply_time = started.elapsed();
    let after_apply = acc.endpoint.counters();
    // The refreshing plan runs under the same faults.
    let plan = acc.work.run(&[
        "plan",
        "-no-color",
        "-input=false",
        "-detailed-exitcode",
        "-parallelism=50",
    ]);
    assert_eq!(plan.code, 0, "{}\n{}", plan.stdout, plan.stderr);
    let after_plan = acc.endpoint.counters();
    acc.endpoint.set_faults("{}");

    let in_state = state_ids(&acc.work);
    assert_eq!(in_state.len(), 50, "{in_state:?}");
    assert_eq!(api_ids(&acc).await, in_state, "Proton and state disagree");
    assert_eq!(after_plan["versions_created"], 50, "{after_plan}");
    let throttled = after_plan["throttled"].as_u64().unwrap();
    let failed = after_plan["failed"].as_u64().unwrap();
    assert!(
        throttled > 0 && failed > 0,
        "no fault was injected: {after_plan}"
    );
    eprintln!(
        "FIGURE faults: apply {apply_time:?}; after apply {after_apply}; after apply + plan {after_plan}"
    );

    acc.destroy();
    assert!(api_ids(&acc).await.is_empty());
}

/// A provider block for an endpoint that is not proton-local.
fn provider_block(url: &str) -> String {
    format!(
        "provider \"proton\" {{\n  region      = \"us-east-1\"\n  access_key  = \"test\"\n  secret_key  = \"test\"\n  max_retries = 2\n  endpoints {{\n    proton = \"{url}\"\n  }}\n}}\n"
    )
}

/// Applies one version against `url` and expects a failure naming `url`
/// within `bound`.
fn apply_fails_naming(cli: Cli, url: &str, bound: Duration) -> (Run, Duration) {
    let work = Workdir::new(cli);
    work.write_config(&format!(
        "{}\n{}",
        provider_block(url),
        versions("v", 1, "lost").extra("timeouts {\n  create = \"5s\"\n}")
    ));
    work.init();
    let started = Instant::now();
    let run = work.run(&["apply", "-auto-approve", "-no-color", "-input=false"]);
    let took = started.elapsed();
    assert_ne!(run.code, 0, "{cli}: apply succeeded against {url}");
    assert!(took < bound, "{cli}: apply took {took:?} (bound {bound:?})");
    let address = url.trim_start_matches("http://");
    assert!(
        run.stderr.contains(address),
        "the error does not name {url}:\n{}",
        run.stderr
    );
    (run, took)
}

each_cli!(unreachable_endpoint_fails_fast_naming_the_endpoint);
fn unreachable_endpoint_fails_fast_naming_the_endpoint(cli: Cli) {
    // A port nothing listens on: bind, note the port, close.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let (run, took) = apply_fails_naming(cli, &url, Duration::from_secs(60));
    eprintln!("FIGURE unreachable: failed after {took:?}:\n{}", run.stderr);
}

each_cli!(hanging_endpoint_fails_within_the_create_timeout_naming_the_endpoint);
fn hanging_endpoint_fails_within_the_create_timeout_naming_the_endpoint(cli: Cli) {
    // Accepts connections and never answers.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            held.push(stream);
        }
    });
    let (run, took) = apply_fails_naming(cli, &url, Duration::from_secs(60));
    eprintln!("FIGURE hanging: failed after {took:?}:\n{}", run.stderr);
    // The way out is the resource's own limit.
    let error = flat(&run.stderr);
    assert!(
        error.contains("timeouts { create ="),
        "{cli}: the timeout error does not suggest raising timeouts {{ create }}:\n{error}"
    );
}

/// proton-local on a fixed address with a data directory, so it can be
/// restarted in place. Returns the child and its URL.
fn start_persistent(
    listen: &str,
    data_dir: &std::path::Path,
    bundles: &std::path::Path,
) -> (Child, String) {
    let mut child = Command::new(binary())
        .args(["--listen", listen, "--registration-delay", "3s"])
        .arg("--data-dir")
        .arg(data_dir)
        .arg("--bundle-dir")
        .arg(bundles)
        .arg("--exit-with-stdin")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("proton-local listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    (child, url)
}

each_cli!(async endpoint_restarted_mid_apply_converges_in_the_same_apply);
async fn endpoint_restarted_mid_apply_converges_in_the_same_apply(cli: Cli) {
    // A harness endpoint only to build bundles and for its SDK helpers is not
    // restartable, so this test runs its own persistent proton-local.
    let data_dir = tempfile::tempdir().unwrap();
    let helper = support::proton_local::ProtonLocal::start();
    helper.write_bundle(Environment, "bundles", "a.tar.gz");
    let bundles = helper.bundle_dir.path().to_path_buf();
    let (mut first, url) = start_persistent("127.0.0.1:0", data_dir.path(), &bundles);
    let listen = url.trim_start_matches("http://").to_string();

    let client = {
        let config = aws_sdk_proton::Config::builder()
            .behavior_version(aws_sdk_proton::config::BehaviorVersion::latest())
            .region(aws_sdk_proton::config::Region::new("us-east-1"))
            .endpoint_url(&url)
            .credentials_provider(aws_sdk_proton::config::Credentials::new(
                "test", "test", None, None, "tests",
            ))
            .build();
        aws_sdk_proton::Client::from_conf(config)
    };
    client
        .create_environment_template()
        .name("web")
        .send()
        .await
        .unwrap();

    let work = Workdir::new(cli);
    work.write_config(&format!(
        "{}\n{}",
        provider_block(&url).replace("max_retries = 2", "max_retries = 9"),
        versions("v", 5, "restart")
    ));
    work.init();
    let mut terraform = work.apply_until_waiting();

    // Crash the endpoint mid-apply, then bring it back on the same port.
    first.kill().unwrap();
    first.wait().unwrap();
    let (mut second, again) = start_persistent(&listen, data_dir.path(), &bundles);
    assert_eq!(again, url);

    let started = Instant::now();
    let status = terraform.wait().unwrap();
    eprintln!(
        "FIGURE restart: apply finished {:?} after the restart, success {}",
        started.elapsed(),
        status.success()
    );
    assert!(status.success(), "the apply did not survive the restart");

    let plan = work.run(&["plan", "-no-color", "-input=false", "-detailed-exitcode"]);
    assert_eq!(plan.code, 0, "{}\n{}", plan.stdout, plan.stderr);
    let listed = client
        .list_environment_template_versions()
        .template_name("web")
        .send()
        .await
        .unwrap();
    let in_api: BTreeSet<String> = listed
        .template_versions()
        .iter()
        .map(|v| format!("web:{}.{}", v.major_version(), v.minor_version()))
        .collect();
    assert_eq!(in_api.len(), listed.template_versions().len());
    assert_eq!(in_api, state_ids(&work), "Proton and state disagree");
    assert_eq!(in_api.len(), 5);
    work.run(&["destroy", "-auto-approve", "-no-color", "-input=false"])
        .assert_ok("destroy");
    second.kill().unwrap();
    second.wait().unwrap();
}

each_cli!(async two_workdirs_create_minors_of_one_major_concurrently);
async fn two_workdirs_create_minors_of_one_major_concurrently(cli: Cli) {
    let acc = Acc::with_options(
        cli,
        Options {
            registration_delay: Some("500ms"),
            ..Default::default()
        },
    );
    acc.endpoint.create_template(Environment, "web").await;
    acc.endpoint
        .write_bundle(Environment, "bundles", "a.tar.gz");
    // Major 1 exists (1.0); both directories add minors to it.
    acc.step(&versions("v", 1, "base").to_string());

    let other = Workdir::new(cli);
    other.write_config(&format!(
        "{}\n{}",
        acc.endpoint.provider_block(""),
        versions("b", 8, "from B").major("1")
    ));
    other.init();
    acc.config(&format!(
        "{}\n{}",
        versions("v", 1, "base"),
        versions("a", 8, "from A").major("1")
    ));

    let args = [
        "apply",
        "-auto-approve",
        "-no-color",
        "-input=false",
        "-parallelism=10",
    ];
    let (a, b) = std::thread::scope(|scope| {
        let b = scope.spawn(|| other.run(&args));
        let a = acc.work.run(&args);
        (a, b.join().unwrap())
    });
    a.assert_ok("apply A");
    b.assert_ok("apply B");
    acc.assert_no_changes();
    let plan_b = other.run(&["plan", "-no-color", "-input=false", "-detailed-exitcode"]);
    assert_eq!(plan_b.code, 0, "{}\n{}", plan_b.stdout, plan_b.stderr);

    let ids_a = state_ids(&acc.work);
    let ids_b = state_ids(&other);
    assert_eq!(ids_a.len(), 9);
    assert_eq!(ids_b.len(), 8);
    assert!(
        ids_a.is_disjoint(&ids_b),
        "shared versions: {ids_a:?} {ids_b:?}"
    );
    let all: BTreeSet<String> = ids_a.union(&ids_b).cloned().collect();
    let expected: BTreeSet<String> = (0..=16).map(|m| format!("web:1.{m}")).collect();
    assert_eq!(all, expected);
    assert_eq!(api_ids(&acc).await, expected);
    eprintln!("FIGURE concurrent: A {ids_a:?} B {ids_b:?}");

    other
        .run(&["destroy", "-auto-approve", "-no-color", "-input=false"])
        .assert_ok("destroy B");
    acc.destroy();
    assert!(api_ids(&acc).await.is_empty());
}
