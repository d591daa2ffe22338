#!/usr/bin/env bash
# Regenerates imports/ from CRD schemas:
# - Kyverno's, from ../shared/crds/kyverno-1.19.0 ($CRDS_DIR);
# - prometheus-operator's PrometheusRule, Argo CD's ApplicationSet and Flux's GitRepository and
#   Kustomization, committed under crds/ (copied from the Go modules pinned in
#   tools/prometheus-operator and tools/gitops-crds: `--refresh` fetches them with
#   `go mod download`, checked against go.sum, and copies the CRDs in again).
# `cdk8s import` rewrites the whole imports/<group>.ts on each run, so every CRD of one
# API group is fed in one multi-document file.
set -euo pipefail
cd "$(dirname "$0")/.."
crds=${CRDS_DIR:-../shared/crds/kyverno-1.19.0}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ "${1:-}" = "--refresh" ]; then
  module_dir() { (cd "tools/$1" && go mod download -json "$2" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p'); }
  prom=$(module_dir prometheus-operator github.com/prometheus-operator/prometheus-operator)
  argo=$(module_dir gitops-crds github.com/argoproj/argo-cd/v3)
  source=$(module_dir gitops-crds github.com/fluxcd/source-controller)
  kustomize=$(module_dir gitops-crds github.com/fluxcd/kustomize-controller)
  rm -rf crds && mkdir -p crds
  install -m 0644 "$prom/example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml" crds/
  install -m 0644 "$argo/manifests/crds/applicationset-crd.yaml" crds/argoproj.io_applicationsets.yaml
  install -m 0644 "$source/config/crd/bases/source.toolkit.fluxcd.io_gitrepositories.yaml" crds/
  install -m 0644 "$kustomize/config/crd/bases/kustomize.toolkit.fluxcd.io_kustomizations.yaml" crds/
  printf '%s\n' \
    "CRD schemas the imports/ classes are generated from (scripts/import-crds.sh --refresh)." \
    "" \
    "- monitoring.coreos.com_prometheusrules.yaml: $(basename "$prom"), example/prometheus-operator-crd/" \
    "- argoproj.io_applicationsets.yaml: $(basename "$argo"), manifests/crds/applicationset-crd.yaml" \
    "- source.toolkit.fluxcd.io_gitrepositories.yaml: $(basename "$source"), config/crd/bases/" \
    "- kustomize.toolkit.fluxcd.io_kustomizations.yaml: $(basename "$kustomize"), config/crd/bases/" \
    "" \
    "Versions are pinned by tools/prometheus-operator/go.mod and tools/gitops-crds/go.mod (go.sum checks them)." \
    "The files are the upstream projects' own (Apache-2.0), unchanged." > crds/README.md
fi

cat "$crds"/kyverno.io_clusterpolicies.yaml <(echo ---) "$crds"/kyverno.io_policyexceptions.yaml > "$work/kyverno.io.yaml"
cat "$crds"/policies.kyverno.io_imagevalidatingpolicies.yaml <(echo ---) "$crds"/policies.kyverno.io_policyexceptions.yaml \
  <(echo ---) "$crds"/policies.kyverno.io_validatingpolicies.yaml > "$work/policies.kyverno.io.yaml"
cp crds/monitoring.coreos.com_prometheusrules.yaml "$work/monitoring.coreos.com.yaml"
cp crds/argoproj.io_applicationsets.yaml "$work/argoproj.io.yaml"
cp crds/source.toolkit.fluxcd.io_gitrepositories.yaml "$work/source.toolkit.fluxcd.io.yaml"
cp crds/kustomize.toolkit.fluxcd.io_kustomizations.yaml "$work/kustomize.toolkit.fluxcd.io.yaml"
for group in kyverno.io policies.kyverno.io monitoring.coreos.com argoproj.io source.toolkit.fluxcd.io kustomize.toolkit.fluxcd.io; do
  npx --no-install cdk8s import --language typescript --output imports "$work/$group.yaml" 2>&1 | grep -v -i 'version check\|404\|at \|^$' || true
done
ls -la imports
