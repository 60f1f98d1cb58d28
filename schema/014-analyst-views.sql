-- 014-analyst-views.sql: one set of names and values in every view, the
-- classes and senders that dmarcdb sources decided, and the newest report
-- found fast (dmarcdb(1), STORAGE).
--
-- Names: the policy domain is policy_domain in every view (the tables
-- keep domain); a time is *_utc, ISO 8601; the receiver's verdicts are
-- receiver_dkim and receiver_spf, as reported; the DKIM and SPF results
-- are dkim_results and spf_results. Values: an outcome is text, as DMARC
-- writes it: dmarc is 'pass' or 'fail' (dmarcdb's own evaluation); a
-- yes-or-no property (dkim_aligned, spf_aligned, auth_aligned,
-- ptr_confirmed, confirmed, fresh) is 1 or 0.
--
-- Changed from schema 13: v_reports.domain and v_source_days.domain are
-- policy_domain; v_records.dmarc_dkim and dmarc_spf are receiver_dkim and
-- receiver_spf; v_source_days.dmarc is 'pass' or 'fail' (was 1 or 0),
-- its dkim and spf are dkim_results and spf_results; v_ptr_cache.checked
-- and expires are checked_utc and expires_utc, ISO 8601;
-- v_source_senders holds what sources decided (below), no longer the
-- configured IP blocks alone, and configured_for is gone.

-- The newest report of all domains, for the note of every report
-- command (no reports since ...).
CREATE INDEX reports_end ON reports(date_end) WHERE status = 'active';

-- What the last dmarcdb sources run decided for a policy domain: the
-- window it classified (UTC days since the epoch, inclusive) and
-- whether configured senders apply to the domain. Written by sources
-- (in one transaction with the domain's source_classes rows) when it
-- can write the database; read by the views below.
CREATE TABLE class_windows (
	domain		TEXT PRIMARY KEY,
	from_day	INTEGER NOT NULL,
	to_day		INTEGER NOT NULL,
	configured	INTEGER NOT NULL,
	decided_at	INTEGER NOT NULL	-- Unix time
) WITHOUT ROWID;

-- The sources of that window that are not 'unknown': their class and
-- the configured sender that accounts for most of their mail (by any
-- rule kind: ip, dkim, spf). A source of the window without a row is
-- unknown; it has no sender.
CREATE TABLE source_classes (
	domain		TEXT NOT NULL,
	header_from	TEXT NOT NULL,		-- '' if the record had none
	source_ip	TEXT NOT NULL,		-- '' if the record had none
	class		TEXT NOT NULL CHECK (class IN
			    ('compliant', 'misconfigured', 'forwarded')),
	sender		TEXT,			-- NULL: no configured sender
	PRIMARY KEY (domain, header_from, source_ip)
) WITHOUT ROWID;

DROP VIEW v_reports;
CREATE VIEW v_reports AS
SELECT r.id, r.status, r.superseded_by, r.schema, r.org_name, r.email,
	r.report_id, r.domain AS policy_domain,
	strftime('%Y-%m-%dT%H:%M:%SZ', r.date_begin, 'unixepoch') AS begin_utc,
	strftime('%Y-%m-%dT%H:%M:%SZ', r.date_end, 'unixepoch') AS end_utc,
	r.p, r.sp, r.np, r.pct, r.testing, r.adkim, r.aspf, r.fo,
	r.discovery_method, r.generator, r.record_count, r.message_count,
	(SELECT count(*) FROM warnings w WHERE w.report = r.id) AS warnings,
	strftime('%Y-%m-%dT%H:%M:%SZ', r.received_at, 'unixepoch')
		AS received_utc,
	strftime('%Y-%m-%dT%H:%M:%SZ', r.ingested_at, 'unixepoch')
		AS ingested_utc,
	r.origin, r.raw_p, r.raw_sp, r.raw_np, r.raw_pct, r.raw_testing,
	r.raw_adkim, r.raw_aspf, r.raw_fo
FROM reports r;

-- One row per record with its report's fields, dmarcdb's evaluation,
-- and the class and sender of its source as sources decided them, for
-- the records of the window it classified (NULL outside it).
DROP VIEW v_records_active;
DROP VIEW v_records;
CREATE VIEW v_records AS
SELECT c.id AS record_id, r.id AS report, r.status, r.org_name, r.reporter,
	r.report_id, r.domain AS policy_domain,
	strftime('%Y-%m-%dT%H:%M:%SZ', r.date_begin, 'unixepoch') AS begin_utc,
	strftime('%Y-%m-%dT%H:%M:%SZ', r.date_end, 'unixepoch') AS end_utc,
	r.p, r.sp, r.np, r.pct, r.testing, r.adkim, r.aspf,
	c.ordinal, c.source_ip, c.count, c.disposition,
	c.dkim AS receiver_dkim, c.spf AS receiver_spf,
	c.header_from, c.envelope_from, c.envelope_to,
	(SELECT group_concat(coalesce(d.domain, '') || ':' ||
		coalesce(d.selector, '') || '=' || coalesce(d.result, ''), ' ')
	 FROM dkim_results d WHERE d.record = c.id) AS dkim_results,
	(SELECT group_concat(coalesce(s.domain, '') || ':' ||
		coalesce(s.scope, '') || '=' || coalesce(s.result, ''), ' ')
	 FROM spf_results s WHERE s.record = c.id) AS spf_results,
	(SELECT group_concat(coalesce(o.type, ''), ' ')
	 FROM override_reasons o WHERE o.record = c.id) AS reasons,
	CASE g.dmarc WHEN 1 THEN 'pass' WHEN 0 THEN 'fail' END AS dmarc,
	g.dkim_aligned, g.spf_aligned,
	CASE WHEN r.status = 'active' AND r.day BETWEEN w.from_day AND w.to_day
	     THEN coalesce(k.class, 'unknown') END AS class,
	CASE WHEN r.status = 'active' AND r.day BETWEEN w.from_day AND w.to_day
	     THEN k.sender END AS sender
FROM records c JOIN reports r ON r.id = c.report
LEFT JOIN auth_sigs g ON g.id = c.sig
LEFT JOIN class_windows w ON w.domain = r.domain
LEFT JOIN source_classes k ON k.domain = r.domain
	AND k.header_from = coalesce(c.header_from, '')
	AND k.source_ip = coalesce(c.source_ip, '');

CREATE VIEW v_records_active AS
SELECT * FROM v_records WHERE status = 'active';

DROP VIEW v_source_days;
CREATE VIEW v_source_days AS
SELECT p.domain AS policy_domain, date(p.day * 86400, 'unixepoch') AS day,
	coalesce(c.source_ip, '') AS source_ip, g.header_from, p.reporter,
	sum(c.count) AS messages, count(*) AS records,
	CASE g.dmarc WHEN 1 THEN 'pass' ELSE 'fail' END AS dmarc,
	g.dkim_aligned, g.spf_aligned, g.receiver_dkim, g.receiver_spf,
	g.disposition, g.reasons,
	(SELECT group_concat(coalesce(k.domain, '') || ':' ||
		coalesce(k.selector, '') || '=' || coalesce(k.result, ''), ' ')
	 FROM auth_sig_dkim k WHERE k.sig = g.id) AS dkim_results,
	(SELECT group_concat(coalesce(s.domain, '') || ':' ||
		coalesce(s.scope, '') || '=' || coalesce(s.result, ''), ' ')
	 FROM auth_sig_spf s WHERE s.sig = g.id) AS spf_results,
	c.sig
FROM reports p
JOIN records c ON c.report = p.id
JOIN auth_sigs g ON g.id = c.sig
WHERE p.status = 'active' AND p.domain IS NOT NULL
GROUP BY p.domain, p.day, c.source_ip, p.reporter, c.sig;

-- The sources that are not unknown, as sources decided, with the window.
CREATE VIEW v_source_classes AS
SELECT k.domain AS policy_domain, k.header_from, k.source_ip, k.class,
	k.sender, date(w.from_day * 86400, 'unixepoch') AS from_day,
	date(w.to_day * 86400, 'unixepoch') AS to_day,
	strftime('%Y-%m-%dT%H:%M:%SZ', w.decided_at, 'unixepoch')
		AS decided_utc
FROM source_classes k JOIN class_windows w ON w.domain = k.domain;

-- The configured sender of each source, as sources decided it.
DROP VIEW v_source_senders;
CREATE VIEW v_source_senders AS
SELECT policy_domain, header_from, source_ip, sender, class, from_day,
	to_day, decided_utc
FROM v_source_classes WHERE sender IS NOT NULL;

DROP VIEW v_ptr_cache;
CREATE VIEW v_ptr_cache AS
SELECT ip, status, name, confirmed,
	strftime('%Y-%m-%dT%H:%M:%SZ', checked, 'unixepoch') AS checked_utc,
	strftime('%Y-%m-%dT%H:%M:%SZ', expires, 'unixepoch') AS expires_utc,
	expires > CAST(strftime('%s', 'now') AS INTEGER) AS fresh
FROM ptr_cache;
