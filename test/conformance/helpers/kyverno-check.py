#!/usr/bin/env python3
"""Judge the output of `kyverno test DIR -o json` strictly.

`kyverno test` alone is not enough (Kyverno 1.19.0):
- when a policy is invalid, every expected result is reported RESULT=Skip, REASON="Invalid
  Policy", and the summary still says "N tests passed and 0 tests failed" with exit code 0;
- a policy file that is not valid YAML is silently ignored ("Applying 0 policies");
- a resource the rule does not match (namespace, imageReferences) is reported RESULT=Pass,
  REASON=Excluded whatever result the Test file expects (pass, fail or skip).

  kyverno-check.py OUTPUT_FILE TEST_YAML [--flipped]
  kyverno-check.py flip TEST_YAML          # negative control: pass->fail, fail->pass, skip stays

Rows of an expected pass/fail must be RESULT=Pass, REASON=Ok; rows of an expected skip must be
RESULT=Pass, REASON=Excluded (not matched) or Ok (skipped by a precondition); every (policy, resource) of the Test file must have a row. With
--flipped (expectations inverted by `flip`), pass/fail rows must be RESULT=Fail, "Want X, got Y".
"""
import json
import os
import sys

import yaml


def rows_from(text: str) -> list:
    """Every row of every JSON result array: `kyverno test DIR` prints one array per Test file."""
    rows, start = [], text.find("\n[")
    if start < 0:
        raise SystemExit("kyverno-check: no JSON result array in kyverno test output")
    while start >= 0:
        end = text.find("\n]", start)
        rows += json.loads(text[start + 1 : end + 2])
        start = text.find("\n[", end)
    return rows


def test_files(test_file: str) -> list:
    """TEST_YAML and every Test file of the same name below its directory: `kyverno test DIR`
    runs them all (a suite puts each ImageValidatingPolicy it must evaluate alone in a Test of
    its own, because the CLI evaluates the IVPs of one Test in one call, which deadlocks Kyverno
    1.19.0 when two verify one pod)."""
    root, name = os.path.split(test_file)
    found = [os.path.join(d, name) for d, _, files in sorted(os.walk(root)) if name in files]
    return found or [test_file]


FLIP = {"pass": "fail", "fail": "pass", "skip": "pass"}


def flip(test_file: str) -> int:
    for each in test_files(test_file):
        flip_one(each)
    return 0


def flip_one(test_file: str) -> int:
    """Inverts every expectation; a skip becomes pass, and the skipped rows are listed in
    TEST_FILE.skips.json: a rule skipped by a precondition (the flip gate, the time rules of a
    controller's request) must then be reported "Want pass, got skip", while a resource the
    rule does not match stays Pass/Excluded whatever is expected."""
    with open(test_file, encoding="utf-8") as fh:
        test = yaml.safe_load(fh)
    skips = []
    for want in test.get("results") or []:
        if want["result"] == "skip":
            skips += [[want["policy"], res] for res in want.get("resources") or []]
        want["result"] = FLIP[want["result"]]
    with open(test_file, "w", encoding="utf-8") as fh:
        yaml.safe_dump(test, fh, sort_keys=False)
    with open(test_file + ".skips.json", "w", encoding="utf-8") as fh:
        json.dump(skips, fh)
    return 0


def main() -> int:
    if sys.argv[1] == "flip":
        return flip(sys.argv[2])
    out_file, test_file, *flags = sys.argv[1:]
    flipped = "--flipped" in flags
    with open(out_file, encoding="utf-8") as fh:
        text = fh.read()
    rows = rows_from(text)
    flipped_skips = set()
    expected = {}
    for each in test_files(test_file):
        with open(each, encoding="utf-8") as fh:
            test = yaml.safe_load(fh)
        try:
            with open(each + ".skips.json", encoding="utf-8") as fh:
                flipped_skips |= {tuple(k) for k in json.load(fh)}
        except FileNotFoundError:
            pass
        for want in test.get("results") or []:
            for res in want.get("resources") or []:
                expected[(want["policy"], res)] = want["result"]
    problems = []
    if not rows:
        problems.append("no result rows")
    seen = set()
    for r in rows:
        res, reason = r.get("RESULT"), r.get("REASON", "")
        # RESOURCE is apiVersion/Kind/namespace/name; a Test file may name a resource as
        # namespace/name or (as Kyverno's own ImageValidatingPolicy tests do) as name alone.
        parts = r.get("RESOURCE", "").split("/")
        key = next(
            (k for k in ((r.get("POLICY"), "/".join(parts[-2:])), (r.get("POLICY"), parts[-1])) if k in expected),
            (r.get("POLICY"), "/".join(parts[-2:])),
        )
        seen.add(key)
        where = f"{r.get('POLICY')}/{r.get('RULE')} {r.get('RESOURCE')}"
        want = expected.get(key)
        if want is None:
            problems.append(f"{where}: row without expectation")
        elif want == "skip":
            # Excluded: the rule does not match; Ok: a precondition skipped it, as expected.
            if (res, reason) not in (("Pass", "Excluded"), ("Pass", "Ok")):
                problems.append(f"{where}: expected a skipped rule, got {res} {reason}")
        elif flipped and key in flipped_skips and (res, reason) == ("Pass", "Excluded"):
            pass  # a resource the rule does not match: no expectation can change that
        elif flipped:
            if res != "Fail" or not reason.startswith("Want"):
                problems.append(f"{where}: negative control not detected: {res} {reason}")
        elif (res, reason) != ("Pass", "Ok"):
            problems.append(f"{where}: {res} {reason}")
    for key in expected:
        if key not in seen:
            problems.append(f"{key[0]} {key[1]}: expected result row missing")
    label = "negative control" if flipped else "conformance"
    if problems:
        print(f"kyverno-check ({label}) FAILED for {test_file}:")
        for p in problems:
            print(f"  - {p}")
        return 1
    print(f"kyverno-check ({label}) ok: {len(rows)} rows for {test_file}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
