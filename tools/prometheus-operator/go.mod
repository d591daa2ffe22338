// Pins the prometheus-operator release whose CRDs (example/prometheus-operator-crd/ in the module)
// the live end-to-end suite (test/e2e) installs before applying a bundle's PrometheusRule.
// Nothing is built from it: `go mod download` fetches the module, checked against go.sum.
module supply-chain-bundle/tools/prometheus-operator

go 1.26.0

require github.com/prometheus-operator/prometheus-operator v0.85.0
