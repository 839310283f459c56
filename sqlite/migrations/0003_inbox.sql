-- How far the feed inbox (inbox.log) has been applied to the store.
CREATE TABLE inbox_state (
	id      INTEGER PRIMARY KEY CHECK (id = 1),
	applied INTEGER NOT NULL -- byte offset in inbox.log up to which every record is applied
);
INSERT INTO inbox_state(id, applied) VALUES (1, 0);
