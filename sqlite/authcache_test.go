package sqlite_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// TestAuthCache: API tokens and accounts are kept for a few seconds, a
// revocation or a password change through the store takes effect at once,
// and what the cache returns is the caller's to change.
func TestAuthCache(t *testing.T) {
	ctx := context.Background()
	dir, key := t.TempDir(), newKey(t)
	db := openDB(t, dir, key)
	defer db.Close()
	var (
		mu  sync.Mutex
		now = time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }
	db.Now = clock
	u := &lifeboat.User{Name: "api", Role: lifeboat.RoleClinician, PasswordHash: "h1"}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"t1", "t2"} {
		if err := db.CreateAPIToken(ctx, &lifeboat.APIToken{TokenHash: h, UserID: u.ID}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.APIToken(ctx, "nope"); lifeboat.ErrorCode(err) != lifeboat.ENOTFOUND {
		t.Fatalf("unknown token: %v", err)
	}
	tok, err := db.APIToken(ctx, "t1")
	if err != nil || tok.UserID != u.ID {
		t.Fatalf("%+v %v", tok, err)
	}
	tok.UserID = 999 // the cache keeps its own copy
	got, err := db.UserByID(ctx, u.ID)
	if err != nil || got.PasswordHash != "h1" {
		t.Fatalf("%+v %v", got, err)
	}
	got.Role = lifeboat.RoleAdmin
	if tok, _ := db.APIToken(ctx, "t1"); tok.UserID != u.ID {
		t.Fatalf("cached token changed by a caller: %+v", tok)
	}
	if got, _ := db.UserByID(ctx, u.ID); got.Role != lifeboat.RoleClinician {
		t.Fatalf("cached user changed by a caller: %+v", got)
	}

	// A revocation here takes effect at once, for the token revoked only.
	if err := db.RevokeAPIToken(ctx, "t1"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.APIToken(ctx, "t1"); lifeboat.ErrorCode(err) != lifeboat.ENOTFOUND {
		t.Fatalf("revoked token: %v", err)
	}
	if err := db.RevokeAPIToken(ctx, "t1"); lifeboat.ErrorCode(err) != lifeboat.ENOTFOUND {
		t.Fatalf("revoking twice: %v", err)
	}
	if _, err := db.APIToken(ctx, "t2"); err != nil {
		t.Fatalf("other token: %v", err)
	}

	// A revocation by another handle (another process) takes effect once the
	// entry is older than the cache's lifetime.
	other := openDB(t, dir, key)
	defer other.Close()
	if err := other.RevokeAPIToken(ctx, "t2"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.APIToken(ctx, "t2"); err != nil {
		t.Fatalf("within the cache's lifetime: %v", err)
	}
	advance(10 * time.Second)
	if _, err := db.APIToken(ctx, "t2"); lifeboat.ErrorCode(err) != lifeboat.ENOTFOUND {
		t.Fatalf("revoked elsewhere, after the cache's lifetime: %v", err)
	}

	// A password change here is seen at once.
	if err := db.UpdatePassword(ctx, "api", "h2"); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.UserByID(ctx, u.ID); got.PasswordHash != "h2" {
		t.Fatalf("after a password change: %+v", got)
	}
}
