-- Inbound feed messages (HL7 v2), kept as received: applied ones for
-- provenance and de-duplication, rejected ones as dead letters.
CREATE TABLE messages (
	id         INTEGER PRIMARY KEY,
	received   INTEGER NOT NULL,
	feed       TEXT    NOT NULL,
	control_id TEXT    NOT NULL,
	type       TEXT    NOT NULL DEFAULT '',
	remote     TEXT    NOT NULL DEFAULT '',
	status     TEXT    NOT NULL,
	error      TEXT    NOT NULL DEFAULT '',
	resources  INTEGER NOT NULL DEFAULT 0,
	replayed   INTEGER NOT NULL DEFAULT 0,
	raw        BLOB    NOT NULL -- codec byte + encoded message
);
-- A feed's control id is applied once: a re-sent message is acknowledged, not applied again.
CREATE UNIQUE INDEX messages_applied ON messages(feed, control_id) WHERE status = 'applied';
CREATE INDEX messages_dead ON messages(id) WHERE status = 'rejected' AND replayed = 0;

-- Per-feed health: what each sender delivered and when.
CREATE TABLE feeds (
	feed         TEXT PRIMARY KEY,
	last_message INTEGER NOT NULL,
	messages     INTEGER NOT NULL DEFAULT 0,
	rejected     INTEGER NOT NULL DEFAULT 0,
	last_error   INTEGER NOT NULL DEFAULT 0
);
