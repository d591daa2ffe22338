#!/usr/bin/env bash
# The live Pulumi test: `scb fleet` driven by the REAL Pulumi engine against REAL kube-apiservers.
#   - tools: the Pulumi CLI v3.248.0 and the Kubernetes provider v4.25.0 (test/pulumi-live/install-tools.sh),
#     etcd, kube-apiserver, kube-controller-manager and kubectl (test/e2e/install-tools.sh);
#   - one control plane per customer (test/e2e/control-plane.sh), as each customer has its own
#     cluster: both install Kyverno, whose cluster-scoped objects cannot be shared;
#   - a file state backend on disk and a throwaway passphrase;
#   - the Kyverno chart staged locally from the Go module cache (stage-kyverno-chart.sh).
# Then lib/test/pulumi-live/live-fleet.js runs the six steps and prints the matrix.
#
# Stand-ins and skew, also printed: no kubelet (pods stay Pending, so the stacks set
# `waitForPods: false`); provider v4.25.0 while the SDK pins 4.34.2; Kyverno's CRDs and the
# prometheus-operator CRDs are installed before the first `up` (v4.25 needs a CRD to exist to know
# whether its kind is namespaced; fixed in 4.32), labelled so that the Kyverno release adopts them.
#
# Usage: test/pulumi-live/run.sh [--no-install] [--keep] [--no-isolate]
# Env:   SCB_TOOLS_DIR (tool cache, default ~/.cache/scb-tools), SCB_KEEP_WORK=1 (= --keep)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$HERE/../.." && pwd)"
TOOLS_DIR="${SCB_TOOLS_DIR:-$HOME/.cache/scb-tools}"
export SCB_TOOLS_DIR="$TOOLS_DIR" REPO_ROOT
INSTALL=1
ISOLATE=1
KEEP="${SCB_KEEP_WORK:-0}"
WORK_ARG=""
while [ $# -gt 0 ]; do
  case "$1" in
    --no-install) INSTALL=0 ;;
    --keep) KEEP=1 ;;
    --no-isolate) ISOLATE=0 ;;
    --work) WORK_ARG="$2"; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
log() { printf '[pulumi-live] %s\n' "$*" >&2; }

if [ -z "$WORK_ARG" ]; then
  SCB_LIVE_WORK="$(mktemp -d "${TMPDIR:-/tmp}/scb-pulumi-live.XXXXXX")"
else
  SCB_LIVE_WORK="$WORK_ARG"
fi
export SCB_LIVE_WORK

if [ "$INSTALL" = 1 ]; then
  start=$(date +%s)
  bash "$HERE/install-tools.sh"
  bash "$REPO_ROOT/test/e2e/install-tools.sh" --only etcd,kube-apiserver,kube-controller-manager,kubectl
  log "tools ready in $(( $(date +%s) - start )) s"
  # Module sources the run reads (fetched now: the isolated run below has no network).
  "$HERE/stage-kyverno-chart.sh" "$SCB_LIVE_WORK/charts" >/dev/null
  (cd "$REPO_ROOT/tools/prometheus-operator" && go mod download github.com/prometheus-operator/prometheus-operator)
fi

if [ "$ISOLATE" = 1 ] && command -v unshare >/dev/null 2>&1 && command -v ip >/dev/null 2>&1 \
  && unshare -n true 2>/dev/null; then
  log "running in a network namespace with loopback only"
  keep_flag=()
  [ "$KEEP" = 1 ] && keep_flag=(--keep)
  # shellcheck disable=SC2016 # expanded by the inner bash
  exec unshare -n bash -c 'ip link set lo up && exec bash "$0" "$@"' "$0" \
    --no-install --no-isolate --work "$SCB_LIVE_WORK" "${keep_flag[@]}"
fi

# Nothing below may reach a registry: Go reads the module cache only.
export GOPROXY=off
BIN="$TOOLS_DIR/bin"
export PATH="$BIN:$PATH"
export KUBECTL="$BIN/kubectl"
for tool in pulumi pulumi-resource-kubernetes kubectl etcd kube-apiserver kube-controller-manager; do
  [ -x "$BIN/$tool" ] || { log "missing $BIN/$tool: run without --no-install"; exit 1; }
done

# The file backend and a passphrase made up for this run only.
mkdir -p "$SCB_LIVE_WORK/state"
export PULUMI_BACKEND_URL="file://$SCB_LIVE_WORK/state"
PULUMI_CONFIG_PASSPHRASE="$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
export PULUMI_CONFIG_PASSPHRASE
export PULUMI_HOME="$SCB_LIVE_WORK/pulumi-home"
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export SCB_LIVE_PROVIDER_VERSION
SCB_LIVE_PROVIDER_VERSION="$(sed -n 's/^KUBERNETES_PROVIDER_VERSION=//p' "$HERE/install-tools.sh")"

# shellcheck source=SCRIPTDIR/../e2e/control-plane.sh
. "$REPO_ROOT/test/e2e/control-plane.sh"
CUSTOMERS=(acme globex)
cleanup() {
  local customer
  for customer in "${CUSTOMERS[@]}"; do scb_cp_stop "$SCB_LIVE_WORK/cluster-$customer" || true; done
  if [ "$KEEP" = 1 ]; then log "kept $SCB_LIVE_WORK"; else rm -rf "$SCB_LIVE_WORK"; fi
}
trap cleanup EXIT

SCB_LIVE_KYVERNO_CHART="$("$HERE/stage-kyverno-chart.sh" "$SCB_LIVE_WORK/charts")"
export SCB_LIVE_KYVERNO_CHART SCB_LIVE_KYVERNO_NAMESPACE=kyverno
kyverno_mod="$(cd "$REPO_ROOT/tools/kyverno" && go list -m -f '{{.Dir}}' github.com/kyverno/kyverno)"
promop_mod="$(cd "$REPO_ROOT/tools/prometheus-operator" && go list -m -f '{{.Dir}}' github.com/prometheus-operator/prometheus-operator)"

# The CRDs v4.25 must see before the first preview: those of the Kyverno chart (CRD files of the
# Kyverno module whose names the staged chart carries), labelled and annotated as Helm's own, so
# that the release adopts them and `destroy` removes them with it; and prometheus-operator's
# (PrometheusRule in the bundle, ServiceMonitor in the chart), which a cluster with monitoring has.
crd_files=()
while IFS= read -r file; do
  name="$(sed -n 's/^  name: \([a-z0-9.-]*\)$/\1/p' "$file" | head -1)"
  if [ -n "$name" ] && grep -rqs "name: $name\$" "$SCB_LIVE_KYVERNO_CHART"; then crd_files+=("$file"); fi
done < <(find "$kyverno_mod/config/crds" -name '*.yaml' | sort)
[ "${#crd_files[@]}" -gt 0 ] || { log "no Kyverno CRDs found under $kyverno_mod/config/crds"; exit 1; }

for customer in "${CUSTOMERS[@]}"; do
  scb_cp_start "$SCB_LIVE_WORK/cluster-$customer"
  kubeconfig="$SCB_LIVE_WORK/cluster-$customer/kubeconfig"
  # The stack's kubeconfig secret carries the credentials themselves, as a real one would.
  "$KUBECTL" --kubeconfig "$kubeconfig" config view --raw --flatten >"$SCB_LIVE_WORK/cluster-$customer/kubeconfig.flat"
  export "SCB_LIVE_KUBECONFIG_${customer^^}=$SCB_LIVE_WORK/cluster-$customer/kubeconfig.flat"
  k=("$KUBECTL" --kubeconfig "$kubeconfig")
  "${k[@]}" apply --server-side -f "$promop_mod/example/prometheus-operator-crd" >/dev/null
  for file in "${crd_files[@]}"; do "${k[@]}" apply --server-side -f "$file" >/dev/null; done
  names=()
  for file in "${crd_files[@]}"; do names+=("$(sed -n 's/^  name: \([a-z0-9.-]*\)$/\1/p' "$file" | head -1)"); done
  "${k[@]}" label crd "${names[@]}" app.kubernetes.io/managed-by=Helm --overwrite >/dev/null
  "${k[@]}" annotate crd "${names[@]}" meta.helm.sh/release-name=kyverno "meta.helm.sh/release-namespace=$SCB_LIVE_KYVERNO_NAMESPACE" --overwrite >/dev/null
  "${k[@]}" wait --for condition=established --timeout 60s crd --all >/dev/null
  log "$customer: control plane up, ${#names[@]} Kyverno CRDs (adoptable by the release) and prometheus-operator's CRDs installed"
done

cd "$REPO_ROOT"
node lib/test/pulumi-live/live-fleet.js
