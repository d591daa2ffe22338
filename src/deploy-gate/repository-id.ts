import { SOURCE_REPOSITORY_IDENTIFIER_OID } from '../contract';

/** Shell variable that carries the pinned repository ID in the generated gate (beside the identity variables). */
export const REPOSITORY_ID_VARIABLE = 'REPOSITORY_ID';

/** Name of the generated shell function. */
export const REPOSITORY_ID_FUNCTION = 'check_repository_id';

/**
 * The repository-ID check of the deploy gate, as a bash function (one text for `verify.sh` and the
 * reusable workflow's step, so both judge alike).
 *
 * Why a shell function: Fulcio writes GitHub's numeric repository ID into OID
 * 1.3.6.1.4.1.57264.1.15, but cosign v3.1.2 has no flag for it and Kyverno 1.19 checks it on
 * neither engine (docs/release-workflow.md, "Canonical identity"). So the gate reads the
 * certificates itself, with `cosign download signature` and openssl, after `cosign verify` passed:
 *
 * - **Bundle format** (`--new-bundle-format=true`): cosign verifies the sigstore bundles stored as
 *   OCI referrers, and `cosign download signature` lists exactly those (signatures and
 *   attestations). Every certificate among them whose SAN is the admitted subject must carry the
 *   pinned ID, and at least one must. `cosign verify` passed for at least one bundle with that
 *   subject, so the verified one carries the ID. A copied legitimate bundle next to a signature of
 *   a re-created repository does not help: the latter's certificate claims the subject without the ID.
 * - **Legacy format** (`--new-bundle-format=false`): the candidates are the `.sig` certificates
 *   that claim the subject and carry the ID, and the image passes only when `cosign verify
 *   --certificate <candidate>` (identity and trust flags as before) verifies a signature of the
 *   digest with that certificate's key: a certificate copied into another signature layer cannot
 *   sign. `cosign download signature` prefers bundles over `.sig` when an image has both; then the
 *   `.sig` certificates cannot be read and the gate refuses (a legacy-format image carries no
 *   bundles unless something else attached them, e.g. GitHub's provenance attestation, see
 *   docs/release-workflow.md).
 *
 * Arguments: COSIGN IMAGE FORMAT (`legacy` or `sigstore-bundle`), then the extra cosign verify
 * arguments for the legacy re-check (identity and trust). Reads CERTIFICATE_IDENTITY and
 * REPOSITORY_ID. Prints why on refusal, exits non-zero. Needs openssl and base64.
 */
export function repositoryIdCheckFunction(): string {
  const oidPattern = SOURCE_REPOSITORY_IDENTIFIER_OID.replace(/\./g, '\\.');
  return `# Fulcio's source-repository-identifier (OID ${SOURCE_REPOSITORY_IDENTIFIER_OID}) holds GitHub's numeric
# repository ID; no cosign flag checks it, so the gate reads the certificates with openssl.
# A repository deleted and re-created under the same name (repo-jacking) signs with the same subject, a new ID.
${REPOSITORY_ID_FUNCTION}() ( # COSIGN IMAGE FORMAT [cosign verify arguments for the legacy re-check...]
  cosign_bin="$1" image="$2" format="$3"
  shift 3
  work="$(mktemp -d)"
  trap 'rm -rf "\${work}"' EXIT
  if ! "\${cosign_bin}" download signature "\${image}" >"\${work}/signatures.json" 2>"\${work}/download.log"; then
    echo "cannot read the signatures of \${image}: $(tail -n 1 "\${work}/download.log")"
    exit 1
  fi
  if [ "\${format}" = legacy ] && grep -q '"mediaType": *"application/vnd.dev.sigstore.bundle' "\${work}/signatures.json"; then
    echo "the image carries sigstore bundles (OCI referrers), which hide its legacy .sig certificates from cosign download signature, so the repository ID cannot be read"
    exit 1
  fi
  grep -oE '"(Raw|rawBytes)": *"[A-Za-z0-9+/=]+"' "\${work}/signatures.json" | sed -E 's/^.*"([A-Za-z0-9+/=]+)"$/\\1/' >"\${work}/certificates" || true
  carriers=0
  n=0
  while IFS= read -r encoded; do
    n=$((n + 1))
    der="\${work}/\${n}.der"
    printf '%s' "\${encoded}" | base64 -d >"\${der}" 2>/dev/null || continue
    openssl x509 -inform DER -in "\${der}" -noout -ext subjectAltName >"\${work}/\${n}.san" 2>/dev/null || continue
    # Only certificates that claim the admitted subject (a SAN entry equal to it) are judged.
    tail -n +2 "\${work}/\${n}.san" | tr ',' '\\n' | sed 's/^ *//' | grep -qxF "URI:\${CERTIFICATE_IDENTITY}" || continue
    openssl asn1parse -inform DER -in "\${der}" >"\${work}/\${n}.asn1"
    offset="$(awk '/:${oidPattern}$/ { id = 1; next } id && /OCTET STRING/ { sub(/:.*/, "", $1); print $1; exit }' "\${work}/\${n}.asn1")"
    found=""
    if [ -n "\${offset}" ]; then
      found="$(openssl asn1parse -inform DER -in "\${der}" -strparse "\${offset}" | sed -n 's/^.*UTF8STRING *://p')"
    fi
    if [ "\${found}" != "\${REPOSITORY_ID}" ]; then
      [ "\${format}" = legacy ] && continue
      echo "a certificate for \${CERTIFICATE_IDENTITY} carries repository ID \${found:-(none)}, not \${REPOSITORY_ID}: it comes from another repository under the same name (deleted and re-created?)"
      exit 1
    fi
    if [ "\${format}" = legacy ]; then
      # The key of this certificate must have signed the digest: a copied certificate cannot.
      openssl x509 -inform DER -in "\${der}" -out "\${work}/\${n}.pem"
      "\${cosign_bin}" verify --new-bundle-format=false --certificate "\${work}/\${n}.pem" "$@" "\${image}" >/dev/null 2>&1 || continue
    fi
    carriers=$((carriers + 1))
  done <"\${work}/certificates"
  if [ "\${carriers}" -eq 0 ]; then
    echo "no verified signature certificate for \${CERTIFICATE_IDENTITY} carries repository ID \${REPOSITORY_ID}: the image was signed in another repository under the same name (deleted and re-created?), or before the ID was pinned"
    exit 1
  fi
)`;
}
