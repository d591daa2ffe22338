#!/usr/bin/env bash
# Real-tool conformance: sign and attest test images offline with cosign, then check with the
# real Kyverno CLI (`kyverno test`) that the admission policies THE GENERATOR EMITS for a
# conformance customer admit and refuse exactly the intended cases, on both engines, in the soft
# period (audit), after the flip (enforce), rendered in the soft period but evaluated after the
# flip (live-flip: the cluster flips by itself), and for a controller's requests (controller);
# and that the generated deploy gate (verify.sh)
# does the same with the real cosign. Prints a matrix (case x engine x mode x expected x actual).
# Everything runs on loopback; nothing is downloaded at test time. Needs the package built (lib/).
#
# Usage: test/conformance/run.sh [--no-install] [--keep] [--no-isolate] [SUITE...]
#   SUITE: artifacts {clusterpolicy,ivp}-{enforce,audit,live-flip,controller} deploy-gate
#          vulnerability-places (the release job's rule step, the rescanner's evaluator, the job split)
#          oci-archive (the release workflow's ECR/GAR/ACR path: the generated skopeo push step)
#          inspect (scb inspect against the Kyverno suites of the same run; list it after them)
#          drift (the SBOM drift agent against real chrooted process roots; needs root)
#          (default: all)
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
[ "${#SUITES[@]}" -gt 0 ] || SUITES=(artifacts
  clusterpolicy-enforce clusterpolicy-audit clusterpolicy-live-flip clusterpolicy-controller
  ivp-enforce ivp-audit ivp-live-flip ivp-controller deploy-gate vulnerability-places oci-archive inspect drift)
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
# shellcheck source=SCRIPTDIR/helpers/deploy-gate.sh
. "$HERE/helpers/deploy-gate.sh"
# shellcheck source=SCRIPTDIR/helpers/inspect.sh
. "$HERE/helpers/inspect.sh"
# shellcheck source=SCRIPTDIR/helpers/drift.sh
. "$HERE/helpers/drift.sh"

cleanup() {
  _scb_drift_stop
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
# The drift step signs its own images: a run of only that step skips the scenario images.
SCENARIOS=1
[ "${SUITES[*]}" = drift ] && SCENARIOS=0
if [ "$SCENARIOS" = 1 ]; then
  scb_scenarios_build "$SCB_WORK"

  scb_tuf_build "$SCB_WORK/tuf" "$SCB_WORK/ca/ca.pem" "$SCB_WORK/tsa/tsa-chain.pem"
  scb_tuf_serve "$SCB_WORK/tuf"
  echo "TUF mirror: $SCB_TUF_URL (pid $SCB_TUF_PID)"
  echo "signed and attested $(grep -c '_REF=' "$SCB_WORK/images.env") test images"
fi

passed=0
failed=0
ROWS="$SCB_WORK/matrix.tsv"
: >"$ROWS"
GENERATED="$SCB_WORK/generated"

# The suites, written from the generator's own output (test/conformance/generate-suite.ts).
[ -f "$REPO_ROOT/lib/test/conformance/generate-suite.js" ] || { echo "build the package first (npm run build)" >&2; exit 2; }
[ "$SCENARIOS" = 0 ] || node "$REPO_ROOT/lib/test/conformance/generate-suite.js" --out "$GENERATED" --images "$SCB_WORK/images.env" \
  --ca "$SCB_WORK/ca/ca.pem" --tuf-url "$SCB_TUF_URL" --tuf-root-b64 "$SCB_WORK/tuf/root.json.b64" >/dev/null

# run_suite NAME: kyverno test on the generated suite, judged strictly, plus a negative control.
run_suite() {
  local name="$1" dir="$GENERATED/$1" check=0 control=0
  [ -d "$dir" ] || { echo "unknown suite $name" >&2; exit 2; }
  (cd "$dir" && "$KYVERNO" test . -o json >"$dir/out.txt" 2>&1) || true
  "$PY" "$HERE/helpers/kyverno-check.py" "$dir/out.txt" "$dir/kyverno-test.yaml" >"$dir/check.txt" || check=1
  # Negative control: inverted expectations must make every row fail.
  cp -r "$dir" "$dir.flipped"
  "$PY" "$HERE/helpers/kyverno-check.py" flip "$dir.flipped/kyverno-test.yaml"
  (cd "$dir.flipped" && "$KYVERNO" test . -o json >"$dir.flipped/out.txt" 2>&1) || true
  if ! "$PY" "$HERE/helpers/kyverno-check.py" "$dir.flipped/out.txt" "$dir.flipped/kyverno-test.yaml" --flipped >"$dir/control.txt"; then
    # One retry: on a loaded machine a transient verification error can make a row agree with
    # the inverted expectation. A broken harness (e.g. an invalid policy) fails both runs.
    echo "negative control of $name: retrying once after: $(grep -m1 'not detected' "$dir/control.txt" || true)" >&2
    (cd "$dir.flipped" && "$KYVERNO" test . -o json >"$dir.flipped/out.txt" 2>&1) || true
    "$PY" "$HERE/helpers/kyverno-check.py" "$dir.flipped/out.txt" "$dir.flipped/kyverno-test.yaml" --flipped >"$dir/control.txt" || control=1
  fi
  [ "$check" = 0 ] || { cat "$dir/check.txt"; KEEP=1; }
  [ "$control" = 0 ] || { cat "$dir/control.txt"; KEEP=1; }
  "$PY" "$HERE/helpers/matrix.py" rows "$dir" "$check" "$control" >>"$ROWS"
  if [ "$name" = ivp-enforce ]; then
    "$PY" "$HERE/helpers/matrix.py" subjects "$dir" "$SCB_WORK/ca" >>"$ROWS"
  fi
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
    deploy-gate) scb_gate_rows "$GENERATED" "$ROWS" ;;
    vulnerability-places)
      node "$REPO_ROOT/lib/test/conformance/vulnerability-places.js" --images "$SCB_WORK/images.env" \
        --predicates "$SCB_WORK/predicates" >>"$ROWS"
      ;;
    oci-archive)
      node "$REPO_ROOT/lib/test/conformance/oci-archive-push.js" --registry "$SCB_REGISTRY" --crane "$CRANE" >>"$ROWS"
      ;;
    inspect) scb_inspect_rows "$GENERATED" "$ROWS" ;;
    drift) scb_drift_rows "$ROWS" ;;
    *) run_suite "$suite" ;;
  esac
done

if [ -s "$ROWS" ]; then
  echo
  "$PY" "$HERE/helpers/matrix.py" print "$ROWS" | tee "$SCB_WORK/matrix.txt" | sed '$d'
  read -r ok mismatched _gaps _unverified < <(tail -n 1 "$SCB_WORK/matrix.txt")
  passed=$((passed + ok))
  failed=$((failed + mismatched))
  [ "$mismatched" = 0 ] || KEEP=1
fi

echo "conformance: $passed passed, $failed failed"
[ "$failed" = 0 ]
