//! The provider's transport settings under both real Terraform CLIs against
//! proton-local: `http_proxy` / `https_proxy` / `no_proxy` (and their
//! environment variables) through a counting forward proxy, and
//! `custom_ca_bundle` (and `AWS_CA_BUNDLE`) with proton-local behind a TLS
//! front whose certificate a throwaway CA signed. Malformed settings are
//! plan-time errors on their lines, before any call.

use crate::support;

use support::acc::Acc;
use support::proxy::{CountingProxy, TlsFront};
use support::terraform::{flat, Cli};

const WEB: &str = "proton_environment_template.web";
const TEMPLATE: &str = "resource \"proton_environment_template\" \"web\" {\n  name = \"web\"\n}\n";

/// A provider block with the test key pair, Proton and STS at `endpoint`, and `extra`.
fn provider(endpoint: &str, extra: &str) -> String {
    format!(
        "provider \"proton\" {{\n  region     = \"us-east-1\"\n  access_key = \"test\"\n  secret_key = \"test\"\n  endpoints {{\n    proton = \"{endpoint}\"\n    sts    = \"{endpoint}\"\n  }}\n{extra}}}\n"
    )
}

/// Writes the provider block (Proton and STS at `endpoint`, plus `extra`) and the template `web`.
fn configure(acc: &Acc, endpoint: &str, extra: &str) {
    acc.work
        .write_config(&format!("{}\n{TEMPLATE}", provider(endpoint, extra)));
}

fn writes(acc: &Acc) -> u64 {
    acc.endpoint.counters()["writes"].as_u64().unwrap()
}

fn sts_calls(acc: &Acc, action: &str) -> u64 {
    acc.endpoint.counters()["requests"][action]
        .as_u64()
        .unwrap_or(0)
}

each_cli!(http_proxy_carries_every_call_to_an_http_endpoint_and_no_proxy_bypasses_it);
fn http_proxy_carries_every_call_to_an_http_endpoint_and_no_proxy_bypasses_it(cli: Cli) {
    let acc = Acc::new(cli);
    let proxy = CountingProxy::start();
    let url = acc.endpoint.url.clone();
    // The credential check makes STS (GetCallerIdentity) go through the proxy too.
    configure(
        &acc,
        &url,
        &format!(
            "  http_proxy = \"{}\"\n  skip_credentials_validation = false\n",
            proxy.url()
        ),
    );
    acc.apply().assert_ok("apply through http_proxy");
    assert!(acc.attr(WEB, "arn").starts_with("arn:aws:proton:"));
    let total = acc.endpoint.total_requests();
    assert!(total > 0, "{cli}: proton-local saw no request");
    assert!(
        sts_calls(&acc, "GetCallerIdentity") >= 1,
        "{cli}: no GetCallerIdentity"
    );
    assert_eq!(
        proxy.forwarded(),
        total,
        "{cli}: every call proton-local saw went through the proxy"
    );
    assert_eq!(
        proxy.tunnels(),
        0,
        "{cli}: an http:// endpoint needs no tunnel"
    );

    // `no_proxy` naming the endpoint's host: straight to proton-local.
    let relayed = proxy.relayed();
    configure(
        &acc,
        &url,
        &format!(
            "  http_proxy = \"{}\"\n  no_proxy   = \"proxy.example.com, 127.0.0.1\"\n",
            proxy.url()
        ),
    );
    acc.destroy();
    assert!(
        writes(&acc) >= 2,
        "{cli}: the destroy made no call to proton-local"
    );
    assert_eq!(proxy.relayed(), relayed, "{cli}: no_proxy was not honoured");

    // `https_proxy` is for https:// endpoints only.
    configure(
        &acc,
        &url,
        &format!("  https_proxy = \"{}\"\n", proxy.url()),
    );
    acc.apply().assert_ok("apply with only https_proxy");
    assert!(acc.attr(WEB, "arn").starts_with("arn:aws:proton:"));
    assert_eq!(
        proxy.relayed(),
        relayed,
        "{cli}: https_proxy was used for an http:// endpoint"
    );
    acc.destroy();
}

each_cli!(http_proxy_and_no_proxy_fall_back_to_their_environment_variables);
fn http_proxy_and_no_proxy_fall_back_to_their_environment_variables(cli: Cli) {
    let mut acc = Acc::new(cli);
    let proxy = CountingProxy::start();
    let url = acc.endpoint.url.clone();
    acc.work.env("HTTP_PROXY", &proxy.url());
    configure(&acc, &url, "");
    acc.apply().assert_ok("apply through HTTP_PROXY");
    let total = acc.endpoint.total_requests();
    assert!(total > 0, "{cli}: proton-local saw no request");
    assert_eq!(proxy.forwarded(), total, "{cli}: HTTP_PROXY was not used");

    // The lower-case variable is read as well.
    let relayed = proxy.relayed();
    acc.work.env("no_proxy", "127.0.0.1");
    acc.destroy();
    assert!(writes(&acc) >= 2, "{cli}: the destroy made no call");
    assert_eq!(proxy.relayed(), relayed, "{cli}: no_proxy was not honoured");
}

each_cli!(custom_ca_bundle_trusts_a_private_ca_and_without_it_the_certificate_is_refused);
fn custom_ca_bundle_trusts_a_private_ca_and_without_it_the_certificate_is_refused(cli: Cli) {
    let mut acc = Acc::new(cli);
    let front = TlsFront::start(&acc.endpoint.url);
    let ca = front.ca_path().display().to_string();

    configure(&acc, &front.url(), "");
    let refused = acc.apply();
    assert_ne!(
        refused.code, 0,
        "{cli}: an untrusted certificate was accepted"
    );
    let says = flat(&refused.stderr);
    assert!(
        says.contains(&front.url())
            && says.to_lowercase().contains("certificate")
            && says.contains("set the provider's `custom_ca_bundle`"),
        "{cli}: the error should name the endpoint, the certificate and the way out: {says}"
    );
    assert_eq!(
        front.connections(),
        0,
        "{cli}: a TLS session was established"
    );
    assert_eq!(acc.endpoint.total_requests(), 0, "{cli}");

    configure(
        &acc,
        &front.url(),
        &format!("  custom_ca_bundle = {ca:?}\n"),
    );
    acc.apply().assert_ok("apply with custom_ca_bundle");
    assert!(acc.attr(WEB, "arn").starts_with("arn:aws:proton:"));
    assert!(
        front.connections() > 0,
        "{cli}: nothing went through the front"
    );
    assert!(writes(&acc) >= 1, "{cli}");

    // AWS_CA_BUNDLE does the same when the block says nothing.
    configure(&acc, &front.url(), "");
    acc.work.env("AWS_CA_BUNDLE", &ca);
    acc.assert_no_changes();
    acc.destroy();
}

each_cli!(https_proxy_tunnels_to_an_https_endpoint);
fn https_proxy_tunnels_to_an_https_endpoint(cli: Cli) {
    let acc = Acc::new(cli);
    let front = TlsFront::start(&acc.endpoint.url);
    let proxy = CountingProxy::start();
    configure(
        &acc,
        &front.url(),
        &format!(
            "  custom_ca_bundle = {:?}\n  https_proxy      = \"{}\"\n",
            front.ca_path().display().to_string(),
            proxy.url()
        ),
    );
    acc.apply().assert_ok("apply through https_proxy");
    assert!(acc.attr(WEB, "arn").starts_with("arn:aws:proton:"));
    assert!(proxy.tunnels() > 0, "{cli}: no CONNECT tunnel");
    assert_eq!(proxy.forwarded(), 0, "{cli}: https:// sent in the clear");
    assert_eq!(
        front.connections(),
        proxy.tunnels(),
        "{cli}: a TLS connection bypassed the proxy"
    );
    acc.destroy();
}

each_cli!(malformed_transport_settings_are_plan_time_errors_on_their_lines);
fn malformed_transport_settings_are_plan_time_errors_on_their_lines(cli: Cli) {
    let acc = Acc::new(cli);
    let url = acc.endpoint.url.clone();
    let not_a_bundle = acc.work.config_dir().join("not-a-bundle.pem");
    std::fs::write(&not_a_bundle, "this file holds no certificate\n").unwrap();
    let not_a_bundle = not_a_bundle.display().to_string();
    configure(
        &acc,
        &url,
        &format!(
            "  custom_ca_bundle = {not_a_bundle:?}\n  http_proxy       = \"proxy.internal:3128\"\n  https_proxy      = \"socks5://127.0.0.1:1080\"\n"
        ),
    );
    let run = acc.plan();
    assert_eq!(run.code, 1, "{cli}: {}", run.stdout);
    let says = flat(&run.stderr);
    // Terraform quotes the configuration line of the attribute each error is on.
    for line in [
        format!("custom_ca_bundle = {not_a_bundle:?}"),
        "http_proxy = \"proxy.internal:3128\"".to_string(),
        "https_proxy = \"socks5://127.0.0.1:1080\"".to_string(),
    ] {
        assert!(says.contains(&line), "{cli}: no error on `{line}`: {says}");
    }
    assert!(
        says.contains(&format!("{not_a_bundle} holds no PEM certificate")),
        "{cli}: {says}"
    );

    let missing = acc.work.config_dir().join("missing.pem");
    let missing = missing.display().to_string();
    configure(&acc, &url, &format!("  custom_ca_bundle = {missing:?}\n"));
    let run = acc.plan();
    assert_eq!(run.code, 1, "{cli}: {}", run.stdout);
    let says = flat(&run.stderr);
    assert!(
        says.contains(&format!("custom_ca_bundle = {missing:?}"))
            && says.contains(&format!("{missing} could not be read")),
        "{cli}: {says}"
    );
    // Refused in validation: proton-local saw nothing.
    assert_eq!(acc.endpoint.total_requests(), 0, "{cli}");
}
