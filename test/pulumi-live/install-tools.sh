#!/usr/bin/env bash
# Builds the real Pulumi engine pieces the live Pulumi test runs, from the Go module proxy only,
# into a cache: ${SCB_TOOLS_DIR:-$HOME/.cache/scb-tools}/bin
#   pulumi                      the CLI at v3.248.0 (= @pulumi/pulumi in package.json), tools/pulumi
#   pulumi-resource-kubernetes  the Kubernetes provider at v4.25.0, tools/pulumi-kubernetes
# Each binary is stamped with a hash of its committed go.mod/go.sum (and build inputs), so a pin
# change rebuilds it and an unchanged one is not rebuilt. Cold builds on a 2-core machine take
# about 18 min (CLI) and 20 min (provider); they run one after the other, never concurrently.
#
# Usage: test/pulumi-live/install-tools.sh [--only pulumi|pulumi-resource-kubernetes]
set -euo pipefail

PULUMI_VERSION=v3.248.0
# The proxy serves the provider module only as this pseudo-version; its code is the v4.25.0 release.
KUBERNETES_PROVIDER_VERSION=4.25.0

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TOOL_LOG_PREFIX="pulumi-live tools"
# shellcheck source=scripts/lib/tool-cache.sh
. "$HERE/../../scripts/lib/tool-cache.sh"
parse_tool_args "$@"

timed_build() { # name, then the go build arguments (run in the current directory)
  local name="$1" start
  shift
  start=$(date +%s)
  go build -trimpath "$@"
  mv "$BIN/$name.tmp" "$BIN/$name"
  log "$name: built in $(( $(date +%s) - start )) s"
}

pulumi_cli() {
  local mod="$REPO_ROOT/tools/pulumi" sum
  sum="$PULUMI_VERSION-$(hash_files "$mod/go.mod" "$mod/go.sum")"
  if have_stamp pulumi "$sum"; then
    log "pulumi: cached (tools/pulumi $sum)"
    return
  fi
  wait_for_build pulumi
  if [ -x "$BIN/pulumi" ] && [ "$("$BIN/pulumi" version 2>/dev/null)" = "$PULUMI_VERSION" ] && [ ! -f "$STAMPS/pulumi" ]; then
    log "pulumi: found an unstamped build at $PULUMI_VERSION"
    set_stamp pulumi "$sum"
    return
  fi
  log "pulumi: go build from tools/pulumi (about 18 min cold on 2 cores)"
  (cd "$mod" && timed_build pulumi \
    -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
    -o "$BIN/pulumi.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
  set_stamp pulumi "$sum"
}

kubernetes_provider() {
  local mod="$REPO_ROOT/tools/pulumi-kubernetes" sum name=pulumi-resource-kubernetes
  sum="$KUBERNETES_PROVIDER_VERSION-$(hash_files "$mod/go.mod" "$mod/go.sum" "$mod/embedgen/main.go")"
  if have_stamp "$name" "$sum"; then
    log "$name: cached (tools/pulumi-kubernetes $sum)"
    return
  fi
  wait_for_build "$name"
  local pkg src build
  pkg="$(sed -n 's/^require github.com\/pulumi\/pulumi-kubernetes\/provider\/v4 \(v[^ ]*\)$/\1/p;s/^\tgithub.com\/pulumi\/pulumi-kubernetes\/provider\/v4 \(v[^ ]*\)$/\1/p' "$mod/go.mod" | head -1)"
  [ -n "$pkg" ] || { log "$name: no provider/v4 requirement in $mod/go.mod"; return 1; }
  src="$(cd "$mod" && go mod download -json "github.com/pulumi/pulumi-kubernetes/provider/v4@$pkg" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
  [ -d "$src/cmd/$name" ] || { log "$name: module source not found ($src)"; return 1; }
  # The main package is assembled at build time from the module cache and never committed.
  build="$mod/cmd/$name"
  rm -rf "$build"
  mkdir -p "$build"
  cp "$src/cmd/$name/main.go" "$build/main.go"
  chmod u+w "$build/main.go"
  (cd "$mod" && go run ./embedgen -version "$KUBERNETES_PROVIDER_VERSION" -from "$src/cmd/$name" -to "$build")
  log "$name: go build from tools/pulumi-kubernetes at $KUBERNETES_PROVIDER_VERSION (about 20 min cold on 2 cores)"
  (cd "$mod" && timed_build "$name" \
    -ldflags "-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$KUBERNETES_PROVIDER_VERSION" \
    -o "$BIN/$name.tmp" "./cmd/$name")
  set_stamp "$name" "$sum"
}

want pulumi && pulumi_cli
want pulumi-resource-kubernetes && kubernetes_provider
log "done: $BIN/pulumi, $BIN/pulumi-resource-kubernetes"
