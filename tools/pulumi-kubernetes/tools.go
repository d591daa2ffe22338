//go:build tools

// Package tools pins the provider packages the build-time main package imports, so that
// `go mod tidy` keeps their dependencies although the main package is not committed.
package tools

import (
	_ "github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	_ "github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)
