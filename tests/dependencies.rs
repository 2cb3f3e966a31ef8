//! What the provider is built from, checked offline against `Cargo.lock`
//! (through `cargo metadata`, for the two release platforms):
//!
//! - one HTTP and TLS stack. The SDK crates' default `rustls` feature added a
//!   second, legacy one (hyper 0.14, h2 0.3, rustls 0.21 with rustls-webpki
//!   0.101), which carried RUSTSEC-2026-0258 (h2), RUSTSEC-2026-0098, -0099
//!   and -0104 (rustls-webpki);
//! - licenses that allow distributing the binary under MPL-2.0.

use std::collections::BTreeMap;
use std::process::Command;

/// Every package of the resolve for the release platforms: name → versions,
/// and name@version → license expression.
struct Resolve {
    versions: BTreeMap<String, Vec<String>>,
    licenses: BTreeMap<String, Option<String>>,
}

fn resolve() -> Resolve {
    let output = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version=1",
            "--locked",
            "--offline",
            "--filter-platform=x86_64-unknown-linux-gnu",
            "--filter-platform=aarch64-unknown-linux-gnu",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut resolve = Resolve {
        versions: BTreeMap::new(),
        licenses: BTreeMap::new(),
    };
    for package in metadata["packages"].as_array().unwrap() {
        let name = package["name"].as_str().unwrap().to_string();
        let version = package["version"].as_str().unwrap().to_string();
        resolve.licenses.insert(
            format!("{name}@{version}"),
            package["license"].as_str().map(str::to_string),
        );
        resolve.versions.entry(name).or_default().push(version);
    }
    resolve
}

#[test]
fn one_http_and_tls_stack() {
    let resolve = resolve();
    for name in [
        "rustls",
        "rustls-webpki",
        "tokio-rustls",
        "hyper",
        "hyper-rustls",
        "h2",
    ] {
        let versions = resolve.versions.get(name).cloned().unwrap_or_default();
        assert!(
            versions.len() <= 1,
            "{name} is in Cargo.lock at {versions:?}: a second HTTP/TLS stack (did an SDK crate get its default features back?)"
        );
    }
    for (name, legacy) in [("hyper", "0.14."), ("h2", "0.3."), ("rustls", "0.21.")] {
        let versions = &resolve.versions[name];
        assert!(
            !versions.iter().any(|v| v.starts_with(legacy)),
            "{name} {versions:?}: the legacy stack is back"
        );
    }
}

/// Licenses under which a dependency may ship inside an MPL-2.0 binary
/// (SPDX identifiers; an expression passes when its choices allow it).
const ALLOWED: &[&str] = &[
    "0BSD",
    "Apache-2.0",
    "Apache-2.0 WITH LLVM-exception",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "BSL-1.0",
    "CC0-1.0",
    "ISC",
    "MIT",
    "MIT-0",
    "MPL-2.0",
    "Unicode-3.0",
    "Unlicense",
    "Zlib",
];

#[test]
fn every_license_allows_distribution_under_mpl_2_0() {
    let mut refused = Vec::new();
    for (package, license) in resolve().licenses {
        let allowed = license.as_deref().is_some_and(|text| {
            spdx::Expression::parse_mode(text, spdx::ParseMode::LAX).is_ok_and(|expression| {
                expression.evaluate(|req| ALLOWED.contains(&req.to_string().as_str()))
            })
        });
        if !allowed {
            refused.push(format!("{package}: {license:?}"));
        }
    }
    assert!(
        refused.is_empty(),
        "licenses not on the list (tests/dependencies.rs, ALLOWED):\n{}",
        refused.join("\n")
    );
}
