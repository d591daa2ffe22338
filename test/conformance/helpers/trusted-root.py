#!/usr/bin/env python3
"""Write a Sigstore trusted_root.json (application/vnd.dev.sigstore.trustedroot+json;version=0.1)
naming the throwaway test CA as the only Fulcio certificate authority, plus a throwaway Rekor key
and CT log key (Kyverno refuses a trusted root without them, even when the tlog and SCT checks are
switched off). All URLs point at a closed loopback port: nothing is ever contacted.

  trusted-root.py CA_PEM REKOR_PUB_PEM CTLOG_PUB_PEM [TSA_CHAIN_PEM] > trusted_root.json

TSA_CHAIN_PEM (leaf first, as served by a timestamp-authority's /api/v1/timestamp/certchain)
adds a timestamping authority: new-format bundles verified without a transparency log need a
signed RFC 3161 timestamp.
"""
import base64
import datetime as dt
import hashlib
import json
import re
import sys


def pem_der(path: str) -> bytes:
    text = open(path, encoding="ascii").read()
    body = re.search(r"-----BEGIN [A-Z ]+-----(.*?)-----END [A-Z ]+-----", text, re.S)
    if not body:
        raise SystemExit(f"{path}: no PEM block")
    return base64.b64decode("".join(body.group(1).split()))


def pem_ders(path: str) -> list:
    text = open(path, encoding="ascii").read()
    blocks = re.findall(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", text, re.S)
    return [base64.b64decode("".join(b.split())) for b in blocks]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def log(der: bytes, start: str, url: str) -> dict:
    return {
        "baseUrl": url,
        "hashAlgorithm": "SHA2_256",
        "publicKey": {"rawBytes": b64(der), "keyDetails": "PKIX_ECDSA_P256_SHA_256", "validFor": {"start": start}},
        "logId": {"keyId": b64(hashlib.sha256(der).digest())},
    }


def main() -> int:
    ca, rekor, ctlog = sys.argv[1:4]
    tsa = sys.argv[4] if len(sys.argv) > 4 else ""
    start = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    root = {
        "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
        "tlogs": [log(pem_der(rekor), start, "http://127.0.0.1:9/rekor")],
        "certificateAuthorities": [
            {
                "subject": {"organization": "scb-conformance", "commonName": "scb conformance test root (throwaway)"},
                "uri": "http://127.0.0.1:9/fulcio",
                "certChain": {"certificates": [{"rawBytes": b64(pem_der(ca))}]},
                "validFor": {"start": start},
            }
        ],
        "ctlogs": [log(pem_der(ctlog), start, "http://127.0.0.1:9/ctlog")],
        "timestampAuthorities": [],
    }
    if tsa:
        root["timestampAuthorities"].append(
            {
                "subject": {"organization": "local", "commonName": "Test TSA"},
                "uri": "http://127.0.0.1:9/tsa",
                "certChain": {"certificates": [{"rawBytes": b64(d)} for d in pem_ders(tsa)]},
                "validFor": {"start": start},
            }
        )
    json.dump(root, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
