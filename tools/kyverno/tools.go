//go:build tools

// Package tools pins the Kyverno CLI and the admission, reports and background controllers (run
// out of cluster by the live end-to-end suite, test/e2e) so that `go build` of them uses this
// module's go.sum.
package tools

import (
	_ "github.com/kyverno/kyverno/cmd/background-controller"
	_ "github.com/kyverno/kyverno/cmd/cli/kubectl-kyverno"
	_ "github.com/kyverno/kyverno/cmd/kyverno"
	_ "github.com/kyverno/kyverno/cmd/reports-controller"
)
