//! A version's `source`: the bundle's location, its block schema, and how
//! the provider records it in the tag [`SOURCE_TAG`] (Proton cannot report
//! it), so an import restores it.

use std::collections::BTreeMap;

use crate::field;
use crate::plugin::model::{Fields, NestedModel};
use crate::plugin::schema::{NestedBlock, Validator};
use crate::proton::SOURCE_TAG;
use crate::resources::model::{S3Location, Source, VersionModel};

impl NestedModel for Source {
    fn fields() -> Fields<Self> {
        Fields::new([
            field!(Source, bucket)
                .optional("With `directory`: the S3 bucket the built bundle is uploaded to. It must exist; the provider writes to it and never deletes from it.")
                .validate_all(bucket_validators()),
            field!(Source, directory)
                .optional("The bundle's root directory, e.g. `${path.module}/templates/fargate-env/v1`: the folder holding `schema/` and the infrastructure folders. The provider builds the bundle from it (the same content gives the same bytes and `bundle_sha256` on any machine and at any path), checks it at plan time, and at apply uploads it to `<key_prefix><template_name>/<bundle_sha256>.tar.gz` in `bucket` (once: an object already there is not uploaded again). A content change replaces the version; moving or copying the directory does not. Exactly one of `directory` and `s3`.")
                .validate(Validator::Length { min: 1, max: 4096 }),
            field!(Source, excludes)
                .optional("With `directory`: globs of files to leave out of the bundle, relative to the directory (`*` stays within a path segment, `**` crosses them), e.g. `[\"**/*.md\"]`. `.git/`, `.DS_Store`, `.template-registration.yaml` and `.compatible-envs` are always left out."),
            field!(Source, key_prefix)
                .optional("With `directory`: prepended to the uploaded object's key, e.g. `proton/`. Default empty.")
                .validate(Validator::Length { min: 0, max: 512 }),
            field!(Source, s3).block(|name| {
                NestedBlock::single(
                    name,
                    S3Location::fields().block("The bundle's S3 object: a `.tar.gz` built and uploaded outside Terraform. Exactly one of `s3` and `directory`."),
                )
            }),
        ])
    }
}

/// An S3 bucket name, as S3 allows it.
fn bucket_validators() -> Vec<Validator> {
    vec![
        Validator::Length { min: 3, max: 63 },
        Validator::pattern(
            "^[a-z0-9]+[a-z0-9-\\.]+[a-z0-9]+$",
            "must be a valid S3 bucket name (lowercase letters, digits, `.` and `-`)",
        ),
    ]
}

impl NestedModel for S3Location {
    fn fields() -> Fields<Self> {
        Fields::new([
            field!(S3Location, bucket)
                .required("S3 bucket of the bundle.")
                .validate_all(bucket_validators()),
            field!(S3Location, key)
                .required("S3 key of the bundle (a `.tar.gz`).")
                .validate(Validator::Length { min: 1, max: 1024 }),
        ])
    }
}

/// Where the version's bundle is, as the source tag records it
/// (`s3://bucket/key`; for a directory, the object its bundle is uploaded
/// to); `None` when there is none, or it is too long for a tag value.
pub(crate) fn source_tag_value(version: &VersionModel) -> Option<String> {
    let source = version.source.as_ref()?;
    let object = source.object(&version.template_name, version.bundle_sha256.as_deref())?;
    let value = format!("s3://{}/{}", object.bucket, object.key);
    (value.len() <= 256).then_some(value)
}

pub(crate) fn parse_source_tag(value: &str) -> Option<Source> {
    let (bucket, key) = value.strip_prefix("s3://")?.split_once('/')?;
    Some(Source::s3(bucket, key))
}

/// The bookkeeping tag to write on an update: the planned source, when the
/// prior state has none (Proton had no such tag, or the version was
/// adopted); an empty location when the source is removed from the
/// configuration (still this provider's version, its bundle forgotten).
pub(crate) fn source_tag_to_record(
    prior: &VersionModel,
    planned: &VersionModel,
) -> Option<BTreeMap<String, String>> {
    let location = match (&prior.source, &planned.source) {
        (None, Some(_)) => source_tag_value(planned)?,
        (Some(_), None) => String::new(),
        _ => return None,
    };
    Some(BTreeMap::from([(SOURCE_TAG.to_string(), location)]))
}
