-- The audit trail moved to files of its own: audit.log, where an event is
-- made durable before the access it records is answered, and audit.db, the
-- indexed table it is applied to (see sqlite/audit_log.go and
-- audit_trail.go). Open copies this table's rows to audit.db, and commits
-- them, before this migration runs.
DROP TABLE IF EXISTS audit;
