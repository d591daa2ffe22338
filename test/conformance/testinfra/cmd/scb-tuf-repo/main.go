// Command scb-tuf-repo writes a throwaway, single-key TUF repository whose only target is a
// Sigstore trusted_root.json, so that Kyverno's ImageValidatingPolicy keyless attestor (which
// always initialises TUF) can be pointed at a loopback mirror and verify test-CA certificates
// offline.
//
//	scb-tuf-repo -trusted-root trusted_root.json -out DIR
//
// DIR then holds 1.root.json and root.json (the trust anchor to give Kyverno as tuf.root.data),
// timestamp.json, 1.snapshot.json, 1.targets.json and targets/<sha256>.trusted_root.json
// (consistent snapshots), ready to be served over HTTP on 127.0.0.1.
package main

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/theupdateframework/go-tuf/v2/metadata"
)

func main() {
	trustedRoot := flag.String("trusted-root", "", "path of the Sigstore trusted_root.json to publish")
	out := flag.String("out", "", "output directory")
	validity := flag.Duration("validity", 48*time.Hour, "metadata validity")
	flag.Parse()
	if *trustedRoot == "" || *out == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*trustedRoot, *out, *validity); err != nil {
		fmt.Fprintln(os.Stderr, "scb-tuf-repo:", err)
		os.Exit(1)
	}
}

func run(trustedRootPath, out string, validity time.Duration) error {
	data, err := os.ReadFile(trustedRootPath)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(out, "targets"), 0o755); err != nil {
		return err
	}
	expires := time.Now().UTC().Add(validity).Truncate(time.Second)

	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	key, err := metadata.KeyFromPublicKey(priv.Public())
	if err != nil {
		return err
	}
	signer, err := signature.LoadSigner(priv, crypto.Hash(0))
	if err != nil {
		return err
	}

	root := metadata.Root(expires)
	for _, role := range []string{metadata.ROOT, metadata.TARGETS, metadata.SNAPSHOT, metadata.TIMESTAMP} {
		if err := root.Signed.AddKey(key, role); err != nil {
			return err
		}
	}

	targets := metadata.Targets(expires)
	tf, err := metadata.TargetFile().FromBytes("trusted_root.json", data, "sha256")
	if err != nil {
		return err
	}
	targets.Signed.Targets["trusted_root.json"] = tf
	sum := sha256.Sum256(data)
	if err := os.WriteFile(filepath.Join(out, "targets", hex.EncodeToString(sum[:])+".trusted_root.json"), data, 0o644); err != nil {
		return err
	}

	snapshot := metadata.Snapshot(expires)
	timestamp := metadata.Timestamp(expires)

	if _, err := root.Sign(signer); err != nil {
		return err
	}
	if _, err := targets.Sign(signer); err != nil {
		return err
	}
	if _, err := snapshot.Sign(signer); err != nil {
		return err
	}
	if _, err := timestamp.Sign(signer); err != nil {
		return err
	}
	for name, write := range map[string]func(string, bool) error{
		"1.root.json":     root.ToFile,
		"root.json":       root.ToFile,
		"1.targets.json":  targets.ToFile,
		"1.snapshot.json": snapshot.ToFile,
		"timestamp.json":  timestamp.ToFile,
	} {
		if err := write(filepath.Join(out, name), true); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}
