-- 016-input-files.sql: schema 15 to 16 (schema/016-input-files.sql):
-- report files read before, by the SHA-256 of their bytes.
CREATE TABLE input_files (
	sha256		bytea PRIMARY KEY,
	size		bigint NOT NULL,
	reports		bigint NOT NULL,
	origin		text COLLATE "C" NOT NULL,
	run_id		bigint NOT NULL,
	first_seen	bigint NOT NULL
);

CREATE VIEW v_input_files AS
SELECT encode(sha256, 'hex') AS sha256, size, reports, origin, run_id,
	dmarcdb_utc(first_seen) AS first_seen_utc
FROM input_files;
