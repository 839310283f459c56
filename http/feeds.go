package http

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lifeboat-health/lifeboat"
)

// DefaultFeedSilence is how long a feed may stay silent before its silence
// is flagged, when FeedSilence has no entry for it.
const DefaultFeedSilence = 10 * time.Minute

// deadLetterLimit bounds the dead letter list.
const deadLetterLimit = 200

// feedView is one feed on the feeds page.
type feedView struct {
	lifeboat.FeedStatus
	Silence time.Duration // the threshold
	Silent  bool          // silent for longer than the threshold
}

// feedsView is the data of the feeds page.
type feedsView struct {
	Feeds       []feedView
	DeadLetters int
	Enabled     bool // the server receives feeds at all
	Backlog     int  // messages acknowledged, not yet on the charts
	BacklogMB   string
}

// silenceFor returns the silence threshold of a feed.
func (s *Server) silenceFor(feed string) time.Duration {
	if d, ok := s.FeedSilence[feed]; ok && d > 0 {
		return d
	}
	if d, ok := s.FeedSilence["*"]; ok && d > 0 {
		return d
	}
	return DefaultFeedSilence
}

// FeedHealth returns every feed with whether it has been silent for longer
// than its threshold at now.
func (s *Server) FeedHealth(r *http.Request) ([]feedView, error) {
	if s.Messages == nil {
		return nil, nil
	}
	fs, err := s.Messages.Feeds(r.Context())
	if err != nil {
		return nil, fmt.Errorf("http: feeds: %w", err)
	}
	now := s.Now()
	out := make([]feedView, 0, len(fs))
	for _, f := range fs {
		d := s.silenceFor(f.Feed)
		out = append(out, feedView{FeedStatus: f, Silence: d, Silent: now.Sub(f.LastMessage) > d})
	}
	return out, nil
}

// adminFeeds shows the health of every inbound feed: when it last sent, how
// many messages it sent and how many were rejected, and whether it has gone
// silent.
func (s *Server) adminFeeds(w http.ResponseWriter, r *http.Request) error {
	v := &feedsView{Enabled: s.Messages != nil}
	var err error
	if v.Feeds, err = s.FeedHealth(r); err != nil {
		return err
	}
	if s.Messages != nil {
		dead, err := s.Messages.DeadLetters(r.Context(), deadLetterLimit)
		if err != nil {
			return fmt.Errorf("http: dead letters: %w", err)
		}
		v.DeadLetters = len(dead)
		n, size := s.Messages.InboxBacklog()
		v.Backlog, v.BacklogMB = n, fmt.Sprintf("%.1f", float64(size)/(1<<20))
	}
	s.render(w, r, "admin_feeds.html", s.newPage(r, "Feeds", v))
	return nil
}

// deadLettersView is the data of the dead letter list.
type deadLettersView struct {
	Messages []*lifeboat.Message
	Limit    int
}

// adminDeadLetters lists the messages that could not be applied.
func (s *Server) adminDeadLetters(w http.ResponseWriter, r *http.Request) error {
	v := &deadLettersView{Limit: deadLetterLimit}
	if s.Messages != nil {
		var err error
		if v.Messages, err = s.Messages.DeadLetters(r.Context(), deadLetterLimit); err != nil {
			return fmt.Errorf("http: dead letters: %w", err)
		}
	}
	s.render(w, r, "admin_dead_letters.html", s.newPage(r, "Dead letters", v))
	return nil
}

// messageView is the data of one message's page.
type messageView struct {
	Message   *lifeboat.Message
	Segments  []string // the message text, one segment a line
	Binary    bool
	CanReplay bool
}

// message returns the kept message with the id in the path.
func (s *Server) message(r *http.Request) (*lifeboat.Message, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 || s.Messages == nil {
		return nil, lifeboat.Errorf(lifeboat.ENOTFOUND, "Message not found.")
	}
	return s.Messages.Message(r.Context(), id)
}

// adminDeadLetter shows one kept message with why it was rejected. Its
// content is PHI: the view is audited.
func (s *Server) adminDeadLetter(w http.ResponseWriter, r *http.Request) error {
	m, err := s.message(r)
	if err != nil {
		return err
	}
	if err := s.mustAudit(r.Context(), s.auditEvent(r, lifeboat.AuditMessageView, "", strconv.FormatInt(m.ID, 10), "ok")); err != nil {
		return err
	}
	v := &messageView{Message: m, CanReplay: s.Replay != nil && m.Status == lifeboat.MessageRejected}
	if utf8.Valid(m.Raw) {
		text := strings.ReplaceAll(strings.ReplaceAll(string(m.Raw), "\r\n", "\r"), "\n", "\r")
		v.Segments = strings.Split(strings.TrimRight(text, "\r"), "\r")
	} else {
		v.Binary = true
	}
	s.render(w, r, "admin_dead_letter.html", s.newPage(r, "Message "+strconv.FormatInt(m.ID, 10), v))
	return nil
}

// adminReplay runs a dead letter through the feed pipeline again (after a
// mapping fix, or once the data it needed has arrived).
func (s *Server) adminReplay(w http.ResponseWriter, r *http.Request) error {
	m, err := s.message(r)
	if err != nil {
		return err
	}
	if s.Replay == nil || m.Status != lifeboat.MessageRejected {
		return lifeboat.Errorf(lifeboat.EINVALID, "This message cannot be replayed.")
	}
	outcome := "ok"
	rerr := s.Replay(r.Context(), m.ID)
	if rerr != nil {
		outcome = "failed"
	}
	s.audit(r.Context(), s.auditEvent(r, lifeboat.AuditReplay, "", strconv.FormatInt(m.ID, 10), outcome))
	if rerr != nil {
		return rerr
	}
	http.Redirect(w, r, "/admin/dead-letters", http.StatusSeeOther)
	return nil
}
