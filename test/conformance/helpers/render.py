#!/usr/bin/env python3
"""Render sample templates: copy SRC_DIR to DST_DIR replacing @@NAME@@ placeholders.

  render.py SRC_DIR DST_DIR VARS.env [NAME=@file ...]

VARS.env holds NAME=VALUE lines (images.env). NAME=@file arguments load multi-line values
(PEM certificates, public keys). A placeholder alone on its line is replaced by the value's
lines, each indented like the placeholder (for YAML block scalars); elsewhere it is replaced
inline. An unknown placeholder is an error.
"""
import os
import re
import sys

PLACEHOLDER = re.compile(r"@@([A-Za-z0-9_]+)@@")


def main() -> int:
    src, dst, env_file, *extra = sys.argv[1:]
    values: dict[str, str] = {}
    with open(env_file, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if line and not line.startswith("#"):
                k, _, v = line.partition("=")
                values[k] = v
    for arg in extra:
        k, _, v = arg.partition("=")
        if v.startswith("@"):
            with open(v[1:], encoding="utf-8") as fh:
                v = fh.read().rstrip("\n")
        values[k] = v

    def lookup(name: str) -> str:
        if name not in values:
            raise SystemExit(f"render.py: no value for @@{name}@@")
        return values[name]

    def inline(name: str, path: str) -> str:
        value = lookup(name)
        if "\n" in value:
            raise SystemExit(f"render.py: {path}: multi-line @@{name}@@ must stand alone on its line")
        return value

    os.makedirs(dst, exist_ok=True)
    for name in sorted(os.listdir(src)):
        path = os.path.join(src, name)
        if not os.path.isfile(path):
            continue
        out = []
        with open(path, encoding="utf-8") as fh:
            for line in fh.read().splitlines():
                m = re.fullmatch(r"(\s*)@@([A-Za-z0-9_]+)@@\s*", line)
                if m:
                    out.extend(m.group(1) + v for v in lookup(m.group(2)).splitlines())
                else:
                    out.append(PLACEHOLDER.sub(lambda mm: inline(mm.group(1), path), line))
        with open(os.path.join(dst, name), "w", encoding="utf-8") as fh:
            fh.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
