-- 004-rejected-raw.sql: the raw bytes of rejected inputs in a table of
-- their own.
--
-- In rejected_inputs, raw was not the last column, so SQLite built each
-- row whole in memory: keeping 32 MiB of a rejected input took 32 MiB
-- and more. Alone in its row, a blob is written in pieces (zeroblob,
-- then incremental blob I/O) and read back the same way. The bytes of
-- the rows already kept move here unchanged.

-- The raw bytes kept of a rejected input: the first bytes, or all (up
-- to the --keep-rejected cap). One row per rejected_inputs row.
CREATE TABLE rejected_raw (
	input		INTEGER PRIMARY KEY REFERENCES rejected_inputs(id),
	raw		BLOB NOT NULL
);

INSERT INTO rejected_raw (input, raw) SELECT id, raw FROM rejected_inputs;

DROP VIEW v_rejected;
ALTER TABLE rejected_inputs DROP COLUMN raw;

-- kept: the bytes in rejected_raw (length() reads no blob).
CREATE VIEW v_rejected AS
SELECT i.id, i.origin, i.reason, i.size,
	(SELECT length(k.raw) FROM rejected_raw k WHERE k.input = i.id)
		AS kept,
	lower(hex(i.sha256)) AS sha256, i.times_seen,
	strftime('%Y-%m-%dT%H:%M:%SZ', i.first_seen, 'unixepoch') AS first_utc,
	strftime('%Y-%m-%dT%H:%M:%SZ', i.last_seen, 'unixepoch') AS last_utc
FROM rejected_inputs i;
