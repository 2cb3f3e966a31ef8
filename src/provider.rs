//! The `proton` provider: its configuration block, the one shared Proton
//! client it builds, and the wiring of its resource and data source types.
//! Nothing imports this module but the binary and the tests: the state
//! resources share lives in [`crate::context`].

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::context::{IgnoreTags, ProviderState, ProviderTags};
use crate::data_sources::template::{self as template_data, TemplateData};
use crate::data_sources::template_version::{self as version_data, VersionData};
use crate::data_sources::template_versions::{self as versions_data, VersionsData};
use crate::kind::TemplateKind;
use crate::list_resources::template::{self as template_list, TemplateList};
use crate::list_resources::template_version::{self as version_list, VersionList};
use crate::plugin::diag::Diagnostics;
use crate::plugin::provider::{DataSource, ListResource, Provider, Resource};
use crate::plugin::schema::{parse_duration, Attribute, Block, NestedBlock, Schema, Validator};
use crate::plugin::value::{AttributePath, Type, Value};
use crate::proton::config::{AssumeRole, CaBundle, ProxyUrl, WebIdentity};
use crate::proton::{build_client, ProtonSettings};
use crate::resources::tags;
use crate::resources::template::{self, TemplateResource};
use crate::resources::template_version::{self, TemplateVersionResource};

/// The provider's source address, used in debug (reattach) mode and docs.
pub const PROVIDER_ADDRESS: &str = "registry.terraform.io/awsproton/proton";

/// The `proton` provider.
#[derive(Debug)]
pub struct ProtonProvider {
    schema: Schema,
    state: Arc<ProviderState>,
}

impl Default for ProtonProvider {
    fn default() -> Self {
        Self::new()
    }
}

impl ProtonProvider {
    /// The state every type shares.
    fn state(&self) -> Arc<ProviderState> {
        self.state.clone()
    }

    /// A provider awaiting ConfigureProvider.
    pub fn new() -> Self {
        Self {
            schema: provider_schema(),
            state: Arc::default(),
        }
    }
}

fn string_list() -> Type {
    Type::List(Box::new(Type::String))
}

fn string_set() -> Type {
    Type::Set(Box::new(Type::String))
}

/// STS's shortest and longest session (terraform-provider-aws checks the same bounds).
const SESSION_DURATION_BOUNDS: (std::time::Duration, std::time::Duration) = (
    std::time::Duration::from_secs(15 * 60),
    std::time::Duration::from_secs(12 * 60 * 60),
);

const ROLE_ARN: (&str, &str) = (
    r"^arn:aws[a-zA-Z-]*:iam::[0-9]{12}:role/[A-Za-z0-9_+=,.@/-]+$",
    "an IAM role ARN, `arn:aws:iam::ACCOUNT:role/[PATH/]NAME`, e.g. `arn:aws:iam::123456789012:role/deployer`",
);
const POLICY_ARN: (&str, &str) = (
    r"^arn:aws[a-zA-Z-]*:iam::(aws|[0-9]{12}):policy/[A-Za-z0-9_+=,.@/-]+$",
    "an IAM policy ARN, e.g. `arn:aws:iam::aws:policy/ReadOnlyAccess`",
);
const SESSION_NAME: (&str, &str) = (
    r"^[A-Za-z0-9_+=,.@-]{2,64}$",
    "2 to 64 characters: letters, digits and `_+=,.@-` (STS's rule)",
);
const EXTERNAL_ID: (&str, &str) = (
    r"^[A-Za-z0-9_+=,.@:/-]{2,1224}$",
    "2 to 1224 characters: letters, digits and `_+=,.@:/-` (STS's rule)",
);
const ACCOUNT_ID: (&str, &str) = (r"^[0-9]{12}$", "a 12-digit AWS account ID");

fn pattern((regex, explanation): (&'static str, &'static str)) -> Validator {
    Validator::pattern(regex, explanation)
}

fn assume_role_block() -> NestedBlock {
    NestedBlock::list(
        "assume_role",
        Block::new("A role to assume with STS AssumeRole. Repeat the block to chain roles: the first is assumed with the base credentials (static keys, profile, environment, or `assume_role_with_web_identity` when set), each next one with the credentials of the one before, and every AWS call is made as the last role, in its account. The credentials are cached until shortly before they expire.")
            .attribute(Attribute::optional("duration", Type::String, "How long the session lasts, as a duration from `15m` to `12h` (e.g. `1h`, `1h30m`). STS's default (1 hour) when unset; a chained role's session lasts at most 1 hour.").validate(Validator::Duration))
            .attribute(Attribute::optional("external_id", Type::String, "External ID the role's trust policy requires, if any (2 to 1224 characters).").validate(pattern(EXTERNAL_ID)))
            .attribute(Attribute::optional("policy", Type::String, "IAM policy in JSON that further restricts the session's permissions."))
            .attribute(Attribute::optional("policy_arns", string_set(), "ARNs of managed IAM policies that further restrict the session's permissions.").validate(Validator::Elements(Box::new(pattern(POLICY_ARN)))))
            .attribute(Attribute::required("role_arn", Type::String, "ARN of the role to assume, e.g. `arn:aws:iam::210987654321:role/deployer`.").validate(pattern(ROLE_ARN)))
            .attribute(Attribute::optional("session_name", Type::String, "Name of the session, shown in CloudTrail and in the assumed role's ARN (2 to 64 characters of letters, digits and `_+=,.@-`). Default `terraform-provider-proton`.").validate(pattern(SESSION_NAME)))
            .attribute(Attribute::optional("source_identity", Type::String, "Source identity of the session, kept by every role chained from it (2 to 64 characters of letters, digits and `_+=,.@-`).").validate(pattern(SESSION_NAME)))
            .attribute(Attribute::optional("tags", Type::Map(Box::new(Type::String)), "Session tags."))
            .attribute(Attribute::optional("transitive_tag_keys", string_set(), "Keys of session tags that pass on to roles chained from this session.")),
    )
}

fn web_identity_block() -> NestedBlock {
    NestedBlock::single(
        "assume_role_with_web_identity",
        Block::new("A role to assume with STS AssumeRoleWithWebIdentity, from an OpenID Connect token (a CI system's or Kubernetes' service account token). Assumed before any `assume_role`, which then chain from it. Unset values fall back to `AWS_ROLE_ARN`, `AWS_ROLE_SESSION_NAME` and `AWS_WEB_IDENTITY_TOKEN_FILE`.")
            .attribute(Attribute::optional("duration", Type::String, "How long the session lasts, as a duration from `15m` to `12h` (e.g. `1h`). STS's default (1 hour) when unset.").validate(Validator::Duration))
            .attribute(Attribute::optional("policy", Type::String, "IAM policy in JSON that further restricts the session's permissions."))
            .attribute(Attribute::optional("policy_arns", string_set(), "ARNs of managed IAM policies that further restrict the session's permissions.").validate(Validator::Elements(Box::new(pattern(POLICY_ARN)))))
            .attribute(Attribute::optional("role_arn", Type::String, "ARN of the role to assume. Falls back to `AWS_ROLE_ARN`.").validate(pattern(ROLE_ARN)))
            .attribute(Attribute::optional("session_name", Type::String, "Name of the session (2 to 64 characters of letters, digits and `_+=,.@-`). Falls back to `AWS_ROLE_SESSION_NAME`, then `terraform-provider-proton`.").validate(pattern(SESSION_NAME)))
            .attribute(Attribute::optional("web_identity_token", Type::String, "The OpenID Connect token itself. Conflicts with `web_identity_token_file`.").sensitive())
            .attribute(Attribute::optional("web_identity_token_file", Type::String, "File holding the OpenID Connect token, read again whenever the session is renewed. Conflicts with `web_identity_token`; falls back to `AWS_WEB_IDENTITY_TOKEN_FILE`.")),
    )
}

fn provider_schema() -> Schema {
    Schema::new(
        Block::new("Manages AWS Proton templates and their versions. Every setting falls back to the standard AWS configuration chain (environment variables, shared config and credentials files, SSO, web identity, instance metadata).")
            .attribute(Attribute::optional("access_key", Type::String, "AWS access key ID. Requires `secret_key`.").sensitive())
            .attribute(
                Attribute::optional("allowed_account_ids", string_set(), "The only AWS account IDs the provider may act in. Checked once at configuration with STS GetCallerIdentity (after every role is assumed), before any other call; any other account is an error naming it. Conflicts with `forbidden_account_ids`.")
                    .validate(Validator::Elements(Box::new(pattern(ACCOUNT_ID)))),
            )
            .attribute(
                Attribute::optional("attempt_timeout", Type::String, "Time allowed for one attempt of an AWS call, from sending the request to the full response, as a duration such as `20s` or `1m`. Default `20s`. An endpoint that gives no response (connection refused, connect or attempt timeout) is tried at most 3 times per call (fewer with a lower `max_retries`), so a stalled endpoint is reported after about three attempt timeouts.")
                    .validate(Validator::Duration),
            )
            .attribute(
                Attribute::optional("connect_timeout", Type::String, "Time allowed to establish a connection to the endpoint, as a duration such as `5s`. Default `5s`.")
                    .validate(Validator::Duration),
            )
            .attribute(Attribute::optional("custom_ca_bundle", Type::String, "File of PEM certificates (roots and intermediates) to trust for HTTPS connections to AWS instead of the system's, e.g. behind a TLS-inspecting proxy or for a private endpoint. Falls back to `AWS_CA_BUNDLE` (a `ca_bundle` in the shared config file is not read, as in terraform-provider-aws). Checked at plan time: the file must exist and every certificate in it must parse, and there must be at least one."))
            .attribute(
                Attribute::optional("forbidden_account_ids", string_set(), "AWS account IDs the provider must not act in. Checked once at configuration with STS GetCallerIdentity (after every role is assumed), before any other call. Conflicts with `allowed_account_ids`.")
                    .validate(Validator::Elements(Box::new(pattern(ACCOUNT_ID)))),
            )
            .attribute(Attribute::optional("http_proxy", Type::String, "URL of a proxy for calls to `http://` endpoints, e.g. `http://proxy.internal:3128` (`http://USER:PASSWORD@HOST:PORT` with credentials, which are kept out of logs). Falls back to `HTTP_PROXY`, then `http_proxy`; `\"\"` means no proxy, whatever the environment says. Checked at plan time: an `http://` or `https://` URL with a host. Differs from terraform-provider-aws: calls to `https://` endpoints never use it (terraform-provider-aws still falls back to `http_proxy` for them when `https_proxy` is unset, with a warning), a URL without a scheme is refused, and endpoints on `localhost` or loopback addresses are proxied too unless `no_proxy` lists them."))
            .attribute(Attribute::optional("https_proxy", Type::String, "URL of a proxy for calls to `https://` endpoints (every AWS endpoint), which reach the endpoint through a `CONNECT` tunnel, so TLS stays end to end; e.g. `http://proxy.internal:3128`, with credentials as for `http_proxy`. Falls back to `HTTPS_PROXY`, then `https_proxy`; `\"\"` means no proxy. Checked at plan time: an `http://` or `https://` URL with a host. Unlike terraform-provider-aws, endpoints on `localhost` or loopback addresses are proxied too unless `no_proxy` lists them."))
            .attribute(
                Attribute::optional("max_retries", Type::Number, "Retries after the first attempt of a failed AWS call (throttling, 5xx, network). Default 9 (10 attempts); attempts without any response stop after 3 (see `attempt_timeout`).")
                    .validate(Validator::IntRange { min: 0, max: 100 }),
            )
            .attribute(Attribute::optional("no_proxy", Type::String, "Comma-separated list of hosts reached without a proxy. Each entry is `*` (no proxy at all), a domain name (the domain and its subdomains; with a leading `.`, only its subdomains), an IP address, or a CIDR block such as `10.0.0.0/8`; domain names and IP addresses may carry a port (`127.0.0.1:4580`). Falls back to `NO_PROXY`, then `no_proxy`."))
            .attribute(Attribute::optional("profile", Type::String, "Named profile from the shared config files."))
            .attribute(Attribute::optional("region", Type::String, "AWS region, e.g. `us-east-1`. Falls back to `AWS_REGION` and the profile."))
            .attribute(
                Attribute::optional("retry_mode", Type::String, "How failed AWS calls are retried: `standard` (exponential backoff with jitter) or `adaptive` (the same, plus client-side rate limiting when AWS throttles). Falls back to `AWS_RETRY_MODE`, then `standard`.")
                    .validate(Validator::OneOf(&["standard", "adaptive"])),
            )
            .attribute(Attribute::optional("s3_use_path_style", Type::Bool, "Address S3 objects as `ENDPOINT/BUCKET/KEY` rather than `BUCKET.ENDPOINT/KEY`, as endpoints such as proton-local and most S3-compatible stores need. Default `false`. S3 is used only to upload bundles built from a `source { directory }`."))
            .attribute(Attribute::optional("secret_key", Type::String, "AWS secret access key. Requires `access_key`.").sensitive())
            .attribute(Attribute::optional("shared_config_files", string_list(), "Shared config files to read instead of `~/.aws/config`."))
            .attribute(Attribute::optional("shared_credentials_files", string_list(), "Shared credentials files to read instead of `~/.aws/credentials`."))
            .attribute(Attribute::optional("skip_credentials_validation", Type::Bool, "Whether to skip checking the credentials with STS GetCallerIdentity at configuration. Default `true` here (terraform-provider-aws: `false`); set `false` to have bad credentials reported before any other call. The check is made whatever this says when `allowed_account_ids` or `forbidden_account_ids` is set."))
            .attribute(Attribute::optional("skip_requesting_account_id", Type::Bool, "Accepted for compatibility with terraform-provider-aws; has no effect, as this provider needs the account ID only for `allowed_account_ids` / `forbidden_account_ids`, which always ask STS."))
            .attribute(Attribute::optional("token", Type::String, "Session token for temporary credentials.").sensitive())
            .nested(assume_role_block())
            .nested(web_identity_block())
            .nested(NestedBlock::single(
                "default_tags",
                Block::new("Tags applied to every resource that supports tags.")
                    .attribute(
                        Attribute::optional("tags", Type::Map(Box::new(Type::String)), "Tags merged into every resource's `tags_all`; a resource's own `tags` win. Keys starting with `aws:` or `terraform-provider-proton:` (in any case) are reserved. Must be known at plan time. A key `ignore_tags` ignores is set when a resource is created, then never updated (as with terraform-provider-aws).")
                            .validate(tags::key_validator())
                            .validate(tags::provider_key_validator())
                            .validate(tags::key_length_validator())
                            .validate(tags::value_length_validator()),
                    ),
            ))
            .nested(NestedBlock::single(
                "endpoints",
                Block::new("Custom service endpoints, e.g. a local Proton endpoint.")
                    .attribute(Attribute::optional("proton", Type::String, "URL of the Proton API, e.g. `http://127.0.0.1:4580` for proton-local. Falls back to `AWS_ENDPOINT_URL_PROTON`."))
                    .attribute(Attribute::optional("resourcegroupstaggingapi", Type::String, "URL of the Resource Groups Tagging API, from which a refresh reads the tags of many objects per request, e.g. `http://127.0.0.1:4580` for proton-local. Falls back to `AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API`. With a custom Proton endpoint (`proton` or `AWS_ENDPOINT_URL_PROTON`) and none here, refreshes read each object's tags from Proton instead."))
                    .attribute(Attribute::optional("s3", Type::String, "URL of the S3 API, where bundles built from a `source { directory }` are uploaded, e.g. `http://127.0.0.1:4580` for proton-local (with `s3_use_path_style`). Falls back to `AWS_ENDPOINT_URL_S3`."))
                    .attribute(Attribute::optional("sts", Type::String, "URL of the STS API, used for `assume_role`, `assume_role_with_web_identity` and the account check, e.g. `http://127.0.0.1:4580` for proton-local. Falls back to `AWS_ENDPOINT_URL_STS`.")),
            ))
            .nested(ignore_tags_block()),
    )
}

/// Proton's tag key length: a longer (or empty) key or prefix matches no tag.
fn ignored_key_validator() -> Validator {
    Validator::Elements(Box::new(Validator::Length { min: 1, max: 128 }))
}

fn ignore_tags_block() -> NestedBlock {
    NestedBlock::single(
        "ignore_tags",
        Block::new("Tags the provider leaves to another system (a cost or security tool, say) on every resource, data source and list resource, as terraform-provider-aws's `ignore_tags`. A tag in Proton whose key is ignored is never shown in `tags` or `tags_all`, never makes a plan, and is never removed or changed by an update. As with terraform-provider-aws, a key also written in a resource's `tags` or in `default_tags` is sent when the resource is created, then never updated and never read back, so in `tags` it shows as a change in every plan (the provider warns about it): leave ignored keys out of `tags`. Unlike terraform-provider-aws, no environment variables (`TF_AWS_IGNORE_TAGS_KEYS`, `TF_AWS_IGNORE_TAGS_KEY_PREFIXES`) are read.")
            .attribute(
                Attribute::optional("key_prefixes", string_set(), "Tag key prefixes to ignore, matched case-sensitively: `[\"ops:\"]` ignores `ops:cost-center`. Each 1 to 128 characters; terraform-provider-aws also accepts an empty prefix, which ignores every tag.")
                    .validate(ignored_key_validator()),
            )
            .attribute(
                Attribute::optional("keys", string_set(), "Tag keys to ignore, matched exactly and case-sensitively: `[\"owner\"]` ignores `owner` but not `Owner`. Each 1 to 128 characters (Proton's tag key length; terraform-provider-aws accepts any string, but no other matches a tag).")
                    .validate(ignored_key_validator()),
            ),
    )
}

/// The `ignore_tags` block's keys and prefixes (none when unset). Unknown
/// values were refused by `settings_from_config`.
fn ignore_tags_from_config(config: &Value) -> IgnoreTags {
    let block = blocks(config, "ignore_tags").first().copied();
    let items = |name: &str| string_items(block.and_then(|b| b.get_attr(name)));
    IgnoreTags {
        keys: items("keys").into_iter().collect(),
        key_prefixes: items("key_prefixes").into_iter().collect(),
    }
}

/// The path of the first unknown value inside an object, if any.
fn first_unknown(value: &Value, path: &AttributePath) -> Option<AttributePath> {
    match value {
        Value::Unknown => Some(path.clone()),
        Value::Object(attributes) => attributes
            .iter()
            .find_map(|(name, v)| first_unknown(v, &path.child_attr(name))),
        other if !other.is_wholly_known() => Some(path.clone()),
        _ => None,
    }
}

/// `default_tags` values known only after apply: an error per unknown tag
/// (or one for the whole map) saying why they must be known and how to fix it.
fn report_unknown_default_tags(config: &Value, diags: &mut Diagnostics) {
    let path = AttributePath::attr("default_tags").child_attr("tags");
    let unknown: Vec<AttributePath> = match config
        .get_attr("default_tags")
        .and_then(|block| block.get_attr("tags"))
    {
        Some(Value::Map(items)) => items
            .iter()
            .filter(|(_, value)| !value.is_wholly_known())
            .map(|(key, _)| path.child_key(key))
            .collect(),
        Some(value) if !value.is_wholly_known() => vec![path],
        _ => Vec::new(),
    };
    for path in unknown {
        diags.attribute_error(
            path.clone(),
            "default_tags must be known at plan time",
            format!(
                "`{path}` depends on a value known only after apply (such as an attribute of a resource that is not created yet). The provider must know default_tags at plan time, because every resource's `tags_all` is planned from them.\n\nTo fix this, either:\n- use a value known at plan time (a literal, a variable, or a local built from them);\n- create what it depends on first, with `terraform apply -target=ADDRESS`, after which the value is known and plans work again; or\n- set the tag in the `tags` of each resource instead, which may depend on values known only after apply."
            ),
        );
    }
}

/// Reads the provider block into SDK settings. A block that depends on
/// values known only after apply is refused, naming the attribute: silently
/// falling back to defaults could send requests to the wrong endpoint.
fn settings_from_config(
    config: &Value,
    diags: &mut Diagnostics,
) -> (ProtonSettings, BTreeMap<String, String>) {
    report_unknown_default_tags(config, diags);
    // default_tags have their own message above.
    let mut without_default_tags = config.clone();
    if let Some(slot) = without_default_tags.get_attr_mut("default_tags") {
        *slot = Value::Null;
    }
    if let Some(path) = first_unknown(&without_default_tags, &AttributePath::root()) {
        diags.attribute_error(
            path.clone(),
            "Provider setting not known yet",
            format!("`{path}` depends on a value known only after apply; the provider must be configured at plan time."),
        );
    }
    let string = |name: &str| {
        config
            .get_attr(name)
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let strings = |name: &str| -> Vec<String> {
        match config.get_attr(name) {
            Some(Value::List(items)) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        }
    };
    let max_retries = config
        .get_attr("max_retries")
        .and_then(Value::as_number)
        .and_then(|n| n.to_i64())
        .and_then(|n| u32::try_from(n).ok());
    let endpoint = |service: &str| {
        config
            .get_attr("endpoints")
            .and_then(|e| e.get_attr(service))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let default_tags = config
        .get_attr("default_tags")
        .and_then(|d| d.get_attr("tags"))
        .map(tags::from_value)
        .unwrap_or_default();
    let duration = |name: &'static str, diags: &mut Diagnostics| {
        let text = config.get_attr(name).and_then(Value::as_str)?;
        // Malformed durations are refused by validation before configuration.
        let parsed = parse_duration(text).ok()?;
        if parsed.is_zero() {
            diags.attribute_error(
                AttributePath::attr(name),
                "Invalid timeout",
                format!("`{name}` must be longer than zero; got {text:?}."),
            );
        }
        Some(parsed)
    };
    let connect_timeout = duration("connect_timeout", diags);
    let attempt_timeout = duration("attempt_timeout", diags);
    let settings = ProtonSettings {
        region: string("region"),
        profile: string("profile"),
        access_key: string("access_key"),
        secret_key: string("secret_key"),
        token: string("token"),
        shared_config_files: strings("shared_config_files"),
        shared_credentials_files: strings("shared_credentials_files"),
        endpoint: endpoint("proton"),
        s3_endpoint: endpoint("s3"),
        s3_use_path_style: config
            .get_attr("s3_use_path_style")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        max_retries,
        connect_timeout,
        attempt_timeout,
        sts_endpoint: endpoint("sts"),
        tagging_endpoint: endpoint("resourcegroupstaggingapi"),
        retry_mode: string("retry_mode"),
        assume_roles: blocks(config, "assume_role")
            .iter()
            .map(|block| assume_role_from(block))
            .collect(),
        web_identity: blocks(config, "assume_role_with_web_identity")
            .first()
            .map(|block| web_identity_from(block)),
        allowed_account_ids: string_items(config.get_attr("allowed_account_ids")),
        forbidden_account_ids: string_items(config.get_attr("forbidden_account_ids")),
        // Null is `true` here: see the attribute's description.
        validate_credentials: config
            .get_attr("skip_credentials_validation")
            .and_then(Value::as_bool)
            == Some(false),
        skip_requesting_account_id: config
            .get_attr("skip_requesting_account_id")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        custom_ca_bundle: string("custom_ca_bundle"),
        http_proxy: string("http_proxy"),
        https_proxy: string("https_proxy"),
        no_proxy: string("no_proxy"),
    };
    (settings, default_tags)
}

/// The strings of a list or set (nothing for null).
fn string_items(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::List(items) | Value::Set(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

/// The objects of a nested block: a list block's items, or a single block when set.
fn blocks<'a>(config: &'a Value, name: &str) -> Vec<&'a Value> {
    match config.get_attr(name) {
        Some(Value::List(items)) => items.iter().collect(),
        Some(Value::Null) | None => Vec::new(),
        Some(single) => vec![single],
    }
}

fn block_string(block: &Value, name: &str) -> Option<String> {
    block
        .get_attr(name)
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// A block's `duration`; malformed ones were refused by validation.
fn block_duration(block: &Value) -> Option<std::time::Duration> {
    block
        .get_attr("duration")
        .and_then(Value::as_str)
        .and_then(|text| parse_duration(text).ok())
}

fn assume_role_from(block: &Value) -> AssumeRole {
    AssumeRole {
        role_arn: block_string(block, "role_arn").unwrap_or_default(),
        session_name: block_string(block, "session_name"),
        external_id: block_string(block, "external_id"),
        duration: block_duration(block),
        policy: block_string(block, "policy"),
        policy_arns: string_items(block.get_attr("policy_arns")),
        tags: block
            .get_attr("tags")
            .map(tags::from_value)
            .unwrap_or_default(),
        transitive_tag_keys: string_items(block.get_attr("transitive_tag_keys")),
        source_identity: block_string(block, "source_identity"),
    }
}

fn web_identity_from(block: &Value) -> WebIdentity {
    WebIdentity {
        role_arn: block_string(block, "role_arn"),
        session_name: block_string(block, "session_name"),
        web_identity_token: block_string(block, "web_identity_token"),
        web_identity_token_file: block_string(block, "web_identity_token_file"),
        duration: block_duration(block),
        policy: block_string(block, "policy"),
        policy_arns: string_items(block.get_attr("policy_arns")),
    }
}

/// Plan-time checks the schema's validators cannot express, each on its attribute: the two
/// account lists together, session durations outside STS's bounds, policies that are not
/// JSON objects, and both web identity token sources. Unknown values are left alone.
fn validate_auth(config: &Value, diags: &mut Diagnostics) {
    // An unknown list may turn out empty: only two known, non-empty lists conflict.
    let set = |name: &str| matches!(config.get_attr(name), Some(Value::Set(items) | Value::List(items)) if !items.is_empty());
    if set("allowed_account_ids") && set("forbidden_account_ids") {
        diags.attribute_error(
            AttributePath::attr("forbidden_account_ids"),
            "Conflicting account ID settings",
            "`allowed_account_ids` and `forbidden_account_ids` cannot both be set: keep the one list that says what you mean.",
        );
    }
    let mut checked: Vec<(AttributePath, &Value)> = blocks(config, "assume_role")
        .into_iter()
        .enumerate()
        .map(|(index, block)| {
            let index = i64::try_from(index).unwrap_or(i64::MAX);
            (AttributePath::attr("assume_role").child_index(index), block)
        })
        .collect();
    if let Some(block) = blocks(config, "assume_role_with_web_identity").first() {
        let path = AttributePath::attr("assume_role_with_web_identity");
        let given = |name: &str| !matches!(block.get_attr(name), Some(Value::Null) | None);
        if given("web_identity_token") && given("web_identity_token_file") {
            diags.attribute_error(
                path.child_attr("web_identity_token_file"),
                "Conflicting web identity token settings",
                "Set `web_identity_token` or `web_identity_token_file`, not both.",
            );
        }
        checked.push((path, block));
    }
    for (path, block) in checked {
        if let Some(text) = block.get_attr("duration").and_then(Value::as_str) {
            let (shortest, longest) = SESSION_DURATION_BOUNDS;
            match parse_duration(text) {
                Ok(duration) if duration < shortest || duration > longest => diags.attribute_error(
                    path.child_attr("duration"),
                    "Invalid session duration",
                    format!("`duration` must be from 15m to 12h (STS's bounds); got {text:?}."),
                ),
                // Malformed durations have the Duration validator's error.
                _ => {}
            }
        }
        if let Some(policy) = block.get_attr("policy").and_then(Value::as_str) {
            let is_object = serde_json::from_str::<serde_json::Value>(policy)
                .is_ok_and(|json| json.is_object());
            if !is_object {
                diags.attribute_error(
                    path.child_attr("policy"),
                    "Invalid session policy",
                    "`policy` must be an IAM policy document: a JSON object (e.g. from `jsonencode` or `data.aws_iam_policy_document`).",
                );
            }
        }
    }
}

/// Plan-time checks of the transport settings, each on its attribute: a proxy that is not an
/// `http(s)://` URL, a CA bundle that cannot be read or holds no usable certificate. Values
/// from the environment are checked at configuration.
fn validate_transport(config: &Value, diags: &mut Diagnostics) {
    let given = |name: &str| config.get_attr(name).and_then(Value::as_str);
    for name in ["http_proxy", "https_proxy"] {
        // `""` is "no proxy".
        let Some(url) = given(name).filter(|url| !url.trim().is_empty()) else {
            continue;
        };
        if let Err(err) = ProxyUrl::parse(name, url) {
            diags.attribute_error(
                AttributePath::attr(name),
                "Invalid proxy URL",
                err.to_string(),
            );
        }
    }
    if let Some(path) = given("custom_ca_bundle") {
        if let Err(err) = CaBundle::read("custom_ca_bundle", path) {
            diags.attribute_error(
                AttributePath::attr("custom_ca_bundle"),
                "Invalid CA bundle",
                err.to_string(),
            );
        }
    }
}

/// The types `types` makes for a kind, for every kind in order.
fn per_kind<T: ?Sized, const N: usize>(types: impl Fn(TemplateKind) -> [Arc<T>; N]) -> Vec<Arc<T>> {
    TemplateKind::ALL.into_iter().flat_map(types).collect()
}

#[async_trait::async_trait]
impl Provider for ProtonProvider {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        validate_auth(config, diags);
        validate_transport(config, diags);
    }

    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        per_kind(|kind| -> [Arc<dyn Resource>; 2] {
            [
                Arc::new(TemplateResource::new(kind, template::shape, self.state())),
                Arc::new(TemplateVersionResource::new(
                    kind,
                    template_version::shape,
                    self.state(),
                )),
            ]
        })
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        per_kind(|kind| -> [Arc<dyn DataSource>; 3] {
            [
                Arc::new(TemplateData::new(kind, template_data::shape, self.state())),
                Arc::new(VersionData::new(kind, version_data::shape, self.state())),
                Arc::new(VersionsData::new(kind, versions_data::shape, self.state())),
            ]
        })
    }

    fn list_resources(&self) -> Vec<Arc<dyn ListResource>> {
        per_kind(|kind| -> [Arc<dyn ListResource>; 2] {
            [
                Arc::new(TemplateList::new(kind, template_list::shape, self.state())),
                Arc::new(VersionList::new(kind, version_list::shape, self.state())),
            ]
        })
    }

    async fn configure(&self, config: &Value, terraform_version: &str, diags: &mut Diagnostics) {
        let (settings, default_tags) = settings_from_config(config, diags);
        let ignore_tags = ignore_tags_from_config(config);
        if diags.has_errors() {
            return;
        }
        tracing::debug!(
            terraform_version,
            ?settings,
            "configuring the Proton client"
        );
        match build_client(&settings).await {
            // Terraform configures once per process; a second call keeps the first.
            Ok(regions) => self.state.set(
                regions,
                ProviderTags {
                    default_tags,
                    ignore_tags,
                },
            ),
            Err(err) => match err.attribute() {
                Some(attribute) => diags.attribute_error(
                    AttributePath::attr(attribute),
                    "Invalid provider configuration",
                    err.to_string(),
                ),
                None => diags.error("Invalid provider configuration", err.to_string()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::plugin::model::{check_one_to_one, NestedModel};
    use crate::resources::identity::Identified;
    use crate::resources::model::{
        CompatibleTemplate, S3Location, Source, TemplateModel, VersionModel,
    };

    /// Every model is held 1:1 against the fields of the schemas that
    /// declare it, of both kinds: a struct field that no schema (resource,
    /// data source, identity, nested block) names is a forgotten attribute.
    #[test]
    fn every_model_is_held_one_to_one_against_its_schemas() {
        let templates =
            TemplateKind::ALL.map(|kind| (template::shape(kind), template_data::shape(kind)));
        let versions = TemplateKind::ALL
            .map(|kind| (template_version::shape(kind), version_data::shape(kind)));
        let template_identity = TemplateModel::identity_fields();
        let version_identity = VersionModel::identity_fields();
        // A model's fields may be split between the kinds (service-only attributes).
        let mut template_fields = vec![&template_identity];
        let mut version_fields = vec![&version_identity];
        for ((template, template_data), (version, version_data)) in templates.iter().zip(&versions)
        {
            template_fields.extend([template.fields(), template_data.fields()]);
            version_fields.extend([version.fields(), version_data.fields()]);
        }
        check_one_to_one(&template_fields).unwrap();
        check_one_to_one(&version_fields).unwrap();
        for kind in TemplateKind::ALL {
            check_one_to_one(&[versions_data::shape(kind).fields()]).unwrap();
            check_one_to_one(&[template_list::shape(kind).fields()]).unwrap();
            check_one_to_one(&[version_list::shape(kind).fields()]).unwrap();
        }
        check_one_to_one(&[&Source::fields()]).unwrap();
        check_one_to_one(&[&S3Location::fields()]).unwrap();
        check_one_to_one(&[&CompatibleTemplate::fields()]).unwrap();
    }

    fn config(endpoint: Value) -> Value {
        let ty = provider_schema().implied_type();
        let mut config = Value::empty_of(&ty);
        *config.get_attr_mut("region").unwrap() = Value::string("eu-west-1");
        *config.get_attr_mut("secret_key").unwrap() = Value::string("s3cr3t");
        *config.get_attr_mut("endpoints").unwrap() = Value::object([("proton", endpoint)]);
        *config.get_attr_mut("default_tags").unwrap() = Value::object([(
            "tags",
            tags::to_value(&[("team".to_string(), "a".to_string())].into()),
        )]);
        config
    }

    #[test]
    fn reads_settings_and_default_tags() {
        let mut diags = Diagnostics::new();
        let (settings, default_tags) =
            settings_from_config(&config(Value::string("http://x")), &mut diags);
        assert!(diags.is_empty());
        assert_eq!(settings.region.as_deref(), Some("eu-west-1"));
        assert_eq!(settings.endpoint.as_deref(), Some("http://x"));
        assert_eq!(settings.secret_key.as_deref(), Some("s3cr3t"));
        assert_eq!(default_tags.get("team").map(String::as_str), Some("a"));
        assert!(
            !format!("{settings:?}").contains("s3cr3t"),
            "secrets must not reach logs"
        );
    }

    /// A provider configuration with `set` applied to its empty value.
    fn config_with(set: impl FnOnce(&mut Value)) -> Value {
        let mut config = Value::empty_of(&provider_schema().implied_type());
        set(&mut config);
        config
    }

    fn strings(items: &[&str]) -> Value {
        Value::Set(items.iter().map(|s| Value::string(*s)).collect())
    }

    fn role(attributes: &[(&str, Value)]) -> Value {
        let schema = provider_schema();
        let block = schema.block.find_block("assume_role").unwrap();
        let mut role = Value::empty_of(&block.block.implied_type());
        for (name, value) in attributes {
            *role.get_attr_mut(name).unwrap() = value.clone();
        }
        role
    }

    /// The paths of the errors `validate_auth` reports for `config`.
    /// The attribute paths of what `validate` reports of `config`.
    fn error_paths(validate: fn(&Value, &mut Diagnostics), config: &Value) -> Vec<String> {
        let mut diags = Diagnostics::new();
        validate(config, &mut diags);
        let paths = diags.0.iter().map(|d| d.attribute.as_ref());
        paths
            .map(|p| p.map(ToString::to_string).unwrap_or_default())
            .collect()
    }

    fn auth_error_paths(config: &Value) -> Vec<String> {
        error_paths(validate_auth, config)
    }

    #[test]
    fn both_account_lists_are_an_error_on_the_forbidden_list_but_either_alone_is_not() {
        let both = config_with(|c| {
            *c.get_attr_mut("allowed_account_ids").unwrap() = strings(&["123456789012"]);
            *c.get_attr_mut("forbidden_account_ids").unwrap() = strings(&["210987654321"]);
        });
        assert_eq!(auth_error_paths(&both), ["forbidden_account_ids"]);
        let unknown_other = config_with(|c| {
            *c.get_attr_mut("allowed_account_ids").unwrap() = strings(&["123456789012"]);
            *c.get_attr_mut("forbidden_account_ids").unwrap() = Value::Unknown;
        });
        assert!(auth_error_paths(&unknown_other).is_empty());
        let allowed = config_with(|c| {
            *c.get_attr_mut("allowed_account_ids").unwrap() = strings(&["123456789012"]);
            *c.get_attr_mut("forbidden_account_ids").unwrap() = strings(&[]);
        });
        assert!(auth_error_paths(&allowed).is_empty());
    }

    #[test]
    fn session_durations_and_policies_are_checked_on_each_block() {
        let arn = (
            "role_arn",
            Value::string("arn:aws:iam::123456789012:role/a"),
        );
        let config = config_with(|c| {
            *c.get_attr_mut("assume_role").unwrap() = Value::List(vec![
                role(&[arn.clone(), ("duration", Value::string("15m"))]),
                role(&[arn.clone(), ("duration", Value::string("14m59s"))]),
                role(&[arn.clone(), ("duration", Value::string("12h1s"))]),
                role(&[arn.clone(), ("policy", Value::string("[1]"))]),
                role(&[
                    arn.clone(),
                    ("policy", Value::string(r#"{"Version":"2012-10-17"}"#)),
                ]),
                role(&[arn.clone(), ("duration", Value::Unknown)]),
            ]);
        });
        assert_eq!(
            auth_error_paths(&config),
            [
                "assume_role[1].duration",
                "assume_role[2].duration",
                "assume_role[3].policy"
            ]
        );
    }

    #[test]
    fn both_web_identity_token_sources_are_an_error_on_the_file() {
        let config = config_with(|c| {
            let block = c.get_attr_mut("assume_role_with_web_identity").unwrap();
            let schema = provider_schema();
            let nested = schema
                .block
                .find_block("assume_role_with_web_identity")
                .unwrap();
            *block = Value::empty_of(&nested.block.implied_type());
            *block.get_attr_mut("web_identity_token").unwrap() = Value::string("eyJ.a.b");
            *block.get_attr_mut("web_identity_token_file").unwrap() = Value::string("/t");
        });
        assert_eq!(
            auth_error_paths(&config),
            ["assume_role_with_web_identity.web_identity_token_file"]
        );
    }

    #[test]
    fn reads_role_chains_in_order_and_skip_credentials_validation_defaults_to_skipping() {
        let config = config_with(|c| {
            *c.get_attr_mut("assume_role").unwrap() = Value::List(vec![
                role(&[
                    (
                        "role_arn",
                        Value::string("arn:aws:iam::111111111111:role/a"),
                    ),
                    ("duration", Value::string("1h")),
                    ("external_id", Value::string("ext")),
                    ("transitive_tag_keys", strings(&["team"])),
                ]),
                role(&[(
                    "role_arn",
                    Value::string("arn:aws:iam::222222222222:role/b"),
                )]),
            ]);
        });
        let mut diags = Diagnostics::new();
        let (settings, _) = settings_from_config(&config, &mut diags);
        assert!(diags.is_empty());
        let arns: Vec<&str> = settings
            .assume_roles
            .iter()
            .map(|r| r.role_arn.as_str())
            .collect();
        assert_eq!(
            arns,
            [
                "arn:aws:iam::111111111111:role/a",
                "arn:aws:iam::222222222222:role/b"
            ]
        );
        let first = &settings.assume_roles[0];
        assert_eq!(first.duration, Some(std::time::Duration::from_secs(3600)));
        assert_eq!(first.external_id.as_deref(), Some("ext"));
        assert_eq!(first.transitive_tag_keys, ["team"]);
        assert!(!settings.validate_credentials);
        let explicit = config_with(|c| {
            *c.get_attr_mut("skip_credentials_validation").unwrap() = Value::Bool(false);
        });
        let (settings, _) = settings_from_config(&explicit, &mut diags);
        assert!(settings.validate_credentials);
    }

    /// A provider configuration whose `ignore_tags` block has `keys` and `key_prefixes`.
    fn ignoring(keys: Value, key_prefixes: Value) -> Value {
        config_with(|c| {
            *c.get_attr_mut("ignore_tags").unwrap() =
                Value::object([("keys", keys), ("key_prefixes", key_prefixes)]);
        })
    }

    #[test]
    fn reads_ignore_tags_and_none_when_unset() {
        let config = ignoring(strings(&["owner", "team"]), strings(&["ops:"]));
        let ignore = ignore_tags_from_config(&config);
        assert_eq!(ignore.keys.iter().collect::<Vec<_>>(), ["owner", "team"]);
        assert_eq!(ignore.key_prefixes.iter().collect::<Vec<_>>(), ["ops:"]);
        let only_keys = ignore_tags_from_config(&ignoring(strings(&["owner"]), Value::Null));
        assert!(only_keys.key_prefixes.is_empty());
        assert_eq!(
            ignore_tags_from_config(&config_with(|_| {})),
            IgnoreTags::default()
        );
    }

    #[test]
    fn ignore_tags_are_validated_and_must_be_known() {
        let schema = provider_schema();
        let mut diags = Diagnostics::new();
        let config = ignoring(
            strings(&["", "owner"]),
            strings(&["ops:", &"x".repeat(129)]),
        );
        schema
            .block
            .validate(&config, &AttributePath::root(), &mut diags);
        let paths: Vec<String> = diags
            .0
            .iter()
            .map(|d| d.attribute.as_ref().unwrap().to_string())
            .collect();
        assert_eq!(paths, ["ignore_tags.key_prefixes", "ignore_tags.keys"]);

        let mut diags = Diagnostics::new();
        settings_from_config(&ignoring(Value::Unknown, Value::Null), &mut diags);
        assert!(diags.has_errors());
        assert_eq!(
            diags.0[0].attribute.as_ref().unwrap().to_string(),
            "ignore_tags.keys"
        );
    }

    #[test]
    fn transport_settings_are_checked_on_their_attributes_and_unknowns_are_left_alone() {
        let no_certificate = tempfile::NamedTempFile::new().unwrap();
        let path = no_certificate.path().display().to_string();
        let errors = |set: &[(&str, Value)]| {
            let config = config_with(|c| {
                for (name, value) in set {
                    *c.get_attr_mut(name).unwrap() = value.clone();
                }
            });
            error_paths(validate_transport, &config)
        };
        assert_eq!(
            errors(&[
                ("custom_ca_bundle", Value::string(path)),
                ("http_proxy", Value::string("proxy.internal:3128")),
                ("https_proxy", Value::string("socks5://127.0.0.1:1080")),
            ]),
            ["http_proxy", "https_proxy", "custom_ca_bundle"]
        );
        assert!(errors(&[
            ("custom_ca_bundle", Value::Unknown),
            ("http_proxy", Value::string("")),
            ("https_proxy", Value::string("http://proxy.internal:3128")),
            ("no_proxy", Value::string("*")),
        ])
        .is_empty());
    }

    #[test]
    fn an_unknown_setting_is_an_error_on_that_attribute() {
        let mut diags = Diagnostics::new();
        settings_from_config(&config(Value::Unknown), &mut diags);
        assert!(diags.has_errors());
        assert_eq!(
            diags.0[0].attribute.as_ref().unwrap().to_string(),
            "endpoints.proton"
        );
    }
}
