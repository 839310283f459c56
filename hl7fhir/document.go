package hl7fhir

import (
	"encoding/base64"
	"encoding/hex"
	"strings"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/hl7v2"
)

type documentResource struct {
	ResourceType     string            `json:"resourceType"`
	ID               string            `json:"id"`
	Meta             meta              `json:"meta"`
	MasterIdentifier *identifier       `json:"masterIdentifier,omitempty"`
	Status           string            `json:"status"`
	DocStatus        string            `json:"docStatus,omitempty"`
	Type             *codeableConcept  `json:"type,omitempty"`
	Subject          *reference        `json:"subject,omitempty"`
	Date             string            `json:"date,omitempty"`
	Author           []reference       `json:"author,omitempty"`
	Authenticator    *reference        `json:"authenticator,omitempty"`
	RelatesTo        []docRelatesTo    `json:"relatesTo,omitempty"`
	Description      string            `json:"description,omitempty"`
	Content          []docContent      `json:"content"`
	Context          *docContext       `json:"context,omitempty"`
	Category         []codeableConcept `json:"category,omitempty"`
}

type docRelatesTo struct {
	Code   string    `json:"code"`
	Target reference `json:"target"`
}

type docContent struct {
	Attachment attachment `json:"attachment"`
}

type docContext struct {
	Encounter []reference `json:"encounter,omitempty"`
	Related   []reference `json:"related,omitempty"`
}

// edMediaTypes maps ED subtypes (and types) to MIME types.
var edMediaTypes = map[string]string{
	"PDF": "application/pdf", "RTF": "application/rtf", "HTML": "text/html", "XML": "application/xml",
	"JPEG": "image/jpeg", "JPG": "image/jpeg", "PNG": "image/png", "TIFF": "image/tiff", "GIF": "image/gif",
	"TEXT": "text/plain", "PLAIN": "text/plain", "TXT": "text/plain", "OCTET-STREAM": "application/octet-stream",
	"MSWORD": "application/msword", "DICOM": "application/dicom",
}

// edAttachment maps an ED value (source, type, subtype, encoding, data) to
// an attachment with base64 data; ok is false when it holds no usable data.
func edAttachment(v hl7v2.Value) (a attachment, reason string) {
	typ, sub, enc := strings.ToUpper(text(v.Comp(2))), strings.ToUpper(text(v.Comp(3))), strings.ToUpper(text(v.Comp(4)))
	data := text(v.Comp(5))
	switch {
	case strings.Contains(sub, "/"):
		a.ContentType = strings.ToLower(sub)
	case edMediaTypes[sub] != "":
		a.ContentType = edMediaTypes[sub]
	case edMediaTypes[typ] != "":
		a.ContentType = edMediaTypes[typ]
	default:
		a.ContentType = "application/octet-stream"
	}
	if data == "" {
		return a, "encapsulated data empty"
	}
	switch enc {
	case "BASE64", "B64":
		clean := strings.Map(func(r rune) rune {
			if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
				return -1
			}
			return r
		}, data)
		raw, err := base64.StdEncoding.DecodeString(clean)
		if err != nil {
			if raw, err = base64.RawStdEncoding.DecodeString(clean); err != nil {
				return a, "encapsulated data not valid base64"
			}
		}
		a.Data = base64.StdEncoding.EncodeToString(raw)
	case "HEX":
		raw, err := hex.DecodeString(data)
		if err != nil {
			return a, "encapsulated data not valid hex"
		}
		a.Data = base64.StdEncoding.EncodeToString(raw)
	default: // "A" (ASCII) and anything else: the text itself
		a.Data = base64.StdEncoding.EncodeToString([]byte(data))
	}
	return a, ""
}

// document maps an OBX of type ED to a DocumentReference and adds it to the
// report's presentedForm by reference.
func (g *obsGroup) document(m *mapper, it obsItem, obsID string, code *codeableConcept) {
	a, reason := edAttachment(it.obx.Field(5).Rep(1))
	if reason != "" {
		m.warnSeg(it.obx, 5, reason)
		return
	}
	id := makeID("DocumentReference", obsID)
	d := &documentResource{ResourceType: "DocumentReference", ID: id, Meta: m.meta(), Status: "current", Subject: g.pat.ref(), Type: code}
	if t, ok := m.time(it.obx, 14); ok {
		d.Date = m.fhirInstant(t)
	} else if g.issued != "" {
		d.Date = g.issued
	}
	if st := obsStatus(text(it.obx.Field(11))); st == "preliminary" {
		d.DocStatus = "preliminary"
	} else if st == "final" || st == "corrected" {
		d.DocStatus = map[string]string{"final": "final", "corrected": "amended"}[st]
	}
	d.Content = []docContent{{Attachment: a}}
	ctx := &docContext{}
	if g.enc != "" {
		ctx.Encounter = []reference{{Reference: "Encounter/" + g.enc}}
	}
	if g.report != "" {
		ctx.Related = []reference{{Reference: "DiagnosticReport/" + g.report}}
	}
	if len(ctx.Encounter) > 0 || len(ctx.Related) > 0 {
		d.Context = ctx
	}
	if n := notes(it.notes); len(n) > 0 {
		d.Description = n[0].Text
	}
	m.emit("DocumentReference", id, false, d)
	g.forms = append(g.forms, attachment{ContentType: a.ContentType, URL: "DocumentReference/" + id, Title: ccText(code)})
}

func (v *documentResource) appendJSON(b []byte) []byte {
	b = head(b, v.ResourceType, v.ID, &v.Meta)
	b = opt(b, "masterIdentifier", v.MasterIdentifier)
	b = str(b, "status", v.Status)
	b = optStr(b, "docStatus", v.DocStatus)
	b = opt(b, "type", v.Type)
	b = opt(b, "subject", v.Subject)
	b = optStr(b, "date", v.Date)
	b = optList(b, "author", v.Author)
	b = opt(b, "authenticator", v.Authenticator)
	b = optList(b, "relatesTo", v.RelatesTo)
	b = optStr(b, "description", v.Description)
	b = list(b, "content", v.Content)
	b = opt(b, "context", v.Context)
	b = optList(b, "category", v.Category)
	return append(b, '}')
}

func (v *documentResource) index(c *indexCache) (lifeboat.Index, bool) {
	date, ok := c.dates(v.Date)
	x := lifeboat.Index{Patient: c.refID(v.Subject, "Patient"), Status: clean(v.Status), Category: firstCategory(v.Category),
		Code: v.Type.token(), Date: date}
	if v.Context != nil && len(v.Context.Encounter) > 0 {
		x.Encounter = c.refID(&v.Context.Encounter[0], "Encounter")
	}
	return x, ok
}

func (v *docRelatesTo) appendJSON(b []byte) []byte {
	b = append(b, '{')
	b = str(b, "code", v.Code)
	b = obj(b, "target", &v.Target)
	return append(b, '}')
}

func (v *docContent) appendJSON(b []byte) []byte {
	b = append(b, '{')
	b = obj(b, "attachment", &v.Attachment)
	return append(b, '}')
}

func (v *docContext) appendJSON(b []byte) []byte {
	b = append(b, '{')
	b = optList(b, "encounter", v.Encounter)
	b = optList(b, "related", v.Related)
	return append(b, '}')
}
