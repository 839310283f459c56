package main

import (
	"bufio"
	"context"
	"fmt"
	"strings"

	"github.com/lifeboat-health/lifeboat"
	lbhttp "github.com/lifeboat-health/lifeboat/http"
	"github.com/lifeboat-health/lifeboat/password"
	"github.com/lifeboat-health/lifeboat/sqlite"
)

func runUser(ctx context.Context, env *environment, args []string) error {
	if len(args) == 0 || args[0] != "add" {
		fmt.Fprintln(env.stderr, "Usage: lifeboat user add --data DIR --role ROLE NAME  (password read from standard input)")
		return lifeboat.Errorf(lifeboat.EINVALID, "unknown or missing user subcommand")
	}
	fs := newFlagSet(env, "user add", "user add --data DIR --role ROLE NAME < password")
	var sf storeFlags
	sf.register(fs)
	role := fs.String("role", lifeboat.RoleClinician, "role: admin, clinician or viewer")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return lifeboat.Errorf(lifeboat.EINVALID, "give exactly one user NAME")
	}
	name := fs.Arg(0)
	if !lifeboat.ValidRole(*role) {
		return lifeboat.Errorf(lifeboat.EINVALID, "unknown role %q (admin, clinician or viewer)", *role)
	}
	line, err := bufio.NewReader(env.stdin).ReadString('\n')
	if err != nil && line == "" {
		return lifeboat.Errorf(lifeboat.EINVALID, "read the password as one line from standard input")
	}
	pw := strings.TrimRight(line, "\r\n")
	if err := password.CheckPolicy(pw); err != nil {
		return err
	}
	db, err := sf.open(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := addUser(ctx, db, name, *role, pw); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "user %s added with role %s\n", name, *role)
	return nil
}

// addUser creates an account with a hashed password.
func addUser(ctx context.Context, db *sqlite.DB, name, role, pw string) error {
	hash, err := password.Hash(pw)
	if err != nil {
		return err
	}
	return db.CreateUser(ctx, &lifeboat.User{Name: name, Role: role, PasswordHash: hash})
}

func runToken(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "token", "token --data DIR NAME")
	var sf storeFlags
	sf.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return lifeboat.Errorf(lifeboat.EINVALID, "give exactly one user NAME")
	}
	db, err := sf.open(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := db.UserByName(ctx, fs.Arg(0))
	if err != nil {
		return err
	}
	tok, err := lbhttp.NewToken()
	if err != nil {
		return err
	}
	if err := db.CreateAPIToken(ctx, &lifeboat.APIToken{TokenHash: lbhttp.HashToken(tok), UserID: u.ID}); err != nil {
		return err
	}
	fmt.Fprintln(env.stdout, tok)
	return nil
}
