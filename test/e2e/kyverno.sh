#!/usr/bin/env bash
# Kyverno's real admission, reports and background controllers, run out of cluster against the
# control plane of control-plane.sh, on 127.0.0.1 only. Installs what the Helm chart would install
# besides the Deployments, from the Kyverno module the tools are built from (tools/kyverno):
# config/install-latest-testing.yaml (CRDs, RBAC, ConfigMaps, Services), applied server-side.
# Each controller authenticates with a token of its own ServiceAccount, so Kyverno's own RBAC
# is what it runs with.
#
# Source after control-plane.sh:
#   scb_kyverno_install KUBECONFIG                # CRDs, RBAC, ConfigMaps (idempotent)
#   scb_kyverno_start KUBECONFIG DIR [VALUES]     # starts the three controllers; waits for the webhook
#       VALUES: a generated kyverno-values.yaml; features.policyExceptions is passed on as flags.
#       Sets SCB_KYVERNO_METRICS (admission controller metrics URL) and SCB_KYVERNO_WEBHOOK.
#       SCB_KYVERNO_EXTRA_ARGS: more admission-controller flags (e.g. --imageVerifyCacheEnabled=false).
#   scb_kyverno_stop DIR
set -euo pipefail

: "${SCB_TOOLS_DIR:=$HOME/.cache/scb-tools}"
_SCB_KY_BIN="${SCB_CP_BIN:-$SCB_TOOLS_DIR/bin}"
_SCB_KY_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

_scb_ky_log() { printf '[kyverno] %s\n' "$*" >&2; }
_scb_ky_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# The Kyverno module's directory (the version tools/kyverno pins), from the module cache
# (SCB_KYVERNO_MODULE_DIR when set: `go list -m` may need the network).
scb_kyverno_module_dir() {
  if [ -n "${SCB_KYVERNO_MODULE_DIR:-}" ]; then echo "$SCB_KYVERNO_MODULE_DIR"; return; fi
  (cd "$_SCB_KY_REPO/tools/kyverno" && go list -m -f '{{.Dir}}' github.com/kyverno/kyverno)
}

scb_kyverno_install() { # KUBECONFIG
  local kc="$1" dir manifest
  dir="$(scb_kyverno_module_dir)"
  manifest="$(mktemp)"
  # Everything but the Deployments (the controllers run here, out of cluster).
  python3 - "$dir/config/install-latest-testing.yaml" >"$manifest" <<'EOF'
import sys
docs, cur = [], []
for line in open(sys.argv[1]):
    if line.rstrip() == '---':
        docs.append(''.join(cur)); cur = []
    else:
        cur.append(line)
docs.append(''.join(cur))
kept = [d for d in docs if d.strip() and '\nkind: Deployment\n' not in '\n' + d]
print('---\n'.join(kept))
EOF
  "$_SCB_KY_BIN/kubectl" --kubeconfig "$kc" apply --server-side --force-conflicts -f "$manifest" >/dev/null
  rm -f "$manifest"
  "$_SCB_KY_BIN/kubectl" --kubeconfig "$kc" wait --for condition=established --timeout 60s crd --all >/dev/null
}

_scb_ky_kubeconfig() { # ADMIN-KUBECONFIG SERVICEACCOUNT OUT
  local kc="$1" sa="$2" out="$3" token server ca
  token="$("$_SCB_KY_BIN/kubectl" --kubeconfig "$kc" -n kyverno create token "$sa" --duration 48h)"
  server="$("$_SCB_KY_BIN/kubectl" --kubeconfig "$kc" config view --minify -o jsonpath='{.clusters[0].cluster.server}')"
  ca="$("$_SCB_KY_BIN/kubectl" --kubeconfig "$kc" config view --minify -o jsonpath='{.clusters[0].cluster.certificate-authority}')"
  cat >"$out" <<EOF
apiVersion: v1
kind: Config
clusters: [{name: scb-e2e, cluster: {server: $server, certificate-authority: $ca}}]
users: [{name: $sa, user: {token: $token}}]
contexts: [{name: scb-e2e, context: {cluster: scb-e2e, user: $sa, namespace: kyverno}}]
current-context: scb-e2e
EOF
}

_scb_ky_spawn() { # DIR NAME SERVICEACCOUNT COMMAND...
  local dir="$1" name="$2" sa="$3"
  shift 3
  setsid env KYVERNO_NAMESPACE=kyverno KYVERNO_POD_NAME="$name-0" KYVERNO_SERVICEACCOUNT_NAME="$sa" \
    KYVERNO_DEPLOYMENT="$sa" INIT_CONFIG=kyverno METRICS_CONFIG=kyverno-metrics TUF_ROOT="$dir/tuf-$name" \
    KYVERNO_ROLE_NAME="kyverno:${sa#kyverno-}" KYVERNO_SVC=kyverno-svc HOME="$dir/home-$name" \
    "$@" >"$dir/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$dir/pids/$name"
}

scb_kyverno_start() { # KUBECONFIG DIR [VALUES]
  local kc="$1" dir="$2" values="${3:-}" exceptions=(--enablePolicyException=false) started
  mkdir -p "$dir/logs" "$dir/pids" "$dir/tuf-admission" "$dir/tuf-reports" "$dir/tuf-background" \
    "$dir/home-admission" "$dir/home-reports" "$dir/home-background"
  started=$(date +%s%N)
  if [ -n "$values" ]; then
    local ns
    ns="$(python3 -c '
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r"^features:\n(?:  .*\n)*?  policyExceptions:\n    enabled: (\w+)\n    namespace: (\S+)", text, re.M)
print(m.group(2) if m and m.group(1) == "true" else "")' "$values")"
    [ -z "$ns" ] || exceptions=(--enablePolicyException=true "--exceptionNamespace=$ns")
  fi
  local sa
  for sa in admission-controller reports-controller background-controller; do
    _scb_ky_kubeconfig "$kc" "kyverno-$sa" "$dir/$sa.kubeconfig"
  done
  local webhook_port metrics_port reports_metrics background_metrics
  webhook_port="$(_scb_ky_port)"
  metrics_port="$(_scb_ky_port)"
  reports_metrics="$(_scb_ky_port)"
  background_metrics="$(_scb_ky_port)"
  SCB_KYVERNO_WEBHOOK="https://127.0.0.1:$webhook_port"
  SCB_KYVERNO_METRICS="127.0.0.1:$metrics_port"
  SCB_KYVERNO_REPORTS_METRICS="127.0.0.1:$reports_metrics"
  export SCB_KYVERNO_WEBHOOK SCB_KYVERNO_METRICS SCB_KYVERNO_REPORTS_METRICS
  local extra=()
  # shellcheck disable=SC2206 # extra flags, split on purpose
  [ -z "${SCB_KYVERNO_EXTRA_ARGS:-}" ] || extra=($SCB_KYVERNO_EXTRA_ARGS)
  # shellcheck disable=SC2054 # --omitEvents takes a comma-separated list
  local common=(--loggingFormat=text --v=2 --disableMetrics=false --otelConfig=prometheus --metricsHost=127.0.0.1
    --resyncPeriod=15m --enableConfigMapCaching=true --omitEvents=PolicyApplied,PolicySkipped
    --autoMemLimitEnabled=false "${exceptions[@]}")
  _scb_ky_spawn "$dir" admission kyverno-admission-controller "$_SCB_KY_BIN/kyverno-admission-controller" \
    --kubeconfig "$dir/admission-controller.kubeconfig" "${common[@]}" \
    --serverIP "127.0.0.1:$webhook_port" --webhookServerHost 127.0.0.1 --webhookServerPort "$webhook_port" \
    --caSecretName=kyverno-svc.kyverno.svc.kyverno-tls-ca --tlsSecretName=kyverno-svc.kyverno.svc.kyverno-tls-pair \
    --backgroundServiceAccountName=system:serviceaccount:kyverno:kyverno-background-controller \
    --reportsServiceAccountName=system:serviceaccount:kyverno:kyverno-reports-controller \
    --metricsPort "$metrics_port" --controllerRuntimeMetricsAddress "127.0.0.1:0" \
    --admissionReports=true --autoUpdateWebhooks=true --allowInsecureRegistry=true \
    --registryCredentialHelpers=default --enableReporting=validate,mutate,mutateExisting,imageVerify,generate \
    "${extra[@]}"
  _scb_ky_spawn "$dir" reports kyverno-reports-controller "$_SCB_KY_BIN/kyverno-reports-controller" \
    --kubeconfig "$dir/reports-controller.kubeconfig" "${common[@]}" \
    --metricsPort "$reports_metrics" --admissionReports=true --aggregateReports=true --policyReports=true \
    --validatingAdmissionPolicyReports=true --backgroundScan=true --backgroundScanWorkers=2 \
    --backgroundScanInterval=1h --skipResourceFilters=true --allowInsecureRegistry=true \
    --registryCredentialHelpers=default --enableReporting=validate,mutate,mutateExisting,imageVerify,generate
  _scb_ky_spawn "$dir" background kyverno-background-controller "$_SCB_KY_BIN/kyverno-background-controller" \
    --kubeconfig "$dir/background-controller.kubeconfig" "${common[@]}" \
    --metricsPort "$background_metrics" --controllerRuntimeMetricsAddress "127.0.0.1:0" \
    --enableReporting=validate,mutate,mutateExisting,imageVerify,generate

  # Ready: the webhook server answers and the webhook configurations are registered.
  for _ in $(seq 1 300); do
    if curl -ksf "$SCB_KYVERNO_WEBHOOK/health/readiness" >/dev/null 2>&1 &&
      "$_SCB_KY_BIN/kubectl" --kubeconfig "$kc" get validatingwebhookconfiguration kyverno-resource-validating-webhook-cfg >/dev/null 2>&1; then
      _scb_ky_log "webhook ready in $(( ($(date +%s%N) - started) / 1000000 )) ms at $SCB_KYVERNO_WEBHOOK; metrics on $SCB_KYVERNO_METRICS"
      return 0
    fi
    local name
    for name in admission reports background; do
      if ! kill -0 "$(cat "$dir/pids/$name")" 2>/dev/null; then
        _scb_ky_log "$name controller exited; its log ends:"
        tail -n 30 "$dir/logs/$name.log" >&2
        return 1
      fi
    done
    sleep 0.5
  done
  _scb_ky_log "webhook not ready after 150 s; the admission controller's log ends:"
  tail -n 30 "$dir/logs/admission.log" >&2
  return 1
}

scb_kyverno_stop() { # DIR
  local dir="$1" name pid
  [ -d "$dir/pids" ] || return 0
  for name in admission reports background; do
    [ -f "$dir/pids/$name" ] || continue
    pid="$(cat "$dir/pids/$name")"
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$dir/pids/$name"
  done
}
