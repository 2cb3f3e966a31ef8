//! The template resources under both real Terraform CLIs against
//! proton-local. Every step applies and then requires an empty plan; every
//! test that applies ends with the endpoint holding none of the templates it
//! created (checked through the API, not the state).
#![allow(deprecated)]

use crate::support;

use support::acc::Acc;
use support::hcl::{self, Resource};
use support::proton_local::TemplateKind::{Environment, Service};
use support::terraform::{flat, Cli};

const ENV: &str = "proton_environment_template";
const SVC: &str = "proton_service_template";
const WEB: &str = "proton_environment_template.web";
const ENV_ARN: &str = "arn:aws:proton:us-east-1:123456789012:environment-template";
const KMS_KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555";
const TEAM_A: &str = r#"tags = { team = "a" }"#;

/// Environment template `web`, labelled `web`.
fn web() -> Resource {
    hcl::resource(ENV, "web").name("web")
}

/// `web` with a display name, a description and the tag `team = "a"`.
fn described(display_name: &str, description: &str) -> Resource {
    web()
        .string("display_name", display_name)
        .description(description)
        .extra(TEAM_A)
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

/// Destroys everything, then checks through the API that no template of
/// either kind is left.
async fn destroy_leaves_no_template(acc: &Acc) {
    acc.destroy();
    for kind in [Environment, Service] {
        let left = acc.endpoint.template_names(kind).await;
        assert!(left.is_empty(), "{kind:?} templates left: {left:?}");
    }
}

each_cli!(async an_environment_template_is_created_with_every_attribute_read_back);
async fn an_environment_template_is_created_with_every_attribute_read_back(cli: Cli) {
    let acc = Acc::new(cli);
    acc.step(&described("Web", "first").to_string());
    let created = acc.attributes(WEB);
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
    destroy_leaves_no_template(&acc).await;
}

each_cli!(async display_name_description_and_tags_update_in_place);
async fn display_name_description_and_tags_update_in_place(cli: Cli) {
    let acc = Acc::new(cli);
    acc.step(&described("Web", "first").to_string());
    let created = acc.attributes(WEB);

    let retagged = web()
        .string("display_name", "Web site")
        .description("second")
        .extra(r#"tags = { team = "b", tier = "1" }"#);
    acc.step(&retagged.to_string());
    let updated = acc.attributes(WEB);
    assert_eq!(updated["id"], "web");
    assert_eq!(updated["created_at"], created["created_at"]);
    assert_eq!(updated["display_name"], "Web site");
    assert_eq!(updated["description"], "second");
    let remote = remote_environment_template(&acc, "web").await;
    assert_eq!(remote.display_name(), Some("Web site"));
    assert_eq!(remote.description(), Some("second"));
    acc.step(&described("Web site", "second").to_string());
    assert_eq!(
        acc.attributes(WEB)["tags_all"],
        serde_json::json!({"team": "a"})
    );
    destroy_leaves_no_template(&acc).await;
}

each_cli!(async a_description_changed_outside_terraform_is_planned_back);
async fn a_description_changed_outside_terraform_is_planned_back(cli: Cli) {
    let acc = Acc::new(cli);
    let config = described("Web site", "second").to_string();
    acc.step(&config);
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
    acc.step(&config);
    let remote = remote_environment_template(&acc, "web").await;
    assert_eq!(remote.description(), Some("second"));
    destroy_leaves_no_template(&acc).await;
}

each_cli!(async removing_a_display_name_is_refused_at_plan_naming_it);
async fn removing_a_display_name_is_refused_at_plan_naming_it(cli: Cli) {
    let acc = Acc::new(cli);
    acc.step(&described("Web site", "second").to_string());
    // Proton cannot remove a display name: a plan-time error naming it.
    acc.config(&web().description("second").extra(TEAM_A).to_string());
    let refused = acc.plan();
    assert_eq!(refused.code, 1, "{}", refused.stdout);
    assert!(
        flat(&refused.stderr).contains("Cannot remove a display name")
            && flat(&refused.stderr).contains("Web site"),
        "{}",
        refused.stderr
    );
    acc.config(&described("Web site", "second").to_string());
    destroy_leaves_no_template(&acc).await;
}

each_cli!(async removing_the_description_clears_it_in_place);
async fn removing_the_description_clears_it_in_place(cli: Cli) {
    let acc = Acc::new(cli);
    acc.step(&described("Web site", "second").to_string());
    let id = acc.attr(WEB, "id");
    acc.step(
        &web()
            .string("display_name", "Web site")
            .extra(TEAM_A)
            .to_string(),
    );
    assert!(acc.attributes(WEB)["description"].is_null());
    assert_eq!(acc.attr(WEB, "id"), id);
    let remote = remote_environment_template(&acc, "web").await;
    assert!(remote.description().unwrap_or_default().is_empty());
    destroy_leaves_no_template(&acc).await;
}

each_cli!(async templates_import_by_name_and_by_arn_and_plan_no_changes);
async fn templates_import_by_name_and_by_arn_and_plan_no_changes(cli: Cli) {
    let acc = Acc::new(cli);
    let service = hcl::resource(SVC, "s")
        .name("api")
        .string("pipeline_provisioning", "CUSTOMER_MANAGED")
        .string("encryption_key", KMS_KEY);
    acc.step(&format!("{}{service}", described("Web site", "second")));

    // Environment templates by name and by ARN.
    let before_import = acc.attributes(WEB);
    for id in ["web".to_string(), format!("{ENV_ARN}/web")] {
        acc.work.run(&["state", "rm", WEB]).assert_ok("state rm");
        acc.work
            .run(&["import", "-no-color", "-input=false", WEB, &id])
            .assert_ok("import");
        acc.assert_no_changes();
        let imported = acc.attributes(WEB);
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

    // A service template (provisioning and key included) by ARN.
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
    destroy_leaves_no_template(&acc).await;
}

each_cli!(async bad_template_import_ids_are_clear_errors);
async fn bad_template_import_ids_are_clear_errors(cli: Cli) {
    let acc = Acc::new(cli);
    acc.endpoint.create_template(Environment, "web").await;
    acc.config(&described("Web site", "second").to_string());
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
            .run(&["import", "-no-color", "-input=false", WEB, id]);
        assert_eq!(failed.code, 1, "{id}");
        assert!(
            flat(&failed.stderr).contains(expected),
            "{id}: {}",
            failed.stderr
        );
    }
}

each_cli!(async a_template_deleted_outside_terraform_is_created_again);
async fn a_template_deleted_outside_terraform_is_created_again(cli: Cli) {
    let acc = Acc::new(cli);
    let config = described("Web site", "second").to_string();
    acc.step(&config);
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
    acc.step(&config);
    assert_eq!(acc.endpoint.template_names(Environment).await, vec!["web"]);
    destroy_leaves_no_template(&acc).await;
}

each_cli!(async immutable_attributes_replace_the_template);
async fn immutable_attributes_replace_the_template(cli: Cli) {
    let acc = Acc::new(cli);
    let env = |name: &str| hcl::resource(ENV, "e").name(name);
    let svc = || hcl::resource(SVC, "s").name("api");

    acc.step(&format!("{}{}", env("net"), svc()));
    let env_before = acc.attributes(&format!("{ENV}.e"));
    let svc_before = acc.attributes(&format!("{SVC}.s"));
    assert!(svc_before["pipeline_provisioning"].is_null());

    // provisioning / pipeline_provisioning and encryption_key force replacement.
    let replaced = |name: &str| {
        format!(
            "{}{}",
            env(name).string("provisioning", "CUSTOMER_MANAGED"),
            svc()
                .string("pipeline_provisioning", "CUSTOMER_MANAGED")
                .string("encryption_key", KMS_KEY)
        )
    };
    acc.config(&replaced("net"));
    let plan = acc.plan();
    assert_eq!(plan.code, 2);
    assert!(
        plan.stdout.contains("must be replaced") && plan.stdout.contains("forces replacement"),
        "{}",
        plan.stdout
    );
    acc.step(&replaced("net"));
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
    acc.step(&replaced("net2"));
    assert_eq!(acc.attr(&format!("{ENV}.e"), "id"), "net2");
    assert_eq!(acc.endpoint.template_names(Environment).await, vec!["net2"]);
    destroy_leaves_no_template(&acc).await;
}

/// Template `web` with the published `v1` (1.0) and `v2` (1.1, a draft in
/// `v1`'s major, made after it).
fn web_with_two_versions(template: Resource) -> String {
    let version = |label: &str| {
        hcl::resource("proton_environment_template_version", label)
            .template_of(WEB)
            .s3("bundles", "web.tar.gz")
    };
    let v1 = "proton_environment_template_version.v1";
    format!(
        "{template}{}{}",
        version("v1").status("PUBLISHED"),
        version("v2")
            .major_of(v1)
            .set("depends_on", &format!("[{v1}]")),
    )
}

each_cli!(async the_recommended_version_is_read_on_refresh_and_all_destroys_in_order);
async fn the_recommended_version_is_read_on_refresh_and_all_destroys_in_order(cli: Cli) {
    let acc = Acc::new(cli);
    acc.endpoint
        .write_bundle(Environment, "bundles", "web.tar.gz");
    acc.step(&web_with_two_versions(web()));
    assert_eq!(
        acc.attr("proton_environment_template_version.v2", "id"),
        "web:1.1"
    );

    // recommended_version is read on refresh: the version published after
    // the template was created shows up without any diff.
    assert!(acc.attributes(WEB)["recommended_version"].is_null());
    acc.work
        .run(&["refresh", "-no-color", "-input=false"])
        .assert_ok("refresh");
    assert_eq!(acc.attr(WEB, "recommended_version"), "1.0");
    acc.assert_no_changes();
    // An in-place update keeps it consistent too.
    acc.step(&web_with_two_versions(web().description("d")));
    assert_eq!(acc.attr(WEB, "recommended_version"), "1.0");

    // Versions referencing the template are destroyed first: destroying
    // everything works.
    destroy_leaves_no_template(&acc).await;
}

each_cli!(async versions_terraform_does_not_manage_block_the_destroy_and_are_named);
async fn versions_terraform_does_not_manage_block_the_destroy_and_are_named(cli: Cli) {
    let acc = Acc::new(cli);
    acc.endpoint
        .write_bundle(Environment, "bundles", "web.tar.gz");
    // A version Terraform does not manage blocks the destroy, and the error
    // names it; once it is gone, destroy succeeds.
    acc.step(&web().to_string());
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
    assert_eq!(acc.endpoint.template_names(Environment).await, vec!["web"]);
    for version in ["1.0", "2.0"] {
        acc.endpoint
            .delete_environment_version("web", version)
            .await;
    }
    destroy_leaves_no_template(&acc).await;
}

each_cli!(async bad_template_input_fails_at_plan_without_any_api_call);
async fn bad_template_input_fails_at_plan_without_any_api_call(cli: Cli) {
    let acc = Acc::new(cli);
    acc.endpoint.reset_counters();
    let ok = || hcl::resource(ENV, "t").name("ok");
    for (template, expected) in [
        (
            hcl::resource(ENV, "t").name("bad name"),
            "name must start with a letter or digit",
        ),
        (
            hcl::resource(ENV, "t").name(&"a".repeat(101)),
            "name must be between 1 and 100 characters",
        ),
        (
            ok().string("provisioning", "PROTON_MANAGED"),
            "must be one of \"CUSTOMER_MANAGED\"",
        ),
        (
            ok().string("encryption_key", "my-key"),
            "encryption_key must be an ARN",
        ),
        (
            ok().string("display_name", ""),
            "display_name must be between 1 and 100 characters",
        ),
        (
            ok().description(&"d".repeat(501)),
            "description must be between 0 and 500 characters",
        ),
        (ok().extra(r#"tags = { "aws:x" = "1" }"#), "Reserved prefix"),
        (
            hcl::resource(SVC, "t")
                .name("ok")
                .string("pipeline_provisioning", "x"),
            "pipeline_provisioning",
        ),
    ] {
        let body = template.to_string();
        acc.config(&body);
        let plan = acc.plan();
        assert_eq!(plan.code, 1, "{body}: {}", plan.stdout);
        assert!(
            flat(&plan.stderr).contains(expected),
            "{body}: {}",
            plan.stderr
        );
    }
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
    let taken = || hcl::resource(ENV, "taken").name("taken");
    acc.config(&taken().description("mine").to_string());
    let run = acc.apply();
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let text = flat(&run.stderr);
    assert!(
        text.contains("Unable to create environment template")
            && text.contains("already exists")
            && text.contains("terraform import proton_environment_template.LABEL taken"),
        "{text}"
    );

    acc.config(&taken().description("made in the console").to_string());
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
    destroy_leaves_no_template(&acc).await;
}
