package sqlite

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// TestCheckpointerKeepsWALSmall: with the checkpoint off the writer's
// connection, the WAL is still copied into the database and started over,
// instead of growing with everything written.
func TestCheckpointerKeepsWALSmall(t *testing.T) {
	defer func(n int) { walCheckpointPages = n }(walCheckpointPages)
	walCheckpointPages = 16
	ctx := context.Background()
	db, err := Open(ctx, t.TempDir(), inboxKey(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	written := 0
	for b := range 40 {
		var rs []*lifeboat.Resource
		for i := range 100 {
			id := fmt.Sprintf("w%d-%d", b, i)
			body := rand.Text() + rand.Text() // random: it does not compress
			for len(body) < 2000 {
				body += rand.Text()
			}
			rs = append(rs, &lifeboat.Resource{Type: "Observation", ID: id, Source: lifeboat.Source{Kind: "test", Name: "wal"},
				JSON: []byte(fmt.Sprintf(`{"resourceType":"Observation","id":%q,"note":[{"text":%q}]}`, id, body))})
			written += 2000
		}
		if _, err := db.PutResources(ctx, rs); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond) // room for the checkpointer
	}
	wal, err := os.Stat(db.Path() + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	if wal.Size() > int64(written)/2 {
		t.Fatalf("the WAL holds %d bytes after %d bytes were written: it is not being checkpointed", wal.Size(), written)
	}
	main, _ := os.Stat(db.Path())
	if main.Size() < int64(written)/4 {
		t.Fatalf("the database file has %d bytes after %d were written", main.Size(), written)
	}
}
