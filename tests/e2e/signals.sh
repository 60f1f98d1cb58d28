#!/bin/bash
# signals.sh: SIGINT or SIGTERM during ingest stops it cleanly: what
# was read is finished, a report being read in chunks is rolled back
# (never half a report), what was stored is said (under -q too), and it
# exits 130 or 143; the database is intact, and the next run stores the
# rest, each report once: the same as one run that was never stopped.
# An IMAP message being fetched from a server that trickles does not
# hold the stop, and is not a problem with the server.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netfix.sh"

GEN=$BUILDDIR/bench/gen

# wait_for PID SQL MIN: until the query on $DB gives at least MIN (the
# run is under way), or the run ends (which fails the test).
wait_for() {
	i=0
	while :; do
		kill -0 "$1" 2> /dev/null || fail "the run ended first"
		# Not before dmarcdb made it: sqlite3 would make it first.
		v=0
		! db_made "$DB" || v=$(sql "$DB" "$2" 2> /dev/null || echo 0)
		[ "${v:-0}" -lt "$3" ] || return 0
		i=$((i + 1))
		[ $i -lt 1200 ] || fail "the run did not get going"
		sleep 0.05
	done
}

# intact DB: nothing half-stored, and the database sound.
intact() {
	integrity "$1" ||
	    fail "$1: integrity_check"
	[ "$(sql "$1" "SELECT count(*) FROM reports r WHERE record_count !=
	    (SELECT count(*) FROM records c WHERE c.report = r.id)")" = 0 ] ||
	    fail "$1: a report stored in part"
	[ "$(sql "$1" "SELECT count(*) FROM ingest_runs WHERE finished_at
	    IS NULL")" = 0 ] || fail "$1: a run not recorded as finished"
	check_summary "$1"
}

### 1. SIGINT in a spool of many reports.
mkdir "$T/in"
# More than the queues hold (ingest-int.h: 8 MiB in flight), so that
# the stop comes while files are still to be read.
inputs=10000
"$GEN" -s 31 -r $inputs -m 1 -M 20 -d "$T/in"
"$QUICK" -q --db "$T/ref.db" ingest "$T/in"
dump "$T/ref.db" > "$T/ref.dump"
total=$(sql "$T/ref.db" "SELECT count(*) FROM reports")

"$DMARCDB" -q --db "$DB" ingest "$T/in" 2> "$T/err" &
pid=$!
wait_for "$pid" "SELECT count(*) FROM reports" 50
kill -INT "$pid"
set +e
wait "$pid"
rc=$?
set -e
[ "$rc" = 130 ] || fail "SIGINT: exit $rc: $(cat "$T/err")"
n=$(sql "$DB" "SELECT count(*) FROM reports")
[ "$n" -lt "$total" ] || fail "SIGINT: the run was not stopped"
grep -qx "dmarcdb: stopped by SIGINT: $n reports stored, 0 rejected; what was being read is left for the next run" \
    "$T/err" || fail "SIGINT: $(cat "$T/err") ($n stored)"
intact "$DB"
# The rest, once (a plain run: QUICK, lib.sh).
"$QUICK" --db "$DB" ingest "$T/in" 2> "$T/err" || fail "rest: exit $?"
grep -q "^dmarcdb: $inputs inputs: $((total - n)) reports stored, $n duplicates, 0 superseded, 0 rejected;" \
    "$T/err" || fail "rest: $(cat "$T/err")"
dump "$DB" > "$T/db.dump"
cmp -s "$T/ref.dump" "$T/db.dump" || fail "not the same as one run"

### 2. SIGTERM while one large report is read in chunks: rolled back.
mkdir "$T/big"
"$GEN" -s 32 -f gz -n 300000 -o "$T/big/big.xml.gz"
"$DMARCDB" -q --db "$T/b.db" ingest "$T/big" 2> "$T/err" &
pid=$!
# Under way: the file read to past its middle (it is about 6.5 MB), as
# the offset of the descriptor that reads it says; nothing committed.
# Under memcheck, which reads it twenty times slower, past 1 MB: as far
# from its end, and minutes sooner.
past=3000000
[ "${VALGRIND:-0}" != 1 ] || past=1000000
offset() {
	for fd in /proc/"$1"/fd/*; do
		case $(readlink "$fd" 2> /dev/null) in
		*/big.xml.gz)
			awk '/^pos:/ { print $2 }' "/proc/$1/fdinfo/${fd##*/}" \
			    2> /dev/null && return ;;
		esac
	done
	echo 0
}
i=0
while [ "$(offset "$pid")" -lt "$past" ]; do
	kill -0 "$pid" 2> /dev/null || fail "the large report was read first"
	i=$((i + 1))
	[ $i -lt 1200 ] || fail "the large report is not being read"
	sleep 0.05
done
kill -TERM "$pid"
set +e
wait "$pid"
rc=$?
set -e
[ "$rc" = 143 ] || fail "SIGTERM: exit $rc: $(cat "$T/err")"
[ "$(sql "$T/b.db" "SELECT count(*) FROM reports")" = 0 ] ||
    fail "SIGTERM: the report was finished, not dropped"
grep -qx 'dmarcdb: stopped by SIGTERM: 0 reports stored, 0 rejected; what was being read is left for the next run' \
    "$T/err" || fail "SIGTERM: $(cat "$T/err")"
[ "$(sql "$T/b.db" "SELECT count(*) FROM rejected_inputs")" = 0 ] ||
    fail "SIGTERM: the report dropped was rejected"
intact "$T/b.db"
"$QUICK" -q --db "$T/b.db" ingest "$T/big" || fail "big, then: exit $?"
[ "$(sql "$T/b.db" "SELECT count(*), sum(record_count) FROM reports")" = "1|300000" ] ||
    fail "big, then: $(sql "$T/b.db" "SELECT count(*), sum(record_count) FROM reports")"
intact "$T/b.db"

### 3. An IMAP message trickling in (2 bytes a second): the stop ends
###    the fetch; the server is not blamed.
export DMARCDB_IMAP_PASSWORD=secret
fake_start imap-trickle
U=imap://test@127.0.0.1:$FAKE_PORT/INBOX
"$DMARCDB" -q --db "$T/i.db" ingest "$U" 2> "$T/err" &
pid=$!
i=0
until grep -q '^[^ ]* UID FETCH 1 ' "$FAKE_GOT"; do
	kill -0 "$pid" 2> /dev/null || fail "imap: ended: $(cat "$T/err")"
	i=$((i + 1))
	[ $i -lt 600 ] || fail "imap: no FETCH"
	sleep 0.05
done
start=$SECONDS
kill -TERM "$pid"
set +e
wait "$pid"
rc=$?
set -e
[ "$rc" = 143 ] || fail "imap: exit $rc: $(cat "$T/err")"
[ $((SECONDS - start)) -lt 30 ] || fail "imap: the stop took $((SECONDS - start)) s"
grep_none "$U" "$T/err" || fail "imap: the server was blamed: $(cat "$T/err")"
[ "$(sql "$T/i.db" "SELECT unreadable FROM ingest_runs")" = 0 ] ||
    fail "imap: counted as unreadable"
echo ok
