package report

import (
	"bytes"
	"fmt"
	"sync"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
)

// pdfcpuSetup keeps pdfcpu from reading or writing a configuration folder
// in the user's home: Lifeboat passes every setting it needs.
var pdfcpuSetup sync.Once

// asPDF20 labels a PDF as version 2.0 (the header's "%PDF-1.x" becomes
// "%PDF-2.0", the same length, so no offset moves), so that pdfcpu writes
// the AES-256 security handler of ISO 32000-2 (revision 6, whose password
// hash is hardened) rather than revision 5, which it uses for older
// versions and whose single SHA-256 is quick to attack by brute force.
// What fpdf writes (core fonts, text, rectangles) is valid PDF 2.0.
func asPDF20(b []byte) []byte {
	if len(b) < 8 || !bytes.HasPrefix(b, []byte("%PDF-1.")) {
		return b
	}
	out := append([]byte(nil), b...)
	copy(out[5:8], "2.0")
	return out
}

// encrypt protects a PDF with AES-256: password opens it, and once open it
// may be printed but not changed.
func encrypt(b []byte, password string) ([]byte, error) {
	pdfcpuSetup.Do(api.DisableConfigDir)
	conf := model.NewAESConfiguration(password, password, 256)
	conf.Offline = true
	conf.ValidationMode = model.ValidationRelaxed
	conf.Permissions = model.PermissionsPrint
	var out bytes.Buffer
	if err := api.Encrypt(bytes.NewReader(asPDF20(b)), &out, conf); err != nil {
		return nil, fmt.Errorf("report: encrypt: %w", err)
	}
	return out.Bytes(), nil
}
