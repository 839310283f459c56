package hl7v2

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestNoContentInPrintsAndLogs(t *testing.T) {
	m := mustParse(t, adtA01)
	pid, _ := m.First("PID")
	v := m.Get("PID-5")
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	log.Info("received", "msg", m, "seg", pid, "value", v)
	out := fmt.Sprint(m, pid, v) + fmt.Sprintf("%v %+v %#v %#v %#v", m, pid, v, m, pid) + logs.String()
	for _, secret := range []string{"DOE", "JANE", "12345", "19800202", "MAIN ST"} {
		if strings.Contains(out, secret) {
			t.Fatalf("content %q printed: %s", secret, out)
		}
	}
	for _, want := range []string{`type="ADT^A01^ADT_A01"`, `control="MSG00001"`, "segments=7", "hl7v2.Segment{PID number=3", "hl7v2.Value{bytes=31}", `"control_id":"MSG00001"`, `"segment":"PID"`} {
		if !strings.Contains(out, want) {
			t.Errorf("%q missing from %s", want, out)
		}
	}
}
