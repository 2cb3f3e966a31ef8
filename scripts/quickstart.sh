#!/usr/bin/env bash
# The main job, one command from a fresh clone: build the provider and
# proton-local; install Terraform (1.15.5 runs the quickstart; 1.0.3, the
# oldest supported, is installed beside it); start proton-local (Proton and S3)
# with an empty bucket; apply examples/quickstart (the templates, their versions
# built from examples/quickstart/templates/, and a look-up); show what was
# created. Everything lives in .quickstart/ (state, proton-local data, the
# uploaded bundles): a second run changes nothing.
#
#   scripts/quickstart.sh                 # apply, show outputs, stop proton-local
#   scripts/quickstart.sh --keep-running  # ... and keep proton-local up until Ctrl-C
#
# Environment: QUICKSTART_PORT (default 4580; when busy and not set, a free
# port is used), QUICKSTART_PROFILE (debug or release, default debug).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

keep_running=false
for arg in "$@"; do
  case "$arg" in
    --keep-running) keep_running=true ;;
    -h | --help)
      sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "quickstart: unknown argument $arg (try --help)" >&2
      exit 2
      ;;
  esac
done

profile=${QUICKSTART_PROFILE:-debug}
case "$profile" in
  debug) cargo_profile=() ;;
  release) cargo_profile=(--release) ;;
  *)
    echo "quickstart: QUICKSTART_PROFILE must be debug or release, not $profile" >&2
    exit 2
    ;;
esac
bin="$root/target/$profile"
qs="$root/.quickstart"
step() { printf '\n==> %s\n' "$*"; }

step "Building the provider and proton-local ($profile)"
cargo build "${cargo_profile[@]}" -p terraform-provider-proton -p proton-local

step "Installing Terraform 1.15.5 (and 1.0.3) into tools/ (if needed)"
scripts/install-terraform.sh
terraform="$root/tools/terraform"
version=$(TF_CLI_CONFIG_FILE=/dev/null "$terraform" version)
echo "${version%%$'\n'*}"

mkdir -p "$qs"

# proton-local's buckets are the directories under --bundle-dir: this one is
# empty until the first apply uploads the versions' bundles into it.
mkdir -p "$qs/bundles/quickstart-bundles"

step "Starting proton-local"
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port=${QUICKSTART_PORT:-4580}
if port_busy "$port"; then
  if [ -n "${QUICKSTART_PORT:-}" ]; then
    echo "quickstart: port $port is in use (QUICKSTART_PORT=$port); stop what listens there or pick another port" >&2
    exit 1
  fi
  echo "port $port is in use; proton-local will listen on a free port instead"
  port=0
fi
out="$qs/proton-local.out"
log="$qs/proton-local.log"
: >"$out"
"$bin/proton-local" \
  --data-dir "$qs/data" \
  --bundle-dir "$qs/bundles" \
  --listen "127.0.0.1:$port" \
  --registration-delay 1s \
  >"$out" 2>"$log" &
proton_pid=$!
stop_proton_local() {
  if kill -0 "$proton_pid" 2>/dev/null; then
    kill "$proton_pid" 2>/dev/null || true
    wait "$proton_pid" 2>/dev/null || true
  fi
}
trap stop_proton_local EXIT
# Interrupted (e.g. Ctrl-C during --keep-running): exit, which stops it.
trap 'exit 130' INT
trap 'exit 143' TERM

# Its first stdout line is "proton-local listening on http://ADDR".
endpoint=""
for _ in $(seq 1 300); do
  if ! kill -0 "$proton_pid" 2>/dev/null; then
    echo "quickstart: proton-local exited before it was ready; its log ($log):" >&2
    cat "$log" >&2
    exit 1
  fi
  line=$(head -n 1 "$out")
  if [ -n "$line" ]; then
    endpoint=${line#proton-local listening on }
    break
  fi
  sleep 0.1
done
if [ -z "$endpoint" ]; then
  echo "quickstart: proton-local printed nothing within 30s; its log ($log):" >&2
  cat "$log" >&2
  exit 1
fi
echo "proton-local (pid $proton_pid) is serving $endpoint (log: .quickstart/proton-local.log)"

step "Configuring Terraform to install the provider from a local mirror"
platform_dir="$qs/mirror/registry.terraform.io/awsproton/proton/0.1.0/linux_amd64"
mkdir -p "$platform_dir"
ln -sfn "$bin/terraform-provider-proton" "$platform_dir/terraform-provider-proton"
cat >"$qs/cli.tfrc" <<EOF
provider_installation {
  filesystem_mirror {
    path    = "$qs/mirror"
    include = ["awsproton/proton"]
  }
}
EOF
export TF_CLI_CONFIG_FILE="$qs/cli.tfrc"
export CHECKPOINT_DISABLE=1

work="$qs/work"
mkdir -p "$work"
cp examples/quickstart/main.tf "$work/main.tf"
# The lock file records the provider binary's checksum; a rebuilt provider
# would not match it, so let init record the current one.
rm -f "$work/.terraform.lock.hcl"
tf() { "$terraform" -chdir="$work" "$@"; }

step "terraform init (in .quickstart/work)"
tf init -input=false >"$qs/init.log" || {
  cat "$qs/init.log" >&2
  exit 1
}
echo "initialised (log: .quickstart/init.log)"

step "terraform apply"
tf apply -auto-approve -input=false -var "endpoint=$endpoint" \
  -var "templates_dir=$root/examples/quickstart/templates"

step "Outputs"
tf output

cat <<EOF

==> What happened

proton-local, a local AWS Proton endpoint, served the Proton and S3 APIs at
$endpoint. Each version's bundle was built from its directory under
examples/quickstart/templates/, uploaded to s3://quickstart-bundles/proton/
under a key named by its SHA-256 (in .quickstart/bundles), and registered.
Terraform manages, all from examples/quickstart/main.tf:
  - proton_environment_template.env: the environment template quickstart-env;
  - proton_service_template.svc: the service template quickstart-svc
    (customer-managed pipeline);
  - proton_environment_template_version.env: quickstart-env 1.0, published;
  - proton_service_template_version.svc: quickstart-svc 1.0, published,
    compatible with environment template major version 1;
  - proton_service_template_version.svc_draft: quickstart-svc 1.1, a draft;
and reads data.proton_service_template_version.recommended: the recommended
(highest published) service version, 1.0, since 1.1 is only a draft.
State: .quickstart/work/terraform.tfstate. proton-local data: .quickstart/data.
Run this script again: it reports no changes. Edit a file under
examples/quickstart/templates/quickstart-env/v1 and run it again: the plan
shows the bundle's new hash and replaces that version. Start over: rm -rf .quickstart

Look around (with proton-local running: scripts/quickstart.sh --keep-running):
  TF_CLI_CONFIG_FILE=.quickstart/cli.tfrc tools/terraform -chdir=.quickstart/work state list
  TF_CLI_CONFIG_FILE=.quickstart/cli.tfrc tools/terraform -chdir=.quickstart/work state show proton_environment_template.env
  TF_CLI_CONFIG_FILE=.quickstart/cli.tfrc tools/terraform -chdir=.quickstart/work state show data.proton_service_template_version.recommended

Point the AWS CLI or an AWS SDK at proton-local:
  export AWS_ENDPOINT_URL_PROTON=$endpoint
  export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1
  aws proton list-service-template-versions --template-name quickstart-svc
  aws --endpoint-url $endpoint s3 ls --recursive s3://quickstart-bundles/

Run proton-local by hand with the same data:
  $bin/proton-local --data-dir .quickstart/data --bundle-dir .quickstart/bundles
EOF

if $keep_running; then
  printf '\nproton-local keeps serving %s; press Ctrl-C to stop it.\n' "$endpoint"
  wait "$proton_pid" || true
fi
