package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/chart"
	"github.com/lifeboat-health/lifeboat/simulate"
)

// benchChart loads a synthetic hospital of the given size into a new
// encrypted store and times the chart summary of random admitted patients.
func benchChart(ctx context.Context, env *environment, patients, charts int) error {
	db, done, err := benchStore(ctx)
	if err != nil {
		return err
	}
	defer done()
	start := time.Now()
	n, err := loadDemo(ctx, db, simulate.Options{Seed: 8, Now: start, Patients: patients})
	if err != nil {
		return err
	}
	if err := db.Checkpoint(ctx); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "loaded %d patients (%d resources) in %s\n", patients, n, time.Since(start).Round(time.Second))
	encs, err := db.Resources(ctx, lifeboat.ResourceFilter{Type: "Encounter", Status: []string{"in-progress"}})
	if err != nil {
		return err
	}
	if len(encs) == 0 {
		return lifeboat.Errorf(lifeboat.EINTERNAL, "no admitted patients")
	}
	svc := &chart.Service{Store: db, Sources: db, Now: time.Now, Location: time.Local}
	rng := rand.New(rand.NewPCG(1, 2))
	lat := make([]time.Duration, 0, charts)
	for range charts {
		id := encs[rng.IntN(len(encs))].Index.Patient
		t0 := time.Now()
		if _, err := svc.Chart(ctx, id); err != nil {
			return err
		}
		lat = append(lat, time.Since(t0))
	}
	med, p95 := percentiles(lat)
	fmt.Fprintf(env.stdout, "%d chart summaries: median %s, p95 %s\n", charts, med.Round(time.Microsecond), p95.Round(time.Microsecond))
	return nil
}
