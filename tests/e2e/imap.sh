#!/bin/bash
# imap.sh: ingest from a real IMAP server (a private Dovecot): moved and
# flagged messages, idempotence, credentials, killed runs and runs at
# the same time. The database must always equal what a Maildir of the
# same messages gives.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dovecot.sh"
# The databases of this test (lib.sh: db_named).
A_DB=$(db_named a)
B_DB=$(db_named b)
C_DB=$(db_named c)
D_DB=$(db_named d)
E_DB=$(db_named e)
K_DB=$(db_named k)
REF_DB=$(db_named ref)
T_DB=$(db_named t)

GEN=$BUILDDIR/bench/gen
M=$T/msgs
mkdir "$M"
"$GEN" -s 11 -E -r 300 -m 1 -M 20 -d "$M"
cp "$CORPUS"/*/*.eml "$M"/
printf 'From: a@example.net\r\nSubject: hi\r\nMessage-ID: <hi@example.net>\r\n\r\nhi\r\n' > "$M/hi.eml"
n=$(ls "$M" | wc -l)

# The reference: the same messages from a Maildir.
mkdir -p "$T/ref/cur" "$T/ref/new" "$T/ref/tmp"
cp "$M"/* "$T/ref/new/"
"$DMARCDB" -q --db "$REF_DB" ingest "$T/ref"
dump "$REF_DB" > "$T/ref.dump"
usable=$(sql "$REF_DB" "SELECT count(*) FROM mail_messages WHERE outcome
    IN ('stored', 'duplicate')")
[ "$usable" -eq $((n - 2)) ] || fail "reference: $usable usable of $n"

mail_dump() {
	sql "$1" "SELECT hex(sha256), outcome, reports, duplicates, rejected
	    FROM mail_messages ORDER BY 1"
}
mail_dump "$REF_DB" > "$T/ref.mail"

dovecot_start
export DMARCDB_IMAP_PASSWORD=$IMAP_PASS

# seed FOLDER: every message, unseen, into a (Maildir++) folder.
seed() {
	d=$IMAP_MD
	[ "$1" = INBOX ] || d=$IMAP_MD/.$1
	mkdir -p "$d/cur" "$d/new" "$d/tmp"
	i=0
	for f in "$M"/*; do
		i=$((i + 1))
		cp "$f" "$d/new/1700000$i.M$i.host"
	done
	chown -R nobody:nogroup "$DOVE/home"
}

count() {	# count FOLDER [SEARCH]: messages in it
	imap_cmd "$1" "UID SEARCH ${2:-ALL}" | tr ' ' '\n' | grep -c '^[0-9]'
}

same_as_ref() {	# same_as_ref DB WHAT
	dump "$1" > "$T/got.dump"
	cmp -s "$T/ref.dump" "$T/got.dump" || fail "$2: reports differ"
	mail_dump "$1" > "$T/got.mail"
	cmp -s "$T/ref.mail" "$T/got.mail" || fail "$2: messages differ"
}

# 1. Move: usable messages to Done, the others to Junk (both created).
seed INBOX
t0=$(date +%s%N)
"$DMARCDB" -q --db "$A_DB" ingest --move-to Done --rejected-to Junk \
    "$IMAP_URL/INBOX" || fail "first run: exit $?"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
same_as_ref "$A_DB" "move"
[ "$(count INBOX)" = 0 ] || fail "INBOX not emptied"
[ "$(count Done)" = "$usable" ] || fail "Done: $(count Done), not $usable"
[ "$(count Junk)" = 2 ] || fail "Junk: $(count Junk), not 2"
[ "$(sql "$A_DB" "SELECT count(*) FROM mail_locations WHERE handled_at
    IS NULL")" = 0 ] || fail "messages not recorded as handled"
# Again: nothing there, nothing changes.
"$DMARCDB" --db "$A_DB" ingest --move-to Done --rejected-to Junk \
    "$IMAP_URL/INBOX" 2> "$T/err" || fail "second run"
grep -q ": 0 reports stored" "$T/err" || fail "second run: $(cat "$T/err")"
same_as_ref "$A_DB" "move again"

# 2. Flag only: every message \Seen; a second run fetches nothing.
seed Flag
"$DMARCDB" -q --db "$B_DB" ingest "$IMAP_URL/Flag" || fail "flag run"
same_as_ref "$B_DB" "flag"
[ "$(count Flag UNSEEN)" = 0 ] || fail "messages left unseen"
[ "$(count Flag)" = "$n" ] || fail "messages gone from Flag"
"$DMARCDB" -v --db "$B_DB" ingest "$IMAP_URL/Flag" 2> "$T/err" ||
    fail "flag run 2"
grep -q "$n email messages ($n processed before), 0 reports" "$T/err" ||
    fail "flag run 2: $(tail -1 "$T/err")"
grep_none "UID [0-9]*:" "$T/err" || fail "flag run 2 fetched messages"
# Marked read by someone before dmarcdb came: still processed.
seed Read
imap_cmd Read 'UID STORE 1:* +FLAGS.SILENT (\Seen)' > /dev/null
"$DMARCDB" -q --db "$C_DB" ingest "$IMAP_URL/Read" || fail "read run"
same_as_ref "$C_DB" "messages seen before"

# unreadable ERR URL: the folder could not be read, said once (the URL
# not repeated), and counted as unreadable, not rejected.
unreadable() {
	[ "$(grep -cF "$2" "$1")" = 1 ] ||
	    fail "$2 named $(grep -cF "$2" "$1") times: $(cat "$1")"
	grep -q ': 0 reports stored, 0 duplicates, 0 superseded, 0 rejected, 1 unreadable;' \
	    "$1" || fail "summary: $(cat "$1")"
}

# 3. Credentials: from the environment or a netrc file; never the URL.
expect_exit 5 env DMARCDB_IMAP_PASSWORD=wrong "$DMARCDB" --db "$E_DB" \
    ingest "$IMAP_URL/INBOX" 2> "$T/err"
grep -q "^dmarcdb: $IMAP_URL/INBOX: connecting: login denied" "$T/err" ||
    fail "wrong password: $(cat "$T/err")"
unreadable "$T/err" "$IMAP_URL/INBOX"
expect_exit 1 "$DMARCDB" -q --db "$E_DB" ingest \
    "imap://test:$IMAP_PASS@127.0.0.1:$IMAP_PORT/INBOX" 2> "$T/err"
grep -q "password on the command line is refused" "$T/err" ||
    fail "password in URL: $(cat "$T/err")"
grep_none "$IMAP_PASS" "$T/err" || fail "the password was printed"
printf 'machine 127.0.0.1 login test password %s\n' "$IMAP_PASS" > \
    "$T/netrc"
chmod 600 "$T/netrc"
seed Netrc
env -u DMARCDB_IMAP_PASSWORD "$DMARCDB" -q --db "$D_DB" ingest \
    --netrc-file "$T/netrc" "$IMAP_URL/Netrc" || fail "netrc: exit $?"
same_as_ref "$D_DB" "netrc"
expect_exit 5 "$DMARCDB" --db "$E_DB" ingest "$IMAP_URL/Nowhere" \
    2> "$T/err"
grep -q "^dmarcdb: $IMAP_URL/Nowhere: STATUS \"Nowhere\" (UIDVALIDITY): refused (the server said: A[0-9]* NO .*Nowhere.*)$" \
    "$T/err" || fail "missing folder: $(cat "$T/err")"
unreadable "$T/err" "$IMAP_URL/Nowhere"
[ "$(sql "$E_DB" "SELECT count(*) FROM rejected_inputs")" = 0 ] ||
    fail "an unreadable folder in rejected_inputs"

# 4. Killed at random moments, many times: then one run to the end.
#    Every report stored once, every message moved once. Each run is
#    killed early, so that it does only part of the work: within a
#    twelfth of the first run's time, and half that after a run that
#    ended first (the first run may have been slowed by other work on
#    the machine, and each run has less to do).
seed Kill
killed=0
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	"$DMARCDB" -q --db "$K_DB" ingest --move-to KDone \
	    --rejected-to KJunk "$IMAP_URL/Kill" 2> /dev/null &
	pid=$!
	sleep "$(awk -v s="$i$$" -v ms="$ms" 'BEGIN { srand(s);
	    printf "%.3f", rand() * ms / 1000 / 12 }')"
	kill -9 $pid 2> /dev/null || true
	st=0
	wait $pid 2> /dev/null || st=$?
	if [ $st = 137 ]; then
		killed=$((killed + 1))
	else
		ms=$((ms / 2))
	fi
done
[ $killed -ge 15 ] || fail "only $killed of 20 runs were killed while running"
"$DMARCDB" -q --db "$K_DB" ingest --move-to KDone --rejected-to KJunk \
    "$IMAP_URL/Kill" || fail "run after kills: exit $?"
same_as_ref "$K_DB" "after kills"
[ "$(count Kill)" = 0 ] || fail "Kill not emptied"
[ "$(count KDone)" = "$usable" ] || fail "KDone: $(count KDone)"
[ "$(count KJunk)" = 2 ] || fail "KJunk: $(count KJunk)"
integrity "$K_DB" || fail "integrity"

# 5. Two runs at the same time: the database of one.
seed Both
"$DMARCDB" -q --db "$T_DB" ingest --move-to TDone --rejected-to TJunk \
    "$IMAP_URL/Both" 2> "$T/e1" &
p1=$!
"$DMARCDB" -q --db "$T_DB" ingest --move-to TDone --rejected-to TJunk \
    "$IMAP_URL/Both" 2> "$T/e2" &
p2=$!
wait $p1 || fail "concurrent run 1: $(cat "$T/e1")"
wait $p2 || fail "concurrent run 2: $(cat "$T/e2")"
same_as_ref "$T_DB" "concurrent"
[ "$(count Both)" = 0 ] || fail "Both not emptied"
[ "$(count TDone)" = "$usable" ] || fail "TDone: $(count TDone)"
echo "ok"
