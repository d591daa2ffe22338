#!/usr/bin/env bash
# Builds the live end-to-end suite's control plane and controllers from committed Go modules and
# caches them in ${SCB_TOOLS_DIR:-$HOME/.cache/scb-tools}/bin, keyed on each module's go.mod and
# go.sum (a stamp per binary), as test/conformance/install-tools.sh does for the Kyverno CLI:
#   tools/etcd        etcd
#   tools/kubernetes  kube-apiserver, kube-controller-manager, kubectl (kube-scheduler: --only)
#   tools/kyverno     kyverno (admission controller), kyverno-reports-controller,
#                     kyverno-background-controller (the same module as the Kyverno CLI)
#   chainsaw, kwok    `go install` at the pinned version (--only; the suite does not use them yet)
# Each build's wall time is appended to $SCB_TOOLS_DIR/build-times.log (cold figures: docs/e2e.md).
#
# Usage: test/e2e/install-tools.sh [--only NAME[,NAME...]]
set -euo pipefail

CHAINSAW_VERSION=v0.2.12
KWOK_VERSION=v0.8.0

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$HERE/../.." && pwd)"
TOOLS_DIR="${SCB_TOOLS_DIR:-$HOME/.cache/scb-tools}"
BIN="$TOOLS_DIR/bin"
STAMPS="$TOOLS_DIR/stamps"
TIMES="$TOOLS_DIR/build-times.log"
mkdir -p "$BIN" "$STAMPS"

ONLY=""
while [ $# -gt 0 ]; do
  case "$1" in
    --only) ONLY="$2"; shift ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done

want() { [ -z "$ONLY" ] || [[ ",$ONLY," == *",$1,"* ]]; }
# Optional tools the suite does not run (yet): built only when named with --only.
want_extra() { [[ ",$ONLY," == *",$1,"* ]]; }
log() { printf '[e2e-tools] %s\n' "$*" >&2; }
have_stamp() { [ -x "$BIN/$1" ] && [ -f "$STAMPS/$1" ] && [ "$(cat "$STAMPS/$1")" = "$2" ]; }
set_stamp() { printf '%s' "$2" >"$STAMPS/$1"; }
module_sum() { cat "$REPO_ROOT/tools/$1/go.mod" "$REPO_ROOT/tools/$1/go.sum" | sha256sum | cut -d' ' -f1; }

# Never run two copies of the same build: wait for one already writing this output.
wait_other() {
  while pgrep -f "go (build|install) .*$BIN/$1(\.tmp)?( |$)" >/dev/null 2>&1; do
    log "$1: another build is writing it; waiting"
    sleep 15
  done
}

timed() { # name command...
  local name="$1" start end
  shift
  start=$(date +%s)
  "$@"
  end=$(date +%s)
  printf '%s %s %ss\n' "$(date -u +%FT%TZ)" "$name" "$((end - start))" >>"$TIMES"
  log "$name: built in $((end - start))s"
}

module_tool() { # name module-dir package [ldflags [trimpath]]
  local name="$1" mod="$2" pkg="$3" ldflags="${4:-}" trim="${5:--trimpath}" sum
  sum="tools/$mod $(module_sum "$mod")"
  if have_stamp "$name" "$sum"; then
    log "$name: cached (tools/$mod)"
    return
  fi
  wait_other "$name"
  if have_stamp "$name" "$sum"; then return; fi
  log "$name: go build $pkg (tools/$mod)"
  timed "$name" bash -c "cd '$REPO_ROOT/tools/$mod' && go build $trim -ldflags '$ldflags' -o '$BIN/$name.tmp' '$pkg'"
  mv "$BIN/$name.tmp" "$BIN/$name"
  set_stamp "$name" "$sum"
}

go_tool() { # name module-path@version
  local name="$1" spec="$2"
  if have_stamp "$name" "$spec"; then
    log "$name: cached ($spec)"
    return
  fi
  log "$name: go install $spec"
  timed "$name" env GOBIN="$BIN" GOFLAGS=-mod=mod go install "$spec"
  set_stamp "$name" "$spec"
}

command -v go >/dev/null 2>&1 || { echo "go is required (Go >= 1.26)" >&2; exit 1; }

# The Kubernetes commands report the release they were built from (kubectl version, Kyverno's
# server version checks), as the upstream release build stamps it.
KUBE_VERSION="$(sed -n 's/^require k8s.io\/kubernetes \(v[^ ]*\)$/\1/p' "$REPO_ROOT/tools/kubernetes/go.mod")"
KUBE_MINOR="$(echo "$KUBE_VERSION" | cut -d. -f2)"
KV=k8s.io/component-base/version
KUBE_LDFLAGS="-X $KV.gitVersion=$KUBE_VERSION -X $KV.gitMajor=1 -X $KV.gitMinor=$KUBE_MINOR -X $KV.gitTreeState=clean"
KUBE_LDFLAGS="$KUBE_LDFLAGS -X k8s.io/client-go/pkg/version.gitVersion=$KUBE_VERSION -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=$KUBE_MINOR"

# Largest first: kube-apiserver compiles most of the Kubernetes tree the others share.
if want kube-apiserver; then module_tool kube-apiserver kubernetes k8s.io/kubernetes/cmd/kube-apiserver "$KUBE_LDFLAGS"; fi
if want kube-controller-manager; then module_tool kube-controller-manager kubernetes k8s.io/kubernetes/cmd/kube-controller-manager "$KUBE_LDFLAGS"; fi
if want_extra kube-scheduler; then module_tool kube-scheduler kubernetes k8s.io/kubernetes/cmd/kube-scheduler "$KUBE_LDFLAGS"; fi
if want kubectl; then module_tool kubectl kubernetes k8s.io/kubernetes/cmd/kubectl "$KUBE_LDFLAGS"; fi
if want etcd; then module_tool etcd etcd supply-chain-bundle/tools/etcd/cmd/etcd; fi
if want kyverno-controllers; then
  # Built as install-tools.sh builds the Kyverno CLI (no -trimpath), so they share its build cache.
  module_tool kyverno-admission-controller kyverno github.com/kyverno/kyverno/cmd/kyverno '' ' '
  module_tool kyverno-reports-controller kyverno github.com/kyverno/kyverno/cmd/reports-controller '' ' '
  module_tool kyverno-background-controller kyverno github.com/kyverno/kyverno/cmd/background-controller '' ' '
fi
if want_extra chainsaw; then go_tool chainsaw "github.com/kyverno/chainsaw@$CHAINSAW_VERSION"; fi
if want_extra kwok; then go_tool kwok "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"; fi
log "done"
