#!/usr/bin/env bash
# Regenerates imports/ from Kyverno's CRDs in ../shared/crds/kyverno-1.19.0.
# `cdk8s import` rewrites the whole imports/<group>.ts on each run, so every CRD of one
# API group is fed in one multi-document file.
set -euo pipefail
cd "$(dirname "$0")/.."
crds=${CRDS_DIR:-../shared/crds/kyverno-1.19.0}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat "$crds"/kyverno.io_clusterpolicies.yaml <(echo ---) "$crds"/kyverno.io_policyexceptions.yaml > "$work/kyverno.io.yaml"
cat "$crds"/policies.kyverno.io_imagevalidatingpolicies.yaml <(echo ---) "$crds"/policies.kyverno.io_policyexceptions.yaml \
  <(echo ---) "$crds"/policies.kyverno.io_validatingpolicies.yaml > "$work/policies.kyverno.io.yaml"
for group in kyverno.io policies.kyverno.io; do
  npx --no-install cdk8s import --language typescript --output imports "$work/$group.yaml" 2>&1 | grep -v -i 'version check\|404\|at \|^$' || true
done
ls -la imports
