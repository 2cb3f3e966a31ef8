//! The release as users install it: `scripts/release.sh` output in the
//! registry's format, both binaries on glibc 2.17, the arm64 one serving the
//! plugin protocol under `qemu-aarch64`, and `terraform init` on both CLIs
//! installing it from an HTTPS provider registry as `awsproton/proton`,
//! verifying the signature, and refusing a tampered release in Terraform's
//! own words. Then `terraform providers mirror` and an offline `init` from
//! that mirror.

use crate::support;

use std::process::Command;

use support::plugin::{launch, schema_call};
use support::proton_local::ProtonLocal;
use support::registry::{
    closed_port, h1, host_block, succeed, Keyring, Registry, Release, Tamper, NAME, PLATFORMS,
    VERSION,
};
use support::terraform::{Cli, Run, Workdir, SOURCE};

/// What a release holds, file by file.
#[test]
fn the_release_is_in_the_registry_format() {
    let release = Release::get();
    let mut files: Vec<String> = std::fs::read_dir(&release.dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    let prefix = format!("{NAME}_{VERSION}");
    assert_eq!(
        files,
        [
            format!("{prefix}_SHA256SUMS"),
            format!("{prefix}_SHA256SUMS.sig"),
            format!("{prefix}_linux_amd64.zip"),
            format!("{prefix}_linux_arm64.zip"),
            format!("{prefix}_manifest.json"),
        ]
    );

    // SHA256SUMS: `sha256sum` text lines, no blank line, every zip and the manifest.
    let text = String::from_utf8(release.read("SHA256SUMS")).unwrap();
    assert!(
        !text.lines().any(str::is_empty),
        "a blank line in SHA256SUMS:\n{text}"
    );
    let sums = release.sums();
    let listed: Vec<&String> = sums.keys().collect();
    assert_eq!(listed, [&files[2], &files[3], &files[4]]);
    for (name, digest) in &sums {
        let actual = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
            std::fs::read(release.dir.join(name)).unwrap(),
        ));
        assert_eq!(&actual, digest, "SHA256SUMS is wrong for {name}");
    }

    // A binary detached signature (not armored) that gpgv accepts with the key.
    let signature = release.read("SHA256SUMS.sig");
    assert!(
        signature[0] & 0x80 != 0,
        "the signature is not a binary OpenPGP packet"
    );
    succeed(
        Command::new("gpgv")
            .arg("--keyring")
            .arg(&release.keyring)
            .arg(release.path("SHA256SUMS.sig"))
            .arg(release.path("SHA256SUMS")),
    );

    let manifest: serde_json::Value =
        serde_json::from_slice(&release.read("manifest.json")).unwrap();
    assert_eq!(
        manifest,
        serde_json::json!({"version": 1, "metadata": {"protocol_versions": ["6.0"]}})
    );

    // Each zip: the binary (0755) and the three documents (0644), flat.
    let repo = support::registry::repo();
    for (platform, machine) in [("linux_amd64", 0x3e), ("linux_arm64", 0xb7)] {
        let entries = release.zip_entries(platform);
        let shape: Vec<(&str, u32)> = entries
            .iter()
            .map(|(name, mode, _)| (name.as_str(), *mode))
            .collect();
        let binary = format!("{NAME}_v{VERSION}");
        assert_eq!(
            shape,
            [
                (binary.as_str(), 0o100755),
                ("CHANGELOG.md", 0o100644),
                ("LICENSE", 0o100644),
                ("README.md", 0o100644),
            ],
            "{platform}: entries and modes"
        );
        for (name, _, contents) in &entries[1..] {
            assert_eq!(
                contents,
                &std::fs::read(repo.join(name)).unwrap(),
                "{platform}: {name}"
            );
        }
        // ELF, 64-bit, for the platform's machine (e_machine at offset 18).
        let elf = &entries[0].2;
        assert_eq!(&elf[..5], b"\x7fELF\x02", "{platform}: not a 64-bit ELF");
        assert_eq!(
            u16::from_le_bytes([elf[18], elf[19]]),
            machine,
            "{platform}: wrong machine"
        );
    }
}

/// Both binaries run on glibc 2.17 and later: no symbol version newer.
#[test]
fn the_binaries_need_nothing_newer_than_glibc_2_17() {
    let release = Release::get();
    let dir = tempfile::tempdir().unwrap();
    for platform in PLATFORMS {
        let platform_dir = dir.path().join(platform);
        std::fs::create_dir(&platform_dir).unwrap();
        let binary = release.extract_binary(platform, &platform_dir);
        let output = succeed(
            Command::new("readelf")
                .args(["--version-info", "--wide"])
                .arg(&binary),
        );
        let text = String::from_utf8_lossy(&output);
        let versions: std::collections::BTreeSet<(u32, u32)> = text
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
            .filter_map(|word| word.strip_prefix("GLIBC_2."))
            .map(|minor| {
                let mut parts = minor.split('.').map(|p| p.parse::<u32>().unwrap());
                (parts.next().unwrap(), parts.next().unwrap_or(0))
            })
            .collect();
        let newest = versions.last().copied();
        assert!(
            newest.is_some_and(|v| v <= (17, 0)),
            "{platform}: needs GLIBC_2.{newest:?} (all: {versions:?})"
        );
    }
    // And the amd64 one runs here.
    let binary = release.extract_binary("linux_amd64", dir.path());
    let output = Command::new(binary).arg("--version").output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        format!("{NAME} {VERSION}\n")
    );
}

/// The same commit packaged twice gives the same bytes (the signature,
/// which carries its creation time, aside).
#[test]
fn the_release_is_reproducible() {
    let release = Release::get();
    for suffix in [
        "linux_amd64.zip",
        "linux_arm64.zip",
        "manifest.json",
        "SHA256SUMS",
    ] {
        let name = format!("{NAME}_{VERSION}_{suffix}");
        assert!(
            release.read(suffix) == std::fs::read(release.again.join(&name)).unwrap(),
            "{name} differs between two runs of scripts/release.sh"
        );
    }
}

/// `scripts/release.sh` refuses, before building anything, to sign without
/// a key or with one Terraform 1.0.3 could not read.
#[test]
fn the_release_refuses_a_missing_or_ed25519_key() {
    let keyring = Keyring::new();
    let ed25519 = keyring.generate("Modern Key <ed25519@example.invalid>", "ed25519");
    let out = tempfile::tempdir().unwrap();
    for (fingerprint, message) in [
        ("", "GPG_FINGERPRINT is not set"),
        ("0123456789ABCDEF0123456789ABCDEF01234567", "no secret key"),
        (
            ed25519.as_str(),
            "not RSA: Terraform 1.0.3 cannot read EdDSA",
        ),
    ] {
        let output = keyring.release(fingerprint, out.path()).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !output.status.success() && stderr.contains(message),
            "GPG_FINGERPRINT={fingerprint:?}: no {message:?} in:\n{stderr}"
        );
        assert!(
            !stderr.contains("building"),
            "GPG_FINGERPRINT={fingerprint:?}: it built before refusing:\n{stderr}"
        );
    }
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);
}

/// The arm64 binary, under qemu-aarch64, answers Terraform's go-plugin
/// handshake and serves its schema over mutual TLS.
#[tokio::test]
async fn the_arm64_binary_serves_the_plugin_protocol_under_qemu() {
    let release = Release::get();
    let dir = tempfile::tempdir().unwrap();
    let binary = release.extract_binary("linux_arm64", dir.path());
    let mut command = tokio::process::Command::new("qemu-aarch64");
    command.arg(binary);
    let identity = support::mtls::go_plugin_client_identity();
    let plugin = launch(command, "6", Some(&identity.pem)).await;
    assert_eq!(plugin.handshake[..3], ["1", "6", "unix"]);
    assert_eq!(plugin.handshake[4], "grpc");
    let channel = plugin.connect(Some(&identity)).await.unwrap();
    let schema = schema_call(channel).await.unwrap();
    assert!(
        schema
            .resource_schemas
            .contains_key("proton_environment_template_version"),
        "no proton_environment_template_version in the arm64 binary's schema"
    );
}

// ---- Installed by the real CLIs ----------------------------------------------------

/// A working directory whose Terraform finds `registry.terraform.io` at
/// `port` and trusts the registry's CA.
fn registry_workdir(cli: Cli, port: u16, ca_file: &std::path::Path) -> Workdir {
    let mut workdir = Workdir::with_cli_config(cli, &host_block(port));
    workdir.env("SSL_CERT_FILE", ca_file.to_str().unwrap());
    workdir.write_config("");
    workdir
}

fn init(workdir: &Workdir) -> Run {
    workdir.run(&["init", "-no-color", "-input=false"])
}

/// The `h1:` and `zh:` hashes the lock file records for the provider.
fn locked_hashes(workdir: &Workdir) -> Vec<String> {
    let lock = std::fs::read_to_string(workdir.config_dir().join(".terraform.lock.hcl")).unwrap();
    let block = lock
        .split("provider \"registry.terraform.io/awsproton/proton\"")
        .nth(1)
        .unwrap_or_else(|| panic!("no awsproton/proton in the lock file:\n{lock}"));
    let mut hashes: Vec<String> = block
        .split('"')
        .filter(|s| s.starts_with("h1:") || s.starts_with("zh:"))
        .map(str::to_string)
        .collect();
    hashes.sort();
    hashes
}

fn release_h1(platform: &str) -> String {
    h1(&Release::get().zip_entries(platform))
}

/// `terraform init` installs the release from the registry, says it checked
/// the signature, locks `h1:` and every signed `zh:`, and the provider plans
/// against proton-local.
fn init_installs_from_the_registry(cli: Cli) {
    let release = Release::get();
    let registry = Registry::start(release, Tamper::Nothing);
    let workdir = registry_workdir(cli, registry.port, &registry.ca_file);
    let endpoint = ProtonLocal::start();
    std::fs::write(
        workdir.config_dir().join("proton.tf"),
        format!(
            "{}\nresource \"proton_environment_template\" \"t\" {{\n  name = \"from-the-registry\"\n}}\n",
            endpoint.provider_block("")
        ),
    )
    .unwrap();

    let run = init(&workdir);
    run.assert_ok("init");
    let installed = format!(
        "- Installed {SOURCE} v{VERSION} (self-signed, key ID {})",
        release.key_id
    );
    assert!(
        run.stdout.contains(&installed),
        "{cli}: no {installed:?} in:\n{}",
        run.stdout
    );

    let mut expected: Vec<String> = release
        .sums()
        .values()
        .map(|digest| format!("zh:{digest}"))
        .collect();
    expected.push(release_h1("linux_amd64"));
    expected.sort();
    assert_eq!(locked_hashes(&workdir), expected, "{cli}: lock file hashes");

    let plan = workdir.run(&["plan", "-no-color", "-input=false"]);
    plan.assert_ok("plan");
    assert!(
        plan.stdout
            .contains("Plan: 1 to add, 0 to change, 0 to destroy."),
        "{cli}: {}",
        plan.stdout
    );

    // Locking another platform adds its h1: (checked against the signed zip).
    workdir
        .run(&[
            "providers",
            "lock",
            "-no-color",
            "-platform=linux_amd64",
            "-platform=linux_arm64",
        ])
        .assert_ok("providers lock");
    let hashes = locked_hashes(&workdir);
    assert!(
        hashes.contains(&release_h1("linux_arm64")),
        "{cli}: no linux_arm64 h1: in {hashes:?}"
    );

    // A platform the release does not carry is refused by name.
    let darwin = workdir.run(&["providers", "lock", "-no-color", "-platform=darwin_arm64"]);
    assert_ne!(darwin.code, 0, "{cli}: locked a darwin_arm64 package");
    assert!(
        darwin.stderr.contains("darwin_arm64"),
        "{cli}: {}",
        darwin.stderr
    );
}

/// A tampered release is refused with Terraform's own message, and nothing
/// is installed.
fn init_refuses_a_tampered_release(cli: Cli) {
    let release = Release::get();
    let amd64_zip = release.sums()[&format!("{NAME}_{VERSION}_linux_amd64.zip")].clone();
    for (tamper, message) in [
        (
            Tamper::ZipByte,
            "archive has incorrect checksum zh:".to_string(),
        ),
        (
            Tamper::SumsLine,
            "error checking signature: openpgp:".to_string(),
        ),
        (
            Tamper::ForeignSignature,
            "authentication signature from unknown issuer".to_string(),
        ),
    ] {
        let registry = Registry::start(release, tamper);
        let workdir = registry_workdir(cli, registry.port, &registry.ca_file);
        let run = init(&workdir);
        assert_ne!(
            run.code, 0,
            "{cli}: {tamper:?} was installed:\n{}",
            run.stdout
        );
        // Terraform wraps its messages at 78 columns.
        let said = format!("{} {}", run.stdout, run.stderr)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            said.contains("Error: Failed to install provider")
                && said.contains(&format!(
                    "Error while installing {SOURCE} v{VERSION}: {message}"
                )),
            "{cli}: {tamper:?}: no {message:?} in:\n{}{}",
            run.stdout,
            run.stderr
        );
        if tamper == Tamper::ZipByte {
            assert!(
                said.contains(&format!("(expected zh:{amd64_zip})")),
                "{cli}: the expected checksum is not the signed one:\n{said}"
            );
        }
        let installed = workdir
            .config_dir()
            .join(".terraform/providers/registry.terraform.io/awsproton/proton");
        assert!(
            !installed.exists(),
            "{cli}: {tamper:?}: something was installed at {}",
            installed.display()
        );
    }
}

/// `terraform providers mirror` copies the release into a directory, from
/// which `init` installs with no registry running, to the same `h1:`.
fn providers_mirror_then_offline_init(cli: Cli) {
    let release = Release::get();
    let mirror = tempfile::Builder::new()
        .prefix("mirror-")
        .tempdir()
        .unwrap();
    {
        let registry = Registry::start(release, Tamper::Nothing);
        let workdir = registry_workdir(cli, registry.port, &registry.ca_file);
        workdir
            .run(&[
                "providers",
                "mirror",
                "-platform=linux_amd64",
                mirror.path().to_str().unwrap(),
            ])
            .assert_ok("providers mirror");
    }
    let packed = mirror.path().join(format!(
        "registry.terraform.io/awsproton/proton/{NAME}_{VERSION}_linux_amd64.zip"
    ));
    assert_eq!(
        std::fs::read(&packed).unwrap_or_else(|e| panic!("{cli}: {}: {e}", packed.display())),
        Release::get().read("linux_amd64.zip"),
        "{cli}: the mirrored zip is not the release's"
    );

    // The registry is gone: `registry.terraform.io` now points at a closed port.
    let cli_config = format!(
        "{}provider_installation {{\n  filesystem_mirror {{\n    path = {:?}\n  }}\n}}\n",
        host_block(closed_port()),
        mirror.path().display().to_string()
    );
    let offline = Workdir::with_cli_config(cli, &cli_config);
    offline.write_config("");
    let run = init(&offline);
    run.assert_ok("init from the mirror");
    assert!(
        run.stdout.contains(&format!(
            "- Installed {SOURCE} v{VERSION} (unauthenticated)"
        )),
        "{cli}: {}",
        run.stdout
    );
    assert!(
        locked_hashes(&offline).contains(&release_h1("linux_amd64")),
        "{cli}: the mirror install locked another h1:"
    );
}

each_cli!(
    init_installs_from_the_registry,
    init_refuses_a_tampered_release,
    providers_mirror_then_offline_init,
);
