# shellcheck shell=bash
# The field's own checkers on the generated artifacts of the example customers, synthesized at
# the template clock: actionlint and zizmor on every workflow, check-jsonschema (SchemaStore's
# Dependabot schema) and zizmor on every dependabot.yml, shellcheck on every shell script,
# `promtool check rules` on every PrometheusRule. Each check is one matrix row.
#
# Needs: SCB_WORK, PY (python with PyYAML), tools on PATH; REPO_ROOT; the package built (lib/).

# scb_artifacts_synth OUT: synthesizes stacks/ into OUT.
scb_artifacts_synth() {
  local out="$1"
  (cd "$REPO_ROOT" && CI=true node bin/scb.js synth --out "$out" --at 2026-10-01 >/dev/null)
}

# scb_artifacts_row CHECK ARTIFACT EXPECTED ACTUAL [DETAIL]: prints and counts one matrix row.
scb_artifacts_row() {
  local check="$1" artifact="$2" expected="$3" actual="$4" detail="${5:-}"
  local verdict=ok
  [ "$expected" = "$actual" ] || verdict=MISMATCH
  printf '%-12s %-70s %-8s %-8s %s\n' "$check" "$artifact" "$expected" "$actual" "$verdict"
  if [ "$verdict" != ok ]; then
    SCB_ARTIFACT_FAILURES=$((SCB_ARTIFACT_FAILURES + 1))
    [ -z "$detail" ] || printf '%s\n' "$detail" | sed 's/^/    /'
  fi
}

# scb_artifacts_check OUT: runs every checker; returns non-zero if any row mismatched.
scb_artifacts_check() {
  local out="$1" file rel log
  SCB_ARTIFACT_FAILURES=0
  log="$SCB_WORK/artifact-check.log"
  printf '%-12s %-70s %-8s %-8s %s\n' CHECK ARTIFACT EXPECTED ACTUAL VERDICT
  while IFS= read -r file; do
    rel="${file#"$out"/}"
    if actionlint -no-color "$file" >"$log" 2>&1; then
      scb_artifacts_row actionlint "$rel" clean clean
    else
      scb_artifacts_row actionlint "$rel" clean findings "$(cat "$log")"
    fi
    if zizmor --offline --no-progress "$file" >"$log" 2>&1; then
      scb_artifacts_row zizmor "$rel" clean clean
    else
      scb_artifacts_row zizmor "$rel" clean findings "$(cat "$log")"
    fi
  done < <(find "$out" -path '*/.github/workflows/*' -type f | sort)
  # The Dependabot configuration: SchemaStore's schema (check-jsonschema) and zizmor's audits.
  while IFS= read -r file; do
    rel="${file#"$out"/}"
    if check-jsonschema --builtin-schema vendor.dependabot "$file" >"$log" 2>&1; then
      scb_artifacts_row check-jsonschema "$rel" valid valid
    else
      scb_artifacts_row check-jsonschema "$rel" valid invalid "$(cat "$log")"
    fi
    if zizmor --offline --no-progress "$file" >"$log" 2>&1; then
      scb_artifacts_row zizmor "$rel" clean clean
    else
      scb_artifacts_row zizmor "$rel" clean findings "$(cat "$log")"
    fi
  done < <(find "$out" -path '*/.github/dependabot.yml' -type f | sort)
  while IFS= read -r file; do
    rel="${file#"$out"/}"
    if shellcheck "$file" >"$log" 2>&1; then
      scb_artifacts_row shellcheck "$rel" clean clean
    else
      scb_artifacts_row shellcheck "$rel" clean findings "$(cat "$log")"
    fi
  done < <(find "$out" -name '*.sh' -type f | sort)
  while IFS= read -r file; do
    rel="${file#"$out"/}"
    local rules="$SCB_WORK/rules-$(printf '%s' "$rel" | tr '/' '_')"
    "$PY" - "$file" "$rules" <<'PYEOF'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d and d.get("kind") == "PrometheusRule"]
with open(sys.argv[2], "w") as fh:
    yaml.safe_dump({"groups": [g for d in docs for g in d["spec"]["groups"]]}, fh)
PYEOF
    if promtool check rules "$rules" >"$log" 2>&1; then
      scb_artifacts_row promtool "$rel" valid valid
    else
      scb_artifacts_row promtool "$rel" valid invalid "$(cat "$log")"
    fi
  done < <(grep -l '^kind: PrometheusRule' -r "$out" --include='*.yaml' | sort)
  echo "artifact checks: $SCB_ARTIFACT_FAILURES mismatches"
  [ "$SCB_ARTIFACT_FAILURES" = 0 ]
}
