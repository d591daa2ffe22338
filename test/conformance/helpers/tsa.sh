#!/usr/bin/env bash
# A throwaway RFC 3161 timestamp authority on loopback (scb-tsa from testinfra/). cosign v3 bundles verified without a transparency log need a signed timestamp, so the
# ImageValidatingPolicy keyless suite signs with --timestamp-server-url and puts this TSA's chain
# into the test trusted_root.json. Source after registry.sh (uses _scb_free_port).
#
#   scb_tsa_start DIR   # sets SCB_TSA_URL (timestamp endpoint), writes DIR/tsa-chain.pem
#   scb_tsa_stop
set -euo pipefail

SCB_TSA_URL=""
SCB_TSA_PID=""

scb_tsa_stop() {
  if [ -n "${SCB_TSA_PID:-}" ] && kill -0 "$SCB_TSA_PID" 2>/dev/null; then
    kill "$SCB_TSA_PID" 2>/dev/null || true
    wait "$SCB_TSA_PID" 2>/dev/null || true
  fi
  SCB_TSA_PID=""
}

scb_tsa_start() {
  local dir="$1" port i bin
  bin="${SCB_TOOLS_DIR:-$HOME/.cache/scb-tools}/bin/scb-tsa"
  mkdir -p "$dir"
  port="$(_scb_free_port)"
  # Not sigstore's timestamp-server: v2.1.2 always listens on :2112 (all interfaces) for
  # metrics and queries public NTP servers unless --disable-ntp-monitoring. Loopback only.
  rm -f "$dir/tsa-chain.pem"
  "$bin" -listen "127.0.0.1:$port" -chain "$dir/tsa-chain.pem" >"$dir/tsa.log" 2>&1 &
  SCB_TSA_PID=$!
  for i in $(seq 1 100); do
    if [ -s "$dir/tsa-chain.pem" ] && curl -sS -o /dev/null "http://127.0.0.1:$port/api/v1/timestamp" 2>/dev/null; then
      SCB_TSA_URL="http://127.0.0.1:$port/api/v1/timestamp"
      export SCB_TSA_URL SCB_TSA_PID
      return 0
    fi
    if ! kill -0 "$SCB_TSA_PID" 2>/dev/null; then
      cat "$dir/tsa.log" >&2
      return 1
    fi
    [ "$i" -lt 100 ] || break
    sleep 0.1
  done
  echo "timestamp authority not ready" >&2
  return 1
}
