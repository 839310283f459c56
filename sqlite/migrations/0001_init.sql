-- Resources: the current version of every FHIR resource, with index columns.
CREATE TABLE resources (
	rid            INTEGER PRIMARY KEY,
	type           TEXT    NOT NULL,
	id             TEXT    NOT NULL,
	version        INTEGER NOT NULL,
	source_version TEXT    NOT NULL DEFAULT '',
	last_updated   INTEGER NOT NULL, -- unix milliseconds
	received       INTEGER NOT NULL, -- unix milliseconds
	source_kind    TEXT    NOT NULL DEFAULT '',
	source_name    TEXT    NOT NULL DEFAULT '',
	source_ref     TEXT    NOT NULL DEFAULT '',
	deleted        INTEGER NOT NULL DEFAULT 0,
	patient        TEXT,
	encounter      TEXT,
	location       TEXT,             -- an Encounter's current location
	status         TEXT,
	category       TEXT,
	code           TEXT,
	date           INTEGER,          -- unix milliseconds
	birthdate      TEXT,
	hash           BLOB    NOT NULL, -- digest of the JSON, to detect unchanged input
	body           BLOB    NOT NULL  -- codec byte + encoded JSON
);
-- (id, type) serves look-ups by type and id, and by id alone (ResolveID).
CREATE UNIQUE INDEX resources_id_type ON resources(id, type);
CREATE INDEX resources_patient ON resources(patient, type, date) WHERE patient IS NOT NULL;
CREATE INDEX resources_type_status ON resources(type, status, date);
CREATE INDEX resources_location ON resources(location, type) WHERE location IS NOT NULL;

-- Business identifiers of resources (MRN, NPI, ...).
CREATE TABLE identifiers (
	rid    INTEGER NOT NULL,
	type   TEXT    NOT NULL,
	system TEXT    NOT NULL,
	value  TEXT    NOT NULL
);
CREATE INDEX identifiers_value ON identifiers(value, type);
CREATE INDEX identifiers_rid ON identifiers(rid);

-- Normalised name tokens for search.
CREATE TABLE names (
	rid  INTEGER NOT NULL,
	type TEXT    NOT NULL,
	name TEXT    NOT NULL
);
CREATE INDEX names_name ON names(name, type);
CREATE INDEX names_rid ON names(rid);

-- Data sources and when they last delivered.
CREATE TABLE sources (
	kind          TEXT    NOT NULL,
	name          TEXT    NOT NULL,
	last_received INTEGER NOT NULL,
	resources     INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (kind, name)
);

-- Input that could not be accepted, kept for inspection.
CREATE TABLE rejects (
	id          INTEGER PRIMARY KEY,
	received    INTEGER NOT NULL,
	source_kind TEXT    NOT NULL,
	source_name TEXT    NOT NULL,
	source_ref  TEXT    NOT NULL,
	reason      TEXT    NOT NULL,
	raw         BLOB    NOT NULL
);

CREATE TABLE users (
	id            INTEGER PRIMARY KEY,
	name          TEXT    NOT NULL UNIQUE,
	role          TEXT    NOT NULL,
	password_hash TEXT    NOT NULL,
	created       INTEGER NOT NULL,
	disabled      INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE sessions (
	token_hash TEXT PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	created    INTEGER NOT NULL,
	last_seen  INTEGER NOT NULL,
	address    TEXT    NOT NULL DEFAULT ''
);

CREATE TABLE api_tokens (
	token_hash TEXT PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	created    INTEGER NOT NULL
);

-- The audit trail: every chart access and security event.
CREATE TABLE audit (
	id         INTEGER PRIMARY KEY,
	time       INTEGER NOT NULL,
	user       TEXT    NOT NULL,
	action     TEXT    NOT NULL,
	patient_id TEXT    NOT NULL DEFAULT '',
	query      TEXT    NOT NULL DEFAULT '',
	address    TEXT    NOT NULL DEFAULT '',
	outcome    TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_time ON audit(time);
CREATE INDEX audit_patient ON audit(patient_id, time);
CREATE INDEX audit_user ON audit(user, time);
