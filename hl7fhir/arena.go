package hl7fhir

import "github.com/lifeboat-health/lifeboat/hl7v2"

// The resources a message maps to, and what they hold, are garbage once Map
// has made its result: the result holds their JSON and Index, strings and
// slices of their own, never the values the JSON was written from. So the
// values mapped most are taken from arenas that the pooled mapper keeps for
// the next message, rather than allocated for each.

// arena hands out zero values of type T, which stay valid (each in its
// place) until reset.
type arena[T any] struct {
	chunks [][]T
	used   int // values handed out
}

// arenaChunk is the number of values an arena allocates at a time.
const arenaChunk = 16

// maxChunks is the number of chunks an arena keeps for the next message.
const maxChunks = 64

// new returns a zero T.
func (a *arena[T]) new() *T {
	c, i := a.used/arenaChunk, a.used%arenaChunk
	if c == len(a.chunks) {
		a.chunks = append(a.chunks, make([]T, arenaChunk))
	}
	a.used++
	return &a.chunks[c][i]
}

// slice returns an empty slice with room for n values (and no more, so
// that appending past them allocates).
func (a *arena[T]) slice(n int) []T {
	if n > arenaChunk {
		return make([]T, 0, n)
	}
	c, i := a.used/arenaChunk, a.used%arenaChunk
	if i+n > arenaChunk { // not enough left in this chunk
		c, i = c+1, 0
		a.used = c * arenaChunk
	}
	if c == len(a.chunks) {
		a.chunks = append(a.chunks, make([]T, arenaChunk))
	}
	a.used += n
	return a.chunks[c][i : i : i+n]
}

// reset zeroes the values handed out, to hand them out again.
func (a *arena[T]) reset() {
	for c := 0; c*arenaChunk < a.used; c++ {
		clear(a.chunks[c][:min(arenaChunk, a.used-c*arenaChunk)])
	}
	a.used = 0
	if len(a.chunks) > maxChunks {
		clear(a.chunks[maxChunks:])
		a.chunks = a.chunks[:maxChunks]
	}
}

// arenas are the arenas of a mapper, one for each type it takes from them.
type arenas struct {
	observations  arena[observationResource]
	ranges        arena[rangeAlloc]
	quantities    arena[quantity]
	concepts      arena[conceptAlloc]
	locations     arena[locationAlloc]
	practitioners arena[practitionerAlloc]
	encounters    arena[encounterAlloc]
	reports       arena[reportAlloc]
	groups        arena[obsGroup]
	references    arena[reference]
	memos         arena[jsonMemo[reference]]
	patients      arena[patientResource]
	conditions    arena[conditionResource]
	identifiers   arena[identifier]
	cxParts       arena[cxParts]
	names         arena[humanName]
	addresses     arena[address]
	contactPoints arena[contactPoint]
	contacts      arena[patientContact]
	conceptLists  arena[codeableConcept]
	strings       arena[string]
	segments      arena[hl7v2.Segment]
	segmentGroups arena[[]hl7v2.Segment]
	locationLists arena[encounterLocation]
}

func (a *arenas) reset() {
	a.observations.reset()
	a.ranges.reset()
	a.quantities.reset()
	a.concepts.reset()
	a.locations.reset()
	a.practitioners.reset()
	a.encounters.reset()
	a.reports.reset()
	a.groups.reset()
	a.references.reset()
	a.memos.reset()
	a.patients.reset()
	a.conditions.reset()
	a.identifiers.reset()
	a.cxParts.reset()
	a.names.reset()
	a.addresses.reset()
	a.contactPoints.reset()
	a.contacts.reset()
	a.conceptLists.reset()
	a.strings.reset()
	a.segments.reset()
	a.segmentGroups.reset()
	a.locationLists.reset()
}

// cxParts is what a CX identifier points to: its type and assigner.
type cxParts struct {
	typ      codeableConcept
	coding   [1]coding
	assigner reference
}

// conceptAlloc is a CodeableConcept with room for the codings cwe gives it.
type conceptAlloc struct {
	cc      codeableConcept
	codings [2]coding
}

// rangeAlloc is an Observation.referenceRange with its bounds.
type rangeAlloc struct {
	r         [1]obsRange
	low, high quantity
}

// locationAlloc is a Location with its identifier and the reference to it.
type locationAlloc struct {
	l   locationResource
	id  [1]identifier
	ref reference
}

// practitionerAlloc is a Practitioner, what it holds, and the reference to
// it.
type practitionerAlloc struct {
	p             practitionerResource
	name          [1]humanName
	id            [1]identifier
	typ           codeableConcept
	coding        [1]coding
	given, suffix [2]string
	prefix        [1]string
	ref           reference
}

// encounterAlloc is an Encounter with the parts it has at most one of.
type encounterAlloc struct {
	e               encounterResource
	id              [1]identifier
	period          period
	hospitalization hospitalization
}

// reportAlloc is a DiagnosticReport with its identifiers and category.
type reportAlloc struct {
	r        reportResource
	ids      [2]identifier
	category [1]codeableConcept
	coding   [1]coding
}

// mapReps maps the repetitions of f with conv and returns those it takes,
// in a slice from a with room for all of them (taken only once one is).
func mapReps[T any](a *arena[T], f hl7v2.Value, conv func(hl7v2.Value) (T, bool)) []T {
	var out []T
	for r := range f.Reps() {
		if x, ok := conv(r); ok {
			if out == nil {
				out = a.slice(f.RepCount())
			}
			out = append(out, x)
		}
	}
	return out
}
