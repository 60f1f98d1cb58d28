#!/bin/bash
# imap-expunge.sh: --move-to on a server without MOVE never runs a plain
# EXPUNGE, which would also remove the messages other clients flagged
# \Deleted. With UIDPLUS, UID EXPUNGE removes only the messages moved;
# without it, they are left flagged \Deleted, with one warning. Private
# Dovecots that hide MOVE (and UIDPLUS) from their capabilities. A
# message another client flagged \Deleted is left alone: not read, not
# moved.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dovecot.sh"
# The databases of this test (lib.sh: db_named).
A_DB=$(db_named a)
B_DB=$(db_named b)

export DMARCDB_IMAP_PASSWORD=$IMAP_PASS
# Dovecot's capabilities without MOVE, and without MOVE and UIDPLUS.
CAPS="IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+"

M=$T/msgs
mkdir "$M"
cp "$CORPUS"/*/*.eml "$M"/
n=$(ls "$M" | wc -l)
[ "$n" -gt 1 ] || fail "too few messages in the corpus"

count() {	# count FOLDER [SEARCH]: messages in it
	imap_cmd "$1" "UID SEARCH ${2:-ALL}" | tr ' ' '\n' | grep -c '^[0-9]' ||
	    :
}

# seed: a message of another client's, flagged \Deleted by it and not
# yet expunged (UID 1), then the reports (unseen).
seed() {
	printf 'From: a@example.net\r\nSubject: keep me\r\nMessage-ID: <keep@example.net>\r\n\r\nStill wanted.\r\n' \
	    > "$T/keep.eml"
	imap_put "$T/keep.eml"
	imap_cmd INBOX 'UID STORE 1 +FLAGS.SILENT (\Deleted)' > /dev/null
	for f in "$M"/*; do
		imap_put "$f"
	done
	[ "$(count INBOX DELETED)" = 1 ] || fail "seed: $(count INBOX DELETED)" \
	    "deleted"
	[ "$(count INBOX)" = $((n + 1)) ] || fail "seed: $(count INBOX)"
}

# 1. No MOVE, but UIDPLUS: copied, flagged, and UID EXPUNGE removes
#    exactly those; the other client's message stays, still flagged.
DOVE_CAPS="$CAPS UIDPLUS" dovecot_start uidplus
imap_cmd "" CAPABILITY > "$T/caps"
grep -q ' UIDPLUS' "$T/caps" || fail "UIDPLUS hidden"
grep_none ' MOVE' "$T/caps" || fail "MOVE not hidden"
seed
"$DMARCDB" --db "$A_DB" ingest --move-to Done --rejected-to Junk \
    "$IMAP_URL/INBOX" 2> "$T/err" || fail "UIDPLUS: exit $?: $(cat "$T/err")"
[ "$(count INBOX)" = 1 ] || fail "UIDPLUS: $(count INBOX) left in INBOX, not 1"
curl -s "imap://127.0.0.1:$IMAP_PORT/INBOX;UID=1;SECTION=HEADER.FIELDS%20(SUBJECT)" \
    -u "test:$IMAP_PASS" | grep -q '^Subject: keep me' ||
    fail "UIDPLUS: the other client's message is gone"
[ "$(count INBOX DELETED)" = 1 ] || fail "UIDPLUS: its \\Deleted flag is gone"
[ "$(($(count Done) + $(count Junk)))" = "$n" ] ||
    fail "UIDPLUS: $(count Done) + $(count Junk) moved, not $n"
grep_none "neither MOVE nor UIDPLUS" "$T/err" || fail "UIDPLUS: warned"

# 2. Neither MOVE nor UIDPLUS: copied and flagged \Deleted, left there,
#    one warning for the run; the next run copies nothing again.
DOVE_CAPS="$CAPS" dovecot_start plain
imap_cmd "" CAPABILITY > "$T/caps"
grep -q ' IMAP4rev1' "$T/caps" || fail "no capabilities: $(cat "$T/caps")"
grep_none -E ' (MOVE|UIDPLUS)' "$T/caps" || fail "MOVE or UIDPLUS not hidden"
seed
"$DMARCDB" -q --db "$B_DB" ingest --move-to Done --rejected-to Junk \
    "$IMAP_URL/INBOX" 2> "$T/err" || fail "plain: exit $?: $(cat "$T/err")"
[ "$(count INBOX)" = $((n + 1)) ] ||
    fail "plain: $(count INBOX) in INBOX, not $((n + 1)): expunged"
[ "$(count INBOX DELETED)" = $((n + 1)) ] ||
    fail "plain: $(count INBOX DELETED) flagged \\Deleted, not $((n + 1))"
[ "$(($(count Done) + $(count Junk)))" = "$n" ] ||
    fail "plain: $(count Done) + $(count Junk) copied, not $n"
[ "$(grep -c . "$T/err")" = 1 ] || fail "plain: not one line: $(cat "$T/err")"
grep -q "^dmarcdb: $IMAP_URL/INBOX: the server offers neither MOVE nor UIDPLUS: $n messages copied away (--move-to, --rejected-to) are left here flagged \\\\Deleted, since a plain EXPUNGE would also remove the messages other clients flagged \\\\Deleted; expunge the folder in a mail client when that is safe$" \
    "$T/err" || fail "plain: warning: $(cat "$T/err")"
"$DMARCDB" --db "$B_DB" ingest --move-to Done --rejected-to Junk \
    "$IMAP_URL/INBOX" 2> "$T/err" || fail "plain, again: exit $?"
grep_none "neither MOVE" "$T/err" || fail "plain, again: warned again"
grep -q ": $n email messages ($n processed before), 0 reports stored" \
    "$T/err" || fail "plain, again: $(cat "$T/err")"
[ "$(($(count Done) + $(count Junk)))" = "$n" ] ||
    fail "plain, again: copied again"
echo ok
