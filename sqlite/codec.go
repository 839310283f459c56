package sqlite

import (
	_ "embed"
	"fmt"

	"github.com/klauspost/compress/zstd"
)

// Stored bodies start with a codec byte so the encoding can evolve.
const (
	codecRaw      byte = 0 // plain JSON
	codecZstd     byte = 1 // zstd-compressed JSON
	codecZstdDict byte = 2 // zstd with dictionary fhir-v1
)

// fhirDictV1 is the zstd dictionary of codecZstdDict. FHIR resources are
// small and alike, so a dictionary of typical resources makes them about
// three times smaller than plain zstd does. Never change it: stored bodies
// depend on it (see dict/gen.go).
//
//go:embed dict/fhir-v1.dict
var fhirDictV1 []byte

// dictID names fhirDictV1 inside zstd frames.
const dictID = 0x4c420001

// codec compresses resource bodies. Compression shrinks what the encrypting
// VFS has to encrypt and what the disk has to write by several times, which
// is where the store's write time goes.
type codec struct {
	enc *zstd.Encoder
	dec *zstd.Decoder
}

func newCodec() (*codec, error) {
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1),
		zstd.WithEncoderDictRaw(dictID, fhirDictV1))
	if err != nil {
		return nil, fmt.Errorf("sqlite: zstd encoder: %w", err)
	}
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(0), zstd.WithDecoderDictRaw(dictID, fhirDictV1))
	if err != nil {
		return nil, fmt.Errorf("sqlite: zstd decoder: %w", err)
	}
	return &codec{enc: enc, dec: dec}, nil
}

// encode returns the stored form of a JSON body.
func (c *codec) encode(dst, body []byte) []byte {
	dst = append(dst[:0], codecZstdDict)
	return c.enc.EncodeAll(body, dst)
}

// decode returns the JSON body of a stored form.
func (c *codec) decode(stored []byte) ([]byte, error) {
	if len(stored) == 0 {
		return nil, fmt.Errorf("sqlite: empty body")
	}
	switch stored[0] {
	case codecRaw:
		return append([]byte(nil), stored[1:]...), nil
	case codecZstd, codecZstdDict:
		b, err := c.dec.DecodeAll(stored[1:], nil)
		if err != nil {
			return nil, fmt.Errorf("sqlite: decode body: %w", err)
		}
		return b, nil
	}
	return nil, fmt.Errorf("sqlite: unknown body codec %d", stored[0])
}
