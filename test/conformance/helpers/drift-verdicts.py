#!/usr/bin/env python3
"""The drift agent's verdict per container, read from one `scb drift-agent --once --dry-run` run.

  drift-verdicts.py STDOUT_EXPOSITION STDERR_LOG  -> one line per container: CONTAINER<TAB>VERDICT

VERDICT is "no drift", "unverifiable (REASON)", "inventory failed (REASON)" or the changes the
log line names, e.g. "changed pkg:deb/debian/curl?arch=amd64 7.88.1-10 -> 7.88.1-10+deb12u5".
A container with no metric at all is "not reported". The metrics and the log must agree: a
container with drift counts but no package_drift line (or the reverse) is "inconsistent".
"""
import json
import re
import sys

SAMPLE = re.compile(r'^(\w+)\{(.*)\} (\S+)$')
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def main() -> int:
    exposition, log = sys.argv[1], sys.argv[2]
    counts, verdicts = {}, {}
    for line in open(exposition, encoding="utf-8"):
        m = SAMPLE.match(line.strip())
        if not m:
            continue
        name, labels, value = m.group(1), dict(LABEL.findall(m.group(2))), float(m.group(3))
        container = labels.get("container")
        if not container:
            continue
        if name == "scb_drift_packages":
            counts.setdefault(container, 0)
            counts[container] += value
        elif name == "scb_drift_unverifiable" and value == 1:
            verdicts[container] = f"unverifiable ({labels['reason']})"
        elif name == "scb_drift_inventory_failed" and value == 1:
            verdicts[container] = f"inventory failed ({labels['reason']})"
    named = {}
    for line in open(log, encoding="utf-8"):
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if event.get("event") != "package_drift":
            continue
        parts = [f"added {a['package']} {','.join(a['versions'])}" for a in event["added"]]
        parts += [f"removed {r['package']} {','.join(r['versions'])}" for r in event["removed"]]
        parts += [f"changed {c['package']} {','.join(c['attested'])} -> {','.join(c['running'])}" for c in event["changed"]]
        named[event["container"]] = "; ".join(parts)
    for container in sorted(set(counts) | set(verdicts) | set(named)):
        if container in verdicts:
            verdict = verdicts[container]
        elif counts.get(container, 0) == 0 and container not in named:
            verdict = "no drift"
        elif counts.get(container, 0) > 0 and container in named:
            verdict = named[container]
        else:
            verdict = "inconsistent (metrics and log disagree)"
        print(f"{container}\t{verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
