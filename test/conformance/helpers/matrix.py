#!/usr/bin/env python3
"""The conformance matrix: case x engine x mode x expected x actual, with a result and a note.

  matrix.py rows SUITE_DIR CHECK_OK CONTROL_OK >> rows.tsv
      One row per case of a generated suite (cases.json from generate-suite), the actual
      admission verdict read from `kyverno test -o json` (SUITE_DIR/out.txt), plus one row for
      the strict check (kyverno-check.py) and one for the negative control (exit codes 0/1).
  matrix.py row CASE ENGINE MODE TRUST EXPECTED ACTUAL [NOTE [GAP_ACTUAL GAP_NOTE]] >> rows.tsv
      One row from elsewhere (the deploy gate); with GAP_*, a documented known gap.
  matrix.py subjects SUITE_DIR CA_DIR >> rows.tsv
      The generated IVP subjectRegExp against the SAN of the four test certificates (good and pr
      must match: same workflow and branch; branch and otherrepo must not).
  matrix.py print rows.tsv
      Prints the matrix and the totals; the last line is "PASSED FAILED GAPS UNVERIFIED".

Actual verdicts: a resource is refused when a row of a BLOCKING policy reports `fail` (read from
the policy file: ClusterPolicy failureAction Enforce, or Deny in validationActions: the enforce
twins); it is "report" (audited, not refused) when only the never-blocking report twins fail it.
Whether the enforce twin matched at all is decided by Kyverno's own clock (the flip gate), so the
suites' dates are relative to today. A resource no policy matched (no row, or only Excluded or
skipped rows) is admitted.

Results: ok / MISMATCH count as passed / failed. "known gap" (the engine's documented deviation,
e.g. Kyverno 1.19 IVP ignoring additionalExtensions) and "not verified offline" (the CLI cannot
show what a cluster does) are never counted as passed and do not fail the run; a known gap that
no longer happens ("GAP CLOSED") fails it, so the documentation gets updated.
"""
import json
import os
import re
import sys

import yaml

ENGINE_SHORT = {"ClusterPolicy": "ClusterPolicy", "ImageValidatingPolicy": "IVP"}


def rows_from(text: str) -> list:
    start = text.find("\n[")
    if start < 0:
        return []
    end = text.find("\n]", start)
    return json.loads(text[start + 1 : end + 2])


def expected_results(test: dict) -> dict:
    want = {}
    for entry in test.get("results") or []:
        for res in entry.get("resources") or []:
            want[(entry["policy"], entry.get("rule"), res)] = entry["result"]
    return want


def blocking_policies(policies: list) -> set:
    """Names of the policies whose failures refuse a request: ClusterPolicy rules with
    failureAction Enforce, CEL policies with Deny in validationActions (the enforce twins)."""
    names = set()
    for policy in policies:
        spec = policy.get("spec") or {}
        if policy.get("kind") == "ClusterPolicy":
            actions = []
            for rule in spec.get("rules") or []:
                actions += [v.get("failureAction") for v in rule.get("verifyImages") or []]
                if "validate" in rule:
                    actions.append(rule["validate"].get("failureAction"))
            if any(a == "Enforce" for a in actions):
                names.add(policy["metadata"]["name"])
        elif "Deny" in (spec.get("validationActions") or []):
            names.add(policy["metadata"]["name"])
    return names


def suite_rows(suite_dir: str, check_ok: str, control_ok: str) -> list:
    meta = json.load(open(os.path.join(suite_dir, "cases.json"), encoding="utf-8"))
    test = yaml.safe_load(open(os.path.join(suite_dir, "kyverno-test.yaml"), encoding="utf-8"))
    policies = [d for d in yaml.safe_load_all(open(os.path.join(suite_dir, "policy.yaml"), encoding="utf-8")) if d]
    out_file = os.path.join(suite_dir, "out.txt")
    results = rows_from(open(out_file, encoding="utf-8").read()) if os.path.exists(out_file) else []
    want = expected_results(test)
    got = {}  # resource (ns/name) -> list of (policy, reported outcome)
    for r in results:
        parts = r.get("RESOURCE", "").split("/")
        resource = "/".join(parts[-2:])
        key = next((k for k in want if k[0] == r.get("POLICY") and k[2] in (resource, parts[-1]) and k[1] in (None, r.get("RULE"))), None)
        result, reason = r.get("RESULT"), r.get("REASON", "")
        if reason == "Excluded":
            outcome = "skip"
        elif result == "Pass" and reason == "Ok" and key:
            outcome = want[key]
        elif result == "Fail" and (m := re.match(r"Want \w+, got (\w+)", reason)):
            outcome = m.group(1)
        else:
            outcome = f"error({result} {reason})"
        got.setdefault(resource, []).append((r.get("POLICY"), outcome))
    engine, mode = ENGINE_SHORT[meta["engine"]], meta["mode"]
    trust = f"{meta['format']}, {meta['trust']}"
    blocking = blocking_policies(policies)
    out = []
    for c in meta["cases"]:
        expected = c["expected"]
        if c["notRun"]:
            out.append([c["name"], engine, mode, trust, expected, "-", "not run", c["notRun"]])
            continue
        outcomes = got.get(c["resource"], [])
        errors = [o for _, o in outcomes if o.startswith("error")]
        failed_by = {policy for policy, o in outcomes if o == "fail"}
        if errors:
            actual = "error"
        elif failed_by & blocking:
            actual = "refuse"
        elif failed_by:
            actual = "report"
        else:
            actual = "admit"
        note = c["description"]
        gap, offline = c["knownGap"], c["offline"]
        if gap:
            gap_actual = gap["actual"]
            status = "known gap" if actual == gap_actual else ("GAP CLOSED" if actual == expected else "MISMATCH")
            note = gap["note"] + ("" if status == "known gap" else "; update the known gap")
        elif offline:
            cli = offline["cli"]
            status = "not verified offline" if actual == cli else "MISMATCH"
            note = offline["note"]
        else:
            status = "ok" if actual == expected else "MISMATCH"
        if errors:
            note = f"{note}; {errors[0]}"
        out.append([c["name"], engine, mode, trust, expected, actual, status, note])
    label = f"{meta['suite']} (policies {', '.join(p['name'] for p in meta['policies'])})"
    out.append(["kyverno-check (strict)", engine, mode, trust, "ok", "ok" if check_ok == "0" else "failed", "ok" if check_ok == "0" else "MISMATCH", label])
    out.append(["negative control", engine, mode, trust, "all rows fail", "all rows fail" if control_ok == "0" else "not detected", "ok" if control_ok == "0" else "MISMATCH", "expectations inverted"])
    return out


SUBJECT_EXPECTED = {"good": "match", "pr": "match", "branch": "no match", "otherrepo": "no match"}


def subject_rows(suite_dir: str, ca_dir: str) -> list:
    policies = [d for d in yaml.safe_load_all(open(os.path.join(suite_dir, "policy.yaml"), encoding="utf-8")) if d]
    # Every ImageValidatingPolicy (both twins, the ephemeral-containers one) demands the same identity.
    regexps = sorted({
        identity["subjectRegExp"]
        for p in policies
        if p.get("kind") == "ImageValidatingPolicy"
        for a in p["spec"].get("attestors") or []
        for identity in ((a.get("cosign") or {}).get("keyless") or {}).get("identities") or []
    })
    if len(regexps) != 1:
        return [["subjectRegExp", "IVP", "-", "regexp", "one identity", f"{len(regexps)} identities", "MISMATCH", suite_dir]]
    out = []
    for leaf, expected in SUBJECT_EXPECTED.items():
        subject = open(os.path.join(ca_dir, f"{leaf}.subject"), encoding="utf-8").read().strip()
        # RE2 (Go) and Python agree on this subset: anchors, escaped punctuation, literals.
        actual = "match" if re.search(regexps[0], subject) else "no match"
        out.append([f"subjectRegExp vs {leaf} cert", "IVP", "-", "SAN of the test certificate", expected, actual,
                    "ok" if actual == expected else "MISMATCH", subject])
    return out


def print_matrix(tsv: str) -> int:
    rows = [line.rstrip("\n").split("\t") for line in open(tsv, encoding="utf-8") if line.strip()]
    header = ["CASE", "ENGINE", "MODE", "FORMAT / TRUST", "EXPECTED", "ACTUAL", "RESULT", "NOTE"]
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(7)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths) + "  {}"
    print(fmt.format(*header))
    for r in rows:
        print(fmt.format(*r))
    passed = sum(1 for r in rows if r[6] == "ok")
    failed = sum(1 for r in rows if r[6] in ("MISMATCH", "GAP CLOSED"))
    gaps = sum(1 for r in rows if r[6] == "known gap")
    unverified = sum(1 for r in rows if r[6] in ("not verified offline", "not run"))
    print(f"matrix: {passed} ok, {failed} mismatched, {gaps} known gaps and {unverified} not verified offline / not run (neither counted as passed)")
    print(f"{passed} {failed} {gaps} {unverified}")
    return 0


def main() -> int:
    cmd = sys.argv[1]
    if cmd == "rows":
        for r in suite_rows(*sys.argv[2:5]):
            print("\t".join(r))
    elif cmd == "row":
        case, engine, mode, trust, expected, actual, *rest = sys.argv[2:]
        note = rest[0] if rest else ""
        status = "ok" if expected == actual else "MISMATCH"
        if len(rest) >= 3 and rest[1]:
            gap_actual, gap_note = rest[1], rest[2]
            status = "known gap" if actual == gap_actual else ("GAP CLOSED" if actual == expected else "MISMATCH")
            note = gap_note + ("" if status == "known gap" else "; update the known gap")
        print("\t".join([case, engine, mode, trust, expected, actual, status, note]))
    elif cmd == "subjects":
        for r in subject_rows(*sys.argv[2:4]):
            print("\t".join(r))
    elif cmd == "print":
        return print_matrix(sys.argv[2])
    else:
        raise SystemExit(f"matrix.py: unknown command {cmd}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
