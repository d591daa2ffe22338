#!/usr/bin/env bash
# Installs the real tools the conformance harness runs, at exact versions, into a cache:
#   ${SCB_TOOLS_DIR:-$HOME/.cache/scb-tools}/bin
# Idempotent: a tool already present at the pinned version is not rebuilt.
# Sources: the Go module proxy (cosign, crane, actionlint, syft, kyverno via tools/kyverno, and our
# own test servers from test/conformance/testinfra),
# PyPI (zizmor, in a venv), Debian (promtool, pushgateway, shellcheck, openssl, skopeo).
#
# Usage: test/conformance/install-tools.sh [--no-apt] [--only NAME[,NAME...]]
set -euo pipefail

COSIGN_VERSION=v3.1.2
CRANE_VERSION=v0.22.1
ACTIONLINT_VERSION=v1.7.12
ZIZMOR_VERSION=1.32.0
PYYAML_VERSION=6.0.3
# check-jsonschema carries SchemaStore's Dependabot schema (--builtin-schema vendor.dependabot).
CHECK_JSONSCHEMA_VERSION=0.39.0
# The SBOM drift agent inventories running containers with the syft the release workflow builds
# the attested SBOM with (src/workflow/pins.ts TOOL_VERSIONS.syft; a unit test keeps them equal),
# so a difference is drift, never a difference between two tools. Its go.mod has no replace
# directive, so `go install` builds it; cold, about 11 minutes on 2 busy cores (636 s measured).
SYFT_VERSION=v1.42.3

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TOOL_LOG_PREFIX=install-tools
# shellcheck source=scripts/lib/tool-cache.sh
. "$HERE/../../scripts/lib/tool-cache.sh"

APT=1
tool_extra_arg() { [ "$1" = --no-apt ] && APT=0; }
parse_tool_args "$@"

kyverno_cli() {
  local mod="$REPO_ROOT/tools/kyverno"
  local sum
  sum="$(module_sum kyverno)"
  if have_stamp kyverno "$sum"; then
    log "kyverno: cached (tools/kyverno $sum)"
    return
  fi
  # Do not race another build writing the same output (it takes several minutes on 2 cores).
  wait_for_build kyverno
  local want_version have_version=""
  want_version="$(sed -n 's/^require github.com\/kyverno\/kyverno \(v[^ ]*\)$/\1/p' "$mod/go.mod")"
  [ -x "$BIN/kyverno" ] && have_version="$("$BIN/kyverno" version 2>/dev/null | sed -n 's/^Version: //p')"
  if [ -n "$want_version" ] && [ "$have_version" = "$want_version" ]; then
    log "kyverno: found an existing build at the required version"
    set_stamp kyverno "$sum"
    return
  fi
  log "kyverno: go build from tools/kyverno (several minutes)"
  (cd "$mod" && go build -o "$BIN/kyverno.tmp" github.com/kyverno/kyverno/cmd/cli/kubectl-kyverno)
  mv "$BIN/kyverno.tmp" "$BIN/kyverno"
  set_stamp kyverno "$sum"
}

zizmor_venv() {
  local venv="$TOOLS_DIR/venv"
  # The venv also carries PyYAML for the harness's own Python helpers, and check-jsonschema for
  # the generated Dependabot configuration.
  local want="zizmor==$ZIZMOR_VERSION pyyaml==$PYYAML_VERSION check-jsonschema==$CHECK_JSONSCHEMA_VERSION"
  if have_stamp zizmor "$want" && "$venv/bin/zizmor" --version >/dev/null 2>&1 && [ -x "$venv/bin/check-jsonschema" ]; then
    log "venv ($want): cached"
    return
  fi
  log "venv: pip install $want into $venv"
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  # shellcheck disable=SC2086 # several requirement words
  "$venv/bin/pip" install --quiet --disable-pip-version-check $want
  ln -sf "$venv/bin/zizmor" "$BIN/zizmor"
  ln -sf "$venv/bin/check-jsonschema" "$BIN/check-jsonschema"
  set_stamp zizmor "$want"
}

apt_packages() {
  # command -> Debian package
  local missing=()
  command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
  command -v prometheus-pushgateway >/dev/null 2>&1 || [ -x /usr/bin/prometheus-pushgateway ] || missing+=(prometheus-pushgateway)
  command -v shellcheck >/dev/null 2>&1 || missing+=(shellcheck)
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
  # skopeo pushes the release workflow's OCI archive (ECR/GAR/ACR path); ~23 s to install here.
  command -v skopeo >/dev/null 2>&1 || missing+=(skopeo)
  if [ "${#missing[@]}" -eq 0 ]; then
    log "apt: promtool, pushgateway, shellcheck, openssl, skopeo present"
    return
  fi
  if [ "$(id -u)" -ne 0 ]; then
    log "apt: missing ${missing[*]} and not root; install them by hand"
    return 1
  fi
  log "apt: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The Debian services must not keep running on the machine after install.
  local svc
  for svc in prometheus prometheus-pushgateway prometheus-node-exporter; do
    if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
      systemctl stop "$svc" || true
    fi
  done
}

command -v go >/dev/null 2>&1 || { echo "go is required (Go >= 1.25)" >&2; exit 1; }

if [ "$APT" = 1 ] && want apt; then apt_packages; fi
if want cosign; then go_tool cosign "github.com/sigstore/cosign/v3/cmd/cosign@$COSIGN_VERSION"; fi
if want crane; then go_tool crane "github.com/google/go-containerregistry/cmd/crane@$CRANE_VERSION"; fi
if want testinfra; then
  # Our own test servers/tools (go build caches; rebuilt each run, a second or two).
  (cd "$HERE/testinfra" && go build -o "$BIN/" ./cmd/...)
  log "scb-tuf-repo, scb-tsa: built from test/conformance/testinfra"
fi
if want syft; then go_tool syft "github.com/anchore/syft/cmd/syft@$SYFT_VERSION"; fi
if want actionlint; then go_tool actionlint "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"; fi
if want zizmor; then zizmor_venv; fi
if want kyverno; then kyverno_cli; fi

log "tools in $BIN:"
ls -1 "$BIN" >&2
