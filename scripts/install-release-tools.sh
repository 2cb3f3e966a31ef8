#!/usr/bin/env bash
# Installs what scripts/release.sh builds with, and what the release tests run
# the arm64 binary under; idempotent, and offline once installed. Anything that
# cannot be installed or verified fails the run.
#
#   tools/zigbuild-0.24.1  a venv with cargo-zigbuild 0.24.1 and the Zig 0.15.1
#                          toolchain (PyPI wheels, checksum-pinned). Zig links
#                          against glibc 2.17's symbol set, so the binaries run on
#                          glibc 2.17 and later (as manylinux2014 wheels do), and
#                          cross-compiles the C in aws-lc-sys and ring for arm64.
#   rustc-web, libstd-rust-web-dev:arm64
#                          Debian's Rust (1.96, kept current by bookworm-security)
#                          and its aarch64 standard library: rustup cannot fetch
#                          another target's std here, Debian's archive can. Only
#                          the arm64 build uses this rustc (/usr/bin/rustc);
#                          rustup's stays the default for everything else.
#   qemu-user              qemu-aarch64, which runs the arm64 binary in the tests.
#
# The Debian packages need root (or sudo); apt verifies them by the archive's
# signatures. rustc-web is not pinned to one version: the security archive keeps
# only its newest, so a pin would break when Debian updates it. It must be at
# least the project's rust-version.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
tools="$root/tools"
mkdir -p "$tools"

fail() {
  echo "install-release-tools: $*" >&2
  exit 1
}

# --- Debian packages -------------------------------------------------------------
packages=(rustc-web libstd-rust-web-dev:arm64 qemu-user)

missing=()
for package in "${packages[@]}"; do
  dpkg-query --show --showformat='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' ||
    missing+=("$package")
done

if [ "${#missing[@]}" -gt 0 ]; then
  command -v apt-get >/dev/null || fail "apt-get not found: install ${missing[*]} (Debian 12 packages) by hand"
  as_root=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || fail "installing ${missing[*]} needs root: run as root, or install them yourself"
    as_root=(sudo)
  fi
  dpkg --print-foreign-architectures | grep -qx arm64 || "${as_root[@]}" dpkg --add-architecture arm64 ||
    fail "could not add the arm64 architecture to dpkg"
  "${as_root[@]}" apt-get update -qq || fail "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
    fail "could not install ${missing[*]} with apt-get"
  echo "installed ${missing[*]}" >&2
fi

rust_version=$(sed -n 's/^rust-version = "\(.*\)"/\1/p' "$root/Cargo.toml")
debian_rustc=$(/usr/bin/rustc --version | cut -d' ' -f2)
[ "$(printf '%s\n%s\n' "$rust_version" "$debian_rustc" | sort -V | head -n 1)" = "$rust_version" ] ||
  fail "Debian's rustc is $debian_rustc; the project needs $rust_version or later"
[ -d /usr/lib/rustlib/aarch64-unknown-linux-gnu/lib ] ||
  fail "no aarch64 standard library under /usr/lib/rustlib (libstd-rust-web-dev:arm64)"
command -v qemu-aarch64 >/dev/null || fail "qemu-aarch64 not found (qemu-user)"

# --- cargo-zigbuild and Zig (PyPI wheels, pinned by checksum) -----------------------
venv="$tools/zigbuild-0.24.1"
requirements='cargo-zigbuild==0.24.1 --hash=sha256:238a1ab54a95053a4eadc34775c81f795a8ad75f80bfed63f3f445f518102375
ziglang==0.15.1 --hash=sha256:4e45994a0e608d9b16ecad255698f5557a2e24de0bd7ba9efb156ab3f3683d9a'

installed_versions() {
  "$venv/bin/cargo-zigbuild" --version 2>/dev/null &&
    "$venv/bin/python3" -m ziglang version 2>/dev/null
}

if [ "$(installed_versions | tr '\n' ' ')" != "cargo-zigbuild 0.24.1 0.15.1 " ]; then
  rm -rf "$venv"
  python3 -m venv "$venv" || fail "could not create the venv $venv"
  "$venv/bin/python3" -m pip install --quiet --disable-pip-version-check --no-deps \
    --only-binary :all: --require-hashes -r <(echo "$requirements") ||
    fail "could not install cargo-zigbuild 0.24.1 and ziglang 0.15.1 from PyPI with the pinned checksums"
  echo "installed $("$venv/bin/cargo-zigbuild" --version) with Zig $("$venv/bin/python3" -m ziglang version) at $venv" >&2
fi
