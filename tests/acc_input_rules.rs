//! Input rules and their diagnostics, with both real Terraform CLIs against
//! proton-local: reserved tag keys and the provider's own bookkeeping tag,
//! imports of ARNs from another account, region or partition, unreachable
//! and stalled endpoints, plans of in-place updates, unknown `default_tags`,
//! and the wording of a few diagnostics.
#![allow(deprecated)]

use crate::support;

use std::io::Read;
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use support::acc::Acc;
use support::hcl::{self, Resource};
use support::proton_local::TemplateKind::{Environment, Service};
use support::terraform::{flat, Cli, Workdir};

const ENV: &str = "proton_environment_template_version";
const SOURCE_TAG: &str = "terraform-provider-proton:source";

/// Version `label` of template `web`, from `s3://bundles/KEY`.
fn env_version(label: &str, key: &str) -> Resource {
    hcl::resource(ENV, label).template("web").s3("bundles", key)
}

each_cli!(async reserved_tag_keys_are_refused_at_plan_without_any_api_call);
async fn reserved_tag_keys_are_refused_at_plan_without_any_api_call(cli: Cli) {
    let mut acc = Acc::new(cli);
    acc.endpoint.reset_counters();
    let tagged = |key: &str, value: &str| {
        env_version("v", "a.tar.gz").extra(&format!("tags = {{ \"{key}\" = \"{value}\" }}"))
    };
    for (body, path) in [
        (
            tagged(SOURCE_TAG, "s3://bundles/spoofed.tar.gz"),
            SOURCE_TAG,
        ),
        (
            tagged("Terraform-Provider-Proton:other", "x"),
            "Terraform-Provider-Proton:other",
        ),
        (tagged("AWS:bar", "x"), "AWS:bar"),
        (
            hcl::resource("proton_environment_template", "t")
                .name("t")
                .extra(&format!("tags = {{ \"{SOURCE_TAG}\" = \"x\" }}")),
            SOURCE_TAG,
        ),
    ] {
        acc.config(&body.to_string());
        let plan = acc.plan();
        assert_eq!(plan.code, 1, "{cli}: {body}: {}", plan.stdout);
        let text = flat(&plan.stderr);
        assert!(
            text.contains("Reserved prefix") && text.contains(path),
            "{cli}: {body}: {text}"
        );
    }
    // The same in the provider's default_tags.
    for key in [SOURCE_TAG, "AWS:bar"] {
        acc.provider_extra(&format!(
            "  default_tags {{\n    tags = {{ \"{key}\" = \"x\" }}\n  }}\n"
        ));
        acc.config(&env_version("v", "a.tar.gz").to_string());
        let plan = acc.plan();
        assert_eq!(plan.code, 1, "{cli}: default_tags {key}: {}", plan.stdout);
        let text = flat(&plan.stderr);
        assert!(
            text.contains("Reserved prefix") && text.contains(key),
            "{cli}: default_tags {key}: {text}"
        );
    }
    assert_eq!(acc.endpoint.total_requests(), 0, "{cli}");
}

/// `terraform import ADDRESS ID`, which must succeed.
fn import(acc: &Acc, address: &str, id: &str) {
    acc.work
        .run(&["import", "-no-color", "-input=false", address, id])
        .assert_ok("import");
}

each_cli!(async a_missing_bookkeeping_tag_is_written_again);
async fn a_missing_bookkeeping_tag_is_written_again(cli: Cli) {
    let acc = Acc::with_web_template(cli, &["a.tar.gz"]).await;
    let address = format!("{ENV}.v");
    let config = env_version("v", "a.tar.gz").description("mine").to_string();
    acc.step(&config);
    let arn = acc.attr(&address, "arn");
    assert_eq!(
        acc.endpoint.source_tag(&arn).await.as_deref(),
        Some("s3://bundles/a.tar.gz")
    );

    // Removed out of band: the next apply writes it again, in place.
    acc.endpoint
        .client
        .untag_resource()
        .resource_arn(&arn)
        .tag_keys(SOURCE_TAG)
        .send()
        .await
        .unwrap();
    let plan = acc.plan();
    assert_eq!(plan.code, 2, "{cli}: {}\n{}", plan.stdout, plan.stderr);
    assert!(
        plan.stdout.contains("1 to change, 0 to destroy"),
        "{cli}: {}",
        plan.stdout
    );
    acc.step(&config);
    assert_eq!(
        acc.endpoint.source_tag(&arn).await.as_deref(),
        Some("s3://bundles/a.tar.gz"),
        "{cli}: the bookkeeping tag was not written again"
    );
    assert_eq!(acc.attr(&address, "id"), "web:1.0");

    acc.destroy();
    assert!(acc.endpoint.versions(Environment, "web").await.is_empty());
}

each_cli!(async an_adopted_version_records_its_source_so_a_later_import_restores_it);
/// A version made outside Terraform and adopted: its first apply records
/// the configured source, so a later import restores it.
async fn an_adopted_version_records_its_source_so_a_later_import_restores_it(cli: Cli) {
    let acc = Acc::with_web_template(cli, &["b.tar.gz"]).await;
    acc.endpoint
        .create_environment_version_outside("web", "b.tar.gz")
        .await;
    let address = format!("{ENV}.w");
    let adopted = env_version("w", "b.tar.gz").to_string();
    acc.config(&adopted);
    import(&acc, &address, "web:1.0");
    acc.step(&adopted);
    let adopted_arn = acc.attr(&address, "arn");
    assert_eq!(
        acc.endpoint.source_tag(&adopted_arn).await.as_deref(),
        Some("s3://bundles/b.tar.gz"),
        "{cli}: the adopted version's source was not recorded"
    );
    acc.work
        .run(&["state", "rm", &address])
        .assert_ok("state rm");
    import(&acc, &address, "web:1.0");
    acc.assert_no_changes();

    acc.destroy();
    assert!(acc.endpoint.versions(Environment, "web").await.is_empty());
}

// (An ARN of another region imports from that region: `acc_region`.)
each_cli!(async imports_of_another_account_or_partition_are_refused);
async fn imports_of_another_account_or_partition_are_refused(cli: Cli) {
    let acc = Acc::new(cli);
    acc.endpoint.create_template(Environment, "web").await;
    acc.endpoint.create_template(Service, "api").await;
    acc.endpoint
        .write_bundle(Environment, "bundles", "a.tar.gz");
    acc.endpoint
        .create_environment_version_outside("web", "a.tar.gz")
        .await;
    acc.config(&format!(
        "{}{}{}",
        hcl::resource("proton_environment_template", "web").name("web"),
        hcl::resource("proton_service_template", "api")
            .name("api")
            .string("pipeline_provisioning", "CUSTOMER_MANAGED"),
        env_version("v", "a.tar.gz")
    ));
    let version = format!("{ENV}.v");
    let cases = [
        (
            "proton_environment_template.web",
            "arn:aws:proton:us-east-1:999999999999:environment-template/web",
            ["999999999999", "123456789012"],
        ),
        (
            "proton_service_template.api",
            "arn:aws-cn:proton:us-east-1:123456789012:service-template/api",
            ["aws-cn", "`aws`"],
        ),
        (
            "proton_service_template.api",
            "arn:aws:proton:us-east-1:999999999999:service-template/api",
            ["999999999999", "123456789012"],
        ),
        (
            &*version,
            "arn:aws:proton:us-east-1:999999999999:environment-template/web:1.0",
            ["999999999999", "123456789012"],
        ),
        (
            &*version,
            "arn:aws-us-gov:proton:us-east-1:123456789012:environment-template/web:1.0",
            ["aws-us-gov", "`aws`"],
        ),
    ];
    for (address, id, named) in cases {
        let run = acc
            .work
            .run(&["import", "-no-color", "-input=false", address, id]);
        assert_eq!(run.code, 1, "{cli}: import {id} succeeded:\n{}", run.stdout);
        let text = flat(&run.stderr);
        for name in named {
            assert!(
                text.contains(name),
                "{cli}: import {id}: {name} not named in: {text}"
            );
        }
        let show = acc.work.run(&["state", "list"]);
        assert!(
            show.stdout.trim().is_empty(),
            "{cli}: {id} reached state: {}",
            show.stdout
        );
    }
    // The provider's own account and partition still import.
    acc.work
        .run(&[
            "import",
            "-no-color",
            "-input=false",
            &version,
            "arn:aws:proton:us-east-1:123456789012:environment-template/web:1.0",
        ])
        .assert_ok("import");
}

/// A listener that accepts connections and hands each to `handle`;
/// returns its URL and the number of connections accepted so far.
fn listener(handle: fn(std::net::TcpStream)) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            counter.fetch_add(1, Ordering::SeqCst);
            std::thread::spawn(move || handle(stream));
        }
    });
    (url, accepted)
}

/// One version against `url`, with `extra` provider settings.
fn unreachable_workdir(cli: Cli, url: &str, extra: &str) -> Workdir {
    let work = Workdir::new(cli);
    work.write_config(&format!(
        "provider \"proton\" {{\n  region     = \"us-east-1\"\n  access_key = \"test\"\n  secret_key = \"test\"\n{extra}  endpoints {{\n    proton = \"{url}\"\n  }}\n}}\n{}",
        env_version("v", "a.tar.gz")
    ));
    work.init();
    work
}

each_cli!(dead_and_stalled_endpoints_are_given_up_on_after_few_attempts);
fn dead_and_stalled_endpoints_are_given_up_on_after_few_attempts(cli: Cli) {
    // Dead: accepts and closes at once, without a response. With default
    // settings the provider gives up after a few attempts, naming it.
    let (dead, accepted) = listener(drop);
    let work = unreachable_workdir(cli, &dead, "");
    let run = work.run(&["apply", "-auto-approve", "-no-color", "-input=false"]);
    assert_eq!(run.code, 1, "{cli}: {}", run.stdout);
    let text = flat(&run.stderr);
    assert!(text.contains(&dead), "{cli}: {dead} not named: {text}");
    let attempts = accepted.load(Ordering::SeqCst);
    assert!(
        (1..=3).contains(&attempts),
        "{cli}: {attempts} attempts at an endpoint that never answers: {text}"
    );
    assert!(text.contains("attempts"), "{cli}: {text}");

    // Stalled: accepts and never answers. The configured attempt timeout
    // is used and named.
    let (stalled, accepted) = listener(|mut stream| {
        let mut sink = Vec::new();
        let _ = stream.read_to_end(&mut sink);
    });
    let work = unreachable_workdir(
        cli,
        &stalled,
        "  attempt_timeout = \"1s\"\n  connect_timeout = \"2s\"\n",
    );
    let run = work.run(&["apply", "-auto-approve", "-no-color", "-input=false"]);
    assert_eq!(run.code, 1, "{cli}: {}", run.stdout);
    let text = flat(&run.stderr);
    assert!(
        text.contains(&stalled) && text.contains("attempt timeout") && text.contains("1s"),
        "{cli}: {text}"
    );
    let attempts = accepted.load(Ordering::SeqCst);
    assert!((1..=3).contains(&attempts), "{cli}: {attempts}: {text}");

    // Bad timeout values are plan-time errors on the attribute.
    let work = unreachable_workdir(cli, &stalled, "  attempt_timeout = \"soon\"\n");
    let plan = work.run(&["plan", "-no-color", "-input=false"]);
    assert_eq!(plan.code, 1, "{cli}: {}", plan.stdout);
    assert!(
        flat(&plan.stderr).contains("attempt_timeout"),
        "{cli}: {}",
        plan.stderr
    );
}

each_cli!(a_profile_that_does_not_exist_is_named);
fn a_profile_that_does_not_exist_is_named(cli: Cli) {
    let empty = tempfile::NamedTempFile::new().unwrap();
    let file = empty.path().display().to_string();
    let work = Workdir::new(cli);
    work.write_config(&format!(
        "provider \"proton\" {{\n  region  = \"us-east-1\"\n  profile = \"nope\"\n  shared_config_files      = [\"{file}\"]\n  shared_credentials_files = [\"{file}\"]\n  endpoints {{\n    proton = \"http://127.0.0.1:9\"\n  }}\n}}\n{}",
        env_version("v", "a.tar.gz")
    ));
    work.init();
    let plan = work.run_with_env(
        &["plan", "-no-color", "-input=false"],
        &[("AWS_EC2_METADATA_DISABLED", "false")],
    );
    assert_eq!(plan.code, 1, "{cli}: {}", plan.stdout);
    let text = flat(&plan.stderr);
    assert!(
        text.contains("profile `nope`") && text.contains("not found"),
        "{cli}: {text}"
    );
    assert!(!text.contains("IMDS"), "{cli}: {text}");
}

each_cli!(async in_place_updates_plan_only_what_they_can_change);
async fn in_place_updates_plan_only_what_they_can_change(cli: Cli) {
    let acc = Acc::new(cli);
    acc.endpoint
        .write_bundle(Environment, "bundles", "a.tar.gz");
    let config = |description: &str, status: &str| {
        format!(
            "{}{}",
            hcl::resource("proton_environment_template", "web")
                .name("web")
                .description(description),
            hcl::resource(ENV, "v")
                .template_of("proton_environment_template.web")
                .description(description)
                .status(status)
                .s3("bundles", "a.tar.gz"),
        )
    };
    acc.step(&config("one", "PUBLISHED"));
    // The template learns its recommended version on refresh.
    acc.work
        .run(&["refresh", "-no-color", "-input=false"])
        .assert_ok("refresh");
    assert_eq!(
        acc.attr("proton_environment_template.web", "recommended_version"),
        "1.0"
    );
    acc.config(&config("two", "PUBLISHED"));
    let plan = acc.plan();
    assert_eq!(plan.code, 2, "{cli}: {}\n{}", plan.stdout, plan.stderr);
    for line in plan.stdout.lines() {
        assert!(
            !(line.contains("known after apply")
                && (line.contains("recommended_minor_version")
                    || line.contains("recommended_version")
                    || line.contains("status_message"))),
            "{cli}: {line}\n{}",
            plan.stdout
        );
    }
    acc.step(&config("two", "PUBLISHED"));
    assert_eq!(
        acc.attr(&format!("{ENV}.v"), "recommended_minor_version"),
        "0"
    );
    acc.destroy();
}

each_cli!(async a_version_whose_registration_failed_is_not_imported);
async fn a_version_whose_registration_failed_is_not_imported(cli: Cli) {
    let acc = Acc::with_web_template(cli, &[]).await;
    acc.endpoint
        .write_broken_bundle(Environment, "bundles", "broken.tar.gz");
    acc.endpoint
        .create_environment_version_outside("web", "broken.tar.gz")
        .await;
    let run = if cli.has_import_blocks() {
        acc.config(
            "import {\n  to = proton_environment_template_version.v\n  id = \"web:1.0\"\n}\n",
        );
        acc.work.run(&[
            "plan",
            "-no-color",
            "-input=false",
            "-generate-config-out=generated.tf",
        ])
    } else {
        acc.config(&env_version("v", "broken.tar.gz").to_string());
        acc.work.run(&[
            "import",
            "-no-color",
            "-input=false",
            &format!("{ENV}.v"),
            "web:1.0",
        ])
    };
    assert_eq!(run.code, 1, "{cli}: {}", run.stdout);
    let text = flat(&run.stderr);
    assert!(
        text.contains("REGISTRATION_FAILED") && text.contains("web:1.0") && text.contains("delete"),
        "{cli}: {text}"
    );
    // The generated configuration, if any, is not one the provider rejects.
    let generated = acc.work.config_dir().join("generated.tf");
    if let Ok(text) = std::fs::read_to_string(&generated) {
        assert!(!text.contains("REGISTRATION_FAILED"), "{cli}: {text}");
    }
}

each_cli!(async unknown_default_tags_say_what_to_do);
async fn unknown_default_tags_say_what_to_do(cli: Cli) {
    let mut acc = Acc::new(cli);
    acc.provider_extra(
        "  default_tags {\n    tags = { owner = proton_environment_template.seed.arn }\n  }\n",
    );
    let seed = acc.endpoint.provider_block("  alias = \"seed\"\n");
    acc.config(&format!(
        "{seed}\nresource \"proton_environment_template\" \"seed\" {{\n  provider = proton.seed\n  name     = \"seed\"\n}}\n\nresource \"proton_environment_template\" \"t\" {{\n  name = \"t\"\n}}\n"
    ));
    let plan = acc.plan();
    assert_eq!(plan.code, 1, "{cli}: {}", plan.stdout);
    let text = flat(&plan.stderr);
    assert!(
        text.contains("default_tags")
            && text.contains("owner")
            && text.contains("known at plan time")
            && text.contains("-target"),
        "{cli}: {text}"
    );
}

each_cli!(async diagnostics_read_well);
async fn diagnostics_read_well(cli: Cli) {
    let acc = Acc::with_web_template(cli, &[]).await;
    acc.endpoint
        .write_broken_bundle(Environment, "bundles", "broken.tar.gz");
    let version = || env_version("v", "broken.tar.gz");
    acc.config(&version().to_string());

    // The article before "environment".
    let run = acc.work.run(&[
        "import",
        "-no-color",
        "-input=false",
        &format!("{ENV}.v"),
        "arn:aws:proton:us-east-1:123456789012:service-template/api:1.0",
    ]);
    assert_eq!(run.code, 1, "{cli}: {}", run.stdout);
    let text = flat(&run.stderr);
    assert!(
        text.contains("an environment template version") && !text.contains("a environment"),
        "{cli}: {text}"
    );

    // A major version that is too long says so.
    acc.config(&version().major("123456789012345678901").to_string());
    let plan = acc.plan();
    assert_eq!(plan.code, 1, "{cli}: {}", plan.stdout);
    let text = flat(&plan.stderr);
    assert!(
        text.contains("major_version") && text.contains("20") && !text.contains("leading zeros"),
        "{cli}: {text}"
    );

    // A failed registration's message ends with one period.
    acc.config(&version().to_string());
    let apply = acc.apply();
    assert_eq!(apply.code, 1, "{cli}: {}", apply.stdout);
    let text = flat(&apply.stderr);
    assert!(
        text.contains("registration failed") && !text.contains(".."),
        "{cli}: {text}"
    );
}
