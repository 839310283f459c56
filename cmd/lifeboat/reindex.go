package main

import (
	"context"
	"fmt"
	"time"

	"github.com/lifeboat-health/lifeboat"
	"github.com/lifeboat-health/lifeboat/fhir"
)

// runReindex indexes every stored resource again the way an import indexes
// it today, after an upgrade that changed what is indexed.
func runReindex(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "reindex", "reindex --data DIR")
	var sf storeFlags
	sf.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return lifeboat.Errorf(lifeboat.EINVALID, "reindex takes no arguments")
	}
	db, err := sf.open(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	st, err := db.Reindex(ctx, func(r *lifeboat.Resource) (lifeboat.Index, error) {
		p, err := fhir.Parse(r.JSON)
		if err != nil {
			return lifeboat.Index{}, err
		}
		return p.Index, nil
	})
	fmt.Fprintf(env.stdout, "%d resources read, %d indexed again, %d could not be parsed (left as they were) in %.1f s\n",
		st.Read, st.Changed, st.Failed, time.Since(start).Seconds())
	return err
}
