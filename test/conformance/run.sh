#!/usr/bin/env bash
# Real-tool conformance: sign and attest test images offline with cosign, then check with the
# real Kyverno CLI (`kyverno test`) that the sample admission policies admit and refuse exactly
# the intended cases. Everything runs on loopback; nothing is downloaded at test time.
#
# Usage: test/conformance/run.sh [--no-install] [--keep] [--no-isolate] [SUITE...]
#   SUITE: clusterpolicy clusterpolicy-audit ivp-key ivp-key-audit ivp-keyless-tuf (default: all)
# Env:   SCB_TOOLS_DIR (tool cache, default ~/.cache/scb-tools), SCB_KEEP_WORK=1 (= --keep)
#
# After installing, the run re-executes itself in a fresh network namespace that has only a
# loopback interface (`unshare -n`, needs root or user namespaces, and `ip`), which proves that
# nothing in it reaches beyond 127.0.0.1. --no-isolate (or no unshare) runs in the host namespace.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TOOLS_DIR="${SCB_TOOLS_DIR:-$HOME/.cache/scb-tools}"
export SCB_TOOLS_DIR="$TOOLS_DIR"
INSTALL=1
ISOLATE=1
KEEP="${SCB_KEEP_WORK:-0}"
SUITES=()
while [ $# -gt 0 ]; do
  case "$1" in
    --no-install) INSTALL=0 ;;
    --keep) KEEP=1 ;;
    --no-isolate) ISOLATE=0 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) SUITES+=("$1") ;;
  esac
  shift
done
[ "${#SUITES[@]}" -gt 0 ] || SUITES=(artifacts clusterpolicy clusterpolicy-audit ivp-key ivp-key-audit ivp-keyless-tuf)
REPO_ROOT="$(cd "$HERE/../.." && pwd)"
export REPO_ROOT

if [ "$INSTALL" = 1 ]; then
  "$HERE/install-tools.sh" --no-apt
fi
if [ "$ISOLATE" = 1 ] && command -v unshare >/dev/null 2>&1 && command -v ip >/dev/null 2>&1 \
  && unshare -n true 2>/dev/null; then
  echo "running in a network namespace with loopback only"
  keep_flag=()
  [ "$KEEP" = 1 ] && keep_flag=(--keep)
  # shellcheck disable=SC2016 # expanded by the inner bash
  exec unshare -n bash -c 'ip link set lo up && exec bash "$0" "$@"' "$0" \
    --no-install --no-isolate "${keep_flag[@]}" "${SUITES[@]}"
fi
export PATH="$TOOLS_DIR/bin:$PATH"
CRANE="$TOOLS_DIR/bin/crane"
COSIGN="$TOOLS_DIR/bin/cosign"
KYVERNO="$TOOLS_DIR/bin/kyverno"
PY="$TOOLS_DIR/venv/bin/python"
[ -x "$PY" ] || PY=python3
export CRANE COSIGN

SCB_WORK="$(mktemp -d "${TMPDIR:-/tmp}/scb-conformance.XXXXXX")"
export SCB_WORK
# cosign keeps its TUF cache and config under HOME: keep the runs hermetic.
export HOME="$SCB_WORK/home"
mkdir -p "$HOME"

# shellcheck source=SCRIPTDIR/helpers/registry.sh
. "$HERE/helpers/registry.sh"
# shellcheck source=SCRIPTDIR/helpers/test-ca.sh
. "$HERE/helpers/test-ca.sh"
# shellcheck source=SCRIPTDIR/helpers/sign.sh
. "$HERE/helpers/sign.sh"
# shellcheck source=SCRIPTDIR/helpers/scenarios.sh
. "$HERE/helpers/scenarios.sh"
# shellcheck source=SCRIPTDIR/helpers/tsa.sh
. "$HERE/helpers/tsa.sh"
# shellcheck source=SCRIPTDIR/helpers/tuf.sh
. "$HERE/helpers/tuf.sh"
# shellcheck source=SCRIPTDIR/helpers/artifacts.sh
. "$HERE/helpers/artifacts.sh"

cleanup() {
  scb_tuf_stop
  scb_tsa_stop
  scb_registry_stop
  if [ "$KEEP" = 1 ]; then
    echo "work dir kept: $SCB_WORK" >&2
  else
    rm -rf "$SCB_WORK"
  fi
}

scb_registry_start 0
trap cleanup EXIT
echo "registry: $SCB_REGISTRY (pid $SCB_REGISTRY_PID)"

scb_tsa_start "$SCB_WORK/tsa"
echo "timestamp authority: $SCB_TSA_URL (pid $SCB_TSA_PID)"

scb_ca_standard "$SCB_WORK/ca" acme services release.yml main
scb_scenarios_build "$SCB_WORK"

scb_tuf_build "$SCB_WORK/tuf" "$SCB_WORK/ca/ca.pem" "$SCB_WORK/tsa/tsa-chain.pem"
scb_tuf_serve "$SCB_WORK/tuf"
echo "TUF mirror: $SCB_TUF_URL (pid $SCB_TUF_PID)"
echo "signed and attested $(grep -c '_REF=' "$SCB_WORK/images.env") test images"

passed=0
failed=0

# run_suite NAME SAMPLE_DIR [TRANSFORM]
run_suite() {
  local name="$1" sample="$2" transform="${3:-}" dir="$SCB_WORK/suites/$1"
  "$PY" "$HERE/helpers/render.py" "$HERE/samples/$sample" "$dir" "$SCB_WORK/images.env" \
    "CA_PEM=@$SCB_WORK/ca/ca.pem" "COSIGN_PUB=@$SCB_WORK/keys/cosign.pub" \
    "TUF_URL=$SCB_TUF_URL" "TUF_ROOT_B64=@$SCB_WORK/tuf/root.json.b64"
  if [ -n "$transform" ]; then "$transform" "$dir"; fi
  local ok=1
  (cd "$dir" && "$KYVERNO" test . -o json >"$dir/out.txt" 2>&1) || true
  "$PY" "$HERE/helpers/kyverno-check.py" "$dir/out.txt" "$dir/kyverno-test.yaml" || ok=0
  # Negative control: inverted expectations must make every row fail.
  cp -r "$dir" "$dir.flipped"
  "$PY" "$HERE/helpers/kyverno-check.py" flip "$dir.flipped/kyverno-test.yaml"
  (cd "$dir.flipped" && "$KYVERNO" test . -o json >"$dir.flipped/out.txt" 2>&1) || true
  "$PY" "$HERE/helpers/kyverno-check.py" "$dir.flipped/out.txt" "$dir.flipped/kyverno-test.yaml" --flipped || ok=0
  if [ "$ok" = 1 ]; then
    passed=$((passed + 1))
    echo "PASS $name"
  else
    failed=$((failed + 1))
    echo "FAIL $name (output: $dir/out.txt)"
    KEEP=1
  fi
}

# The soft period of the same policy: failureAction Audit. Kyverno rejects mutateDigest: true
# with Audit, and verifyDigest: true would report every tag reference as a failure.
to_audit() {
  sed -i -e 's/failureAction: Enforce/failureAction: Audit/' \
    -e 's/mutateDigest: true/mutateDigest: false/' \
    -e 's/verifyDigest: true/verifyDigest: false/' "$1/policy.yaml"
  sed -i -e 's/name: scb-clusterpolicy$/name: scb-clusterpolicy-audit/' "$1/kyverno-test.yaml"
}

# The ImageValidatingPolicy soft period: same verification, Audit + Warn instead of Deny.
to_ivp_audit() {
  sed -i -e 's/validationActions: \[Deny\]/validationActions: [Audit, Warn]/' "$1/policy.yaml"
  sed -i -e 's/name: scb-ivp-key$/name: scb-ivp-key-audit/' "$1/kyverno-test.yaml"
}

# The generated artifacts of the example customers, through actionlint, zizmor, shellcheck, promtool.
run_artifacts() {
  scb_artifacts_synth "$SCB_WORK/dist"
  if scb_artifacts_check "$SCB_WORK/dist"; then
    passed=$((passed + 1))
    echo "PASS artifacts"
  else
    failed=$((failed + 1))
    echo "FAIL artifacts"
  fi
}

for suite in "${SUITES[@]}"; do
  case "$suite" in
    artifacts) run_artifacts ;;
    clusterpolicy) run_suite clusterpolicy clusterpolicy ;;
    clusterpolicy-audit) run_suite clusterpolicy-audit clusterpolicy to_audit ;;
    ivp-key) run_suite ivp-key ivp-key ;;
    ivp-key-audit) run_suite ivp-key-audit ivp-key to_ivp_audit ;;
    ivp-keyless-tuf) run_suite ivp-keyless-tuf ivp-keyless-tuf ;;
    *) echo "unknown suite $suite" >&2; exit 2 ;;
  esac
done

echo "conformance: $passed passed, $failed failed"
[ "$failed" = 0 ]
