-- 011-record-identity.sql: each record with what names its source, for
-- analysts (dmarcdb(1), STORAGE and IDENTITY): the domain its mail
-- authenticates as (auth_sigs.ident, schema 009), of which kind and
-- whether aligned, and the reverse DNS name of its address from the
-- cache (ptr_cache, schema 010; NULL when never looked up). The owner
-- of the network is not stored: it comes from the location database
-- (sources --by ip --format csv).
CREATE VIEW v_record_identity AS
SELECT c.id AS record_id, r.id AS report, r.status,
	r.domain AS policy_domain, c.source_ip, c.header_from, c.count,
	g.ident AS auth_domain,
	CASE WHEN g.ident IS NULL THEN NULL
	     WHEN g.facts & 1048576 THEN 'spf' ELSE 'dkim' END AS auth_kind,
	CASE WHEN g.ident IS NULL THEN NULL
	     ELSE (g.facts & 2097152) != 0 END AS auth_aligned,
	p.status AS ptr_status, p.name AS ptr, p.confirmed AS ptr_confirmed
FROM records c JOIN reports r ON r.id = c.report
LEFT JOIN auth_sigs g ON g.id = c.sig
LEFT JOIN ptr_cache p ON p.ip = c.source_ip;
