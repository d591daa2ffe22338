#!/usr/bin/env bash
# A throwaway TUF repository on loopback whose trusted_root.json names the test CA, for the
# ImageValidatingPolicy keyless attestor (Kyverno 1.19.0 initialises TUF for every keyless
# attestor). Source after registry.sh (uses _scb_free_port); needs scb-tuf-repo (install-tools.sh).
#
#   scb_tuf_build DIR CA_PEM [TSA_CHAIN_PEM]  # DIR/repo (served), DIR/root.json.b64 (tuf.root.data)
#   scb_tuf_serve DIR          # sets SCB_TUF_URL=http://127.0.0.1:PORT, SCB_TUF_PID
#   scb_tuf_stop
set -euo pipefail

_SCB_TUF_HELPERS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SCB_TUF_URL=""
SCB_TUF_PID=""

scb_tuf_build() {
  local dir="$1" ca="$2" tsa="${3:-}" bin
  mkdir -p "$dir"
  bin="${SCB_TOOLS_DIR:-$HOME/.cache/scb-tools}/bin/scb-tuf-repo"
  local k
  for k in rekor ctlog; do
    openssl ecparam -name prime256v1 -genkey -noout -out "$dir/$k.key" 2>/dev/null
    openssl ec -in "$dir/$k.key" -pubout -out "$dir/$k.pub" 2>/dev/null
  done
  python3 "$_SCB_TUF_HELPERS/trusted-root.py" "$ca" "$dir/rekor.pub" "$dir/ctlog.pub" ${tsa:+"$tsa"} >"$dir/trusted_root.json"
  "$bin" -trusted-root "$dir/trusted_root.json" -out "$dir/repo"
  base64 -w0 "$dir/repo/1.root.json" >"$dir/root.json.b64"
}

scb_tuf_stop() {
  if [ -n "${SCB_TUF_PID:-}" ] && kill -0 "$SCB_TUF_PID" 2>/dev/null; then
    kill "$SCB_TUF_PID" 2>/dev/null || true
    wait "$SCB_TUF_PID" 2>/dev/null || true
  fi
  SCB_TUF_PID=""
}

scb_tuf_serve() {
  local dir="$1" port i
  port="$(_scb_free_port)"
  # Loopback only.
  python3 -m http.server --bind 127.0.0.1 --directory "$dir/repo" "$port" >"$dir/http.log" 2>&1 &
  SCB_TUF_PID=$!
  SCB_TUF_URL="http://127.0.0.1:$port"
  for i in $(seq 1 50); do
    if curl -fsS "$SCB_TUF_URL/timestamp.json" >/dev/null 2>&1; then
      export SCB_TUF_URL SCB_TUF_PID
      return 0
    fi
    [ "$i" -lt 50 ] || break
    sleep 0.1
  done
  echo "TUF mirror on $SCB_TUF_URL not ready" >&2
  return 1
}
