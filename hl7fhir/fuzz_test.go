package hl7fhir

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/hl7v2"
)

// FuzzMap checks that no parsed message makes Map panic, that whatever it
// maps is valid JSON with valid ids, written as encoding/json would, and
// that Check agrees with it.
func FuzzMap(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.hl7")
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		msg, err := hl7v2.Parse(data)
		if err != nil {
			return
		}
		m, err := mapMessage(msg, testOptions())
		complete, checkErr := Check(msg, testOptions())
		if fmt.Sprint(err) != fmt.Sprint(checkErr) {
			t.Fatalf("Check: %v, Map: %v", checkErr, err)
		}
		if err != nil {
			if _, ok := err.(*MapError); !ok {
				t.Fatalf("error is not a *MapError: %v", err)
			}
			return
		}
		indexed := true
		for _, o := range m.res.Resources {
			indexed = indexed && o.Indexed
		}
		if complete != indexed {
			t.Fatalf("Check complete %v, Map indexed all %v", complete, indexed)
		}
		for _, o := range m.res.Resources {
			if !json.Valid(o.JSON) || !lifeboat.ValidID(o.ID) {
				t.Fatalf("bad output %s/%s: %s", o.Type, o.ID, o.JSON)
			}
		}
		checkEncoding(t, "fuzz", m)
	})
}

// panelORU is the 7-result panel of lifeboat's feed benchmark
// (cmd/lifeboat BenchmarkFeedIngest): 14 resources with the patient, visit,
// bed and attending.
const panelORU = "MSH|^~\\&|LAB|GH|LB|GH|20250314120000||ORU^R01^ORU_R01|B1-1|P|2.5.1\r" +
	"PID|1||BP000001^^^GH^MR||TESTER^BENCH||19700101|F\r" +
	"PV1|1|I|4W^12^A^GH||||1234^ATTENDING^ANN||||||||||||V000001^^^GH^VN\r" +
	"OBR|1|P1-1|F1-1|80048^Basic metabolic panel^CPT|||20250314113000|||||||||||||||20250314120000||CH|F\r" +
	"OBX|1|NM|2951-2^Sodium^LN||139|mmol/L|136-145|N|||F|||20250314113000\r" +
	"OBX|2|NM|2823-3^Potassium^LN||5.4|mmol/L|3.5-5.1|H|||F|||20250314113000\r" +
	"OBX|3|NM|2075-0^Chloride^LN||101|mmol/L|98-107|N|||F|||20250314113000\r" +
	"OBX|4|NM|2028-9^CO2^LN||24|mmol/L|22-29|N|||F|||20250314113000\r" +
	"OBX|5|NM|3094-0^BUN^LN||18|mg/dL|7-20|N|||F|||20250314113000\r" +
	"OBX|6|NM|2160-0^Creatinine^LN||1.1|mg/dL|0.6-1.2|N|||F|||20250314113000\r" +
	"OBX|7|NM|2345-7^Glucose^LN||131|mg/dL|70-99|H|||F|||20250314113000\r"

// BenchmarkMap measures mapping throughput (including each resource's
// Index) for a typical ADT and ORU, and the feed benchmark's panel, and
// Check's on the same messages.
func BenchmarkMap(b *testing.B) {
	for _, name := range []string{"adt_a01.hl7", "oru_r01_mixed.hl7", "oru_r01_lab.hl7", "panel"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if name == "panel" {
			data, err = []byte(panelORU), nil
		}
		if err != nil {
			b.Fatal(err)
		}
		msg, err := hl7v2.Parse(data)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Map(msg, testOptions()); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
		b.Run(name+"/check", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if ok, err := Check(msg, testOptions()); !ok || err != nil {
					b.Fatal(ok, err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}
