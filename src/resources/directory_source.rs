//! A version built from `source { directory }`: what its plan and its apply do with the
//! directory. The bundle itself (how it is built, what is checked) is [`crate::bundle`]'s.
//!
//! Rules, cited by the version resource:
//! 1. **Plan.** The bundle is built at every plan that names a known directory, and its hash
//!    planned as `bundle_sha256`: the plan shows the content, not the path. A directory not
//!    known yet plans the hash unknown.
//! 2. **Replacement.** A version is created from one S3 object, and a directory's object is
//!    named by its content (`<key_prefix><template>/<sha256>.tar.gz`). So a version is replaced
//!    exactly when the object it would be created from differs from the one it was: a content
//!    change (`bundle_sha256` forces it), another bucket or prefix. Moving or copying the
//!    directory is an update in place; so is switching to a directory whose bundle is the
//!    object an `s3` source named.
//! 3. **Checks.** A plan that creates a version from a directory checks the bundle first
//!    (`crate::bundle::check`), each problem an error on `source.directory` naming the file
//!    inside the bundle: what the template's provisioning requires when the template exists,
//!    else only what every provisioning requires. A new minor of an existing major is
//!    compared with the major's newest registered minor, and what Proton refuses as not
//!    backward compatible is an error too. A plan that keeps the version checks nothing:
//!    Proton registered that bundle already.
//! 4. **Apply.** The bundle is built again and must hash as planned ("Bundle changed since the
//!    plan" otherwise, before any call), then uploaded unless its object exists, then the
//!    version is created from the object. An apply cut short after the upload finds the
//!    object on the next run, and the create's client token (over the object's key) finds the
//!    version, so nothing is duplicated.

use std::path::PathBuf;

use tokio_util::sync::CancellationToken;

use crate::bundle::{self, Built, Expectation, Problem};
use crate::kind::TemplateKind;
use crate::plugin::diag::Diagnostics;
use crate::plugin::lifecycle::cancelled;
use crate::plugin::value::{AttributePath, Value};
use crate::proton::{BundleStore, ProtonClient, ProtonError, VersionKey, VersionStatus};
use crate::resources::model::VersionModel;

/// `source.directory` and its `excludes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Directory {
    pub(crate) path: PathBuf,
    pub(crate) excludes: Vec<String>,
}

/// What a configuration or plan says of a directory source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DirectoryPlan {
    /// No `source`, or an `s3` one.
    None,
    /// A directory (or its excludes) known only after apply.
    Unknown,
    Known(Directory),
}

/// The path of `source.directory`, where the bundle's problems are reported.
pub(crate) fn directory_path() -> AttributePath {
    AttributePath::attr("source").child_attr("directory")
}

/// The directory source of `config`, read into `version`: unknown while the directory or its
/// excludes are.
pub(crate) fn planned(config: &Value, version: &VersionModel) -> DirectoryPlan {
    let source = config.get_attr("source").unwrap_or(&Value::Null);
    let unknown = |name: &str| source.get_attr(name).is_some_and(|v| !v.is_wholly_known());
    if source.is_unknown() || unknown("directory") {
        return DirectoryPlan::Unknown;
    }
    match Directory::of(version) {
        None => DirectoryPlan::None,
        Some(_) if unknown("excludes") => DirectoryPlan::Unknown,
        Some(directory) => DirectoryPlan::Known(directory),
    }
}

impl Directory {
    /// The directory of a planned version, when it has one.
    pub(crate) fn of(version: &VersionModel) -> Option<Self> {
        let source = version.source.as_ref()?;
        Some(Self {
            path: PathBuf::from(source.directory.as_ref()?),
            excludes: source.excludes.clone().unwrap_or_default(),
        })
    }

    /// Builds the bundle (rule 1), off the async threads: it reads and compresses files.
    pub(crate) async fn build(&self) -> Result<Built, Diagnostics> {
        let directory = self.clone();
        let built = tokio::task::spawn_blocking(move || {
            bundle::build(&directory.path, &directory.excludes)
        })
        .await;
        match built {
            Ok(Ok(built)) => Ok(built),
            Ok(Err(err)) => Err(invalid_bundle(&self.path, [err.to_string()])),
            Err(join) => Err(Diagnostics::from_error(
                "Could not build the template bundle",
                join.to_string(),
            )),
        }
    }

    /// What Proton would refuse in the bundle (rule 3): the problems found under every
    /// expectation given (all of them, when the template's provisioning is not known).
    pub(crate) async fn problems(&self, expectations: Vec<Expectation>) -> Vec<Problem> {
        let directory = self.clone();
        let checked = tokio::task::spawn_blocking(move || {
            bundle::check(&directory.path, &directory.excludes, &expectations)
        })
        .await;
        checked.unwrap_or_default()
    }

    /// The bundle's schema file, for the compatibility check; `None` when unreadable (the
    /// bundle check says why).
    pub(crate) fn schema(&self) -> Option<String> {
        std::fs::read_to_string(self.path.join("schema").join("schema.yaml")).ok()
    }
}

/// The bundle's checks as Terraform diagnostics on `source.directory`, one per problem.
pub(crate) fn invalid_bundle(
    directory: &std::path::Path,
    problems: impl IntoIterator<Item = String>,
) -> Diagnostics {
    let mut diags = Diagnostics::new();
    for problem in problems {
        diags.attribute_error(
            directory_path(),
            "Invalid template bundle",
            format!(
                "{problem}\n\nIn the bundle built from {}. Proton would refuse to register it; fix the file and plan again.",
                directory.display()
            ),
        );
    }
    diags
}

/// What the template's provisioning requires of a bundle (rule 3): one expectation when the
/// template exists, both when it does not (yet) or cannot be read.
pub(crate) async fn expectations(
    client: Option<&ProtonClient>,
    kind: TemplateKind,
    template_name: Option<&str>,
) -> Vec<Expectation> {
    let expectation = |customer_managed: bool| match kind {
        TemplateKind::Environment => Expectation::Environment { customer_managed },
        TemplateKind::Service => Expectation::Service {
            pipeline: !customer_managed,
        },
    };
    let found = match (client, template_name) {
        (Some(client), Some(name)) => client.find_template(kind, name).await.ok().flatten(),
        _ => None,
    };
    match found {
        Some(template) => {
            let customer_managed = template.provisioning.as_deref() == Some("CUSTOMER_MANAGED");
            vec![expectation(customer_managed)]
        }
        None => vec![expectation(false), expectation(true)],
    }
}

/// What Proton would refuse in `schema` as a new minor of `major` of `template_name`: the
/// differences from the major's newest registered minor (rule 3). Nothing when the major has
/// none, or Proton cannot be read (the apply will tell).
pub(crate) async fn incompatibilities(
    client: &ProtonClient,
    kind: TemplateKind,
    template_name: &str,
    major: &str,
    schema: &str,
) -> Option<(VersionKey, Vec<String>)> {
    let versions = client
        .list_versions(kind, template_name, Some(major))
        .await
        .ok()?;
    let newest = versions
        .iter()
        .filter(|v| matches!(v.status, VersionStatus::Draft | VersionStatus::Published))
        .max_by_key(|v| crate::proton::version_order(&v.major_version, &v.minor_version))?;
    let current = client.get_version(kind, &newest.key()).await.ok()?;
    let problems = bundle::incompatibilities(current.schema.as_deref()?, schema, kind);
    Some((newest.key(), problems))
}

/// Rule 4: the planned bundle, built again and uploaded unless its object exists. An error
/// when the directory's content changed since the plan.
pub(crate) async fn upload(
    bundles: &BundleStore,
    directory: &Directory,
    planned: &VersionModel,
    cancel: &CancellationToken,
) -> Result<(), Diagnostics> {
    tokio::select! {
        uploaded = upload_now(bundles, directory, planned) => uploaded,
        () = cancel.cancelled() => Err(cancelled("Bundle upload")),
    }
}

async fn upload_now(
    bundles: &BundleStore,
    directory: &Directory,
    planned: &VersionModel,
) -> Result<(), Diagnostics> {
    let built = directory.build().await?;
    let planned_sha = planned.bundle_sha256.as_deref().unwrap_or_default();
    if built.sha256 != planned_sha {
        return Err(Diagnostics::from_error(
            "Bundle changed since the plan",
            format!(
                "The bundle built from {} hashes to {} now, but the plan was made for {planned_sha}: its files changed after the plan. Nothing was uploaded or created. Plan again to review the new content.",
                directory.path.display(),
                built.sha256,
            ),
        ));
    }
    let object = planned
        .source
        .as_ref()
        .and_then(|source| source.object(&planned.template_name, Some(&built.sha256)));
    let Some(object) = object else {
        return Err(Diagnostics::from_error(
            "Missing bucket",
            "A directory source needs `bucket`, the S3 bucket its bundle is uploaded to.",
        ));
    };
    bundles
        .put_once(&object.bucket, &object.key, built.bytes)
        .await
        .map_err(|err: ProtonError| {
            Diagnostics::from_error("Could not upload the template bundle", err.to_string())
        })?;
    Ok(())
}
