#!/bin/bash
# imap-fail.sh: an IMAP folder that cannot be read is an unreadable
# input, said once: not a rejected one (nothing is kept), exit 5 (1
# when an input was also rejected, or a file could not be read). A
# server that trickles (fakeserver.py, 2 bytes a second) cannot hold
# the run: --message-timeout and --session-timeout end it, with what
# was stopped and why. (Login refused and a missing folder: imap.sh.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netfix.sh"

export DMARCDB_IMAP_PASSWORD=secret

# once ERR URL: URL is named on exactly one line, the problem's.
once() {
	[ "$(grep -cF "$2" "$1")" = 1 ] ||
	    fail "$2 named $(grep -cF "$2" "$1") times: $(cat "$1")"
}

# runs DB: the last run's rejected and unreadable counts, and the rows
# of rejected_inputs.
runs() {
	sql "$1" "SELECT rejected, unreadable, (SELECT count(*) FROM
	    rejected_inputs) FROM ingest_runs ORDER BY id DESC LIMIT 1"
}

# 1. Nobody listening.
fake_start imap-no-starttls
port=$FAKE_PORT
kill "$FAKE_PID"
U=imap://test@127.0.0.1:$port/INBOX
i=0
while [ -n "$(ss -Hltn "sport = :$port" 2> /dev/null)" ]; do
	i=$((i + 1))
	[ $i -lt 50 ] || fail "the fake server still listens"
	sleep 0.1
done
expect_exit 5 "$DMARCDB" --db "$DB" ingest "$U" 2> "$T/err"
grep -q "^dmarcdb: $U: connecting: .*Couldn't connect to server$" \
    "$T/err" || fail "nobody listening: $(cat "$T/err")"
once "$T/err" "$U"
grep -q '^dmarcdb: 1 input: 0 reports stored, 0 duplicates, 0 superseded, 0 rejected, 1 unreadable; 0 records, 0 messages; [0-9.]* s$' \
    "$T/err" || fail "nobody listening, summary: $(cat "$T/err")"
[ "$(runs "$DB")" = "0|1|0" ] || fail "nobody listening, counted $(runs "$DB")"
# With a file that is not there either, and one that is rejected: each
# counted as what it is.
echo "not a report" > "$T/junk.txt"
expect_exit 1 "$DMARCDB" --db "$DB" ingest "$U" "$T/nope.xml" \
    "$T/junk.txt" 2> "$T/err"
grep -q "^dmarcdb: $T/nope.xml: No such file or directory$" "$T/err" ||
    fail "missing file: $(cat "$T/err")"
grep -q ': 0 reports stored, 0 duplicates, 0 superseded, 1 rejected, 2 unreadable;' \
    "$T/err" || fail "three inputs, summary: $(cat "$T/err")"
[ "$(runs "$DB")" = "1|2|1" ] || fail "three inputs, counted $(runs "$DB")"

# 2. A server that trickles a message: --message-timeout ends it.
fake_start imap-trickle
U=imap://test@127.0.0.1:$FAKE_PORT/INBOX
expect_exit 5 "$DMARCDB" --db "$DB" ingest --message-timeout 1 "$U" \
    2> "$T/err"
grep -q "^dmarcdb: $U: UID 1: no complete answer within --message-timeout (1 s)$" \
    "$T/err" || fail "trickle: $(cat "$T/err")"
once "$T/err" "$U"
grep -q '^[^ ]* UID FETCH 1 ' "$FAKE_GOT" || fail "trickle: no FETCH sent"
grep -q ', 0 rejected, 1 unreadable;' "$T/err" ||
    fail "trickle, summary: $(cat "$T/err")"
# 3. ... and --session-timeout, when it comes first.
expect_exit 5 "$DMARCDB" --db "$DB" ingest --message-timeout 600 \
    --session-timeout 2 "$U" 2> "$T/err"
# (Normally while fetching UID 1; on a very slow machine, before.)
grep -q "^dmarcdb: $U: [^:]*: stopped: the folder took longer than --session-timeout (2 s); what was read is kept, and the next run goes on$" \
    "$T/err" || fail "trickle, session: $(cat "$T/err")"
grep -q ', 0 rejected, 1 unreadable;' "$T/err" ||
    fail "trickle, session, summary: $(cat "$T/err")"

# 4. The timeouts take 0 (none) to 86400 seconds.
mkdir "$T/empty"
for o in --message-timeout --session-timeout; do
	for v in 0 86400; do
		"$DMARCDB" -q --db "$DB" ingest "$o" "$v" "$T/empty" ||
		    fail "$o $v: exit $?"
	done
	for v in 86401 -1 1s ""; do
		expect_exit 2 "$DMARCDB" -q --db "$DB" ingest "$o" "$v" \
		    "$T/empty" 2> "$T/err"
		grep -q "invalid value '$v' for $o" "$T/err" ||
		    fail "$o $v: $(cat "$T/err")"
	done
done
echo ok
