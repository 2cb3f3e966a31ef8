//! Where credentials and the region come from: static keys, the shared config and
//! credentials files, and the selected profile (which must exist).

use aws_config::meta::region::ProvideRegion;
use aws_config::profile::ProfileFileRegionProvider;
use aws_config::Region;
use aws_credential_types::Credentials;
use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
use aws_types::os_shim_internal::{Env, Fs};

use super::{ConfigError, ProtonSettings};

/// Fails unless one of the shared files (the explicit ones, else the defaults) defines
/// `profile`.
pub(super) async fn check_profile_exists(
    profile: &str,
    env: &Env,
    profile_files: Option<&EnvConfigFiles>,
    settings: &ProtonSettings,
) -> Result<(), ConfigError> {
    let default_files = EnvConfigFiles::default();
    let files = profile_files.unwrap_or(&default_files);
    let profiles = aws_config::profile::load(&Fs::real(), env, files, None)
        .await
        .map_err(|err| ConfigError::ProfileFiles {
            message: crate::proton::error::error_chain(&err),
        })?;
    if profiles.get_profile(profile).is_some() {
        return Ok(());
    }
    let mut searched: Vec<String> = Vec::new();
    match settings.shared_config_files.as_slice() {
        [] => searched.push("~/.aws/config".to_string()),
        files => searched.extend(files.iter().cloned()),
    }
    match settings.shared_credentials_files.as_slice() {
        [] => searched.push("~/.aws/credentials".to_string()),
        files => searched.extend(files.iter().cloned()),
    }
    Err(ConfigError::ProfileNotFound {
        profile: profile.to_string(),
        searched: searched.join(", "),
    })
}

pub(super) fn static_credentials(
    settings: &ProtonSettings,
) -> Result<Option<Credentials>, ConfigError> {
    match (&settings.access_key, &settings.secret_key) {
        (Some(access_key), Some(secret_key)) => Ok(Some(Credentials::new(
            access_key,
            secret_key,
            settings.token.clone(),
            None,
            "terraform-provider-proton",
        ))),
        (Some(_), None) => Err(ConfigError::IncompleteStaticCredentials {
            given: "access_key",
            missing: "secret_key",
        }),
        (None, Some(_)) => Err(ConfigError::IncompleteStaticCredentials {
            given: "secret_key",
            missing: "access_key",
        }),
        (None, None) if settings.token.is_some() => Err(ConfigError::TokenWithoutKeys),
        (None, None) => Ok(None),
    }
}

/// Explicit shared files replace the defaults of their kind (`~/.aws/config`,
/// `~/.aws/credentials`); with none given, the SDK's defaults apply unchanged.
pub(super) fn profile_files(settings: &ProtonSettings) -> Option<EnvConfigFiles> {
    if settings.shared_config_files.is_empty() && settings.shared_credentials_files.is_empty() {
        return None;
    }
    let mut builder = EnvConfigFiles::builder()
        .include_default_config_file(settings.shared_config_files.is_empty())
        .include_default_credentials_file(settings.shared_credentials_files.is_empty());
    for file in &settings.shared_config_files {
        builder = builder.with_file(EnvConfigFileKind::Config, file);
    }
    for file in &settings.shared_credentials_files {
        builder = builder.with_file(EnvConfigFileKind::Credentials, file);
    }
    Some(builder.build())
}

/// Settings → `AWS_REGION` → `AWS_DEFAULT_REGION` → the selected profile's `region`.
/// Instance metadata is deliberately not consulted (terraform-provider-aws doesn't either),
/// which keeps client construction free of network calls.
pub(super) async fn resolve_region(
    settings: &ProtonSettings,
    env: &Env,
    profile_files: Option<&EnvConfigFiles>,
) -> Option<Region> {
    if let Some(region) = &settings.region {
        return Some(Region::new(region.clone()));
    }
    for var in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
        if let Ok(region) = env.get(var) {
            if !region.trim().is_empty() {
                return Some(Region::new(region.trim().to_owned()));
            }
        }
    }
    let mut profile_region = ProfileFileRegionProvider::builder();
    if let Some(profile) = &settings.profile {
        profile_region = profile_region.profile_name(profile);
    }
    if let Some(files) = profile_files {
        profile_region = profile_region.profile_files(files.clone());
    }
    profile_region.build().region().await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::super::fixtures::{profile_from, static_settings};
    use super::*;

    #[tokio::test]
    async fn region_falls_back_to_environment_then_profile() {
        let (_config, settings) = profile_from("dev", "[profile dev]\nregion = ap-southeast-2");
        let files = profile_files(&settings);
        assert_eq!(
            resolve_region(&settings, &Env::from_slice(&[]), files.as_ref()).await,
            Some(Region::new("ap-southeast-2"))
        );
        let env = Env::from_slice(&[("AWS_DEFAULT_REGION", "us-west-2")]);
        assert_eq!(
            resolve_region(&settings, &env, files.as_ref()).await,
            Some(Region::new("us-west-2"))
        );

        let settings = ProtonSettings {
            region: None,
            ..static_settings()
        };
        let env = Env::from_slice(&[("AWS_REGION", "ca-central-1")]);
        assert_eq!(
            resolve_region(&settings, &env, None).await,
            Some(Region::new("ca-central-1"))
        );
        // An explicit setting wins over everything.
        assert_eq!(
            resolve_region(&static_settings(), &env, None).await,
            Some(Region::new("eu-west-1"))
        );
    }

    #[test]
    fn explicit_profile_files_replace_only_their_own_kind_of_default() {
        assert!(profile_files(&static_settings()).is_none());
        let settings = ProtonSettings {
            shared_credentials_files: vec!["/tmp/creds".into()],
            ..static_settings()
        };
        let files = format!("{:?}", profile_files(&settings).unwrap());
        assert!(files.contains("/tmp/creds"), "{files}");
        assert!(
            files.contains("Config"),
            "default config file kept: {files}"
        );
    }
}
