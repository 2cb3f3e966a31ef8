//! The version resources under both real Terraform CLIs against proton-local.
//! Every step applies and then requires an empty plan; every test ends with
//! the endpoint holding none of the versions it created (checked through
//! the API, not the state).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(deprecated)]

mod support;

use support::acc::Acc;
use support::proton_local::Options;
use support::terraform::Cli;

const ENV: &str = "proton_environment_template_version";

fn env_version(name: &str, template: &str, key: &str, extra: &str) -> String {
    format!(
        r#"
resource "{ENV}" "{name}" {{
  template_name = "{template}"
  source {{
    s3 {{
      bucket = "bundles"
      key    = "{key}"
    }}
  }}
{extra}
}}
"#
    )
}

each_cli!(async environment_version_lifecycle_update_publish_and_import);
async fn environment_version_lifecycle_update_publish_and_import(cli: Cli) {
    let acc = Acc::new(cli);
    acc.endpoint.create_environment_template("web").await;
    acc.endpoint
        .write_environment_bundle("bundles", "web-v1.tar.gz", true);
    let address = format!("{ENV}.v");

    acc.step(&env_version(
        "v",
        "web",
        "web-v1.tar.gz",
        r#"  description = "first""#,
    ));
    let created = acc.attributes(&address);
    assert_eq!(created["id"], "web:1.0");
    assert_eq!(created["major_version"], "1");
    assert_eq!(created["minor_version"], "0");
    assert_eq!(created["status"], "DRAFT");
    assert_eq!(created["description"], "first");
    assert!(created["status_message"].is_null());
    assert!(created["schema"]
        .as_str()
        .unwrap()
        .contains("environment_input_type"));
    assert_eq!(
        created["arn"],
        "arn:aws:proton:us-east-1:123456789012:environment-template/web:1.0"
    );
    assert!(created["created_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(created["tags_all"], serde_json::json!({}));

    // Description updates in place: same id, same creation time.
    acc.step(&env_version(
        "v",
        "web",
        "web-v1.tar.gz",
        r#"  description = "second""#,
    ));
    let updated = acc.attributes(&address);
    assert_eq!(updated["id"], "web:1.0");
    assert_eq!(updated["created_at"], created["created_at"]);
    assert_eq!(updated["description"], "second");

    // Publishing is in place too, and makes it the recommended version.
    acc.step(&env_version(
        "v",
        "web",
        "web-v1.tar.gz",
        "  description = \"second\"\n  status = \"PUBLISHED\"",
    ));
    let published = acc.attributes(&address);
    assert_eq!(published["id"], "web:1.0");
    assert_eq!(published["status"], "PUBLISHED");
    assert_eq!(published["recommended_minor_version"], "0");

    // Proton cannot unpublish: a plan-time warning on the attribute (an
    // error would block `terraform destroy`, see acc_lifecycle_status), and
    // the apply fails.
    acc.config(&env_version(
        "v",
        "web",
        "web-v1.tar.gz",
        "  description = \"second\"\n  status = \"DRAFT\"",
    ));
    let warned = acc.plan();
    let text = format!("{}{}", warned.stdout, warned.stderr);
    assert_eq!(warned.code, 2, "{text}");
    assert!(text.contains("Warning: Cannot unpublish"), "{text}");
    let refused = acc.apply();
    assert_eq!(refused.code, 1);
    assert!(
        refused.stderr.contains("Error: Cannot unpublish"),
        "{}",
        refused.stderr
    );

    // Import by id and by ARN: the original configuration plans no changes.
    let config = env_version(
        "v",
        "web",
        "web-v1.tar.gz",
        "  description = \"second\"\n  status = \"PUBLISHED\"",
    );
    acc.config(&config);
    for id in [
        "web:1.0",
        "arn:aws:proton:us-east-1:123456789012:environment-template/web:1.0",
    ] {
        acc.work
            .run(&["state", "rm", &address])
            .assert_ok("state rm");
        acc.work
            .run(&["import", "-no-color", "-input=false", &address, id])
            .assert_ok("import");
        acc.assert_no_changes();
        let imported = acc.attributes(&address);
        for attribute in [
            "id",
            "arn",
            "status",
            "description",
            "schema",
            "created_at",
            "source",
        ] {
            assert_eq!(
                imported[attribute], published[attribute],
                "{attribute} after import of {id}"
            );
        }
    }

    // Importing something that does not exist is a clear error.
    acc.work
        .run(&["state", "rm", &address])
        .assert_ok("state rm");
    let missing = acc
        .work
        .run(&["import", "-no-color", "-input=false", &address, "web:9.0"]);
    assert_eq!(missing.code, 1);
    assert!(
        missing.stderr.contains("non-existent"),
        "{}",
        missing.stderr
    );
    let malformed = acc
        .work
        .run(&["import", "-no-color", "-input=false", &address, "web-1.0"]);
    assert_eq!(malformed.code, 1);
    assert!(
        malformed.stderr.contains("TEMPLATE_NAME:MAJOR.MINOR"),
        "{}",
        malformed.stderr
    );
    acc.work
        .run(&["import", "-no-color", "-input=false", &address, "web:1.0"])
        .assert_ok("import");

    acc.destroy();
    assert!(acc.endpoint.environment_versions("web").await.is_empty());
}

each_cli!(async service_version_with_compatible_environment_templates);
async fn service_version_with_compatible_environment_templates(cli: Cli) {
    let acc = Acc::new(cli);
    acc.endpoint.create_environment_template("net").await;
    acc.endpoint.create_environment_template("db").await;
    acc.endpoint.create_service_template("api").await;
    acc.endpoint
        .write_environment_bundle("bundles", "env.tar.gz", true);
    acc.endpoint.write_service_bundle("bundles", "svc.tar.gz");
    let service = |order: [&str; 2], extra: &str| {
        format!(
            r#"
{net}
{db}
resource "proton_service_template_version" "svc" {{
  template_name = "api"
  description   = "service"
  compatible_environment_template {{
    template_name = {first}.template_name
    major_version = {first}.major_version
  }}
  compatible_environment_template {{
    template_name = {second}.template_name
    major_version = {second}.major_version
  }}
  source {{
    s3 {{
      bucket = "bundles"
      key    = "svc.tar.gz"
    }}
  }}
{extra}
}}
"#,
            net = env_version("net", "net", "env.tar.gz", "  status = \"PUBLISHED\""),
            db = env_version("db", "db", "env.tar.gz", "  status = \"PUBLISHED\""),
            first = format!("{ENV}.{}", order[0]),
            second = format!("{ENV}.{}", order[1]),
        )
    };
    acc.step(&service(["net", "db"], ""));
    let svc = acc.attributes("proton_service_template_version.svc");
    assert_eq!(svc["id"], "api:1.0");
    assert_eq!(
        svc["compatible_environment_template"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert!(svc["supported_component_sources"].is_null());
    assert!(svc["schema"]
        .as_str()
        .unwrap()
        .contains("service_input_type"));

    // Block order never makes a diff.
    acc.config(&service(["db", "net"], ""));
    acc.assert_no_changes();

    // The service-only attributes update in place.
    acc.step(&service(
        ["db", "net"],
        "  supported_component_sources = [\"DIRECTLY_DEFINED\"]",
    ));
    let updated = acc.attributes("proton_service_template_version.svc");
    assert_eq!(updated["id"], "api:1.0");
    assert_eq!(
        updated["supported_component_sources"],
        serde_json::json!(["DIRECTLY_DEFINED"])
    );

    acc.destroy();
    assert!(acc.endpoint.service_versions("api").await.is_empty());
    assert!(acc.endpoint.environment_versions("net").await.is_empty());
    assert!(acc.endpoint.environment_versions("db").await.is_empty());
}

each_cli!(async source_change_replaces_the_version);
async fn source_change_replaces_the_version(cli: Cli) {
    let acc = Acc::new(cli);
    acc.endpoint.create_environment_template("web").await;
    acc.endpoint
        .write_environment_bundle("bundles", "a.tar.gz", true);
    acc.endpoint
        .write_environment_bundle("bundles", "b.tar.gz", true);
    acc.endpoint
        .write_environment_bundle("bundles", "c.tar.gz", true);
    let address = format!("{ENV}.v");

    // Default ordering: destroy, then create a new major version.
    acc.step(&env_version(
        "v",
        "web",
        "a.tar.gz",
        "  status = \"PUBLISHED\"",
    ));
    assert_eq!(acc.attr(&address, "id"), "web:1.0");
    acc.config(&env_version(
        "v",
        "web",
        "b.tar.gz",
        "  status = \"PUBLISHED\"",
    ));
    let plan = acc.plan();
    assert_eq!(plan.code, 2);
    assert!(plan.stdout.contains("must be replaced"), "{}", plan.stdout);
    acc.step(&env_version(
        "v",
        "web",
        "b.tar.gz",
        "  status = \"PUBLISHED\"",
    ));
    assert_eq!(acc.attr(&address, "id"), "web:2.0");
    assert_eq!(acc.endpoint.environment_versions("web").await, vec!["2.0"]);

    // create_before_destroy with a pinned major: the new minor is created and
    // published first (becoming the recommended version), then the old one,
    // no longer recommended, is deleted.
    let lifecycle = "  status = \"PUBLISHED\"\n  major_version = \"2\"\n  lifecycle {\n    create_before_destroy = true\n  }";
    acc.step(&env_version("v", "web", "b.tar.gz", lifecycle));
    assert_eq!(acc.attr(&address, "id"), "web:2.0");
    acc.step(&env_version("v", "web", "c.tar.gz", lifecycle));
    assert_eq!(acc.attr(&address, "id"), "web:2.1");
    assert_eq!(acc.endpoint.environment_versions("web").await, vec!["2.1"]);

    acc.destroy();
    assert!(acc.endpoint.environment_versions("web").await.is_empty());
}

each_cli!(async versions_deleted_out_of_band_are_planned_again);
async fn versions_deleted_out_of_band_are_planned_again(cli: Cli) {
    let acc = Acc::new(cli);
    acc.endpoint.create_environment_template("web").await;
    acc.endpoint
        .write_environment_bundle("bundles", "a.tar.gz", true);
    let config = env_version("v", "web", "a.tar.gz", "");
    acc.step(&config);

    acc.endpoint.delete_environment_version("web", "1.0").await;
    let plan = acc.plan();
    assert_eq!(plan.code, 2, "{}", plan.stdout);
    assert!(plan.stdout.contains("will be created"), "{}", plan.stdout);
    acc.step(&config);
    assert_eq!(acc.attr(&format!("{ENV}.v"), "id"), "web:2.0");

    // The parent template disappears too: still a clean plan to create.
    acc.endpoint.delete_environment_version("web", "2.0").await;
    acc.endpoint
        .client
        .delete_environment_template()
        .name("web")
        .send()
        .await
        .unwrap();
    let plan = acc.plan();
    assert_eq!(plan.code, 2, "{}\n{}", plan.stdout, plan.stderr);
    assert!(plan.stdout.contains("will be created"), "{}", plan.stdout);
    // Applying it names the missing template.
    let apply = acc.apply();
    assert_eq!(apply.code, 1);
    assert!(
        apply.stderr.contains("ResourceNotFoundException"),
        "{}",
        apply.stderr
    );
    acc.destroy();
}

/// The user tags of `address`'s version, read through the API.
async fn remote_tags(acc: &Acc, address: &str) -> Vec<(String, String)> {
    let arn = acc.attr(address, "arn");
    let tags = acc.endpoint.tags(&arn).await;
    tags.into_iter()
        .filter(|(key, _)| {
            !key.starts_with("aws:") && !key.starts_with("terraform-provider-proton:")
        })
        .collect()
}

each_cli!(async tags_and_default_tags);
async fn tags_and_default_tags(cli: Cli) {
    let mut acc = Acc::new(cli);
    acc.endpoint.create_environment_template("web").await;
    acc.endpoint
        .write_environment_bundle("bundles", "a.tar.gz", true);
    acc.provider_extra(
        "  default_tags {\n    tags = { team = \"platform\", env = \"dev\" }\n  }\n",
    );
    let address = format!("{ENV}.v");
    let pairs = |p: &[(&str, &str)]| {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<Vec<_>>()
    };

    acc.step(&env_version(
        "v",
        "web",
        "a.tar.gz",
        "  tags = { app = \"web\" }",
    ));
    assert_eq!(
        acc.attributes(&address)["tags"],
        serde_json::json!({"app": "web"})
    );
    assert_eq!(
        acc.attributes(&address)["tags_all"],
        serde_json::json!({"app": "web", "team": "platform", "env": "dev"})
    );
    assert_eq!(
        remote_tags(&acc, &address).await,
        pairs(&[("app", "web"), ("env", "dev"), ("team", "platform")])
    );
    let id = acc.attr(&address, "id");

    // Change one, add one, override a default.
    acc.step(&env_version(
        "v",
        "web",
        "a.tar.gz",
        "  tags = { app = \"api\", owner = \"me\", env = \"prod\" }",
    ));
    assert_eq!(
        remote_tags(&acc, &address).await,
        pairs(&[
            ("app", "api"),
            ("env", "prod"),
            ("owner", "me"),
            ("team", "platform")
        ])
    );

    // Remove all own tags: only the defaults remain.
    acc.step(&env_version("v", "web", "a.tar.gz", ""));
    assert!(acc.attributes(&address)["tags"].is_null());
    assert_eq!(
        remote_tags(&acc, &address).await,
        pairs(&[("env", "dev"), ("team", "platform")])
    );
    assert_eq!(acc.attr(&address, "id"), id, "tag changes are in place");

    // Changed default tags flow into tags_all.
    acc.provider_extra("  default_tags {\n    tags = { team = \"core\" }\n  }\n");
    acc.step(&env_version("v", "web", "a.tar.gz", ""));
    assert_eq!(
        remote_tags(&acc, &address).await,
        pairs(&[("team", "core")])
    );

    acc.destroy();
    assert!(acc.endpoint.environment_versions("web").await.is_empty());
}

each_cli!(async registration_failure_taints_and_a_fixed_bundle_recovers);
async fn registration_failure_taints_and_a_fixed_bundle_recovers(cli: Cli) {
    let acc = Acc::new(cli);
    acc.endpoint.create_environment_template("web").await;
    acc.endpoint
        .write_environment_bundle("bundles", "a.tar.gz", false);
    let address = format!("{ENV}.v");
    let config = env_version("v", "web", "a.tar.gz", "");
    acc.config(&config);
    let failed = acc.apply();
    assert_eq!(failed.code, 1);
    assert!(
        failed.stderr.contains("registration failed"),
        "{}",
        failed.stderr
    );
    assert!(
        failed.stderr.contains("schema"),
        "the status message must be shown: {}",
        failed.stderr
    );
    let tainted = acc.work.run(&["show", "-no-color"]);
    assert!(tainted.stdout.contains("tainted"), "{}", tainted.stdout);
    assert_eq!(acc.attr(&address, "status"), "REGISTRATION_FAILED");

    // Fix the bundle in place: the next apply replaces the tainted version.
    acc.endpoint
        .write_environment_bundle("bundles", "a.tar.gz", true);
    acc.step(&config);
    assert_eq!(acc.attr(&address, "status"), "DRAFT");
    assert_eq!(acc.attr(&address, "id"), "web:2.0");
    assert_eq!(acc.endpoint.environment_versions("web").await, vec!["2.0"]);

    acc.destroy();
    assert!(acc.endpoint.environment_versions("web").await.is_empty());
}

each_cli!(async twenty_minors_in_parallel_then_destroyed_together);
async fn twenty_minors_in_parallel_then_destroyed_together(cli: Cli) {
    let acc = Acc::with_options(
        cli,
        Options {
            registration_delay: Some("300ms"),
            ..Default::default()
        },
    );
    acc.endpoint.create_environment_template("web").await;
    acc.endpoint
        .write_environment_bundle("bundles", "base.tar.gz", true);
    for i in 0..20 {
        acc.endpoint
            .write_environment_bundle("bundles", &format!("minor-{i}.tar.gz"), true);
    }
    let base = env_version("base", "web", "base.tar.gz", "  status = \"PUBLISHED\"");
    acc.step(&base);
    // Every minor is published, so the highest becomes the recommended
    // version, which Proton deletes only last: destroying them all together
    // exercises the conflict retry.
    let minors = format!(
        r#"
resource "{ENV}" "minor" {{
  count         = 20
  template_name = "web"
  major_version = "1"
  status        = "PUBLISHED"
  source {{
    s3 {{
      bucket = "bundles"
      key    = "minor-${{count.index}}.tar.gz"
    }}
  }}
}}
"#
    );
    acc.step(&format!("{base}\n{minors}"));
    let mut versions = acc.endpoint.environment_versions("web").await;
    versions.sort();
    let mut expected: Vec<String> = (0..=20).map(|m| format!("1.{m}")).collect();
    expected.sort();
    assert_eq!(versions, expected, "unique, consecutive minors");

    acc.destroy();
    assert!(acc.endpoint.environment_versions("web").await.is_empty());
}

each_cli!(async bad_input_fails_at_plan_without_any_api_call);
async fn bad_input_fails_at_plan_without_any_api_call(cli: Cli) {
    let acc = Acc::new(cli);
    acc.endpoint.create_environment_template("web").await;
    let service = |inner: &str| {
        format!(
            r#"
resource "proton_service_template_version" "bad" {{
  template_name = "api"
  source {{
    s3 {{
      bucket = "bundles"
      key    = "svc.tar.gz"
    }}
  }}
{inner}
}}
"#
        )
    };
    let compatible = "  compatible_environment_template {\n    template_name = \"web\"\n    major_version = \"1\"\n  }\n";
    let cases: Vec<(&str, String, &str)> = vec![
        ("template name pattern", env_version("bad", "not valid!", "a.tar.gz", ""), "template_name"),
        ("template name length", env_version("bad", &"x".repeat(101), "a.tar.gz", ""), "template_name"),
        ("major version", env_version("bad", "web", "a.tar.gz", "  major_version = \"01\""), "major_version"),
        ("description length", env_version("bad", "web", "a.tar.gz", &format!("  description = \"{}\"", "d".repeat(501))), "description"),
        ("status enum", env_version("bad", "web", "a.tar.gz", "  status = \"ARCHIVED\""), "status"),
        ("bucket name", env_version("bad", "web", "a.tar.gz", "").replace("\"bundles\"", "\"Bad_Bucket\""), "bucket"),
        ("empty key", env_version("bad", "web", "", ""), "key"),
        ("reserved tag", env_version("bad", "web", "a.tar.gz", "  tags = { \"aws:x\" = \"y\" }"), "tags"),
        ("tag value length", env_version("bad", "web", "a.tar.gz", &format!("  tags = {{ a = \"{}\" }}", "v".repeat(257))), "tags"),
        ("timeout duration", env_version("bad", "web", "a.tar.gz", "  timeouts {\n    create = \"soon\"\n  }"), "create"),
        ("component source", service(&format!("{compatible}  supported_component_sources = [\"NOPE\"]")), "supported_component_sources"),
        ("compatible major", service("  compatible_environment_template {\n    template_name = \"web\"\n    major_version = \"x\"\n  }\n"), "major_version"),
        ("too many compatible", service(&compatible.repeat(11).replace("\"1\"", "\"${1}\"")), "compatible_environment_template"),
        ("missing source", "resource \"proton_environment_template_version\" \"bad\" {\n  template_name = \"web\"\n}\n".to_string(), "source"),
    ];
    for (name, config, mentions) in cases {
        acc.endpoint.reset_counters();
        acc.config(&config);
        let plan = acc.plan();
        assert_eq!(plan.code, 1, "{name}: plan must fail:\n{}", plan.stdout);
        assert!(
            plan.stderr.contains(mentions),
            "{name}: error must name {mentions}:\n{}",
            plan.stderr
        );
        assert_eq!(
            acc.endpoint.total_requests(),
            0,
            "{name}: no API call may be made"
        );
    }
    // A bad provider setting, too.
    acc.config(&format!(
        "{}\nprovider \"proton\" {{\n  alias = \"bad\"\n  max_retries = 1000\n}}\nresource \"{ENV}\" \"p\" {{\n  provider = proton.bad\n  template_name = \"web\"\n  source {{\n    s3 {{\n      bucket = \"bundles\"\n      key = \"a.tar.gz\"\n    }}\n  }}\n}}\n",
        ""
    ));
    acc.endpoint.reset_counters();
    let plan = acc.plan();
    assert_eq!(plan.code, 1, "{}", plan.stdout);
    assert!(plan.stderr.contains("max_retries"), "{}", plan.stderr);
    assert_eq!(acc.endpoint.total_requests(), 0);
}

each_cli!(async wrong_credentials_are_a_clear_error);
async fn wrong_credentials_are_a_clear_error(cli: Cli) {
    let acc = Acc::new(cli);
    acc.endpoint.create_environment_template("web").await;
    acc.endpoint
        .write_environment_bundle("bundles", "a.tar.gz", true);
    let config = env_version("v", "web", "a.tar.gz", "");
    acc.work.write_config(&format!(
        "{}\n{config}",
        acc.endpoint
            .provider_block("")
            .replace("secret_key = \"test\"", "secret_key = \"wrong\"")
    ));
    let apply = acc.apply();
    assert_eq!(apply.code, 1);
    assert!(
        apply.stderr.contains("InvalidSignatureException"),
        "{}",
        apply.stderr
    );
    assert!(
        apply
            .stderr
            .contains("Unable to create environment template version"),
        "{}",
        apply.stderr
    );
    assert!(acc.endpoint.environment_versions("web").await.is_empty());
}

each_cli!(async for_each_and_values_known_only_after_apply);
async fn for_each_and_values_known_only_after_apply(cli: Cli) {
    let acc = Acc::new(cli);
    acc.endpoint.create_environment_template("web").await;
    acc.endpoint
        .write_environment_bundle("bundles", "base.tar.gz", true);
    acc.endpoint
        .write_environment_bundle("bundles", "a.tar.gz", true);
    acc.endpoint
        .write_environment_bundle("bundles", "b.tar.gz", true);
    // The minors reference the base's major version and ARN, unknown until
    // the base exists: validation skips them and the plan shows them unknown.
    let config = format!(
        r#"
{base}
resource "{ENV}" "minor" {{
  for_each      = toset(["a", "b"])
  template_name = "web"
  major_version = {ENV}.base.major_version
  description   = "minor ${{each.key}} of ${{{ENV}.base.arn}}"
  source {{
    s3 {{
      bucket = "bundles"
      key    = "${{each.key}}.tar.gz"
    }}
  }}
}}
"#,
        base = env_version("base", "web", "base.tar.gz", "")
    );
    acc.config(&config);
    let plan = acc.plan();
    assert_eq!(plan.code, 2, "{}", plan.stderr);
    assert!(plan.stdout.contains("3 to add"), "{}", plan.stdout);
    acc.step(&config);
    let a = acc.attributes(&format!("{ENV}.minor[\"a\"]"));
    assert_eq!(a["major_version"], "1");
    assert_eq!(
        a["description"],
        "minor a of arn:aws:proton:us-east-1:123456789012:environment-template/web:1.0"
    );
    let mut versions = acc.endpoint.environment_versions("web").await;
    versions.sort();
    assert_eq!(versions, vec!["1.0", "1.1", "1.2"]);
    acc.destroy();
    assert!(acc.endpoint.environment_versions("web").await.is_empty());
}

each_cli!(async skip_destroy_forgets_the_version_and_leaves_it_in_proton);
async fn skip_destroy_forgets_the_version_and_leaves_it_in_proton(cli: Cli) {
    let acc = Acc::new(cli);
    acc.endpoint.create_environment_template("web").await;
    acc.endpoint
        .write_environment_bundle("bundles", "a.tar.gz", true);
    acc.step(&env_version(
        "v",
        "web",
        "a.tar.gz",
        "  skip_destroy = true",
    ));
    acc.destroy();
    assert_eq!(acc.endpoint.environment_versions("web").await, vec!["1.0"]);
    // Clean up what the test created.
    acc.endpoint.delete_environment_version("web", "1.0").await;
    assert!(acc.endpoint.environment_versions("web").await.is_empty());
}

each_cli!(async unknown_values_arrive_refined_from_terraform_1_6_on);
/// Terraform 1.6+ sends an unknown it knows something about (here a string
/// prefix, and not null) as a refined unknown, msgpack extension 12; older
/// CLIs send a plain unknown. Either plans, and the provider sees which.
async fn unknown_values_arrive_refined_from_terraform_1_6_on(cli: Cli) {
    let acc = Acc::new(cli);
    acc.endpoint
        .write_environment_bundle("bundles", "a.tar.gz", true);
    acc.config(&format!(
        r#"
resource "proton_environment_template" "web" {{
  name = "web"
}}

resource "{ENV}" "v" {{
  template_name = proton_environment_template.web.name
  description   = "version of ${{proton_environment_template.web.arn}}"
  source {{
    s3 {{
      bucket = "bundles"
      key    = "a.tar.gz"
    }}
  }}
}}
"#
    ));
    let plan = acc.work.run_with_env(
        &["plan", "-no-color", "-input=false", "-detailed-exitcode"],
        &[("TF_LOG_PROVIDER", "trace")],
    );
    assert_eq!(plan.code, 2, "{cli}: {}\n{}", plan.stdout, plan.stderr);
    assert!(plan.stdout.contains("2 to add"), "{cli}: {}", plan.stdout);
    let refined = plan.stderr.contains("refined unknown received");
    assert_eq!(
        refined,
        cli.at_least(1, 6),
        "{cli}: refined unknowns seen: {refined}\n{}",
        plan.stderr
    );
}
