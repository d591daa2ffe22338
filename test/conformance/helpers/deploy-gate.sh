# shellcheck shell=bash
# The GENERATED deploy gate (deploy-gate/verify.sh of the conformance customer, written by
# generate-suite per engine) against the local registry: the real cosign verifies each case in the
# signature format the engine's customer signs in, trusting the test CA (and the test TSA) through
# SCB_TRUSTED_ROOT, with the tlog and SCT checks switched off (SCB_INSECURE_IGNORE_*).
#
#   scb_gate_rows GENERATED_DIR ROWS_TSV   # appends one matrix row per case and engine
#
# Needs: SCB_WORK (ca/, tsa/, images.env), COSIGN, PY, HERE (matrix.py).

# case|image key|expected|note[|known gap of the bundle-format gate: actual|note]
# A key starting with "!" takes the OTHER engine's image (the other signature format).
_SCB_GATE_CASES=(
  "good|good_REF|admit|release workflow on main (push), SBOM, fresh clean scan"
  "unsigned|unsigned_REF|refuse|no signature"
  "wrong-branch|branch_REF|refuse|signed on refs/heads/feature-x"
  "wrong-repo|otherrepo_REF|refuse|signed by evil/services"
  "pull-request|pr_REF|refuse|right workflow on main, trigger pull_request"
  "recreated-repository|recreated_REF|refuse|acme/services on main, another repository ID (Fulcio OID .15)"
  "foreign-attestations|evilatt_REF|refuse|attestations by evil/services"
  "missing-sbom|nosbom_REF|refuse|no SBOM attestation"
  "stale-scan|stalescan_REF|refuse|scan finished 8 days ago"
  "old-critical|critold_REF|refuse|CRITICAL published 30 days ago"
  "fresh-critical|critnew_REF|admit|CRITICAL published 2 days ago (grace 7 days)"
  "unfixed-old-critical|unfixed_REF|refuse|CRITICAL CVE-2019-18224 from 2019, no fixed version"
  "fixable-old-critical|fixable_REF|refuse|CRITICAL CVE-2019-14697 from 2019, fixed in 1.1.20-r5"
  "accepted-risk|accvalid_REF|admit|the unfixed CRITICAL, accepted for this digest until 2099"
  "accepted-risk-expired|accexpired_REF|refuse|the unfixed CRITICAL, accepted until 2026-01-01 (expired)"
  "accepted-risk-other-image|accother_REF|refuse|the unfixed CRITICAL, accepted for other/thing only"
  "other-format|!good_REF|refuse|the good image, signed in the other engine's format|admit|known gap (cosign 3.1.2 verify --new-bundle-format=true still accepts legacy .sig/.att; IVP admission offline refuses them)"
  "tag-good|good_TAG|refuse|the good image by tag: the gate takes digests only"
)

# scb_test_trusted_root: writes (once) and prints $SCB_WORK/test-trusted-root.json, the test CA as
# the only Fulcio and the test TSA for bundle timestamps; nothing else is trusted. Shared by the
# deploy gate and scb inspect (helpers/inspect.sh).
scb_test_trusted_root() {
  local root="$SCB_WORK/test-trusted-root.json"
  if [ ! -s "$root" ]; then
    "$COSIGN" trusted-root create \
      --fulcio="url=http://127.0.0.1:9/fulcio,certificate-chain=$SCB_WORK/ca/ca.pem" \
      --tsa="url=$SCB_TSA_URL,certificate-chain=$SCB_WORK/tsa/tsa-chain.pem" \
      --out "$root" >"$SCB_WORK/test-trusted-root.log" 2>&1
  fi
  printf '%s\n' "$root"
}

scb_gate_rows() {
  local generated="$1" rows="$2" root
  root="$(scb_test_trusted_root)"
  local engine dir prefix label spec name key expected note gap_actual gap_note ref actual log
  for engine in clusterpolicy ivp; do
    dir="$generated/deploy-gate/$engine"
    if [ "$engine" = clusterpolicy ]; then
      prefix="" label="gate/ClusterPolicy" trust="legacy .sig/.att, SCB_TRUSTED_ROOT (test CA)"
    else
      prefix="t_" label="gate/IVP" trust="v3 bundle + TSA, SCB_TRUSTED_ROOT (test CA + TSA)"
    fi
    [ "$(cat "$dir/format")" = "$([ "$engine" = clusterpolicy ] && echo legacy || echo sigstore-bundle)" ] \
      || { echo "deploy gate $engine: unexpected signature format $(cat "$dir/format")" >&2; return 1; }
    for spec in "${_SCB_GATE_CASES[@]}"; do
      IFS='|' read -r name key expected note gap_actual gap_note <<<"$spec"
      # The known gaps listed here are the bundle-format (IVP) gate's.
      if [ "$engine" = clusterpolicy ]; then gap_actual="" gap_note=""; fi
      if [ "${key#!}" != "$key" ]; then
        key="${key#!}"
        if [ -z "$prefix" ]; then key="t_$key"; fi
        ref="$(grep "^$key=" "$SCB_WORK/images.env" | cut -d= -f2-)"
      else
        ref="$(grep "^$prefix$key=" "$SCB_WORK/images.env" | cut -d= -f2-)"
      fi
      log="$SCB_WORK/gate-$engine-$name.log"
      if COSIGN="$COSIGN" SCB_TRUSTED_ROOT="$root" SCB_INSECURE_IGNORE_TLOG=true SCB_INSECURE_IGNORE_SCT=true \
        bash "$dir/verify.sh" "$ref" >"$log" 2>&1; then
        actual=admit
      else
        actual=refuse
      fi
      [ "$actual" = admit ] || note="$note -> $(grep -m1 -E "^Error|deploy-gate: refusing" "$log" | sed -e "s/^Error: //" -e "s/^deploy-gate: //" -e "s/^1 validation errors occurred/vuln-policy.rego: allow is false/" | cut -c1-90 || true)"
      "$PY" "$HERE/helpers/matrix.py" row "$name" "$label" "-" "$trust" "$expected" "$actual" "$note" "$gap_actual" "$gap_note" >>"$rows"
    done
  done
}
