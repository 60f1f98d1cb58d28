-- 015-dns-records.sql: what dmarcdb check, and advise's check of the SPF
-- record and DKIM keys, found in DNS, and when (dmarcdb(1), CHECK), so
-- that check can say when a record changed and the digest can show the
-- changes of its week.
--
-- One row per value seen without a break: a lookup that finds what the
-- newest row of its name holds moves that row's last_seen; one that
-- finds something else adds a row. A lookup that failed (no answer,
-- SERVFAIL) adds nothing: the record was not known then.
CREATE TABLE dns_records (
	domain		TEXT NOT NULL,		-- the domain checked
	kind		TEXT NOT NULL CHECK (kind IN
			    ('dmarc', 'spf', 'dkim', 'mx', 'mta-sts',
			    'tls-rpt')),
	name		TEXT NOT NULL,		-- the name looked up
	value		TEXT NOT NULL,		-- what was found; '' none
	first_seen	INTEGER NOT NULL,	-- Unix time
	last_seen	INTEGER NOT NULL,	-- Unix time
	PRIMARY KEY (domain, kind, name, first_seen)
) WITHOUT ROWID;

CREATE VIEW v_dns_records AS
SELECT domain AS policy_domain, kind, name, value,
	strftime('%Y-%m-%dT%H:%M:%SZ', first_seen, 'unixepoch')
		AS first_seen_utc,
	strftime('%Y-%m-%dT%H:%M:%SZ', last_seen, 'unixepoch')
		AS last_seen_utc
FROM dns_records;
