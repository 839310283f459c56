package simulate

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/hl7v2"
)

// CensusMode says what a Feed does with the patients of its starting census.
type CensusMode uint8

const (
	// CensusShared: the feed starts with Generate's patients in Generate's
	// beds and sends messages about them with Generate's identifiers (MRN,
	// visit number, bed and unit names, attending NPIs, and the
	// MedicationRequest ids as placer order numbers), as well as about the
	// patients it admits.
	CensusShared CensusMode = iota
	// CensusBootstrap is CensusShared, but the feed first sends the starting
	// census itself: an A01 for each patient, then an RDE^O11 for each active
	// order, so that a store fed only by the feed has every patient and order
	// the later messages name.
	CensusBootstrap
	// CensusSilent: the starting patients hold their beds, but the feed
	// sends nothing about them: every message concerns a patient it admitted
	// itself (with a new MRN), in the free beds of the same units. For a
	// store loaded by Generate, whose resource ids hl7fhir does not
	// reproduce, this adds patients without duplicating existing ones.
	CensusSilent
)

// FeedOptions configure NewFeed.
type FeedOptions struct {
	// Seed and Start select the hospital, as Options.Seed and Options.Now
	// do for Generate; the same seed, start and sequence of Next times give
	// the same bytes. Start is required.
	Seed  uint64
	Start time.Time
	// Patients is the starting census (DefaultPatients if 0).
	Patients int
	// Sending is MSH-3^MSH-4, the sending application and facility
	// ("SIM^ALDERMOOR" if empty).
	Sending string
	// Census says what the feed does with the starting patients.
	Census CensusMode
}

// Message kinds returned by Feed.Next.
const (
	KindAdmit           = "ADT^A01"
	KindTransfer        = "ADT^A02"
	KindDischarge       = "ADT^A03"
	KindUpdate          = "ADT^A08"
	KindCancelAdmit     = "ADT^A11"
	KindCancelDischarge = "ADT^A13"
	KindResult          = "ORU^R01"
	KindOrder           = "RDE^O11"
	KindAdministration  = "RAS^O17"
	KindNote            = "MDM^T02"
)

// feedRates are the expected messages per patient per day of each kind, for
// a general hospital: results and administrations far outnumber ADT.
// Admissions and discharges are per hospital hour instead (see weights).
var feedRates = []struct {
	kind string
	rate float64
}{
	{KindResult, 5.5}, {KindOrder, 2.5}, {KindAdministration, 13}, {KindNote, 2},
	{KindUpdate, 0.4}, {KindTransfer, 0.2},
}

// Feed generates a live HL7 v2.5.1 feed of the synthetic hospital:
// admissions, transfers, discharges, updates and cancellations, lab results,
// medication orders and administrations, and notes, keeping a consistent
// census (one patient per bed, administrations only for active orders). It
// is not safe for concurrent use.
type Feed struct {
	opts     FeedOptions
	g        *gen // units, beds, attendings and identifier salt of the hospital
	r        *rand.Rand
	b        *hl7v2.Builder
	app, fac string
	prefix   string // of control ids, order, specimen and document numbers
	seq, ids int

	pats    []*fpat // admitted, in admission order
	gone    []*fpat // discharged or cancelled (for A13)
	occ     map[*bed]*fpat
	nextIdx int
	target  int // census the admissions and discharges keep near
	boot    []pending
	soon    []pending // admission orders to send shortly
	counts  map[string]int
}

// pending is a message to send: an admission (o nil) or an order.
type pending struct {
	p *fpat
	o *forder
}

// NewFeed returns a feed starting from the hospital Generate makes with the
// same seed, start time and number of patients.
func NewFeed(opts FeedOptions) (*Feed, error) {
	if opts.Start.IsZero() {
		return nil, lifeboat.Errorf(lifeboat.EINVALID, "The feed needs a start time.")
	}
	n := opts.Patients
	if n == 0 {
		n = DefaultPatients
	}
	if n < 0 || n > MaxPatients {
		return nil, lifeboat.Errorf(lifeboat.EINVALID, "The number of patients must be between 1 and %d.", MaxPatients)
	}
	opts.Start = opts.Start.Truncate(time.Minute)
	if opts.Sending == "" {
		opts.Sending = "SIM^ALDERMOOR"
	}
	f := &Feed{opts: opts, occ: map[*bed]*fpat{}, nextIdx: n, counts: map[string]int{},
		b: hl7v2.NewBuilder(hl7v2.BuilderOptions{})}
	f.app, f.fac, _ = strings.Cut(opts.Sending, "^")
	// The same preamble as Generate: staff, salt, units and beds.
	f.g = &gen{seed: opts.Seed, now: opts.Start}
	rs := f.g.rng(1 << 62)
	f.g.staff(rs)
	f.g.salt = rs.Uint64()
	f.g.units, f.g.slots = placePatients(f.g.rng(0), n)
	k := mix(opts.Seed ^ uint64(opts.Start.Unix()))
	f.r = rand.New(rand.NewPCG(k, mix(k+0x66656564)))
	f.prefix = strings.ToUpper(strconv.FormatUint(k%(36*36*36*36*36)+36*36*36*36, 36)) // 5 characters
	if err := f.startingCensus(n); err != nil {
		return nil, err
	}
	f.target = len(f.pats)
	for _, p := range f.pats {
		switch opts.Census {
		case CensusSilent:
			p.silent = true
		case CensusBootstrap:
			f.boot = append(f.boot, pending{p: p})
		}
	}
	if opts.Census == CensusBootstrap {
		for _, p := range f.pats {
			for _, o := range p.orders {
				f.boot = append(f.boot, pending{p: p, o: o})
			}
		}
	}
	if opts.Census == CensusSilent { // the feed's own patients fill most of the free beds
		f.target += (f.beds() - f.target) * 2 / 3
	}
	return f, nil
}

// place puts p in bed b.
func (f *Feed) place(p *fpat, b *bed) {
	if p.bed != nil && f.occ[p.bed] == p {
		delete(f.occ, p.bed)
	}
	p.bed = b
	f.occ[b] = p
	if !slices.Contains(f.pats, p) {
		f.pats = append(f.pats, p)
	}
}

// release takes p out of the census.
func (f *Feed) release(p *fpat, now time.Time) {
	delete(f.occ, p.bed)
	f.pats = slices.DeleteFunc(f.pats, func(x *fpat) bool { return x == p })
	p.discharged = now
	f.gone = append(f.gone, p)
	if len(f.gone) > 64 {
		f.gone = f.gone[1:]
	}
}

func (f *Feed) beds() int {
	n := 0
	for _, u := range f.g.units {
		n += len(u.beds)
	}
	return n
}

// Census returns the number of admitted patients.
func (f *Feed) Census() int { return len(f.pats) }

// Counts returns how many messages of each kind the feed has made.
func (f *Feed) Counts() map[string]int {
	out := make(map[string]int, len(f.counts))
	for k, v := range f.counts {
		out[k] = v
	}
	return out
}

// HourlyRate returns how many messages an hour a hospital of the current
// census sends, the pace at which simulated time runs as fast as real time.
func (f *Feed) HourlyRate() float64 {
	sum := 0.0
	for _, w := range f.weights() {
		sum += w.w
	}
	return sum
}

type weighted struct {
	kind string
	w    float64
}

// weights returns the expected messages per hour of each kind now.
func (f *Feed) weights() []weighted {
	own := 0
	for _, p := range f.pats {
		if !p.silent {
			own++
		}
	}
	bal := min(max(1+float64(f.target-len(f.pats))/8, 0.1), 4)
	turnover := float64(f.target) / 96 // an average stay of 4 days
	out := []weighted{{KindAdmit, turnover * bal}, {KindDischarge, turnover / bal}}
	if len(f.occ) >= f.beds() {
		out[0].w = 0
	}
	if own == 0 {
		out[1].w = 0
	}
	for _, fr := range feedRates {
		out = append(out, weighted{fr.kind, fr.rate * float64(own) / 24})
	}
	out = append(out, weighted{KindCancelAdmit, 0.08}, weighted{KindCancelDischarge, 0.08})
	return out
}

// Next returns the next message of the feed, at simulated time now (the
// caller sets the pace; now should not go backwards): HL7 v2.5.1 with CR
// segment terminators, MSH-7 set to now and a unique MSH-10, and its kind
// ("ADT^A01", "ORU^R01", ...).
func (f *Feed) Next(now time.Time) ([]byte, string, error) {
	data, kind, err := f.next(now)
	if err == nil {
		f.counts[kind]++
	}
	return data, kind, err
}

func (f *Feed) next(now time.Time) ([]byte, string, error) {
	if len(f.boot) > 0 {
		x := f.boot[0]
		f.boot = f.boot[1:]
		if x.o == nil {
			return f.adt(now, "A01", x.p, nil)
		}
		return f.rde(now, x.p, x.o, false)
	}
	for len(f.soon) > 0 && f.r.Float64() < 0.35 {
		x := f.soon[0]
		f.soon = f.soon[1:]
		if f.occ[x.p.bed] == x.p {
			x.p.orders = append(x.p.orders, x.o)
			return f.rde(now, x.p, x.o, false)
		}
	}
	for range 1000 {
		ws := f.weights()
		total := 0.0
		for _, w := range ws {
			total += w.w
		}
		x := f.r.Float64() * total
		kind := ws[len(ws)-1].kind
		for _, w := range ws {
			if x -= w.w; x < 0 {
				kind = w.kind
				break
			}
		}
		if data, ok, err := f.event(now, kind); ok || err != nil {
			return data, kind, err
		}
	}
	return nil, "", lifeboat.Errorf(lifeboat.ECONFLICT, "The feed has no patient to send a message about.")
}

func activeCount(p *fpat) int {
	n := 0
	for _, o := range p.orders {
		if o.active {
			n++
		}
	}
	return n
}

func activeOrders(p *fpat) []*forder {
	var out []*forder
	for _, o := range p.orders {
		if o.active {
			out = append(out, o)
		}
	}
	return out
}

// nextID returns a new identifier with the feed's prefix: kind letter,
// prefix, sequence.
func (f *Feed) nextID(kind string) string {
	f.ids++
	return kind + f.prefix + pad(f.ids, 7)
}
