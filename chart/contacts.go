package chart

import (
	"strings"

	"github.com/lifeboat-health/lifeboat"
)

// contacts reads Patient.contact: each contact's name ("Given Family", else
// the name's text, else the organization's name), relationships (texts or
// displays, in order, without repeats) and phone numbers.
func contacts(p *lifeboat.Resource) []lifeboat.Contact {
	var v struct {
		Contact []struct {
			Relationship []concept `json:"relationship"`
			Name         humanName `json:"name"`
			Telecom      []struct {
				System string `json:"system"`
				Value  string `json:"value"`
				Use    string `json:"use"`
			} `json:"telecom"`
			Organization reference `json:"organization"`
		} `json:"contact"`
	}
	if !decode(p, &v) {
		return nil
	}
	var out []lifeboat.Contact
	for _, c := range v.Contact {
		var rels, phones []string
		for i := range c.Relationship {
			rels = appendUnique(rels, c.Relationship[i].display())
		}
		for _, t := range c.Telecom {
			if t.System != "" && t.System != "phone" && t.System != "sms" {
				continue
			}
			ph := t.Value
			if t.Use != "" && ph != "" {
				ph += " (" + t.Use + ")"
			}
			phones = appendUnique(phones, ph)
		}
		name := strings.TrimSpace(strings.Join(append(append([]string(nil), c.Name.Given...), c.Name.Family), " "))
		if name == "" {
			name = firstNonEmpty(c.Name.Text, c.Organization.Display)
		}
		if name == "" && len(phones) == 0 {
			continue
		}
		out = append(out, lifeboat.Contact{Name: name, Relationship: strings.Join(rels, ", "), Phone: strings.Join(phones, "; ")})
	}
	return out
}
