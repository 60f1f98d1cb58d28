#!/bin/bash
# crash.sh: dmarcdb ingest killed with SIGKILL at random moments, again
# and again on the same database, then run to completion, stores what
# one clean run stores: the same reports, records and sums, nothing
# twice, nothing rejected, and an intact database.
#
# The delays are random but reproducible: CRASH_SEED (printed) seeds
# awk's generator. Only how far each run gets depends on timing; every
# assertion holds whatever it is.
. "$(dirname "$0")/lib.sh"

GEN=$BUILDDIR/bench/gen
KILLS=${CRASH_KILLS:-20}
SEED=${CRASH_SEED:-20261122}

# A few thousand small reports, mixed containers, and large ones that
# are parsed as they stream in (gzip, plain XML, a zip member).
mkdir "$T/in"
"$GEN" -s 21 -r 2000 -m 1 -M 50 -d "$T/in"
"$GEN" -s 22 -f gz -n 60000 -o "$T/in/big1.xml.gz"
"$GEN" -s 23 -f xml -n 20000 -o "$T/in/big2.xml"
"$GEN" -s 24 -f zip -n 20000 -o "$T/in/big3.zip"

now() {
	date +%s.%N
}

# The reference: one clean run, and how long a run takes from scratch
# and over a complete database (all duplicates). These, the killed runs
# (a killed run reports nothing) and the run after completion take
# QUICK under check-valgrind (lib.sh); the run to completion after the
# kills, the recovery, runs under memcheck.
t0=$(now)
"$QUICK" -q --db "$T/ref.db" ingest "$T/in"
t1=$(now)
"$QUICK" -q --db "$T/ref.db" ingest "$T/in"
t2=$(now)
full=$(awk "BEGIN { print $t1 - $t0 }")
dup=$(awk "BEGIN { print $t2 - $t1 }")
dump "$T/ref.db" > "$T/ref.dump"
[ "$(sql "$T/ref.db" "SELECT count(*) FROM reports")" -eq 2003 ] ||
    fail "reference run: $(sql "$T/ref.db" "SELECT count(*) FROM reports")"

# Delays: the first three over a whole run from scratch, the others
# over a run that finds everything stored (any later run takes at
# least about that long), so that nearly every start is killed while
# the kills still land all over the input.
awk -v s="$SEED" -v f="$full" -v d="$dup" 'BEGIN { srand(s);
    for (i = 1; i <= 200; i++) printf "%.3f\n", rand() * (i <= 3 ? f : d) }' \
    > "$T/delays"
echo "seed $SEED; a run takes $full s from scratch, $dup s when done"

kills=0
done_runs=0
n=0
while [ "$kills" -lt "$KILLS" ]; do
	n=$((n + 1))
	d=$(sed -n "${n}p" "$T/delays")
	[ -n "$d" ] || fail "only $kills kills in $((n - 1)) runs"
	"$QUICK" -q --db "$DB" ingest "$T/in" 2> "$T/err.$n" &
	pid=$!
	sleep "$d"
	kill -KILL "$pid" 2> /dev/null || true
	set +e
	wait "$pid" 2> /dev/null
	rc=$?
	set -e
	case $rc in
	137) kills=$((kills + 1)) ;;
	0) done_runs=$((done_runs + 1)) ;;
	*) fail "run $n: exit $rc: $(cat "$T/err.$n")" ;;
	esac
	[ ! -s "$T/err.$n" ] || fail "run $n (killed after $d s): $(cat \
"$T/err.$n")"
done
echo "$kills kills, $done_runs runs finished in time, in $n runs"

# To completion, then once more: nothing changes.
"$DMARCDB" -q --db "$DB" ingest "$T/in" 2> "$T/err"
[ ! -s "$T/err" ] || fail "final run: $(cat "$T/err")"
integrity "$DB" || fail "integrity"
dump "$DB" > "$T/dump"
cmp -s "$T/ref.dump" "$T/dump" || fail "differs from a clean run: $(diff \
"$T/ref.dump" "$T/dump" | head -20)"
# Sums, counted from the rows rather than the report totals.
[ "$(sql "$DB" "SELECT count(*) || ' ' || sum(count) FROM records")" = \
    "$(sql "$T/ref.db" "SELECT count(*) || ' ' || sum(count) FROM \
records")" ] || fail "records or messages differ"
[ "$(sql "$DB" "SELECT count(*) FROM rejected_inputs")" -eq 0 ] ||
    fail "inputs rejected: $(sql "$DB" "SELECT origin || ': ' || reason
    FROM rejected_inputs")"
"$QUICK" -q --db "$DB" ingest "$T/in"
dump "$DB" > "$T/dump2"
cmp -s "$T/dump" "$T/dump2" || fail "a run after completion changed rows"
[ "$(sql "$DB" "SELECT stored FROM ingest_runs ORDER BY id DESC
    LIMIT 1")" -eq 0 ] || fail "a run after completion stored reports"
# Killed runs are left unfinished; no more of them than kills.
unfinished=$(sql "$DB" "SELECT count(*) FROM ingest_runs
    WHERE finished_at IS NULL")
[ "$unfinished" -le "$kills" ] || fail "$unfinished unfinished runs"
echo "ok"
