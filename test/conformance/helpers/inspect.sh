# shellcheck shell=bash
# `scb inspect` (the real CLI, --output json) on every production pod image of the Kyverno suites
# that ran in this run, with the suite's customer as a stack file (generate-suite writes it, with
# the suite's mode as enforcement.mode so one live clock judges scan ages as Kyverno did), the
# same registry, and the same trust: the test CA and TSA (scb_test_trusted_root), no tlog, no SCT.
# matrix.py compares each verdict with the Kyverno CLI's, row for row.
#
#   scb_inspect_rows GENERATED_DIR ROWS_TSV
#
# Needs: REPO_ROOT (lib/ built), SCB_WORK, COSIGN, PY, HERE; sources deploy-gate.sh first.

_scb_inspect() { # out_base stack image [extra args]
  local base="$1" stack="$2" image="$3"
  shift 3
  set +e
  node "$REPO_ROOT/bin/scb.js" inspect --customer "$stack" --output json \
    --trusted-root "$SCB_WORK/test-trusted-root.json" --insecure-ignore-tlog --insecure-ignore-sct "$@" "$image" \
    >"$base.json" 2>"$base.err"
  echo "$?" >"$base.exit"
  set -e
}

scb_inspect_rows() {
  local generated="$1" rows="$2" suite dir out ran=0 name index image
  scb_test_trusted_root >/dev/null
  for suite in clusterpolicy-enforce clusterpolicy-audit ivp-enforce ivp-audit; do
    dir="$generated/$suite"
    [ -f "$dir/out.txt" ] || continue # the Kyverno suite did not run in this run: nothing to agree with
    ran=1
    out="$dir/inspect"
    mkdir -p "$out"
    # Three at a time: each run waits mostly on the registry and cosign. Only these jobs are
    # waited for (the registry, TSA and TUF servers are background jobs of this shell too).
    local pids=() pid
    while IFS=$'\t' read -r name index image; do
      _scb_inspect "$out/$name.$index" "$dir/stacks/Pulumi.acme.yaml" "$image" &
      pids+=("$!")
      if [ "${#pids[@]}" -ge 3 ]; then
        wait "${pids[0]}" || true
        pids=("${pids[@]:1}")
      fi
    done < <("$PY" "$HERE/helpers/matrix.py" inspect-jobs "$dir")
    for pid in "${pids[@]}"; do wait "$pid" || true; done
    "$PY" "$HERE/helpers/matrix.py" inspect "$dir" "$out" >>"$rows"
  done
  if [ "$ran" = 0 ]; then
    echo "inspect: run it together with at least one Kyverno suite (e.g. clusterpolicy-enforce inspect)" >&2
    return 1
  fi
  # An unreachable registry: exit 3, verdict not-inspected, never admitted.
  local base="$SCB_WORK/inspect-unreachable" ref exit verdict
  ref="$(grep '^good_REF=' "$SCB_WORK/images.env" | cut -d= -f2-)"
  # A free port nothing listens on (not a "bad port" such as 9, which fetch refuses outright).
  ref="127.0.0.1:$(_scb_free_port)/${ref#*/}"
  _scb_inspect "$base" "$generated/clusterpolicy-enforce/stacks/Pulumi.acme.yaml" "$ref"
  exit="$(cat "$base.exit")"
  verdict="$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["verdict"])' "$base.json" 2>/dev/null || echo none)"
  "$PY" "$HERE/helpers/matrix.py" row "unreachable-registry" "inspect" "-" "registry on a closed loopback port" \
    "exit 3, not-inspected" "exit $exit, $verdict" "could not inspect is a distinct exit code, never admitted" >>"$rows"
}
