package main

import (
	"strings"
	"testing"
	"time"
)

// TestSimulateHL7 drives `lifeboat serve --mllp` with `lifeboat simulate
// hl7`: the bootstrap admits the synthetic hospital's patients through ADT
// messages, every message is accepted, and the census fills from the feed.
func TestSimulateHL7(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a feed of 400 messages")
	}
	dir, keyFile := newStoreDir(t)
	if _, err := runCLI(t, "nurse password 1\n", nil, "user", "add", "--data", dir, "--key-file", keyFile, "nurse"); err != nil {
		t.Fatal(err)
	}
	base, mllpAddr := startServe(t, dir, keyFile, true)
	out, err := runCLI(t, "", nil, "simulate", "hl7", "--to", mllpAddr, "--rate", "2000", "--count", "400", "--seed", "4", "--census", "bootstrap")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "sent 400 messages") || !strings.Contains(out, " AA 400") {
		t.Fatalf("simulate printed:\n%s", out)
	}
	c := newClient(t, base)
	c.login("nurse", "nurse password 1")
	patients := 0
	within(t, time.Second, "the census filled from the feed", func() bool {
		_, census := c.get("/")
		patients = 0
		for _, u := range links(unitLink, census) {
			_, body := c.get(u)
			patients += len(links(patientLink, body))
		}
		return patients >= 150
	})
}
