-- FHIR Bulk Data sync state per source (lifeboat.SyncState as JSON; no PHI).
CREATE TABLE sync_state (
	source  TEXT PRIMARY KEY,
	state   TEXT NOT NULL,
	updated INTEGER NOT NULL -- unix milliseconds
) WITHOUT ROWID;
