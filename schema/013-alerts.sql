-- 013-alerts.sql: what dmarcdb digest --alert has sent (dmarcdb(1),
-- DIGEST).
--
-- One row per recipient and flag of the digest's banner (struct
-- digest_flag in src/digest.h: its key names the same problem from one
-- run to the next): the alert for it went to that address. A row is
-- written only once the message was sent (or printed); each run that
-- still raises the flag moves last_seen on, and a row whose flag has
-- not been raised for 7 days is deleted, so that a problem that comes
-- back after a week is news again. Deleting rows is safe: their flags
-- are alerted again.
CREATE TABLE digest_alerts (
	recipient	TEXT NOT NULL,		-- user@domain, lower case
	key		TEXT NOT NULL,		-- digest_flag.key
	first_sent	INTEGER NOT NULL,	-- Unix time of the alert
	last_seen	INTEGER NOT NULL,	-- the last run that raised it
	PRIMARY KEY (recipient, key)
) WITHOUT ROWID;
