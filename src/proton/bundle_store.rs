//! Where bundles built from a directory go: S3, one object per content hash.
//!
//! The key names the bundle's SHA-256 (`crate::bundle::content_key`), so an object that
//! exists already holds these bytes: it is never uploaded again nor overwritten, and an
//! apply cut short between the upload and the create finds it on the next run and goes on
//! (bundles.md §2.6: the stale or overwritten tarball at a fixed key is the mistake users
//! make most).

use std::sync::Arc;

use aws_sdk_s3::primitives::ByteStream;

use super::error::{ProtonError, S3};

/// An S3 client for bundle uploads.
#[derive(Clone, Debug)]
pub struct BundleStore {
    s3: aws_sdk_s3::Client,
    /// The endpoint in use, only for error messages.
    endpoint: Option<Arc<str>>,
}

/// What [`BundleStore::put_once`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// The object was there already (an earlier apply, or another version with this bundle).
    Existing,
    /// The object was uploaded.
    Uploaded,
}

impl BundleStore {
    pub(crate) fn new(s3: aws_sdk_s3::Client, endpoint: Option<String>) -> Self {
        Self {
            s3,
            endpoint: endpoint.map(Arc::from),
        }
    }

    /// Puts `bytes` at `s3://bucket/key` unless an object is there already.
    pub async fn put_once(
        &self,
        bucket: &str,
        key: &str,
        bytes: Vec<u8>,
    ) -> Result<Stored, ProtonError> {
        let resource = format!("s3://{bucket}/{key}");
        let endpoint = self.endpoint.as_deref();
        let head = self.s3.head_object().bucket(bucket).key(key).send().await;
        match head {
            Ok(_) => return Ok(Stored::Existing),
            // Missing; or forbidden, which is how S3 answers for a missing key to a caller
            // without s3:ListBucket. Uploading then is safe: a key names its content.
            Err(err) if err.as_service_error().is_some_and(|e| e.is_not_found()) => {}
            Err(err)
                if err
                    .raw_response()
                    .is_some_and(|r| r.status().as_u16() == 403) => {}
            Err(err) => {
                return Err(ProtonError::from_sdk(
                    S3,
                    "HeadObject",
                    resource,
                    endpoint,
                    err,
                ));
            }
        }
        self.s3
            .put_object()
            .bucket(bucket)
            .key(key)
            .content_type("application/gzip")
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(|err| ProtonError::from_sdk(S3, "PutObject", resource, endpoint, err))?;
        Ok(Stored::Uploaded)
    }
}
