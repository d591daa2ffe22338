#!/usr/bin/env bash
# A loopback registry with real cosign artifacts in both formats, for the verification and
# inspect tests: the conformance harness's own helpers (crane registry, test CA with GitHub
# identities, scb-tsa, cosign signing), restricted to the cases those tests read.
#
#   test/verification/signed-registry.sh WORK
# writes WORK/images.env (CASE_REF / CASE_TAG, t_ prefix = v3 bundle + RFC 3161 timestamp),
# WORK/trusted-root.json (the test CA as Fulcio, the test TSA) and WORK/pids (registry and TSA,
# left running: the caller stops them). SCB_SCENARIO_CASES overrides the case list.
set -euo pipefail
WORK="${1:?usage: signed-registry.sh WORK}"
HELPERS="$(cd "$(dirname "${BASH_SOURCE[0]}")/../conformance/helpers" && pwd)"
export SCB_TOOLS_DIR="${SCB_TOOLS_DIR:-$HOME/.cache/scb-tools}"
export CRANE="${CRANE:-$SCB_TOOLS_DIR/bin/crane}" COSIGN="${COSIGN:-$SCB_TOOLS_DIR/bin/cosign}"
export SCB_WORK="$WORK" HOME="$WORK/home"
export SCB_SCENARIO_CASES="${SCB_SCENARIO_CASES:-good unsigned branch pr nosbom critold critnew}"
mkdir -p "$HOME"
# shellcheck source=SCRIPTDIR/../conformance/helpers/registry.sh
. "$HELPERS/registry.sh"
# shellcheck source=SCRIPTDIR/../conformance/helpers/test-ca.sh
. "$HELPERS/test-ca.sh"
# shellcheck source=SCRIPTDIR/../conformance/helpers/sign.sh
. "$HELPERS/sign.sh"
# shellcheck source=SCRIPTDIR/../conformance/helpers/scenarios.sh
. "$HELPERS/scenarios.sh"
# shellcheck source=SCRIPTDIR/../conformance/helpers/tsa.sh
. "$HELPERS/tsa.sh"

scb_registry_start 0
trap - EXIT
scb_tsa_start "$WORK/tsa"
printf '%s %s\n' "$SCB_REGISTRY_PID" "$SCB_TSA_PID" >"$WORK/pids"
scb_ca_standard "$WORK/ca" acme services release.yml main
scb_scenarios_build "$WORK"
"$COSIGN" trusted-root create \
  --fulcio="url=http://127.0.0.1:9/fulcio,certificate-chain=$WORK/ca/ca.pem" \
  --tsa="url=$SCB_TSA_URL,certificate-chain=$WORK/tsa/tsa-chain.pem" \
  --out "$WORK/trusted-root.json" >"$WORK/trusted-root.log" 2>&1
