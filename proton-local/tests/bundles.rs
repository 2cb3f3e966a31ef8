//! Registration against real `.tar.gz` bundles in a bundle directory.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(deprecated)]

mod common;

use std::path::Path;

use aws_sdk_proton::types::{
    CompatibleEnvironmentTemplateInput, Provisioning, TemplateVersionStatus,
};
use aws_sdk_proton::Client;
use common::*;

const ENV_SCHEMA: &str = "schema:\n  format:\n    openapi: \"3.0.0\"\n  environment_input_type: \"EnvInput\"\n  types:\n    EnvInput:\n      type: object\n      properties:\n        vpc_cidr:\n          type: string\n";
const SVC_SCHEMA: &str = "schema:\n  format:\n    openapi: \"3.0.0\"\n  service_input_type: \"SvcInput\"\n  pipeline_input_type: \"PipeInput\"\n  types:\n    SvcInput:\n      type: object\n    PipeInput:\n      type: object\n";
const MANIFEST: &str = "infrastructure:\n  templates:\n    - file: \"cloudformation.yaml\"\n      rendering_engine: jinja\n      template_language: cloudformation\n";
const CFN: &str = "Resources: {}\n";

/// A server reading bundles from `dir`, registering without delay.
fn serving(dir: &Path) -> Local {
    Local::start(&[
        "--registration-delay",
        "0s",
        "--bundle-dir",
        dir.to_str().unwrap(),
    ])
}

/// Writes a gzipped tarball of `files` to `BUNDLE_DIR/bucket/key`.
fn write_bundle(dir: &Path, key: &str, files: &[(&str, &str)]) {
    let path = dir.join("bucket").join(key);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, gzipped_tar(files)).unwrap();
}

async fn register_env(
    client: &Client,
    template: &str,
    key: &str,
) -> (TemplateVersionStatus, Option<String>, Option<String>) {
    register_env_in(client, template, None, key).await
}

/// [`register_env`] as a minor of `major` when one is given.
async fn register_env_in(
    client: &Client,
    template: &str,
    major: Option<&str>,
    key: &str,
) -> (TemplateVersionStatus, Option<String>, Option<String>) {
    let v = register_env_version(client, template, major, ("bucket", key)).await;
    (v.status, v.status_message, v.schema)
}

fn assert_failed(result: &(TemplateVersionStatus, Option<String>, Option<String>), needle: &str) {
    assert_eq!(
        result.0,
        TemplateVersionStatus::RegistrationFailed,
        "{result:?}"
    );
    let message = result.1.as_deref().unwrap_or_default();
    assert!(
        message.contains(needle),
        "{message:?} should mention {needle:?}"
    );
    assert!(result.2.is_none());
}

#[tokio::test]
async fn environment_bundles() {
    let bundles = tempfile::tempdir().unwrap();
    let dir = bundles.path();
    let standard = [
        ("schema/schema.yaml", ENV_SCHEMA),
        ("infrastructure/manifest.yaml", MANIFEST),
        ("infrastructure/cloudformation.yaml", CFN),
    ];
    write_bundle(dir, "env/good.tar.gz", &standard);
    write_bundle(dir, "env/no-schema.tar.gz", &standard[1..]);
    write_bundle(
        dir,
        "env/bad-yaml.tar.gz",
        &[
            ("schema/schema.yaml", "schema: [unclosed"),
            standard[1],
            standard[2],
        ],
    );
    let old_openapi = ENV_SCHEMA.replace("3.0.0", "2.0");
    write_bundle(
        dir,
        "env/openapi.tar.gz",
        &[
            ("schema/schema.yaml", &old_openapi),
            standard[1],
            standard[2],
        ],
    );
    let wrong_type = ENV_SCHEMA.replace(
        "environment_input_type: \"EnvInput\"",
        "environment_input_type: \"Missing\"",
    );
    write_bundle(
        dir,
        "env/type.tar.gz",
        &[
            ("schema/schema.yaml", &wrong_type),
            standard[1],
            standard[2],
        ],
    );
    write_bundle(dir, "env/no-infra.tar.gz", &standard[..1]);
    write_bundle(dir, "env/no-iac.tar.gz", &standard[..2]);
    std::fs::write(dir.join("bucket/env/not-a-tarball.tar.gz"), b"plain text").unwrap();

    let local = serving(dir);
    let client = local.client();
    create_env_template(&client, "std").await;

    let ok = register_env(&client, "std", "env/good.tar.gz").await;
    assert_eq!(ok.0, TemplateVersionStatus::Draft, "{ok:?}");
    assert_eq!(ok.2.as_deref(), Some(ENV_SCHEMA));

    assert_failed(
        &register_env(&client, "std", "env/no-schema.tar.gz").await,
        "schema/schema.yaml",
    );
    assert_failed(
        &register_env(&client, "std", "env/bad-yaml.tar.gz").await,
        "not valid YAML",
    );
    assert_failed(
        &register_env(&client, "std", "env/openapi.tar.gz").await,
        "schema.format.openapi",
    );
    assert_failed(
        &register_env(&client, "std", "env/type.tar.gz").await,
        "Missing",
    );
    assert_failed(
        &register_env(&client, "std", "env/no-infra.tar.gz").await,
        "infrastructure/manifest.yaml",
    );
    assert_failed(
        &register_env(&client, "std", "env/no-iac.tar.gz").await,
        "cloudformation.yaml",
    );
    assert_failed(
        &register_env(&client, "std", "env/not-a-tarball.tar.gz").await,
        "not a valid .tar.gz",
    );
    assert_failed(
        &register_env(&client, "std", "env/absent.tar.gz").await,
        "could not be found in bucket",
    );

    // Customer-managed environment templates carry only the schema.
    client
        .create_environment_template()
        .name("cm")
        .provisioning(Provisioning::CustomerManaged)
        .send()
        .await
        .unwrap();
    write_bundle(dir, "env/schema-only.tar.gz", &standard[..1]);
    let ok = register_env(&client, "cm", "env/schema-only.tar.gz").await;
    assert_eq!(ok.0, TemplateVersionStatus::Draft, "{ok:?}");
    assert_failed(
        &register_env(&client, "cm", "env/good.tar.gz").await,
        "infrastructure",
    );
}

#[tokio::test]
async fn service_bundles() {
    let bundles = tempfile::tempdir().unwrap();
    let dir = bundles.path();
    let full = [
        ("schema/schema.yaml", SVC_SCHEMA),
        ("instance_infrastructure/manifest.yaml", MANIFEST),
        ("instance_infrastructure/cloudformation.yaml", CFN),
        ("pipeline_infrastructure/manifest.yaml", MANIFEST),
        ("pipeline_infrastructure/cloudformation.yaml", CFN),
    ];
    write_bundle(dir, "svc/full.tar.gz", &full);
    write_bundle(dir, "svc/no-pipeline.tar.gz", &full[..3]);
    let no_pipeline_type = SVC_SCHEMA.replace("  pipeline_input_type: \"PipeInput\"\n", "");
    write_bundle(
        dir,
        "svc/no-pipeline-type.tar.gz",
        &[
            ("schema/schema.yaml", &no_pipeline_type),
            full[1],
            full[2],
            full[3],
            full[4],
        ],
    );
    write_bundle(
        dir,
        "svc/instance-only.tar.gz",
        &[("schema/schema.yaml", &no_pipeline_type), full[1], full[2]],
    );
    // Environment template for compatibility.
    write_bundle(dir, "env/cm.tar.gz", &[("schema/schema.yaml", ENV_SCHEMA)]);

    let local = serving(dir);
    let client = local.client();
    client
        .create_environment_template()
        .name("env")
        .provisioning(Provisioning::CustomerManaged)
        .send()
        .await
        .unwrap();
    register_env(&client, "env", "env/cm.tar.gz").await;
    client
        .create_service_template()
        .name("with-pipeline")
        .send()
        .await
        .unwrap();
    client
        .create_service_template()
        .name("no-pipeline")
        .pipeline_provisioning(Provisioning::CustomerManaged)
        .send()
        .await
        .unwrap();

    let register = |template: &'static str, key: &'static str| {
        let client = client.clone();
        async move {
            let out = client
                .create_service_template_version()
                .template_name(template)
                .source(s3("bucket", key))
                .compatible_environment_templates(
                    CompatibleEnvironmentTemplateInput::builder()
                        .template_name("env")
                        .major_version("1")
                        .build()
                        .unwrap(),
                )
                .send()
                .await
                .unwrap()
                .service_template_version
                .unwrap();
            let v =
                wait_service_registered(&client, template, &out.major_version, &out.minor_version)
                    .await;
            (v.status, v.status_message, v.schema)
        }
    };
    let ok = register("with-pipeline", "svc/full.tar.gz").await;
    assert_eq!(ok.0, TemplateVersionStatus::Draft, "{ok:?}");
    assert_eq!(ok.2.as_deref(), Some(SVC_SCHEMA));
    assert_failed(
        &register("with-pipeline", "svc/no-pipeline.tar.gz").await,
        "pipeline_infrastructure",
    );
    assert_failed(
        &register("with-pipeline", "svc/no-pipeline-type.tar.gz").await,
        "pipeline_input_type",
    );
    let ok = register("no-pipeline", "svc/instance-only.tar.gz").await;
    assert_eq!(ok.0, TemplateVersionStatus::Draft, "{ok:?}");
}

/// A CodeBuild-provisioned environment: no `file`, commands in `settings`, and the files they
/// run (bundles.md §3.3).
const CODEBUILD_MANIFEST: &str = "infrastructure:\n  templates:\n    - rendering_engine: codebuild\n      settings:\n        image: aws/codebuild/amazonlinux2-x86_64-standard:4.0\n        runtimes:\n          nodejs: 16\n        provision:\n          - npm install\n          - npx cdk deploy --require-approval never\n        deprovision:\n          - npx cdk destroy --force\n";
/// Self-managed Terraform: `file: \"*\"` means the `.tf` files of the directory.
const TERRAFORM_MANIFEST: &str = "infrastructure:\n  templates:\n    - file: \"*\"\n      rendering_engine: hcl\n      template_language: terraform\n";

#[tokio::test]
async fn the_bundles_people_make_register_and_their_mistakes_fail() {
    let bundles = tempfile::tempdir().unwrap();
    let dir = bundles.path();
    let standard = [
        ("schema/schema.yaml", ENV_SCHEMA),
        ("infrastructure/manifest.yaml", MANIFEST),
        ("infrastructure/cloudformation.yaml", CFN),
    ];
    // `tar -zcvf env-template.tar.gz environment/`, as the samples' READMEs do it.
    let wrapped: Vec<(String, &str)> = standard
        .iter()
        .map(|(name, text)| (format!("environment/{name}"), *text))
        .collect();
    let wrapped: Vec<(&str, &str)> = wrapped.iter().map(|(n, t)| (n.as_str(), *t)).collect();
    write_bundle(dir, "env/wrapped.tar.gz", &wrapped);
    let codebuild = [
        ("schema/schema.yaml", ENV_SCHEMA),
        ("infrastructure/manifest.yaml", CODEBUILD_MANIFEST),
        ("infrastructure/package.json", "{\"name\": \"infra\"}\n"),
        (
            "infrastructure/bin/app.ts",
            "import * as cdk from 'aws-cdk-lib';\n",
        ),
        ("infrastructure/deploy.sh", "#!/bin/sh\nexit 0\n"),
    ];
    write_bundle(dir, "env/codebuild.tar.gz", &codebuild);
    let terraform = [
        ("schema/schema.yaml", ENV_SCHEMA),
        ("infrastructure/manifest.yaml", TERRAFORM_MANIFEST),
        (
            "infrastructure/main.tf",
            "resource \"null_resource\" \"x\" {}\n",
        ),
        (
            "infrastructure/outputs.tf",
            "output \"vpc\" { value = 1 }\n",
        ),
        ("infrastructure/lambda.zip", "PK\u{3}\u{4} not yaml at all"),
    ];
    write_bundle(dir, "env/terraform.tar.gz", &terraform);
    // Their mistakes.
    let no_settings = CODEBUILD_MANIFEST.split("      settings:").next().unwrap();
    write_bundle(
        dir,
        "env/codebuild-no-settings.tar.gz",
        &[standard[0], ("infrastructure/manifest.yaml", no_settings)],
    );
    write_bundle(
        dir,
        "env/terraform-no-tf.tar.gz",
        &[
            standard[0],
            ("infrastructure/manifest.yaml", TERRAFORM_MANIFEST),
            ("infrastructure/README.md", "no Terraform here\n"),
        ],
    );
    write_bundle(
        dir,
        "env/bad-extra-yaml.tar.gz",
        &[
            standard[0],
            standard[1],
            standard[2],
            ("infrastructure/parameters.yml", "key: [unclosed"),
        ],
    );
    // Proton's quotas: manifest 50 KB, each template file 200 KB (bundles.md §3.4).
    let big_manifest = format!("{MANIFEST}# {}\n", "x".repeat(51_200));
    write_bundle(
        dir,
        "env/big-manifest.tar.gz",
        &[
            standard[0],
            ("infrastructure/manifest.yaml", &big_manifest),
            standard[2],
        ],
    );
    let big_template = format!("{CFN}# {}\n", "x".repeat(200 * 1024));
    write_bundle(
        dir,
        "env/big-template.tar.gz",
        &[
            standard[0],
            standard[1],
            ("infrastructure/cloudformation.yaml", &big_template),
        ],
    );
    let two_wrappers: Vec<(&str, &str)> = wrapped
        .iter()
        .copied()
        .chain([("other/schema/schema.yaml", ENV_SCHEMA)])
        .collect();
    write_bundle(dir, "env/two-wrappers.tar.gz", &two_wrappers);

    let local = serving(dir);
    let client = local.client();
    create_env_template(&client, "env").await;

    for key in [
        "env/wrapped.tar.gz",
        "env/codebuild.tar.gz",
        "env/terraform.tar.gz",
    ] {
        let registered = register_env(&client, "env", key).await;
        assert_eq!(
            registered.0,
            TemplateVersionStatus::Draft,
            "{key}: {registered:?}"
        );
        assert_eq!(registered.2.as_deref(), Some(ENV_SCHEMA), "{key}");
    }
    for (key, needle) in [
        ("env/codebuild-no-settings.tar.gz", "settings"),
        ("env/terraform-no-tf.tar.gz", ".tf"),
        ("env/bad-extra-yaml.tar.gz", "infrastructure/parameters.yml"),
        (
            "env/big-manifest.tar.gz",
            "'infrastructure/manifest.yaml' is larger than",
        ),
        (
            "env/big-template.tar.gz",
            "'infrastructure/cloudformation.yaml' is larger than",
        ),
        ("env/two-wrappers.tar.gz", "schema/schema.yaml"),
    ] {
        assert_failed(&register_env(&client, "env", key).await, needle);
    }
}

#[tokio::test]
async fn a_minor_whose_schema_is_not_backward_compatible_fails_registration() {
    let bundles = tempfile::tempdir().unwrap();
    let dir = bundles.path();
    let with_schema = |schema: &str| {
        [
            ("schema/schema.yaml", schema.to_string()),
            ("infrastructure/manifest.yaml", MANIFEST.to_string()),
            ("infrastructure/cloudformation.yaml", CFN.to_string()),
        ]
    };
    let write = |key: &str, schema: &str| {
        let files = with_schema(schema);
        let files: Vec<(&str, &str)> = files.iter().map(|(n, t)| (*n, t.as_str())).collect();
        write_bundle(dir, key, &files);
    };
    let property = "        vpc_cidr:\n          type: string\n";
    write("env/v1.tar.gz", ENV_SCHEMA);
    write(
        "env/removed.tar.gz",
        &ENV_SCHEMA.replace(property, "        subnet:\n          type: string\n"),
    );
    write(
        "env/retyped.tar.gz",
        &ENV_SCHEMA.replace("          type: string\n", "          type: number\n"),
    );
    let added =
        |extra: &str| ENV_SCHEMA.to_string() + "        name:\n          type: string\n" + extra;
    write("env/optional.tar.gz", &added(""));
    let required = added("      required:\n        - name\n");
    write("env/required.tar.gz", &required);
    write(
        "env/required-default.tar.gz",
        &required.replace(
            "        name:\n          type: string\n",
            "        name:\n          type: string\n          default: web\n",
        ),
    );

    let local = serving(dir);
    let client = local.client();
    create_env_template(&client, "env").await;
    let registered = register_env(&client, "env", "env/v1.tar.gz").await;
    assert_eq!(registered.0, TemplateVersionStatus::Draft, "{registered:?}");
    for (key, needle) in [
        ("env/removed.tar.gz", "EnvInput.vpc_cidr"),
        ("env/retyped.tar.gz", "EnvInput.vpc_cidr"),
        ("env/required.tar.gz", "EnvInput.name"),
    ] {
        let failed = register_env_in(&client, "env", Some("1"), key).await;
        assert_failed(&failed, "not backward compatible");
        assert_failed(&failed, needle);
    }
    for key in ["env/optional.tar.gz", "env/required-default.tar.gz"] {
        let registered = register_env_in(&client, "env", Some("1"), key).await;
        assert_eq!(
            registered.0,
            TemplateVersionStatus::Draft,
            "{key}: {registered:?}"
        );
    }
    // A new major may change anything.
    let major = register_env(&client, "env", "env/removed.tar.gz").await;
    assert_eq!(major.0, TemplateVersionStatus::Draft, "{major:?}");
}

#[tokio::test]
async fn registration_delay_is_observed_by_polling() {
    let local = Local::start(&["--canned-bundles", "--registration-delay", "200ms"]);
    let client = local.client();
    create_env_template(&client, "t").await;
    create_env_version(&client, "t", None).await;
    let v = wait_env_registered(&client, "t", "1", "0").await;
    assert_eq!(v.status, TemplateVersionStatus::Draft);
    assert!(v.last_modified_at >= v.created_at);
}
