#!/bin/bash
# pg-kill.sh: four ingests at once into one PostgreSQL database, over
# overlapping inputs, killed with SIGKILL at random moments, round after
# round; then one run to completion. The database then holds exactly
# what one run over the union stores in SQLite (dump: the same reports,
# records and sums, whichever store), nothing twice, nothing partial,
# and the re-sent report that two of them carried is superseded once.
# The delays are random but reproducible (PG_KILL_SEED).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg.sh"

GEN=$BUILDDIR/bench/gen
S=$SRCDIR/samples/reports
SEED=${PG_KILL_SEED:-20261206}
ROUNDS=${PG_KILL_ROUNDS:-6}

pg_start
PG=$(pg_db kill)

mkdir "$T/all" "$T/extra"
"$GEN" -s 41 -r 600 -m 1 -M 40 -d "$T/all"
"$GEN" -s 42 -f gz -n 30000 -o "$T/all/big.xml.gz"
(cd "$T/all" && ls) > "$T/list"
cp "$S/yahoo-report.xml" "$T/extra/a.xml"
touch -d 2024-06-01 "$T/extra/a.xml"
sed 's/<count>12<\/count>/<count>13<\/count>/' "$S/yahoo-report.xml" \
    > "$T/extra/b.xml"
touch -d 2030-01-01 "$T/extra/b.xml"

# Four overlapping directories; the two copies in different ones.
deal() {	# deal DIR FIRST LAST STEP
	mkdir "$1"
	awk -v a="$2" -v b="$3" -v s="$4" \
	    'NR >= a && NR <= b && (NR - a) % s == 0' "$T/list" |
	while read -r f; do
		ln "$T/all/$f" "$1/$f"
	done
}
deal "$T/d1" 1 300 1
deal "$T/d2" 200 450 1
deal "$T/d3" 400 601 1
deal "$T/d4" 1 601 3
ln "$T/extra/a.xml" "$T/d2/"
ln "$T/extra/b.xml" "$T/d4/"

# The reference: one run over the union, in SQLite.
"$QUICK" -q --db "$T/ref.db" ingest "$T/all" "$T/extra"
dump "$T/ref.db" > "$T/ref.dump"

t0=$(date +%s.%N)
"$QUICK" -q --db "$T/ref2.db" ingest "$T/all" "$T/extra"
full=$(awk "BEGIN { print $(date +%s.%N) - $t0 }")
awk -v s="$SEED" -v f="$full" 'BEGIN { srand(s);
    for (i = 1; i <= 4 * 200; i++) printf "%.3f\n", rand() * f }' \
    > "$T/delays"
echo "seed $SEED; a run takes $full s"

# Rounds of four at once, each killed after its own delay.
n=0
for r in $(seq 1 "$ROUNDS"); do
	pids=
	for d in 1 2 3 4; do
		"$QUICK" -q --db "$PG" ingest "$T/d$d" 2> "$T/err.$r.$d" &
		pids="$pids $!"
	done
	for p in $pids; do
		n=$((n + 1))
		sleep "$(sed -n "${n}p" "$T/delays")"
		kill -KILL "$p" 2> /dev/null || true
	done
	for p in $pids; do
		wait "$p" 2> /dev/null || true
	done
	for d in 1 2 3 4; do
		[ ! -s "$T/err.$r.$d" ] || fail "round $r, run $d: $(cat \
"$T/err.$r.$d")"
	done
	integrity "$PG" || fail "round $r: a row without its report"
done

# To completion: four at once again, unkilled, then nothing is left.
pids=
for d in 1 2 3 4; do
	"$DMARCDB" -q --db "$PG" ingest "$T/d$d" 2> "$T/err.end.$d" &
	pids="$pids $!"
done
for p in $pids; do
	wait "$p" || fail "the last round: exit $?: $(cat "$T"/err.end.*)"
done
integrity "$PG" || fail "the end: a row without its report"
dump "$PG" > "$T/pg.dump"
cmp -s "$T/ref.dump" "$T/pg.dump" ||
    fail "not what one run stores: $(diff "$T/ref.dump" "$T/pg.dump" |
    head -5)"
[ "$(sql "$PG" "SELECT group_concat(status) FROM (SELECT status
    FROM reports WHERE report_key_id = (SELECT report_key_id FROM reports
    WHERE origin LIKE '%/b.xml') ORDER BY received_at) AS r")" = \
    "superseded,active" ] || fail "the re-sent report"
"$QUICK" --db "$PG" ingest "$T/all" "$T/extra" 2> "$T/err"
grep -q " 0 reports stored, 603 duplicates, 0 superseded, 0 rejected;" \
    "$T/err" || fail "a run after: $(cat "$T/err")"
echo ok
