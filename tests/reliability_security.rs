//! Security under both real Terraform CLIs: a full apply/plan/destroy at
//! `TF_LOG=trace` writes no credential or session token into any log line,
//! and the provider schema Terraform receives marks every credential
//! sensitive. (Mutual-TLS refusal: `tests/process.rs`; unsigned and wrongly
//! signed requests: proton-local's own tests.)
#![allow(deprecated)]

use crate::support;

use support::hcl;
use support::proton_local::TemplateKind::Environment;
use support::proton_local::{Options, ProtonLocal};
use support::terraform::{Cli, Run, Workdir};

const ACCESS_KEY: &str = "AKIARELIABILITYZZ9Q";
const SECRET_KEY: &str = "sEcReT+reliability/Key-Q7x9Zz0do-not-log";
const TOKEN: &str = "SeSsIoNtOkEn-reliability-Q7x9Zz0-must-not-appear";

/// One published, tagged version of template `web`.
fn traced_version() -> String {
    hcl::resource("proton_environment_template_version", "v")
        .template("web")
        .description("trace")
        .status("PUBLISHED")
        .extra(r#"tags = { team = "reliability" }"#)
        .s3("bundles", "a.tar.gz")
        .to_string()
}

fn provider_block(url: &str) -> String {
    format!(
        "provider \"proton\" {{\n  region     = \"us-east-1\"\n  access_key = \"{ACCESS_KEY}\"\n  secret_key = \"{SECRET_KEY}\"\n  token      = \"{TOKEN}\"\n  endpoints {{\n    proton = \"{url}\"\n  }}\n}}\n"
    )
}

fn assert_no_secret(what: &str, run: &Run) {
    for text in [&run.stdout, &run.stderr] {
        for (i, line) in text.lines().enumerate() {
            // The access key id is public-ish (it is in every SigV4
            // Authorization header) but sensitive in the schema, so it must
            // not be logged either; the secret and the token never.
            for secret in [SECRET_KEY, TOKEN, ACCESS_KEY] {
                assert!(
                    !line.contains(secret),
                    "{what}: line {i} leaks a credential: {line}"
                );
            }
            // Percent-encoded or partial forms of the secret and token.
            for fragment in ["reliability/Key", "Q7x9Zz0"] {
                assert!(
                    !line.contains(fragment),
                    "{what}: line {i} leaks part of a credential: {line}"
                );
            }
        }
    }
}

each_cli!(async trace_logs_of_a_full_apply_leak_no_credential);
async fn trace_logs_of_a_full_apply_leak_no_credential(cli: Cli) {
    let endpoint = ProtonLocal::start_with(Options {
        registration_delay: Some("200ms"),
        extra_args: vec![
            "--access-key-id".into(),
            ACCESS_KEY.into(),
            "--secret-access-key".into(),
            SECRET_KEY.into(),
        ],
    });
    endpoint.write_bundle(Environment, "bundles", "a.tar.gz");
    // The harness client signs with test/test, which this endpoint refuses.
    let config = aws_sdk_proton::Config::builder()
        .behavior_version(aws_sdk_proton::config::BehaviorVersion::latest())
        .region(aws_sdk_proton::config::Region::new("us-east-1"))
        .endpoint_url(&endpoint.url)
        .credentials_provider(aws_sdk_proton::config::Credentials::new(
            ACCESS_KEY, SECRET_KEY, None, None, "tests",
        ))
        .build();
    let client = aws_sdk_proton::Client::from_conf(config);
    client
        .create_environment_template()
        .name("web")
        .send()
        .await
        .unwrap();

    let work = Workdir::new(cli);
    work.write_config(&format!(
        "{}\n{}",
        provider_block(&endpoint.url),
        traced_version()
    ));
    let trace = [("TF_LOG", "trace")];
    let init = work.run_with_env(&["init", "-no-color", "-input=false"], &trace);
    init.assert_ok("init");
    assert_no_secret("init", &init);

    let before = endpoint.total_requests();
    let apply = work.run_with_env(
        &["apply", "-auto-approve", "-no-color", "-input=false"],
        &trace,
    );
    apply.assert_ok("apply");
    // The trace really includes the provider's own logs and its calls.
    assert!(
        apply.stderr.contains("terraform-provider-proton"),
        "no provider log lines at TF_LOG=trace"
    );
    assert!(endpoint.total_requests() > before);
    assert_no_secret("apply", &apply);

    let plan = work.run_with_env(
        &["plan", "-no-color", "-input=false", "-detailed-exitcode"],
        &trace,
    );
    assert_eq!(plan.code, 0, "{}\n{}", plan.stdout, plan.stderr);
    assert_no_secret("plan", &plan);

    let import_dir = Workdir::new(cli);
    import_dir.write_config(&format!(
        "{}\n{}",
        provider_block(&endpoint.url),
        traced_version()
    ));
    import_dir.init();
    let import = import_dir.run_with_env(
        &[
            "import",
            "-no-color",
            "-input=false",
            "proton_environment_template_version.v",
            "web:1.0",
        ],
        &trace,
    );
    import.assert_ok("import");
    assert_no_secret("import", &import);

    let destroy = work.run_with_env(
        &["destroy", "-auto-approve", "-no-color", "-input=false"],
        &trace,
    );
    destroy.assert_ok("destroy");
    assert_no_secret("destroy", &destroy);
    eprintln!(
        "FIGURE trace: {} stderr lines scanned",
        [&init, &apply, &plan, &import, &destroy]
            .iter()
            .map(|r| r.stderr.lines().count())
            .sum::<usize>()
    );
}

each_cli!(terraform_sees_every_credential_as_sensitive);
fn terraform_sees_every_credential_as_sensitive(cli: Cli) {
    let work = Workdir::new(cli);
    work.write_config("provider \"proton\" {\n  region = \"us-east-1\"\n}\n");
    work.init();
    let schema = work.run(&["providers", "schema", "-json"]);
    schema.assert_ok("providers schema");
    let json: serde_json::Value = serde_json::from_str(&schema.stdout).unwrap();
    let providers = json["provider_schemas"].as_object().unwrap();
    let (_, proton) = providers.iter().next().unwrap();
    let attributes = &proton["provider"]["block"]["attributes"];
    for secret in ["access_key", "secret_key", "token"] {
        assert_eq!(
            attributes[secret]["sensitive"], true,
            "{secret} is not sensitive: {}",
            attributes[secret]
        );
    }
    // No resource attribute holds a credential; none is sensitive by
    // accident either (a sensitive `id` would hide it from plans).
    for (name, resource) in proton["resource_schemas"].as_object().unwrap() {
        for attr in ["id", "arn", "template_name"] {
            assert_ne!(
                resource["block"]["attributes"][attr]["sensitive"], true,
                "{name}.{attr}"
            );
        }
    }
}
