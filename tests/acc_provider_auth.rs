//! The provider's authentication settings under both real Terraform CLIs against
//! proton-local's STS: `assume_role` (one role, a chain of two, an external id),
//! `assume_role_with_web_identity` from a token file, and the account guards
//! `allowed_account_ids` / `forbidden_account_ids`, which must refuse before any write, and a
//! session whose token was forged, which proton-local refuses as AWS does.
#![allow(deprecated)]

use crate::support;

use support::acc::Acc;
use support::proton_local::Options;
use support::proton_local::TemplateKind::Environment;
use support::terraform::Cli;

/// proton-local's default account: what its configured key pair acts in.
const BASE_ACCOUNT: &str = "123456789012";
const DEPLOYER: &str = "arn:aws:iam::210987654321:role/deployer";
const DEPLOYER_ACCOUNT: &str = "210987654321";
const AUDITOR: &str = "arn:aws:iam::333333333333:role/auditor";
const AUDITOR_ACCOUNT: &str = "333333333333";
const WEB: &str = "proton_environment_template.web";
const TEMPLATE: &str = "resource \"proton_environment_template\" \"web\" {\n  name = \"web\"\n}\n";

/// An `Acc` whose proton-local declares `roles` (each `ARN[:EXTERNAL-ID]`).
fn with_roles(cli: Cli, roles: &[&str]) -> Acc {
    let extra_args = roles
        .iter()
        .flat_map(|role| ["--role".to_string(), role.to_string()])
        .collect();
    Acc::with_options(
        cli,
        Options {
            extra_args,
            ..Options::default()
        },
    )
}

/// A provider block with the base key pair, Proton and STS at proton-local, and `extra`.
fn provider(acc: &Acc, extra: &str) -> String {
    format!(
        "provider \"proton\" {{\n  region     = \"us-east-1\"\n  access_key = \"test\"\n  secret_key = \"test\"\n  endpoints {{\n    proton = \"{url}\"\n    sts    = \"{url}\"\n  }}\n{extra}}}\n",
        url = acc.endpoint.url
    )
}

/// Writes the provider block with `extra` and the template `web`.
fn configure(acc: &Acc, extra: &str) {
    acc.work
        .write_config(&format!("{}\n{TEMPLATE}", provider(acc, extra)));
}

fn writes(acc: &Acc) -> u64 {
    acc.endpoint.counters()["writes"].as_u64().unwrap()
}

fn sts_calls(acc: &Acc, action: &str) -> u64 {
    acc.endpoint.counters()["requests"][action]
        .as_u64()
        .unwrap_or(0)
}

/// The account field of an ARN.
fn account_of(arn: &str) -> &str {
    arn.split(':').nth(4).unwrap_or_default()
}

each_cli!(async assuming_a_role_creates_in_the_role_account_and_the_base_account_sees_nothing);
async fn assuming_a_role_creates_in_the_role_account_and_the_base_account_sees_nothing(cli: Cli) {
    let acc = with_roles(cli, &[DEPLOYER]);
    configure(
        &acc,
        &format!(
            "  allowed_account_ids = [\"{DEPLOYER_ACCOUNT}\"]\n  assume_role {{\n    role_arn     = \"{DEPLOYER}\"\n    session_name = \"terraform\"\n    duration     = \"15m\"\n    tags = {{ team = \"platform\" }}\n    transitive_tag_keys = [\"team\"]\n    source_identity = \"ci-runner\"\n  }}\n"
        ),
    );
    acc.apply().assert_ok("apply");
    acc.assert_no_changes();
    let arn = acc.attr(WEB, "arn");
    assert_eq!(account_of(&arn), DEPLOYER_ACCOUNT, "{cli}: {arn}");
    // The base key pair acts in proton-local's default account, which holds nothing.
    let base = acc.endpoint.template_names(Environment).await;
    assert!(base.is_empty(), "{cli}: base account lists {base:?}");
    let by_account = &acc.endpoint.counters()["writes_by_account"];
    assert!(by_account[BASE_ACCOUNT].is_null(), "{cli}: {by_account}");
    assert!(sts_calls(&acc, "AssumeRole") >= 1, "{cli}: no AssumeRole");
    acc.destroy();
}

each_cli!(async two_assume_role_blocks_chain_from_the_first_role_to_the_second);
async fn two_assume_role_blocks_chain_from_the_first_role_to_the_second(cli: Cli) {
    let acc = with_roles(cli, &[DEPLOYER, AUDITOR]);
    configure(
        &acc,
        &format!(
            "  assume_role {{\n    role_arn = \"{DEPLOYER}\"\n  }}\n  assume_role {{\n    role_arn     = \"{AUDITOR}\"\n    session_name = \"chained\"\n  }}\n"
        ),
    );
    acc.apply().assert_ok("apply");
    let arn = acc.attr(WEB, "arn");
    assert_eq!(account_of(&arn), AUDITOR_ACCOUNT, "{cli}: {arn}");
    let by_account = &acc.endpoint.counters()["writes_by_account"];
    assert!(
        by_account[DEPLOYER_ACCOUNT].is_null(),
        "{cli}: {by_account}"
    );
    assert!(by_account[BASE_ACCOUNT].is_null(), "{cli}: {by_account}");
    acc.destroy();
}

/// A JWT proton-local accepts: well-formed, `exp` in 2100 (the signature is not checked).
fn web_identity_token() -> String {
    use base64::Engine as _;
    let encode = |json: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json);
    format!(
        "{}.{}.{}",
        encode(r#"{"alg":"RS256","typ":"JWT"}"#),
        encode(
            r#"{"sub":"repo:org/app","aud":"sts.amazonaws.com","iss":"https://token.actions.example","exp":4102444800}"#
        ),
        encode("signature")
    )
}

each_cli!(async web_identity_from_a_token_file_acts_in_the_role_account);
async fn web_identity_from_a_token_file_acts_in_the_role_account(cli: Cli) {
    let acc = with_roles(cli, &[DEPLOYER]);
    let token_file = acc.work.config_dir().join("token.jwt");
    std::fs::write(&token_file, web_identity_token()).unwrap();
    configure(
        &acc,
        &format!(
            "  assume_role_with_web_identity {{\n    role_arn                = \"{DEPLOYER}\"\n    session_name            = \"ci\"\n    web_identity_token_file = {:?}\n    duration                = \"1h\"\n  }}\n",
            token_file.display().to_string()
        ),
    );
    acc.apply().assert_ok("apply");
    acc.assert_no_changes();
    let arn = acc.attr(WEB, "arn");
    assert_eq!(account_of(&arn), DEPLOYER_ACCOUNT, "{cli}: {arn}");
    assert!(
        sts_calls(&acc, "AssumeRoleWithWebIdentity") >= 1,
        "{cli}: no AssumeRoleWithWebIdentity"
    );
    acc.destroy();
}

each_cli!(async a_role_that_requires_an_external_id_is_refused_without_it);
async fn a_role_that_requires_an_external_id_is_refused_without_it(cli: Cli) {
    let acc = with_roles(cli, &[&format!("{DEPLOYER}:ext-2026")]);
    let block = |external_id: &str| {
        format!("  assume_role {{\n    role_arn = \"{DEPLOYER}\"\n{external_id}  }}\n")
    };
    configure(&acc, &block(""));
    let refused = acc.apply();
    assert_ne!(refused.code, 0, "{cli}: applied without the external id");
    assert!(
        refused.stderr.contains("AccessDenied") && refused.stderr.contains(DEPLOYER),
        "{cli}: {}",
        refused.stderr
    );
    assert_eq!(writes(&acc), 0, "{cli}: a write without credentials");

    configure(&acc, &block("    external_id = \"ext-2026\"\n"));
    acc.apply().assert_ok("apply with the external id");
    assert_eq!(account_of(&acc.attr(WEB, "arn")), DEPLOYER_ACCOUNT);
    acc.destroy();
}

each_cli!(async allowed_account_ids_refuse_another_account_before_any_write);
async fn allowed_account_ids_refuse_another_account_before_any_write(cli: Cli) {
    let acc = Acc::new(cli);
    configure(
        &acc,
        "  allowed_account_ids = [\"111111111111\", \"222222222222\"]\n",
    );
    for run in [acc.plan(), acc.apply()] {
        assert_eq!(run.code, 1, "{cli}: {}\n{}", run.stdout, run.stderr);
        let says = run.stderr.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            says.contains(BASE_ACCOUNT) && says.contains("111111111111, 222222222222"),
            "{cli}: {says}"
        );
    }
    assert_eq!(
        writes(&acc),
        0,
        "{cli}: written despite allowed_account_ids"
    );
    assert_eq!(
        sts_calls(&acc, "GetCallerIdentity"),
        2,
        "{cli}: once per run"
    );
    assert!(acc.endpoint.template_names(Environment).await.is_empty());
}

each_cli!(async forbidden_account_ids_refuse_that_account_before_any_write);
async fn forbidden_account_ids_refuse_that_account_before_any_write(cli: Cli) {
    let acc = Acc::new(cli);
    configure(
        &acc,
        &format!("  forbidden_account_ids = [\"{BASE_ACCOUNT}\"]\n"),
    );
    let refused = acc.apply();
    assert_eq!(refused.code, 1, "{cli}: {}", refused.stdout);
    let says = refused
        .stderr
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        says.contains(&format!("{BASE_ACCOUNT} is in forbidden_account_ids")),
        "{cli}: {says}"
    );
    assert_eq!(
        writes(&acc),
        0,
        "{cli}: written despite forbidden_account_ids"
    );

    // Another account is fine.
    configure(&acc, "  forbidden_account_ids = [\"999999999999\"]\n");
    acc.apply().assert_ok("apply");
    acc.destroy();
}

each_cli!(async both_account_lists_are_a_plan_time_error_on_the_attribute);
async fn both_account_lists_are_a_plan_time_error_on_the_attribute(cli: Cli) {
    let acc = Acc::new(cli);
    configure(
        &acc,
        &format!(
            "  allowed_account_ids   = [\"{BASE_ACCOUNT}\"]\n  forbidden_account_ids = [\"999999999999\"]\n"
        ),
    );
    let run = acc.plan();
    assert_eq!(run.code, 1, "{cli}: {}", run.stdout);
    // Terraform quotes the configuration line of the attribute the error is on.
    assert!(
        run.stderr.contains("Conflicting account ID settings")
            && run
                .stderr
                .contains("forbidden_account_ids = [\"999999999999\"]"),
        "{cli}: {}",
        run.stderr
    );
    // Refused in validation: no STS call, no Proton call.
    assert_eq!(acc.endpoint.total_requests(), 0, "{cli}");
}

each_cli!(async malformed_auth_settings_are_plan_time_errors_on_their_lines);
async fn malformed_auth_settings_are_plan_time_errors_on_their_lines(cli: Cli) {
    let acc = Acc::new(cli);
    configure(
        &acc,
        "  retry_mode = \"legacy\"\n  assume_role {\n    role_arn = \"deployer\"\n    duration = \"1 hour\"\n  }\n  assume_role {\n    role_arn = \"arn:aws:iam::210987654321:role/deployer\"\n    duration = \"13h\"\n  }\n",
    );
    let run = acc.plan();
    assert_eq!(run.code, 1, "{cli}: {}", run.stdout);
    assert!(
        run.stderr.contains("role_arn = \"deployer\"")
            && run.stderr.contains("duration = \"1 hour\"")
            && run.stderr.contains("duration = \"13h\"")
            && run.stderr.contains("retry_mode = \"legacy\""),
        "{cli}: {}",
        run.stderr
    );
    assert_eq!(acc.endpoint.total_requests(), 0, "{cli}");
}

/// A session STS issued for `role`, through proton-local's STS with the base key pair.
async fn session(acc: &Acc, role: &str) -> aws_sdk_sts::types::Credentials {
    let config = aws_sdk_sts::Config::builder()
        .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
        .region(aws_sdk_sts::config::Region::new("us-east-1"))
        .endpoint_url(&acc.endpoint.url)
        .credentials_provider(aws_sdk_sts::config::Credentials::new(
            "test", "test", None, None, "tests",
        ))
        .build();
    let assumed = aws_sdk_sts::Client::from_conf(config)
        .assume_role()
        .role_arn(role)
        .role_session_name("tests")
        .send()
        .await
        .unwrap();
    assumed.credentials.unwrap()
}

each_cli!(async a_forged_session_token_is_refused_before_any_write);
async fn a_forged_session_token_is_refused_before_any_write(cli: Cli) {
    let acc = with_roles(cli, &[DEPLOYER]);
    let real = session(&acc, DEPLOYER).await;
    let keys = |token: &str, extra: &str| {
        format!(
            "provider \"proton\" {{\n  region     = \"us-east-1\"\n  access_key = \"{}\"\n  secret_key = \"{}\"\n  token      = \"{token}\"\n  endpoints {{\n    proton = \"{url}\"\n    sts    = \"{url}\"\n  }}\n{extra}}}\n\n{TEMPLATE}",
            real.access_key_id(),
            real.secret_access_key(),
            url = acc.endpoint.url
        )
    };
    let forged = "FwoGZXIvYXdzEBYaDforgedforgedforged";
    // Refused by Proton at the first call, and by STS at configuration when credentials are
    // checked first.
    for (extra, code) in [
        ("", "UnrecognizedClientException"),
        (
            "  skip_credentials_validation = false\n",
            "InvalidClientTokenId",
        ),
    ] {
        acc.work.write_config(&keys(forged, extra));
        let refused = acc.apply();
        assert_eq!(refused.code, 1, "{cli}: {}", refused.stdout);
        let says = refused
            .stderr
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            says.contains(code)
                && says.contains("The security token included in the request is invalid"),
            "{cli}: {says}"
        );
    }
    assert_eq!(writes(&acc), 0, "{cli}: a forged token wrote");
    assert!(acc.endpoint.template_names(Environment).await.is_empty());

    // The same keys with the token STS issued act in the role's account.
    acc.work.write_config(&keys(real.session_token(), ""));
    acc.apply().assert_ok("apply with the real token");
    assert_eq!(account_of(&acc.attr(WEB, "arn")), DEPLOYER_ACCOUNT, "{cli}");
    acc.destroy();
}
