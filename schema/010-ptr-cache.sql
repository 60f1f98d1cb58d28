-- 010-ptr-cache.sql: the reverse DNS cache (dmarcdb(1), REVERSE DNS).
--
-- One row per source address looked up: its PTR name, whether the
-- name resolves back to the address, and until when the answer is
-- used. Written only by the commands that look names up (dmarcdb ptr),
-- never by ingest. Expiry: a name 7 days, no PTR 1 day, a failure or
-- timeout 1 hour (RDNS_TTL_* in src/rdns.h); an expired row is looked
-- up again and replaced. Deleting rows (or all of them) is safe.
CREATE TABLE ptr_cache (
	ip		TEXT PRIMARY KEY,	-- canonical text (inet_ntop)
	status		TEXT NOT NULL,		-- name, none, fail, timeout
	name		TEXT,			-- status 'name': a validated,
						-- lower-case host name
	confirmed	INTEGER NOT NULL,	-- 1: name resolves to ip
	checked		INTEGER NOT NULL,	-- Unix time of the lookup
	expires		INTEGER NOT NULL	-- Unix time
) WITHOUT ROWID;

-- The cache with readable times, and whether each row is still used.
CREATE VIEW v_ptr_cache AS
SELECT ip, status, name, confirmed,
	datetime(checked, 'unixepoch') AS checked,
	datetime(expires, 'unixepoch') AS expires,
	expires > CAST(strftime('%s', 'now') AS INTEGER) AS fresh
FROM ptr_cache;
