//! The template resources under both real Terraform CLIs against
//! proton-local. Every step applies and then requires an empty plan; every
//! test ends with the endpoint holding none of the templates it created
//! (checked through the API, not the state).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(deprecated)]

mod support;

use support::acc::Acc;
use support::terraform::{flat, Cli};

const ENV: &str = "proton_environment_template";
const SVC: &str = "proton_service_template";
const ENV_ARN: &str = "arn:aws:proton:us-east-1:123456789012:environment-template";
const KMS_KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555";

fn template(ty: &str, label: &str, body: &str) -> String {
    format!("\nresource \"{ty}\" \"{label}\" {{\n{body}\n}}\n")
}

async fn remote_environment_template(
    acc: &Acc,
    name: &str,
) -> aws_sdk_proton::types::EnvironmentTemplate {
    acc.endpoint
        .client
        .get_environment_template()
        .name(name)
        .send()
        .await
        .unwrap()
        .environment_template()
        .unwrap()
        .clone()
}

each_cli!(async environment_template_update_drift_import_and_out_of_band_deletion);
async fn environment_template_update_drift_import_and_out_of_band_deletion(cli: Cli) {
    let acc = Acc::new(cli);
    let address = format!("{ENV}.web");
    let config = |display: &str, description: &str| {
        template(
            ENV,
            "web",
            &format!(
                "  name = \"web\"\n  display_name = \"{display}\"\n  description = \"{description}\"\n  tags = {{ team = \"a\" }}"
            ),
        )
    };

    acc.step(&config("Web", "first"));
    let created = acc.attributes(&address);
    assert_eq!(created["id"], "web");
    assert_eq!(created["name"], "web");
    assert_eq!(created["arn"], format!("{ENV_ARN}/web"));
    assert_eq!(created["display_name"], "Web");
    assert_eq!(created["description"], "first");
    assert!(created["recommended_version"].is_null());
    assert!(created["provisioning"].is_null());
    assert!(created["encryption_key"].is_null());
    assert_eq!(created["tags_all"], serde_json::json!({"team": "a"}));
    assert!(created["created_at"].as_str().unwrap().ends_with('Z'));

    // Display name, description and tags update in place.
    acc.step(&config("Web site", "second").replace("team = \"a\"", "team = \"b\", tier = \"1\""));
    let updated = acc.attributes(&address);
    assert_eq!(updated["id"], "web");
    assert_eq!(updated["created_at"], created["created_at"]);
    assert_eq!(updated["display_name"], "Web site");
    assert_eq!(updated["description"], "second");
    let remote = remote_environment_template(&acc, "web").await;
    assert_eq!(remote.display_name(), Some("Web site"));
    assert_eq!(remote.description(), Some("second"));
    acc.step(&config("Web site", "second"));
    assert_eq!(
        acc.attributes(&address)["tags_all"],
        serde_json::json!({"team": "a"})
    );

    // Drift: a description changed outside Terraform is planned back.
    acc.endpoint
        .client
        .update_environment_template()
        .name("web")
        .description("changed in the console")
        .send()
        .await
        .unwrap();
    let drift = acc.plan();
    assert_eq!(drift.code, 2, "{}\n{}", drift.stdout, drift.stderr);
    assert!(
        drift.stdout.contains("changed in the console") && drift.stdout.contains("update in-place"),
        "{}",
        drift.stdout
    );
    acc.step(&config("Web site", "second"));
    let remote = remote_environment_template(&acc, "web").await;
    assert_eq!(remote.description(), Some("second"));

    // Proton cannot remove a display name: a plan-time error naming it.
    acc.config(&template(
        ENV,
        "web",
        "  name = \"web\"\n  description = \"second\"\n  tags = { team = \"a\" }",
    ));
    let refused = acc.plan();
    assert_eq!(refused.code, 1, "{}", refused.stdout);
    assert!(
        flat(&refused.stderr).contains("Cannot remove a display name")
            && flat(&refused.stderr).contains("Web site"),
        "{}",
        refused.stderr
    );

    // Removing the description clears it in place.
    acc.step(&template(
        ENV,
        "web",
        "  name = \"web\"\n  display_name = \"Web site\"\n  tags = { team = \"a\" }",
    ));
    assert!(acc.attributes(&address)["description"].is_null());
    let remote = remote_environment_template(&acc, "web").await;
    assert!(remote.description().unwrap_or_default().is_empty());
    acc.step(&config("Web site", "second"));

    // Import by name and by ARN: the configuration then plans no changes.
    let before_import = acc.attributes(&address);
    for id in ["web".to_string(), format!("{ENV_ARN}/web")] {
        acc.work
            .run(&["state", "rm", &address])
            .assert_ok("state rm");
        acc.work
            .run(&["import", "-no-color", "-input=false", &address, &id])
            .assert_ok("import");
        acc.assert_no_changes();
        let imported = acc.attributes(&address);
        for attribute in [
            "id",
            "arn",
            "name",
            "display_name",
            "description",
            "created_at",
            "tags",
            "tags_all",
        ] {
            assert_eq!(
                imported[attribute], before_import[attribute],
                "{attribute} after import of {id}"
            );
        }
    }

    // Bad import ids are clear errors.
    acc.work
        .run(&["state", "rm", &address])
        .assert_ok("state rm");
    for (id, expected) in [
        ("nope", "non-existent"),
        (
            "arn:aws:proton:us-east-1:123456789012:service-template/web",
            "not the ARN of an environment template",
        ),
        (
            "arn:aws:proton:us-east-1:123456789012:environment-template/web:1.0",
            "template version",
        ),
    ] {
        let failed = acc
            .work
            .run(&["import", "-no-color", "-input=false", &address, id]);
        assert_eq!(failed.code, 1, "{id}");
        assert!(
            flat(&failed.stderr).contains(expected),
            "{id}: {}",
            failed.stderr
        );
    }
    acc.work
        .run(&["import", "-no-color", "-input=false", &address, "web"])
        .assert_ok("import");

    // Deleted outside Terraform: the plan creates it again.
    acc.endpoint
        .client
        .delete_environment_template()
        .name("web")
        .send()
        .await
        .unwrap();
    let gone = acc.plan();
    assert_eq!(gone.code, 2, "{}\n{}", gone.stdout, gone.stderr);
    assert!(gone.stdout.contains("will be created"), "{}", gone.stdout);
    acc.step(&config("Web site", "second"));
    assert_eq!(acc.endpoint.environment_template_names().await, vec!["web"]);

    acc.destroy();
    assert!(acc.endpoint.environment_template_names().await.is_empty());
}

each_cli!(async immutable_attributes_replace_the_template);
async fn immutable_attributes_replace_the_template(cli: Cli) {
    let acc = Acc::new(cli);
    let env =
        |name: &str, extra: &str| template(ENV, "e", &format!("  name = \"{name}\"\n{extra}"));
    let svc = |extra: &str| template(SVC, "s", &format!("  name = \"api\"\n{extra}"));

    acc.step(&format!("{}{}", env("net", ""), svc("")));
    let env_before = acc.attributes(&format!("{ENV}.e"));
    let svc_before = acc.attributes(&format!("{SVC}.s"));
    assert!(svc_before["pipeline_provisioning"].is_null());

    // provisioning / pipeline_provisioning and encryption_key force replacement.
    let body = format!(
        "{}{}",
        env("net", "  provisioning = \"CUSTOMER_MANAGED\""),
        svc(&format!(
            "  pipeline_provisioning = \"CUSTOMER_MANAGED\"\n  encryption_key = \"{KMS_KEY}\""
        ))
    );
    acc.config(&body);
    let plan = acc.plan();
    assert_eq!(plan.code, 2);
    assert!(
        plan.stdout.contains("must be replaced") && plan.stdout.contains("forces replacement"),
        "{}",
        plan.stdout
    );
    acc.step(&body);
    let env_after = acc.attributes(&format!("{ENV}.e"));
    let svc_after = acc.attributes(&format!("{SVC}.s"));
    assert_eq!(env_after["provisioning"], "CUSTOMER_MANAGED");
    assert_eq!(svc_after["pipeline_provisioning"], "CUSTOMER_MANAGED");
    assert_eq!(svc_after["encryption_key"], KMS_KEY);
    assert_eq!(env_after["id"], env_before["id"]);
    let remote = acc
        .endpoint
        .client
        .get_service_template()
        .name("api")
        .send()
        .await
        .unwrap();
    let remote = remote.service_template().unwrap();
    assert_eq!(remote.encryption_key(), Some(KMS_KEY));
    assert_eq!(
        remote.pipeline_provisioning().map(|p| p.as_str()),
        Some("CUSTOMER_MANAGED")
    );

    // A new name is a new template; the old one is gone.
    acc.step(&format!(
        "{}{}",
        env("net2", "  provisioning = \"CUSTOMER_MANAGED\""),
        svc(&format!(
            "  pipeline_provisioning = \"CUSTOMER_MANAGED\"\n  encryption_key = \"{KMS_KEY}\""
        ))
    ));
    assert_eq!(acc.attr(&format!("{ENV}.e"), "id"), "net2");
    assert_eq!(
        acc.endpoint.environment_template_names().await,
        vec!["net2"]
    );

    // Service template import by ARN plans no changes either.
    let address = format!("{SVC}.s");
    acc.work
        .run(&["state", "rm", &address])
        .assert_ok("state rm");
    acc.work
        .run(&[
            "import",
            "-no-color",
            "-input=false",
            &address,
            "arn:aws:proton:us-east-1:123456789012:service-template/api",
        ])
        .assert_ok("import");
    acc.assert_no_changes();

    acc.destroy();
    assert!(acc.endpoint.environment_template_names().await.is_empty());
    assert!(acc.endpoint.service_template_names().await.is_empty());
}

each_cli!(async destroy_with_versions_names_them_and_in_order_succeeds);
async fn destroy_with_versions_names_them_and_in_order_succeeds(cli: Cli) {
    let acc = Acc::new(cli);
    acc.endpoint
        .write_environment_bundle("bundles", "web.tar.gz", true);
    let version = |label: &str, extra: &str| {
        format!(
            r#"
resource "proton_environment_template_version" "{label}" {{
  template_name = {ENV}.web.name
  source {{
    s3 {{
      bucket = "bundles"
      key    = "web.tar.gz"
    }}
  }}
{extra}
}}
"#
        )
    };
    let body = format!(
        "{}{}{}",
        template(ENV, "web", "  name = \"web\""),
        version("v1", "  status = \"PUBLISHED\""),
        version(
            "v2",
            "  major_version = proton_environment_template_version.v1.major_version\n  depends_on = [proton_environment_template_version.v1]",
        ),
    );
    acc.step(&body);
    assert_eq!(
        acc.attr("proton_environment_template_version.v2", "id"),
        "web:1.1"
    );

    // recommended_version is read on refresh: the version published after
    // the template was created shows up without any diff.
    assert!(acc.attributes(&format!("{ENV}.web"))["recommended_version"].is_null());
    acc.work
        .run(&["refresh", "-no-color", "-input=false"])
        .assert_ok("refresh");
    assert_eq!(
        acc.attr(&format!("{ENV}.web"), "recommended_version"),
        "1.0"
    );
    acc.assert_no_changes();
    // An in-place update keeps it consistent too.
    let body = body.replace(
        "  name = \"web\"",
        "  name = \"web\"\n  description = \"d\"",
    );
    acc.step(&body);
    assert_eq!(
        acc.attr(&format!("{ENV}.web"), "recommended_version"),
        "1.0"
    );

    // Versions referencing the template are destroyed first: destroying
    // everything works.
    acc.destroy();
    assert!(acc.endpoint.environment_template_names().await.is_empty());

    // A version Terraform does not manage blocks the destroy, and the error
    // names it; once it is gone, destroy succeeds.
    acc.step(&template(ENV, "web", "  name = \"web\""));
    for _ in 0..2 {
        acc.endpoint
            .create_environment_version_outside("web", "web.tar.gz")
            .await;
    }
    let refused = acc
        .work
        .run(&["destroy", "-auto-approve", "-no-color", "-input=false"]);
    assert_eq!(refused.code, 1, "{}", refused.stdout);
    assert!(
        flat(&refused.stderr).contains("still has 2 versions")
            && flat(&refused.stderr).contains("1.0 (")
            && flat(&refused.stderr).contains("2.0 ("),
        "{}",
        refused.stderr
    );
    assert_eq!(acc.endpoint.environment_template_names().await, vec!["web"]);
    for version in ["1.0", "2.0"] {
        acc.endpoint
            .delete_environment_version("web", version)
            .await;
    }
    acc.destroy();
    assert!(acc.endpoint.environment_template_names().await.is_empty());
}

each_cli!(async bad_template_input_fails_at_plan_without_any_api_call);
async fn bad_template_input_fails_at_plan_without_any_api_call(cli: Cli) {
    let acc = Acc::new(cli);
    acc.endpoint.reset_counters();
    for (body, expected) in [
        (
            "  name = \"bad name\"",
            "name must start with a letter or digit",
        ),
        (
            &*format!("  name = \"{}\"", "a".repeat(101)),
            "name must be between 1 and 100 characters",
        ),
        (
            "  name = \"ok\"\n  provisioning = \"PROTON_MANAGED\"",
            "must be one of \"CUSTOMER_MANAGED\"",
        ),
        (
            "  name = \"ok\"\n  encryption_key = \"my-key\"",
            "encryption_key must be an ARN",
        ),
        (
            "  name = \"ok\"\n  display_name = \"\"",
            "display_name must be between 1 and 100 characters",
        ),
        (
            &*format!("  name = \"ok\"\n  description = \"{}\"", "d".repeat(501)),
            "description must be between 0 and 500 characters",
        ),
        (
            "  name = \"ok\"\n  tags = { \"aws:x\" = \"1\" }",
            "Reserved prefix",
        ),
    ] {
        acc.config(&template(ENV, "t", body));
        let plan = acc.plan();
        assert_eq!(plan.code, 1, "{body}: {}", plan.stdout);
        assert!(
            flat(&plan.stderr).contains(expected),
            "{body}: {}",
            plan.stderr
        );
    }
    acc.config(&template(
        SVC,
        "t",
        "  name = \"ok\"\n  pipeline_provisioning = \"x\"",
    ));
    let plan = acc.plan();
    assert_eq!(plan.code, 1);
    assert!(
        flat(&plan.stderr).contains("pipeline_provisioning"),
        "{}",
        plan.stderr
    );
    assert_eq!(acc.endpoint.total_requests(), 0);
}

each_cli!(async creating_a_template_that_exists_says_how_to_import_it);
/// A template that exists outside the state (made in the console, or state lost): the create
/// error says how to adopt it, and following that advice converges.
async fn creating_a_template_that_exists_says_how_to_import_it(cli: Cli) {
    let acc = Acc::new(cli);
    acc.endpoint
        .client
        .create_environment_template()
        .name("taken")
        .description("made in the console")
        .send()
        .await
        .unwrap();
    let config = template(
        ENV,
        "taken",
        "  name = \"taken\"\n  description = \"made in the console\"",
    );
    acc.config(&template(
        ENV,
        "taken",
        "  name = \"taken\"\n  description = \"mine\"",
    ));
    let run = acc.apply();
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let text = flat(&run.stderr);
    assert!(
        text.contains("Unable to create environment template")
            && text.contains("already exists")
            && text.contains("terraform import proton_environment_template.LABEL taken"),
        "{text}"
    );

    acc.config(&config);
    acc.work
        .run(&[
            "import",
            "-no-color",
            "-input=false",
            &format!("{ENV}.taken"),
            "taken",
        ])
        .assert_ok("import");
    acc.assert_no_changes();
    acc.destroy();
    assert!(!acc
        .endpoint
        .environment_template_names()
        .await
        .contains(&"taken".to_string()));
}
