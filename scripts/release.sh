#!/usr/bin/env bash
# Builds the provider version in Cargo.toml into a registry-format release:
#
#   dist/terraform-provider-proton_<V>_linux_amd64.zip
#   dist/terraform-provider-proton_<V>_linux_arm64.zip
#   dist/terraform-provider-proton_<V>_manifest.json     (terraform-registry-manifest.json)
#   dist/terraform-provider-proton_<V>_SHA256SUMS        (every zip and the manifest)
#   dist/terraform-provider-proton_<V>_SHA256SUMS.sig    (binary detached signature)
#
# the layout terraform-provider-scaffolding-framework's goreleaser produces and
# the registry serves. Each zip holds the binary terraform-provider-proton_v<V>
# (mode 0755) with LICENSE, README.md and CHANGELOG.md, and no directory entries.
#
# Usage: GPG_FINGERPRINT=<fingerprint> scripts/release.sh [--out DIR] [--profile NAME] [--build-only]
#
#   GPG_FINGERPRINT  the signing key, from the default keyring (or $GNUPGHOME).
#                    It must be an RSA key: Terraform 1.0.3's OpenPGP library
#                    reads no EdDSA key, so an Ed25519 signature would be
#                    refused there.
#   --out DIR        where the release goes (default dist/; an earlier release
#                    there is replaced).
#   --profile NAME   the cargo profile (default release). The test command
#                    packages `dist-check`, the same targets, linker and glibc
#                    floor without the optimisation, which would take about
#                    8 minutes per platform here.
#   --build-only     build and check the binaries, package nothing (no key needed).
#
# Platforms: linux_amd64 and linux_arm64, both linked by Zig against glibc
# 2.17's symbols (checked below). macOS and Windows are not built: no standard
# library for them can be installed here (README, "Supported platforms").
#
# Reproducible: two runs of one commit give byte-identical zips. Paths are
# remapped out of the binaries (the checkout, CARGO_HOME), each zip's entries
# are written in a fixed order with the commit's timestamp, Unix mode bits and
# fixed compression, and nothing else varies. The signature carries its own
# creation time, so it alone differs between runs.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

fail() {
  echo "release: $*" >&2
  exit 1
}

out="$root/dist"
profile=release
build_only=
while [ $# -gt 0 ]; do
  case "$1" in
  --out) out=$(mkdir -p "$2" && cd "$2" && pwd) && shift 2 ;;
  --profile) profile=$2 && shift 2 ;;
  --build-only) build_only=1 && shift ;;
  *) fail "unknown argument $1 (usage: GPG_FINGERPRINT=… scripts/release.sh [--out DIR] [--profile NAME] [--build-only])" ;;
  esac
done

name=terraform-provider-proton
version=$(sed -n '/^\[package\]/,/^\[/ s/^version = "\(.*\)"/\1/p' Cargo.toml)
[ -n "$version" ] || fail "no [package] version in Cargo.toml"
grep -q "^## $version (" CHANGELOG.md || fail "CHANGELOG.md has no section \"## $version (…)\""
grep -q "^## $version (Unreleased)" CHANGELOG.md &&
  echo "release: note: CHANGELOG.md still calls $version Unreleased; give it the release date before publishing" >&2

# --- The signing key, checked before anything is built --------------------------------
if [ -z "$build_only" ]; then
  [ -n "${GPG_FINGERPRINT:-}" ] ||
    fail "GPG_FINGERPRINT is not set: export the fingerprint of an RSA signing key in your keyring"
  keys=$(gpg --batch --with-colons --list-secret-keys "$GPG_FINGERPRINT" 2>/dev/null) ||
    fail "no secret key $GPG_FINGERPRINT in the keyring${GNUPGHOME:+ $GNUPGHOME}"
  # Every key that can sign (field 12 has "s") must be RSA (algorithm 1):
  # Terraform 1.0.3 cannot read EdDSA or other newer keys.
  not_rsa=$(echo "$keys" | awk -F: '($1 == "sec" || $1 == "ssb") && $12 ~ /s/ && $4 != 1 { print $4; exit }')
  [ -z "$not_rsa" ] ||
    fail "key $GPG_FINGERPRINT signs with OpenPGP algorithm $not_rsa, not RSA: Terraform 1.0.3 cannot read EdDSA or other newer keys; sign with an RSA 4096 key"
fi

# --- Build: both platforms, glibc 2.17 and later ---------------------------------------
# What cargo sets for the process that runs this script (a test, `cargo run`) would reach
# the build scripts' rerun checks (ring's watches CARGO_PKG_NAME and CARGO_MANIFEST_DIR) and
# rebuild both platforms from scratch.
for var in $(compgen -e); do
  case "$var" in
  CARGO_PKG_* | CARGO_MANIFEST_* | CARGO_CRATE_* | CARGO_BIN_* | CARGO_CFG_* | \
    CARGO_PRIMARY_PACKAGE | CARGO_TARGET_TMPDIR | OUT_DIR) unset "$var" ;;
  esac
done
scripts/install-release-tools.sh
zigbuild="$root/tools/zigbuild-0.24.1"
export PATH="$zigbuild/bin:$PATH" CARGO_ZIGBUILD_PYTHON_PATH="$zigbuild/bin/python3"
export CARGO_TARGET_DIR="$root/target/dist"
cargo_home=${CARGO_HOME:-$HOME/.cargo}
# Paths out of the binaries: panic locations and C __FILE__ strings would
# otherwise name this checkout and the cargo registry on this machine.
export RUSTFLAGS="--remap-path-prefix=$root=/build --remap-path-prefix=$cargo_home=/cargo"
export CFLAGS="-ffile-prefix-map=$root=/build -ffile-prefix-map=$cargo_home=/cargo"

declare -A triple=([amd64]=x86_64-unknown-linux-gnu [arm64]=aarch64-unknown-linux-gnu)
declare -A rustc=([amd64]=rustc [arm64]=/usr/bin/rustc) # rustup's; Debian's rustc-web (aarch64 std)

for arch in amd64 arm64; do
  echo "release: building $name $version for linux_$arch ($profile profile)" >&2
  RUSTC=${rustc[$arch]} cargo zigbuild --locked --profile "$profile" -p "$name" \
    --target "${triple[$arch]}.2.17" || fail "the linux_$arch build failed"
done

binary() { # ARCH
  echo "$CARGO_TARGET_DIR/${triple[$1]}/$profile/$name"
}

# No symbol version newer than GLIBC_2.17 (readelf reads both architectures).
for arch in amd64 arm64; do
  newest=$(readelf --version-info --wide "$(binary "$arch")" | grep -o 'GLIBC_2\.[0-9.]*' | sort -uV | tail -n 1)
  [ -n "$newest" ] || fail "the linux_$arch binary names no glibc symbol version; is it linked dynamically?"
  [ "$(printf '%s\nGLIBC_2.17\n' "$newest" | sort -V | tail -n 1)" = GLIBC_2.17 ] ||
    fail "the linux_$arch binary needs $newest, newer than glibc 2.17"
done

[ -z "$build_only" ] || exit 0

# --- Package ------------------------------------------------------------------------
# The zips' timestamps: the commit's, so that they do not depend on the day of the build.
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
  SOURCE_DATE_EPOCH=$(git log -1 --format=%ct 2>/dev/null) ||
    fail "not a git checkout: set SOURCE_DATE_EPOCH to the release's timestamp"
fi
export SOURCE_DATE_EPOCH
prefix="${name}_$version"
mkdir -p "$out"
rm -f "$out/${name}_"* # an earlier release; nothing else in DIR is touched
for arch in amd64 arm64; do
  python3 - "$(binary "$arch")" "$out/${prefix}_linux_$arch.zip" "$name" "$version" <<'PY'
import os, sys, time, zipfile

binary, archive, name, version = sys.argv[1:5]
stamp = time.gmtime(max(int(os.environ["SOURCE_DATE_EPOCH"]), 315532800))[:6]  # zip dates start in 1980
entries = [  # (name in the zip, file, mode)
    (f"{name}_v{version}", binary, 0o755),
    ("CHANGELOG.md", "CHANGELOG.md", 0o644),
    ("LICENSE", "LICENSE", 0o644),
    ("README.md", "README.md", 0o644),
]
with zipfile.ZipFile(archive, "w") as out:
    for entry, path, mode in entries:
        info = zipfile.ZipInfo(entry, date_time=stamp)
        info.create_system = 3  # Unix, so unzip and Terraform (go-getter) keep the mode bits
        info.external_attr = (0o100000 | mode) << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        with open(path, "rb") as f:
            out.writestr(info, f.read(), compresslevel=9)
PY
done
cp terraform-registry-manifest.json "$out/${prefix}_manifest.json"

(cd "$out" && sha256sum "${prefix}_linux_amd64.zip" "${prefix}_linux_arm64.zip" "${prefix}_manifest.json" >"${prefix}_SHA256SUMS")
gpg --batch --yes --local-user "$GPG_FINGERPRINT" --output "$out/${prefix}_SHA256SUMS.sig" \
  --detach-sign "$out/${prefix}_SHA256SUMS" || fail "gpg could not sign with $GPG_FINGERPRINT"
gpg --batch --verify "$out/${prefix}_SHA256SUMS.sig" "$out/${prefix}_SHA256SUMS" 2>/dev/null ||
  fail "the signature just made does not verify"

echo "release: $name $version in $out, signed by $GPG_FINGERPRINT:" >&2
(cd "$out" && ls -l) >&2
