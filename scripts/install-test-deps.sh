#!/usr/bin/env bash
# Installs every real peer the tests run against, from the Debian, Go module proxy and PyPI
# registries only: promtool, pushgateway, shellcheck, openssl and skopeo (Debian); cosign, crane, syft,
# actionlint and the Kyverno CLI built from tools/kyverno (Go); zizmor (PyPI, in a venv).
# Idempotent and cached in ${SCB_TOOLS_DIR:-$HOME/.cache/scb-tools}; the first run builds the
# Kyverno CLI and syft, which take several minutes each.
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash test/conformance/install-tools.sh "$@"
