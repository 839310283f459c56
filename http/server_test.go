package http

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

func TestHealthz(t *testing.T) {
	e := newEnv(t)
	resp, body := e.do(e.client(), "GET", "/healthz", nil)
	m := decode(t, body)
	if resp.StatusCode != 200 || m["status"] != "ok" || m["version"] == "" {
		t.Errorf("healthz: %d %s", resp.StatusCode, body)
	}
	e.s.Health = func(context.Context) error { return errors.New("store closed") }
	resp, body = e.do(e.client(), "GET", "/healthz", nil)
	if resp.StatusCode != 503 || decode(t, body)["status"] != "unavailable" || strings.Contains(body, "store closed") {
		t.Errorf("unhealthy: %d %s", resp.StatusCode, body)
	}
}

func TestServeGracefulShutdown(t *testing.T) {
	s := &Server{Registry: prometheus.NewRegistry(), Logger: newEnv(t).s.Logger}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	resp, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"ok"`) {
		t.Errorf("healthz over Serve: %d %s", resp.StatusCode, b)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve after cancel = %v; want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
}

func TestClientAddr(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "10.1.2.3:5555"
	r.Header.Set("X-Forwarded-For", "6.6.6.6, 192.168.0.9")
	r.Header.Set("X-Forwarded-Proto", "https")
	s := &Server{}
	if got := s.clientAddr(r); got != "10.1.2.3" {
		t.Errorf("without TrustProxy: %q", got)
	}
	if s.isTLS(r) {
		t.Error("X-Forwarded-Proto trusted without TrustProxy")
	}
	s.TrustProxy = true
	if got := s.clientAddr(r); got != "192.168.0.9" {
		t.Errorf("with TrustProxy: %q; want the last hop", got)
	}
	if !s.isTLS(r) {
		t.Error("X-Forwarded-Proto ignored with TrustProxy")
	}
}

func TestTwoServersShareRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	for range 2 {
		(&Server{Registry: reg}).Handler()
	}
}
