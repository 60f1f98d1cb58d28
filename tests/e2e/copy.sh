#!/bin/bash
# copy.sh: dmarcdb copy. A SQLite store with a bit of everything (the
# corpus, reports of weeks, one re-sent and superseded, mail from a
# Maildir, rejected inputs with their bytes, the caches) copied into
# $DB (PostgreSQL in the PostgreSQL pass, a second SQLite file in the
# other) holds the same: every row of every table but for its ids, and
# every report command prints the same from both. Run again, it copies
# nothing. Killed at random moments and run again, or stopped by a
# signal, or by the server going away: the same in the end. Two stores
# into one hold what one ingest of both inputs holds. Bad arguments:
# the documented errors.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixtures.sh"

GEN=$BUILDDIR/bench/gen
SRC=$T/src.db
CONF=$SRCDIR/tests/e2e/sources.conf
KILLS=${COPY_KILLS:-6}
SEED=${COPY_SEED:-20261206}

# content DB: every row of every table that copy copies, the ids
# replaced by what they point to (a report by its digest, a run by its
# start, a message by its digest, a signature by its key), sorted.
content() {
	h=$(pg_or_lite "$1" "hex(%s)" "upper(encode(%s, 'hex'))")
	dom=$(pg_or_lite "$1" "r.domain" "nullif(r.domain, '')")
	rep=$(printf "$h" r.xml_sha256)", r.xml_part"
	{
	sql "$1" "SELECT 'run', started_at, finished_at, version, inputs,
	    stored, duplicates, superseded, rejected, records, messages,
	    mail_read, mail_known, unreadable FROM ingest_runs"
	sql "$1" "SELECT 'report', $rep, r.status, $(printf "$h" \
	    s.xml_sha256), g.started_at, r.origin, r.received_at,
	    r.ingested_at, r.xml_size, r.schema, r.namespace, r.version,
	    r.org_name, r.email, r.extra_contact_info,
	    r.extra_contact_info_lang, r.report_id, r.generator,
	    r.date_begin, r.date_end, $dom, r.adkim, r.aspf, r.p, r.sp, r.np,
	    r.pct, r.fo, r.testing, r.discovery_method, r.extensions,
	    r.reporter, r.report_key_id, r.record_count, r.message_count,
	    $(printf "$h" m.sha256), r.day, r.raw_p, r.raw_sp, r.raw_np,
	    r.raw_adkim, r.raw_aspf, r.raw_pct, r.raw_fo, r.raw_testing
	  FROM reports r LEFT JOIN reports s ON s.id = r.superseded_by
	  LEFT JOIN ingest_runs g ON g.id = r.run_id
	  LEFT JOIN mail_messages m ON m.id = r.mail_message"
	sql "$1" "SELECT 'error', $rep, e.ordinal, e.message, e.lang
	  FROM report_errors e JOIN reports r ON r.id = e.report"
	sql "$1" "SELECT 'record', $rep, c.ordinal, c.source_ip, c.count,
	    c.disposition, c.dkim, c.spf, c.header_from, c.envelope_from,
	    c.envelope_to, c.extensions, $(printf "$h" g.key)
	  FROM records c JOIN reports r ON r.id = c.report
	  LEFT JOIN auth_sigs g ON g.id = c.sig"
	sql "$1" "SELECT 'dkim', $rep, c.ordinal, d.ordinal, d.domain,
	    d.selector, d.result, d.human_result, d.human_result_lang
	  FROM dkim_results d JOIN records c ON c.id = d.record
	  JOIN reports r ON r.id = c.report"
	sql "$1" "SELECT 'spf', $rep, c.ordinal, d.ordinal, d.domain,
	    d.scope, d.result, d.human_result, d.human_result_lang
	  FROM spf_results d JOIN records c ON c.id = d.record
	  JOIN reports r ON r.id = c.report"
	sql "$1" "SELECT 'reason', $rep, c.ordinal, o.ordinal, o.type,
	    o.comment, o.comment_lang
	  FROM override_reasons o JOIN records c ON c.id = o.record
	  JOIN reports r ON r.id = c.report"
	sql "$1" "SELECT 'warning', $rep, c.ordinal, w.code, w.message
	  FROM warnings w JOIN reports r ON r.id = w.report
	  LEFT JOIN records c ON c.id = w.record"
	sql "$1" "SELECT 'sig', $(printf "$h" key), header_from, adkim, aspf,
	    dmarc, dkim_aligned, spf_aligned, receiver_dkim, receiver_spf,
	    disposition, reasons, facts, passes, ident FROM auth_sigs
	  WHERE id IN (SELECT sig FROM records)"
	sql "$1" "SELECT 'rejected', $(printf "$h" i.sha256), g.started_at,
	    i.origin, i.reason, i.size, i.first_seen, i.last_seen,
	    i.times_seen, $(printf "$h" m.sha256), $(printf "$h" k.raw)
	  FROM rejected_inputs i JOIN rejected_raw k ON k.input = i.id
	  LEFT JOIN ingest_runs g ON g.id = i.run_id
	  LEFT JOIN mail_messages m ON m.id = i.mail_message"
	sql "$1" "SELECT 'mail', $(printf "$h" m.sha256), g.started_at,
	    m.message_id, m.mailbox, m.location, m.from_addr, m.subject,
	    m.date, m.size, m.outcome, m.reports, m.duplicates, m.rejected,
	    m.reason, m.first_seen, m.last_seen
	  FROM mail_messages m JOIN ingest_runs g ON g.id = m.run_id"
	sql "$1" "SELECT 'location', l.location, $(printf "$h" m.sha256),
	    l.seen_at, l.handled_at
	  FROM mail_locations l JOIN mail_messages m ON m.id = l.message"
	sql "$1" "SELECT 'ptr', * FROM ptr_cache"
	sql "$1" "SELECT 'alert', * FROM digest_alerts"
	sql "$1" "SELECT 'dns', * FROM dns_records"
	} | LC_ALL=C sort
}

# same A B WHAT: the files are the same, or the test fails showing how.
same() {
	cmp -s "$1" "$2" || fail "$3 differs: $(diff "$1" "$2" | head -n 20)"
}

# The report commands, their ids left out (each store has its own).
commands() {
	"$DMARCDB" --db "$1" reports --all | cut -c8-
	"$DMARCDB" --db "$1" rejected --format csv | cut -d, -f2-
	"$DMARCDB" --db "$1" --config "$CONF" sources --as-of 2026-03-01 \
	    --no-dns
	"$DMARCDB" --db "$1" --config "$CONF" advise --as-of 2026-03-01 \
	    --no-dns
	"$DMARCDB" --db "$1" --config "$CONF" export --since 2026-02-01 \
	    --as-of 2026-03-01
	"$DMARCDB" --db "$1" --config "$CONF" domains --as-of 2026-03-01
}

# --- the source: a bit of everything ------------------------------------

views_reports "$T/r"
f=$(ls "$T/r" | grep -v junk | head -n 1)
sed 's/<count>500</<count>501</' "$T/r/$f" > "$T/resent.xml"
touch -d 2030-01-01 "$T/resent.xml"
mkdir -p "$T/md/new" "$T/md/cur" "$T/md/tmp"
mkdir "$T/msgs"
"$GEN" -s 9 -E -r 12 -m 1 -M 20 -d "$T/msgs"
printf 'From: a@example.net\r\nSubject: hello\r\nMessage-ID: <hi@example.net>\r\n\r\nhello\r\n' > "$T/msgs/hello.eml"
i=0
for m in "$T"/msgs/*; do
	i=$((i + 1))
	cp "$m" "$T/md/new/17000000$i.M${i}P1.host"
done
mkdir "$T/many"
"$GEN" -s 41 -r 1500 -m 1 -M 8 -d "$T/many"

"$DMARCDB" -q --db "$SRC" ingest "$CORPUS" 2> /dev/null || :
"$DMARCDB" -q --db "$SRC" ingest "$T/r" 2> /dev/null || :
"$DMARCDB" -q --db "$SRC" ingest "$T/resent.xml"
"$DMARCDB" -q --db "$SRC" ingest "$T/md" 2> /dev/null || :
"$DMARCDB" -q --db "$SRC" ingest "$T/many"
sql "$SRC" "INSERT INTO ptr_cache VALUES ('192.0.2.10', 'name',
    'mta.example.com', 1, 1772236800, 4102444800);
  INSERT INTO dns_records VALUES ('example.com', 'spf', 'example.com',
    'v=spf1 -all', 1772323200, 1772409600);
  INSERT INTO digest_alerts VALUES ('ops@example.com', 'k1', 1772236800,
    1772409600)"
# What the source holds, that the test is about.
[ "$(sql "$SRC" "SELECT count(*) FROM reports WHERE status =
    'superseded'")" -gt 0 ] || fail "source: no superseded report"
[ "$(sql "$SRC" "SELECT count(*) FROM mail_locations")" -gt 10 ] ||
    fail "source: no mail"
[ "$(sql "$SRC" "SELECT count(*) FROM rejected_inputs")" -ge 3 ] ||
    fail "source: no rejected inputs"
for t in report_errors warnings override_reasons; do
	[ "$(sql "$SRC" "SELECT count(*) FROM $t")" -gt 0 ] ||
	    fail "source: nothing in $t"
done
[ "$(sql "$SRC" "SELECT count(*) FROM dkim_results
    WHERE human_result IS NOT NULL")" -gt 0 ] ||
    fail "source: no DKIM human_result"
[ "$(sql "$SRC" "SELECT count(*) FROM records
    WHERE extensions IS NOT NULL")" -gt 0 ] ||
    fail "source: no record extensions"
nrep=$(sql "$SRC" "SELECT count(*) FROM reports")
content "$SRC" > "$T/src.content"
commands "$SRC" > "$T/src.commands" 2> /dev/null

# --- a copy holds the same ----------------------------------------------

"$DMARCDB" --db "$DB" copy --from "$SRC" 2> "$T/err" ||
    fail "copy: exit $?: $(cat "$T/err")"
grep -q "^dmarcdb: $nrep reports copied ([0-9]* records), 0 there already" \
    "$T/err" || fail "copy said: $(cat "$T/err")"
integrity "$DB"
check_summary "$DB"
content "$DB" > "$T/dst.content"
same "$T/src.content" "$T/dst.content" "the copy's content"
commands "$DB" > "$T/dst.commands" 2> /dev/null
same "$T/src.commands" "$T/dst.commands" "the report commands"

# --- again: nothing more; quiet under -q --------------------------------

before=$(db_state "$DB")
"$DMARCDB" -q --db "$DB" copy --from "$SRC" > "$T/out" 2>&1 ||
    fail "copy again: exit $?"
[ ! -s "$T/out" ] || fail "copy -q said: $(cat "$T/out")"
"$DMARCDB" --db "$DB" copy --from "$SRC" 2> "$T/err" || fail "again: $?"
grep -q "^dmarcdb: 0 reports copied (0 records), $nrep there already; 0 ingest runs, 0 mail messages, 0 rejected inputs, 0 cache rows added" \
    "$T/err" || fail "copy again said: $(cat "$T/err")"
[ "$(db_state "$DB")" = "$before" ] || fail "copy again wrote"

# --- killed at random moments, then run to the end ----------------------

fresh_db
t0=$(date +%s.%N)
"$QUICK" -q --db "$DB" copy --from "$SRC"
t1=$(date +%s.%N)
full=$(awk "BEGIN { print $t1 - $t0 }")
fresh_db
awk -v seed="$SEED" -v n="$KILLS" -v full="$full" 'BEGIN {
	srand(seed); for (i = 0; i < n; i++) printf "%.3f\n", rand() * full
}' > "$T/delays"
echo "kills: seed $SEED, a full copy $full s"
while read -r d; do
	"$QUICK" -q --db "$DB" copy --from "$SRC" 2> /dev/null &
	pid=$!
	sleep "$d"
	kill -9 "$pid" 2> /dev/null || :
	wait "$pid" 2> /dev/null || :
done < "$T/delays"
"$DMARCDB" -q --db "$DB" copy --from "$SRC" || fail "after the kills: $?"
integrity "$DB"
content "$DB" > "$T/dst.content"
same "$T/src.content" "$T/dst.content" "the copy after kills"

# --- stopped by SIGTERM: said, 143, finished by a second run ------------

# The target held by another writer (a shell fed through a FIFO, so
# that it holds it until told), the copy waits for it; the signal comes
# meanwhile and stops it at its first row.
fresh_db
# (Made by a copy of an empty store: an ingest would leave a row.)
: > "$T/empty.db"
"$DMARCDB" -q --db "$DB" copy --from "$T/empty.db"
db_made "$DB" || fail "no empty target"
mkfifo "$T/hold"
case $DB in
postgresql://*)
	psql -qX -d "$DB" < "$T/hold" > /dev/null &
	holder=$!
	exec 4> "$T/hold"
	echo "BEGIN; LOCK TABLE ingest_runs;" >&4
	held="SELECT count(*) FROM pg_locks WHERE relation =
	    'ingest_runs'::regclass AND granted"
	waits="SELECT count(*) FROM pg_locks WHERE NOT granted"
	locked() { [ "$(sql "$DB" "$held")" -gt 0 ]; } ;;
*)
	sqlite3 "$DB" < "$T/hold" > /dev/null &
	holder=$!
	exec 4> "$T/hold"
	# (Waiting for the probes below, which take the lock a moment.)
	printf '.timeout 30000\nBEGIN IMMEDIATE;\n' >&4
	locked() { ! sqlite3 "$DB" "BEGIN IMMEDIATE; ROLLBACK" 2> /dev/null; } ;;
esac
n=0
until locked; do
	n=$((n + 1))
	[ "$n" -lt 300 ] || fail "the target was never held"
	sleep 0.1
done
"$DMARCDB" --db "$DB" copy --from "$SRC" 2> "$T/err" 4>&- &
pid=$!
# Waiting: on PostgreSQL for the lock, on SQLite with the target open
# (the signal is caught from before it opens it).
n=0
while if on_sqlite; then
	! ls -l "/proc/$pid/fd" 2> /dev/null | grep -q -- "-> $DB\$"
else
	[ "$(sql "$DB" "$waits")" = 0 ]
fi; do
	n=$((n + 1))
	[ "$n" -lt 600 ] || fail "the copy never waited"
	sleep 0.1
done
kill -TERM "$pid"
echo "COMMIT;" >&4
exec 4>&-
rc=0
wait "$pid" || rc=$?
wait "$holder"
[ "$rc" = 143 ] || fail "stopped by SIGTERM: exit $rc: $(cat "$T/err")"
grep -q "stopped by SIGTERM: .* run it again to finish" "$T/err" ||
    fail "stopped: $(cat "$T/err")"
[ "$(sql "$DB" "SELECT count(*) FROM reports")" -lt "$nrep" ] ||
    fail "stopped, but copied all"
"$DMARCDB" -q --db "$DB" copy --from "$SRC" || fail "after SIGTERM: $?"
content "$DB" > "$T/dst.content"
same "$T/src.content" "$T/dst.content" "the copy after SIGTERM"

# --- the server goes away mid-copy (PostgreSQL) -------------------------

if ! on_sqlite; then
	fresh_db
	"$DMARCDB" -q --db "$DB" copy --from "$T/empty.db"
	psql -qX -d "$DB" -c "BEGIN" -c "LOCK TABLE reports" \
	    -c "SELECT pg_sleep(30)" -c "COMMIT" > /dev/null 2>&1 &
	holder=$!
	sleep 1
	"$DMARCDB" --db "$DB" copy --from "$SRC" 2> "$T/err" &
	pid=$!
	# Its runs and messages are copied, then it waits for the lock.
	n=0
	until [ "$(psql -qXAt -d "$DB" -c "SELECT count(*) FROM pg_locks
	    WHERE NOT granted")" -gt 0 ]; do
		n=$((n + 1))
		[ "$n" -lt 300 ] || fail "the copy never waited"
		sleep 0.1
	done
	pg_kill
	rc=0
	wait "$pid" || rc=$?
	wait "$holder" || :
	[ "$rc" = 3 ] || fail "server gone: exit $rc: $(cat "$T/err")"
	grep -q "copy stopped: .*run it again to finish" "$T/err" ||
	    fail "server gone: $(cat "$T/err")"
	pg_restart
	"$DMARCDB" -q --db "$DB" copy --from "$SRC" || fail "after restart: $?"
	content "$DB" > "$T/dst.content"
	same "$T/src.content" "$T/dst.content" "the copy after a restart"
fi

# --- two stores into one: as one ingest of both -------------------------

A=$T/a.db
B=$T/b.db
REF=$T/ref.db
"$DMARCDB" -q --db "$A" ingest "$T/r" 2> /dev/null || :
# b: some of a's reports again, the re-sent one, and mail.
mkdir "$T/rb"
ls "$T/r" | head -n 10 | while read -r f; do cp "$T/r/$f" "$T/rb/"; done
"$DMARCDB" -q --db "$B" ingest "$T/rb" "$T/resent.xml" 2> /dev/null || :
"$DMARCDB" -q --db "$B" ingest "$T/md" 2> /dev/null || :
"$DMARCDB" -q --db "$REF" ingest "$T/r" "$T/resent.xml" 2> /dev/null || :
"$DMARCDB" -q --db "$REF" ingest "$T/md" 2> /dev/null || :
fresh_db
"$DMARCDB" -q --db "$DB" copy --from "$A" || fail "copy a: $?"
"$DMARCDB" --db "$DB" copy --from "$B" 2> "$T/err" || fail "copy b: $?"
grep -q "reports copied (.*), 10 there already" "$T/err" ||
    fail "copy b said: $(cat "$T/err")"
dump "$REF" > "$T/ref.dump"
dump "$DB" > "$T/dst.dump"
same "$T/ref.dump" "$T/dst.dump" "a and b copied into one"

# --- errors -------------------------------------------------------------

expect_exit 2 "$DMARCDB" --db "$DB" copy 2> "$T/stderr"
grep -q "copy: no --from" "$T/stderr" || fail "no --from: $(cat "$T/stderr")"
expect_exit 2 "$DMARCDB" --db "$DB" copy --from \
    "postgresql://u:secret@127.0.0.1/x" 2> "$T/stderr"
grep -q "a PostgreSQL database; copy reads a SQLite store" "$T/stderr" ||
    fail "--from pg: $(cat "$T/stderr")"
grep_none secret "$T/stderr" || fail "the password was shown"
expect_exit 2 "$DMARCDB" copy --from "$A" --to "$A" 2> "$T/stderr"
grep -q "the same database" "$T/stderr" || fail "same: $(cat "$T/stderr")"
expect_exit 3 "$DMARCDB" --db "$DB" copy --from "$T/none.db" 2> "$T/stderr"
grep -q "no such database: $T/none.db" "$T/stderr" ||
    fail "missing: $(cat "$T/stderr")"
echo "not a database" > "$T/junk.db"
expect_exit 3 "$DMARCDB" --db "$DB" copy --from "$T/junk.db" 2> "$T/stderr"
expect_exit 3 "$DMARCDB" copy --from "$A" --to \
    "postgresql://127.0.0.1:$(free_port)/x?connect_timeout=2" 2> "$T/stderr"
expect_exit 2 "$DMARCDB" copy --from "$A" extra 2> "$T/stderr"
"$DMARCDB" copy --help | grep -q "^usage: dmarcdb \[--db DATABASE\] copy" ||
    fail "copy --help"

finish
