#!/usr/bin/env python3
"""Build a cosign-vuln predicate (what `trivy convert --format cosign-vuln` writes) from a real
Trivy JSON report, with controllable times for admission-policy tests.

  vuln-predicate.py REPORT.json [--scan-age 0h|8d] [--critical-age keep|2d|30d] [--unfix CVE] > predicate.json

--scan-age      scanFinishedOn = now - AGE (scanStartedOn one minute earlier). Default 0h.
--critical-age  rewrite PublishedDate of every CRITICAL vulnerability to now - AGE ("keep" leaves
                the report's own dates). Default keep.
--unfix         remove FixedVersion of that vulnerability (Status "affected"), as Debian bases often
                report a CRITICAL with no fixed package; the report's own dates are kept.
Ages: an integer followed by s, m, h or d.
"""
import argparse
import copy
import datetime as dt
import json
import re
import sys

COSIGN_VULN_PREDICATE_TYPE = "https://cosign.sigstore.dev/attestation/vuln/v1"


def age(text: str) -> dt.timedelta:
    m = re.fullmatch(r"(\d+)([smhd])", text)
    if not m:
        raise argparse.ArgumentTypeError(f"bad age {text!r}: use e.g. 30m, 8d")
    n, unit = int(m.group(1)), m.group(2)
    units = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
    return dt.timedelta(**{units[unit]: n})


def rfc3339(t: dt.datetime) -> str:
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("report")
    ap.add_argument("--scan-age", type=age, default=dt.timedelta(0))
    ap.add_argument("--critical-age", default="keep")
    ap.add_argument("--no-results", action="store_true", help="drop Results, as Trivy does for a scratch image with no packages")
    ap.add_argument("--unfix", default=None)
    args = ap.parse_args()

    with open(args.report, encoding="utf-8") as fh:
        report = json.load(fh)
    if "Results" not in report:
        print(f"{args.report}: not a Trivy JSON report (no Results)", file=sys.stderr)
        return 2
    result = copy.deepcopy(report)
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)

    rewritten = 0
    if args.critical_age != "keep":
        published = rfc3339(now - age(args.critical_age))
        for res in result.get("Results") or []:
            for vuln in res.get("Vulnerabilities") or []:
                if vuln.get("Severity") == "CRITICAL":
                    vuln["PublishedDate"] = published
                    rewritten += 1
        if rewritten == 0:
            print(f"{args.report}: no CRITICAL vulnerability to re-date", file=sys.stderr)
            return 2

    if args.no_results:
        del result["Results"]
    if args.unfix:
        unfixed = 0
        for res in result.get("Results") or []:
            for vuln in res.get("Vulnerabilities") or []:
                if vuln.get("VulnerabilityID") == args.unfix:
                    vuln.pop("FixedVersion", None)
                    vuln["Status"] = "affected"
                    unfixed += 1
        if unfixed == 0:
            print(f"{args.report}: no {args.unfix} to unfix", file=sys.stderr)
            return 2

    finished = now - args.scan_age
    started = finished - dt.timedelta(minutes=1)
    result["CreatedAt"] = rfc3339(finished)
    version = (report.get("Trivy") or {}).get("Version") or "0.0.0-fixture"
    predicate = {
        "invocation": {"parameters": None, "uri": "", "event_id": "", "builder.id": ""},
        "scanner": {
            "uri": f"pkg:github/aquasecurity/trivy@{version}",
            "version": version,
            "db": {"uri": "", "version": ""},
            "result": result,
        },
        "metadata": {"scanStartedOn": rfc3339(started), "scanFinishedOn": rfc3339(finished)},
    }
    json.dump(predicate, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
