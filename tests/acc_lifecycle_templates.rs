//! Replacing an environment template whose versions a service version lists,
//! under both real Terraform CLIs against proton-local (issue 20 item 4;
//! src/proton/delete.rs rule 8). Proton deletes a template only once it has
//! no versions, and an environment major only once no service version lists
//! it; Terraform deletes a replaced template before creating the new one
//! unless create_before_destroy says otherwise, and Proton's names are
//! unique. Each scenario checks what Terraform prints, what Proton keeps, and
//! that the documented recipe converges to an empty plan.
#![allow(deprecated)]

use crate::support;

use support::acc::Acc;
use support::hcl::{self, CREATE_BEFORE_DESTROY, SHORT_DELETE};
use support::proton_local::TemplateKind::{Environment, Service};
use support::terraform::{flat, Cli, Run};

const ENV: &str = "proton_environment_template_version";
const SVC: &str = "proton_service_template_version";
const KMS_KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555";
const DEFERRED_TAG: &str = "terraform-provider-proton:deferred-delete";

const CBD: &str = CREATE_BEFORE_DESTROY;
const REPLACED_WITH_TEMPLATE: &str =
    "lifecycle {\n  replace_triggered_by = [proton_environment_template.web]\n}";
const CBD_AND_REPLACED_WITH_TEMPLATE: &str = "lifecycle {\n  create_before_destroy = true\n  replace_triggered_by = [proton_environment_template.web]\n}";

/// Lifecycle blocks of the three resources that matter.
#[derive(Default, Clone, Copy)]
struct Lifecycles {
    template: &'static str,
    env_version: &'static str,
    service_version: &'static str,
}

/// Environment template `name` (with the KMS key when `keyed`), its published
/// version `v`, and service version `s` listing `v`'s major as compatible.
fn config(name: &str, keyed: bool, lifecycles: Lifecycles) -> String {
    let Lifecycles {
        template,
        env_version,
        service_version,
    } = lifecycles;
    let web = hcl::resource("proton_environment_template", "web").name(name);
    let web = match keyed {
        true => web.string("encryption_key", KMS_KEY),
        false => web,
    };
    let published = |ty: &str, label: &str, template: &str, key: &str| {
        hcl::resource(ty, label)
            .template_of(template)
            .status("PUBLISHED")
            .s3("bundles", key)
    };
    format!(
        "{}{}{}{}",
        web.extra(template),
        hcl::resource("proton_service_template", "api")
            .name("api")
            .string("pipeline_provisioning", "CUSTOMER_MANAGED"),
        published(ENV, "v", "proton_environment_template.web", "e1.tar.gz")
            .extra(SHORT_DELETE)
            .extra(env_version),
        published(SVC, "s", "proton_service_template.api", "s1.tar.gz")
            .compatible_with(&format!("{ENV}.v"))
            .extra(SHORT_DELETE)
            .extra(service_version),
    )
}

/// The scenario's start: `web` with 1.0, listed by `api:1.0`.
fn applied(cli: Cli) -> Acc {
    let acc = Acc::new(cli);
    acc.endpoint
        .write_bundle(Environment, "bundles", "e1.tar.gz");
    acc.endpoint.write_bundle(Service, "bundles", "s1.tar.gz");
    acc.step(&config("web", false, Lifecycles::default()));
    acc
}

/// `MAJOR.MINOR` of the versions of environment template `name`; `None`
/// when there is no such template.
async fn env_versions(acc: &Acc, name: &str) -> Option<Vec<String>> {
    let client = &acc.endpoint.client;
    client
        .get_environment_template()
        .name(name)
        .send()
        .await
        .ok()?;
    Some(acc.endpoint.versions(Environment, name).await)
}

/// The environment templates `api`'s only version lists, as `NAME:MAJOR`.
async fn listed_by_api(acc: &Acc) -> Vec<String> {
    let versions = acc.endpoint.versions(Service, "api").await;
    assert_eq!(versions.len(), 1, "{versions:?}");
    let (major, minor) = versions[0].split_once('.').unwrap();
    let got = acc
        .endpoint
        .client
        .get_service_template_version()
        .template_name("api")
        .major_version(major)
        .minor_version(minor)
        .send()
        .await
        .unwrap();
    let version = got.service_template_version().unwrap();
    version
        .compatible_environment_templates()
        .iter()
        .map(|c| format!("{}:{}", c.template_name(), c.major_version()))
        .collect()
}

fn state_list(acc: &Acc) -> String {
    acc.work.run(&["state", "list"]).stdout
}

fn failed(run: &Run) -> String {
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    flat(&format!("{}\n{}", run.stdout, run.stderr))
}

each_cli!(async renaming_a_template_that_a_service_version_lists_names_create_before_destroy);
async fn renaming_a_template_that_a_service_version_lists_names_create_before_destroy(cli: Cli) {
    let acc = applied(cli);
    let old_arn = acc.attr(&format!("{ENV}.v"), "arn");
    acc.config(&config("web2", false, Lifecycles::default()));

    // Terraform deletes `web` before it creates `web2`, and moves `api:1.0`
    // to the new version only after that: Proton keeps `web:1.0` while
    // `api:1.0` lists it, so `web` cannot go. The same command says so, and
    // what converges; every re-apply fails the same way.
    for _ in 0..2 {
        let message = failed(&acc.apply());
        assert!(
            message.contains("Unable to delete environment template: it still has versions")
                && message.contains("This plan renames the environment template to `web2`")
                && message.contains("Service template versions list them as compatible: `api:1.0`")
                && message.contains(
                    "create_before_destroy = true }` on the template and on each of its versions"
                ),
            "{message}"
        );
        assert_eq!(env_versions(&acc, "web").await, Some(vec!["1.0".into()]));
        assert_eq!(env_versions(&acc, "web2").await, None);
        assert_eq!(listed_by_api(&acc).await, ["web:1"]);
    }
    // The version's delete waits for `api:1.0` (tagged, out of the state),
    // and the warning said what else that takes.
    assert!(acc.endpoint.tags(&old_arn).await.contains_key(DEFERRED_TAG));

    // The recipe: create_before_destroy on the template and its version.
    let recipe = Lifecycles {
        template: CBD,
        env_version: CBD,
        ..Lifecycles::default()
    };
    acc.step(&config("web2", false, recipe));
    assert_eq!(env_versions(&acc, "web").await, None);
    assert_eq!(env_versions(&acc, "web2").await, Some(vec!["1.0".into()]));
    assert_eq!(listed_by_api(&acc).await, ["web2:1"]);
    acc.destroy();
}

each_cli!(async renaming_warns_when_the_old_version_waits_for_a_service_version);
async fn renaming_warns_when_the_old_version_waits_for_a_service_version(cli: Cli) {
    let acc = applied(cli);
    acc.config(&config("web2", false, Lifecycles::default()));
    let message = failed(&acc.apply());
    // The deferral is not silent: the warning names what it waits for and
    // what the template's delete then needs.
    assert!(
        message.contains("environment template version `web:1.0` is not deleted yet")
            && message.contains("environment template `web` can only be deleted once `web:1.0` is")
            && message.contains("only if `web2` is created before `web` is deleted"),
        "{message}"
    );
}

each_cli!(async replacing_a_template_under_the_same_name_converges_with_its_listers_replaced);
async fn replacing_a_template_under_the_same_name_converges_with_its_listers_replaced(cli: Cli) {
    let acc = applied(cli);
    let version = format!("{ENV}.v");
    let service = format!("{SVC}.s");
    let arn = acc.attr(&version, "arn");

    // No lifecycle: the version keeps its template name, so Terraform keeps
    // it, and the old template cannot go. The error names the service
    // version in the way and the recipe for the same name.
    acc.config(&config("web", true, Lifecycles::default()));
    let message = failed(&acc.apply());
    assert!(
        message.contains("Unable to delete environment template: it still has versions")
            && message.contains("replaces the environment template under the same name")
            && message.contains("and to the service template versions that list them (`api:1.0`)")
            && message.contains("leave create_before_destroy off"),
        "{message}"
    );
    assert_eq!(env_versions(&acc, "web").await, Some(vec!["1.0".into()]));

    // Replacing only the version (the old advice): its delete is refused
    // while `api:1.0` lists it, and the template can only be created again
    // once it is gone, so the run fails before changing anything, the
    // version still managed and not marked for deletion; again on re-apply.
    let only_version = Lifecycles {
        env_version: REPLACED_WITH_TEMPLATE,
        ..Lifecycles::default()
    };
    let only_version_replace = [format!("-replace={version}")];
    for _ in 0..2 {
        let run = if cli.at_least(1, 2) {
            acc.config(&config("web", true, only_version));
            acc.apply()
        } else {
            acc.apply_with(&[&only_version_replace[0]])
        };
        let message = failed(&run);
        assert!(
            message.contains("Cannot replace environment template `web` while service template versions list its versions")
                && message.contains("`api:1.0` does")
                && message.contains("The version was not deleted and stays in the state")
                && message.contains("and to the service template versions that list them (`api:1.0`)"),
            "{message}"
        );
        assert!(state_list(&acc).contains(&version));
        assert_eq!(env_versions(&acc, "web").await, Some(vec!["1.0".into()]));
        assert!(!acc.endpoint.tags(&arn).await.contains_key(DEFERRED_TAG));
        assert_eq!(listed_by_api(&acc).await, ["web:1"]);
    }

    // The recipe: the version and the service version listing it are
    // replaced with the template, in one apply.
    let recipe = Lifecycles {
        env_version: REPLACED_WITH_TEMPLATE,
        service_version: REPLACED_WITH_TEMPLATE,
        ..Lifecycles::default()
    };
    if cli.at_least(1, 2) {
        acc.step(&config("web", true, recipe));
    } else {
        acc.config(&config("web", true, Lifecycles::default()));
        acc.apply_with(&[
            &format!("-replace={version}"),
            &format!("-replace={service}"),
        ])
        .assert_ok("apply -replace");
        acc.assert_no_changes();
    }
    assert_eq!(
        acc.attr("proton_environment_template.web", "encryption_key"),
        KMS_KEY
    );
    assert_eq!(env_versions(&acc, "web").await.map(|v| v.len()), Some(1));
    assert_ne!(acc.attr(&version, "arn"), "");
    assert_eq!(listed_by_api(&acc).await, ["web:1"]);
    acc.destroy();
}

each_cli!(async create_before_destroy_under_the_same_name_says_why_the_name_is_taken);
async fn create_before_destroy_under_the_same_name_says_why_the_name_is_taken(cli: Cli) {
    let acc = applied(cli);
    let arn = acc.attr(&format!("{ENV}.v"), "arn");
    // Both documented recipes together: create_before_destroy on the version
    // (which Terraform extends to the template) and replace_triggered_by.
    let combined = Lifecycles {
        env_version: CBD_AND_REPLACED_WITH_TEMPLATE,
        ..Lifecycles::default()
    };
    let run = if cli.at_least(1, 2) {
        acc.config(&config("web", true, combined));
        acc.apply()
    } else {
        let cbd = Lifecycles {
            env_version: CBD,
            ..Lifecycles::default()
        };
        acc.config(&config("web", true, cbd));
        acc.apply_with(&[&format!("-replace={ENV}.v")])
    };
    let message = failed(&run);
    assert!(
        message.contains("Unable to create environment template")
            && message.contains("holds versions this provider created (`web:1.0`), so this create most likely replaces it under the same name")
            && message.contains("Proton template names are unique")
            && message.contains("leave create_before_destroy off the template and off every resource that depends on it")
            && message.contains("replace_triggered_by")
            && !message.contains("exists but is not in this Terraform state"),
        "{message}"
    );
    // Nothing changed.
    assert_eq!(acc.attr(&format!("{ENV}.v"), "arn"), arn);
    assert_eq!(env_versions(&acc, "web").await, Some(vec!["1.0".into()]));
    assert_eq!(
        acc.attr("proton_environment_template.web", "encryption_key"),
        "null"
    );
    acc.destroy();
}

each_cli!(async a_template_made_elsewhere_is_still_to_be_imported);
async fn a_template_made_elsewhere_is_still_to_be_imported(cli: Cli) {
    let acc = Acc::new(cli);
    acc.endpoint.create_template(Environment, "web").await;
    acc.config(
        &hcl::resource("proton_environment_template", "web")
            .name("web")
            .description("other")
            .to_string(),
    );
    let message = failed(&acc.apply());
    assert!(
        message.contains("exists but is not in this Terraform state")
            && message.contains("terraform import proton_environment_template.LABEL web")
            && !message.contains("replaces it"),
        "{message}"
    );
}
