-- 006-values.sql: reported policy values that are DMARC grammar only,
-- report ids without case, and counts flagged beyond the caps.
--
-- A report's p, sp, np, adkim, aspf, pct, fo and testing are what a
-- DMARC record holds, and dmarcdb rebuilds records from them: from now
-- on each is checked against the record grammar when a report is read
-- (dmarcdb(1), STORAGE). A valid value is stored in its column, in
-- canonical form; a value that is not valid is kept as written in the
-- column's raw_ twin only, with a warning (code 'policy'), and never
-- reaches a record. dmarcdb checks the rows already stored the same
-- way, with the same code, when it applies this file: their invalid
-- values move to raw_*, their valid ones are made canonical.

ALTER TABLE reports ADD COLUMN raw_p TEXT;
ALTER TABLE reports ADD COLUMN raw_sp TEXT;
ALTER TABLE reports ADD COLUMN raw_np TEXT;
ALTER TABLE reports ADD COLUMN raw_adkim TEXT;
ALTER TABLE reports ADD COLUMN raw_aspf TEXT;
ALTER TABLE reports ADD COLUMN raw_pct TEXT;
ALTER TABLE reports ADD COLUMN raw_fo TEXT;
ALTER TABLE reports ADD COLUMN raw_testing TEXT;

-- Report ids that differ only in case are one report (dmarcdb(1),
-- DEDUPLICATION): report_key_id is lower-cased. Where that makes two
-- active reports share a key, the one received later stays active (on
-- equal times the larger digest, then the later row), as when a report
-- is re-sent; the others are superseded by it.
WITH ranked AS MATERIALIZED (
	SELECT id, first_value(id) OVER (PARTITION BY reporter,
		lower(report_key_id), domain, date_begin, date_end
		ORDER BY received_at DESC, xml_sha256 DESC, id DESC) AS winner
	FROM reports WHERE status = 'active')
UPDATE reports SET status = 'superseded', superseded_by = ranked.winner
FROM ranked WHERE ranked.id = reports.id AND ranked.winner != ranked.id;

UPDATE reports SET report_key_id = lower(report_key_id)
WHERE report_key_id != lower(report_key_id);

-- Counts are capped now (dmarcdb(1), LIMITS): 10^9 messages per record,
-- 10^10 per report, so that sums stay within 64 bits. Reports stored
-- before, beyond the caps, are kept and flagged (code 'count').
INSERT INTO warnings (report, record, code, message)
SELECT id, NULL, 'count', 'stored before counts were capped: the report '
	|| 'counts more than 10000000000 messages, or one of its records '
	|| 'more than 1000000000; sums over it may overflow'
FROM reports r WHERE message_count > 1000000000
	AND (message_count > 10000000000 OR EXISTS (SELECT 1 FROM records c
	    WHERE c.report = r.id AND c.count > 1000000000));

-- The views show the raw values next to the checked ones.
DROP VIEW v_reports;
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
	r.origin, r.raw_p, r.raw_sp, r.raw_np, r.raw_pct, r.raw_testing,
	r.raw_adkim, r.raw_aspf, r.raw_fo
FROM reports r;
