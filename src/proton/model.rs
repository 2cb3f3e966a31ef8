//! Proton domain types, free of SDK types.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub use crate::kind::TemplateKind;

/// Where an ARN says its object lives: `arn:PARTITION:SERVICE:REGION:ACCOUNT:...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArnScope {
    pub partition: String,
    pub region: String,
    pub account: String,
}

impl ArnScope {
    /// The scope of `arn`, or `None` when it is not an ARN.
    pub fn of(arn: &str) -> Option<Self> {
        let mut parts = arn.splitn(6, ':');
        let (Some("arn"), Some(partition), Some(_service), Some(region), Some(account), Some(_)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return None;
        };
        Some(Self {
            partition: partition.to_owned(),
            region: region.to_owned(),
            account: account.to_owned(),
        })
    }
}

/// The AWS partition a region belongs to (`aws`, `aws-cn`, `aws-us-gov`, ...), from the
/// region name's prefix as the SDK's endpoint rules decide it.
pub fn partition_of_region(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else if region.starts_with("eu-isoe-") {
        "aws-iso-e"
    } else if region.starts_with("us-isof-") {
        "aws-iso-f"
    } else {
        "aws"
    }
}

/// Identity of one template version: `(template name, major, minor)`.
///
/// Displayed as the Terraform resource ID `NAME:MAJOR.MINOR`, which mirrors the ARN suffix.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VersionKey {
    pub template_name: String,
    pub major: String,
    pub minor: String,
}

const ID_FORMATS: &str = "expected `TEMPLATE_NAME:MAJOR.MINOR` (for example `my-template:1.0`) \
     or a version ARN such as \
     `arn:aws:proton:us-east-1:123456789012:environment-template/my-template:1.0`";

/// Why an ID or ARN could not be parsed into a [`VersionKey`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("invalid template version ID `{id}`: {reason}; {ID_FORMATS}")]
    Malformed { id: String, reason: String },
    #[error(
        "`{id}` is the ARN of {} {found} version, but {} {expected} version was expected \
         (its ARN contains `:{}/`)",
        found.article(),
        expected.article(),
        expected.arn_resource_type()
    )]
    WrongKind {
        id: String,
        expected: TemplateKind,
        found: TemplateKind,
    },
}

impl VersionKey {
    pub fn new(
        template_name: impl Into<String>,
        major: impl Into<String>,
        minor: impl Into<String>,
    ) -> Self {
        Self {
            template_name: template_name.into(),
            major: major.into(),
            minor: minor.into(),
        }
    }

    /// Parses a resource ID for a version of `kind`: either `NAME:MAJOR.MINOR` or a full
    /// version ARN. An ARN of the other kind is rejected with [`IdError::WrongKind`].
    pub fn parse_id(kind: TemplateKind, id: &str) -> Result<Self, IdError> {
        // `arn` is a valid template name, so `arn:1.0` is a version id; an ARN has
        // at least five `:`.
        if id.starts_with("arn:") && id.matches(':').count() > 1 {
            let (found, key) = Self::parse_arn(id)?;
            if found != kind {
                return Err(IdError::WrongKind {
                    id: id.to_owned(),
                    expected: kind,
                    found,
                });
            }
            return Ok(key);
        }
        parse_name_and_version(id, id)
    }

    /// Parses a version ARN
    /// `arn:PARTITION:proton:REGION:ACCOUNT:{environment,service}-template/NAME:MAJOR.MINOR`,
    /// returning the template kind it names.
    pub fn parse_arn(arn: &str) -> Result<(TemplateKind, Self), IdError> {
        let malformed = |reason: &str| IdError::Malformed {
            id: arn.to_owned(),
            reason: reason.to_owned(),
        };
        // The resource part itself contains `:`, so split at most six ways.
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        let [prefix, partition, service, _region, account, resource] = parts.as_slice() else {
            return Err(malformed("an ARN has six `:`-separated parts"));
        };
        if *prefix != "arn" || partition.is_empty() {
            return Err(malformed("an ARN starts with `arn:PARTITION:`"));
        }
        if *service != "proton" {
            return Err(malformed("not a Proton ARN (service is not `proton`)"));
        }
        if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
            return Err(malformed("the account ID in an ARN has 12 digits"));
        }
        let of_kind = |(resource_type, rest)| {
            Some((TemplateKind::from_arn_resource_type(resource_type)?, rest))
        };
        let Some((kind, name_and_version)) = resource.split_once('/').and_then(of_kind) else {
            return Err(malformed(
                "the ARN resource is not `environment-template/...` or `service-template/...`",
            ));
        };
        if !name_and_version.contains(':') {
            return Err(malformed(
                "this is the ARN of a template, not of a template version",
            ));
        }
        Ok((kind, parse_name_and_version(arn, name_and_version)?))
    }
}

fn parse_name_and_version(id: &str, text: &str) -> Result<VersionKey, IdError> {
    let malformed = |reason: String| IdError::Malformed {
        id: id.to_owned(),
        reason,
    };
    // Template names cannot contain `:` or `.`, so the first `:` and the following `.` are
    // unambiguous separators.
    let Some((name, version)) = text.split_once(':') else {
        return Err(malformed(
            "missing `:` between template name and version".into(),
        ));
    };
    let Some((major, minor)) = version.split_once('.') else {
        return Err(malformed(format!(
            "version `{version}` is not `MAJOR.MINOR`"
        )));
    };
    if !is_resource_name(name) {
        return Err(malformed(format!(
            "template name `{name}` must be 1-100 characters of letters, digits, `_` and `-`, \
             starting with a letter or digit"
        )));
    }
    for (label, part) in [("major", major), ("minor", minor)] {
        if !is_version_part(part) {
            return Err(malformed(format!(
                "{label} version `{part}` must be a decimal number without leading zeros"
            )));
        }
    }
    Ok(VersionKey::new(name, major, minor))
}

/// Proton `ResourceName`: `^[0-9A-Za-z]+[0-9A-Za-z_\-]*$`, 1..100 characters.
fn is_resource_name(s: &str) -> bool {
    let bytes = s.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 100
        && bytes[0].is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
}

/// Proton `TemplateVersionPart`: `^(0|([1-9]{1}\d*))$`, 1..20 characters.
fn is_version_part(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 20
        && s.bytes().all(|b| b.is_ascii_digit())
        && (s == "0" || !s.starts_with('0'))
}

impl fmt::Display for VersionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}.{}", self.template_name, self.major, self.minor)
    }
}

/// Registration/publication state of a template version.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum VersionStatus {
    RegistrationInProgress,
    RegistrationFailed,
    Draft,
    Published,
    /// A status this provider does not know yet, kept verbatim.
    Unknown(String),
}

impl VersionStatus {
    pub fn as_str(&self) -> &str {
        match self {
            Self::RegistrationInProgress => "REGISTRATION_IN_PROGRESS",
            Self::RegistrationFailed => "REGISTRATION_FAILED",
            Self::Draft => "DRAFT",
            Self::Published => "PUBLISHED",
            Self::Unknown(s) => s,
        }
    }

    /// Registration finished successfully (`DRAFT` or `PUBLISHED`).
    pub fn is_registered(&self) -> bool {
        matches!(self, Self::Draft | Self::Published)
    }
}

impl From<&str> for VersionStatus {
    fn from(s: &str) -> Self {
        match s {
            "REGISTRATION_IN_PROGRESS" => Self::RegistrationInProgress,
            "REGISTRATION_FAILED" => Self::RegistrationFailed,
            "DRAFT" => Self::Draft,
            "PUBLISHED" => Self::Published,
            other => Self::Unknown(other.to_owned()),
        }
    }
}

impl fmt::Display for VersionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An environment template major version that a service template version works with.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CompatibleEnvironmentTemplate {
    pub template_name: String,
    pub major_version: String,
}

/// A template version as returned by List: what every answer about a version holds.
///
/// `description` is `None` both when unset and when empty: Proton cannot tell the two apart
/// after a description was cleared (see [`crate::proton::UpdateVersionInput`]).
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateVersionSummary {
    pub kind: TemplateKind,
    pub template_name: String,
    pub major_version: String,
    pub minor_version: String,
    pub recommended_minor_version: Option<String>,
    pub status: VersionStatus,
    pub status_message: Option<String>,
    pub description: Option<String>,
    pub arn: String,
    pub created_at: SystemTime,
    pub last_modified_at: SystemTime,
}

impl TemplateVersionSummary {
    pub fn key(&self) -> VersionKey {
        VersionKey::new(
            &self.template_name,
            &self.major_version,
            &self.minor_version,
        )
    }
}

/// A template version as returned by Create/Get/Update: the summary's fields (through
/// `Deref`) and the details only those answers carry.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateVersion {
    pub summary: TemplateVersionSummary,
    /// Raw schema YAML; absent while registration is in progress.
    pub schema: Option<String>,
    /// Service versions only; empty for environment versions.
    pub compatible_environment_templates: Vec<CompatibleEnvironmentTemplate>,
    /// Service versions only (e.g. `DIRECTLY_DEFINED`); empty for environment versions.
    pub supported_component_sources: Vec<String>,
}

impl std::ops::Deref for TemplateVersion {
    type Target = TemplateVersionSummary;

    fn deref(&self) -> &TemplateVersionSummary {
        &self.summary
    }
}

/// An environment or service template (the parent of versions).
///
/// `provisioning` is `provisioning` for environment templates and `pipelineProvisioning` for
/// service templates. `encryption_key` is always `None` in [`crate::proton::ProtonClient::list_templates`]
/// results because List summaries omit it.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pub kind: TemplateKind,
    pub name: String,
    pub arn: String,
    pub display_name: Option<String>,
    pub description: Option<String>,
    pub encryption_key: Option<String>,
    pub provisioning: Option<String>,
    /// `MAJOR.MINOR` of the recommended version, once one is published.
    pub recommended_version: Option<String>,
    pub created_at: SystemTime,
    pub last_modified_at: SystemTime,
}

/// Formats a timestamp as RFC 3339 in UTC with whole seconds, e.g. `2023-11-14T22:13:20Z`.
///
/// Sub-second digits are truncated, so values read twice from Proton always format the same
/// (Proton returns epoch seconds as a JSON number, possibly fractional) and the format matches
/// terraform-provider-aws (`time.RFC3339`).
pub fn rfc3339(t: SystemTime) -> String {
    let secs: i64 = match t.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        Err(before) => {
            let d = before.duration();
            // Round towards negative infinity so truncation is consistent before 1970 too.
            let whole = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
            -whole - i64::from(d.subsec_nanos() > 0)
        }
    };
    let days = secs.div_euclid(86_400);
    let secs_of_day = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs_of_day / 3600,
        (secs_of_day % 3600) / 60,
        secs_of_day % 60
    )
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    // Both are in range by construction (1..=31, 1..=12).
    (year, month as u32, day as u32)
}

/// Builds a `SystemTime` from epoch seconds and nanoseconds without panicking.
pub(crate) fn system_time(secs: i64, nanos: u32) -> SystemTime {
    let nanos = Duration::from_nanos(u64::from(nanos));
    if secs >= 0 {
        UNIX_EPOCH
            .checked_add(Duration::from_secs(secs.unsigned_abs()) + nanos)
            .unwrap_or(UNIX_EPOCH)
    } else {
        UNIX_EPOCH
            .checked_sub(Duration::from_secs(secs.unsigned_abs()))
            .and_then(|t| t.checked_add(nanos))
            .unwrap_or(UNIX_EPOCH)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn parses_plain_id_and_round_trips() {
        let key = VersionKey::parse_id(TemplateKind::Environment, "my-env_1:12.0").unwrap();
        assert_eq!(key, VersionKey::new("my-env_1", "12", "0"));
        assert_eq!(key.to_string(), "my-env_1:12.0");
        assert_eq!(
            VersionKey::parse_id(TemplateKind::Service, &key.to_string()).unwrap(),
            key
        );
    }

    #[test]
    fn parses_version_arns_of_both_kinds() {
        let (kind, key) = VersionKey::parse_arn(
            "arn:aws:proton:us-east-1:123456789012:environment-template/simple-env:1.0",
        )
        .unwrap();
        assert_eq!(kind, TemplateKind::Environment);
        assert_eq!(key, VersionKey::new("simple-env", "1", "0"));

        let arn = "arn:aws-us-gov:proton:us-gov-west-1:123456789012:service-template/fargate:3.10";
        let key = VersionKey::parse_id(TemplateKind::Service, arn).unwrap();
        assert_eq!(key, VersionKey::new("fargate", "3", "10"));
    }

    #[test]
    fn rejects_arn_of_the_wrong_kind() {
        let arn = "arn:aws:proton:us-east-1:123456789012:service-template/fargate:1.0";
        let err = VersionKey::parse_id(TemplateKind::Environment, arn).unwrap_err();
        assert_eq!(
            err,
            IdError::WrongKind {
                id: arn.into(),
                expected: TemplateKind::Environment,
                found: TemplateKind::Service
            }
        );
        let msg = err.to_string();
        assert!(msg.contains("service template version"), "{msg}");
        assert!(msg.contains("environment-template/"), "{msg}");
    }

    /// Found by fuzzing: the id of version 1.0 of a template named `arn` was taken for an
    /// ARN, so every read of such a version failed.
    #[test]
    fn a_template_named_arn_is_a_name() {
        for kind in [TemplateKind::Environment, TemplateKind::Service] {
            let key = VersionKey::parse_id(kind, "arn:1.0").unwrap();
            assert_eq!(
                (
                    key.template_name.as_str(),
                    key.major.as_str(),
                    key.minor.as_str()
                ),
                ("arn", "1", "0")
            );
            assert_eq!(VersionKey::parse_id(kind, &key.to_string()), Ok(key));
        }
    }

    #[test]
    fn malformed_ids_name_the_expected_formats() {
        for bad in [
            "",
            "name",
            "name:1",
            "name:1.",
            "name:.0",
            ":1.0",
            "name:01.0",
            "name:1.0.0",
            "name:a.b",
            "-name:1.0",
            "na.me:1.0",
            "arn:aws:proton:us-east-1:123456789012:environment-template/simple-env",
            "arn:aws:s3:us-east-1:123456789012:environment-template/x:1.0",
            "arn:aws:proton:us-east-1:1234:environment-template/x:1.0",
            "arn:aws:proton:us-east-1:123456789012:environment/x:1.0",
            "arn:aws:proton:us-east-1",
        ] {
            let err = VersionKey::parse_id(TemplateKind::Environment, bad).unwrap_err();
            let msg = err.to_string();
            assert!(matches!(err, IdError::Malformed { .. }), "{bad}: {msg}");
            assert!(msg.contains("TEMPLATE_NAME:MAJOR.MINOR"), "{msg}");
            assert!(msg.contains("environment-template/"), "{msg}");
        }
        let long_name = format!("{}:1.0", "a".repeat(101));
        assert!(VersionKey::parse_id(TemplateKind::Service, &long_name).is_err());
    }

    #[test]
    fn status_round_trips_and_keeps_unknown_values() {
        for s in [
            "REGISTRATION_IN_PROGRESS",
            "REGISTRATION_FAILED",
            "DRAFT",
            "PUBLISHED",
            "SOMETHING_NEW",
        ] {
            assert_eq!(VersionStatus::from(s).as_str(), s);
        }
        assert_eq!(
            VersionStatus::from("SOMETHING_NEW"),
            VersionStatus::Unknown("SOMETHING_NEW".into())
        );
        assert!(VersionStatus::Draft.is_registered());
        assert!(VersionStatus::Published.is_registered());
        assert!(!VersionStatus::RegistrationInProgress.is_registered());
    }

    #[test]
    fn rfc3339_is_utc_whole_seconds() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        assert_eq!(
            rfc3339(system_time(1_700_000_000, 123_000_000)),
            "2023-11-14T22:13:20Z"
        );
        assert_eq!(rfc3339(system_time(951_782_400, 0)), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(system_time(-1, 500)), "1969-12-31T23:59:59Z");
        // Truncation, not rounding, keeps repeated reads identical.
        assert_eq!(
            rfc3339(system_time(1_700_000_000, 999_999_999)),
            "2023-11-14T22:13:20Z"
        );
    }
}
