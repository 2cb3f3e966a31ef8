//! The S3 API on proton-local's port, driven by the real `aws-sdk-s3` client (path-style), and
//! registration reading the bundles uploaded through it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(deprecated)]

mod common;

use std::sync::{Arc, Mutex};

use aws_sdk_proton::types::TemplateVersionStatus;
use aws_sdk_s3::config::interceptors::{
    BeforeTransmitInterceptorContextMut, BeforeTransmitInterceptorContextRef,
};
use aws_sdk_s3::config::{
    BehaviorVersion, ConfigBag, Credentials, Intercept, Region, RuntimeComponents,
};
use aws_sdk_s3::error::{BoxError, ProvideErrorMetadata};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ChecksumAlgorithm;
use common::*;
use md5::{Digest, Md5};

const ENV_SCHEMA: &str = "schema:\n  format:\n    openapi: \"3.0.0\"\n  environment_input_type: \"EnvInput\"\n  types:\n    EnvInput:\n      type: object\n      properties:\n        vpc_cidr:\n          type: string\n";
const MANIFEST: &str = "infrastructure:\n  templates:\n    - file: \"cloudformation.yaml\"\n      rendering_engine: jinja\n      template_language: cloudformation\n";

/// A request's `x-amz-content-sha256` and `x-amz-trailer` headers.
type PayloadHeaders = (Option<String>, Option<String>);

/// The payload headers of every request the client sent.
#[derive(Debug, Clone, Default)]
struct SentHeaders(Arc<Mutex<Vec<PayloadHeaders>>>);

impl Intercept for SentHeaders {
    fn name(&self) -> &'static str {
        "SentHeaders"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let headers = context.request().headers();
        let get = |name: &str| headers.get(name).map(str::to_string);
        self.0
            .lock()
            .unwrap()
            .push((get("x-amz-content-sha256"), get("x-amz-trailer")));
        Ok(())
    }
}

impl SentHeaders {
    fn last(&self) -> PayloadHeaders {
        self.0.lock().unwrap().last().cloned().unwrap()
    }
}

/// Makes the SDK encode uploads as it does over HTTPS (`STREAMING-UNSIGNED-PAYLOAD-TRAILER`:
/// unsigned chunks, checksum trailer) while still talking plain HTTP: the request looks
/// like `https:` while the SDK picks its encoding and signs, and goes out as `http:`.
#[derive(Debug)]
struct AsIfHttps;

impl Intercept for AsIfHttps {
    fn name(&self) -> &'static str {
        "AsIfHttps"
    }

    fn modify_before_signing(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let uri = context.request().uri().replacen("http:", "https:", 1);
        context.request_mut().set_uri(uri)?;
        Ok(())
    }

    fn modify_before_transmit(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let uri = context.request().uri().replacen("https:", "http:", 1);
        context.request_mut().set_uri(uri)?;
        Ok(())
    }
}

fn s3_client_with(local: &Local, access_key: &str, secret: &str) -> aws_sdk_s3::Client {
    s3_client_recording(local, access_key, secret, SentHeaders::default())
}

fn s3_client_recording(
    local: &Local,
    access_key: &str,
    secret: &str,
    sent: SentHeaders,
) -> aws_sdk_s3::Client {
    s3_client_in(local, "us-east-1", access_key, secret, sent)
}

fn s3_client_in(
    local: &Local,
    region: &str,
    access_key: &str,
    secret: &str,
    sent: SentHeaders,
) -> aws_sdk_s3::Client {
    let config = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .endpoint_url(&local.endpoint)
        .force_path_style(true)
        .credentials_provider(Credentials::new(access_key, secret, None, None, "test"))
        .interceptor(sent)
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

fn s3_client(local: &Local) -> aws_sdk_s3::Client {
    s3_client_with(local, "test", "test")
}

/// Bytes that are not all alike, so a dropped or reordered chunk shows.
fn payload(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
}

fn etag_of(data: &[u8]) -> String {
    let digest = Md5::digest(data);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// A streaming body (from a file), which the SDK sends `aws-chunked` with a checksum trailer.
async fn streaming_body(dir: &std::path::Path, name: &str, data: &[u8]) -> ByteStream {
    let path = dir.join(name);
    std::fs::write(&path, data).unwrap();
    ByteStream::from_path(&path).await.unwrap()
}

async fn get_bytes(client: &aws_sdk_s3::Client, bucket: &str, key: &str) -> Vec<u8> {
    let out = client.get_object().bucket(bucket).key(key).send().await;
    let out = out.unwrap_or_else(|e| panic!("get {bucket}/{key}: {e:?}"));
    out.body.collect().await.unwrap().into_bytes().to_vec()
}

fn env_bundle() -> Vec<u8> {
    gzipped_tar(&[
        ("schema/schema.yaml", ENV_SCHEMA),
        ("infrastructure/manifest.yaml", MANIFEST),
        ("infrastructure/cloudformation.yaml", "Resources: {}\n"),
    ])
}

#[tokio::test]
async fn objects_round_trip_through_the_sdk() {
    let bundles = tempfile::tempdir().unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let local = Local::start(&["--bundle-dir", bundles.path().to_str().unwrap()]);
    let sent = SentHeaders::default();
    let client = s3_client_recording(&local, "test", "test", sent.clone());

    client
        .create_bucket()
        .bucket("bundles")
        .send()
        .await
        .unwrap();
    client.head_bucket().bucket("bundles").send().await.unwrap();

    // The SDK's default upload: streaming, aws-chunked, CRC32 in a trailer.
    let streamed = payload(200_000);
    let out = client
        .put_object()
        .bucket("bundles")
        .key("env/streamed.tar.gz")
        .body(streaming_body(scratch.path(), "streamed", &streamed).await)
        .send()
        .await
        .unwrap();
    assert_eq!(out.e_tag.as_deref(), Some(etag_of(&streamed).as_str()));
    let (content_sha256, trailer) = sent.last();
    let content_sha256 = content_sha256.unwrap_or_default();
    // Over plain HTTP the SDK signs each chunk.
    assert_eq!(content_sha256, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER");
    assert_eq!(trailer.as_deref(), Some("x-amz-checksum-crc32"));

    // The same with a CRC64NVME trailer.
    let crc64 = payload(70_000);
    client
        .put_object()
        .bucket("bundles")
        .key("env/crc64.bin")
        .checksum_algorithm(ChecksumAlgorithm::Crc64Nvme)
        .body(streaming_body(scratch.path(), "crc64", &crc64).await)
        .send()
        .await
        .unwrap();
    assert_eq!(sent.last().1.as_deref(), Some("x-amz-checksum-crc64nvme"));

    // What the SDK sends over HTTPS: unsigned chunks with the checksum in a trailer.
    let unsigned_sent = SentHeaders::default();
    let unsigned = {
        let config = client
            .config()
            .to_builder()
            .interceptor(AsIfHttps)
            .interceptor(unsigned_sent.clone())
            .build();
        aws_sdk_s3::Client::from_conf(config)
    };
    let unsigned_body = payload(150_000);
    for algorithm in [ChecksumAlgorithm::Crc32, ChecksumAlgorithm::Crc64Nvme] {
        unsigned
            .put_object()
            .bucket("bundles")
            .key("unsigned/body")
            .checksum_algorithm(algorithm)
            .body(streaming_body(scratch.path(), "unsigned", &unsigned_body).await)
            .send()
            .await
            .unwrap();
        assert_eq!(
            unsigned_sent.last().0.as_deref(),
            Some("STREAMING-UNSIGNED-PAYLOAD-TRAILER")
        );
        assert_eq!(
            get_bytes(&client, "bundles", "unsigned/body").await,
            unsigned_body
        );
    }
    client
        .delete_object()
        .bucket("bundles")
        .key("unsigned/body")
        .send()
        .await
        .unwrap();
    assert!(!bundles.path().join("bundles/unsigned").exists());

    // A plain in-memory body (checksum in a header) and an empty one.
    let plain = b"plain body\n".to_vec();
    client
        .put_object()
        .bucket("bundles")
        .key("notes/plain.txt")
        .body(ByteStream::from(plain.clone()))
        .send()
        .await
        .unwrap();
    client
        .put_object()
        .bucket("bundles")
        .key("notes/empty")
        .body(ByteStream::from(Vec::new()))
        .send()
        .await
        .unwrap();

    // A checksum or Content-MD5 that does not match the body is refused, and nothing stored.
    let wrong_crc = client
        .put_object()
        .bucket("bundles")
        .key("notes/wrong")
        .checksum_crc32("AAAAAA==")
        .body(ByteStream::from_static(b"x"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(wrong_crc.code(), Some("BadDigest"), "{wrong_crc:?}");
    let wrong_md5 = client
        .put_object()
        .bucket("bundles")
        .key("notes/wrong")
        .content_md5("1B2M2Y8AsgTpgAmY7PhCfg==")
        .body(ByteStream::from_static(b"x"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(wrong_md5.code(), Some("BadDigest"), "{wrong_md5:?}");
    assert!(!bundles.path().join("bundles/notes/wrong").exists());

    assert_eq!(
        get_bytes(&client, "bundles", "env/streamed.tar.gz").await,
        streamed
    );
    assert_eq!(get_bytes(&client, "bundles", "env/crc64.bin").await, crc64);
    assert_eq!(
        get_bytes(&client, "bundles", "notes/plain.txt").await,
        plain
    );
    assert!(get_bytes(&client, "bundles", "notes/empty")
        .await
        .is_empty());

    let head = client
        .head_object()
        .bucket("bundles")
        .key("env/streamed.tar.gz")
        .send()
        .await
        .unwrap();
    assert_eq!(head.content_length, Some(streamed.len() as i64));
    assert_eq!(head.e_tag.as_deref(), Some(etag_of(&streamed).as_str()));
    assert!(head.last_modified.is_some());

    // Objects are the files of the bundle directory, and files written there are objects.
    let on_disk = std::fs::read(bundles.path().join("bundles/env/streamed.tar.gz")).unwrap();
    assert_eq!(on_disk, streamed);
    std::fs::write(bundles.path().join("bundles/env/by-hand.txt"), b"by hand").unwrap();
    assert_eq!(
        get_bytes(&client, "bundles", "env/by-hand.txt").await,
        b"by hand"
    );

    let listed = client
        .list_objects_v2()
        .bucket("bundles")
        .prefix("env/")
        .send()
        .await
        .unwrap();
    let keys: Vec<&str> = listed.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(
        keys,
        ["env/by-hand.txt", "env/crc64.bin", "env/streamed.tar.gz"]
    );
    assert_eq!(listed.key_count, Some(3));
    let sizes: Vec<i64> = listed.contents().iter().filter_map(|o| o.size).collect();
    assert_eq!(sizes, [7, crc64.len() as i64, streamed.len() as i64]);

    // Delimited listing, as `aws s3 ls s3://bundles/` asks.
    let top = client
        .list_objects_v2()
        .bucket("bundles")
        .delimiter("/")
        .send()
        .await
        .unwrap();
    let prefixes: Vec<&str> = top
        .common_prefixes()
        .iter()
        .filter_map(|p| p.prefix())
        .collect();
    assert_eq!(prefixes, ["env/", "notes/"]);
    assert!(top.contents().is_empty());

    // Paging.
    let first = client
        .list_objects_v2()
        .bucket("bundles")
        .max_keys(2)
        .send()
        .await
        .unwrap();
    assert_eq!(first.is_truncated, Some(true));
    let second = client
        .list_objects_v2()
        .bucket("bundles")
        .max_keys(10)
        .continuation_token(first.next_continuation_token.clone().unwrap())
        .send()
        .await
        .unwrap();
    let all: Vec<&str> = first
        .contents()
        .iter()
        .chain(second.contents())
        .filter_map(|o| o.key())
        .collect();
    assert_eq!(
        all,
        [
            "env/by-hand.txt",
            "env/crc64.bin",
            "env/streamed.tar.gz",
            "notes/empty",
            "notes/plain.txt"
        ]
    );
    assert_eq!(second.is_truncated, Some(false));

    client
        .delete_object()
        .bucket("bundles")
        .key("env/streamed.tar.gz")
        .send()
        .await
        .unwrap();
    assert!(!bundles.path().join("bundles/env/streamed.tar.gz").exists());
    let gone = client
        .get_object()
        .bucket("bundles")
        .key("env/streamed.tar.gz")
        .send()
        .await
        .unwrap_err();
    assert_eq!(gone.code(), Some("NoSuchKey"), "{gone:?}");
    let head_gone = client
        .head_object()
        .bucket("bundles")
        .key("env/streamed.tar.gz")
        .send()
        .await
        .unwrap_err();
    assert!(head_gone.into_service_error().is_not_found());
    // Deleting what is not there succeeds, as in S3.
    client
        .delete_object()
        .bucket("bundles")
        .key("env/streamed.tar.gz")
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn missing_buckets_and_keys_are_s3_errors() {
    let local = Local::start(&[]);
    let client = s3_client(&local);

    let no_bucket = client
        .get_object()
        .bucket("nowhere")
        .key("k")
        .send()
        .await
        .unwrap_err();
    assert_eq!(no_bucket.code(), Some("NoSuchBucket"), "{no_bucket:?}");
    let put_no_bucket = client
        .put_object()
        .bucket("nowhere")
        .key("k")
        .body(ByteStream::from_static(b"x"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(put_no_bucket.code(), Some("NoSuchBucket"));
    let list_no_bucket = client
        .list_objects_v2()
        .bucket("nowhere")
        .send()
        .await
        .unwrap_err();
    assert_eq!(list_no_bucket.code(), Some("NoSuchBucket"));
    let head_no_bucket = client
        .head_bucket()
        .bucket("nowhere")
        .send()
        .await
        .unwrap_err();
    assert!(head_no_bucket.into_service_error().is_not_found());

    client.create_bucket().bucket("here").send().await.unwrap();
    let no_key = client
        .get_object()
        .bucket("here")
        .key("missing")
        .send()
        .await
        .unwrap_err();
    assert_eq!(no_key.code(), Some("NoSuchKey"));
    assert!(no_key.message().is_some());

    // Creating a bucket one owns again: 200 in us-east-1 ("for legacy compatibility"),
    // BucketAlreadyOwnedByYou elsewhere (S3 ErrorResponses).
    client.create_bucket().bucket("here").send().await.unwrap();
    let elsewhere = s3_client_in(&local, "eu-west-1", "test", "test", SentHeaders::default());
    let again = elsewhere
        .create_bucket()
        .bucket("here")
        .create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::EuWest1)
                .build(),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(again.code(), Some("BucketAlreadyOwnedByYou"));

    for bad in [
        "UPPER",
        "ab",
        "has_underscore",
        "a..b",
        "-start",
        "192.168.1.1",
    ] {
        let refused = client.create_bucket().bucket(bad).send().await.unwrap_err();
        assert_eq!(
            refused.code(),
            Some("InvalidBucketName"),
            "{bad}: {refused:?}"
        );
    }
}

#[tokio::test]
async fn wrongly_signed_requests_are_refused() {
    let local = Local::start(&[]);
    s3_client(&local)
        .create_bucket()
        .bucket("signed")
        .send()
        .await
        .unwrap();

    let wrong_secret = s3_client_with(&local, "test", "not-the-secret");
    let refused = wrong_secret
        .put_object()
        .bucket("signed")
        .key("k")
        .body(ByteStream::from_static(b"x"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Some("SignatureDoesNotMatch"), "{refused:?}");
    let refused = wrong_secret
        .list_objects_v2()
        .bucket("signed")
        .send()
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Some("SignatureDoesNotMatch"));

    let unknown_key = s3_client_with(&local, "nobody", "test");
    let refused = unknown_key
        .get_object()
        .bucket("signed")
        .key("k")
        .send()
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Some("InvalidAccessKeyId"), "{refused:?}");

    // Unsigned: refused too.
    let anonymous = local.raw("GET", "/signed/k", &Default::default(), b"");
    assert_eq!(anonymous.status, 403, "{}", anonymous.body_text());
    assert!(anonymous.body_text().contains("AccessDenied"));

    let listed = s3_client(&local)
        .list_objects_v2()
        .bucket("signed")
        .send()
        .await
        .unwrap();
    assert!(
        listed.contents().is_empty(),
        "a refused put stored something"
    );
}

#[tokio::test]
async fn keys_never_leave_the_bucket_directory() {
    let root = tempfile::tempdir().unwrap();
    let bundles = root.path().join("bundles");
    std::fs::create_dir(&bundles).unwrap();
    let local = Local::start(&["--bundle-dir", bundles.to_str().unwrap()]);
    let client = s3_client(&local);
    client.create_bucket().bucket("inner").send().await.unwrap();
    client.create_bucket().bucket("other").send().await.unwrap();

    for key in [
        "../escaped",
        "../../escaped",
        "a/../../escaped",
        "../other/escaped",
    ] {
        let put = client
            .put_object()
            .bucket("inner")
            .key(key)
            .body(ByteStream::from_static(b"escape"))
            .send()
            .await;
        match put {
            // Contained: readable back under the same key, and nowhere else.
            Ok(_) => assert_eq!(get_bytes(&client, "inner", key).await, b"escape"),
            Err(e) => assert_eq!(e.code(), Some("InvalidArgument"), "{key}: {e:?}"),
        }
        let get = client.get_object().bucket("inner").key(key).send().await;
        if let Err(e) = get {
            assert_eq!(e.code(), Some("NoSuchKey"), "{key}: {e:?}");
        }
    }
    assert!(!root.path().join("escaped").exists());
    assert!(!bundles.join("escaped").exists());
    assert!(!bundles.join("other/escaped").exists());
    let other = client
        .list_objects_v2()
        .bucket("other")
        .send()
        .await
        .unwrap();
    assert!(other.contents().is_empty());
}

#[tokio::test]
async fn objects_are_kept_under_the_data_dir_across_restarts() {
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_str().unwrap().to_string();
    let mut first = Local::start(&["--data-dir", &data_dir]);
    let client = s3_client(&first);
    client.create_bucket().bucket("kept").send().await.unwrap();
    client
        .put_object()
        .bucket("kept")
        .key("a/b.txt")
        .body(ByteStream::from_static(b"kept"))
        .send()
        .await
        .unwrap();
    first.kill();
    assert_eq!(
        std::fs::read(data.path().join("s3/kept/a/b.txt")).unwrap(),
        b"kept"
    );

    let second = Local::start(&["--data-dir", &data_dir]);
    assert_eq!(
        get_bytes(&s3_client(&second), "kept", "a/b.txt").await,
        b"kept"
    );
}

#[tokio::test]
async fn registration_reads_the_bundle_uploaded_through_s3() {
    // No directory at all: objects live in memory, and registration reads them there.
    let local = Local::start(&["--registration-delay", "0s"]);
    let s3 = s3_client(&local);
    let proton = local.client();
    s3.create_bucket().bucket("bundles").send().await.unwrap();
    s3.put_object()
        .bucket("bundles")
        .key("env/v1.tar.gz")
        .body(ByteStream::from(env_bundle()))
        .send()
        .await
        .unwrap();
    create_env_template(&proton, "from-s3").await;

    let v = register_env_version(&proton, "from-s3", None, ("bundles", "env/v1.tar.gz")).await;
    assert_eq!(
        v.status,
        TemplateVersionStatus::Draft,
        "{:?}",
        v.status_message
    );
    assert_eq!(v.schema.as_deref(), Some(ENV_SCHEMA));

    for (bucket, key) in [
        ("bundles", "env/missing.tar.gz"),
        ("no-such-bucket", "env/v1.tar.gz"),
    ] {
        let v = register_env_version(&proton, "from-s3", None, (bucket, key)).await;
        assert_eq!(v.status, TemplateVersionStatus::RegistrationFailed);
        let message = v.status_message.unwrap_or_default();
        assert!(
            message.contains(&format!("s3://{bucket}/{key}")),
            "{message:?} should name the object"
        );
        assert!(v.schema.is_none());
    }
}

#[tokio::test]
async fn registration_reads_files_in_the_bundle_dir_and_objects_put_there() {
    let bundles = tempfile::tempdir().unwrap();
    let local = Local::start(&[
        "--bundle-dir",
        bundles.path().to_str().unwrap(),
        "--registration-delay",
        "0s",
    ]);
    let proton = local.client();
    create_env_template(&proton, "dir").await;
    // Put through S3, read by registration from the same directory.
    let s3 = s3_client(&local);
    s3.create_bucket()
        .bucket("dir-bundles")
        .send()
        .await
        .unwrap();
    s3.put_object()
        .bucket("dir-bundles")
        .key("v1.tar.gz")
        .body(ByteStream::from(env_bundle()))
        .send()
        .await
        .unwrap();
    let v = register_env_version(&proton, "dir", None, ("dir-bundles", "v1.tar.gz")).await;
    assert_eq!(
        v.status,
        TemplateVersionStatus::Draft,
        "{:?}",
        v.status_message
    );
    assert!(bundles.path().join("dir-bundles/v1.tar.gz").is_file());
}

#[tokio::test]
async fn canned_bundles_register_without_reading_the_store() {
    let local = Local::start(&["--canned-bundles", "--registration-delay", "0s"]);
    let proton = local.client();
    create_env_template(&proton, "canned").await;
    let v =
        register_env_version(&proton, "canned", None, ("bucket", "never-uploaded.tar.gz")).await;
    assert_eq!(v.status, TemplateVersionStatus::Draft);
    assert!(v
        .schema
        .unwrap()
        .contains("environment_input_type: \"EnvironmentInput\""));

    let v = register_env_version(
        &proton,
        "canned",
        None,
        ("bucket", "fail-registration.tar.gz"),
    )
    .await;
    assert_eq!(v.status, TemplateVersionStatus::RegistrationFailed);
    assert!(v.status_message.unwrap().contains("fail-registration"));
}
