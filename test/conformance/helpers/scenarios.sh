#!/usr/bin/env bash
# The conformance scenarios: one test image per case, signed/attested the way the case needs.
# Source after registry.sh, test-ca.sh and sign.sh, with SCB_REGISTRY running.
#
#   scb_scenarios_build WORK   # writes WORK/images.env (CASE_REF=...@sha256:..., CASE_TAG=...:tag)
#
# Cases (legacy .sig/.att, certificate-backed, for ClusterPolicy type Cosign):
#   good        push on main, SBOM + fresh clean scan                     -> admit
#   unsigned    nothing                                                   -> refuse
#   branch      identity on refs/heads/feature-x                          -> refuse
#   otherrepo   identity of another repository (evil/services)            -> refuse
#   pr          trigger pull_request                                      -> refuse
#   recreated   acme/services on main, push, but another repository ID (re-created) -> gate refuses
#   nosbom      signed, vuln attestation only                             -> refuse
#   stalescan   scan finished 8 days ago                                  -> refuse
#   critold     CRITICAL published 30 days ago                            -> refuse
#   critnew     CRITICAL published 2 days ago (inside the 7-day grace)    -> admit
#   twoscans    an 8-day-old scan, then a fresh one (a re-scan appends)   -> ClusterPolicy refuses
#   evilatt     signed by the release identity, attested by another one   -> refuse
#   unfixed     CRITICAL CVE-2019-18224 with no fixed version, published 2019 (debian-buster) -> refuse
#   fixable     CRITICAL CVE-2019-14697 fixed in 1.1.20-r5, published 2019 (alpine 3.9)    -> refuse
#   accvalid    the unfixed report; the customer accepts CVE-2019-18224 for this digest until 2099 -> admit
#   accexpired  the unfixed report; accepted for this digest until 2026-01-01 (expired)       -> refuse
#   accother    the unfixed report; accepted until 2099, but only for another image           -> refuse
#   noresults   scan of a scratch image: no Results at all                 -> admit
# The same cases prefixed t_ (t_good, t_branch, ...) when SCB_TSA_URL is set: certificate-backed,
# new bundle format with an RFC 3161 timestamp, for the ImageValidatingPolicy keyless suite.
# Unsigned images of other repositories (other/allowed is the customer's allowlisted digest,
# other/thing is outside the customer's references): allowed, outside; other/expired, allowlisted
# by a digest entry that has expired: expired; other/sidecar:v1 BY TAG, allowlisted by
# repository (an injected sidecar): sidecar; other/sidecar-debug:v1 by tag, a look-alike
# repository nobody allowlisted: lookalike.
set -euo pipefail

_SCB_HELPERS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shared/ sits beside the project root, on developer machines and in CI alike.
SCB_FIXTURES="${SCB_FIXTURES:-${SCB_SHARED_DIR:-$(cd "$_SCB_HELPERS/../../../.." && pwd)/shared}/fixtures/trivy}"

_scb_pred() { # out report [vuln-predicate args...]
  local out="$1" report="$2"
  shift 2
  python3 "$_SCB_HELPERS/vuln-predicate.py" "$SCB_FIXTURES/$report" "$@" >"$out"
}

# _scb_cert_cases PREFIX SIGN_FN ATTEST_FN: the certificate-backed cases (uses the caller's
# locals work, ca, p, sbom, repo and _emit).
_scb_cert_cases() {
  local prefix="$1" sign="$2" attest="$3" case ref pred
  # SCB_SCENARIO_CASES restricts the cases (the unit tests build only the ones they read).
  for case in ${SCB_SCENARIO_CASES:-good unsigned branch otherrepo pr recreated nosbom stalescan critold critnew twoscans evilatt unfixed fixable accvalid accexpired accother noresults}; do
    ref="$(scb_image_build "$repo" "$prefix$case" "scb conformance image $prefix$case $RANDOM$RANDOM")"
    case "$case" in
      unsigned) ;;
      good | branch | otherrepo | pr | recreated)
        "$sign" "$ca" "$case" "$ref"
        "$attest" "$ca" "$case" "$ref" cyclonedx "$sbom"
        "$attest" "$ca" "$case" "$ref" vuln "$p/clean.json"
        ;;
      nosbom)
        "$sign" "$ca" good "$ref"
        "$attest" "$ca" good "$ref" vuln "$p/clean.json"
        ;;
      stalescan | critold | critnew | noresults)
        pred="$p/$case.json"
        [ "$case" = stalescan ] && pred="$p/stale.json"
        "$sign" "$ca" good "$ref"
        "$attest" "$ca" good "$ref" cyclonedx "$sbom"
        "$attest" "$ca" good "$ref" vuln "$pred"
        ;;
      unfixed | fixable | accvalid | accexpired | accother)
        pred="$p/unfixed.json"
        [ "$case" = fixable ] && pred="$p/fixable.json"
        "$sign" "$ca" good "$ref"
        "$attest" "$ca" good "$ref" cyclonedx "$sbom"
        "$attest" "$ca" good "$ref" vuln "$pred"
        ;;
      twoscans)
        "$sign" "$ca" good "$ref"
        "$attest" "$ca" good "$ref" cyclonedx "$sbom"
        "$attest" "$ca" good "$ref" vuln "$p/stale.json"
        "$attest" "$ca" good "$ref" vuln "$p/clean.json"
        ;;
      evilatt)
        "$sign" "$ca" good "$ref"
        "$attest" "$ca" otherrepo "$ref" cyclonedx "$sbom"
        "$attest" "$ca" otherrepo "$ref" vuln "$p/clean.json"
        ;;
    esac
    _emit "$prefix$case" "$ref"
  done
}

scb_scenarios_build() {
  local work="$1" ca="$1/ca" p="$1/predicates"
  local repo="${SCB_IMAGE_REPO:-acme/services}"
  mkdir -p "$p"
  local sbom="$SCB_FIXTURES/npm-cyclonedx.json"
  _scb_pred "$p/clean.json" alpine-310.json
  _scb_pred "$p/stale.json" alpine-310.json --scan-age 8d
  _scb_pred "$p/critold.json" debian-buster.json --critical-age 30d
  _scb_pred "$p/critnew.json" debian-buster.json --critical-age 2d
  _scb_pred "$p/unfixed.json" debian-buster.json --unfix CVE-2019-18224
  _scb_pred "$p/fixable.json" alpine-39-high-critical.json
  _scb_pred "$p/noresults.json" alpine-310.json --no-results
  printf "REGISTRY=%s\n" "$SCB_REGISTRY" >"$work/images.env"
  local case ref
  # shellcheck disable=SC2329 # called from _scb_cert_cases
  _emit() { printf '%s_REF=%s\n%s_TAG=%s\n' "$1" "$2" "$1" "$SCB_REGISTRY/$repo:$1" >>"$work/images.env"; }

  _scb_cert_cases "" scb_sign_cert scb_attest_cert
  if [ -n "${SCB_TSA_URL:-}" ]; then
    _scb_cert_cases t_ scb_sign_cert_tsa scb_attest_cert_tsa
  fi

  # Outside the customer's repository, unsigned: one allowlisted by digest, one not (rule 4).
  _emit allowed "$(scb_image_build other/allowed v1 "scb conformance allowlisted $RANDOM$RANDOM")"
  _emit outside "$(scb_image_build other/thing v1 "scb conformance outside $RANDOM$RANDOM")"
  _emit expired "$(scb_image_build other/expired v1 "scb conformance expired entry $RANDOM$RANDOM")"
  # By tag, as a mesh injects its sidecar: the _REF of these two is the tag reference.
  scb_image_build other/sidecar v1 "scb conformance sidecar $RANDOM$RANDOM" >/dev/null
  scb_image_build other/sidecar-debug v1 "scb conformance look-alike $RANDOM$RANDOM" >/dev/null
  printf 'sidecar_REF=%s\nlookalike_REF=%s\n' "$SCB_REGISTRY/other/sidecar:v1" "$SCB_REGISTRY/other/sidecar-debug:v1" >>"$work/images.env"
}
