#!/usr/bin/env bash
# A real Kubernetes control plane on loopback, from the binaries test/e2e/install-tools.sh builds:
# etcd, kube-apiserver and kube-controller-manager (ReplicaSets, garbage collection, default
# ServiceAccounts, aggregated ClusterRoles). No kubelet and no scheduler: pods are admitted and
# stored but stay Pending. Everything listens on 127.0.0.1 only, on free ports.
#
#   test/e2e/control-plane.sh start [DIR]   # prints the admin kubeconfig path (DIR/kubeconfig)
#   test/e2e/control-plane.sh stop  [DIR]   # stops what `start` started in DIR and keeps DIR
#   test/e2e/control-plane.sh env   [DIR]   # KUBECONFIG=... and the ports, for `eval`
#
# DIR defaults to $SCB_E2E_DIR, else ${TMPDIR:-/tmp}/scb-e2e-control-plane. `start` fails if a
# control plane already runs in DIR. Logs: DIR/logs/*.log. The certificates (a throwaway CA,
# valid 2 days) and the service-account signing key are minted with openssl into DIR/pki.
# Source it to use the functions instead: scb_cp_start DIR, scb_cp_stop DIR.
set -euo pipefail

: "${SCB_TOOLS_DIR:=$HOME/.cache/scb-tools}"
SCB_CP_BIN="${SCB_CP_BIN:-$SCB_TOOLS_DIR/bin}"

_scb_cp_log() { printf '[control-plane] %s\n' "$*" >&2; }

_scb_cp_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

_scb_cp_pki() { # DIR
  local pki="$1/pki"
  mkdir -p "$pki"
  openssl ecparam -name prime256v1 -genkey -noout -out "$pki/ca.key" 2>/dev/null
  openssl req -new -x509 -key "$pki/ca.key" -subj "/CN=scb-e2e-ca" -days 2 -sha256 -out "$pki/ca.crt" 2>/dev/null
  # The API server's serving certificate: loopback and the in-cluster names.
  cat >"$pki/apiserver.ext" <<'EOF'
basicConstraints=CA:FALSE
keyUsage=digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local
EOF
  _scb_cp_cert "$pki" apiserver "/CN=kube-apiserver" "$pki/apiserver.ext"
  printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n' >"$pki/client.ext"
  # Cluster admin (system:masters) for the harness; the controller manager gets its own identity.
  _scb_cp_cert "$pki" admin "/O=system:masters/CN=scb-e2e-admin" "$pki/client.ext"
  _scb_cp_cert "$pki" controller-manager "/CN=system:kube-controller-manager" "$pki/client.ext"
  openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null
  openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
}

_scb_cp_cert() { # PKI NAME SUBJECT EXTFILE
  local pki="$1" name="$2" subject="$3" ext="$4"
  openssl ecparam -name prime256v1 -genkey -noout -out "$pki/$name.key" 2>/dev/null
  openssl req -new -key "$pki/$name.key" -subj "$subject" -out "$pki/$name.csr" 2>/dev/null
  openssl x509 -req -in "$pki/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" \
    -set_serial "0x$(openssl rand -hex 16)" -days 2 -sha256 -extfile "$ext" -out "$pki/$name.crt" 2>/dev/null
  rm -f "$pki/$name.csr"
}

_scb_cp_kubeconfig() { # FILE SERVER PKI CERT-NAME
  local file="$1" server="$2" pki="$3" name="$4"
  cat >"$file" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: scb-e2e
  cluster:
    server: $server
    certificate-authority: $pki/ca.crt
users:
- name: $name
  user:
    client-certificate: $pki/$name.crt
    client-key: $pki/$name.key
contexts:
- name: scb-e2e
  context:
    cluster: scb-e2e
    user: $name
current-context: scb-e2e
EOF
}

_scb_cp_wait() { # NAME PID SECONDS TEST-COMMAND...
  local name="$1" pid="$2" seconds="$3"
  shift 3
  for _ in $(seq 1 $((seconds * 5))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      _scb_cp_log "$name exited; its log ends:"
      tail -n 30 "$SCB_CP_DIR/logs/$name.log" >&2
      return 1
    fi
    sleep 0.2
  done
  _scb_cp_log "$name not ready after ${seconds}s; its log ends:"
  tail -n 30 "$SCB_CP_DIR/logs/$name.log" >&2
  return 1
}

_scb_cp_spawn() { # NAME COMMAND...: background, own process group, pid in DIR/pids/NAME
  local name="$1"
  shift
  setsid "$@" >"$SCB_CP_DIR/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$SCB_CP_DIR/pids/$name"
  echo $!
}

scb_cp_start() { # DIR
  SCB_CP_DIR="$1"
  local bin="$SCB_CP_BIN" tool
  for tool in etcd kube-apiserver kube-controller-manager kubectl; do
    [ -x "$bin/$tool" ] || { _scb_cp_log "missing $bin/$tool: run test/e2e/install-tools.sh"; return 1; }
  done
  if [ -d "$SCB_CP_DIR/pids" ] && [ -n "$(ls -A "$SCB_CP_DIR/pids" 2>/dev/null)" ]; then
    _scb_cp_log "a control plane already runs in $SCB_CP_DIR (stop it first)"
    return 1
  fi
  mkdir -p "$SCB_CP_DIR/logs" "$SCB_CP_DIR/pids"
  local started
  started=$(date +%s%N)
  _scb_cp_pki "$SCB_CP_DIR"
  local pki="$SCB_CP_DIR/pki"
  local etcd_port etcd_peer api_port pid
  etcd_port="$(_scb_cp_free_port)"
  etcd_peer="$(_scb_cp_free_port)"
  api_port="$(_scb_cp_free_port)"
  printf 'SCB_CP_ETCD=http://127.0.0.1:%s\nSCB_CP_SERVER=https://127.0.0.1:%s\nKUBECONFIG=%s\n' \
    "$etcd_port" "$api_port" "$SCB_CP_DIR/kubeconfig" >"$SCB_CP_DIR/env"

  # etcd: no fsync (a throwaway store), loopback only.
  pid=$(_scb_cp_spawn etcd "$bin/etcd" --name scb-e2e --data-dir "$SCB_CP_DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$etcd_peer" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer" \
    --initial-cluster "scb-e2e=http://127.0.0.1:$etcd_peer" --unsafe-no-fsync --log-level warn)
  _scb_cp_wait etcd "$pid" 30 curl -fsS "http://127.0.0.1:$etcd_port/health"

  pid=$(_scb_cp_spawn kube-apiserver "$bin/kube-apiserver" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" \
    --etcd-servers "http://127.0.0.1:$etcd_port" \
    --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
    --client-ca-file "$pki/ca.crt" --authorization-mode RBAC \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
    --service-cluster-ip-range 10.0.0.0/24 --endpoint-reconciler-type none \
    --profiling=false --v 1)
  _scb_cp_kubeconfig "$SCB_CP_DIR/kubeconfig" "https://127.0.0.1:$api_port" "$pki" admin
  _scb_cp_kubeconfig "$SCB_CP_DIR/controller-manager.kubeconfig" "https://127.0.0.1:$api_port" "$pki" controller-manager
  _scb_cp_wait kube-apiserver "$pid" 90 curl -fsS --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" \
    "https://127.0.0.1:$api_port/readyz"

  # ReplicaSets, Deployments, garbage collection, namespace deletion, default ServiceAccounts and
  # their tokens, aggregated ClusterRoles (Kyverno's reporting roles are aggregated).
  pid=$(_scb_cp_spawn kube-controller-manager "$bin/kube-controller-manager" \
    --kubeconfig "$SCB_CP_DIR/controller-manager.kubeconfig" \
    --authentication-kubeconfig "$SCB_CP_DIR/controller-manager.kubeconfig" \
    --authorization-kubeconfig "$SCB_CP_DIR/controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port 0 --leader-elect=false --allocate-node-cidrs=false \
    --use-service-account-credentials=true \
    --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" \
    --controllers '*,-nodeipam,-nodelifecycle,-cloud-node-lifecycle,-service-lb-controller,-route' --v 1)
  _scb_cp_wait kube-controller-manager "$pid" 60 \
    "$bin/kubectl" --kubeconfig "$SCB_CP_DIR/kubeconfig" get serviceaccount default -n default
  _scb_cp_log "ready in $(( ($(date +%s%N) - started) / 1000000 )) ms: https://127.0.0.1:$api_port (logs in $SCB_CP_DIR/logs)"
}

scb_cp_stop() { # DIR
  local dir="$1" name pid
  [ -d "$dir/pids" ] || return 0
  # Reverse start order: controllers before the API server, the API server before etcd.
  for name in kube-controller-manager kube-apiserver etcd; do
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

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  cmd="${1:-}"
  dir="${2:-${SCB_E2E_DIR:-${TMPDIR:-/tmp}/scb-e2e-control-plane}}"
  case "$cmd" in
    start)
      if ! scb_cp_start "$dir"; then scb_cp_stop "$dir"; exit 1; fi
      echo "$dir/kubeconfig"
      ;;
    stop) scb_cp_stop "$dir" ;;
    env) cat "$dir/env" ;;
    *) echo "usage: $0 start|stop|env [DIR]" >&2; exit 2 ;;
  esac
fi
