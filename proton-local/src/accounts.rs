//! Who signs a request, and in which account it acts.
//!
//! Rules:
//! 1. The configured key pair (`--access-key-id`/`--secret-access-key`) is an IAM user's
//!    long-term key of the default account (`--account-id`): its identity is
//!    `arn:aws:iam::ACCOUNT:user/proton-local` (what GetCallerIdentity answers for an IAM
//!    user's keys; `:root` would be the account's root user, which is not how a key pair is
//!    normally held).
//! 2. Roles exist only once declared (`--role ARN[:EXTERNAL-ID]`, `POST
//!    /_proton_local/roles`): their ARN names their account; an undeclared role cannot be
//!    assumed. A role may require an external id and has a maximum session duration
//!    (3600 s unless declared, 3600..=43200 as IAM allows).
//! 3. STS issues sessions: an `ASIA…` access key id, a secret, a session token, an expiry.
//!    A request signed with a session's key must carry exactly its token; an unknown key, a
//!    missing or different token is "invalid", a token past its expiry "expired".
//! 4. A session acts in its role's account. Sessions live in memory only: a restart forgets
//!    them (their holders then get "invalid" and must assume the role again).
//! 5. Time is the server's clock plus an offset that only moves forward
//!    (`POST /_proton_local/clock`), so tests reach an expiry without sleeping. It governs
//!    session and web identity token expiry, not SigV4's clock-skew window (an SDK would
//!    otherwise see every request refused as signed in the past).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::RwLock;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use serde::Serialize;
use subtle::ConstantTimeEq;

use crate::sigv4::Credentials;

/// IAM's default and allowed maximum session durations for a role, in seconds.
pub const DEFAULT_MAX_SESSION_SECONDS: u32 = 3600;
const MAX_SESSION_SECONDS_RANGE: std::ops::RangeInclusive<u32> = 3600..=43200;
/// How far tests may move the clock (about 100 years).
pub const MAX_CLOCK_OFFSET_SECONDS: u64 = 100 * 366 * 24 * 3600;
/// The user name proton-local gives the configured key pair's owner.
const BASE_USER_NAME: &str = "proton-local";

/// Why a role declaration is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoleError {
    #[error("'{0}' is not a role ARN (arn:aws:iam::ACCOUNT:role/NAME, ACCOUNT 12 digits)")]
    NotARoleArn(String),
    #[error("external id '{0}' must be 2 to 1224 characters of letters, digits and _+=,.@:/-")]
    BadExternalId(String),
    #[error("max_session_duration {0} must be between 3600 and 43200 seconds")]
    BadMaxSession(u32),
}

/// Why the clock cannot be moved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClockError {
    #[error("advancing the clock by {seconds} s from an offset of {offset} s would pass the limit of {MAX_CLOCK_OFFSET_SECONDS} s")]
    TooFar { offset: u64, seconds: u64 },
}

/// A role that may be assumed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Role {
    pub arn: String,
    pub account: String,
    /// The last segment of the ARN's `role/PATH/NAME`.
    pub name: String,
    pub external_id: Option<String>,
    pub max_session_duration: u32,
    /// AWS's role id (`AROA…`), stable for the role's ARN.
    pub role_id: String,
}

impl Role {
    /// Parses `ARN[:EXTERNAL-ID]` (the `--role` flag): the ARN has six `:`-separated fields,
    /// anything after a seventh `:` is the external id (which may itself contain `:`).
    pub fn parse_flag(value: &str) -> Result<Role, RoleError> {
        let mut fields = value.splitn(6, ':');
        let head: Vec<&str> = fields.by_ref().take(5).collect();
        let Some(rest) = fields.next() else {
            return Err(RoleError::NotARoleArn(value.to_string()));
        };
        let (resource, external_id) = match rest.split_once(':') {
            Some((resource, external)) => (resource, Some(external.to_string())),
            None => (rest, None),
        };
        let arn = format!("{}:{resource}", head.join(":"));
        Role::new(&arn, external_id, None)
    }

    /// A role from its ARN, optional external id and maximum session duration.
    pub fn new(
        arn: &str,
        external_id: Option<String>,
        max_session_duration: Option<u32>,
    ) -> Result<Role, RoleError> {
        let not_a_role = || RoleError::NotARoleArn(arn.to_string());
        let [prefix, partition, service, region, account, resource] =
            arn.splitn(6, ':').collect::<Vec<_>>()[..]
        else {
            return Err(not_a_role());
        };
        let path = resource.strip_prefix("role/").ok_or_else(not_a_role)?;
        let name = path.rsplit('/').next().unwrap_or("");
        let valid = prefix == "arn"
            && partition.starts_with("aws")
            && service == "iam"
            && region.is_empty()
            && account.len() == 12
            && account.bytes().all(|b| b.is_ascii_digit())
            && !name.is_empty()
            && name.len() <= 64
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
        if !valid {
            return Err(not_a_role());
        }
        if let Some(id) = &external_id {
            if !valid_external_id(id) {
                return Err(RoleError::BadExternalId(id.clone()));
            }
        }
        let max = max_session_duration.unwrap_or(DEFAULT_MAX_SESSION_SECONDS);
        if !MAX_SESSION_SECONDS_RANGE.contains(&max) {
            return Err(RoleError::BadMaxSession(max));
        }
        Ok(Role {
            arn: arn.to_string(),
            account: account.to_string(),
            name: name.to_string(),
            external_id,
            max_session_duration: max,
            role_id: format!("AROA{}", derived_id(arn)),
        })
    }
}

/// STS's `externalIdType`: 2..=1224 characters of `[\w+=,.@:\/-]`.
pub(crate) fn valid_external_id(id: &str) -> bool {
    (2..=1224).contains(&id.chars().count())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@:/-".contains(c))
}

/// 17 upper-case letters and digits derived from `seed`, for the ids AWS derives from an
/// entity (`AIDA…`, `AROA…`); stable, so an ARN always has the same id.
fn derived_id(seed: &str) -> String {
    // FNV-1a, twice over different offsets, is enough to spread ids; nothing relies on it.
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut hash: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    for byte in seed.bytes() {
        hash ^= u128::from(byte);
        hash = hash.wrapping_mul(0x0000_0000_0100_0000_0000_0000_0000_013B);
    }
    (0..17)
        .map(|i| {
            let index = ((hash >> (i * 5)) & 31) as usize;
            ALPHABET.get(index).copied().map_or('A', char::from)
        })
        .collect()
}

/// Random upper-case letters and digits (from the OS's random source, via UUID v4).
fn random_upper(len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::with_capacity(len);
    while out.len() < len {
        for byte in uuid::Uuid::new_v4().as_bytes() {
            if out.len() == len {
                break;
            }
            let index = usize::from(byte & 31);
            out.push(ALPHABET.get(index).copied().map_or('A', char::from));
        }
    }
    out
}

/// `n` random bytes, base64 (standard alphabet, as AWS secrets and tokens look).
fn random_base64(n: usize) -> String {
    let mut bytes = Vec::with_capacity(n);
    while bytes.len() < n {
        bytes.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    }
    bytes.truncate(n);
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// An issued temporary credential.
#[derive(Debug, Clone)]
pub struct Session {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    pub expiration: SystemTime,
    pub role: Role,
    pub session_name: String,
    pub source_identity: Option<String>,
}

impl Session {
    /// `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`.
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:sts::{}:assumed-role/{}/{}",
            self.role.account, self.role.name, self.session_name
        )
    }

    /// `ROLEID:SESSION`, AWS's AssumedRoleId and the caller's UserId.
    pub fn assumed_role_id(&self) -> String {
        format!("{}:{}", self.role.role_id, self.session_name)
    }
}

/// Who signed a request.
#[derive(Debug, Clone)]
pub enum Caller {
    /// The configured key pair.
    BaseUser { account: String },
    /// An issued session.
    Assumed(Box<Session>),
}

impl Caller {
    /// The account the request acts in.
    pub fn account(&self) -> &str {
        match self {
            Caller::BaseUser { account } => account,
            Caller::Assumed(session) => &session.role.account,
        }
    }

    /// The caller's ARN, as GetCallerIdentity answers it.
    pub fn arn(&self) -> String {
        match self {
            Caller::BaseUser { account } => format!("arn:aws:iam::{account}:user/{BASE_USER_NAME}"),
            Caller::Assumed(session) => session.arn(),
        }
    }

    /// The caller's UserId, as GetCallerIdentity answers it.
    pub fn user_id(&self) -> String {
        match self {
            Caller::BaseUser { account } => {
                format!("AIDA{}", derived_id(&format!("{account}/{BASE_USER_NAME}")))
            }
            Caller::Assumed(session) => session.assumed_role_id(),
        }
    }
}

/// Why a signing key is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRefusal {
    /// Unknown access key, or a session key without its token (AWS: "invalid").
    Invalid,
    /// A session whose expiry has passed.
    Expired,
}

/// Roles, sessions and the clock, shared by every request.
#[derive(Debug)]
pub struct Accounts {
    base: Credentials,
    base_account: String,
    roles: RwLock<BTreeMap<String, Role>>,
    sessions: RwLock<HashMap<String, Session>>,
    clock_offset_secs: AtomicU64,
}

impl Accounts {
    pub fn new(base: Credentials, base_account: String, roles: Vec<Role>) -> Accounts {
        Accounts {
            base,
            base_account,
            roles: RwLock::new(roles.into_iter().map(|r| (r.arn.clone(), r)).collect()),
            sessions: RwLock::new(HashMap::new()),
            clock_offset_secs: AtomicU64::new(0),
        }
    }

    /// The server's time: the system clock plus the offset tests added.
    pub fn now(&self) -> SystemTime {
        let offset = Duration::from_secs(self.clock_offset_secs.load(Ordering::Relaxed));
        let now = SystemTime::now();
        now.checked_add(offset).unwrap_or(now)
    }

    /// Moves the clock forward by `seconds`; returns the whole offset, or refuses an offset
    /// beyond [`MAX_CLOCK_OFFSET_SECONDS`] (times stay representable).
    pub fn advance_clock(&self, seconds: u64) -> Result<u64, ClockError> {
        self.clock_offset_secs
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |offset| {
                offset
                    .checked_add(seconds)
                    .filter(|total| *total <= MAX_CLOCK_OFFSET_SECONDS)
            })
            .map(|previous| previous + seconds)
            .map_err(|offset| ClockError::TooFar { offset, seconds })
    }

    pub fn clock_offset(&self) -> u64 {
        self.clock_offset_secs.load(Ordering::Relaxed)
    }

    /// Declares (or replaces) a role.
    pub fn declare_role(&self, role: Role) {
        self.roles
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(role.arn.clone(), role);
    }

    pub fn roles(&self) -> Vec<Role> {
        self.roles
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .values()
            .cloned()
            .collect()
    }

    pub fn role(&self, arn: &str) -> Option<Role> {
        self.roles
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(arn)
            .cloned()
    }

    /// Issues a session for `role`, valid `duration` from now.
    pub fn issue(
        &self,
        role: Role,
        session_name: String,
        duration: Duration,
        source_identity: Option<String>,
    ) -> Session {
        let session = Session {
            access_key_id: format!("ASIA{}", random_upper(16)),
            secret_access_key: random_base64(30),
            session_token: random_base64(96),
            expiration: self
                .now()
                .checked_add(duration)
                .unwrap_or_else(|| self.now()),
            role,
            session_name,
            source_identity,
        };
        let mut sessions = self
            .sessions
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Forget expired sessions so the table does not grow without bound.
        let now = self.now();
        sessions.retain(|_, s| {
            s.expiration
                .checked_add(Duration::from_secs(3600))
                .is_some_and(|kept_until| kept_until > now)
        });
        sessions.insert(session.access_key_id.clone(), session.clone());
        session
    }

    /// The configured pair's secret, if `access_key_id` is its key.
    pub(crate) fn base_secret(&self, access_key_id: &str) -> Option<String> {
        (access_key_id == self.base.access_key_id).then(|| self.base.secret_access_key.clone())
    }

    /// A session's secret without checking its token (for a verifier that checked it
    /// already, the S3 API's).
    pub(crate) fn session_secret(&self, access_key_id: &str) -> Option<String> {
        self.sessions
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(access_key_id)
            .map(|s| s.secret_access_key.clone())
    }

    /// The secret and caller for a signing key, checking the session token.
    ///
    /// The configured key pair accepts any session token (as before sessions existed, so
    /// clients that always send one keep working).
    pub fn lookup(
        &self,
        access_key_id: &str,
        session_token: Option<&str>,
    ) -> Result<(String, Caller), KeyRefusal> {
        if access_key_id == self.base.access_key_id {
            return Ok((
                self.base.secret_access_key.clone(),
                Caller::BaseUser {
                    account: self.base_account.clone(),
                },
            ));
        }
        let sessions = self
            .sessions
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let session = sessions.get(access_key_id).ok_or(KeyRefusal::Invalid)?;
        let token = session_token.ok_or(KeyRefusal::Invalid)?;
        if !bool::from(token.as_bytes().ct_eq(session.session_token.as_bytes())) {
            return Err(KeyRefusal::Invalid);
        }
        if self.now() >= session.expiration {
            return Err(KeyRefusal::Expired);
        }
        Ok((
            session.secret_access_key.clone(),
            Caller::Assumed(Box::new(session.clone())),
        ))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn role_flag_splits_the_external_id_after_the_arn() {
        let role = Role::parse_flag("arn:aws:iam::210987654321:role/deployer:secret-ext").unwrap();
        assert_eq!(role.arn, "arn:aws:iam::210987654321:role/deployer");
        assert_eq!(role.account, "210987654321");
        assert_eq!(role.name, "deployer");
        assert_eq!(role.external_id.as_deref(), Some("secret-ext"));
        let role = Role::parse_flag("arn:aws:iam::210987654321:role/ops/deployer:a:b").unwrap();
        assert_eq!(role.name, "deployer");
        assert_eq!(role.external_id.as_deref(), Some("a:b"));
        let role = Role::parse_flag("arn:aws:iam::210987654321:role/deployer").unwrap();
        assert_eq!(role.external_id, None);
        assert_eq!(role.max_session_duration, 3600);
        assert!(role.role_id.starts_with("AROA") && role.role_id.len() == 21);
        for bad in [
            "arn:aws:iam::2109876543:role/x",
            "arn:aws:s3::210987654321:role/x",
            "arn:aws:iam::210987654321:user/x",
            "arn:aws:iam::210987654321:role/",
            "deployer",
            "arn:aws:iam::210987654321",
        ] {
            assert!(Role::parse_flag(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Role::parse_flag("bogus"),
            Err(RoleError::NotARoleArn("bogus".into()))
        );
        assert_eq!(
            Role::parse_flag("arn:aws:iam::210987654321:role/x:a"),
            Err(RoleError::BadExternalId("a".into()))
        );
    }

    #[test]
    fn a_session_needs_its_own_token_and_expires_with_the_clock() {
        let accounts = Accounts::new(
            Credentials {
                access_key_id: "test".into(),
                secret_access_key: "test".into(),
            },
            "123456789012".into(),
            vec![],
        );
        let role = Role::parse_flag("arn:aws:iam::210987654321:role/deployer").unwrap();
        let session = accounts.issue(role, "s".into(), Duration::from_secs(900), None);
        assert!(session.access_key_id.starts_with("ASIA") && session.access_key_id.len() == 20);
        let (_, caller) = accounts
            .lookup(&session.access_key_id, Some(&session.session_token))
            .unwrap();
        assert_eq!(caller.account(), "210987654321");
        assert_eq!(
            caller.arn(),
            "arn:aws:sts::210987654321:assumed-role/deployer/s"
        );
        assert_eq!(
            accounts.lookup(&session.access_key_id, None).unwrap_err(),
            KeyRefusal::Invalid
        );
        assert_eq!(
            accounts
                .lookup(&session.access_key_id, Some("forged"))
                .unwrap_err(),
            KeyRefusal::Invalid
        );
        assert_eq!(accounts.advance_clock(900), Ok(900));
        assert!(accounts.advance_clock(u64::MAX).is_err());
        assert_eq!(accounts.clock_offset(), 900);
        assert_eq!(
            accounts
                .lookup(&session.access_key_id, Some(&session.session_token))
                .unwrap_err(),
            KeyRefusal::Expired
        );
        let (_, base) = accounts.lookup("test", None).unwrap();
        assert_eq!(base.arn(), "arn:aws:iam::123456789012:user/proton-local");
    }
}
