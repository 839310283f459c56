package lifeboat

import (
	"context"
	"time"
)

// Message states.
const (
	MessageApplied  = "applied"  // stored, and its resources written
	MessageRejected = "rejected" // could not be parsed or mapped: a dead letter
)

// Message is one inbound feed message (an HL7 v2 message over MLLP), kept
// as received. Accepted messages are kept for provenance and replay;
// rejected ones are dead letters for an admin to inspect and replay.
type Message struct {
	ID        int64
	Received  time.Time
	Feed      string // the sender: "APP^FACILITY" from MSH-3 and MSH-4 (no PHI)
	ControlID string // MSH-10
	Type      string // MSH-9, e.g. "ADT^A01"
	Remote    string // the peer's address
	Status    string // MessageApplied or MessageRejected
	Error     string // why it was rejected (no PHI)
	Resources int    // resources written from it
	Raw       []byte // the message bytes as received
}

// FeedStatus is the health of one feed: what it sent and when.
type FeedStatus struct {
	Feed        string
	LastMessage time.Time // when the last message arrived
	Messages    int64     // messages received in all
	Rejected    int64     // of which rejected
	LastError   time.Time // when the last message was rejected
}

// MessageStore keeps inbound messages. AcceptMessage is the durable step
// before an acknowledgement: when it returns, the message and its resources
// are committed together.
type MessageStore interface {
	// AcceptMessage records m and writes rs in one transaction. A message
	// whose feed and control id were accepted before is not applied again:
	// it returns duplicate true and changes nothing.
	AcceptMessage(ctx context.Context, m *Message, rs []*Resource) (duplicate bool, err error)
	// RejectMessage keeps a message that could not be parsed or mapped.
	RejectMessage(ctx context.Context, m *Message) error
	// Message returns one kept message, or ENOTFOUND.
	Message(ctx context.Context, id int64) (*Message, error)
	// DeadLetters returns the rejected messages not yet replayed, newest first.
	DeadLetters(ctx context.Context, limit int) ([]*Message, error)
	// MarkReplayed records that a dead letter was replayed successfully.
	MarkReplayed(ctx context.Context, id int64) error
	// Feeds returns the status of every feed.
	Feeds(ctx context.Context) ([]FeedStatus, error)
	// InboxBacklog says how many messages, and how many bytes of them, are
	// durable and acknowledged but not yet applied to the store (a burst
	// faster than the store applies waits there).
	InboxBacklog() (messages int, size int64)
}
