-- FHIR search.
-- The code of Index.Code without its system ("system|code" -> "code"), for
-- token searches that give no system. Virtual: computed on read, nothing
-- stored, existing rows need no rewrite.
ALTER TABLE resources ADD COLUMN code_value TEXT GENERATED ALWAYS AS (substr(code, instr(code, '|') + 1)) VIRTUAL;

-- The indexes below are partial where a full index would win the planner
-- over the patient, location and status indexes for the view queries (it
-- would give their date order for free, at the price of scanning a whole
-- type): only queries that name their condition can use them.

-- Resources of a type by code (with or without its system), newest first.
CREATE INDEX resources_type_code ON resources(type, code_value, date) WHERE code_value IS NOT NULL;
-- Resources of a type in date order: dated ones by date, undated ones in
-- the order received. Both end in rid, so that keyset paging resumes with
-- an index range.
CREATE INDEX resources_type_date ON resources(type, date) WHERE date IS NOT NULL;
CREATE INDEX resources_type_undated ON resources(type) WHERE date IS NULL;
-- Resources of a type in the order of their last update (_lastUpdated,
-- following changes).
CREATE INDEX resources_type_updated ON resources(type, last_updated);
-- Patients by birth date (only Patient rows have one), and in id order
-- (Patient search results page by id).
CREATE INDEX resources_birthdate ON resources(birthdate) WHERE birthdate IS NOT NULL;
CREATE INDEX resources_patient_ids ON resources(id) WHERE type = 'Patient';
