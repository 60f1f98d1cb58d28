-- 003-sources.sql: the summary that sources, advise and digest read, and
-- the configuration, mirrored for analysts.
--
-- The summary is kept by ingest, in the same transaction as the
-- reports it sums, and only for active reports: a report superseded by
-- a re-sent copy is taken out of it. See dmarcdb(1), SUMMARY TABLES.

-- One row per distinct authentication outcome ("signature") of a
-- record, with dmarcdb's own DMARC evaluation of it.
CREATE TABLE auth_sigs (
	id		INTEGER PRIMARY KEY,
	key		BLOB NOT NULL UNIQUE,	-- SHA-256 of the canonical form
	header_from	TEXT,
	adkim		TEXT NOT NULL,		-- 'r' or 's', as evaluated
	aspf		TEXT NOT NULL,
	dmarc		INTEGER NOT NULL,	-- 1: passes DMARC
	dkim_aligned	INTEGER NOT NULL,	-- 1: an aligned DKIM pass
	spf_aligned	INTEGER NOT NULL,	-- 1: an aligned SPF pass
	receiver_dkim	TEXT,			-- policy_evaluated, as reported
	receiver_spf	TEXT,
	disposition	TEXT,
	reasons		TEXT			-- reason types, sorted, ' '
);

-- The DKIM and SPF results of a signature, sorted.
CREATE TABLE auth_sig_dkim (
	sig		INTEGER NOT NULL REFERENCES auth_sigs(id),
	ordinal		INTEGER NOT NULL,
	domain		TEXT,
	selector	TEXT,
	result		TEXT,
	aligned		INTEGER NOT NULL,	-- domain aligned with header_from
	PRIMARY KEY (sig, ordinal)
) WITHOUT ROWID;

CREATE TABLE auth_sig_spf (
	sig		INTEGER NOT NULL REFERENCES auth_sigs(id),
	ordinal		INTEGER NOT NULL,
	domain		TEXT,
	scope		TEXT,
	result		TEXT,
	aligned		INTEGER NOT NULL,
	PRIMARY KEY (sig, ordinal)
) WITHOUT ROWID;

-- Messages per policy domain, day, source, reporter and signature.
-- day: UTC days since the epoch of the middle of the report's period.
CREATE TABLE source_days (
	domain		TEXT NOT NULL,		-- policy domain
	day		INTEGER NOT NULL,
	source_ip	TEXT NOT NULL,		-- '' if the record had none
	reporter	TEXT NOT NULL,
	sig		INTEGER NOT NULL REFERENCES auth_sigs(id),
	messages	INTEGER NOT NULL,
	records		INTEGER NOT NULL,
	PRIMARY KEY (domain, day, source_ip, reporter, sig)
) WITHOUT ROWID;

-- Every source ever reported, with the first and last day seen. A
-- superseded report does not move these days back. Kept from
-- source_days: ingest notes the days it added to in summary_dirty, and
-- the report commands fold them in before they read.
CREATE TABLE sources (
	domain		TEXT NOT NULL,
	header_from	TEXT NOT NULL,		-- '' if the record had none
	source_ip	TEXT NOT NULL,
	ip		BLOB,			-- 16 bytes, IPv4 as ::ffff:a.b.c.d
	first_day	INTEGER NOT NULL,
	last_day	INTEGER NOT NULL,
	PRIMARY KEY (domain, header_from, source_ip)
) WITHOUT ROWID;

CREATE TABLE summary_dirty (
	domain		TEXT NOT NULL,
	day		INTEGER NOT NULL,
	PRIMARY KEY (domain, day)
) WITHOUT ROWID;

-- The configuration file last used by a report command (dmarcdb(1),
-- CONFIGURATION). domain NULL: the default block, for all domains.
CREATE TABLE config_files (
	id		INTEGER PRIMARY KEY CHECK (id = 1),
	path		TEXT,			-- NULL: no configuration
	sha256		BLOB,
	loaded_at	INTEGER NOT NULL
);

CREATE TABLE config_domains (
	domain		TEXT PRIMARY KEY,
	record		TEXT			-- the published DMARC record
);

CREATE TABLE config_senders (
	id		INTEGER PRIMARY KEY,
	domain		TEXT,			-- NULL: every domain
	name		TEXT NOT NULL,
	line		INTEGER NOT NULL
);

-- kind 'ip': value is the block, ip_first and ip_last its range in the
-- byte form of sources.ip; 'dkim': value the signing domain (or any
-- subdomain), selector NULL for any; 'spf': the MAIL FROM domain (or
-- any subdomain).
CREATE TABLE config_sender_rules (
	sender		INTEGER NOT NULL REFERENCES config_senders(id),
	kind		TEXT NOT NULL CHECK (kind IN ('ip', 'dkim', 'spf')),
	value		TEXT NOT NULL,
	selector	TEXT,
	ip_first	BLOB,
	ip_last		BLOB
);
CREATE INDEX config_sender_rules_sender ON config_sender_rules(sender);

CREATE TABLE config_thresholds (
	domain		TEXT,			-- NULL: the defaults
	name		TEXT NOT NULL,
	value		TEXT NOT NULL
);

-- The summary with readable dates and the signature spelled out.
CREATE VIEW v_source_days AS
SELECT d.domain, date(d.day * 86400, 'unixepoch') AS day, d.source_ip,
	g.header_from, d.reporter, d.messages, d.records, g.dmarc,
	g.dkim_aligned, g.spf_aligned, g.receiver_dkim, g.receiver_spf,
	g.disposition, g.reasons,
	(SELECT group_concat(coalesce(k.domain, '') || ':' ||
		coalesce(k.selector, '') || '=' || coalesce(k.result, ''), ' ')
	 FROM auth_sig_dkim k WHERE k.sig = g.id) AS dkim,
	(SELECT group_concat(coalesce(s.domain, '') || ':' ||
		coalesce(s.scope, '') || '=' || coalesce(s.result, ''), ' ')
	 FROM auth_sig_spf s WHERE s.sig = g.id) AS spf,
	d.sig
FROM source_days d JOIN auth_sigs g ON g.id = d.sig;

-- Which configured sender each known source IP belongs to (by IP
-- block only; DKIM and SPF rules match per message: dmarcdb sources).
CREATE VIEW v_source_senders AS
SELECT s.domain, s.header_from, s.source_ip, c.name AS sender,
	c.domain AS configured_for
FROM sources s
JOIN config_sender_rules r ON r.kind = 'ip'
	AND s.ip BETWEEN r.ip_first AND r.ip_last
JOIN config_senders c ON c.id = r.sender
	AND (c.domain IS NULL OR c.domain = s.domain);
