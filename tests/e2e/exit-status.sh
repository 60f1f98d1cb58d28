#!/bin/bash
# exit-status.sh: what ingest's exit status says, for cron and scripts
# (dmarcdb(1), EXIT STATUS). 0: all stored or known (inputs rejected by
# an earlier run included); 1: something to look at in the inputs (one
# rejected now, a file that cannot be read, a bad IMAP URL); 5: only a
# server failed (nobody listening, the login refused; a folder refused
# and the time limits: imap.sh, imap-fail.sh), which is counted as
# unreadable (and unreachable), never as rejected; 1 wins over 5.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netfix.sh"

export DMARCDB_IMAP_PASSWORD=secret

# counts: rejected, unreadable of the last run, and rejected_inputs.
counts() {
	sql "$DB" "SELECT rejected, unreadable, (SELECT count(*) FROM
	    rejected_inputs) FROM ingest_runs ORDER BY id DESC LIMIT 1"
}

# A server that refuses the login, and a port nobody listens on.
fake_start imap-no-starttls
REFUSED=imap://test@127.0.0.1:$FAKE_PORT/INBOX
fake_start imap-no-starttls
DOWN=imap://test@127.0.0.1:$FAKE_PORT/INBOX
kill "$FAKE_PID"
while [ -n "$(ss -Hltn "sport = :$FAKE_PORT" 2> /dev/null)" ]; do
	sleep 0.1
done

mkdir "$T/good" "$T/bad"
cp "$SRCDIR/samples/reports/yahoo-report.xml" "$T/good/"
printf 'not a report\n' > "$T/bad/junk.txt"

# 0: stored; then known.
"$DMARCDB" -q --db "$DB" ingest "$T/good" || fail "good: exit $?"
"$DMARCDB" -q --db "$DB" ingest "$T/good" || fail "good again: exit $?"

# 5: a server, and only that.
for u in "$REFUSED" "$DOWN"; do
	expect_exit 5 "$DMARCDB" -q --db "$DB" ingest "$u" 2> "$T/err"
	grep -q "^dmarcdb: $u: connecting: " "$T/err" ||
	    fail "$u: $(cat "$T/err")"
	[ "$(counts)" = "0|1|0" ] || fail "$u: counted $(counts)"
done
grep -q "^dmarcdb: $DOWN: connecting: .*Couldn't connect to server$" \
    "$T/err" || fail "nobody listening: $(cat "$T/err")"
# ... with good inputs around it.
expect_exit 5 "$DMARCDB" -q --db "$DB" ingest "$T/good" "$REFUSED" \
    2> /dev/null

# 1: an input rejected now, with or without the server.
expect_exit 1 "$DMARCDB" -q --db "$DB" ingest "$REFUSED" "$T/bad" \
    2> "$T/err"
[ "$(counts)" = "1|1|1" ] || fail "rejected and unreachable: $(counts)"
# 5 again once that input is known: rejected before is not news.
expect_exit 5 "$DMARCDB" -q --db "$DB" ingest "$REFUSED" "$T/bad" \
    2> "$T/err"
[ "$(grep -c . "$T/err")" = 1 ] || fail "known input said: $(cat "$T/err")"
"$DMARCDB" -q --db "$DB" ingest "$T/bad" || fail "known input: exit $?"
# 1: a file that cannot be read (missing), or a URL refused before any
# server is asked (a password in it).
expect_exit 1 "$DMARCDB" -q --db "$DB" ingest "$REFUSED" "$T/nope.xml" \
    2> /dev/null
[ "$(counts)" = "0|2|1" ] || fail "missing file: $(counts)"
expect_exit 1 "$DMARCDB" -q --db "$DB" ingest \
    "imap://test:pw@127.0.0.1:$FAKE_PORT/INBOX" 2> "$T/err"
grep -q 'a password on the command line is refused' "$T/err" ||
    fail "password in the URL: $(cat "$T/err")"
echo ok
