package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat/mllp"
)

// hl7Fixture reads a test message, its segments ended by CR.
func hl7Fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "hl7", name))
	if err != nil {
		t.Fatal(err)
	}
	return []byte(strings.TrimRight(strings.ReplaceAll(string(b), "\n", "\r"), "\r") + "\r")
}

// corpusHL7 lists the corpus's HL7 v2 messages, or skips the test when
// LIFEBOAT_CORPUS is not set.
func corpusHL7(t *testing.T) []string {
	t.Helper()
	root := os.Getenv("LIFEBOAT_CORPUS")
	if root == "" {
		t.Skip("LIFEBOAT_CORPUS is not set")
	}
	files, err := filepath.Glob(filepath.Join(root, "hl7v2", "*", "*.hl7"))
	if err != nil || len(files) < 200 {
		t.Fatalf("corpus: %d files, %v", len(files), err)
	}
	return files
}

// ackCode returns MSA-1 and MSA-2 of an acknowledgement.
func ackCode(t *testing.T, ack []byte) (code, control string) {
	t.Helper()
	code, control, ok := msa(ack)
	if !ok {
		t.Fatalf("no MSA segment in %q", ack)
	}
	return code, control
}

// TestFeedEndToEnd sends HL7 v2 messages to `lifeboat serve --mllp` over a
// real socket and follows them to the acknowledgement, the store, the chart
// and the admin pages.
func TestFeedEndToEnd(t *testing.T) {
	dir, keyFile := newStoreDir(t)
	if _, err := runCLI(t, "admin password 1\n", nil, "user", "add", "--data", dir, "--key-file", keyFile, "--role", "admin", "admin"); err != nil {
		t.Fatal(err)
	}
	base, mllpAddr := startServe(t, dir, keyFile, true)
	ctx := context.Background()
	cl, err := mllp.Dial(ctx, mllpAddr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	send := func(msg []byte) (string, string, []byte) {
		t.Helper()
		ack, err := cl.Send(ctx, msg)
		if err != nil {
			t.Fatal(err)
		}
		code, control := ackCode(t, ack)
		return code, control, ack
	}

	if code, control, _ := send(hl7Fixture(t, "adt_a01.hl7")); code != "AA" || control != "599102" {
		t.Fatalf("admission: %s for %s, want AA for 599102", code, control)
	}
	// The same message again is acknowledged and not applied twice.
	if code, _, _ := send(hl7Fixture(t, "adt_a01.hl7")); code != "AA" {
		t.Fatalf("re-sent admission: %s", code)
	}
	if code, _, _ := send(hl7Fixture(t, "oru_r01_lab.hl7")); code != "AA" {
		t.Fatalf("lab result: %s", code)
	}
	// A potassium result from now, for the admitted patient.
	now := time.Now().Format("20060102150405-0700")
	potassium := []byte("MSH|^~\\&|LAB|GH|LB|GH|" + now + "||ORU^R01^ORU_R01|K1|P|2.5.1\r" +
		"PID|1||10006579^^^1^MR^1||DUCK^DONALD^D||19241010|M\r" +
		"OBR|1|P1|F1|2823-3^Potassium^LN|||" + now + "|||||||||||||||" + now + "||CH|F\r" +
		"OBX|1|NM|2823-3^Potassium^LN||6.8|mmol/L|3.5-5.1|HH|||F|||" + now + "\r")
	if code, _, _ := send(potassium); code != "AA" {
		t.Fatalf("potassium result: %s", code)
	}
	// An unsupported message type is refused with AR and an ERR segment.
	unsupported := []byte("MSH|^~\\&|BILLING|GH|LB|GH|20261127083000||DFT^P03|D1|P|2.5\rEVN|P03|20261127083000\rPID|1||12345^^^GH^MR||DOE^JANE\r")
	if code, _, ack := send(unsupported); code != "AR" || !strings.Contains(string(ack), "\rERR|") {
		t.Fatalf("unsupported type: %s\n%q", code, ack)
	}
	// A message without a patient identifier is an error, also kept.
	broken := []byte("MSH|^~\\&|LAB|GH|LB|GH|20261127083000||ORU^R01|B1|P|2.5\rPID|1||||DOE^JANE\rOBR|1||X|1^T\r")
	if code, _, ack := send(broken); code != "AE" && code != "AR" || !strings.Contains(string(ack), "\rERR|") {
		t.Fatalf("broken message: %s\n%q", code, ack)
	}

	// The admitted patient is found by MRN and the lab shows on the chart.
	c := newClient(t, base)
	c.login("admin", "admin password 1")
	// Acknowledged messages are on the charts within a second.
	var charts []string
	within(t, time.Second, "the admitted patient found by MRN", func() bool {
		_, body := c.get("/search?q=10006579")
		charts = links(patientLink, body)
		return len(charts) == 1
	})
	within(t, time.Second, "the potassium result on the chart", func() bool {
		_, chart := c.get(charts[0])
		return strings.Contains(chart, "Potassium") && strings.Contains(chart, "6.8")
	})
	// The messages are kept (store, inbox, dead letters) but never in clear.
	assertNoPlaintext(t, dir, "DONALD", "10006579", "TRANSFORMATIONAGENT")
	_, feeds := c.get("/admin/feeds")
	for _, want := range []string{"AccMgr^", "SomeSystem^", "BILLING^GH"} {
		if !strings.Contains(feeds, want) {
			t.Errorf("feeds page lacks %s", want)
		}
	}
	_, dead := c.get("/admin/dead-letters")
	if n := strings.Count(dead, `href="/admin/dead-letters/`); n != 2 {
		t.Errorf("%d dead letters, want 2", n)
	}
	_, metrics := newClient(t, base).get("/metrics")
	for _, want := range []string{`lifeboat_feed_messages_total{outcome="accepted"} 3`, `lifeboat_feed_messages_total{outcome="duplicate"} 1`,
		`lifeboat_feed_messages_total{outcome="rejected"} 1`, "lifeboat_mllp_frames_total 6",
		`lifeboat_feed_received_total{feed="AccMgr^1"} 2`, `lifeboat_feed_rejected_total{feed="BILLING^GH"} 1`, `lifeboat_feed_last_message_timestamp_seconds{feed="LAB^GH"}`,
		"lifeboat_feed_backlog_messages ", "lifeboat_feed_backlog_bytes ", "lifeboat_feed_flooding 0"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestFeedCorpus sends every message of the HL7 v2 corpus to `lifeboat serve
// --mllp` over 4 connections: each gets an acknowledgement that names it
// (MSA-2 is its control id), and those Lifeboat accepts are stored.
func TestFeedCorpus(t *testing.T) {
	files := corpusHL7(t)
	dir, keyFile := newStoreDir(t)
	_, mllpAddr := startServe(t, dir, keyFile, true)
	ctx := context.Background()
	counts := map[string]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl, err := mllp.Dial(ctx, mllpAddr, nil)
			if err != nil {
				t.Error(err)
				return
			}
			defer cl.Close()
			for i := w; i < len(files); i += 4 {
				raw, err := os.ReadFile(files[i])
				if err != nil {
					t.Error(err)
					return
				}
				ack, err := cl.Send(ctx, raw)
				if err != nil {
					t.Errorf("%s: %v", filepath.Base(files[i]), err)
					continue
				}
				code, _, ok := msa(ack)
				if !ok {
					t.Errorf("%s: no MSA in the acknowledgement %q", filepath.Base(files[i]), ack)
					continue
				}
				mu.Lock()
				counts[code]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	t.Logf("acknowledgements: %v", counts)
	if n := counts["AA"] + counts["AE"] + counts["AR"] + counts["CA"] + counts["CE"] + counts["CR"]; n != len(files) {
		t.Errorf("%d acknowledgements for %d messages", n, len(files))
	}
	if counts["AA"]+counts["CA"] < 100 {
		t.Errorf("only %d messages accepted", counts["AA"]+counts["CA"])
	}
}

// TestFeedReconcilesWithImport: a lab result for a patient imported from
// the EHR (FHIR, its own id) lands on that patient's chart, matched by MRN,
// instead of making a second patient.
func TestFeedReconcilesWithImport(t *testing.T) {
	dir, keyFile := newStoreDir(t)
	src := filepath.Join(t.TempDir(), "Patient.ndjson")
	os.WriteFile(src, []byte(`{"resourceType":"Patient","id":"ehr-42","identifier":[{"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"MR"}]},"system":"urn:id:GH","value":"RC-0001"}],"name":[{"family":"Quenby","given":["Ada"]}],"birthDate":"1961-04-05"}`+"\n"), 0o600)
	if _, err := runCLI(t, "", nil, "import", "--data", dir, "--key-file", keyFile, src); err != nil {
		t.Fatal(err)
	}
	if _, err := runCLI(t, "nurse password 1\n", nil, "user", "add", "--data", dir, "--key-file", keyFile, "nurse"); err != nil {
		t.Fatal(err)
	}
	base, mllpAddr := startServe(t, dir, keyFile, true)
	cl, err := mllp.Dial(context.Background(), mllpAddr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	now := time.Now().Format("20060102150405-0700")
	oru := []byte("MSH|^~\\&|LAB|GH|LB|GH|" + now + "||ORU^R01^ORU_R01|R1|P|2.5.1\r" +
		"PID|1||RC-0001^^^GH^MR||QUENBY^ADA||19610405|F\r" +
		"OBR|1|P1|F1|2823-3^Potassium^LN|||" + now + "|||||||||||||||" + now + "||CH|F\r" +
		"OBX|1|NM|2823-3^Potassium^LN||3.1|mmol/L|3.5-5.1|L|||F|||" + now + "\r")
	ack, err := cl.Send(context.Background(), oru)
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := ackCode(t, ack); code != "AA" {
		t.Fatalf("result: %s", code)
	}
	c := newClient(t, base)
	c.login("nurse", "nurse password 1")
	within(t, time.Second, "the result on the imported patient's chart", func() bool {
		_, chart := c.get("/patients/ehr-42")
		return strings.Contains(chart, "Potassium") && strings.Contains(chart, "3.1")
	})
	_, body := c.get("/search?q=RC-0001")
	if got := links(patientLink, body); len(got) != 1 || got[0] != "/patients/ehr-42" {
		t.Fatalf("search by MRN finds %v, want only /patients/ehr-42", got)
	}
}

// writeCert writes a self-signed certificate for 127.0.0.1 and its key as
// PEM files and returns their paths and the certificate.
func writeCert(t *testing.T, dir, name string, isCA bool, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (certPath, keyPath string, cert *x509.Certificate, key *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: isCA, BasicConstraintsValid: true,
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ = x509.ParseCertificate(der)
	kb, _ := x509.MarshalECPrivateKey(key)
	certPath, keyPath = filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return certPath, keyPath, cert, key
}

// TestFeedMutualTLS: with mllp_tls_cert, mllp_tls_key and mllp_client_ca
// the listener speaks TLS and accepts only senders with a certificate the
// hospital's authority signed.
func TestFeedMutualTLS(t *testing.T) {
	dir, keyFile := newStoreDir(t)
	pki := t.TempDir()
	caPath, _, ca, caKey := writeCert(t, pki, "ca", true, nil, nil)
	srvCert, srvKey, _, _ := writeCert(t, pki, "server", false, ca, caKey)
	cliCert, cliKey, _, _ := writeCert(t, pki, "lab-engine", false, ca, caKey)
	mllpAddr := freeAddr(t)
	cfgPath := filepath.Join(t.TempDir(), "lifeboat.json")
	os.WriteFile(cfgPath, []byte(fmt.Sprintf(`{"mllp_addr":%q,"mllp_tls_cert":%q,"mllp_tls_key":%q,"mllp_client_ca":%q}`,
		mllpAddr, srvCert, srvKey, caPath)), 0o600)
	startCLI(t, nil, "serve", "--data", dir, "--key-file", keyFile, "--addr", freeAddr(t), "--config", cfgPath)
	waitListening(t, mllpAddr)
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	pair, err := tls.LoadX509KeyPair(cliCert, cliKey)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	msg := hl7Fixture(t, "adt_a01.hl7")

	cl, err := mllp.Dial(ctx, mllpAddr, &tls.Config{RootCAs: roots, Certificates: []tls.Certificate{pair}})
	if err != nil {
		t.Fatal(err)
	}
	ack, err := cl.Send(ctx, msg)
	cl.Close()
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := ackCode(t, ack); code != "AA" {
		t.Fatalf("with a client certificate: %s", code)
	}
	// Without a client certificate, or without TLS, nothing is accepted.
	for name, cfg := range map[string]*tls.Config{"no client certificate": {RootCAs: roots}, "plain TCP": nil} {
		cl := &mllp.Client{Addr: mllpAddr, TLSConfig: cfg, MaxAttempts: 1, AckTimeout: 2 * time.Second}
		if _, err := cl.Send(ctx, msg); err == nil {
			t.Errorf("%s: the message was acknowledged", name)
		}
		cl.Close()
	}
}
