-- 015-postgresql.sql: the schema of a PostgreSQL store, as it is after
-- the SQLite store's schema files 001 to 015 (dmarcdb(1), POSTGRESQL).
-- A later schema version comes as a file here beside the SQLite one,
-- with the same number; dmarcdb_schema holds the version a database
-- has.
--
-- The tables, columns and views have the SQLite store's names and
-- meanings, with PostgreSQL's types (INTEGER is bigint, BLOB is bytea).
-- What differs, and why:
-- - Planned for distribution by the policy domain (Citus: README.md
--   here, dmarcdb(1) POSTGRESQL): reports carries it as domain ('' when
--   a report gave none), the tables of its records and results as
--   policy_domain; every unique key and primary key of those tables
--   includes it (after what they are looked up by: a row's id, a
--   report's digest); there are no foreign keys. The other tables (signatures, mail, rejected
--   inputs, runs, caches, configuration) are small and stay whole on
--   every node (reference tables).
-- - Row ids come from sequences, so that many ingests on many hosts
--   never hand out the same id (an id is never reused: a report rolled
--   back leaves a gap).
-- - The raw bytes of a rejected input are kept in pieces
--   (rejected_pieces), written as they come: bytea cannot be written
--   in place.

CREATE TABLE dmarcdb_schema (
	version		integer NOT NULL
);
INSERT INTO dmarcdb_schema VALUES (15);

CREATE SEQUENCE ingest_runs_id_seq;
CREATE SEQUENCE reports_id_seq;
CREATE SEQUENCE records_id_seq;
CREATE SEQUENCE warnings_id_seq;
CREATE SEQUENCE rejected_inputs_id_seq;
CREATE SEQUENCE mail_messages_id_seq;
CREATE SEQUENCE auth_sigs_id_seq;
CREATE SEQUENCE config_senders_id_seq;

CREATE TABLE ingest_runs (
	id		bigint PRIMARY KEY DEFAULT nextval('ingest_runs_id_seq'),
	started_at	bigint NOT NULL,
	finished_at	bigint,
	version		text COLLATE "C" NOT NULL,
	inputs		bigint NOT NULL DEFAULT 0,
	stored		bigint NOT NULL DEFAULT 0,
	duplicates	bigint NOT NULL DEFAULT 0,
	superseded	bigint NOT NULL DEFAULT 0,
	rejected	bigint NOT NULL DEFAULT 0,
	records		bigint NOT NULL DEFAULT 0,
	messages	bigint NOT NULL DEFAULT 0,
	mail_read	bigint NOT NULL DEFAULT 0,
	mail_known	bigint NOT NULL DEFAULT 0,
	unreadable	bigint NOT NULL DEFAULT 0
);

CREATE TABLE reports (
	id		bigint NOT NULL DEFAULT nextval('reports_id_seq'),
	run_id		bigint NOT NULL,
	status		text COLLATE "C" NOT NULL
			CHECK (status IN ('active', 'superseded')),
	superseded_by	bigint,
	origin		text COLLATE "C" NOT NULL,
	received_at	bigint NOT NULL,
	ingested_at	bigint NOT NULL,
	xml_sha256	bytea,
	xml_part	bigint NOT NULL DEFAULT 0,
	xml_size	bigint,
	schema		text COLLATE "C",
	namespace	text COLLATE "C",
	version		text COLLATE "C",
	org_name	text COLLATE "C",
	email		text COLLATE "C",
	extra_contact_info text COLLATE "C",
	extra_contact_info_lang text COLLATE "C",
	report_id	text COLLATE "C",
	generator	text COLLATE "C",
	date_begin	bigint,
	date_end	bigint,
	domain		text COLLATE "C" NOT NULL DEFAULT '',
	adkim		text COLLATE "C",
	aspf		text COLLATE "C",
	p		text COLLATE "C",
	sp		text COLLATE "C",
	np		text COLLATE "C",
	pct		bigint,
	fo		text COLLATE "C",
	testing		text COLLATE "C",
	discovery_method text COLLATE "C",
	extensions	text COLLATE "C",
	reporter	text COLLATE "C",
	report_key_id	text COLLATE "C",
	record_count	bigint NOT NULL DEFAULT 0,
	message_count	bigint NOT NULL DEFAULT 0,
	mail_message	bigint,
	day		bigint,
	raw_p		text COLLATE "C",
	raw_sp		text COLLATE "C",
	raw_np		text COLLATE "C",
	raw_adkim	text COLLATE "C",
	raw_aspf	text COLLATE "C",
	raw_pct		text COLLATE "C",
	raw_fo		text COLLATE "C",
	raw_testing	text COLLATE "C",
	PRIMARY KEY (id, domain)
);
-- The same bytes are the same report, wherever they were ingested.
CREATE UNIQUE INDEX reports_sha ON reports(xml_sha256, xml_part, domain);
-- One active report per key: a re-sent version supersedes.
CREATE UNIQUE INDEX reports_key ON reports(domain, reporter, report_key_id,
	date_begin, date_end) WHERE status = 'active';
CREATE INDEX reports_domain ON reports(domain, date_begin);
CREATE INDEX reports_day ON reports(domain, day) WHERE status = 'active';
CREATE INDEX reports_end ON reports(date_end) WHERE status = 'active';

CREATE TABLE report_errors (
	policy_domain	text COLLATE "C" NOT NULL,
	report		bigint NOT NULL,
	ordinal		bigint NOT NULL,
	message		text COLLATE "C" NOT NULL,
	lang		text COLLATE "C",
	PRIMARY KEY (report, ordinal, policy_domain)
);

CREATE TABLE records (
	policy_domain	text COLLATE "C" NOT NULL,
	id		bigint NOT NULL,
	report		bigint NOT NULL,
	ordinal		bigint NOT NULL,
	source_ip	text COLLATE "C",
	count		bigint NOT NULL,
	disposition	text COLLATE "C",
	dkim		text COLLATE "C",
	spf		text COLLATE "C",
	header_from	text COLLATE "C",
	envelope_from	text COLLATE "C",
	envelope_to	text COLLATE "C",
	extensions	text COLLATE "C",
	sig		bigint,
	PRIMARY KEY (id, policy_domain)
);
CREATE INDEX records_report ON records(report);

CREATE TABLE dkim_results (
	policy_domain	text COLLATE "C" NOT NULL,
	record		bigint NOT NULL,
	ordinal		bigint NOT NULL,
	domain		text COLLATE "C",
	selector	text COLLATE "C",
	result		text COLLATE "C",
	human_result	text COLLATE "C",
	human_result_lang text COLLATE "C",
	PRIMARY KEY (record, ordinal, policy_domain)
);

CREATE TABLE spf_results (
	policy_domain	text COLLATE "C" NOT NULL,
	record		bigint NOT NULL,
	ordinal		bigint NOT NULL,
	domain		text COLLATE "C",
	scope		text COLLATE "C",
	result		text COLLATE "C",
	human_result	text COLLATE "C",
	human_result_lang text COLLATE "C",
	PRIMARY KEY (record, ordinal, policy_domain)
);

CREATE TABLE override_reasons (
	policy_domain	text COLLATE "C" NOT NULL,
	record		bigint NOT NULL,
	ordinal		bigint NOT NULL,
	type		text COLLATE "C",
	comment		text COLLATE "C",
	comment_lang	text COLLATE "C",
	PRIMARY KEY (record, ordinal, policy_domain)
);

CREATE TABLE warnings (
	policy_domain	text COLLATE "C" NOT NULL,
	id		bigint NOT NULL DEFAULT nextval('warnings_id_seq'),
	report		bigint NOT NULL,
	record		bigint,
	code		text COLLATE "C" NOT NULL,
	message		text COLLATE "C" NOT NULL,
	PRIMARY KEY (id, policy_domain)
);
CREATE INDEX warnings_report ON warnings(report);

CREATE TABLE rejected_inputs (
	id		bigint PRIMARY KEY
			DEFAULT nextval('rejected_inputs_id_seq'),
	run_id		bigint NOT NULL,
	origin		text COLLATE "C" NOT NULL,
	reason		text COLLATE "C" NOT NULL,
	sha256		bytea NOT NULL UNIQUE,
	size		bigint NOT NULL,
	first_seen	bigint NOT NULL,
	last_seen	bigint NOT NULL,
	times_seen	bigint NOT NULL DEFAULT 1,
	mail_message	bigint
);

-- The kept bytes of a rejected input, in pieces of up to 256 KiB.
CREATE TABLE rejected_pieces (
	input		bigint NOT NULL,
	piece		bigint NOT NULL,	-- 0, 1, ...
	raw		bytea NOT NULL,
	PRIMARY KEY (input, piece)
);
-- As in SQLite: one row per input, its bytes whole (for analysts).
CREATE VIEW rejected_raw AS
SELECT input, string_agg(raw, ''::bytea ORDER BY piece) AS raw
FROM rejected_pieces GROUP BY input;

CREATE TABLE mail_messages (
	id		bigint PRIMARY KEY
			DEFAULT nextval('mail_messages_id_seq'),
	run_id		bigint NOT NULL,
	sha256		bytea NOT NULL UNIQUE,
	message_id	text COLLATE "C",
	mailbox		text COLLATE "C" NOT NULL,
	location	text COLLATE "C",
	from_addr	text COLLATE "C",
	subject		text COLLATE "C",
	date		bigint,
	size		bigint NOT NULL,
	outcome		text COLLATE "C" NOT NULL CHECK (outcome IN
			    ('stored', 'duplicate', 'rejected', 'no_report')),
	reports		bigint NOT NULL DEFAULT 0,
	duplicates	bigint NOT NULL DEFAULT 0,
	rejected	bigint NOT NULL DEFAULT 0,
	reason		text COLLATE "C",
	first_seen	bigint NOT NULL,
	last_seen	bigint NOT NULL
);
CREATE INDEX mail_messages_message_id ON mail_messages(message_id);

CREATE TABLE mail_locations (
	location	text COLLATE "C" PRIMARY KEY,
	message		bigint NOT NULL,
	seen_at		bigint NOT NULL,
	handled_at	bigint
);

CREATE TABLE auth_sigs (
	id		bigint PRIMARY KEY DEFAULT nextval('auth_sigs_id_seq'),
	key		bytea NOT NULL UNIQUE,
	header_from	text COLLATE "C",
	adkim		text COLLATE "C" NOT NULL,
	aspf		text COLLATE "C" NOT NULL,
	dmarc		bigint NOT NULL,
	dkim_aligned	bigint NOT NULL,
	spf_aligned	bigint NOT NULL,
	receiver_dkim	text COLLATE "C",
	receiver_spf	text COLLATE "C",
	disposition	text COLLATE "C",
	reasons		text COLLATE "C",
	facts		bigint,
	passes		text COLLATE "C",
	ident		text COLLATE "C"
);

CREATE TABLE auth_sig_dkim (
	sig		bigint NOT NULL,
	ordinal		bigint NOT NULL,
	domain		text COLLATE "C",
	selector	text COLLATE "C",
	result		text COLLATE "C",
	aligned		bigint NOT NULL,
	PRIMARY KEY (sig, ordinal)
);

CREATE TABLE auth_sig_spf (
	sig		bigint NOT NULL,
	ordinal		bigint NOT NULL,
	domain		text COLLATE "C",
	scope		text COLLATE "C",
	result		text COLLATE "C",
	aligned		bigint NOT NULL,
	PRIMARY KEY (sig, ordinal)
);

CREATE TABLE sources (
	domain		text COLLATE "C" NOT NULL,
	header_from	text COLLATE "C" NOT NULL,
	source_ip	text COLLATE "C" NOT NULL,
	ip		bytea,
	first_day	bigint NOT NULL,
	last_day	bigint NOT NULL,
	PRIMARY KEY (domain, header_from, source_ip)
);

CREATE TABLE summary_dirty (
	domain		text COLLATE "C" NOT NULL,
	day		bigint NOT NULL,
	PRIMARY KEY (domain, day)
);

CREATE TABLE config_files (
	id		bigint PRIMARY KEY CHECK (id = 1),
	path		text COLLATE "C",
	sha256		bytea,
	loaded_at	bigint NOT NULL
);

CREATE TABLE config_domains (
	domain		text COLLATE "C" PRIMARY KEY,
	record		text COLLATE "C"
);

CREATE TABLE config_senders (
	id		bigint PRIMARY KEY
			DEFAULT nextval('config_senders_id_seq'),
	domain		text COLLATE "C",
	name		text COLLATE "C" NOT NULL,
	line		bigint NOT NULL
);

CREATE TABLE config_sender_rules (
	sender		bigint NOT NULL,
	kind		text COLLATE "C" NOT NULL CHECK (kind IN ('ip', 'dkim', 'spf')),
	value		text COLLATE "C" NOT NULL,
	selector	text COLLATE "C",
	ip_first	bytea,
	ip_last		bytea
);
CREATE INDEX config_sender_rules_sender ON config_sender_rules(sender);

CREATE TABLE config_thresholds (
	domain		text COLLATE "C",
	name		text COLLATE "C" NOT NULL,
	value		text COLLATE "C" NOT NULL
);

CREATE TABLE ptr_cache (
	ip		text COLLATE "C" PRIMARY KEY,
	status		text COLLATE "C" NOT NULL,
	name		text COLLATE "C",
	confirmed	bigint NOT NULL,
	checked		bigint NOT NULL,
	expires		bigint NOT NULL
);

CREATE TABLE digest_alerts (
	recipient	text COLLATE "C" NOT NULL,
	key		text COLLATE "C" NOT NULL,
	first_sent	bigint NOT NULL,
	last_seen	bigint NOT NULL,
	PRIMARY KEY (recipient, key)
);

CREATE TABLE class_windows (
	domain		text COLLATE "C" PRIMARY KEY,
	from_day	bigint NOT NULL,
	to_day		bigint NOT NULL,
	configured	bigint NOT NULL,
	decided_at	bigint NOT NULL
);

CREATE TABLE source_classes (
	domain		text COLLATE "C" NOT NULL,
	header_from	text COLLATE "C" NOT NULL,
	source_ip	text COLLATE "C" NOT NULL,
	class		text COLLATE "C" NOT NULL CHECK (class IN
			    ('compliant', 'misconfigured', 'forwarded')),
	sender		text COLLATE "C",
	PRIMARY KEY (domain, header_from, source_ip)
);

CREATE TABLE dns_records (
	domain		text COLLATE "C" NOT NULL,
	kind		text COLLATE "C" NOT NULL CHECK (kind IN
			    ('dmarc', 'spf', 'dkim', 'mx', 'mta-sts',
			    'tls-rpt')),
	name		text COLLATE "C" NOT NULL,
	value		text COLLATE "C" NOT NULL,
	first_seen	bigint NOT NULL,
	last_seen	bigint NOT NULL,
	PRIMARY KEY (domain, kind, name, first_seen)
);

-- An address as 16 bytes, IPv4 as ::ffff:a.b.c.d (sources.ip), from
-- its canonical text; NULL for none.
CREATE FUNCTION dmarcdb_ip(t text) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
	a	inet := t::inet;
	s	text;
	halves	text[];
	head	text[];
	tail	text[];
	v4	text := '';
	hex	text := '';
	g	text;
	n	integer;
BEGIN
	IF family(a) = 4 THEN
		RETURN decode('00000000000000000000ffff' ||
		    lpad(to_hex(a - '0.0.0.0'::inet), 8, '0'), 'hex');
	END IF;
	s := host(a);
	IF position('.' in s) > 0 THEN
		-- The last 32 bits written as IPv4.
		v4 := lpad(to_hex(regexp_replace(s, '^.*:', '')::inet -
		    '0.0.0.0'::inet), 8, '0');
		s := regexp_replace(s, '[^:]*$', '');
		IF s LIKE '%::' THEN
			NULL;
		ELSE
			s := left(s, length(s) - 1);
		END IF;
	END IF;
	halves := string_to_array(s, '::');
	head := CASE WHEN halves[1] = '' THEN '{}'::text[] ELSE
	    string_to_array(halves[1], ':') END;
	tail := CASE WHEN cardinality(halves) < 2 OR halves[2] = '' THEN
	    '{}'::text[] ELSE string_to_array(halves[2], ':') END;
	n := 8 - cardinality(head) - cardinality(tail) - length(v4) / 4;
	FOREACH g IN ARRAY head LOOP
		hex := hex || lpad(g, 4, '0');
	END LOOP;
	IF cardinality(halves) > 1 THEN
		hex := hex || repeat('0000', n);
	END IF;
	FOREACH g IN ARRAY tail LOOP
		hex := hex || lpad(g, 4, '0');
	END LOOP;
	RETURN decode(hex || v4, 'hex');
END
$$;

-- A time as ISO 8601 UTC text, as SQLite's strftime gives it.
CREATE FUNCTION dmarcdb_utc(t bigint) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $$
	SELECT to_char(to_timestamp(t) AT TIME ZONE 'UTC',
	    'YYYY-MM-DD"T"HH24:MI:SS"Z"')
$$;
-- A UTC day number as a date's text.
CREATE FUNCTION dmarcdb_day(d bigint) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $$
	SELECT to_char(date '1970-01-01' + d::integer, 'YYYY-MM-DD')
$$;

-- --- the views (dmarcdb(1), STORAGE), as the SQLite store's ----------

CREATE VIEW v_mail AS
SELECT id, outcome, reports, duplicates, rejected, reason, message_id,
	from_addr, subject, dmarcdb_utc(date) AS date_utc,
	mailbox, location, size, dmarcdb_utc(first_seen) AS first_utc,
	dmarcdb_utc(last_seen) AS last_utc
FROM mail_messages;

CREATE VIEW v_rejected AS
SELECT i.id, i.origin, i.reason, i.size,
	(SELECT sum(length(k.raw)) FROM rejected_pieces k
	 WHERE k.input = i.id) AS kept,
	encode(i.sha256, 'hex') AS sha256, i.times_seen,
	dmarcdb_utc(i.first_seen) AS first_utc,
	dmarcdb_utc(i.last_seen) AS last_utc
FROM rejected_inputs i;

CREATE VIEW v_runs AS
SELECT id, dmarcdb_utc(started_at) AS started_utc,
	dmarcdb_utc(finished_at) AS finished_utc,
	version, inputs, mail_read, mail_known, stored, duplicates,
	superseded, rejected, unreadable, records, messages
FROM ingest_runs;

CREATE VIEW v_record_identity AS
SELECT c.id AS record_id, r.id AS report, r.status,
	nullif(r.domain, '') AS policy_domain, c.source_ip, c.header_from,
	c.count, g.ident AS auth_domain,
	CASE WHEN g.ident IS NULL THEN NULL
	     WHEN g.facts & 1048576 <> 0 THEN 'spf' ELSE 'dkim' END
		AS auth_kind,
	CASE WHEN g.ident IS NULL THEN NULL
	     ELSE ((g.facts & 2097152) <> 0)::integer END AS auth_aligned,
	p.status AS ptr_status, p.name AS ptr, p.confirmed AS ptr_confirmed
FROM records c JOIN reports r ON r.domain = c.policy_domain
	AND r.id = c.report
LEFT JOIN auth_sigs g ON g.id = c.sig
LEFT JOIN ptr_cache p ON p.ip = c.source_ip;

CREATE VIEW v_reports AS
SELECT r.id, r.status, r.superseded_by, r.schema, r.org_name, r.email,
	r.report_id, nullif(r.domain, '') AS policy_domain,
	dmarcdb_utc(r.date_begin) AS begin_utc,
	dmarcdb_utc(r.date_end) AS end_utc,
	r.p, r.sp, r.np, r.pct, r.testing, r.adkim, r.aspf, r.fo,
	r.discovery_method, r.generator, r.record_count, r.message_count,
	(SELECT count(*) FROM warnings w WHERE w.policy_domain = r.domain
	 AND w.report = r.id) AS warnings,
	dmarcdb_utc(r.received_at) AS received_utc,
	dmarcdb_utc(r.ingested_at) AS ingested_utc,
	r.origin, r.raw_p, r.raw_sp, r.raw_np, r.raw_pct, r.raw_testing,
	r.raw_adkim, r.raw_aspf, r.raw_fo
FROM reports r;

CREATE VIEW v_records AS
SELECT c.id AS record_id, r.id AS report, r.status, r.org_name, r.reporter,
	r.report_id, nullif(r.domain, '') AS policy_domain,
	dmarcdb_utc(r.date_begin) AS begin_utc,
	dmarcdb_utc(r.date_end) AS end_utc,
	r.p, r.sp, r.np, r.pct, r.testing, r.adkim, r.aspf,
	c.ordinal, c.source_ip, c.count, c.disposition,
	c.dkim AS receiver_dkim, c.spf AS receiver_spf,
	c.header_from, c.envelope_from, c.envelope_to,
	(SELECT string_agg(coalesce(d.domain, '') || ':' ||
		coalesce(d.selector, '') || '=' || coalesce(d.result, ''), ' '
		ORDER BY d.ordinal)
	 FROM dkim_results d WHERE d.policy_domain = c.policy_domain
	 AND d.record = c.id) AS dkim_results,
	(SELECT string_agg(coalesce(s.domain, '') || ':' ||
		coalesce(s.scope, '') || '=' || coalesce(s.result, ''), ' '
		ORDER BY s.ordinal)
	 FROM spf_results s WHERE s.policy_domain = c.policy_domain
	 AND s.record = c.id) AS spf_results,
	(SELECT string_agg(coalesce(o.type, ''), ' ' ORDER BY o.ordinal)
	 FROM override_reasons o WHERE o.policy_domain = c.policy_domain
	 AND o.record = c.id) AS reasons,
	CASE g.dmarc WHEN 1 THEN 'pass' WHEN 0 THEN 'fail' END AS dmarc,
	g.dkim_aligned, g.spf_aligned,
	CASE WHEN r.status = 'active' AND r.day BETWEEN w.from_day AND w.to_day
	     THEN coalesce(k.class, 'unknown') END AS class,
	CASE WHEN r.status = 'active' AND r.day BETWEEN w.from_day AND w.to_day
	     THEN k.sender END AS sender
FROM records c JOIN reports r ON r.domain = c.policy_domain
	AND r.id = c.report
LEFT JOIN auth_sigs g ON g.id = c.sig
LEFT JOIN class_windows w ON w.domain = r.domain
LEFT JOIN source_classes k ON k.domain = r.domain
	AND k.header_from = coalesce(c.header_from, '')
	AND k.source_ip = coalesce(c.source_ip, '');

CREATE VIEW v_records_active AS
SELECT * FROM v_records WHERE status = 'active';

CREATE VIEW v_source_days AS
SELECT p.domain AS policy_domain, dmarcdb_day(p.day) AS day,
	coalesce(c.source_ip, '') AS source_ip, g.header_from, p.reporter,
	sum(c.count) AS messages, count(*) AS records,
	CASE g.dmarc WHEN 1 THEN 'pass' ELSE 'fail' END AS dmarc,
	g.dkim_aligned, g.spf_aligned, g.receiver_dkim, g.receiver_spf,
	g.disposition, g.reasons,
	(SELECT string_agg(coalesce(k.domain, '') || ':' ||
		coalesce(k.selector, '') || '=' || coalesce(k.result, ''), ' '
		ORDER BY k.ordinal)
	 FROM auth_sig_dkim k WHERE k.sig = g.id) AS dkim_results,
	(SELECT string_agg(coalesce(s.domain, '') || ':' ||
		coalesce(s.scope, '') || '=' || coalesce(s.result, ''), ' '
		ORDER BY s.ordinal)
	 FROM auth_sig_spf s WHERE s.sig = g.id) AS spf_results,
	c.sig
FROM reports p
JOIN records c ON c.policy_domain = p.domain AND c.report = p.id
JOIN auth_sigs g ON g.id = c.sig
WHERE p.status = 'active' AND p.domain <> ''
GROUP BY p.domain, p.day, c.source_ip, p.reporter, c.sig, g.id;

CREATE VIEW v_source_classes AS
SELECT k.domain AS policy_domain, k.header_from, k.source_ip, k.class,
	k.sender, dmarcdb_day(w.from_day) AS from_day,
	dmarcdb_day(w.to_day) AS to_day,
	dmarcdb_utc(w.decided_at) AS decided_utc
FROM source_classes k JOIN class_windows w ON w.domain = k.domain;

CREATE VIEW v_source_senders AS
SELECT policy_domain, header_from, source_ip, sender, class, from_day,
	to_day, decided_utc
FROM v_source_classes WHERE sender IS NOT NULL;

CREATE VIEW v_ptr_cache AS
SELECT ip, status, name, confirmed,
	dmarcdb_utc(checked) AS checked_utc,
	dmarcdb_utc(expires) AS expires_utc,
	(expires > extract(epoch FROM now())::bigint)::integer AS fresh
FROM ptr_cache;

CREATE VIEW v_dns_records AS
SELECT domain AS policy_domain, kind, name, value,
	dmarcdb_utc(first_seen) AS first_seen_utc,
	dmarcdb_utc(last_seen) AS last_seen_utc
FROM dns_records;
