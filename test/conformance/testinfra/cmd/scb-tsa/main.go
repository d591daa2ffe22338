// Command scb-tsa is a throwaway RFC 3161 timestamp authority for the conformance harness. It
// mints an in-memory root and timestamping certificate, writes the chain (leaf first) to
// -chain, and answers POST /api/v1/timestamp (application/timestamp-query) on a loopback
// address only. It exists because sigstore's timestamp-server (v2.1.2) always opens a metrics
// listener on :2112 (all interfaces) and, unless told otherwise, queries public NTP servers.
//
//	scb-tsa -listen 127.0.0.1:PORT -chain tsa-chain.pem
package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/digitorus/timestamp"
)

// The policy OID sigstore's timestamp authority uses by default.
var defaultPolicy = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 2}

var oidExtKeyUsage = asn1.ObjectIdentifier{2, 5, 29, 37}
var oidTimeStamping = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}

type tsa struct {
	leaf *x509.Certificate
	key  crypto.Signer
}

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "loopback address to listen on")
	chainPath := flag.String("chain", "tsa-chain.pem", "where to write the PEM chain (leaf first)")
	flag.Parse()
	if err := run(*listen, *chainPath); err != nil {
		fmt.Fprintln(os.Stderr, "scb-tsa:", err)
		os.Exit(1)
	}
}

func run(listen, chainPath string) error {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("refusing to listen on %q: loopback addresses only", listen)
	}
	t, chain, err := newTSA()
	if err != nil {
		return err
	}
	var out []byte
	for _, c := range chain {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	if err := os.WriteFile(chainPath, out, 0o644); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	fmt.Printf("listening on http://%s/api/v1/timestamp\n", ln.Addr())
	mux := http.NewServeMux()
	mux.HandleFunc("/api/v1/timestamp", t.handle)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	return srv.Serve(ln)
}

func newTSA() (*tsa, []*x509.Certificate, error) {
	now := time.Now().UTC()
	rootKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	rootTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{Organization: []string{"scb-conformance"}, CommonName: "scb test TSA root (throwaway)"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(48 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	rootDER, err := x509.CreateCertificate(rand.Reader, rootTmpl, rootTmpl, rootKey.Public(), rootKey)
	if err != nil {
		return nil, nil, err
	}
	root, err := x509.ParseCertificate(rootDER)
	if err != nil {
		return nil, nil, err
	}
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	// RFC 3161 2.3: the timestamping EKU must be the only one, and critical.
	eku, err := asn1.Marshal([]asn1.ObjectIdentifier{oidTimeStamping})
	if err != nil {
		return nil, nil, err
	}
	leafTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(2),
		Subject:               pkix.Name{Organization: []string{"scb-conformance"}, CommonName: "scb test TSA timestamping (throwaway)"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(48 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		ExtraExtensions:       []pkix.Extension{{Id: oidExtKeyUsage, Critical: true, Value: eku}},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, root, leafKey.Public(), rootKey)
	if err != nil {
		return nil, nil, err
	}
	leaf, err := x509.ParseCertificate(leafDER)
	if err != nil {
		return nil, nil, err
	}
	return &tsa{leaf: leaf, key: leafKey}, []*x509.Certificate{leaf, root}, nil
}

func (t *tsa) handle(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	req, err := timestamp.ParseRequest(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	policy := req.TSAPolicyOID
	if len(policy) == 0 {
		policy = defaultPolicy
	}
	ts := timestamp.Timestamp{
		HashAlgorithm:     req.HashAlgorithm,
		HashedMessage:     req.HashedMessage,
		Time:              time.Now().UTC(),
		Nonce:             req.Nonce,
		Policy:            policy,
		Accuracy:          time.Second,
		AddTSACertificate: req.Certificates,
	}
	resp, err := ts.CreateResponseWithOpts(t.leaf, t.key, crypto.SHA256)
	if err != nil {
		http.Error(w, errors.Join(errors.New("creating response"), err).Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/timestamp-reply")
	_, _ = w.Write(resp)
}
