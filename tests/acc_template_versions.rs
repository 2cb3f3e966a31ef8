//! The version resources under both real Terraform CLIs against proton-local.
//! Every step applies and then requires an empty plan; every test that
//! applies ends with the endpoint holding none of the versions it created
//! (checked through the API, not the state).
#![allow(deprecated)]

use crate::support;

use support::acc::Acc;
use support::hcl::{self, Resource, CREATE_BEFORE_DESTROY};
use support::proton_local::Options;
use support::proton_local::TemplateKind::{Environment, Service};
use support::terraform::Cli;

const ENV: &str = "proton_environment_template_version";
const SVC: &str = "proton_service_template_version";
const V: &str = "proton_environment_template_version.v";
const WEB_1_0_ARN: &str = "arn:aws:proton:us-east-1:123456789012:environment-template/web:1.0";

/// Version `label` of the template `template`, from `s3://bundles/KEY`.
fn env_version(label: &str, template: &str, key: &str) -> Resource {
    hcl::resource(ENV, label)
        .template(template)
        .s3("bundles", key)
}

/// Destroys everything, then checks through the API that the environment
/// templates `templates` have no version left.
async fn destroy_leaves_no_version(acc: &Acc, templates: &[&str]) {
    acc.destroy();
    for template in templates {
        let left = acc.endpoint.versions(Environment, template).await;
        assert!(left.is_empty(), "{template}: {left:?} left");
    }
}

each_cli!(async a_new_version_is_a_draft_with_every_attribute_read_back);
async fn a_new_version_is_a_draft_with_every_attribute_read_back(cli: Cli) {
    let acc = Acc::with_web_template(cli, &["web-v1.tar.gz"]).await;
    acc.step(
        &env_version("v", "web", "web-v1.tar.gz")
            .description("first")
            .to_string(),
    );
    let created = acc.attributes(V);
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
    assert_eq!(created["arn"], WEB_1_0_ARN);
    assert!(created["created_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(created["tags_all"], serde_json::json!({}));
    destroy_leaves_no_version(&acc, &["web"]).await;
}

each_cli!(async description_and_publishing_update_the_version_in_place);
async fn description_and_publishing_update_the_version_in_place(cli: Cli) {
    let acc = Acc::with_web_template(cli, &["web-v1.tar.gz"]).await;
    let version = || env_version("v", "web", "web-v1.tar.gz");
    acc.step(&version().description("first").to_string());
    let created = acc.attributes(V);

    // Description updates in place: same id, same creation time.
    acc.step(&version().description("second").to_string());
    let updated = acc.attributes(V);
    assert_eq!(updated["id"], "web:1.0");
    assert_eq!(updated["created_at"], created["created_at"]);
    assert_eq!(updated["description"], "second");

    // Publishing is in place too, and makes it the recommended version.
    acc.step(
        &version()
            .description("second")
            .status("PUBLISHED")
            .to_string(),
    );
    let published = acc.attributes(V);
    assert_eq!(published["id"], "web:1.0");
    assert_eq!(published["status"], "PUBLISHED");
    assert_eq!(published["recommended_minor_version"], "0");
    destroy_leaves_no_version(&acc, &["web"]).await;
}

/// `web:1.0` applied with description `second`, published.
async fn published_web_version(cli: Cli) -> (Acc, Resource) {
    let acc = Acc::with_web_template(cli, &["web-v1.tar.gz"]).await;
    let published = env_version("v", "web", "web-v1.tar.gz").description("second");
    acc.step(&published.clone().status("PUBLISHED").to_string());
    (acc, published)
}

each_cli!(async a_published_version_is_not_set_back_to_draft);
async fn a_published_version_is_not_set_back_to_draft(cli: Cli) {
    let (acc, version) = published_web_version(cli).await;
    // Proton cannot unpublish: a plan-time warning on the attribute (an
    // error would block `terraform destroy`, see acc_lifecycle_status), and
    // the apply fails.
    acc.config(&version.status("DRAFT").to_string());
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
    destroy_leaves_no_version(&acc, &["web"]).await;
}

each_cli!(async a_version_imports_by_id_and_by_arn_and_plans_no_changes);
async fn a_version_imports_by_id_and_by_arn_and_plans_no_changes(cli: Cli) {
    let (acc, _) = published_web_version(cli).await;
    let published = acc.attributes(V);
    for id in ["web:1.0", WEB_1_0_ARN] {
        acc.work.run(&["state", "rm", V]).assert_ok("state rm");
        acc.work
            .run(&["import", "-no-color", "-input=false", V, id])
            .assert_ok("import");
        acc.assert_no_changes();
        let imported = acc.attributes(V);
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
    destroy_leaves_no_version(&acc, &["web"]).await;
}

each_cli!(async importing_a_missing_or_malformed_version_id_is_a_clear_error);
async fn importing_a_missing_or_malformed_version_id_is_a_clear_error(cli: Cli) {
    let acc = Acc::with_web_template(cli, &["web-v1.tar.gz"]).await;
    acc.config(&env_version("v", "web", "web-v1.tar.gz").to_string());
    let missing = acc
        .work
        .run(&["import", "-no-color", "-input=false", V, "web:9.0"]);
    assert_eq!(missing.code, 1);
    assert!(
        missing.stderr.contains("non-existent"),
        "{}",
        missing.stderr
    );
    let malformed = acc
        .work
        .run(&["import", "-no-color", "-input=false", V, "web-1.0"]);
    assert_eq!(malformed.code, 1);
    assert!(
        malformed.stderr.contains("TEMPLATE_NAME:MAJOR.MINOR"),
        "{}",
        malformed.stderr
    );
}

each_cli!(async service_version_with_compatible_environment_templates);
async fn service_version_with_compatible_environment_templates(cli: Cli) {
    let acc = Acc::new(cli);
    acc.endpoint.create_template(Environment, "net").await;
    acc.endpoint.create_template(Environment, "db").await;
    acc.endpoint.create_template(Service, "api").await;
    acc.endpoint
        .write_bundle(Environment, "bundles", "env.tar.gz");
    acc.endpoint.write_bundle(Service, "bundles", "svc.tar.gz");
    let published = |label: &str| env_version(label, label, "env.tar.gz").status("PUBLISHED");
    let environments = format!("{}{}", published("net"), published("db"));
    let service = |order: [&str; 2]| {
        let [first, second] = order.map(|label| format!("{ENV}.{label}"));
        hcl::resource(SVC, "svc")
            .template("api")
            .description("service")
            .compatible_with(&first)
            .compatible_with(&second)
            .s3("bundles", "svc.tar.gz")
    };
    acc.step(&format!("{environments}{}", service(["net", "db"])));
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
    acc.config(&format!("{environments}{}", service(["db", "net"])));
    acc.assert_no_changes();

    // The service-only attributes update in place.
    let updated =
        service(["db", "net"]).extra(r#"supported_component_sources = ["DIRECTLY_DEFINED"]"#);
    acc.step(&format!("{environments}{updated}"));
    let updated = acc.attributes("proton_service_template_version.svc");
    assert_eq!(updated["id"], "api:1.0");
    assert_eq!(
        updated["supported_component_sources"],
        serde_json::json!(["DIRECTLY_DEFINED"])
    );

    acc.destroy();
    assert!(acc.endpoint.versions(Service, "api").await.is_empty());
    assert!(acc.endpoint.versions(Environment, "net").await.is_empty());
    assert!(acc.endpoint.versions(Environment, "db").await.is_empty());
}

each_cli!(async source_change_replaces_the_version);
async fn source_change_replaces_the_version(cli: Cli) {
    let acc = Acc::with_web_template(cli, &["a.tar.gz", "b.tar.gz", "c.tar.gz"]).await;
    let published = |key: &str| env_version("v", "web", key).status("PUBLISHED");

    // Default ordering: destroy, then create a new major version.
    acc.step(&published("a.tar.gz").to_string());
    assert_eq!(acc.attr(V, "id"), "web:1.0");
    acc.config(&published("b.tar.gz").to_string());
    let plan = acc.plan();
    assert_eq!(plan.code, 2);
    assert!(plan.stdout.contains("must be replaced"), "{}", plan.stdout);
    acc.step(&published("b.tar.gz").to_string());
    assert_eq!(acc.attr(V, "id"), "web:2.0");
    assert_eq!(acc.endpoint.versions(Environment, "web").await, vec!["2.0"]);

    // create_before_destroy with a pinned major: the new minor is created and
    // published first (becoming the recommended version), then the old one,
    // no longer recommended, is deleted.
    let pinned = |key: &str| {
        published(key)
            .major("2")
            .extra(CREATE_BEFORE_DESTROY)
            .to_string()
    };
    acc.step(&pinned("b.tar.gz"));
    assert_eq!(acc.attr(V, "id"), "web:2.0");
    acc.step(&pinned("c.tar.gz"));
    assert_eq!(acc.attr(V, "id"), "web:2.1");
    assert_eq!(acc.endpoint.versions(Environment, "web").await, vec!["2.1"]);

    destroy_leaves_no_version(&acc, &["web"]).await;
}

each_cli!(async versions_deleted_out_of_band_are_planned_again);
async fn versions_deleted_out_of_band_are_planned_again(cli: Cli) {
    let acc = Acc::with_web_template(cli, &["a.tar.gz"]).await;
    let config = env_version("v", "web", "a.tar.gz").to_string();
    acc.step(&config);

    acc.endpoint.delete_environment_version("web", "1.0").await;
    let plan = acc.plan();
    assert_eq!(plan.code, 2, "{}", plan.stdout);
    assert!(plan.stdout.contains("will be created"), "{}", plan.stdout);
    acc.step(&config);
    assert_eq!(acc.attr(V, "id"), "web:2.0");

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
    let mut acc = Acc::with_web_template(cli, &["a.tar.gz"]).await;
    acc.provider_extra(
        "  default_tags {\n    tags = { team = \"platform\", env = \"dev\" }\n  }\n",
    );
    let pairs = |p: &[(&str, &str)]| {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<Vec<_>>()
    };
    let version = || env_version("v", "web", "a.tar.gz");

    acc.step(&version().extra(r#"tags = { app = "web" }"#).to_string());
    assert_eq!(acc.attributes(V)["tags"], serde_json::json!({"app": "web"}));
    assert_eq!(
        acc.attributes(V)["tags_all"],
        serde_json::json!({"app": "web", "team": "platform", "env": "dev"})
    );
    assert_eq!(
        remote_tags(&acc, V).await,
        pairs(&[("app", "web"), ("env", "dev"), ("team", "platform")])
    );
    let id = acc.attr(V, "id");

    // Change one, add one, override a default.
    acc.step(
        &version()
            .extra(r#"tags = { app = "api", owner = "me", env = "prod" }"#)
            .to_string(),
    );
    assert_eq!(
        remote_tags(&acc, V).await,
        pairs(&[
            ("app", "api"),
            ("env", "prod"),
            ("owner", "me"),
            ("team", "platform")
        ])
    );

    // Remove all own tags: only the defaults remain.
    acc.step(&version().to_string());
    assert!(acc.attributes(V)["tags"].is_null());
    assert_eq!(
        remote_tags(&acc, V).await,
        pairs(&[("env", "dev"), ("team", "platform")])
    );
    assert_eq!(acc.attr(V, "id"), id, "tag changes are in place");

    // Changed default tags flow into tags_all.
    acc.provider_extra("  default_tags {\n    tags = { team = \"core\" }\n  }\n");
    acc.step(&version().to_string());
    assert_eq!(remote_tags(&acc, V).await, pairs(&[("team", "core")]));

    destroy_leaves_no_version(&acc, &["web"]).await;
}

each_cli!(async registration_failure_taints_and_a_fixed_bundle_recovers);
async fn registration_failure_taints_and_a_fixed_bundle_recovers(cli: Cli) {
    let acc = Acc::with_web_template(cli, &[]).await;
    acc.endpoint
        .write_broken_bundle(Environment, "bundles", "a.tar.gz");
    let config = env_version("v", "web", "a.tar.gz").to_string();
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
    assert_eq!(acc.attr(V, "status"), "REGISTRATION_FAILED");

    // Fix the bundle in place: the next apply replaces the tainted version.
    acc.endpoint
        .write_bundle(Environment, "bundles", "a.tar.gz");
    acc.step(&config);
    assert_eq!(acc.attr(V, "status"), "DRAFT");
    assert_eq!(acc.attr(V, "id"), "web:2.0");
    assert_eq!(acc.endpoint.versions(Environment, "web").await, vec!["2.0"]);

    destroy_leaves_no_version(&acc, &["web"]).await;
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
    acc.endpoint.create_template(Environment, "web").await;
    acc.endpoint
        .write_bundle(Environment, "bundles", "base.tar.gz");
    for i in 0..20 {
        acc.endpoint
            .write_bundle(Environment, "bundles", &format!("minor-{i}.tar.gz"));
    }
    let base = env_version("base", "web", "base.tar.gz")
        .status("PUBLISHED")
        .to_string();
    acc.step(&base);
    // Every minor is published, so the highest becomes the recommended
    // version, which Proton deletes only last: destroying them all together
    // exercises the conflict retry.
    let minors = hcl::resource(ENV, "minor")
        .set("count", "20")
        .template("web")
        .major("1")
        .status("PUBLISHED")
        .s3("bundles", "minor-${count.index}.tar.gz");
    acc.step(&format!("{base}\n{minors}"));
    let mut versions = acc.endpoint.versions(Environment, "web").await;
    versions.sort();
    let mut expected: Vec<String> = (0..=20).map(|m| format!("1.{m}")).collect();
    expected.sort();
    assert_eq!(versions, expected, "unique, consecutive minors");

    destroy_leaves_no_version(&acc, &["web"]).await;
}

each_cli!(async bad_input_fails_at_plan_without_any_api_call);
async fn bad_input_fails_at_plan_without_any_api_call(cli: Cli) {
    let acc = Acc::new(cli);
    acc.endpoint.create_template(Environment, "web").await;
    let bad = |template: &str| env_version("bad", template, "a.tar.gz");
    let service = || {
        hcl::resource(SVC, "bad")
            .template("api")
            .s3("bundles", "svc.tar.gz")
    };
    let too_many_compatible = (0..11).fold(service(), |s, _| s.compatible("web", "${1}"));
    let cases: Vec<(&str, Resource, &str)> = vec![
        ("template name pattern", bad("not valid!"), "template_name"),
        (
            "template name length",
            bad(&"x".repeat(101)),
            "template_name",
        ),
        ("major version", bad("web").major("01"), "major_version"),
        (
            "description length",
            bad("web").description(&"d".repeat(501)),
            "description",
        ),
        ("status enum", bad("web").status("ARCHIVED"), "status"),
        (
            "bucket name",
            hcl::resource(ENV, "bad")
                .template("web")
                .s3("Bad_Bucket", "a.tar.gz"),
            "bucket",
        ),
        ("empty key", env_version("bad", "web", ""), "key"),
        (
            "reserved tag",
            bad("web").extra(r#"tags = { "aws:x" = "y" }"#),
            "tags",
        ),
        (
            "tag value length",
            bad("web").extra(&format!("tags = {{ a = \"{}\" }}", "v".repeat(257))),
            "tags",
        ),
        (
            "timeout duration",
            bad("web").extra("timeouts {\n  create = \"soon\"\n}"),
            "create",
        ),
        (
            "component source",
            service()
                .compatible("web", "1")
                .extra(r#"supported_component_sources = ["NOPE"]"#),
            "supported_component_sources",
        ),
        (
            "compatible major",
            service().compatible("web", "x"),
            "major_version",
        ),
        (
            "too many compatible",
            too_many_compatible,
            "compatible_environment_template",
        ),
        (
            "missing source",
            hcl::resource(ENV, "bad").template("web"),
            "source",
        ),
    ];
    for (name, config, mentions) in cases {
        acc.endpoint.reset_counters();
        acc.config(&config.to_string());
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
    let version = env_version("p", "web", "a.tar.gz").set("provider", "proton.bad");
    acc.config(&format!(
        "provider \"proton\" {{\n  alias = \"bad\"\n  max_retries = 1000\n}}\n{version}"
    ));
    acc.endpoint.reset_counters();
    let plan = acc.plan();
    assert_eq!(plan.code, 1, "{}", plan.stdout);
    assert!(plan.stderr.contains("max_retries"), "{}", plan.stderr);
    assert_eq!(acc.endpoint.total_requests(), 0);
}

each_cli!(async wrong_credentials_are_a_clear_error);
async fn wrong_credentials_are_a_clear_error(cli: Cli) {
    let acc = Acc::with_web_template(cli, &["a.tar.gz"]).await;
    let config = env_version("v", "web", "a.tar.gz");
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
    assert!(acc.endpoint.versions(Environment, "web").await.is_empty());
}

each_cli!(async for_each_and_values_known_only_after_apply);
async fn for_each_and_values_known_only_after_apply(cli: Cli) {
    let acc = Acc::with_web_template(cli, &["base.tar.gz", "a.tar.gz", "b.tar.gz"]).await;
    // The minors reference the base's major version and ARN, unknown until
    // the base exists: validation skips them and the plan shows them unknown.
    let minors = hcl::resource(ENV, "minor")
        .set("for_each", r#"toset(["a", "b"])"#)
        .template("web")
        .major_of(&format!("{ENV}.base"))
        .description(&format!("minor ${{each.key}} of ${{{ENV}.base.arn}}"))
        .s3("bundles", "${each.key}.tar.gz");
    let config = format!("{}{minors}", env_version("base", "web", "base.tar.gz"));
    acc.config(&config);
    let plan = acc.plan();
    assert_eq!(plan.code, 2, "{}", plan.stderr);
    assert!(plan.stdout.contains("3 to add"), "{}", plan.stdout);
    acc.step(&config);
    let a = acc.attributes(&format!("{ENV}.minor[\"a\"]"));
    assert_eq!(a["major_version"], "1");
    assert_eq!(a["description"], format!("minor a of {WEB_1_0_ARN}"));
    let mut versions = acc.endpoint.versions(Environment, "web").await;
    versions.sort();
    assert_eq!(versions, vec!["1.0", "1.1", "1.2"]);
    destroy_leaves_no_version(&acc, &["web"]).await;
}

each_cli!(async skip_destroy_forgets_the_version_and_leaves_it_in_proton);
async fn skip_destroy_forgets_the_version_and_leaves_it_in_proton(cli: Cli) {
    let acc = Acc::with_web_template(cli, &["a.tar.gz"]).await;
    acc.step(
        &env_version("v", "web", "a.tar.gz")
            .extra("skip_destroy = true")
            .to_string(),
    );
    acc.destroy();
    assert_eq!(acc.endpoint.versions(Environment, "web").await, vec!["1.0"]);
    // Clean up what the test created.
    acc.endpoint.delete_environment_version("web", "1.0").await;
    assert!(acc.endpoint.versions(Environment, "web").await.is_empty());
}

each_cli!(async unknown_values_arrive_refined_from_terraform_1_6_on);
/// Terraform 1.6+ sends an unknown it knows something about (here a string
/// prefix, and not null) as a refined unknown, msgpack extension 12; older
/// CLIs send a plain unknown. Either plans, and the provider sees which.
async fn unknown_values_arrive_refined_from_terraform_1_6_on(cli: Cli) {
    let acc = Acc::new(cli);
    acc.endpoint
        .write_bundle(Environment, "bundles", "a.tar.gz");
    let template = "proton_environment_template.web";
    acc.config(&format!(
        "{}{}",
        hcl::resource("proton_environment_template", "web").name("web"),
        hcl::resource(ENV, "v")
            .template_of(template)
            .description(&format!("version of ${{{template}.arn}}"))
            .s3("bundles", "a.tar.gz"),
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
