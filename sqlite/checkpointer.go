package sqlite

import (
	"fmt"
	"log/slog"
	"sync"

	"github.com/ncruces/go-sqlite3"
)

// walCheckpointPages is the size of the WAL, in pages, past which it is
// copied into the database file (a variable for the tests).
var walCheckpointPages = 4000

// checkpointer copies the WAL into the database file from a connection of
// its own, so that the writer's commits do not pay for it: SQLite's
// automatic checkpoint runs inside the commit that crosses the mark, which
// took about a tenth of the writer's time under a sync or a feed burst. A
// passive checkpoint copies what no reader still needs, beside the writer;
// once all is copied, the writer's next commit starts the WAL over.
type checkpointer struct {
	conn *sqlite3.Conn
	kick chan struct{}
	done chan struct{}
	once sync.Once
	err  error
}

// startCheckpointer opens its connection on uri and arms the writer's
// connection to kick it after a commit leaves the WAL large.
func startCheckpointer(uri string, writer *sqlite3.Conn) (*checkpointer, error) {
	conn, err := sqlite3.Open(uri)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open checkpointer: %w", err)
	}
	if err := conn.Exec(`PRAGMA busy_timeout=10000; PRAGMA synchronous=full;`); err != nil {
		conn.Close()
		return nil, fmt.Errorf("sqlite: configure checkpointer: %w", err)
	}
	c := &checkpointer{conn: conn, kick: make(chan struct{}, 1), done: make(chan struct{})}
	// The hook replaces the automatic checkpoint (wal_autocheckpoint).
	writer.WALHook(func(_ *sqlite3.Conn, _ string, pages int) error {
		if pages >= walCheckpointPages {
			select {
			case c.kick <- struct{}{}:
			default:
			}
		}
		return nil
	})
	go c.run()
	return c, nil
}

func (c *checkpointer) run() {
	defer close(c.done)
	for range c.kick {
		if err := c.conn.Exec(`PRAGMA wal_checkpoint(PASSIVE)`); err != nil {
			slog.Error("store checkpoint failed", "error", err.Error())
		}
	}
}

// close stops the checkpointer once the writer has stopped.
func (c *checkpointer) close() error {
	c.once.Do(func() {
		close(c.kick)
		<-c.done
		c.err = c.conn.Close()
	})
	return c.err
}
