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
TOOL_LOG_PREFIX=e2e-tools
# shellcheck source=scripts/lib/tool-cache.sh
. "$HERE/../../scripts/lib/tool-cache.sh"
# Optional tools the suite does not run (yet), chainsaw and kwok, are built only when named.
parse_tool_args "$@"

module_tool() { # name module-dir package [ldflags [trimpath]]
  local name="$1" mod="$2" pkg="$3" ldflags="${4:-}" trim="${5:--trimpath}" sum
  sum="tools/$mod $(module_sum "$mod")"
  if have_stamp "$name" "$sum"; then
    log "$name: cached (tools/$mod)"
    return
  fi
  wait_for_build "$name"
  if have_stamp "$name" "$sum"; then return; fi
  log "$name: go build $pkg (tools/$mod)"
  timed "$name" bash -c "cd '$REPO_ROOT/tools/$mod' && go build $trim -ldflags '$ldflags' -o '$BIN/$name.tmp' '$pkg'"
  mv "$BIN/$name.tmp" "$BIN/$name"
  set_stamp "$name" "$sum"
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
