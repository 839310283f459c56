package http

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lifeboat-health/lifeboat"
)

// fakeMessages is an in-memory MessageStore for handler tests.
type fakeMessages struct {
	mu       sync.Mutex
	msgs     map[int64]*lifeboat.Message
	feeds    []lifeboat.FeedStatus
	replayed []int64
	backlog  int
}

func (f *fakeMessages) AcceptMessage(context.Context, *lifeboat.Message, []*lifeboat.Resource) (bool, error) {
	return false, nil
}
func (f *fakeMessages) RejectMessage(context.Context, *lifeboat.Message) error { return nil }
func (f *fakeMessages) Message(_ context.Context, id int64) (*lifeboat.Message, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if m, ok := f.msgs[id]; ok {
		return m, nil
	}
	return nil, lifeboat.Errorf(lifeboat.ENOTFOUND, "Message not found.")
}
func (f *fakeMessages) DeadLetters(context.Context, int) ([]*lifeboat.Message, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*lifeboat.Message
	for _, m := range f.msgs {
		if m.Status == lifeboat.MessageRejected {
			out = append(out, m)
		}
	}
	return out, nil
}
func (f *fakeMessages) MarkReplayed(_ context.Context, id int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.msgs[id].Status = lifeboat.MessageApplied
	return nil
}
func (f *fakeMessages) Feeds(context.Context) ([]lifeboat.FeedStatus, error) { return f.feeds, nil }
func (f *fakeMessages) InboxBacklog() (int, int64)                           { return f.backlog, int64(f.backlog) * 9000 }

const deadLetterText = "MSH|^~\\&|LAB|GH|LB|GH|20261127||ORU^R01|C9|P|2.5\rPID|1||" + patMRN + "||" + patFamily + "^Ann\r"

func withMessages(e *env) *fakeMessages {
	fm := &fakeMessages{
		msgs: map[int64]*lifeboat.Message{9: {ID: 9, Received: t0, Feed: "LAB^GH", ControlID: "C9", Type: "ORU^R01",
			Status: lifeboat.MessageRejected, Error: "OBX-5: not a number", Raw: []byte(deadLetterText)}},
		feeds: []lifeboat.FeedStatus{
			{Feed: "LAB^GH", LastMessage: t0.Add(-2 * time.Minute), Messages: 120, Rejected: 1, LastError: t0},
			{Feed: "ADT^GH", LastMessage: t0.Add(-2 * time.Hour), Messages: 40},
		},
	}
	e.s.Messages = fm
	e.s.FeedSilence = map[string]time.Duration{"*": 30 * time.Minute}
	e.s.Replay = func(ctx context.Context, id int64) error {
		fm.replayed = append(fm.replayed, id)
		return fm.MarkReplayed(ctx, id)
	}
	return fm
}

func TestFeedPages(t *testing.T) {
	e := newEnv(t)
	fm := withMessages(e)
	admin := e.session("admin")

	_, body := e.do(admin, "GET", "/admin/feeds", nil)
	if !strings.Contains(body, "LAB^GH") || !strings.Contains(body, "Receiving") || !strings.Contains(body, "Silent over 30 minutes") {
		t.Errorf("feeds page does not show each feed's health:\n%s", body)
	}
	if strings.Count(body, "Silent over") != 1 {
		t.Errorf("only the feed silent for 2 h is flagged")
	}
	if strings.Contains(body, "not yet on the charts") {
		t.Errorf("a backlog shown where there is none")
	}
	fm.backlog = 1200
	if _, body = e.do(admin, "GET", "/admin/feeds", nil); !strings.Contains(body, "1200 messages (10.3 MB) received and acknowledged, not yet on the charts") {
		t.Errorf("the inbox backlog is not shown:\n%s", body)
	}
	fm.backlog = 0

	_, body = e.do(admin, "GET", "/admin/dead-letters", nil)
	if !strings.Contains(body, "OBX-5: not a number") || !strings.Contains(body, `href="/admin/dead-letters/9"`) {
		t.Errorf("dead letter list:\n%s", body)
	}
	if strings.Contains(body, patFamily) {
		t.Error("the list shows message content")
	}

	before := len(e.audit.all())
	_, body = e.do(admin, "GET", "/admin/dead-letters/9", nil)
	if !strings.Contains(body, "PID|1||"+patMRN) || !strings.Contains(body, "Replay this message") {
		t.Errorf("dead letter page:\n%s", body)
	}
	evs := e.audit.all()
	if len(evs) != before+1 || evs[len(evs)-1].Action != lifeboat.AuditMessageView || evs[len(evs)-1].User != "admin" {
		t.Errorf("viewing a message is not audited: %+v", evs)
	}

	// Replay needs the CSRF token.
	if resp, _ := e.do(admin, "POST", "/admin/dead-letters/9/replay", url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("replay without CSRF token: %d", resp.StatusCode)
	}
	resp, _ := e.do(admin, "POST", "/admin/dead-letters/9/replay", url.Values{"csrf": {e.csrf(admin)}})
	if resp.StatusCode != http.StatusSeeOther || len(fm.replayed) != 1 || fm.replayed[0] != 9 {
		t.Fatalf("replay: %d, replayed %v", resp.StatusCode, fm.replayed)
	}
	if evs := e.audit.all(); evs[len(evs)-1].Action != lifeboat.AuditReplay {
		t.Errorf("replay is not audited")
	}
	if resp, _ := e.do(admin, "POST", "/admin/dead-letters/9/replay", url.Values{"csrf": {e.csrf(admin)}}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("replaying an applied message: %d", resp.StatusCode)
	}
	if resp, _ := e.do(admin, "GET", "/admin/dead-letters/12345", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown message: %d", resp.StatusCode)
	}
}

func TestFeedPagesWithoutFeeds(t *testing.T) {
	e := newEnv(t)
	admin := e.session("admin")
	_, body := e.do(admin, "GET", "/admin/feeds", nil)
	if !strings.Contains(body, "does not receive HL7 v2 feeds") {
		t.Errorf("feeds page without a message store:\n%s", body)
	}
	if resp, _ := e.do(admin, "GET", "/admin/dead-letters/9", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a message without a message store: %d", resp.StatusCode)
	}
}

// all returns the audit events recorded so far.
func (f *fakeAudit) all() []*lifeboat.AuditEvent {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*lifeboat.AuditEvent(nil), f.events...)
}
