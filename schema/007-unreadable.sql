-- 007-unreadable.sql: inputs that could not be read, counted apart.
--
-- An input that could not be read at all (a file that cannot be
-- opened, an IMAP folder whose server is down, refuses the login or
-- has no such folder) has no bytes to keep in rejected_inputs: it is
-- counted as unreadable, no longer as rejected, so that rejected
-- counts exactly the rows of rejected_inputs a run added to.
ALTER TABLE ingest_runs ADD COLUMN unreadable INTEGER NOT NULL DEFAULT 0;

DROP VIEW v_runs;
CREATE VIEW v_runs AS
SELECT id, strftime('%Y-%m-%dT%H:%M:%SZ', started_at, 'unixepoch')
		AS started_utc,
	strftime('%Y-%m-%dT%H:%M:%SZ', finished_at, 'unixepoch')
		AS finished_utc,
	version, inputs, mail_read, mail_known, stored, duplicates,
	superseded, rejected, unreadable, records, messages
FROM ingest_runs;
