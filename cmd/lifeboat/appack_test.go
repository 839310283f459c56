package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/hl7v2"
	"github.com/lifeboat-health/lifeboat/mllp"
)

// ackListener is the sender's own MLLP listener: it answers CA to each
// application acknowledgement and hands it to the test.
func ackListener(t *testing.T) (addr string, got <-chan *hl7v2.Message) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan *hl7v2.Message, 16)
	srv := &mllp.Server{Handler: mllp.HandlerFunc(func(ctx context.Context, c *mllp.Conn, raw []byte) []byte {
		m, err := hl7v2.Parse(bytes.Clone(raw))
		if err != nil {
			t.Errorf("application acknowledgement does not parse: %v", err)
			return nil
		}
		ch <- m
		ack, _ := hl7v2.AppendAck(nil, m, hl7v2.Ack{Code: hl7v2.CommitAccept, ControlID: "S1"})
		return ack
	})}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go srv.Serve(ctx, ln)
	return ln.Addr().String(), ch
}

func TestApplicationAcks(t *testing.T) {
	dir, keyFile := newStoreDir(t)
	routeAddr, got := ackListener(t)
	mllpAddr := freeAddr(t)
	cfgPath := filepath.Join(t.TempDir(), "lifeboat.json")
	os.WriteFile(cfgPath, []byte(fmt.Sprintf(`{"mllp_addr":%q,"app_ack_routes":{"AccMgr^1":%q}}`, mllpAddr, routeAddr)), 0o600)
	startCLI(t, nil, "serve", "--data", dir, "--key-file", keyFile, "--addr", freeAddr(t), "--config", cfgPath)
	waitListening(t, mllpAddr)

	ctx := context.Background()
	cl := &mllp.Client{Addr: mllpAddr}
	defer cl.Close()
	enhanced := bytes.Replace(hl7Fixture(t, "adt_a01.hl7"), []byte("|P|2.3|||"), []byte("|P|2.3|||AL|AL"), 1)
	unsupported := bytes.Replace(enhanced, []byte("ADT^A01|599102"), []byte("ZZZ^Z01|599103"), 1)
	wants := []struct {
		msg                  []byte
		commit, app, control string
	}{
		{enhanced, "CA", "AA", "599102"},
		{unsupported, "CR", "AR", "599103"},
	}
	for _, w := range wants {
		ack, err := cl.Send(ctx, w.msg)
		if err != nil {
			t.Fatal(err)
		}
		if code, control := ackCode(t, ack); code != w.commit || control != w.control {
			t.Fatalf("on the connection: %s for %s, want %s for %s", code, control, w.commit, w.control)
		}
		select {
		case m := <-got:
			code, control := m.Get("MSA-1").Text(), m.Get("MSA-2").Text()
			if code != w.app || control != w.control {
				t.Errorf("application acknowledgement %s for %s, want %s for %s", code, control, w.app, w.control)
			}
			if m.Get("MSH-15").Text() != "AL" || m.Get("MSH-16").Text() != "NE" || !strings.HasPrefix(m.Get("MSH-9").Text(), "ACK") {
				t.Errorf("application acknowledgement header: %q", m.Segment(1).Raw())
			}
			if w.app == "AR" && m.Count("ERR") == 0 {
				t.Errorf("AR without an ERR segment")
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no application acknowledgement for %s", w.control)
		}
	}

	// Original mode: one acknowledgement on the connection, none routed.
	original := bytes.Replace(hl7Fixture(t, "adt_a01.hl7"), []byte("ADT^A01|599102"), []byte("ADT^A01|599104"), 1)
	ack, err := cl.Send(ctx, original)
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := ackCode(t, ack); code != "AA" {
		t.Fatalf("original mode: %s, want AA", code)
	}
	select {
	case m := <-got:
		t.Errorf("original mode routed an acknowledgement: %q", m.Get("MSA-1").Text())
	case <-time.After(300 * time.Millisecond):
	}
}

// TestApplicationAckForDeadLetter: a message accepted (CA) that no longer
// maps when the inbox reads it back is kept as a dead letter, and its
// application acknowledgement says AE with the reason in an ERR segment.
func TestApplicationAckForDeadLetter(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	a := newAppAcks(map[string]string{"AccMgr^1": "127.0.0.1:1"}, logger, prometheus.NewRegistry())
	enhanced := bytes.Replace(hl7Fixture(t, "adt_a01.hl7"), []byte("|P|2.3|||"), []byte("|P|2.3|||AL|AL"), 1)
	a.applied([]*lifeboat.Message{
		{Feed: "AccMgr^1", Raw: enhanced, Status: lifeboat.MessageApplied},
		{Feed: "AccMgr^1", Raw: enhanced, Status: lifeboat.MessageRejected, Error: "The message no longer maps."},
	})
	for _, want := range []struct{ code, err string }{{"AA", ""}, {"AE", "The message no longer maps."}} {
		select {
		case b := <-a.routes["AccMgr^1"].q:
			m, err := hl7v2.Parse(b)
			if err != nil {
				t.Fatal(err)
			}
			if code := m.Get("MSA-1").Text(); code != want.code {
				t.Errorf("application acknowledgement %s, want %s", code, want.code)
			}
			// Version 2.3: the reason is MSA-3, and the ERR segment says where.
			if got := m.Get("MSA-3").Text(); got != want.err {
				t.Errorf("MSA-3 %q, want %q", got, want.err)
			}
			if hasErr := bytes.Contains(b, []byte("\rERR|")); hasErr != (want.err != "") {
				t.Errorf("ERR segment present %v, want %v", hasErr, want.err != "")
			}
		default:
			t.Fatalf("no application acknowledgement queued for the %s", want.code)
		}
	}
}
