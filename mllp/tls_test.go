package mllp

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"
)

// testPKI is a certificate authority with a server and a client certificate.
type testPKI struct {
	pool   *x509.CertPool
	server tls.Certificate
	client tls.Certificate
	rogue  tls.Certificate // a client certificate from another authority
}

func newTestPKI(t testing.TB) *testPKI {
	t.Helper()
	caCert, caKey := newCA(t, "Lifeboat Test CA")
	rogueCert, rogueKey := newCA(t, "Someone Else")
	p := &testPKI{pool: x509.NewCertPool()}
	p.pool.AddCert(caCert)
	p.server = issue(t, caCert, caKey, &x509.Certificate{
		Subject:     pkix.Name{CommonName: "lifeboat"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	p.client = issue(t, caCert, caKey, &x509.Certificate{
		Subject:     pkix.Name{CommonName: "lab-analyzer", Organization: []string{"General Hospital"}},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	p.rogue = issue(t, rogueCert, rogueKey, &x509.Certificate{
		Subject:     pkix.Name{CommonName: "lab-analyzer"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	return p
}

var serial struct {
	sync.Mutex
	n int64
}

func nextSerial() *big.Int {
	serial.Lock()
	defer serial.Unlock()
	serial.n++
	return big.NewInt(serial.n)
}

func newCA(t testing.TB, name string) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          nextSerial(),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

func issue(t testing.TB, ca *x509.Certificate, caKey *ecdsa.PrivateKey, tmpl *x509.Certificate) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl.SerialNumber = nextSerial()
	tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// auditing records what the handler saw of each connection.
type auditing struct {
	mu      sync.Mutex
	tls     bool
	subject string
}

func (a *auditing) ServeMLLP(_ context.Context, c *Conn, msg []byte) []byte {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.tls, a.subject = c.TLS() != nil, c.PeerSubject()
	return ack(msg)
}

func TestTLS(t *testing.T) {
	p := newTestPKI(t)
	h := &auditing{}
	r := start(t, &Server{Handler: h, TLSConfig: &tls.Config{Certificates: []tls.Certificate{p.server}}})
	c, err := Dial(context.Background(), r.addr, &tls.Config{RootCAs: p.pool})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for range 3 {
		if got, err := c.Send(context.Background(), []byte("MSH|tls")); err != nil || string(got) != "ACK|MSH|tls" {
			t.Fatalf("got %q, %v", got, err)
		}
	}
	if !h.tls || h.subject != "" || c.Stats().Dials != 1 {
		t.Fatalf("handler saw tls=%v subject=%q; client %+v", h.tls, h.subject, c.Stats())
	}

	// A client that does not trust the server's authority fails to connect.
	if _, err := Dial(context.Background(), r.addr, &tls.Config{}); err == nil {
		t.Fatal("connected without trusting the server")
	}
	// A plain TCP sender gets nothing from a TLS listener.
	plain := dialRaw(t, r.addr)
	plain.send("\x0bMSH|plain\x1c\x0d")
	plain.expectClosed()
	eventually(t, "handshake failures counted", func() bool { return r.srv.Stats().TLSErrors >= 2 })
}

func TestMutualTLS(t *testing.T) {
	p := newTestPKI(t)
	h := &auditing{}
	r := start(t, &Server{Handler: h, TLSConfig: &tls.Config{
		Certificates: []tls.Certificate{p.server},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    p.pool,
	}})
	c := &Client{Addr: r.addr, TLSConfig: &tls.Config{RootCAs: p.pool, Certificates: []tls.Certificate{p.client}}}
	defer c.Close()
	if got, err := c.Send(context.Background(), []byte("MSH|mtls")); err != nil || string(got) != "ACK|MSH|mtls" {
		t.Fatalf("got %q, %v", got, err)
	}
	if want := "CN=lab-analyzer,O=General Hospital"; h.subject != want {
		t.Fatalf("peer subject %q, want %q", h.subject, want)
	}

	for name, certs := range map[string][]tls.Certificate{"no certificate": nil, "unknown authority": {p.rogue}} {
		bad := &Client{Addr: r.addr, MaxAttempts: 1, TLSConfig: &tls.Config{RootCAs: p.pool, Certificates: certs}}
		_, err := bad.Send(context.Background(), []byte("MSH|"+phi))
		bad.Close()
		// TLS 1.3 completes the client's side of the handshake before the
		// server checks the certificate, so the refusal may come after the
		// message was written.
		if err == nil {
			t.Fatalf("%s: sent without a valid client certificate", name)
		}
		if errors.Is(err, ErrNotAcknowledged) != (bad.Stats().Sent > 0) {
			t.Fatalf("%s: %v after %+v", name, err, bad.Stats())
		}
	}
	eventually(t, "handshake failures counted", func() bool { return r.srv.Stats().TLSErrors == 2 })
	if st := r.srv.Stats(); st.Frames != 1 {
		t.Fatalf("stats %+v", st)
	}
}
