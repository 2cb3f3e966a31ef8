//! Provider settings → one shared Proton client.
//!
//! - `settings`: what the provider block says ([`ProtonSettings`]), its errors
//!   ([`ConfigError`]) and the checks that run before anything is built.
//! - `profile`: where credentials and the region come from: static keys, shared
//!   config/credentials files, profiles.
//! - `assume`: credentials from STS (`assume_role`, `assume_role_with_web_identity`) and the
//!   account check.
//! - `transport`: proxies and the CA bundle, and the one HTTP client every AWS client shares.
//! - `build`: the SDK client with its retry and time bounds ([`build_client`]).

mod assume;
mod build;
mod profile;
mod settings;
mod transport;

pub use assume::{AssumeRole, WebIdentity, DEFAULT_SESSION_NAME};
pub use build::{
    build_client, Clients, Regions, ATTEMPT_TIMEOUT, CONNECT_TIMEOUT, DEFAULT_MAX_ATTEMPTS,
    NO_RESPONSE_ATTEMPTS, OPERATION_TIMEOUT,
};
pub use settings::{ConfigError, ProtonSettings};
pub use transport::{CaBundle, NoProxy, ProxyUrl};

/// What the tests of every part start from.
#[cfg(test)]
mod fixtures {
    #![allow(clippy::unwrap_used)]

    use std::io::Write;

    use super::ProtonSettings;

    pub(super) fn static_settings() -> ProtonSettings {
        ProtonSettings {
            region: Some("eu-west-1".into()),
            access_key: Some("AKIDEXAMPLE".into()),
            secret_key: Some("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into()),
            token: Some("session-token-value".into()),
            endpoint: Some("http://127.0.0.1:4566".into()),
            ..Default::default()
        }
    }

    /// An empty shared config file, so tests never read the developer's `~/.aws`.
    pub(super) fn empty_config_file() -> tempfile::NamedTempFile {
        tempfile::NamedTempFile::new().unwrap()
    }

    /// A shared config file that says `text`, and settings that select `profile` from it
    /// (with no region of their own).
    pub(super) fn profile_from(
        profile: &str,
        text: &str,
    ) -> (tempfile::NamedTempFile, ProtonSettings) {
        let mut config = empty_config_file();
        writeln!(config, "{text}").unwrap();
        let settings = ProtonSettings {
            region: None,
            profile: Some(profile.into()),
            shared_config_files: vec![config.path().display().to_string()],
            ..static_settings()
        };
        (config, settings)
    }
}
