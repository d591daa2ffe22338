#!/usr/bin/env bash
# Throwaway test CA and leaf certificates that carry GitHub Actions OIDC identities,
# shaped like Fulcio-issued certificates (REFERENCE.md section 7):
#   - SAN URI = https://github.com/OWNER/REPO/.github/workflows/FILE@REF
#   - extendedKeyUsage = codeSigning, keyUsage = digitalSignature
#   - Fulcio extensions 1.3.6.1.4.1.57264.1.1..1.6 as raw bytes (legacy, read by
#     ClusterPolicy additionalExtensions), 1.8 and later as DER UTF8String, among them the
#     repository's numeric ID (1.15, source repository identifier) and its owner (1.16, 1.17).
# Nothing written here is ever committed: the CA lives in a temp dir.
#
# Source this file, then:
#   scb_ca_init DIR                  # creates DIR/ca.key, DIR/ca.pem (EC P-256, valid from now for 2 days)
#   scb_ca_leaf DIR NAME OWNER REPO WORKFLOW_FILE REF TRIGGER [SHA [REPO_ID]]
#       -> DIR/NAME.key (PKCS#8 EC), DIR/NAME.pem (leaf), valid from now for 1 day
# Standalone:
#   lib/test-ca.sh DIR               # CA + the standard identities (acme/services)
set -euo pipefail

SCB_GITHUB_ISSUER="https://token.actions.githubusercontent.com"
# GitHub's numeric IDs in the certificates (Fulcio 1.15 and 1.17). The conformance customer pins
# this repository ID (test/conformance/generate-suite.ts, CONFORMANCE_REPOSITORY_ID).
SCB_REPOSITORY_ID="${SCB_REPOSITORY_ID:-804201}"
SCB_OWNER_ID="${SCB_OWNER_ID:-311401}"
# The same owner/repository deleted and re-created by someone else: same name, new ID.
SCB_RECREATED_REPOSITORY_ID="${SCB_RECREATED_REPOSITORY_ID:-991337}"

# Hex of the raw bytes of a string (for DER:<hex> extension values).
_scb_hex() { printf '%s' "$1" | od -An -tx1 -v | tr -d ' \n'; }

scb_ca_init() {
  local dir="$1"
  mkdir -p "$dir"
  chmod 700 "$dir"
  if [ -s "$dir/ca.pem" ] && [ -s "$dir/ca.key" ]; then return 0; fi
  openssl ecparam -name prime256v1 -genkey -noout -out "$dir/ca.ec.key" 2>/dev/null
  openssl pkcs8 -topk8 -nocrypt -in "$dir/ca.ec.key" -out "$dir/ca.key"
  rm -f "$dir/ca.ec.key"
  cat >"$dir/ca.cnf" <<'EOF'
[req]
distinguished_name = dn
prompt = no
x509_extensions = v3_ca
[dn]
O = scb-conformance
CN = scb conformance test root (throwaway)
[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
EOF
  # OpenSSL 3.0 (Debian 12) has no -not_before for req/x509: validity starts now.
  openssl req -new -x509 -key "$dir/ca.key" -config "$dir/ca.cnf" -sha256 -days 2 \
    -out "$dir/ca.pem"
}

# scb_ca_leaf DIR NAME OWNER REPO WORKFLOW_FILE REF TRIGGER [SHA [REPO_ID]]
# REPO_ID defaults to SCB_REPOSITORY_ID (the conformance customer's github.repositoryId).
scb_ca_leaf() {
  local dir="$1" name="$2" owner="$3" repo="$4" wf="$5" ref="$6" trigger="$7"
  local sha="${8:-0123456789abcdef0123456789abcdef01234567}"
  local repo_id="${9:-$SCB_REPOSITORY_ID}"
  local repo_full="$owner/$repo"
  local subject="https://github.com/$repo_full/.github/workflows/$wf@$ref"
  local repo_url="https://github.com/$repo_full"
  local wf_name="${wf%.*}"
  local ext="$dir/$name.ext"
  cat >"$ext" <<EOF
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = codeSigning
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = critical, URI:$subject
# Fulcio legacy extensions (raw string bytes)
1.3.6.1.4.1.57264.1.1 = DER:$(_scb_hex "$SCB_GITHUB_ISSUER")
1.3.6.1.4.1.57264.1.2 = DER:$(_scb_hex "$trigger")
1.3.6.1.4.1.57264.1.3 = DER:$(_scb_hex "$sha")
1.3.6.1.4.1.57264.1.4 = DER:$(_scb_hex "$wf_name")
1.3.6.1.4.1.57264.1.5 = DER:$(_scb_hex "$repo_full")
1.3.6.1.4.1.57264.1.6 = DER:$(_scb_hex "$ref")
# Fulcio current extensions (DER UTF8String)
1.3.6.1.4.1.57264.1.8 = ASN1:UTF8String:$SCB_GITHUB_ISSUER
1.3.6.1.4.1.57264.1.9 = ASN1:UTF8String:$subject
1.3.6.1.4.1.57264.1.10 = ASN1:UTF8String:$sha
1.3.6.1.4.1.57264.1.11 = ASN1:UTF8String:github-hosted
1.3.6.1.4.1.57264.1.12 = ASN1:UTF8String:$repo_url
1.3.6.1.4.1.57264.1.13 = ASN1:UTF8String:$sha
1.3.6.1.4.1.57264.1.14 = ASN1:UTF8String:$ref
1.3.6.1.4.1.57264.1.15 = ASN1:UTF8String:$repo_id
1.3.6.1.4.1.57264.1.16 = ASN1:UTF8String:https://github.com/$owner
1.3.6.1.4.1.57264.1.17 = ASN1:UTF8String:$SCB_OWNER_ID
1.3.6.1.4.1.57264.1.18 = ASN1:UTF8String:$subject
1.3.6.1.4.1.57264.1.19 = ASN1:UTF8String:$sha
1.3.6.1.4.1.57264.1.20 = ASN1:UTF8String:$trigger
1.3.6.1.4.1.57264.1.21 = ASN1:UTF8String:$repo_url/actions/runs/1/attempts/1
EOF
  openssl ecparam -name prime256v1 -genkey -noout -out "$dir/$name.ec.key" 2>/dev/null
  openssl pkcs8 -topk8 -nocrypt -in "$dir/$name.ec.key" -out "$dir/$name.key"
  rm -f "$dir/$name.ec.key"
  # Fulcio certificates have an empty subject DN; openssl needs at least one RDN in a CSR,
  # so the leaf gets a harmless O=sigstore.dev like Fulcio's issuer name.
  openssl req -new -key "$dir/$name.key" -subj "/O=sigstore.dev" -out "$dir/$name.csr" 2>/dev/null
  openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
    -set_serial "0x$(openssl rand -hex 16)" -sha256 -days 1 \
    -extfile "$ext" -out "$dir/$name.pem" 2>/dev/null
  rm -f "$dir/$name.csr"
  printf '%s\n' "$subject" >"$dir/$name.subject"
}

# The standard identities of the conformance tests, for any customer.
# scb_ca_standard DIR OWNER REPO WORKFLOW_FILE BRANCH [OTHER_OWNER]
scb_ca_standard() {
  local dir="$1" owner="$2" repo="$3" wf="$4" branch="$5" other="${6:-evil}"
  scb_ca_init "$dir"
  scb_ca_leaf "$dir" good "$owner" "$repo" "$wf" "refs/heads/$branch" push
  scb_ca_leaf "$dir" branch "$owner" "$repo" "$wf" "refs/heads/feature-x" push
  scb_ca_leaf "$dir" otherrepo "$other" "$repo" "$wf" "refs/heads/$branch" push
  scb_ca_leaf "$dir" pr "$owner" "$repo" "$wf" "refs/heads/$branch" pull_request
  scb_ca_leaf "$dir" recreated "$owner" "$repo" "$wf" "refs/heads/$branch" push "" "$SCB_RECREATED_REPOSITORY_ID"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  out="${1:?usage: test-ca.sh DIR [OWNER REPO WORKFLOW_FILE BRANCH]}"
  scb_ca_standard "$out" "${2:-acme}" "${3:-services}" "${4:-release.yml}" "${5:-main}"
  ls -1 "$out"
fi
