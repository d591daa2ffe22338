// Command embedgen writes the two JSON files the provider's main package embeds, from the
// schema.json and terraform-mapping.json shipped in the provider module: the schema with its
// "version" set, both minified. Upstream does this in cmd/pulumi-resource-kubernetes/generate.go,
// which is excluded from the module build.
//
// Usage: embedgen -version 4.25.0 -from <module>/cmd/pulumi-resource-kubernetes -to <build dir>
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	version := flag.String("version", "", "provider version written into the schema")
	from := flag.String("from", "", "directory holding schema.json and terraform-mapping.json")
	to := flag.String("to", "", "directory to write schema-embed.json and terraform-mapping-embed.json")
	flag.Parse()
	if *version == "" || *from == "" || *to == "" {
		fail(fmt.Errorf("-version, -from and -to are required"))
	}

	var schema map[string]json.RawMessage
	readJSON(filepath.Join(*from, "schema.json"), &schema)
	v, err := json.Marshal(*version)
	if err != nil {
		fail(err)
	}
	schema["version"] = v
	writeJSON(filepath.Join(*to, "schema-embed.json"), schema)

	var mapping json.RawMessage
	readJSON(filepath.Join(*from, "terraform-mapping.json"), &mapping)
	writeJSON(filepath.Join(*to, "terraform-mapping-embed.json"), mapping)
}

func readJSON(path string, into any) {
	data, err := os.ReadFile(path)
	if err != nil {
		fail(err)
	}
	if err := json.Unmarshal(data, into); err != nil {
		fail(fmt.Errorf("%s: %w", path, err))
	}
}

// writeJSON writes compact JSON (json.Marshal re-encodes RawMessage values compactly).
func writeJSON(path string, value any) {
	data, err := json.Marshal(value)
	if err != nil {
		fail(err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, data); err != nil {
		fail(err)
	}
	if err := os.WriteFile(path, compact.Bytes(), 0o600); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "embedgen:", err)
	os.Exit(1)
}
