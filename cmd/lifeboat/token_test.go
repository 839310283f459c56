package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/lifeboat-health/lifeboat"
)

// runCLIErr runs a lifeboat command in-process and returns its standard
// output and standard error.
func runCLIErr(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &environment{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
	err = run(context.Background(), e, args)
	return out.String(), errb.String(), err
}

var tokenIDLine = regexp.MustCompile(`token id ([0-9a-f]{12}) for user (\S+)`)

// createToken runs `lifeboat token` for a user and returns the token and
// the id it printed.
func createToken(t *testing.T, base []string, user string) (tok, id string) {
	t.Helper()
	out, errOut, err := runCLIErr(t, append(append([]string{"token", "create"}, base...), user)...)
	if err != nil {
		t.Fatal(err)
	}
	tok = strings.TrimSpace(out)
	m := tokenIDLine.FindStringSubmatch(errOut)
	if len(tok) != 43 || strings.Contains(out, "\n"+tok) || m == nil || m[2] != user {
		t.Fatalf("token for %s: stdout %q, stderr %q", user, out, errOut)
	}
	return tok, m[1]
}

// fhirGet reads an API path with a bearer token and returns the status and
// the resourceType of the answer.
func fhirGet(t *testing.T, base, path, tok string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+path, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", "application/fhir+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m struct{ ResourceType string }
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return resp.StatusCode, m.ResourceType
}

// TestTokenRevoke creates tokens, reads the FHIR API with them from a
// running server, lists them, revokes one with the command and checks that
// the server then refuses it (401, an OperationOutcome) and still takes
// the other. The server learns of a revocation made by another process
// within the store's cache time: the test polls for it.
func TestTokenRevoke(t *testing.T) {
	dir, keyFile := newStoreDir(t)
	base := []string{"--data", dir, "--key-file", keyFile}
	for _, u := range []string{"alice", "bob"} {
		if _, err := runCLI(t, "a long enough password\n", nil, append(append([]string{"user", "add", "--role", "clinician"}, base...), u)...); err != nil {
			t.Fatal(err)
		}
	}
	aliceTok, aliceID := createToken(t, base, "alice")
	// The form without "create" still makes a token.
	bobOut, err := runCLI(t, "", nil, append(append([]string{"token"}, base...), "bob")...)
	bobTok := strings.TrimSpace(bobOut)
	if err != nil || len(bobTok) != 43 {
		t.Fatalf("token bob: %q %v", bobOut, err)
	}

	// The list shows each token's id, user and creation, never the token
	// nor the whole hash it is stored under.
	list, err := runCLI(t, "", nil, append([]string{"token", "list"}, base...)...)
	if err != nil {
		t.Fatal(err)
	}
	rows := strings.Split(strings.TrimSpace(list), "\n")
	if len(rows) != 3 || !strings.HasPrefix(rows[0], "ID") || !regexp.MustCompile(`^`+aliceID+` +alice +\d{4}-\d\d-\d\dT`).MatchString(rows[1]) ||
		!regexp.MustCompile(`^[0-9a-f]{12} +bob `).MatchString(rows[2]) {
		t.Fatalf("token list:\n%s", list)
	}
	bobID := rows[2][:12]
	for _, secret := range []string{aliceTok, bobTok} {
		if strings.Contains(list, secret) || strings.Contains(list, strings.TrimSpace(secret)[:12]) {
			t.Fatalf("token list shows a token:\n%s", list)
		}
	}
	if regexp.MustCompile(`[0-9a-f]{13,}`).MatchString(list) {
		t.Fatalf("token list shows more than the id of a hash:\n%s", list)
	}

	srv, _ := startServe(t, dir, keyFile, false)
	const search = "/fhir/Patient?_count=1"
	for _, tok := range []string{aliceTok, bobTok} {
		if code, typ := fhirGet(t, srv, search, tok); code != http.StatusOK || typ != "Bundle" {
			t.Fatalf("search with a token: %d %s", code, typ)
		}
	}

	// Ids that are not one token's are refused, and revoke nothing.
	for _, bad := range []string{"abc", "not-hex-at-all", strings.Repeat("0", 65)} {
		if _, err := runCLI(t, "", nil, append(append([]string{"token", "revoke"}, base...), bad)...); lifeboat.ErrorCode(err) != lifeboat.EINVALID {
			t.Errorf("revoke %q: %v", bad, err)
		}
	}
	unknown := "ffffffffffff"
	if unknown == aliceID || unknown == bobID {
		unknown = "eeeeeeeeeeee"
	}
	if _, err := runCLI(t, "", nil, append(append([]string{"token", "revoke"}, base...), unknown)...); lifeboat.ErrorCode(err) != lifeboat.ENOTFOUND {
		t.Errorf("revoke an unknown id: %v", err)
	}

	// Revoke alice's token by its id, in upper case as someone may type it.
	out, err := runCLI(t, "", nil, append(append([]string{"token", "revoke"}, base...), strings.ToUpper(aliceID))...)
	if err != nil || !strings.Contains(out, aliceID) || !strings.Contains(out, "alice") {
		t.Fatalf("revoke: %q %v", out, err)
	}
	waitFor(t, "the server to refuse the revoked token", func() bool {
		code, typ := fhirGet(t, srv, search, aliceTok)
		if code != http.StatusOK && (code != http.StatusUnauthorized || typ != "OperationOutcome") {
			t.Fatalf("revoked token: %d %s", code, typ)
		}
		return code == http.StatusUnauthorized
	})
	if code, _ := fhirGet(t, srv, search, bobTok); code != http.StatusOK {
		t.Errorf("the other token: %d", code)
	}
	if _, err := runCLI(t, "", nil, append(append([]string{"token", "revoke"}, base...), aliceID)...); lifeboat.ErrorCode(err) != lifeboat.ENOTFOUND {
		t.Errorf("revoke twice: %v", err)
	}

	// Bob's, by a prefix of its id.
	if _, err := runCLI(t, "", nil, append(append([]string{"token", "revoke"}, base...), bobID[:7])...); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the server to refuse the second revoked token", func() bool {
		code, _ := fhirGet(t, srv, search, bobTok)
		return code == http.StatusUnauthorized
	})
	if list, err := runCLI(t, "", nil, append([]string{"token", "list"}, base...)...); err != nil || strings.TrimSpace(list) != "no API tokens" {
		t.Errorf("list after revoking every token: %q %v", list, err)
	}
}

// TestFindToken checks how revoke picks a token by id prefix.
func TestFindToken(t *testing.T) {
	tokens := []*lifeboat.APIToken{{TokenHash: "abcdef0123456789", UserID: 1}, {TokenHash: "abcdef9999999999", UserID: 2}, {TokenHash: "0123456789abcdef", UserID: 3}}
	for prefix, want := range map[string]int64{"abcdef0": 1, "abcdef9999": 2, "012345": 3} {
		if got, err := findToken(tokens, prefix); err != nil || got.UserID != want {
			t.Errorf("%s: %v %v", prefix, got, err)
		}
	}
	if _, err := findToken(tokens, "abcdef"); lifeboat.ErrorCode(err) != lifeboat.EINVALID || !strings.Contains(userMessage(err), "2 API tokens") {
		t.Errorf("an ambiguous prefix: %v", err)
	}
	if _, err := findToken(tokens, "999999"); lifeboat.ErrorCode(err) != lifeboat.ENOTFOUND {
		t.Errorf("no match: %v", err)
	}
	for s, ok := range map[string]bool{"abcdef": true, "abcde": false, "ABCDEF": false, "abcdeg": false, strings.Repeat("a", 64): true, strings.Repeat("a", 65): false} {
		if validTokenPrefix(s) != ok {
			t.Errorf("validTokenPrefix(%q) = %v", s, !ok)
		}
	}
}
