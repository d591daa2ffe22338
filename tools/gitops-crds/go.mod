// Pins the Argo CD and Flux releases whose CRDs (manifests/crds/ and config/crd/bases/ in the
// modules) imports/argoproj.io.ts, imports/source.toolkit.fluxcd.io.ts and
// imports/kustomize.toolkit.fluxcd.io.ts are generated from (scripts/import-crds.sh). Nothing is
// built from it: `go mod download` fetches the modules, checked against go.sum.
module supply-chain-bundle/tools/gitops-crds

go 1.26.3

require (
	github.com/argoproj/argo-cd/v3 v3.5.8
	github.com/fluxcd/kustomize-controller v1.9.6
	github.com/fluxcd/source-controller v1.9.6
)
