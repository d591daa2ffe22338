#!/usr/bin/env python3
"""The conformance matrix: case x engine x mode x expected x actual, with a result and a note.

  matrix.py rows SUITE_DIR CHECK_OK CONTROL_OK >> rows.tsv
      One row per case of a generated suite (cases.json from generate-suite), the actual
      admission verdict read from `kyverno test -o json` (SUITE_DIR/out.txt), plus one row for
      the strict check (kyverno-check.py) and one for the negative control (exit codes 0/1).
  matrix.py row CASE ENGINE MODE TRUST EXPECTED ACTUAL [NOTE [GAP_ACTUAL GAP_NOTE]] >> rows.tsv
      One row from elsewhere (the deploy gate); with GAP_*, a documented known gap.
  matrix.py inspect-jobs SUITE_DIR
      Tab-separated case, image index and image of every production pod, for helpers/inspect.sh.
  matrix.py inspect SUITE_DIR INSPECT_DIR >> rows.tsv
      One row per case: scb inspect's verdict (INSPECT_DIR/CASE.N.json and .exit) against the
      Kyverno CLI's actual verdict of the same run, rule by rule where the CLI reports rules.
  matrix.py subjects SUITE_DIR CA_DIR >> rows.tsv
      The generated IVP subjectRegExp against the SAN of the four test certificates (good and pr
      must match: same workflow and branch; branch and otherrepo must not).
  matrix.py print rows.tsv
      Prints the matrix and the totals; the last line is "PASSED FAILED GAPS UNVERIFIED".

Actual verdicts: a resource is refused when a row of a BLOCKING policy reports `fail` (read from
the policy file: ClusterPolicy failureAction Enforce, or Deny in validationActions: the enforce
twins); it is "report" (audited, not refused) when only the never-blocking report twins fail it.
Which twin acts is decided by Kyverno's own clock (the flip gate), so the suites' dates are
relative to today. A resource no policy matched (no row, or only Excluded or skipped rows) is admitted.

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
    """Every row of every JSON result array (`kyverno test DIR` prints one per Test file)."""
    rows, start = [], text.find("\n[")
    while start >= 0:
        end = text.find("\n]", start)
        rows += json.loads(text[start + 1 : end + 2])
        start = text.find("\n[", end)
    return rows


def below(suite_dir: str, name: str) -> list:
    """Every file called NAME in SUITE_DIR and below it: a suite may hold a Test (and its
    policy.yaml) per ImageValidatingPolicy that must be evaluated alone (generate-suite.ts)."""
    return [os.path.join(d, name) for d, _, files in sorted(os.walk(suite_dir)) if name in files]


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


def kyverno_outcomes(suite_dir: str):
    """The suite's cases.json, and per resource (ns/name) the reported outcomes, overall and per rule."""
    meta = json.load(open(os.path.join(suite_dir, "cases.json"), encoding="utf-8"))
    want = {}
    for test_file in below(suite_dir, "kyverno-test.yaml"):
        want.update(expected_results(yaml.safe_load(open(test_file, encoding="utf-8"))))
    policies = [d for f in below(suite_dir, "policy.yaml") for d in yaml.safe_load_all(open(f, encoding="utf-8")) if d]
    out_file = os.path.join(suite_dir, "out.txt")
    results = rows_from(open(out_file, encoding="utf-8").read()) if os.path.exists(out_file) else []
    got = {}  # resource (ns/name) -> list of (policy, reported outcome)
    by_rule = {}  # resource -> {rule or policy: [outcomes]}
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
        by_rule.setdefault(resource, {}).setdefault(key[1] or key[0] if key else r.get("RULE") or r.get("POLICY"), []).append(outcome)
    return meta, policies, got, by_rule


def case_actual(outcomes: list, blocking: set) -> str:
    """refuse: a blocking (enforce twin) policy failed it; report: only never-blocking report twins did."""
    if any(o.startswith("error") for _, o in outcomes):
        return "error"
    failed_by = {policy for policy, o in outcomes if o == "fail"}
    if failed_by & blocking:
        return "refuse"
    return "report" if failed_by else "admit"


def suite_rows(suite_dir: str, check_ok: str, control_ok: str) -> list:
    meta, policies, got, _ = kyverno_outcomes(suite_dir)
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
        actual = case_actual(outcomes, blocking)
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
        if c.get("acceptedBy"):
            note = f"{note}; per rule: {c['acceptedBy']['note']}"
        if errors:
            note = f"{note}; {errors[0]}"
        out.append([c["name"], engine, mode, trust, expected, actual, status, note])
    label = f"{meta['suite']} (policies {', '.join(p['name'] for p in meta['policies'])})"
    out.append(["kyverno-check (strict)", engine, mode, trust, "ok", "ok" if check_ok == "0" else "failed", "ok" if check_ok == "0" else "MISMATCH", label])
    out.append(["negative control", engine, mode, trust, "all rows fail", "all rows fail" if control_ok == "0" else "not detected", "ok" if control_ok == "0" else "MISMATCH", "expectations inverted"])
    return out


# ClusterPolicy rule names (src/admission/policy-metadata.ts CLUSTER_POLICY_RULES) -> inspect rules.
CLUSTER_POLICY_RULES = {
    "verify-signature": "signature",
    "verify-sbom": "sbom",
    "verify-vulnerability-scan": "scan",
    # Rule 3's time-dependent part (the vulnerability rule, opt-in scan age): also inspect's "scan".
    "verify-vulnerability-scan-age": "scan",
    "allowed-images": "allowed",
    # An expired allowlist entry: also inspect's "allowed" (rule 4 refuses the image).
    "allowlist-expiry": "allowed",
}
# Kyverno rules that inspect reports as one rule: the worst of them is compared.
MERGED_RULES = (
    ("verify-vulnerability-scan", "verify-vulnerability-scan-age"),
    ("allowed-images", "allowlist-expiry"),
)
INSPECT_ACTUAL = {"admitted": "admit", "admitted-with-warnings": "report", "refused": "refuse"}


def pod_images(suite_dir: str) -> dict:
    pods = [d for d in yaml.safe_load_all(open(os.path.join(suite_dir, "resources.yaml"), encoding="utf-8")) if d]
    # A Deployment case (autogen rules) carries its pod spec in the template.
    specs = {f"{p['metadata']['namespace']}/{p['metadata']['name']}": (p["spec"]["template"]["spec"] if p.get("kind") == "Deployment" else p["spec"]) for p in pods}
    return {resource: [c["image"] for c in spec.get("initContainers", []) + spec["containers"]] for resource, spec in specs.items()}


def inspect_jobs(suite_dir: str) -> list:
    """case, image index, image: every image of every production pod of the suite."""
    meta = json.load(open(os.path.join(suite_dir, "cases.json"), encoding="utf-8"))
    images = pod_images(suite_dir)
    return [[c["name"], str(i), image] for c in meta["cases"] if c["production"] and not c["notRun"] for i, image in enumerate(images[c["resource"]])]


def inspect_rows(suite_dir: str, inspect_dir: str) -> list:
    """scb inspect's verdict per case, against the Kyverno CLI's actual verdict of the same run.

    Per case: the pod's verdict is the worst of its images' (exit 1 refused, 0 admitted; 3 or any
    other exit is "error"). On ClusterPolicy each rule must also agree with Kyverno's rule row; on
    the IVP engine rule 1 is one policy row (verify-signature), rules 2-3 another (verify-images)
    and rule 4 the third. Where the
    Kyverno row is a known gap or cannot be verified offline, inspect is held to the policy's
    intent (the case's expected verdict) instead, and the note says so.
    """
    meta, policies, got, by_rule = kyverno_outcomes(suite_dir)
    engine, mode = ENGINE_SHORT[meta["engine"]], meta["mode"]
    blocking = blocking_policies(policies)
    images = pod_images(suite_dir)
    out = []
    for c in meta["cases"]:
        label = f"inspect/{engine}"
        trust = "scb inspect --output json, same registry and trust"
        if c["notRun"]:
            continue
        if not c["production"]:
            out.append([c["name"], label, mode, trust, "-", "-", "not run", "namespace-scoped case: inspect answers for the production namespaces"])
            continue
        reports, exits = [], []
        for i, _ in enumerate(images[c["resource"]]):
            base = os.path.join(inspect_dir, f"{c['name']}.{i}")
            exits.append(open(base + ".exit", encoding="utf-8").read().strip())
            try:
                reports.append(json.load(open(base + ".json", encoding="utf-8")))
            except (OSError, ValueError):
                reports.append(None)
        verdicts = [INSPECT_ACTUAL.get((r or {}).get("verdict"), "error") for r in reports]
        if any(e not in ("0", "1") for e in exits) or "error" in verdicts:
            actual = "error"
        elif "refuse" in verdicts:
            actual = "refuse"
        elif "report" in verdicts:
            actual = "report"
        else:
            actual = "admit"
        consistent = all((e == "1") == (v == "refuse") for e, v in zip(exits, verdicts))
        kyverno = case_actual(got.get(c["resource"], []), blocking)
        expected, note = kyverno, f"agrees with kyverno test ({c['description']})"
        if c["knownGap"] or c["offline"]:
            expected = c["expected"]
            if mode == "audit" and expected == "refuse":
                expected = "report"
            note = f"held to the intent, not the Kyverno row ({(c['knownGap'] or c['offline'])['note']})"
        # Rule by rule, for the single-image pods.
        rule_problems = []
        if len(reports) == 1 and reports[0]:
            mine = {r["rule"]: r["result"] for r in reports[0]["rules"]}
            theirs = by_rule.get(c["resource"], {})
            if meta["engine"] == "ClusterPolicy":
                pairs = [(rule, mine.get(ours, "?")) for rule, ours in CLUSTER_POLICY_RULES.items()]
            else:
                # Rule 1 is a policy of its own (…-verify-signature), rules 2-3 the other IVP.
                attested = "fail" if any(mine.get(r) == "fail" for r in ("sbom", "scan")) else "pass"
                def ours(p):
                    if p["kind"] != "ImageValidatingPolicy":
                        return mine.get("allowed", "?")
                    if re.search(r"-verify-signature(-audit)?$", p["name"]):
                        # Rule 1 alone; "skip" (no image of the customer's) is a pass there.
                        return "fail" if mine.get("signature") == "fail" else "pass"
                    return attested
                # A rule the engine's verifier accepts against the case's intent (acceptedBy) is
                # not compared: the case's verdict still is, and the note says why.
                accepted = (c.get("acceptedBy") or {}).get("rules") or []
                pairs = [(p["name"], ours(p)) for p in meta["policies"] if not ("signature" in accepted and re.search(r"-verify-signature(-audit)?$", p["name"]))]
                if accepted:
                    note = f"{note}; rule {', '.join(accepted)} not compared: {c['acceptedBy']['note']}"
            # A skipped row is a twin that does not act now (flip-gate.ts), or a time-dependent rule
            # a controller's request does not trigger: not a verdict to compare.
            acting = {name: [k for k in results if k != "skip"] for name, results in theirs.items()}
            # inspect's "scan" is rule 3 whole and "allowed" rule 4 whole; the ClusterPolicy
            # splits each in two rules (the time-dependent part apart).
            for group in MERGED_RULES:
                merged = [k for rule in group for k in acting.get(rule, [])]
                for rule in group:
                    if rule in acting:
                        acting[rule] = (["fail"] if "fail" in merged else ["pass"]) if merged else []
            for name, mine_result in pairs:
                kyverno_results = acting.get(name, [])
                if not kyverno_results or c["knownGap"] or c["offline"]:
                    continue
                if any(k != mine_result for k in kyverno_results):
                    rule_problems.append(f"{name}: kyverno {'/'.join(sorted(set(kyverno_results)))}, inspect {mine_result}")
        status = "ok" if actual == expected and consistent and not rule_problems else "MISMATCH"
        if rule_problems:
            note = "rules differ: " + "; ".join(rule_problems)
        elif not consistent:
            note = f"exit codes {','.join(exits)} do not match verdicts {','.join(verdicts)}"
        out.append([c["name"], label, mode, trust, expected, actual, status, note])
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
    elif cmd == "inspect-jobs":
        for r in inspect_jobs(sys.argv[2]):
            print("\t".join(r))
    elif cmd == "inspect":
        for r in inspect_rows(*sys.argv[2:4]):
            print("\t".join(r))
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
