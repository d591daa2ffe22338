#!/usr/bin/env bash
# Sign and attest test images offline with cosign v3, the way the release workflow does
# (digest references, --yes), but with the throwaway test CA instead of Fulcio and without
# any transparency log or timestamp authority.
#
# Source after helpers/test-ca.sh; needs COSIGN (default: cosign on PATH).
#
# Certificate-backed ("keyless-shaped"), legacy .sig/.att tags (ClusterPolicy type Cosign):
#   scb_sign_cert   CA_DIR IDENTITY REF
#   scb_attest_cert CA_DIR IDENTITY REF TYPE PREDICATE_FILE      # TYPE: cyclonedx | vuln | URI
# Certificate-backed, new bundle format with an RFC 3161 timestamp from SCB_TSA_URL
# (ImageValidatingPolicy keyless attestor with a local TUF trusted root):
#   scb_sign_cert_tsa   CA_DIR IDENTITY REF
#   scb_attest_cert_tsa CA_DIR IDENTITY REF TYPE PREDICATE_FILE
# Key-only, new bundle format as OCI referrers (ImageValidatingPolicy key attestor):
#   scb_keypair     DIR                                          # DIR/cosign.key, DIR/cosign.pub
#   scb_sign_key    KEY_DIR REF
#   scb_attest_key  KEY_DIR REF TYPE PREDICATE_FILE
# IDENTITY is the leaf name given to scb_ca_leaf (good, branch, otherrepo, pr, ...).
set -euo pipefail

: "${COSIGN:=cosign}"
# Keys in this harness are throwaway and unencrypted.
export COSIGN_PASSWORD=""

# Offline: no signing config (Fulcio/Rekor/TSA URLs from TUF), no Rekor upload.
SCB_COSIGN_OFFLINE=(--use-signing-config=false --tlog-upload=false --yes)

# cosign prints deprecation warnings for --tlog-upload and --new-bundle-format; keep the log.
_scb_cosign() {
  local log="${SCB_WORK:-${TMPDIR:-/tmp}}/cosign.log"
  if ! "$COSIGN" "$@" >>"$log" 2>&1; then
    echo "cosign $* failed; last lines of $log:" >&2
    tail -n 20 "$log" >&2
    return 1
  fi
}

# cosign wants its own encrypted key file format: import the openssl PKCS#8 key once.
_scb_cosign_key_for() {
  local ca="$1" id="$2"
  if [ ! -s "$ca/$id.cosign.key" ]; then
    (cd "$ca" && "$COSIGN" import-key-pair --key "$id.key" --output-key-prefix "$id.cosign" >/dev/null 2>&1)
  fi
  printf '%s\n' "$ca/$id.cosign.key"
}

scb_sign_cert() {
  local ca="$1" id="$2" ref="$3" key
  key="$(_scb_cosign_key_for "$ca" "$id")"
  _scb_cosign sign --key "$key" --certificate "$ca/$id.pem" --certificate-chain "$ca/ca.pem" \
    --new-bundle-format=false "${SCB_COSIGN_OFFLINE[@]}" "$ref"
}

scb_attest_cert() {
  local ca="$1" id="$2" ref="$3" type="$4" predicate="$5" key
  key="$(_scb_cosign_key_for "$ca" "$id")"
  _scb_cosign attest --key "$key" --certificate "$ca/$id.pem" --certificate-chain "$ca/ca.pem" \
    --new-bundle-format=false "${SCB_COSIGN_OFFLINE[@]}" --type "$type" --predicate "$predicate" "$ref"
}

scb_sign_cert_tsa() {
  local ca="$1" id="$2" ref="$3" key
  key="$(_scb_cosign_key_for "$ca" "$id")"
  _scb_cosign sign --key "$key" --certificate "$ca/$id.pem" --certificate-chain "$ca/ca.pem" \
    --timestamp-server-url "${SCB_TSA_URL:?start the TSA first}" "${SCB_COSIGN_OFFLINE[@]}" "$ref"
}

scb_attest_cert_tsa() {
  local ca="$1" id="$2" ref="$3" type="$4" predicate="$5" key
  key="$(_scb_cosign_key_for "$ca" "$id")"
  _scb_cosign attest --key "$key" --certificate "$ca/$id.pem" --certificate-chain "$ca/ca.pem" \
    --timestamp-server-url "${SCB_TSA_URL:?start the TSA first}" "${SCB_COSIGN_OFFLINE[@]}" \
    --type "$type" --predicate "$predicate" "$ref"
}

scb_keypair() {
  local dir="$1"
  mkdir -p "$dir"
  if [ ! -s "$dir/cosign.key" ]; then
    (cd "$dir" && "$COSIGN" generate-key-pair >/dev/null 2>&1)
  fi
}

scb_sign_key() {
  local dir="$1" ref="$2"
  _scb_cosign sign --key "$dir/cosign.key" "${SCB_COSIGN_OFFLINE[@]}" "$ref"
}

scb_attest_key() {
  local dir="$1" ref="$2" type="$3" predicate="$4"
  _scb_cosign attest --key "$dir/cosign.key" "${SCB_COSIGN_OFFLINE[@]}" \
    --type "$type" --predicate "$predicate" "$ref"
}
