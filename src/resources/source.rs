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
        Fields::new([field!(Source, s3).block(|name| {
            NestedBlock::single_required(
                name,
                S3Location::fields().block("The bundle's S3 object."),
            )
        })])
    }
}

impl NestedModel for S3Location {
    fn fields() -> Fields<Self> {
        Fields::new([
            field!(S3Location, bucket)
                .required("S3 bucket of the bundle.")
                .validate(Validator::Length { min: 3, max: 63 })
                .validate(Validator::pattern(
                    "^[a-z0-9]+[a-z0-9-\\.]+[a-z0-9]+$",
                    "must be a valid S3 bucket name (lowercase letters, digits, `.` and `-`)",
                )),
            field!(S3Location, key)
                .required("S3 key of the bundle (a `.tar.gz`).")
                .validate(Validator::Length { min: 1, max: 1024 }),
        ])
    }
}

/// Where the bundle is, as the source tag records it (`s3://bucket/key`);
/// `None` when the location is too long for a tag value.
pub(crate) fn source_tag_value(source: Option<&Source>) -> Option<String> {
    let s3 = source?.s3.as_ref()?;
    let value = format!("s3://{}/{}", s3.bucket, s3.key);
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
        (None, Some(planned)) => source_tag_value(Some(planned))?,
        (Some(_), None) => String::new(),
        _ => return None,
    };
    Some(BTreeMap::from([(SOURCE_TAG.to_string(), location)]))
}
