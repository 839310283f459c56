package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/fhir"
	"github.com/lifeboat-health/lifeboat/hl7fhir"
	"github.com/lifeboat-health/lifeboat/hl7v2"
	"github.com/lifeboat-health/lifeboat/mllp"
	"github.com/lifeboat-health/lifeboat/sqlite"
)

// feed receives HL7 v2 messages: it parses and maps each one, makes the
// message durable (the store's inbox, one fsync shared with messages on
// other connections), and only then acknowledges it. In a flood, when the
// store is behind, it checks that a message maps instead of mapping it,
// and the store maps it as it applies it (queueChecked). A message that
// cannot be parsed or mapped is kept as a dead letter and answered with AE
// or AR and an ERR segment that names the problem.
type feed struct {
	db      *sqlite.DB
	loc     *time.Location
	now     func() time.Time
	logger  *slog.Logger
	metrics *feedMetrics
	seq     atomic.Uint64
	prefix  string   // of the control ids of our acknowledgements
	ids     idCache  // identifier look-ups for reconcile
	appAcks *appAcks // routes for enhanced-mode application acknowledgements; may be nil
	// flooding says whether messages come faster than the store applies
	// them: each is then checked, not mapped, before it is acknowledged.
	flooding func() bool

	verifyIndex bool // check each mapped Index against fhir.Parse (tests)
}

func newFeed(db *sqlite.DB, logger *slog.Logger, m *feedMetrics) *feed {
	return &feed{db: db, loc: time.Local, now: time.Now, logger: logger, metrics: m, flooding: db.InboxFlooding,
		prefix: "LB" + strconv.FormatInt(time.Now().Unix(), 36), verifyIndex: verifyIndex}
}

// result is what became of one message.
type result struct {
	outcome hl7v2.Outcome
	errs    []hl7v2.AckError
	msg     *hl7v2.Message // nil when not even the header could be read
	dup     bool
}

// ServeMLLP handles one message of a connection and returns its
// acknowledgement.
func (f *feed) ServeMLLP(ctx context.Context, c *mllp.Conn, raw []byte) []byte {
	start := time.Now()
	raw = bytes.Clone(raw) // the transport reuses its buffer
	res := f.process(ctx, raw, c.RemoteAddr().String(), 0)
	f.metrics.observe(res, time.Since(start))
	return f.ack(res)
}

// process parses, maps and stores one message. replayOf is the id of the
// dead letter being replayed, or 0.
func (f *feed) process(ctx context.Context, raw []byte, remote string, replayOf int64) result {
	m := &lifeboat.Message{Received: f.now(), Remote: remote, Raw: raw}
	msg, err := hl7v2.Parse(raw)
	if err != nil {
		hdr, _ := hl7v2.ParseHeader(raw) // for the feed name and the acknowledgement
		describe(m, hdr)
		return f.reject(ctx, m, hdr, hl7v2.Rejected, err, replayOf)
	}
	describe(m, msg)
	if f.flooding() {
		if res, ok := f.queueChecked(ctx, m, msg, replayOf); ok {
			return res
		}
	}
	rs, err := f.mapMessage(ctx, m, msg)
	var mf *mapFailure
	switch {
	case errors.As(err, &mf):
		return f.reject(ctx, m, msg, mf.outcome, mf.err, replayOf)
	case err != nil:
		return f.notStored(ctx, m, msg, err)
	}
	dup, err := f.db.QueueMessage(ctx, m, rs)
	return f.queued(ctx, m, msg, dup, err, replayOf)
}

// queueChecked checks that a message maps, without mapping it, and queues
// it for the store to map when it applies it (sqlite.DB.QueueUnmapped):
// in a flood the store is behind anyway, and acknowledging no longer waits
// for the mapping, a third of an acknowledgement's processor time for a
// lab panel. The answer is the one mapping would give. ok is false
// when the check cannot vouch for the message (hl7fhir.Check): then it is
// mapped before it is acknowledged, as outside a flood.
func (f *feed) queueChecked(ctx context.Context, m *lifeboat.Message, msg *hl7v2.Message, replayOf int64) (res result, ok bool) {
	complete, err := hl7fhir.Check(msg, f.mapOptions(m))
	if err != nil {
		mf := mapFailureOf(err)
		return f.reject(ctx, m, msg, mf.outcome, mf.err, replayOf), true
	}
	if !complete {
		return result{}, false
	}
	dup, err := f.db.QueueUnmapped(ctx, m)
	return f.queued(ctx, m, msg, dup, err, replayOf), true
}

// queued is the result of queueing a message: err is the queue's.
func (f *feed) queued(ctx context.Context, m *lifeboat.Message, msg *hl7v2.Message, dup bool, err error, replayOf int64) result {
	if err != nil {
		return f.notStored(ctx, m, msg, err)
	}
	if replayOf != 0 {
		if err := f.db.MarkReplayed(ctx, replayOf); err != nil {
			f.logger.LogAttrs(ctx, slog.LevelError, "mark replayed", slog.String("error", err.Error()))
		}
	}
	return result{outcome: hl7v2.Accepted, msg: msg, dup: dup}
}

// mapFailure is why a message cannot be mapped, and how to acknowledge it.
type mapFailure struct {
	outcome hl7v2.Outcome
	err     error
}

func (e *mapFailure) Error() string { return e.err.Error() }

// mapFailureOf is how to acknowledge a message hl7fhir cannot map.
func mapFailureOf(err error) *mapFailure {
	outcome := hl7v2.Errored
	var me *hl7fhir.MapError
	if errors.As(err, &me) && (me.Code == 200 || me.Code == 201) {
		outcome = hl7v2.Rejected // a type or event Lifeboat does not take
	}
	return &mapFailure{outcome, err}
}

// mapOptions maps m at the time it arrived, so that mapping it again
// gives the same resources.
func (f *feed) mapOptions(m *lifeboat.Message) hl7fhir.Options {
	return hl7fhir.Options{Now: func() time.Time { return m.Received }, Location: f.loc}
}

// mapMessage maps a parsed message to the resources to store: mapped,
// given the ids of the records the store already has for them (reconcile)
// and indexed. Its error is a *mapFailure when the message cannot be
// mapped, any other when the store could not be read. The mapping's clock
// is the message's arrival, so that mapping it again (remap) gives the
// same resources.
func (f *feed) mapMessage(ctx context.Context, m *lifeboat.Message, msg *hl7v2.Message) ([]*lifeboat.Resource, error) {
	mapped, err := hl7fhir.Map(msg, f.mapOptions(m))
	if err != nil {
		return nil, mapFailureOf(err)
	}
	if err := f.reconcile(ctx, mapped.Resources); err != nil {
		return nil, err
	}
	rs := make([]*lifeboat.Resource, len(mapped.Resources))
	all := make([]lifeboat.Resource, len(mapped.Resources))
	src := lifeboat.Source{Kind: "hl7v2", Name: m.Feed, Ref: m.ControlID}
	for i := range mapped.Resources {
		o := &mapped.Resources[i]
		x, err := f.index(o)
		if err != nil {
			// A mapping that yields invalid FHIR is Lifeboat's fault: keep
			// the message to replay once it is fixed.
			return nil, &mapFailure{hl7v2.Errored, fmt.Errorf("mapped %s is not valid FHIR: %w", o.Type, err)}
		}
		all[i] = lifeboat.Resource{Type: o.Type, ID: o.ID, JSON: o.JSON, LastUpdated: o.LastUpdated,
			Received: m.Received, Source: src, Placeholder: o.Placeholder, Deleted: o.Deleted, Index: x}
		rs[i] = &all[i]
	}
	return rs, nil
}

// remap is the inbox's Remap: it maps a message read back from the inbox
// as process mapped it before acknowledging it. A message that no longer
// parses or maps (Lifeboat changed meanwhile) is an EINVALID error whose
// message is the one an ERR segment would carry, free of patient data.
func (f *feed) remap(ctx context.Context, m *lifeboat.Message) ([]*lifeboat.Resource, error) {
	msg, err := hl7v2.Parse(m.Raw)
	if err != nil {
		return nil, lifeboat.Errorf(lifeboat.EINVALID, "%s", ackError(err).Message)
	}
	rs, err := f.mapMessage(ctx, m, msg)
	var mf *mapFailure
	if errors.As(err, &mf) {
		return nil, lifeboat.Errorf(lifeboat.EINVALID, "%s", ackError(mf.err).Message)
	}
	return rs, err
}

// verifyIndex makes feeds check the Index that hl7fhir returns against
// fhir.Parse's for every resource (the tests set it).
var verifyIndex bool

// index returns the index fields of a mapped resource. hl7fhir indexes what
// it maps, so the JSON need not be parsed again; a resource it could not
// vouch for (Indexed false) is parsed and validated here.
func (f *feed) index(o *hl7fhir.Output) (lifeboat.Index, error) {
	if o.Indexed && !f.verifyIndex {
		return o.Index, nil
	}
	p, err := fhir.Parse(o.JSON)
	if err != nil {
		return lifeboat.Index{}, err
	}
	if o.Indexed && !reflect.DeepEqual(p.Index, o.Index) {
		return lifeboat.Index{}, lifeboat.Errorf(lifeboat.EINTERNAL, "the index of a mapped %s differs from fhir.Parse's", o.Type)
	}
	return p.Index, nil
}

// notStored answers a message the store could not take with AE, so that the
// sender keeps it and sends it again.
func (f *feed) notStored(ctx context.Context, m *lifeboat.Message, msg *hl7v2.Message, err error) result {
	f.logger.LogAttrs(ctx, slog.LevelError, "feed message not stored", slog.String("feed", m.Feed), slog.String("error", err.Error()))
	return result{outcome: hl7v2.Errored, msg: msg, errs: []hl7v2.AckError{{Code: 207, Message: "The message could not be stored; send it again."}}}
}

// reject keeps a message as a dead letter and returns the outcome to
// acknowledge. A replayed dead letter that fails again is not kept twice.
func (f *feed) reject(ctx context.Context, m *lifeboat.Message, msg *hl7v2.Message, outcome hl7v2.Outcome, cause error, replayOf int64) result {
	ae := ackError(cause)
	m.Error = ae.Message
	if replayOf == 0 {
		if err := f.db.RejectMessage(ctx, m); err != nil {
			f.logger.LogAttrs(ctx, slog.LevelError, "dead letter not stored", slog.String("feed", m.Feed), slog.String("error", err.Error()))
		}
	}
	return result{outcome: outcome, msg: msg, errs: []hl7v2.AckError{ae}}
}

// ackError describes an error for an ERR segment; its message carries no PHI.
func ackError(err error) hl7v2.AckError {
	var me *hl7fhir.MapError
	if errors.As(err, &me) {
		return hl7v2.AckError{Code: me.Code, Location: hl7v2.Location{Segment: me.Segment, SegmentRep: me.Seq, Field: me.Field},
			Message: lifeboat.ErrorMessage(err)}
	}
	ae := hl7v2.AckErrorFor(err)
	if ae.Message == "" {
		ae.Message = lifeboat.ErrorMessage(err)
	}
	return ae
}

// describe fills the message's feed, control id and type from its header.
func describe(m *lifeboat.Message, msg *hl7v2.Message) {
	if msg == nil {
		m.Feed = "unknown"
		return
	}
	h := msg.Header()
	m.Feed = feedName(msg)
	m.ControlID = h.ControlID
	m.Type = h.Type.Code + "^" + h.Type.Trigger
}

// feedName names the feed of a message: "APP^FACILITY" of its sender.
func feedName(msg *hl7v2.Message) string {
	h := msg.Header()
	return h.SendingApplication.Namespace + "^" + h.SendingFacility.Namespace
}

// ack builds the acknowledgement of a result, which the connection always
// gets, since senders wait for one: in original mode AA, AE or AR; in
// enhanced mode the commit acknowledgement (CA, CE, CR) when MSH-15 asks for
// it, otherwise the application acknowledgement (AA, AE, AR) on the same
// connection when MSH-16 asks for that, otherwise the commit one anyway. An
// acknowledgement is sent only once the message is durable, and by then it
// is known to map to valid resources: what remains, applying it to the
// store, cannot fail for a reason the sender could act on, so it also
// stands for the application acknowledgement.
func (f *feed) ack(res result) []byte {
	req := hl7v2.AckRequest{}
	if res.msg != nil {
		req = res.msg.AckRequest()
	}
	code := req.CommitCode(res.outcome)
	if !req.SendCommit(res.outcome) && req.SendApplication(res.outcome) {
		code = hl7v2.ApplicationCode(res.outcome)
	}
	if res.outcome != hl7v2.Accepted && res.msg != nil && f.appAcks.routed(feedName(res.msg), req, res.outcome) {
		// Accepted messages get theirs once applied (appAcks.applied).
		f.appAcks.queue(feedName(res.msg), res.msg, res.outcome, res.errs)
	}
	a := hl7v2.Ack{
		Code:      code,
		ControlID: f.prefix + strconv.FormatUint(f.seq.Add(1), 10),
		Time:      f.now(),
		Errors:    res.errs,
	}
	if res.dup {
		a.Text = "Duplicate: already received."
	}
	b, err := hl7v2.AppendAck(nil, res.msg, a)
	if err != nil {
		f.logger.Error("build acknowledgement", "error", err.Error())
		return nil
	}
	return b
}

// oversize answers a frame over the size limit with AR, from its header.
func (f *feed) oversize(ctx context.Context, c *mllp.Conn, head []byte, size int64) []byte {
	hdr, _ := hl7v2.ParseHeader(head)
	res := result{outcome: hl7v2.Rejected, msg: hdr, errs: []hl7v2.AckError{{Code: 207,
		Message: fmt.Sprintf("The message is too large (%d bytes).", size)}}}
	f.metrics.observe(res, 0)
	return f.ack(res)
}

// replay runs a dead letter through the pipeline again.
func (f *feed) replay(ctx context.Context, id int64) error {
	m, err := f.db.Message(ctx, id)
	if err != nil {
		return err
	}
	if m.Status != lifeboat.MessageRejected {
		return lifeboat.Errorf(lifeboat.EINVALID, "Only a dead letter can be replayed.")
	}
	res := f.process(ctx, m.Raw, m.Remote, id)
	if res.outcome != hl7v2.Accepted {
		msg := "The message still cannot be applied."
		if len(res.errs) > 0 && res.errs[0].Message != "" {
			msg += " " + res.errs[0].Message
		}
		return lifeboat.Errorf(lifeboat.EINVALID, "%s", msg)
	}
	return nil
}
