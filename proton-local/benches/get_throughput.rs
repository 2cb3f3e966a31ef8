//! Get throughput over loopback against the release build of `proton-local`.
//!
//! Run with `cargo bench -p proton-local`. Starts the binary, creates one environment template
//! version, then sends signed `GetEnvironmentTemplateVersion` requests from several keep-alive
//! connections for a fixed time and reports requests per second. Requests are signed once and
//! replayed (well within the endpoint's 15-minute clock-skew allowance), so the figure measures
//! the server, not client-side signing. Optional environment: BENCH_SECONDS (default 5), BENCH_CONNECTIONS
//! (default 8).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderValue};
use proton_local::sigv4::{sign, Credentials};

fn signed_request(port: u16, operation: &str, body: &str) -> Vec<u8> {
    let mut headers = HeaderMap::new();
    headers.insert(
        "host",
        HeaderValue::from_str(&format!("127.0.0.1:{port}")).unwrap(),
    );
    headers.insert(
        "content-type",
        HeaderValue::from_static("application/x-amz-json-1.0"),
    );
    headers.insert(
        "x-amz-target",
        HeaderValue::from_str(&format!("AwsProton20200720.{operation}")).unwrap(),
    );
    let credentials = Credentials {
        access_key_id: "test".into(),
        secret_access_key: "test".into(),
    };
    sign(
        "POST",
        "/",
        &mut headers,
        body.as_bytes(),
        &credentials,
        "us-east-1",
        std::time::SystemTime::now(),
    )
    .unwrap();
    let mut request = String::from("POST / HTTP/1.1\r\n");
    for (name, value) in &headers {
        request.push_str(&format!("{name}: {}\r\n", value.to_str().unwrap()));
    }
    request.push_str(&format!("content-length: {}\r\n\r\n{body}", body.len()));
    request.into_bytes()
}

/// Reads one HTTP/1.1 response with a content-length body; returns its status.
fn read_response(stream: &mut BufReader<TcpStream>) -> u16 {
    let mut status = 0;
    let mut length = 0usize;
    let mut line = String::new();
    loop {
        line.clear();
        stream.read_line(&mut line).unwrap();
        let trimmed = line.trim_end();
        if trimmed.is_empty() {
            break;
        }
        if let Some(rest) = trimmed.strip_prefix("HTTP/1.1 ") {
            status = rest[..3].parse().unwrap();
        } else if let Some((name, value)) = trimmed.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap();
            }
        }
    }
    let mut body = vec![0; length];
    stream.read_exact(&mut body).unwrap();
    status
}

fn call(port: u16, operation: &str, body: &str) -> u16 {
    let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    (&stream)
        .write_all(&signed_request(port, operation, body))
        .unwrap();
    read_response(&mut reader)
}

fn main() {
    // `cargo bench` passes flags such as --bench; this harness takes its settings from env.
    let seconds: u64 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let connections: usize = std::env::var("BENCH_CONNECTIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(8);

    let mut child = Command::new(env!("CARGO_BIN_EXE_proton-local"))
        // The benchmarked version needs no bundle.
        .args([
            "--listen",
            "127.0.0.1:0",
            "--registration-delay",
            "0s",
            "--canned-bundles",
        ])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port: u16 = line.trim().rsplit(':').next().unwrap().parse().unwrap();

    assert_eq!(
        call(port, "CreateEnvironmentTemplate", r#"{"name":"bench"}"#),
        200
    );
    assert_eq!(
        call(
            port,
            "CreateEnvironmentTemplateVersion",
            r#"{"templateName":"bench","source":{"s3":{"bucket":"bucket","key":"b.tar.gz"}}}"#
        ),
        200
    );
    let request = Arc::new(signed_request(
        port,
        "GetEnvironmentTemplateVersion",
        r#"{"templateName":"bench","majorVersion":"1","minorVersion":"0"}"#,
    ));

    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let workers: Vec<_> = (0..connections)
        .map(|_| {
            let (request, stop, done, errors) =
                (request.clone(), stop.clone(), done.clone(), errors.clone());
            std::thread::spawn(move || {
                let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
                stream.set_nodelay(true).unwrap();
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                while !stop.load(Ordering::Relaxed) {
                    (&stream).write_all(&request).unwrap();
                    if read_response(&mut reader) == 200 {
                        done.fetch_add(1, Ordering::Relaxed);
                    } else {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(seconds));
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        worker.join().unwrap();
    }
    let elapsed = start.elapsed().as_secs_f64();
    let ok = done.load(Ordering::Relaxed);
    let _ = child.kill();
    let _ = child.wait();
    println!(
        "GetEnvironmentTemplateVersion: {ok} requests in {elapsed:.2} s over {connections} keep-alive connections = {:.0} requests/s ({} errors)",
        ok as f64 / elapsed,
        errors.load(Ordering::Relaxed)
    );
}
