//! The provider under both real Terraform CLIs: init, validate, plan, schema
//! export without a warning, and provider logs parsed as structured provider
//! logs.

use crate::support;

use support::terraform::{Cli, Workdir};

each_cli!(empty_provider_block_passes_init_validate_plan_and_schema);
fn empty_provider_block_passes_init_validate_plan_and_schema(cli: Cli) {
    let work = Workdir::new(cli);
    work.write_config("provider \"proton\" {}\n");
    let init = work.run(&["init", "-no-color", "-input=false"]);
    init.assert_ok("init");
    let validate = work.run(&["validate", "-no-color"]);
    validate.assert_ok("validate");
    assert!(validate.stdout.contains("Success!"), "{}", validate.stdout);

    let plan = work.run(&["plan", "-no-color", "-input=false", "-detailed-exitcode"]);
    plan.assert_ok("plan");
    assert!(plan.stdout.contains("No changes."), "{}", plan.stdout);
    // No warning from the provider, nor Terraform's about its CLI
    // configuration (1.15.5 warns when it finds none). The one warning
    // allowed is init's about lock-file checksums computed from a local
    // mirror (1.15.5 only), which any provider installed that way gets.
    let mirror_warning = "Warning: Incomplete lock file information for providers";
    for (what, run) in [("init", &init), ("validate", &validate), ("plan", &plan)] {
        let output = format!("{}{}", run.stdout, run.stderr);
        assert_eq!(
            output.matches("Warning").count(),
            output.matches(mirror_warning).count(),
            "{cli}: {what} warned:\n{output}"
        );
        assert!(
            !output.contains("CLI configuration"),
            "{cli}: {what}:\n{output}"
        );
    }

    let schema = work.run(&["providers", "schema", "-json"]);
    schema.assert_ok("providers schema");
    let parsed: serde_json::Value = serde_json::from_str(&schema.stdout).unwrap();
    let provider =
        &parsed["provider_schemas"]["registry.terraform.io/awsproton/proton"]["provider"]["block"];
    assert_eq!(provider["attributes"]["secret_key"]["sensitive"], true);
    assert_eq!(provider["attributes"]["region"]["optional"], true);
    assert!(provider["block_types"]["endpoints"].is_object());
}

each_cli!(provider_logs_reach_terraform_as_structured_entries);
fn provider_logs_reach_terraform_as_structured_entries(cli: Cli) {
    let work = Workdir::new(cli);
    work.write_config("provider \"proton\" {}\n");
    work.init();
    let plan = work.run_with_env(
        &["plan", "-no-color", "-input=false"],
        &[("TF_LOG", "debug")],
    );
    plan.assert_ok("plan");
    // go-plugin names parsed JSON entries after the plugin binary and turns
    // our fields into key=value pairs; a raw line would appear unparsed.
    let provider_lines: Vec<&str> = plan
        .stderr
        .lines()
        .filter(|l| l.contains("provider.terraform-provider-proton:"))
        .collect();
    assert!(
        provider_lines
            .iter()
            .any(|l| l.contains("plugin serving") && l.contains("@module=proton")),
        "no structured provider log line in:\n{}",
        plan.stderr
    );
    assert!(
        !plan.stderr.contains("\"@message\""),
        "a provider log line was shown as raw JSON"
    );
}
