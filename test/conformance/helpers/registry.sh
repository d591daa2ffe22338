#!/usr/bin/env bash
# A throwaway in-memory OCI registry on loopback (crane registry serve), and tiny test images.
# The registry implements the OCI 1.1 referrers API; go-containerregistry clients (cosign,
# crane, Kyverno) talk plain HTTP to 127.0.0.1:* without any flag.
#
# Source this file (after setting CRANE, or with crane on PATH), then:
#   scb_registry_start [PORT]   # sets SCB_REGISTRY=127.0.0.1:PORT, SCB_REGISTRY_PID; 0/none = pick a free port
#   scb_registry_stop           # also installed as an EXIT trap by scb_registry_start
#   scb_image_build REPO TAG TEXT   # pushes SCB_REGISTRY/REPO:TAG (one tiny layer), prints REPO@sha256:...
set -euo pipefail

: "${CRANE:=crane}"
SCB_REGISTRY=""
SCB_REGISTRY_PID=""

_scb_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

scb_registry_stop() {
  if [ -n "${SCB_REGISTRY_PID:-}" ] && kill -0 "$SCB_REGISTRY_PID" 2>/dev/null; then
    kill "$SCB_REGISTRY_PID" 2>/dev/null || true
    wait "$SCB_REGISTRY_PID" 2>/dev/null || true
  fi
  SCB_REGISTRY_PID=""
}

scb_registry_start() {
  local port="${1:-0}" i
  [ "$port" != 0 ] || port="$(_scb_free_port)"
  local log="${SCB_WORK:-${TMPDIR:-/tmp}}/registry-$port.log"
  # Loopback only: never bind another address.
  "$CRANE" registry serve --address "127.0.0.1:$port" >"$log" 2>&1 &
  SCB_REGISTRY_PID=$!
  SCB_REGISTRY="127.0.0.1:$port"
  trap scb_registry_stop EXIT
  for i in $(seq 1 100); do
    if curl -fsS "http://$SCB_REGISTRY/v2/" >/dev/null 2>&1; then
      export SCB_REGISTRY SCB_REGISTRY_PID
      return 0
    fi
    if ! kill -0 "$SCB_REGISTRY_PID" 2>/dev/null; then
      echo "registry exited; log:" >&2
      cat "$log" >&2
      return 1
    fi
    [ "$i" -lt 100 ] || break
    sleep 0.1
  done
  echo "registry on $SCB_REGISTRY not ready after 10s" >&2
  return 1
}

# scb_image_build REPO TAG TEXT -> prints the digest reference REGISTRY/REPO@sha256:...
# The image is one tiny tar layer appended onto an empty base, so every distinct TEXT
# gives a distinct digest.
scb_image_build() {
  local repo="$1" tag="$2" text="$3"
  local tmp ref digest
  tmp="$(mktemp -d)"
  mkdir -p "$tmp/root/app"
  printf '%s\n' "$text" >"$tmp/root/app/hello.txt"
  tar -C "$tmp/root" --owner=0 --group=0 --numeric-owner --mtime=@0 -cf "$tmp/layer.tar" app
  ref="$SCB_REGISTRY/$repo:$tag"
  "$CRANE" append --platform linux/amd64 -f "$tmp/layer.tar" -t "$ref" >/dev/null 2>&1
  "$CRANE" mutate --entrypoint /app/hello "$ref" >/dev/null 2>&1
  digest="$("$CRANE" digest "$ref")"
  rm -rf "$tmp"
  printf '%s@%s\n' "$SCB_REGISTRY/$repo" "$digest"
}
