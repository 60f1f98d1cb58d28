#!/bin/bash
# mail.sh: email input. The same messages (generated ones and those of
# the corpus) read from a Maildir, from an mbox file and one by one from
# standard input give identical databases; a Maildir read again is not
# read again; pipe delivery exits as an MTA needs.
. "$(dirname "$0")/lib.sh"
# The databases of this test (lib.sh: db_named).
ARC_FILE_DB=$(db_named arc-file)
ARC_IN_DB=$(db_named arc-in)
FILE_DB=$(db_named file)
FN_FILE_DB=$(db_named fn-file)
FN_QUOTED_DB=$(db_named fn-quoted)
FN_STDIN_DB=$(db_named fn-stdin)
FULL_DB=$T/full.db	# SQLite's file, in both passes: its disk fills
IN_DB=$(db_named in)
JUNK_DB=$T/junk.db	# a file that is not a database, in both passes
KILL_DB=$(db_named kill)
KREF_DB=$(db_named kref)
MB_DB=$(db_named mb)
MD_DB=$(db_named md)
PIPE_DB=$(db_named pipe)

GEN=$BUILDDIR/bench/gen
M=$T/msgs
mkdir "$M"
"$GEN" -s 7 -E -r 40 -m 1 -M 30 -d "$M"
cp "$CORPUS"/*/*.eml "$M"/
# One message whose report is broken, one without any report.
sed '/^Content-Transfer-Encoding: base64/,$d' "$M/m000003.eml" > "$M/broken.eml"
cat >> "$M/broken.eml" <<'EOF'
Content-Transfer-Encoding: 7bit

<?xml version="1.0"?><feedback><report_metadata><org_name>x</org_name>
EOF
printf 'From: someone@example.net\r\nTo: dmarc@example.com\r\nSubject: hello\r\nMessage-ID: <hello@example.net>\r\n\r\nJust saying hello.\r\n' > "$M/hello.eml"
n=$(ls "$M" | wc -l)
grep_none '^From ' "$M"/* || fail "a message has a From_ line: mbox would quote it"

# A Maildir: half in new/, half in cur/ with flags.
MD=$T/Maildir
mkdir -p "$MD/new" "$MD/cur" "$MD/tmp" "$MD/.Archive/cur"
i=0
for f in "$M"/*; do
	i=$((i + 1))
	if [ $((i % 2)) = 0 ]; then
		cp "$f" "$MD/new/17000000$i.M${i}P1.host"
	else
		cp "$f" "$MD/cur/17000000$i.M${i}P1.host:2,S"
	fi
done
cp "$M/m000000.eml" "$MD/tmp/1700000999.M9P9.host"	# being delivered
cp "$M/m000001.eml" "$MD/.Archive/cur/1.M1.host:2,S"	# another folder

# An mbox of the same messages, each ending with a line, then a blank
# line: a "From " line starts a message only after one.
for f in "$M"/*; do
	printf 'From sender@example.net Mon Jan  1 00:00:00 2024\n'
	cat "$f"
	[ -z "$(tail -c 1 "$f")" ] || printf '\n'
	printf '\n'
done > "$T/mbox"

mail_dump() {
	sql "$1" "SELECT hex(sha256), outcome, reports, duplicates, rejected,
	    message_id FROM mail_messages ORDER BY 1"
}

expect_exit 1 "$DMARCDB" -q --db "$MD_DB" ingest "$MD" 2> "$T/err"
grep -q "broken.eml\|part 2" "$T/err" || fail "broken report not reported"
expect_exit 1 "$DMARCDB" -q --db "$MB_DB" ingest "$T/mbox" 2> /dev/null
run=$DMARCDB	# under memcheck for the first message (lib.sh, QUICK)
for f in "$M"/*; do
	"$run" -q --db "$IN_DB" ingest - < "$f" 2> /dev/null ||
	    fail "$f: pipe delivery exit $?"
	run=$QUICK
done

dump "$MD_DB" > "$T/d1"
dump "$MB_DB" > "$T/d2"
dump "$IN_DB" > "$T/d3"
[ -s "$T/d1" ] || fail "nothing stored"
cmp -s "$T/d1" "$T/d2" || fail "mbox and Maildir differ"
cmp -s "$T/d1" "$T/d3" || fail "stdin and Maildir differ"
mail_dump "$MD_DB" > "$T/m1"
mail_dump "$MB_DB" > "$T/m2"
mail_dump "$IN_DB" > "$T/m3"
cmp -s "$T/m1" "$T/m2" || fail "mbox and Maildir messages differ"
cmp -s "$T/m1" "$T/m3" || fail "stdin and Maildir messages differ"
[ "$(wc -l < "$T/m1")" = "$n" ] || fail "$(wc -l < "$T/m1") messages, not $n"
# Every generated message gave its report; and the two odd ones.
[ "$(sql "$MD_DB" "SELECT count(*) FROM mail_messages WHERE outcome =
    'stored' AND reports = 1")" -ge 50 ] || fail "stored messages"
[ "$(sql "$MD_DB" "SELECT outcome FROM mail_messages WHERE message_id =
    'hello@example.net'")" = no_report ] || fail "hello not skipped"
[ "$(sql "$MD_DB" "SELECT outcome || ' ' || rejected FROM mail_messages
    m WHERE EXISTS (SELECT 1 FROM rejected_inputs r WHERE r.mail_message =
    m.id)")" = "rejected 1" ] || fail "broken not rejected"
[ "$(sql "$MD_DB" "SELECT count(*) FROM reports WHERE mail_message IS
    NULL")" = 0 ] || fail "reports without their message"
# tmp/ and the other folder were not read.
[ "$(sql "$MD_DB" "SELECT count(*) FROM mail_locations WHERE location
    LIKE '%Archive%' OR location LIKE '%999.M9P9%'")" = 0 ] ||
    fail "tmp/ or a subfolder read"

# The Maildir again: nothing read, nothing changes.
"$DMARCDB" --db "$MD_DB" ingest "$MD" 2> "$T/err" || fail "second run"
grep -q "$n email messages ($n processed before)" "$T/err" ||
    fail "second run read messages: $(cat "$T/err")"
dump "$MD_DB" > "$T/d4"
cmp -s "$T/d1" "$T/d4" || fail "second run changed reports"
# A message whose flags changed is still the same message.
f=$(ls "$MD/cur" | head -1)
mv "$MD/cur/$f" "$MD/cur/${f%%:*}:2,RS"
g=$(ls "$MD/new" | head -1)
mv "$MD/new/$g" "$MD/cur/$g:2,"
"$DMARCDB" --db "$MD_DB" ingest "$MD" 2> "$T/err"
grep -q "($n processed before)" "$T/err" || fail "renamed message read again"
# The same messages found elsewhere: not parsed again, place recorded.
"$DMARCDB" --db "$MD_DB" ingest "$T/mbox" 2> "$T/err" || true
grep -q "$n email messages ($n processed before)" "$T/err" ||
    fail "mbox after Maildir: $(cat "$T/err")"

# Killed at random moments, many times, then one run to the end: the
# same database as one clean run. Each run is killed early, within a
# twelfth of a clean run's time, so that it does only part of the work.
K=$T/KillMaildir
mkdir -p "$K/cur" "$K/new" "$K/tmp" "$T/kmsgs"
"$GEN" -s 8 -E -r 3000 -m 1 -M 40 -d "$T/kmsgs"
for f in "$T"/kmsgs/*; do mv "$f" "$K/new/${f##*/}.host"; done
t0=$(date +%s%N)
"$QUICK" -q --db "$KREF_DB" ingest "$K"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
killed=0
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	"$QUICK" -q --db "$KILL_DB" ingest "$K" 2> /dev/null &
	pid=$!
	sleep "$(awk -v s="$i$$" -v ms="$ms" 'BEGIN { srand(s);
	    printf "%.3f", rand() * ms / 1000 / 12 }')"
	kill -9 $pid 2> /dev/null || true
	st=0
	wait $pid 2> /dev/null || st=$?
	[ $st = 137 ] && killed=$((killed + 1))
done
[ $killed -ge 15 ] || fail "only $killed of 20 runs were killed while running"
# (QUICK too: 3,000 messages, each path of which the runs above and
# dedup.sh take under memcheck; this checks what is stored.)
"$QUICK" -q --db "$KILL_DB" ingest "$K" || fail "run after kills"
dump "$KREF_DB" > "$T/k1"
dump "$KILL_DB" > "$T/k2"
cmp -s "$T/k1" "$T/k2" || fail "killed runs differ from a clean run"
mail_dump "$KREF_DB" > "$T/k1"
mail_dump "$KILL_DB" > "$T/k2"
cmp -s "$T/k1" "$T/k2" || fail "killed runs: messages differ"
integrity "$KILL_DB" || fail "integrity"

# Pipe delivery: 0 whatever the message held, 75 when the database is
# unavailable (the MTA keeps the message and tries later); a file given
# by name still gets the usual statuses.
"$DMARCDB" -q --db "$PIPE_DB" ingest - < "$M/hello.eml" ||
    fail "no-report message: exit $?"
"$DMARCDB" -q --db "$PIPE_DB" ingest - < "$M/broken.eml" 2> /dev/null ||
    fail "broken message: exit $?"
expect_exit 75 "$DMARCDB" -q --db "$T/no/such/dir.db" ingest - \
    < "$M/m000001.eml" 2> /dev/null
echo "not a database" > "$JUNK_DB"
expect_exit 75 "$DMARCDB" -q --db "$JUNK_DB" ingest - \
    < "$M/m000001.eml" 2> /dev/null
expect_exit 3 "$DMARCDB" -q --db "$JUNK_DB" ingest "$M/m000001.eml" \
    2> /dev/null
expect_exit 1 "$DMARCDB" -q --db "$FILE_DB" ingest "$M/broken.eml" \
    2> /dev/null
# A report piped in (not a message) is not pipe delivery.
expect_exit 1 "$DMARCDB" -q --db "$FILE_DB" ingest - \
    < "$SRCDIR/samples/reports/broken-invalid_xml.xml" 2> /dev/null
# A delivery into a database of an older schema: it is brought up to
# date before the connection that asks whether the message was seen
# (opened beside the run's row, while GMime loads) is opened, so that
# connection finds the schema it expects: the message is stored, and
# found when it comes again.
if on_sqlite; then
	OLD_DB=$T/pipe-old.db
	"$DMARCDB" -q --db "$OLD_DB" ingest - < "$M/m000001.eml" ||
	    fail "pipe, old schema: first message: exit $?"
	sql "$OLD_DB" "DROP VIEW v_input_files; DROP TABLE input_files;
	    PRAGMA user_version = 15"
	"$DMARCDB" -q --db "$OLD_DB" ingest - < "$M/m000002.eml" ||
	    fail "pipe, old schema: exit $?"
	[ "$(sql "$OLD_DB" "PRAGMA user_version")" -gt 15 ] ||
	    fail "pipe, old schema: not brought up to date"
	"$DMARCDB" --db "$OLD_DB" ingest - < "$M/m000002.eml" 2> "$T/err" ||
	    fail "pipe, old schema, again: exit $?"
	grep -q ": 1 email message (1 processed before), 0 reports stored" \
	    "$T/err" || fail "pipe, old schema: not known again: $(cat \
	    "$T/err")"
	[ "$(sql "$OLD_DB" "SELECT count(*) FROM mail_messages")" = 2 ] ||
	    fail "pipe, old schema: messages"
fi

# "From " lines in a body: a report whose text part says "From now
# on..." (after a blank line), or has a dated "From " line (without
# one), is one message: on standard input after the envelope line an
# MTA adds, and in an mbox, whether its writer quoted those lines
# (mboxrd: ">From ") or not.
F=$T/fromnow.eml
awk '{ print }
    /^This is an aggregate report/ {
	print ""
	print "From now on, reports go to dmarc@example.org."
	print "From sender@example.net Mon Jan  1 00:00:00 2024 was the last."
    }' "$M/m000003.eml" > "$F"
grep -q '^From now on' "$F" || fail "no From line in the message"
# Its Message-ID (what bench/gen draws depends on the compiler: the
# order in which it evaluates arguments).
MID=$(sed -n 's/^Message-ID: <\([^>]*\)>.*/\1/p' "$F")
[ -n "$MID" ] || fail "no Message-ID in $F"
ENV='From sender@example.net Mon Jan  1 00:00:00 2024'
{ echo "$ENV"; cat "$F"; } > "$T/fromnow.in"
"$DMARCDB" -q --db "$FN_STDIN_DB" ingest - < "$T/fromnow.in" ||
    fail "From lines on stdin: exit $?"
"$DMARCDB" -q --db "$FN_FILE_DB" ingest "$F"
for mb in raw quoted; do
	for f in "$M/m000004.eml" "$F" "$M/m000005.eml"; do
		echo "$ENV"
		if [ $mb = quoted ]; then
			sed 's/^\(>*From \)/>\1/' "$f"
		else
			cat "$f"
		fi
		echo
	done > "$T/fromnow-$mb.mbox"
	"$DMARCDB" -q --db "$(db_named "fn-$mb")" ingest "$T/fromnow-$mb.mbox" ||
	    fail "From lines in an mbox ($mb): exit $?"
done
grep -q '^>From now on' "$T/fromnow-quoted.mbox" || fail "mbox not quoted"
for d in file stdin raw quoted; do
	[ "$(sql "$(db_named "fn-$d")" "SELECT count(*) FROM reports r JOIN
	    mail_messages m ON m.id = r.mail_message WHERE m.message_id =
	    '$MID'")" = 1 ] ||
	    fail "From lines ($d): the report is lost"
	mail_dump "$(db_named "fn-$d")" | grep -F "$MID" > "$T/fn-$d.m"
	cmp -s "$T/fn-file.m" "$T/fn-$d.m" || fail "From lines ($d): \
another message: $(cat "$T/fn-$d.m")"
done
[ "$(sql "$FN_QUOTED_DB" "SELECT count(*) FROM mail_messages WHERE
    outcome = 'stored'")" = 3 ] || fail "From lines: not 3 messages"

# A header longer than the 4096 bytes first looked at (a 10 KB
# ARC-Seal before From and Subject) is still a message: from a file, on
# standard input, and there with the database unavailable (75, so that
# the MTA tries again, not 3, which bounces it).
A=$T/arc.eml
{
	echo "ARC-Seal: i=1; a=rsa-sha256; t=1704067200; cv=none; d=ex.net;"
	for i in $(seq 1 130); do printf '\tb=%070d\n' "$i"; done
	cat "$M/m000006.eml"
} > "$A"
[ "$(head -c 4096 "$A" | grep -c '^[A-Z]')" = 1 ] || fail "ARC-Seal short"
"$DMARCDB" -q --db "$ARC_FILE_DB" ingest "$A" || fail "ARC-Seal file: $?"
"$DMARCDB" -q --db "$ARC_IN_DB" ingest - < "$A" || fail "ARC-Seal stdin: $?"
for d in file in; do
	[ "$(sql "$(db_named "arc-$d")" "SELECT outcome || ' ' || reports FROM
	    mail_messages")" = "stored 1" ] || fail "ARC-Seal ($d): not stored"
done
expect_exit 75 "$DMARCDB" -q --db "$T/no/such/dir.db" ingest - < "$A" \
    2> /dev/null
expect_exit 75 "$DMARCDB" -q --db "$JUNK_DB" ingest - < "$A" 2> /dev/null
# ... and the disk full while it is recorded (3 for a file).
"$DMARCDB" -q --db "$FULL_DB" ingest "$M/m000001.eml"
for in in - "$A"; do
	want=75
	[ "$in" = - ] || want=3
	expect_exit $want env ENOSPC_MATCH=full.db ENOSPC_BYTES=65536 \
	    LD_PRELOAD="$BUILDDIR/tests/hostile/enospc.so" \
	    ASAN_OPTIONS="$ASAN" "$DMARCDB" -q --db "$FULL_DB" ingest "$in" \
	    < "$A" 2> "$T/err"
	grep -q "disk is full" "$T/err" || fail "disk full: $(cat "$T/err")"
done

# --recover reads again a message whose report was rejected as not
# well-formed, from a file and from a Maildir, and stores the report;
# a message stored fine is still skipped.
sed 's|<org_name>\(.*\)</org_name>|<org_name>\1 \xe9</org_name>|' \
    "$SRCDIR/samples/reports/yahoo-report.xml" > "$T/bad.xml"
R=$T/recover.eml
{
	printf 'From: reports@example.net\nTo: dmarc@example.com\n'
	printf 'Subject: Report domain: example.com\n'
	printf 'Message-ID: <recover@example.net>\nMIME-Version: 1.0\n'
	printf 'Content-Type: multipart/mixed; boundary="b"\n\n--b\n'
	printf 'Content-Type: text/plain\n\nReport attached.\n\n--b\n'
	printf 'Content-Type: application/xml; name="bad.xml"\n'
	printf 'Content-Transfer-Encoding: base64\n\n'
	base64 "$T/bad.xml"
	printf -- '--b--\n'
} > "$R"
RM=$T/RecoverMaildir
mkdir -p "$RM/new" "$RM/cur" "$RM/tmp"
cp "$R" "$RM/new/1700000001.M1P1.host"
cp "$M/m000007.eml" "$RM/new/1700000002.M2P2.host"
for src in "$R" "$RM"; do
	db=$T/rec-$(basename "$src").db
	expect_exit 1 "$DMARCDB" -q --db "$db" ingest "$src" 2> "$T/err"
	grep -q "not well-formed" "$T/err" || fail "recover: $(cat "$T/err")"
	"$DMARCDB" --db "$db" ingest "$src" 2> "$T/err"
	grep -q "(1 processed before)\|(2 processed before)" "$T/err" ||
	    fail "recover: read again without --recover: $(cat "$T/err")"
	"$DMARCDB" --db "$db" ingest --recover "$src" 2> "$T/err" ||
	    fail "recover ($src): exit $?: $(cat "$T/err")"
	grep -q "1 report stored" "$T/err" ||
	    fail "recover ($src): not stored: $(cat "$T/err")"
	[ "$(sql "$db" "SELECT outcome || ' ' || reports || ' ' ||
	    coalesce(reason, '-') FROM mail_messages WHERE message_id =
	    'recover@example.net'")" = "stored 1 -" ] ||
	    fail "recover ($src): message not recorded as stored"
	[ "$(sql "$db" "SELECT count(*) FROM warnings
	    WHERE code = 'recovered'")" = 1 ] || fail "recover: no warning"
	"$DMARCDB" --db "$db" ingest --recover "$src" 2> "$T/err"
	grep -q "0 reports stored" "$T/err" || fail "recover: read again"
done
echo "ok"
