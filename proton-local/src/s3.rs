//! The S3 API on proton-local's port, path-style (`http://HOST:PORT/BUCKET/KEY`), over the
//! object store registration reads bundles from (`objects.rs`).
//!
//! HTTP, XML, SigV4 (header-signed and presigned, `aws-chunked` uploads with signed or unsigned
//! chunks and checksum trailers) are the `s3s` crate's; this file maps S3 operations onto the
//! store. Served: CreateBucket, HeadBucket, ListBuckets, PutObject, GetObject (with `Range`),
//! HeadObject, ListObjectsV2, DeleteObject; every other operation answers S3's
//! `NotImplemented` (the `s3s` default). Sources for the behaviour:
//! <https://docs.aws.amazon.com/AmazonS3/latest/API/API_Operations_Amazon_Simple_Storage_Service.html>
//! (one page per operation) and the error list
//! <https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList>.
//!
//! Not kept, since objects are plain files: content type, user metadata and checksums (a
//! checksum sent with an upload is verified, then answered in the PutObject response only).

use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use md5::{Digest, Md5};
use s3s::auth::{S3Auth, SecretKey};
use s3s::checksum::ChecksumHasher;
use s3s::config::{S3Config, StaticConfigProvider};
use s3s::dto::{
    Bucket, ChecksumAlgorithm, CommonPrefix, CreateBucketInput, CreateBucketOutput,
    DeleteObjectInput, DeleteObjectOutput, ETag, GetObjectInput, GetObjectOutput, HeadBucketInput,
    HeadBucketOutput, HeadObjectInput, HeadObjectOutput, ListBucketsInput, ListBucketsOutput,
    ListObjectsV2Input, ListObjectsV2Output, Object, PutObjectInput, PutObjectOutput,
    StreamingBlob, Timestamp,
};
use s3s::service::{S3Service, S3ServiceBuilder};
use s3s::validation::NameValidation;
use s3s::{S3Error, S3ErrorCode, S3Request, S3Response, S3Result};

use crate::accounts::Accounts;
use crate::objects::{self, ObjectError, ObjectInfo, ObjectStore};

/// Largest object proton-local accepts in one PutObject; it holds the upload in memory before
/// writing it (S3's own limit is 5 GB).
const MAX_OBJECT_BYTES: usize = 512 * 1024 * 1024;
/// ListObjectsV2's default and largest page.
const MAX_KEYS: i32 = 1000;

/// Builds the S3 service: the keys `accounts` knows (the configured pair and issued
/// sessions, whose tokens the server checks before `s3s` sees the request), the regions
/// served (empty = any), and whether a request signed more than 15 minutes from the server's
/// clock is refused.
pub(crate) fn service(
    objects: Arc<ObjectStore>,
    accounts: Arc<Accounts>,
    regions: Vec<String>,
    check_clock_skew: bool,
) -> S3Service {
    let mut builder = S3ServiceBuilder::new(S3Api { objects, regions });
    builder.set_auth(KnownKeys(accounts));
    builder.set_validation(BucketNames);
    let mut config = S3Config::default();
    if !check_clock_skew {
        config.presigned_url_max_skew_time_secs = u32::MAX;
    }
    builder.set_config(Arc::new(StaticConfigProvider::new(Arc::new(config))));
    builder.build()
}

/// The keys the endpoint accepts: the configured pair and the sessions STS issued. Bucket
/// names are global, as in S3, and buckets have no owner here: every account reaches every
/// bucket.
struct KnownKeys(Arc<Accounts>);

#[async_trait::async_trait]
impl S3Auth for KnownKeys {
    async fn get_secret_key(&self, access_key: &str) -> S3Result<SecretKey> {
        // The session token was checked before s3s saw the request (server.rs); here only
        // the secret is wanted, so the session is looked up with its own token.
        let secret = self
            .0
            .session_secret(access_key)
            .or_else(|| self.0.base_secret(access_key));
        match secret {
            Some(secret) => Ok(SecretKey::from(secret.as_str())),
            None => Err(S3Error::with_message(
                S3ErrorCode::InvalidAccessKeyId,
                "The AWS Access Key Id you provided does not exist in our records.",
            )),
        }
    }
}

/// S3's bucket naming rules, the same the store applies.
struct BucketNames;

impl NameValidation for BucketNames {
    fn validate_bucket_name(&self, name: &str) -> bool {
        objects::valid_bucket_name(name)
    }
}

struct S3Api {
    objects: Arc<ObjectStore>,
    regions: Vec<String>,
}

fn s3_error(e: ObjectError) -> S3Error {
    let code = match &e {
        ObjectError::InvalidBucketName => S3ErrorCode::InvalidBucketName,
        ObjectError::NoSuchBucket => S3ErrorCode::NoSuchBucket,
        ObjectError::NoSuchKey => S3ErrorCode::NoSuchKey,
        ObjectError::BucketAlreadyOwnedByYou => S3ErrorCode::BucketAlreadyOwnedByYou,
        ObjectError::UnstorableKey { .. } => S3ErrorCode::InvalidArgument,
        ObjectError::Io(io) => {
            tracing::error!(error = %io, "object store I/O failed");
            S3ErrorCode::InternalError
        }
    };
    S3Error::with_message(code, e.to_string())
}

fn internal(message: &'static str) -> S3Error {
    S3Error::with_message(S3ErrorCode::InternalError, message)
}

impl S3Api {
    /// Runs a store operation off the async workers (the directory store does file I/O).
    async fn blocking<T: Send + 'static>(
        &self,
        operation: impl FnOnce(&ObjectStore) -> Result<T, ObjectError> + Send + 'static,
    ) -> S3Result<T> {
        let objects = Arc::clone(&self.objects);
        match tokio::task::spawn_blocking(move || operation(&objects)).await {
            Ok(result) => result.map_err(s3_error),
            Err(_) => Err(internal("The object store operation did not complete.")),
        }
    }

    /// Refuses a request signed for a region outside `--region`, as S3 refuses one signed for
    /// the wrong region.
    fn check_region<T>(&self, request: &S3Request<T>) -> S3Result<()> {
        let Some(region) = request.region.as_ref().map(|r| r.as_str()) else {
            return Ok(());
        };
        if self.regions.is_empty() || self.regions.iter().any(|r| r == region) {
            return Ok(());
        }
        Err(S3Error::with_message(
            S3ErrorCode::AuthorizationHeaderMalformed,
            format!(
                "The authorization header is malformed; the region '{region}' is wrong; expecting '{}'",
                self.regions.join("', '")
            ),
        ))
    }
}

/// Reads an upload's body, feeding the hashers, refusing more than [`MAX_OBJECT_BYTES`].
async fn read_body(
    mut body: StreamingBlob,
    md5: &mut Md5,
    checksums: &mut ChecksumHasher,
) -> S3Result<Bytes> {
    let mut data = BytesMut::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| {
            // s3s reports a bad chunk signature through the body stream; its error type is
            // not public, so it is recognised by its text.
            let text = e.to_string();
            if text.contains("SignatureMismatch") {
                S3Error::with_message(
                    S3ErrorCode::SignatureDoesNotMatch,
                    "The request signature we calculated does not match the signature you provided.",
                )
            } else {
                S3Error::with_message(
                    S3ErrorCode::IncompleteBody,
                    format!("The request body could not be read: {text}"),
                )
            }
        })?;
        if data.len() + chunk.len() > MAX_OBJECT_BYTES {
            return Err(S3Error::with_message(
                S3ErrorCode::EntityTooLarge,
                format!(
                    "Your proposed upload exceeds the maximum allowed size (proton-local accepts {MAX_OBJECT_BYTES} bytes)."
                ),
            ));
        }
        md5.update(&chunk);
        checksums.update(&chunk);
        data.extend_from_slice(&chunk);
    }
    Ok(data.freeze())
}

/// The checksums the upload announced (headers, or trailers once the body is read), by
/// algorithm name.
struct Announced {
    crc32: Option<String>,
    crc32c: Option<String>,
    sha1: Option<String>,
    sha256: Option<String>,
    crc64nvme: Option<String>,
}

fn hasher_for(
    announced: &Announced,
    algorithm: Option<&ChecksumAlgorithm>,
) -> S3Result<ChecksumHasher> {
    let mut hasher = ChecksumHasher::default();
    if announced.crc32.is_some() {
        hasher.crc32 = Some(Default::default());
    }
    if announced.crc32c.is_some() {
        hasher.crc32c = Some(Default::default());
    }
    if announced.sha1.is_some() {
        hasher.sha1 = Some(Default::default());
    }
    if announced.sha256.is_some() {
        hasher.sha256 = Some(Default::default());
    }
    if announced.crc64nvme.is_some() {
        hasher.crc64nvme = Some(Default::default());
    }
    if let Some(algorithm) = algorithm {
        match algorithm.as_str() {
            ChecksumAlgorithm::CRC32 => hasher.crc32 = Some(Default::default()),
            ChecksumAlgorithm::CRC32C => hasher.crc32c = Some(Default::default()),
            ChecksumAlgorithm::SHA1 => hasher.sha1 = Some(Default::default()),
            ChecksumAlgorithm::SHA256 => hasher.sha256 = Some(Default::default()),
            ChecksumAlgorithm::CRC64NVME => hasher.crc64nvme = Some(Default::default()),
            other => {
                return Err(S3Error::with_message(
                    S3ErrorCode::InvalidRequest,
                    format!("Checksum algorithm '{other}' is not supported."),
                ))
            }
        }
    }
    Ok(hasher)
}

fn timestamp(time: std::time::SystemTime) -> Timestamp {
    Timestamp::from(time)
}

fn strong_etag(data: &[u8]) -> ETag {
    ETag::Strong(objects::etag(data))
}

/// Percent-encodes a key for `encoding-type=url` listings (everything but RFC 3986's
/// unreserved characters and `/`).
fn url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// One ListObjectsV2 page over `all` (sorted keys matching the prefix).
struct Page {
    objects: Vec<ObjectInfo>,
    prefixes: Vec<String>,
    /// The last key or common prefix of the page, when more follow.
    next_marker: Option<String>,
}

fn page(
    all: Vec<ObjectInfo>,
    prefix: &str,
    delimiter: Option<&str>,
    after: Option<&str>,
    max_keys: usize,
) -> Page {
    let mut page = Page {
        objects: Vec::new(),
        prefixes: Vec::new(),
        next_marker: None,
    };
    let mut last: Option<String> = None;
    for object in all {
        if let Some(after) = after {
            // A marker ending in the delimiter was a common prefix: skip everything under it.
            let under_prefix_marker =
                delimiter.is_some_and(|d| after.ends_with(d)) && object.key.starts_with(after);
            if object.key.as_str() <= after || under_prefix_marker {
                continue;
            }
        }
        let common = delimiter.filter(|d| !d.is_empty()).and_then(|d| {
            let rest = object.key.get(prefix.len()..)?;
            let end = rest.find(d)?;
            object.key.get(..prefix.len() + end + d.len())
        });
        let entry = common.unwrap_or(&object.key).to_string();
        if common.is_some() && last.as_deref() == Some(entry.as_str()) {
            continue;
        }
        if page.objects.len() + page.prefixes.len() >= max_keys {
            page.next_marker = last;
            return page;
        }
        last = Some(entry.clone());
        match common {
            Some(_) => page.prefixes.push(entry),
            None => page.objects.push(object),
        }
    }
    page
}

fn encode_token(marker: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(marker)
}

fn decode_token(token: &str) -> S3Result<String> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| {
            S3Error::with_message(
                S3ErrorCode::InvalidArgument,
                "The continuation token provided is incorrect",
            )
        })
}

#[async_trait::async_trait]
impl s3s::S3 for S3Api {
    async fn create_bucket(
        &self,
        req: S3Request<CreateBucketInput>,
    ) -> S3Result<S3Response<CreateBucketOutput>> {
        self.check_region(&req)?;
        let bucket = req.input.bucket.clone();
        let created = self.blocking(move |o| o.create_bucket(&bucket)).await;
        // "For legacy compatibility, if you re-create an existing bucket that you already own
        // in the North Virginia Region, Amazon S3 returns 200 OK" (ErrorResponses, the
        // BucketAlreadyOwnedByYou row).
        let legacy_region = req
            .region
            .as_ref()
            .is_none_or(|r| r.as_str() == "us-east-1");
        match created {
            Ok(()) => {}
            Err(e) if *e.code() == S3ErrorCode::BucketAlreadyOwnedByYou && legacy_region => {}
            Err(e) => return Err(e),
        }
        Ok(S3Response::new(CreateBucketOutput {
            location: Some(format!("/{}", req.input.bucket)),
        }))
    }

    async fn head_bucket(
        &self,
        req: S3Request<HeadBucketInput>,
    ) -> S3Result<S3Response<HeadBucketOutput>> {
        self.check_region(&req)?;
        let bucket = req.input.bucket;
        self.blocking(move |o| o.head_bucket(&bucket)).await?;
        Ok(S3Response::new(HeadBucketOutput::default()))
    }

    async fn list_buckets(
        &self,
        req: S3Request<ListBucketsInput>,
    ) -> S3Result<S3Response<ListBucketsOutput>> {
        self.check_region(&req)?;
        let buckets = self.blocking(ObjectStore::list_buckets).await?;
        Ok(S3Response::new(ListBucketsOutput {
            buckets: Some(
                buckets
                    .into_iter()
                    .map(|(name, created)| Bucket {
                        name: Some(name),
                        creation_date: created.map(timestamp),
                        ..Default::default()
                    })
                    .collect(),
            ),
            ..Default::default()
        }))
    }

    async fn put_object(
        &self,
        req: S3Request<PutObjectInput>,
    ) -> S3Result<S3Response<PutObjectOutput>> {
        self.check_region(&req)?;
        let S3Request {
            input,
            trailing_headers,
            ..
        } = req;
        let mut announced = Announced {
            crc32: input.checksum_crc32,
            crc32c: input.checksum_crc32c,
            sha1: input.checksum_sha1,
            sha256: input.checksum_sha256,
            crc64nvme: input.checksum_crc64nvme,
        };
        let mut checksums = hasher_for(&announced, input.checksum_algorithm.as_ref())?;
        let mut md5 = Md5::new();
        let data = match input.body {
            Some(body) => read_body(body, &mut md5, &mut checksums).await?,
            None => Bytes::new(),
        };
        let md5 = md5.finalize();
        if let Some(content_md5) = &input.content_md5 {
            use base64::Engine as _;
            let sent = base64::engine::general_purpose::STANDARD
                .decode(content_md5)
                .map_err(|_| {
                    S3Error::with_message(
                        S3ErrorCode::InvalidDigest,
                        "The Content-MD5 you specified was invalid.",
                    )
                })?;
            if sent.as_slice() != md5.as_slice() {
                return Err(S3Error::with_message(
                    S3ErrorCode::BadDigest,
                    "The Content-MD5 you specified did not match what we received.",
                ));
            }
        }
        // Trailers arrive after the body, so they are read only now.
        if let Some(trailers) = trailing_headers.and_then(|t| t.take()) {
            let value = |name: &str| {
                trailers
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
            };
            let slots = [
                ("x-amz-checksum-crc32", &mut announced.crc32),
                ("x-amz-checksum-crc32c", &mut announced.crc32c),
                ("x-amz-checksum-sha1", &mut announced.sha1),
                ("x-amz-checksum-sha256", &mut announced.sha256),
                ("x-amz-checksum-crc64nvme", &mut announced.crc64nvme),
            ];
            for (name, slot) in slots {
                if let Some(v) = value(name) {
                    *slot = Some(v);
                }
            }
        }
        let computed = checksums.finalize();
        let pairs = [
            ("CRC32", &announced.crc32, &computed.checksum_crc32),
            ("CRC32C", &announced.crc32c, &computed.checksum_crc32c),
            ("SHA1", &announced.sha1, &computed.checksum_sha1),
            ("SHA256", &announced.sha256, &computed.checksum_sha256),
            (
                "CRC64NVME",
                &announced.crc64nvme,
                &computed.checksum_crc64nvme,
            ),
        ];
        for (name, sent, actual) in pairs {
            if sent.is_some() && sent != actual {
                return Err(S3Error::with_message(
                    S3ErrorCode::BadDigest,
                    format!("The {name} you specified did not match the calculated checksum."),
                ));
            }
        }
        let etag = ETag::Strong(md5.iter().map(|b| format!("{b:02x}")).collect());
        let size = data.len() as i64;
        let (bucket, key) = (input.bucket, input.key);
        self.blocking(move |o| o.put(&bucket, &key, data)).await?;
        Ok(S3Response::new(PutObjectOutput {
            e_tag: Some(etag),
            size: Some(size),
            checksum_crc32: computed.checksum_crc32,
            checksum_crc32c: computed.checksum_crc32c,
            checksum_sha1: computed.checksum_sha1,
            checksum_sha256: computed.checksum_sha256,
            checksum_crc64nvme: computed.checksum_crc64nvme,
            ..Default::default()
        }))
    }

    async fn get_object(
        &self,
        req: S3Request<GetObjectInput>,
    ) -> S3Result<S3Response<GetObjectOutput>> {
        self.check_region(&req)?;
        let (bucket, key) = (req.input.bucket, req.input.key);
        let (data, info) = self.blocking(move |o| o.get(&bucket, &key)).await?;
        let etag = strong_etag(&data);
        let (body, content_range) = match req.input.range {
            None => (data, None),
            Some(range) => {
                let span = range.check(info.size)?;
                let (start, end) = (
                    usize::try_from(span.start).map_err(|_| internal("range start"))?,
                    usize::try_from(span.end).map_err(|_| internal("range end"))?,
                );
                let part = data.slice(start..end);
                let range = format!(
                    "bytes {}-{}/{}",
                    span.start,
                    span.end.saturating_sub(1),
                    info.size
                );
                (part, Some(range))
            }
        };
        let content_length = body.len() as i64;
        Ok(S3Response::new(GetObjectOutput {
            body: Some(StreamingBlob::from(s3s::Body::from(body))),
            content_length: Some(content_length),
            content_range,
            accept_ranges: Some("bytes".to_string()),
            e_tag: Some(etag),
            last_modified: Some(timestamp(info.modified)),
            ..Default::default()
        }))
    }

    async fn head_object(
        &self,
        req: S3Request<HeadObjectInput>,
    ) -> S3Result<S3Response<HeadObjectOutput>> {
        self.check_region(&req)?;
        let (bucket, key) = (req.input.bucket, req.input.key);
        let (data, info) = self.blocking(move |o| o.get(&bucket, &key)).await?;
        Ok(S3Response::new(HeadObjectOutput {
            content_length: Some(info.size as i64),
            accept_ranges: Some("bytes".to_string()),
            e_tag: Some(strong_etag(&data)),
            last_modified: Some(timestamp(info.modified)),
            ..Default::default()
        }))
    }

    async fn list_objects_v2(
        &self,
        req: S3Request<ListObjectsV2Input>,
    ) -> S3Result<S3Response<ListObjectsV2Output>> {
        self.check_region(&req)?;
        let input = req.input;
        let max_keys = input.max_keys.unwrap_or(MAX_KEYS);
        if max_keys < 0 {
            return Err(S3Error::with_message(
                S3ErrorCode::InvalidArgument,
                "Argument maxKeys must be an integer between 0 and 2147483647",
            ));
        }
        let limit = usize::try_from(max_keys.min(MAX_KEYS)).unwrap_or(0);
        let token = input
            .continuation_token
            .as_deref()
            .map(decode_token)
            .transpose()?;
        // The later of the continuation token and StartAfter.
        let after = match (token, input.start_after.clone()) {
            (Some(t), Some(s)) => Some(t.max(s)),
            (t, s) => t.or(s),
        };
        let prefix = input.prefix.clone().unwrap_or_default();
        let delimiter = input.delimiter.clone();
        let bucket = input.bucket.clone();
        let (listed, etags) = self
            .blocking(move |o| {
                let all = o.list(&bucket, &prefix)?;
                let listed = page(all, &prefix, delimiter.as_deref(), after.as_deref(), limit);
                // ETags need the bytes; read only the page's objects. One deleted meanwhile
                // is simply listed without an ETag.
                let etags: Vec<Option<String>> = listed
                    .objects
                    .iter()
                    .map(|info| {
                        o.get(&bucket, &info.key)
                            .ok()
                            .map(|(d, _)| objects::etag(&d))
                    })
                    .collect();
                Ok((listed, etags))
            })
            .await?;
        let url = input
            .encoding_type
            .as_ref()
            .is_some_and(|e| e.as_str() == "url");
        let encode = |text: String| if url { url_encode(&text) } else { text };
        let key_count = (listed.objects.len() + listed.prefixes.len()) as i32;
        let contents: Vec<Object> = listed
            .objects
            .into_iter()
            .zip(etags)
            .map(|(info, etag)| Object {
                key: Some(encode(info.key)),
                size: Some(info.size as i64),
                last_modified: Some(timestamp(info.modified)),
                e_tag: etag.map(ETag::Strong),
                storage_class: Some(s3s::dto::ObjectStorageClass::from_static(
                    s3s::dto::ObjectStorageClass::STANDARD,
                )),
                ..Default::default()
            })
            .collect();
        let common_prefixes: Vec<CommonPrefix> = listed
            .prefixes
            .into_iter()
            .map(|p| CommonPrefix {
                prefix: Some(encode(p)),
            })
            .collect();
        Ok(S3Response::new(ListObjectsV2Output {
            name: Some(input.bucket),
            prefix: Some(encode(input.prefix.unwrap_or_default())),
            delimiter: input.delimiter.map(&encode),
            max_keys: Some(max_keys),
            key_count: Some(key_count),
            is_truncated: Some(listed.next_marker.is_some()),
            next_continuation_token: listed.next_marker.as_deref().map(encode_token),
            continuation_token: input.continuation_token,
            start_after: input.start_after.map(&encode),
            encoding_type: input.encoding_type,
            contents: Some(contents),
            common_prefixes: Some(common_prefixes),
            ..Default::default()
        }))
    }

    async fn delete_object(
        &self,
        req: S3Request<DeleteObjectInput>,
    ) -> S3Result<S3Response<DeleteObjectOutput>> {
        self.check_region(&req)?;
        let (bucket, key) = (req.input.bucket, req.input.key);
        self.blocking(move |o| o.delete(&bucket, &key)).await?;
        Ok(S3Response::new(DeleteObjectOutput::default()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn infos(keys: &[&str]) -> Vec<ObjectInfo> {
        keys.iter()
            .map(|k| ObjectInfo {
                key: (*k).to_string(),
                size: 0,
                modified: std::time::SystemTime::UNIX_EPOCH,
            })
            .collect()
    }

    fn keys(page: &Page) -> Vec<&str> {
        page.objects.iter().map(|o| o.key.as_str()).collect()
    }

    #[test]
    fn delimited_pages_count_each_common_prefix_once_and_resume_after_it() {
        let all = ["a", "d/1", "d/2", "d/3", "e", "f/x"];
        let first = page(infos(&all), "", Some("/"), None, 2);
        assert_eq!(keys(&first), ["a"]);
        assert_eq!(first.prefixes, ["d/"]);
        assert_eq!(first.next_marker.as_deref(), Some("d/"));
        let second = page(infos(&all), "", Some("/"), Some("d/"), 2);
        assert_eq!(keys(&second), ["e"]);
        assert_eq!(second.prefixes, ["f/"]);
        assert_eq!(second.next_marker, None);
    }

    #[test]
    fn a_full_last_page_is_not_truncated() {
        let listed = page(infos(&["a", "b"]), "", None, None, 2);
        assert_eq!(keys(&listed), ["a", "b"]);
        assert_eq!(listed.next_marker, None);
    }

    #[test]
    fn tokens_round_trip() {
        assert_eq!(decode_token(&encode_token("d/é")).unwrap(), "d/é");
        assert!(decode_token("!!").is_err());
    }

    #[test]
    fn url_encoding_keeps_slashes() {
        assert_eq!(url_encode("a b/c+d"), "a%20b/c%2Bd");
    }
}
