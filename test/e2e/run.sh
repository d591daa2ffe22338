#!/usr/bin/env bash
# The live end-to-end suite (`npm run test:e2e`): the generated bundle on a real kube-apiserver
# (etcd, kube-apiserver, kube-controller-manager) with Kyverno's real admission, reports and
# background controllers, run out of cluster on loopback. Images are signed offline exactly as in
# the conformance suite (test CA, local TUF repository and timestamp authority, loopback
# registry). Prints a matrix (step × expected × actual × kyverno test), stops everything it
# started, and fails on any mismatch. Needs the package built (lib/).
#
# Usage: test/e2e/run.sh [--no-install] [--keep] [--no-isolate] [--steps a,b,...]
# Env:   SCB_TOOLS_DIR (tool cache, default ~/.cache/scb-tools), SCB_KEEP_WORK=1 (= --keep)
#
# Like the conformance suite, the run re-executes itself in a network namespace with only a
# loopback interface (`unshare -n`), so nothing in it can reach beyond 127.0.0.1.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$HERE/../.." && pwd)"
CONFORMANCE="$REPO_ROOT/test/conformance"
TOOLS_DIR="${SCB_TOOLS_DIR:-$HOME/.cache/scb-tools}"
export SCB_TOOLS_DIR="$TOOLS_DIR"
INSTALL=1
ISOLATE=1
KEEP="${SCB_KEEP_WORK:-0}"
STEPS=""
while [ $# -gt 0 ]; do
  case "$1" in
    --no-install) INSTALL=0 ;;
    --keep) KEEP=1 ;;
    --no-isolate) ISOLATE=0 ;;
    --steps) STEPS="$2"; shift ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
[ -f "$REPO_ROOT/lib/test/e2e/scenarios.js" ] || { echo "build the package first (npm run build)" >&2; exit 2; }

if [ "$INSTALL" = 1 ]; then
  "$CONFORMANCE/install-tools.sh" --no-apt --only cosign,crane,testinfra
  "$HERE/install-tools.sh" --only kube-apiserver,kube-controller-manager,kubectl,etcd,kyverno-controllers
  (cd "$REPO_ROOT/tools/prometheus-operator" && go mod download github.com/prometheus-operator/prometheus-operator)
fi
# The module directories (CRDs, RBAC, ConfigMaps) are looked up before the network goes away.
if [ -z "${SCB_KYVERNO_MODULE_DIR:-}" ]; then
  SCB_KYVERNO_MODULE_DIR="$(cd "$REPO_ROOT/tools/kyverno" && go list -m -f '{{.Dir}}' github.com/kyverno/kyverno)"
  SCB_PROM_OPERATOR_DIR="$(cd "$REPO_ROOT/tools/prometheus-operator" && go list -m -f '{{.Dir}}' github.com/prometheus-operator/prometheus-operator)"
  export SCB_KYVERNO_MODULE_DIR SCB_PROM_OPERATOR_DIR
fi
if [ "$ISOLATE" = 1 ] && command -v unshare >/dev/null 2>&1 && command -v ip >/dev/null 2>&1 \
  && unshare -n true 2>/dev/null; then
  echo "running in a network namespace with loopback only"
  args=(--no-install --no-isolate)
  [ "$KEEP" = 1 ] && args+=(--keep)
  [ -n "$STEPS" ] && args+=(--steps "$STEPS")
  # shellcheck disable=SC2016 # expanded by the inner bash
  exec unshare -n bash -c 'ip link set lo up && exec bash "$0" "$@"' "$0" "${args[@]}"
fi

export PATH="$TOOLS_DIR/bin:$PATH"
export CRANE="$TOOLS_DIR/bin/crane" COSIGN="$TOOLS_DIR/bin/cosign" KUBECTL="$TOOLS_DIR/bin/kubectl"

SCB_WORK="$(mktemp -d "${TMPDIR:-/tmp}/scb-e2e.XXXXXX")"
export SCB_WORK
export HOME="$SCB_WORK/home" # cosign's TUF cache and config: hermetic
mkdir -p "$HOME"

# shellcheck source=SCRIPTDIR/../conformance/helpers/registry.sh
. "$CONFORMANCE/helpers/registry.sh"
# shellcheck source=SCRIPTDIR/../conformance/helpers/test-ca.sh
. "$CONFORMANCE/helpers/test-ca.sh"
# shellcheck source=SCRIPTDIR/../conformance/helpers/sign.sh
. "$CONFORMANCE/helpers/sign.sh"
# shellcheck source=SCRIPTDIR/../conformance/helpers/scenarios.sh
. "$CONFORMANCE/helpers/scenarios.sh"
# shellcheck source=SCRIPTDIR/../conformance/helpers/tsa.sh
. "$CONFORMANCE/helpers/tsa.sh"
# shellcheck source=SCRIPTDIR/../conformance/helpers/tuf.sh
. "$CONFORMANCE/helpers/tuf.sh"
# shellcheck source=SCRIPTDIR/control-plane.sh
. "$HERE/control-plane.sh"
# shellcheck source=SCRIPTDIR/kyverno.sh
. "$HERE/kyverno.sh"

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  local code=$?
  scb_kyverno_stop "$SCB_WORK/kyverno" || true
  scb_cp_stop "$SCB_WORK/cp" || true
  scb_tuf_stop || true
  scb_tsa_stop || true
  scb_registry_stop || true
  if [ "$KEEP" = 1 ] || [ "$code" != 0 ]; then
    echo "work dir kept: $SCB_WORK (logs: cp/logs, kyverno/logs)" >&2
  else
    rm -rf "$SCB_WORK"
  fi
}
trap cleanup EXIT

t0=$(date +%s)
scb_registry_start 0
trap cleanup EXIT
scb_tsa_start "$SCB_WORK/tsa"
scb_ca_standard "$SCB_WORK/ca" acme services release.yml main
scb_scenarios_build "$SCB_WORK"
scb_tuf_build "$SCB_WORK/tuf" "$SCB_WORK/ca/ca.pem" "$SCB_WORK/tsa/tsa-chain.pem"
scb_tuf_serve "$SCB_WORK/tuf"
echo "registry $SCB_REGISTRY, TSA $SCB_TSA_URL, TUF $SCB_TUF_URL: signed and attested $(grep -c '_REF=' "$SCB_WORK/images.env") images in $(($(date +%s) - t0)) s"

t1=$(date +%s)
scb_cp_start "$SCB_WORK/cp"
export KUBECONFIG="$SCB_WORK/cp/kubeconfig"
scb_kyverno_install "$KUBECONFIG"
"$KUBECTL" apply --server-side -f "$SCB_PROM_OPERATOR_DIR/example/prometheus-operator-crd/" >/dev/null
"$KUBECTL" wait --for condition=established --timeout 60s crd --all >/dev/null
# The Helm values the generator writes (features.policyExceptions becomes controller flags).
KYVERNO_VALUES="$REPO_ROOT/templates/acme/kyverno-values.yaml"
scb_kyverno_start "$KUBECONFIG" "$SCB_WORK/kyverno" "$KYVERNO_VALUES"
echo "control plane + Kyverno $(basename "$SCB_KYVERNO_MODULE_DIR") ready in $(($(date +%s) - t1)) s"

status=0
node "$REPO_ROOT/lib/test/e2e/scenarios.js" --work "$SCB_WORK" --kubeconfig "$KUBECONFIG" \
  --images "$SCB_WORK/images.env" --ca "$SCB_WORK/ca/ca.pem" --tuf-url "$SCB_TUF_URL" \
  --tuf-root-b64 "$SCB_WORK/tuf/root.json.b64" --kyverno-metrics "$SCB_KYVERNO_METRICS" \
  --api-server "$(sed -n 's/^SCB_CP_SERVER=//p' "$SCB_WORK/cp/env")" --ca-file "$SCB_WORK/cp/pki/ca.crt" \
  --fixtures "$SCB_FIXTURES" --trusted-root "$SCB_WORK/tuf/trusted_root.json" --kyverno-dir "$SCB_WORK/kyverno" --kyverno-values "$KYVERNO_VALUES" ${STEPS:+--steps "$STEPS"} || status=$?
echo "e2e: $( [ "$status" = 0 ] && echo passed || echo FAILED ) in $(($(date +%s) - t0)) s"
exit "$status"
