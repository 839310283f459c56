package main

import (
	"bufio"
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

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

// Bearer tokens are stored only as their hash (lbhttp.HashToken). A token's
// id is the first tokenIDLen hex digits of that hash: it names the token
// for list and revoke without revealing it (the hash of a random 256-bit
// token tells nothing of the token), and is printed when it is made.
const (
	tokenIDLen     = 12
	minTokenPrefix = 6 // the fewest digits of an id revoke accepts
)

// tokenUsage is the usage of the token commands.
const tokenUsage = `token [create] --data DIR NAME   (prints a new token for user NAME; its id to standard error)
       lifeboat token list --data DIR            (id, user and creation of every token)
       lifeboat token revoke --data DIR ID       (ID: a token's id, or its first 6 or more digits)`

// tokenID returns the id of the token stored under hash.
func tokenID(hash string) string { return hash[:min(tokenIDLen, len(hash))] }

func runToken(ctx context.Context, env *environment, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "create":
			return runTokenCreate(ctx, env, args[1:])
		case "list":
			return runTokenList(ctx, env, args[1:])
		case "revoke":
			return runTokenRevoke(ctx, env, args[1:])
		}
	}
	return runTokenCreate(ctx, env, args)
}

// runTokenCreate makes a token for a user: the token alone on standard
// output (for scripts), its id on standard error.
func runTokenCreate(ctx context.Context, env *environment, args []string) error {
	db, rest, err := tokenCommand(ctx, env, "token", tokenUsage, args, 1, "give exactly one user NAME", nil)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := db.UserByName(ctx, rest[0])
	if err != nil {
		return err
	}
	tok, err := lbhttp.NewToken()
	if err != nil {
		return err
	}
	hash := lbhttp.HashToken(tok)
	if err := db.CreateAPIToken(ctx, &lifeboat.APIToken{TokenHash: hash, UserID: u.ID}); err != nil {
		return err
	}
	fmt.Fprintln(env.stdout, tok)
	fmt.Fprintf(env.stderr, "token id %s for user %s (revoke it with 'lifeboat token revoke --data DIR %s')\n", tokenID(hash), u.Name, tokenID(hash))
	return nil
}

// runTokenList prints the id, user and creation time of every token.
// Lifeboat does not record when a token was last used.
func runTokenList(ctx context.Context, env *environment, args []string) error {
	db, _, err := tokenCommand(ctx, env, "token list", "token list --data DIR", args, 0, "token list takes no arguments", nil)
	if err != nil {
		return err
	}
	defer db.Close()
	tokens, names, err := apiTokens(ctx, db)
	if err != nil {
		return err
	}
	if len(tokens) == 0 {
		fmt.Fprintln(env.stdout, "no API tokens")
		return nil
	}
	tw := tabwriter.NewWriter(env.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tUSER\tCREATED")
	for _, t := range tokens {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", tokenID(t.TokenHash), names[t.UserID], t.Created.UTC().Format(time.RFC3339))
	}
	return tw.Flush()
}

// runTokenRevoke deletes the token with the given id (or id prefix).
func runTokenRevoke(ctx context.Context, env *environment, args []string) error {
	checkID := func(rest []string) error {
		if !validTokenPrefix(strings.ToLower(rest[0])) {
			return lifeboat.Errorf(lifeboat.EINVALID, "a token ID is %d to 64 hex digits, as 'lifeboat token list' shows it", minTokenPrefix)
		}
		return nil
	}
	db, rest, err := tokenCommand(ctx, env, "token revoke", "token revoke --data DIR ID   (ID as 'lifeboat token list' shows it, or its first 6 or more digits)",
		args, 1, "give exactly one token ID (see 'lifeboat token list')", checkID)
	if err != nil {
		return err
	}
	defer db.Close()
	tokens, names, err := apiTokens(ctx, db)
	if err != nil {
		return err
	}
	t, err := findToken(tokens, strings.ToLower(rest[0]))
	if err != nil {
		return err
	}
	if err := db.RevokeAPIToken(ctx, t.TokenHash); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "token %s of user %s revoked (a running server refuses it within 5 seconds)\n", tokenID(t.TokenHash), names[t.UserID])
	return nil
}

// validTokenPrefix reports whether s can be a token id or a prefix of one:
// minTokenPrefix to 64 lowercase hex digits.
func validTokenPrefix(s string) bool {
	if len(s) < minTokenPrefix || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// findToken returns the one token whose hash starts with prefix.
func findToken(tokens []*lifeboat.APIToken, prefix string) (*lifeboat.APIToken, error) {
	var found []*lifeboat.APIToken
	for _, t := range tokens {
		if strings.HasPrefix(t.TokenHash, prefix) {
			found = append(found, t)
		}
	}
	switch len(found) {
	case 0:
		return nil, lifeboat.Errorf(lifeboat.ENOTFOUND, "no API token has the id %s (see 'lifeboat token list')", prefix)
	case 1:
		return found[0], nil
	}
	return nil, lifeboat.Errorf(lifeboat.EINVALID, "%d API tokens have ids starting with %s: give more of the id", len(found), prefix)
}

// tokenCommand parses the flags of a token subcommand, checks that it was
// given nargs arguments (need says what otherwise) that check accepts (if
// set), and opens the store.
func tokenCommand(ctx context.Context, env *environment, name, usage string, args []string, nargs int, need string,
	check func([]string) error) (*sqlite.DB, []string, error) {
	fs := newFlagSet(env, name, usage)
	var sf storeFlags
	sf.register(fs)
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	if fs.NArg() != nargs {
		return nil, nil, lifeboat.Errorf(lifeboat.EINVALID, "%s", need)
	}
	if check != nil {
		if err := check(fs.Args()); err != nil {
			return nil, nil, err
		}
	}
	db, err := sf.open(ctx, env)
	return db, fs.Args(), err
}

// apiTokens returns every API token and the login names of the accounts
// by id.
func apiTokens(ctx context.Context, db *sqlite.DB) ([]*lifeboat.APIToken, map[int64]string, error) {
	tokens, err := db.APITokens(ctx)
	if err != nil {
		return nil, nil, err
	}
	users, err := db.Users(ctx)
	if err != nil {
		return nil, nil, err
	}
	names := make(map[int64]string, len(users))
	for _, u := range users {
		names[u.ID] = u.Name
	}
	return tokens, names, nil
}
