-- 016-input-files.sql: report files read before, by the SHA-256 of
-- their bytes as read (before any decompression), so that ingest does
-- not read again what it has stored (dmarcdb(1), INGEST). A file is
-- here only when every report it gave was stored, or known before, and
-- nothing in it was rejected; it is recorded in the transaction of its
-- reports. Mail has its own: mail_messages.
CREATE TABLE input_files (
	sha256		BLOB PRIMARY KEY,	-- of the file's bytes
	size		INTEGER NOT NULL,
	reports		INTEGER NOT NULL,	-- the reports it gave
	origin		TEXT NOT NULL,		-- its path when first read
	run_id		INTEGER NOT NULL REFERENCES ingest_runs(id),
	first_seen	INTEGER NOT NULL	-- Unix time
) WITHOUT ROWID;

CREATE VIEW v_input_files AS
SELECT lower(hex(sha256)) AS sha256, size, reports, origin, run_id,
	strftime('%Y-%m-%dT%H:%M:%SZ', first_seen, 'unixepoch')
		AS first_seen_utc
FROM input_files;
