-- 005-record-sigs.sql: the summary is the records themselves.
--
-- source_days held a row per policy domain, day, source, reporter and
-- signature. Reporters already group their records by source and
-- outcome, so it held nearly a row per record (8.1 million for 10
-- million records), and keeping it up to date doubled what storing a
-- report wrote. Now each record names its signature and each report
-- its day: the report commands read a domain's days through the index
-- reports_day and each report's records through records_report.
--
-- dmarcdb fills the new columns of the rows already stored when it
-- applies this file (dmarcdb(1), SUMMARY TABLES).

-- The auth_sigs row of the record, under its report's adkim and aspf.
ALTER TABLE records ADD COLUMN sig INTEGER REFERENCES auth_sigs(id);

-- The UTC day (days since the epoch) of the middle of the period.
ALTER TABLE reports ADD COLUMN day INTEGER;
CREATE INDEX reports_day ON reports(domain, day) WHERE status = 'active';

DROP VIEW v_source_days;
DROP TABLE source_days;

-- Messages and records per policy domain, day, source, reporter and
-- signature, of the active reports, with readable dates and the
-- signature spelled out.
CREATE VIEW v_source_days AS
SELECT p.domain, date(p.day * 86400, 'unixepoch') AS day,
	coalesce(c.source_ip, '') AS source_ip, g.header_from, p.reporter,
	sum(c.count) AS messages, count(*) AS records, g.dmarc,
	g.dkim_aligned, g.spf_aligned, g.receiver_dkim, g.receiver_spf,
	g.disposition, g.reasons,
	(SELECT group_concat(coalesce(k.domain, '') || ':' ||
		coalesce(k.selector, '') || '=' || coalesce(k.result, ''), ' ')
	 FROM auth_sig_dkim k WHERE k.sig = g.id) AS dkim,
	(SELECT group_concat(coalesce(s.domain, '') || ':' ||
		coalesce(s.scope, '') || '=' || coalesce(s.result, ''), ' ')
	 FROM auth_sig_spf s WHERE s.sig = g.id) AS spf,
	c.sig
FROM reports p
JOIN records c ON c.report = p.id
JOIN auth_sigs g ON g.id = c.sig
WHERE p.status = 'active' AND p.domain IS NOT NULL
GROUP BY p.domain, p.day, c.source_ip, p.reporter, c.sig;
