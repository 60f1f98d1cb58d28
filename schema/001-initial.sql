-- 001-initial.sql: reports, records, their results, rejected inputs, runs.
--
-- Conventions: times are integer seconds since the epoch, UTC; the v_*
-- views show them as ISO-8601 text. Enumerated values are trimmed and
-- lower-cased but otherwise stored as the reporter wrote them: a value
-- outside the schema's enumeration is kept and has a row in warnings.
-- Domains are lower-cased without a trailing dot. NULL means the
-- element was absent or empty.

-- One row per "dmarcdb ingest" invocation.
CREATE TABLE ingest_runs (
	id		INTEGER PRIMARY KEY,
	started_at	INTEGER NOT NULL,
	finished_at	INTEGER,		-- NULL: still running, or killed
	version		TEXT NOT NULL,		-- dmarcdb version
	inputs		INTEGER NOT NULL DEFAULT 0,
	stored		INTEGER NOT NULL DEFAULT 0,
	duplicates	INTEGER NOT NULL DEFAULT 0,
	superseded	INTEGER NOT NULL DEFAULT 0,
	rejected	INTEGER NOT NULL DEFAULT 0,
	records		INTEGER NOT NULL DEFAULT 0,
	messages	INTEGER NOT NULL DEFAULT 0
);

-- One row per aggregate report (one <feedback> document).
CREATE TABLE reports (
	id		INTEGER PRIMARY KEY,
	run_id		INTEGER NOT NULL REFERENCES ingest_runs(id),
	-- 'active', or 'superseded' by a re-sent version with the same key
	status		TEXT NOT NULL
			CHECK (status IN ('active', 'superseded')),
	superseded_by	INTEGER REFERENCES reports(id),
	origin		TEXT NOT NULL,		-- where it came from
	received_at	INTEGER NOT NULL,	-- input's mtime (or arrival)
	ingested_at	INTEGER NOT NULL,
	xml_sha256	BLOB,			-- of the decompressed XML
	xml_part	INTEGER NOT NULL DEFAULT 0, -- nth <feedback> in it
	xml_size	INTEGER,
	schema		TEXT,			-- 'rfc7489' or 'rfc9990'
	namespace	TEXT,			-- of <feedback>, if any
	version		TEXT,
	-- report_metadata
	org_name	TEXT,			-- as written
	email		TEXT,
	extra_contact_info TEXT,
	extra_contact_info_lang TEXT,
	report_id	TEXT,			-- as written
	generator	TEXT,
	date_begin	INTEGER,
	date_end	INTEGER,
	-- policy_published
	domain		TEXT,
	adkim		TEXT,
	aspf		TEXT,
	p		TEXT,
	sp		TEXT,
	np		TEXT,
	pct		INTEGER,		-- NULL: not reported
	fo		TEXT,
	testing		TEXT,
	discovery_method TEXT,
	-- unknown elements outside records, as XML text
	extensions	TEXT,
	-- report key (see dmarcdb(1), DEDUPLICATION)
	reporter	TEXT,			-- org_name folded, or email domain
	report_key_id	TEXT,			-- report_id trimmed, <> removed
	record_count	INTEGER NOT NULL DEFAULT 0,
	message_count	INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX reports_sha ON reports(xml_sha256, xml_part);
CREATE UNIQUE INDEX reports_key ON reports(reporter, report_key_id, domain,
	date_begin, date_end) WHERE status = 'active';
CREATE INDEX reports_domain ON reports(domain, date_begin);

-- <error> elements of report_metadata.
CREATE TABLE report_errors (
	report		INTEGER NOT NULL REFERENCES reports(id),
	ordinal		INTEGER NOT NULL,
	message		TEXT NOT NULL,
	lang		TEXT,
	PRIMARY KEY (report, ordinal)
) WITHOUT ROWID;

-- One row per <record>.
CREATE TABLE records (
	id		INTEGER PRIMARY KEY,
	report		INTEGER NOT NULL REFERENCES reports(id),
	ordinal		INTEGER NOT NULL,	-- 1-based, in the report
	source_ip	TEXT,			-- canonical; NULL if invalid
	count		INTEGER NOT NULL,
	disposition	TEXT,			-- policy_evaluated
	dkim		TEXT,			-- policy_evaluated (aligned)
	spf		TEXT,			-- policy_evaluated (aligned)
	header_from	TEXT,
	envelope_from	TEXT,			-- '' = null reverse-path
	envelope_to	TEXT,
	extensions	TEXT			-- unknown elements, as XML
);
CREATE INDEX records_report ON records(report);

-- <auth_results><dkim>
CREATE TABLE dkim_results (
	record		INTEGER NOT NULL REFERENCES records(id),
	ordinal		INTEGER NOT NULL,
	domain		TEXT,
	selector	TEXT,
	result		TEXT,
	human_result	TEXT,
	human_result_lang TEXT,
	PRIMARY KEY (record, ordinal)
) WITHOUT ROWID;

-- <auth_results><spf>
CREATE TABLE spf_results (
	record		INTEGER NOT NULL REFERENCES records(id),
	ordinal		INTEGER NOT NULL,
	domain		TEXT,
	scope		TEXT,
	result		TEXT,
	human_result	TEXT,
	human_result_lang TEXT,
	PRIMARY KEY (record, ordinal)
) WITHOUT ROWID;

-- <policy_evaluated><reason>
CREATE TABLE override_reasons (
	record		INTEGER NOT NULL REFERENCES records(id),
	ordinal		INTEGER NOT NULL,
	type		TEXT,
	comment		TEXT,
	comment_lang	TEXT,
	PRIMARY KEY (record, ordinal)
) WITHOUT ROWID;

-- Remarks on stored reports: values outside an enumeration, invalid
-- addresses, suspicious date ranges, ... (record is NULL for the report).
CREATE TABLE warnings (
	id		INTEGER PRIMARY KEY,
	report		INTEGER NOT NULL REFERENCES reports(id),
	record		INTEGER REFERENCES records(id),
	code		TEXT NOT NULL,
	message		TEXT NOT NULL
);
CREATE INDEX warnings_report ON warnings(report);

-- Inputs that could not be stored, with their raw bytes (up to the
-- --keep-rejected cap). The same bytes rejected again update the row.
CREATE TABLE rejected_inputs (
	id		INTEGER PRIMARY KEY,
	run_id		INTEGER NOT NULL REFERENCES ingest_runs(id),
	origin		TEXT NOT NULL,
	reason		TEXT NOT NULL,
	sha256		BLOB NOT NULL UNIQUE,	-- of the kept bytes
	size		INTEGER NOT NULL,	-- full size, as far as known
	raw		BLOB NOT NULL,		-- the first bytes, or all
	first_seen	INTEGER NOT NULL,
	last_seen	INTEGER NOT NULL,
	times_seen	INTEGER NOT NULL DEFAULT 1
);

-- Views for analysts: ISO-8601 UTC times, one row per record.
CREATE VIEW v_reports AS
SELECT r.id, r.status, r.superseded_by, r.schema, r.org_name, r.email,
	r.report_id, r.domain,
	strftime('%Y-%m-%dT%H:%M:%SZ', r.date_begin, 'unixepoch') AS begin_utc,
	strftime('%Y-%m-%dT%H:%M:%SZ', r.date_end, 'unixepoch') AS end_utc,
	r.p, r.sp, r.np, r.pct, r.testing, r.adkim, r.aspf, r.fo,
	r.discovery_method, r.generator, r.record_count, r.message_count,
	(SELECT count(*) FROM warnings w WHERE w.report = r.id) AS warnings,
	strftime('%Y-%m-%dT%H:%M:%SZ', r.received_at, 'unixepoch')
		AS received_utc,
	strftime('%Y-%m-%dT%H:%M:%SZ', r.ingested_at, 'unixepoch')
		AS ingested_utc,
	r.origin
FROM reports r;

CREATE VIEW v_records AS
SELECT c.id AS record_id, r.id AS report, r.status, r.org_name, r.reporter,
	r.report_id, r.domain AS policy_domain,
	strftime('%Y-%m-%dT%H:%M:%SZ', r.date_begin, 'unixepoch') AS begin_utc,
	strftime('%Y-%m-%dT%H:%M:%SZ', r.date_end, 'unixepoch') AS end_utc,
	r.p, r.sp, r.np, r.pct, r.testing, r.adkim, r.aspf,
	c.ordinal, c.source_ip, c.count, c.disposition,
	c.dkim AS dmarc_dkim, c.spf AS dmarc_spf,
	c.header_from, c.envelope_from, c.envelope_to,
	(SELECT group_concat(coalesce(d.domain, '') || ':' ||
		coalesce(d.selector, '') || '=' || coalesce(d.result, ''), ' ')
	 FROM dkim_results d WHERE d.record = c.id) AS dkim_results,
	(SELECT group_concat(coalesce(s.domain, '') || ':' ||
		coalesce(s.scope, '') || '=' || coalesce(s.result, ''), ' ')
	 FROM spf_results s WHERE s.record = c.id) AS spf_results,
	(SELECT group_concat(coalesce(o.type, ''), ' ')
	 FROM override_reasons o WHERE o.record = c.id) AS reasons
FROM records c JOIN reports r ON r.id = c.report;

CREATE VIEW v_records_active AS
SELECT * FROM v_records WHERE status = 'active';

CREATE VIEW v_rejected AS
SELECT id, origin, reason, size, length(raw) AS kept,
	lower(hex(sha256)) AS sha256, times_seen,
	strftime('%Y-%m-%dT%H:%M:%SZ', first_seen, 'unixepoch') AS first_utc,
	strftime('%Y-%m-%dT%H:%M:%SZ', last_seen, 'unixepoch') AS last_utc
FROM rejected_inputs;

CREATE VIEW v_runs AS
SELECT id, strftime('%Y-%m-%dT%H:%M:%SZ', started_at, 'unixepoch')
		AS started_utc,
	strftime('%Y-%m-%dT%H:%M:%SZ', finished_at, 'unixepoch')
		AS finished_utc,
	version, inputs, stored, duplicates, superseded, rejected, records,
	messages
FROM ingest_runs;
