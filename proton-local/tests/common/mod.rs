//! Shared harness: starts `proton-local` as a process and talks to it.
#![allow(dead_code, unreachable_pub)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(deprecated)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_proton::config::retry::RetryConfig;
use aws_sdk_proton::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_proton::error::ProvideErrorMetadata;
use aws_sdk_proton::types::{TemplateVersionSourceInput, TemplateVersionStatus};
use aws_sdk_proton::Client;
use axum::http::{HeaderMap, HeaderValue};
use serde_json::Value;

/// A running `proton-local` process; killed when dropped.
pub struct Local {
    child: Option<Child>,
    pub port: u16,
    pub endpoint: String,
}

impl Local {
    /// Starts the binary with `--listen 127.0.0.1:0` plus `args`, and waits for its stdout line.
    /// Its standard input is a pipe this process never writes to (`--exit-with-stdin`), so it
    /// ends with this process even where nothing drops it (a `static`).
    pub fn start(args: &[&str]) -> Local {
        let mut child = Command::new(env!("CARGO_BIN_EXE_proton-local"))
            .arg("--listen")
            .arg("127.0.0.1:0")
            .arg("--exit-with-stdin")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn proton-local");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read listening line");
        let url = line
            .trim()
            .strip_prefix("proton-local listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .to_string();
        let port = url.rsplit(':').next().unwrap().parse().unwrap();
        Local {
            child: Some(child),
            port,
            endpoint: url,
        }
    }

    pub fn client(&self) -> Client {
        self.client_with("test", "test", "us-east-1")
    }

    pub fn client_with(&self, access_key: &str, secret: &str, region: &str) -> Client {
        let config = aws_sdk_proton::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_string()))
            .endpoint_url(&self.endpoint)
            .credentials_provider(Credentials::new(access_key, secret, None, None, "test"))
            .retry_config(RetryConfig::standard().with_initial_backoff(Duration::from_millis(5)))
            .build();
        Client::from_conf(config)
    }

    /// Sends SIGKILL and waits.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    /// Sends SIGTERM and waits for the exit status.
    pub fn terminate(&mut self) -> ExitStatus {
        let mut child = self.child.take().expect("running");
        let status = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status()
            .unwrap();
        assert!(status.success());
        child.wait().unwrap()
    }

    /// Closes the server's standard input, as this process's end would, and waits for its
    /// exit status (a minute at most: a server that does not end fails the test, not CI).
    pub fn close_stdin(&mut self) -> ExitStatus {
        let mut child = self.child.take().expect("running");
        drop(child.stdin.take());
        let pid = child.id();
        let (exited, on_exit) = std::sync::mpsc::channel();
        std::thread::spawn(move || exited.send(child.wait().unwrap()));
        on_exit
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| {
                let _ = Command::new("kill")
                    .arg("-KILL")
                    .arg(pid.to_string())
                    .status();
                panic!("proton-local (pid {pid}) still runs a minute after its stdin closed")
            })
    }

    /// A raw HTTP/1.1 request; returns status, headers (lower-case names) and body.
    pub fn raw(&self, method: &str, path: &str, headers: &HeaderMap, body: &[u8]) -> RawResponse {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        let mut request = format!("{method} {path} HTTP/1.1\r\n");
        for (name, value) in headers {
            request.push_str(&format!("{}: {}\r\n", name, value.to_str().unwrap()));
        }
        if !headers.contains_key("host") {
            request.push_str(&format!("host: 127.0.0.1:{}\r\n", self.port));
        }
        request.push_str(&format!(
            "content-length: {}\r\nconnection: close\r\n\r\n",
            body.len()
        ));
        stream.write_all(request.as_bytes()).unwrap();
        stream.write_all(body).unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).unwrap();
        parse_response(&response)
    }

    /// A request signed like an SDK's, with `target` and `content_type`.
    pub fn signed(
        &self,
        target: Option<&str>,
        content_type: Option<&str>,
        body: &[u8],
    ) -> RawResponse {
        self.signed_at(target, content_type, body, std::time::SystemTime::now())
    }

    /// As [`Local::signed`], signed at `time`.
    pub fn signed_at(
        &self,
        target: Option<&str>,
        content_type: Option<&str>,
        body: &[u8],
        time: std::time::SystemTime,
    ) -> RawResponse {
        let mut headers = HeaderMap::new();
        headers.insert(
            "host",
            HeaderValue::from_str(&format!("127.0.0.1:{}", self.port)).unwrap(),
        );
        if let Some(ct) = content_type {
            headers.insert("content-type", HeaderValue::from_str(ct).unwrap());
        }
        if let Some(t) = target {
            headers.insert("x-amz-target", HeaderValue::from_str(t).unwrap());
        }
        proton_local::sigv4::sign(
            "POST",
            "/",
            &mut headers,
            body,
            &proton_local::sigv4::Credentials {
                access_key_id: "test".into(),
                secret_access_key: "test".into(),
            },
            "us-east-1",
            time,
        )
        .unwrap();
        self.raw("POST", "/", &headers, body)
    }

    pub fn admin_get(&self, path: &str) -> Value {
        let r = self.raw("GET", path, &HeaderMap::new(), b"");
        assert_eq!(r.status, 200, "{}", r.body_text());
        r.json()
    }

    pub fn admin_post(&self, path: &str, body: &Value) -> RawResponse {
        let mut headers = HeaderMap::new();
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        self.raw("POST", path, &headers, body.to_string().as_bytes())
    }
}

impl Drop for Local {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.body_text()))
    }
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn error_type(&self) -> String {
        self.json()["__type"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

fn parse_response(bytes: &[u8]) -> RawResponse {
    let split = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("response head");
    let head = String::from_utf8_lossy(&bytes[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let status = status_line.split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = bytes[split + 4..].to_vec();
    if headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"))
    {
        body = dechunk(&body);
    }
    RawResponse {
        status,
        headers,
        body,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(pos) = data.windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(std::str::from_utf8(&data[..pos]).unwrap().trim(), 16).unwrap();
        if size == 0 {
            break;
        }
        out.extend_from_slice(&data[pos + 2..pos + 2 + size]);
        data = &data[pos + 2 + size + 2..];
    }
    out
}

/// The error code the SDK saw.
pub fn code<E: ProvideErrorMetadata>(error: &E) -> String {
    error.code().unwrap_or("<none>").to_string()
}

pub fn message<E: ProvideErrorMetadata>(error: &E) -> String {
    error.message().unwrap_or("<none>").to_string()
}

pub fn s3(bucket: &str, key: &str) -> TemplateVersionSourceInput {
    TemplateVersionSourceInput::S3(
        aws_sdk_proton::types::S3ObjectSource::builder()
            .bucket(bucket)
            .key(key)
            .build()
            .unwrap(),
    )
}

pub async fn create_env_template(client: &Client, name: &str) {
    client
        .create_environment_template()
        .name(name)
        .send()
        .await
        .unwrap();
}

/// Creates an environment template version; returns (major, minor).
pub async fn create_env_version(
    client: &Client,
    name: &str,
    major: Option<&str>,
) -> (String, String) {
    let out = client
        .create_environment_template_version()
        .template_name(name)
        .set_major_version(major.map(str::to_string))
        .source(s3("bucket", "bundle.tar.gz"))
        .send()
        .await
        .unwrap();
    let v = out.environment_template_version.unwrap();
    (v.major_version, v.minor_version)
}

/// Creates a version of environment template `name` (a minor of `major` when given) from
/// `s3://bucket/key` and waits until its registration ends.
pub async fn register_env_version(
    client: &Client,
    name: &str,
    major: Option<&str>,
    (bucket, key): (&str, &str),
) -> aws_sdk_proton::types::EnvironmentTemplateVersion {
    let out = client
        .create_environment_template_version()
        .template_name(name)
        .set_major_version(major.map(str::to_string))
        .source(s3(bucket, key))
        .send()
        .await
        .unwrap()
        .environment_template_version
        .unwrap();
    assert_eq!(out.status, TemplateVersionStatus::RegistrationInProgress);
    wait_env_registered(client, name, &out.major_version, &out.minor_version).await
}

/// A gzipped tarball of `files` (path, text), each 0644.
pub fn gzipped_tar(files: &[(&str, &str)]) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut builder = tar::Builder::new(gz);
    for (name, text) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(text.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder
            .append_data(&mut header, name, text.as_bytes())
            .unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap()
}

/// Polls Get until the version leaves REGISTRATION_IN_PROGRESS (bounded by a generous deadline).
pub async fn wait_env_registered(
    client: &Client,
    name: &str,
    major: &str,
    minor: &str,
) -> aws_sdk_proton::types::EnvironmentTemplateVersion {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let v = client
            .get_environment_template_version()
            .template_name(name)
            .major_version(major)
            .minor_version(minor)
            .send()
            .await
            .unwrap()
            .environment_template_version
            .unwrap();
        if v.status != TemplateVersionStatus::RegistrationInProgress {
            return v;
        }
        assert!(Instant::now() < deadline, "registration never finished");
        tokio::task::yield_now().await;
    }
}

pub async fn wait_service_registered(
    client: &Client,
    name: &str,
    major: &str,
    minor: &str,
) -> aws_sdk_proton::types::ServiceTemplateVersion {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let v = client
            .get_service_template_version()
            .template_name(name)
            .major_version(major)
            .minor_version(minor)
            .send()
            .await
            .unwrap()
            .service_template_version
            .unwrap();
        if v.status != TemplateVersionStatus::RegistrationInProgress {
            return v;
        }
        assert!(Instant::now() < deadline, "registration never finished");
        tokio::task::yield_now().await;
    }
}

pub async fn publish_env(client: &Client, name: &str, major: &str, minor: &str) {
    client
        .update_environment_template_version()
        .template_name(name)
        .major_version(major)
        .minor_version(minor)
        .status(TemplateVersionStatus::Published)
        .send()
        .await
        .unwrap();
}
