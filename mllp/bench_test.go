package mllp

import (
	"context"
	"log/slog"
	"sync"
	"testing"
)

// benchMsg is a typical small ADT message.
var benchMsg = []byte("MSH|^~\\&|ADT|GENHOSP|LIFEBOAT|GENHOSP|20240719101500||ADT^A01^ADT_A01|MSG00001|P|2.5.1\r" +
	"EVN|A01|20240719101500\r" +
	"PID|1||123456^^^GENHOSP^MR||DOE^JANE^A||19800202|F|||1 MAIN ST^^SPRINGFIELD^IL^62701\r" +
	"PV1|1|I|4W^401^1^GENHOSP||||1234^SMITH^JOHN|||MED||||||||V0001\r")

var benchAck = []byte("MSH|^~\\&|LIFEBOAT|GENHOSP|ADT|GENHOSP|20240719101500||ACK^A01^ACK|ACK00001|P|2.5.1\rMSA|AA|MSG00001\r")

func benchServer(b *testing.B) *running {
	fixed := HandlerFunc(func(context.Context, *Conn, []byte) []byte { return benchAck })
	return start(b, &Server{Handler: fixed, Logger: slog.New(slog.DiscardHandler)})
}

// BenchmarkRoundTrip sends small messages over one connection, each waiting
// for its ACK.
func BenchmarkRoundTrip(b *testing.B) {
	r := benchServer(b)
	c := &Client{Addr: r.addr, Logger: slog.New(slog.DiscardHandler)}
	defer c.Close()
	ctx := context.Background()
	b.SetBytes(int64(len(benchMsg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Send(ctx, benchMsg); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkParallel8 sends small messages over 8 connections at once.
func BenchmarkParallel8(b *testing.B) {
	r := benchServer(b)
	const conns = 8
	clients := make([]*Client, conns)
	for i := range clients {
		clients[i] = &Client{Addr: r.addr, Logger: slog.New(slog.DiscardHandler)}
		defer clients[i].Close()
		if err := clients[i].Connect(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	ctx := context.Background()
	b.SetBytes(int64(len(benchMsg)))
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	for i, c := range clients {
		n := b.N / conns
		if i < b.N%conns {
			n++
		}
		wg.Go(func() {
			for range n {
				if _, err := c.Send(ctx, benchMsg); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
