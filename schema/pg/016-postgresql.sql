-- 016-postgresql.sql: schema 15 to 16, PostgreSQL's own part (beside
-- 016-input-files.sql).
--
-- dmarcdb_ip in SQL for an IPv4 address, which the planner inlines into
-- the statement that calls it (the merge of a million new sources into
-- sources spent 1.4 s in the PL/pgSQL function, 0.5 s so), and the
-- PL/pgSQL function, now dmarcdb_ip6, for an IPv6 one. Not STRICT,
-- which would keep it from being inlined: NULL gives NULL all the same.
ALTER FUNCTION dmarcdb_ip(text) RENAME TO dmarcdb_ip6;
CREATE FUNCTION dmarcdb_ip(t text) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN family(t::inet) = 4 THEN
	    decode('00000000000000000000ffff' ||
	    lpad(to_hex(t::inet - '0.0.0.0'::inet), 8, '0'), 'hex')
	    ELSE dmarcdb_ip6(t) END
$$;

-- A report's first and last record id, one seek each (store-walk.c), as
-- SQLite's index of report, which holds the row id, gives them: an
-- index of report alone made PostgreSQL read all of a report's records
-- for each (0.5 s for a report of 500,000).
CREATE INDEX records_report_id ON records(report, id);
DROP INDEX records_report;
