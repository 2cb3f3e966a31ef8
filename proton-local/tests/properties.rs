//! Property test: generated strings (ASCII, multi-byte, emoji, combining marks, look-alikes of
//! valid values; 1 to 200 characters) go into every string member of every implemented
//! operation, over signed HTTP to a running proton-local. Raw requests, because one generic
//! mutation per member path needs the JSON body; the SDK-level regressions are in
//! `model_rules.rs`.
//!
//! The expected answer comes from an oracle written from the model's constraints (length in
//! characters, the pattern spelled out by hand, enum sets), independent of proton-local's own
//! pattern engine: an invalid value is a 400 `ValidationException` naming the member; a valid
//! one is answered with 200 (within the model's output constraints) or an error the model lists
//! for the operation that does not blame the member; never a 500 or a dropped connection.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::OnceLock;

use common::Local;
use proptest::prelude::*;
use proton_local::kind::TemplateKind::{Environment, Service};
use proton_local::wire::{Action::*, Operation};
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy)]
enum Rule {
    Name,
    VersionPart,
    Description,
    DisplayName,
    ClientToken,
    Bucket,
    S3Key,
    TagKey,
    TagValue,
    Arn,
    NextToken,
    PlainString,
    OneOf(&'static [&'static str]),
}

fn length_within(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.chars().count())
}

fn is_ascii_alnum(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

/// `^[A-Za-z0-9_+=,.@-]`-style class of the `Arn` pattern's `[\w+=,.@-]`.
fn is_arn_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_+=,.@-".contains(c)
}

/// `^arn:(aws|aws-cn|aws-us-gov):[a-zA-Z0-9-]+:[a-zA-Z0-9-]*:\d{12}:([\w+=,.@-]+[/:])*[\w+=,.@-]+$`
fn arn_pattern(s: &str) -> bool {
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    let [arn, partition, service, region, account, resource] = parts[..] else {
        return false;
    };
    let id_char = |c: char| c.is_ascii_alphanumeric() || c == '-';
    arn == "arn"
        && ["aws", "aws-cn", "aws-us-gov"].contains(&partition)
        && !service.is_empty()
        && service.chars().all(id_char)
        && region.chars().all(id_char)
        && account.len() == 12
        && account.chars().all(|c| c.is_ascii_digit())
        && resource
            .split(['/', ':'])
            .all(|segment| !segment.is_empty() && segment.chars().all(is_arn_word))
}

impl Rule {
    /// Whether the model accepts `s` for a member with this rule.
    fn accepts(self, s: &str) -> bool {
        match self {
            Rule::Name => {
                let mut chars = s.chars();
                length_within(s, 1, 100)
                    && chars.next().is_some_and(is_ascii_alnum)
                    && chars.all(|c| is_ascii_alnum(c) || c == '_' || c == '-')
            }
            Rule::VersionPart => {
                length_within(s, 1, 20)
                    && (s == "0"
                        || (s.starts_with(|c: char| ('1'..='9').contains(&c))
                            && s.chars().all(|c| c.is_ascii_digit())))
            }
            Rule::Description => length_within(s, 0, 500),
            Rule::DisplayName => length_within(s, 1, 100),
            Rule::ClientToken => {
                length_within(s, 0, 64) && s.chars().all(|c| ('!'..='~').contains(&c))
            }
            Rule::Bucket => {
                let chars: Vec<char> = s.chars().collect();
                let end = |c: &char| c.is_ascii_lowercase() || c.is_ascii_digit();
                length_within(s, 3, 63)
                    && chars.first().is_some_and(end)
                    && chars.last().is_some_and(end)
                    && chars.iter().all(|c| end(c) || *c == '-' || *c == '.')
            }
            Rule::S3Key => length_within(s, 1, 1024),
            Rule::TagKey => {
                // The `aws:` prefix is reserved (any case): a service rule, not a pattern.
                let reserved = s.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("aws:"));
                length_within(s, 1, 128) && !reserved
            }
            Rule::TagValue => length_within(s, 0, 256),
            Rule::Arn => length_within(s, 1, 200) && arn_pattern(s),
            Rule::NextToken => {
                !s.is_empty()
                    && s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "+=/".contains(c))
            }
            Rule::PlainString => true,
            Rule::OneOf(values) => values.contains(&s),
        }
    }
}

struct Member {
    op: Operation,
    body: Value,
    /// JSON pointer of the member in `body`.
    pointer: &'static str,
    rule: Rule,
    /// A valid value, mutated by one of the strategies.
    example: &'static str,
}

const WEB_ARN: &str = "arn:aws:proton:us-east-1:123456789012:environment-template/web";
const PROVISIONING: &[&str] = &["CUSTOMER_MANAGED"];
const STATUS: &[&str] = &[
    "REGISTRATION_IN_PROGRESS",
    "REGISTRATION_FAILED",
    "DRAFT",
    "PUBLISHED",
];
const COMPONENT_SOURCES: &[&str] = &["DIRECTLY_DEFINED"];

fn members() -> Vec<Member> {
    use Operation::*;
    let m = |op, body: Value, pointer, rule, example| Member {
        op,
        body,
        pointer,
        rule,
        example,
    };
    let source = json!({"s3": {"bucket": "bundles", "key": "b.tar.gz"}});
    let compat = json!([{"templateName": "web", "majorVersion": "1"}]);
    let mut out = Vec::new();
    for (op, provisioning) in [
        (Template(Create, Environment), "provisioning"),
        (Template(Create, Service), "pipelineProvisioning"),
    ] {
        let body = json!({"name": "p", "description": "d", "displayName": "D",
            "encryptionKey": "arn:aws:kms:us-east-1:123456789012:key/k",
            provisioning: "CUSTOMER_MANAGED", "tags": [{"key": "k", "value": "v"}]});
        out.push(m(op, body.clone(), "/name", Rule::Name, "new-Name_1"));
        out.push(m(op, body.clone(), "/description", Rule::Description, "d"));
        out.push(m(op, body.clone(), "/displayName", Rule::DisplayName, "D"));
        out.push(m(
            op,
            body.clone(),
            "/encryptionKey",
            Rule::Arn,
            "arn:aws:kms:us-east-1:123456789012:key/k",
        ));
        let pointer = if provisioning == "provisioning" {
            "/provisioning"
        } else {
            "/pipelineProvisioning"
        };
        out.push(m(
            op,
            body.clone(),
            pointer,
            Rule::OneOf(PROVISIONING),
            "CUSTOMER_MANAGED",
        ));
        out.push(m(op, body.clone(), "/tags/0/key", Rule::TagKey, "team"));
        out.push(m(op, body, "/tags/0/value", Rule::TagValue, "v"));
    }
    for (get, delete, update, list, name) in [
        (
            Template(Get, Environment),
            Template(Delete, Environment),
            Template(Update, Environment),
            Template(List, Environment),
            "web",
        ),
        (
            Template(Get, Service),
            Template(Delete, Service),
            Template(Update, Service),
            Template(List, Service),
            "svc",
        ),
    ] {
        out.push(m(get, json!({"name": name}), "/name", Rule::Name, "web"));
        out.push(m(
            delete,
            json!({"name": name}),
            "/name",
            Rule::Name,
            "gone",
        ));
        let body = json!({"name": name, "description": "d", "displayName": "D"});
        out.push(m(update, body.clone(), "/name", Rule::Name, "web"));
        out.push(m(
            update,
            body.clone(),
            "/description",
            Rule::Description,
            "d",
        ));
        out.push(m(update, body, "/displayName", Rule::DisplayName, "D"));
        out.push(m(
            list,
            json!({"nextToken": "d2Vi"}),
            "/nextToken",
            Rule::NextToken,
            "d2Vi",
        ));
    }
    let env_create = json!({"templateName": "web", "source": source, "clientToken": "t",
        "description": "d", "majorVersion": "1", "tags": [{"key": "k", "value": "v"}]});
    let mut svc_create = env_create.clone();
    svc_create["templateName"] = json!("svc");
    svc_create["compatibleEnvironmentTemplates"] = compat.clone();
    svc_create["supportedComponentSources"] = json!(["DIRECTLY_DEFINED"]);
    for (op, body) in [
        (Version(Create, Environment), env_create),
        (Version(Create, Service), svc_create),
    ] {
        out.push(m(op, body.clone(), "/templateName", Rule::Name, "web"));
        out.push(m(
            op,
            body.clone(),
            "/source/s3/bucket",
            Rule::Bucket,
            "my.bucket-1",
        ));
        out.push(m(
            op,
            body.clone(),
            "/source/s3/key",
            Rule::S3Key,
            "b.tar.gz",
        ));
        out.push(m(
            op,
            body.clone(),
            "/clientToken",
            Rule::ClientToken,
            "token-1",
        ));
        out.push(m(op, body.clone(), "/description", Rule::Description, "d"));
        out.push(m(op, body.clone(), "/majorVersion", Rule::VersionPart, "1"));
        out.push(m(op, body.clone(), "/tags/0/key", Rule::TagKey, "team"));
        out.push(m(op, body.clone(), "/tags/0/value", Rule::TagValue, "v"));
        if op == Version(Create, Service) {
            out.push(m(
                op,
                body.clone(),
                "/compatibleEnvironmentTemplates/0/templateName",
                Rule::Name,
                "web",
            ));
            out.push(m(
                op,
                body.clone(),
                "/compatibleEnvironmentTemplates/0/majorVersion",
                Rule::VersionPart,
                "1",
            ));
            out.push(m(
                op,
                body,
                "/supportedComponentSources/0",
                Rule::OneOf(COMPONENT_SOURCES),
                "DIRECTLY_DEFINED",
            ));
        }
    }
    for (get, delete, update, list, name) in [
        (
            Version(Get, Environment),
            Version(Delete, Environment),
            Version(Update, Environment),
            Version(List, Environment),
            "web",
        ),
        (
            Version(Get, Service),
            Version(Delete, Service),
            Version(Update, Service),
            Version(List, Service),
            "svc",
        ),
    ] {
        let id = json!({"templateName": name, "majorVersion": "1", "minorVersion": "0"});
        for op in [get, delete] {
            out.push(m(op, id.clone(), "/templateName", Rule::Name, "web"));
            out.push(m(op, id.clone(), "/majorVersion", Rule::VersionPart, "1"));
            out.push(m(op, id.clone(), "/minorVersion", Rule::VersionPart, "0"));
        }
        let mut body = id.clone();
        body["description"] = json!("d");
        body["status"] = json!("PUBLISHED");
        if update == Version(Update, Service) {
            body["compatibleEnvironmentTemplates"] = compat.clone();
            body["supportedComponentSources"] = json!(["DIRECTLY_DEFINED"]);
            out.push(m(
                update,
                body.clone(),
                "/compatibleEnvironmentTemplates/0/templateName",
                Rule::Name,
                "web",
            ));
            out.push(m(
                update,
                body.clone(),
                "/compatibleEnvironmentTemplates/0/majorVersion",
                Rule::VersionPart,
                "1",
            ));
            out.push(m(
                update,
                body.clone(),
                "/supportedComponentSources/0",
                Rule::OneOf(COMPONENT_SOURCES),
                "DIRECTLY_DEFINED",
            ));
        }
        out.push(m(update, body.clone(), "/templateName", Rule::Name, "web"));
        out.push(m(
            update,
            body.clone(),
            "/majorVersion",
            Rule::VersionPart,
            "1",
        ));
        out.push(m(
            update,
            body.clone(),
            "/minorVersion",
            Rule::VersionPart,
            "0",
        ));
        out.push(m(
            update,
            body.clone(),
            "/description",
            Rule::Description,
            "d",
        ));
        out.push(m(update, body, "/status", Rule::OneOf(STATUS), "PUBLISHED"));
        let body = json!({"templateName": name, "majorVersion": "1", "nextToken": "d2Vi"});
        out.push(m(list, body.clone(), "/templateName", Rule::Name, "web"));
        out.push(m(
            list,
            body.clone(),
            "/majorVersion",
            Rule::VersionPart,
            "1",
        ));
        out.push(m(list, body, "/nextToken", Rule::NextToken, "d2Vi"));
    }
    let tag = json!({"resourceArn": WEB_ARN, "tags": [{"key": "k", "value": "v"}]});
    out.push(m(
        TagResource,
        tag.clone(),
        "/resourceArn",
        Rule::Arn,
        WEB_ARN,
    ));
    out.push(m(
        TagResource,
        tag.clone(),
        "/tags/0/key",
        Rule::TagKey,
        "team",
    ));
    out.push(m(TagResource, tag, "/tags/0/value", Rule::TagValue, "v"));
    let untag = json!({"resourceArn": WEB_ARN, "tagKeys": ["k"]});
    out.push(m(
        UntagResource,
        untag.clone(),
        "/resourceArn",
        Rule::Arn,
        WEB_ARN,
    ));
    out.push(m(UntagResource, untag, "/tagKeys/0", Rule::TagKey, "team"));
    let list = json!({"resourceArn": WEB_ARN, "nextToken": "x"});
    out.push(m(
        ListTagsForResource,
        list.clone(),
        "/resourceArn",
        Rule::Arn,
        WEB_ARN,
    ));
    out.push(m(
        ListTagsForResource,
        list,
        "/nextToken",
        Rule::PlainString,
        "x",
    ));
    out
}

/// `/tags/0/key` → `tags.1.member.key`, as AWS names nested members.
fn message_path(pointer: &str) -> String {
    pointer
        .trim_start_matches('/')
        .split('/')
        .map(|segment| match segment.parse::<usize>() {
            Ok(i) => format!("{}.member", i + 1),
            Err(_) => segment.to_string(),
        })
        .collect::<Vec<_>>()
        .join(".")
}

fn local() -> &'static Local {
    static LOCAL: OnceLock<Local> = OnceLock::new();
    LOCAL.get_or_init(|| {
        let local = Local::start(&["--canned-bundles", "--registration-delay", "0s"]);
        let seed = [
            ("CreateEnvironmentTemplate", json!({"name": "web"})),
            ("CreateServiceTemplate", json!({"name": "svc"})),
            (
                "CreateEnvironmentTemplateVersion",
                json!({"templateName": "web",
                "source": {"s3": {"bucket": "bundles", "key": "k"}}}),
            ),
            (
                "CreateServiceTemplateVersion",
                json!({"templateName": "svc",
                "source": {"s3": {"bucket": "bundles", "key": "k"}},
                "compatibleEnvironmentTemplates": [{"templateName": "web", "majorVersion": "1"}]}),
            ),
        ];
        for (op, body) in seed {
            let r = send(&local, op, &body);
            assert_eq!(r.status, 200, "{op}: {}", r.body_text());
        }
        local
    })
}

fn send(local: &Local, op: &str, body: &Value) -> common::RawResponse {
    local.signed(
        Some(&format!("AwsProton20200720.{op}")),
        Some("application/x-amz-json-1.0"),
        body.to_string().as_bytes(),
    )
}

/// ASCII, any printable character, emoji, combining marks, look-alike digits and letters.
fn generated_string() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ -~]{1,200}",
        "[a-z0-9.-]{1,70}",
        "[0-9]{1,25}",
        "\\PC{1,200}",
        "[\u{1F300}-\u{1F6FF}]{1,60}",
        "(a\u{301}|e\u{308}|\u{300}){1,100}",
        "[0-9\u{660}-\u{669}\u{FF10}-\u{FF19}A-Za-zéа-я_-]{1,120}",
    ]
}

/// A member's valid example with one character replaced by an arbitrary one (near misses).
fn near_miss(example: &'static str) -> impl Strategy<Value = String> {
    let len = example.chars().count();
    (0..len, any::<char>()).prop_map(move |(i, c)| {
        example
            .chars()
            .enumerate()
            .map(|(j, old)| if i == j { c } else { old })
            .collect()
    })
}

fn check(member: &Member, value: &str) -> Result<(), TestCaseError> {
    let mut body = member.body.clone();
    *body
        .pointer_mut(member.pointer)
        .expect("pointer in the base body") = json!(value);
    let response = send(local(), &member.op.name(), &body);
    let op = member.op.name();
    let path = message_path(member.pointer);
    let blames_member = format!("at '{path}' failed to satisfy constraint");
    prop_assert_ne!(
        response.status,
        500,
        "{} {}: {}",
        op,
        path,
        response.body_text()
    );
    let answer: Value = serde_json::from_slice(&response.body)
        .map_err(|e| TestCaseError::fail(format!("{op}: body is not JSON: {e}")))?;
    let message = answer["message"].as_str().unwrap_or_default();
    if member.rule.accepts(value) {
        prop_assert!(
            !message.contains(&blames_member),
            "{} refused a valid {} {:?}: {}",
            op,
            path,
            value,
            message
        );
        if response.status == 200 {
            let violations = proton_local::model::output_violations(&answer);
            prop_assert!(violations.is_empty(), "{}: {:?}", op, violations);
        } else {
            let kind = answer["__type"].as_str().unwrap_or_default();
            prop_assert!(
                member
                    .op
                    .model_errors()
                    .iter()
                    .any(|k| k.type_name() == kind),
                "{} answered {}, which the model does not list: {}",
                op,
                kind,
                message
            );
        }
    } else {
        prop_assert_eq!(response.status, 400, "{} accepted {} {:?}", op, path, value);
        prop_assert_eq!(response.error_type(), "ValidationException");
        prop_assert!(message.contains(&blames_member), "{}: {}", op, message);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn every_string_member_answers_as_the_model_says(
        (index, value) in (0..members().len()).prop_flat_map(|i| {
            let example = members()[i].example;
            (Just(i), prop_oneof![3 => generated_string(), 1 => near_miss(example)])
        })
    ) {
        let all = members();
        check(&all[index], &value)?;
    }
}

#[test]
fn every_implemented_operation_has_its_string_members_listed() {
    let all = members();
    for op in Operation::all() {
        assert!(
            all.iter().any(|m| m.op == op),
            "{op:?} has no member listed"
        );
    }
    // Every string the oracle accepts for an example is what the examples are.
    for member in &all {
        assert!(
            member.rule.accepts(member.example),
            "{} {}",
            member.op.name(),
            member.pointer
        );
        assert!(
            member.body.pointer(member.pointer).is_some(),
            "{}",
            member.pointer
        );
    }
    assert!(all.len() >= 80, "{} members", all.len());
}
