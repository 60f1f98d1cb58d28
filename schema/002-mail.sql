-- 002-mail.sql: email messages, where they were found, and what
-- came of them; reports and rejected inputs point to their message.
-- ("mail" in names: "messages" elsewhere counts what reports report.)

-- One row per distinct email message (by the SHA-256 of its raw bytes),
-- with what came of it. A message already here is not parsed again.
CREATE TABLE mail_messages (
	id		INTEGER PRIMARY KEY,
	run_id		INTEGER NOT NULL REFERENCES ingest_runs(id),
	sha256		BLOB NOT NULL UNIQUE,	-- of the raw message
	message_id	TEXT,			-- Message-ID, without <>
	mailbox		TEXT NOT NULL,		-- where first found
	location	TEXT,			-- file, offset or UID in it
	from_addr	TEXT,
	subject		TEXT,			-- decoded
	date		INTEGER,		-- Date: header
	size		INTEGER NOT NULL,
	-- 'stored': at least one report stored; 'duplicate': its reports
	-- were all stored before; 'rejected': it held reports, none usable;
	-- 'no_report': it held no aggregate report (see reason)
	outcome		TEXT NOT NULL CHECK (outcome IN
			    ('stored', 'duplicate', 'rejected', 'no_report')),
	reports		INTEGER NOT NULL DEFAULT 0,	-- stored from it
	duplicates	INTEGER NOT NULL DEFAULT 0,
	rejected	INTEGER NOT NULL DEFAULT 0,
	reason		TEXT,
	first_seen	INTEGER NOT NULL,
	last_seen	INTEGER NOT NULL
);
CREATE INDEX mail_messages_message_id ON mail_messages(message_id);

-- Every place a message was seen, so that a mailbox can be read again
-- without reading the messages it has already given: a Maildir file's
-- unique name, an IMAP folder's UIDVALIDITY and UID.
CREATE TABLE mail_locations (
	location	TEXT PRIMARY KEY,
	message		INTEGER NOT NULL REFERENCES mail_messages(id),
	seen_at		INTEGER NOT NULL,
	-- when the message was moved or flagged there (IMAP), after its
	-- reports were committed; NULL until then
	handled_at	INTEGER
) WITHOUT ROWID;

ALTER TABLE reports ADD COLUMN mail_message INTEGER
	REFERENCES mail_messages(id);
ALTER TABLE rejected_inputs ADD COLUMN mail_message INTEGER
	REFERENCES mail_messages(id);

-- Email messages read, and those skipped as processed before.
ALTER TABLE ingest_runs ADD COLUMN mail_read INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ingest_runs ADD COLUMN mail_known INTEGER NOT NULL DEFAULT 0;

CREATE VIEW v_mail AS
SELECT id, outcome, reports, duplicates, rejected, reason, message_id,
	from_addr, subject,
	strftime('%Y-%m-%dT%H:%M:%SZ', date, 'unixepoch') AS date_utc,
	mailbox, location, size,
	strftime('%Y-%m-%dT%H:%M:%SZ', first_seen, 'unixepoch') AS first_utc,
	strftime('%Y-%m-%dT%H:%M:%SZ', last_seen, 'unixepoch') AS last_utc
FROM mail_messages;

DROP VIEW v_runs;
CREATE VIEW v_runs AS
SELECT id, strftime('%Y-%m-%dT%H:%M:%SZ', started_at, 'unixepoch')
		AS started_utc,
	strftime('%Y-%m-%dT%H:%M:%SZ', finished_at, 'unixepoch')
		AS finished_utc,
	version, inputs, mail_read, mail_known, stored, duplicates,
	superseded, rejected, records, messages
FROM ingest_runs;
