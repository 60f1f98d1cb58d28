#!/bin/bash
# concurrency.sh: four ingests started at once on one database, over
# overlapping inputs (and the corpus, and a re-sent report whose copies
# go to different processes): together they say each of the corpus's
# rejections (a rejection an earlier run made is not news, whichever
# run it was: the one that comes second says nothing of it), nothing
# else, and each exits 1 exactly when it said one; the database holds
# exactly what one run over the union stores. Three rounds: on a
# database that does not exist yet, on the same one again (nothing
# said, all exit 0), and on a fresh one with the inputs dealt out the
# other way round.
. "$(dirname "$0")/lib.sh"

GEN=$BUILDDIR/bench/gen
S=$SRCDIR/samples/reports

mkdir "$T/all" "$T/extra"
"$GEN" -s 31 -r 1200 -m 1 -M 30 -d "$T/all"
(cd "$T/all" && ls) > "$T/list"
[ "$(wc -l < "$T/list")" -eq 1200 ] || fail "gen wrote $(wc -l < \
"$T/list") files"

# A report and a re-sent copy with other content (received later).
cp "$S/yahoo-report.xml" "$T/extra/a.xml"
touch -d 2024-06-01 "$T/extra/a.xml"
sed 's/<count>12<\/count>/<count>13<\/count>/' "$S/yahoo-report.xml" \
    > "$T/extra/b.xml"
touch -d 2030-01-01 "$T/extra/b.xml"
differ "$T/extra/a.xml" "$T/extra/b.xml" || fail "sed changed nothing"

# Four overlapping directories: 1-500, 300-800, 700-1200 and every
# third; the two copies of the re-sent report in different ones.
deal() {	# deal DIR FIRST LAST STEP
	mkdir "$1"
	awk -v a="$2" -v b="$3" -v s="$4" \
	    'NR >= a && NR <= b && (NR - a) % s == 0' "$T/list" |
	while read -r f; do
		ln "$T/all/$f" "$1/$f"
	done
}
deal "$T/d1" 1 500 1
deal "$T/d2" 300 800 1
deal "$T/d3" 700 1200 1
deal "$T/d4" 1 1200 3
ln "$T/extra/a.xml" "$T/d2/"
ln "$T/extra/b.xml" "$T/d4/"

# What one run over the union stores, and what it says of the corpus.
"$DMARCDB" -q --db "$T/ref.db" ingest "$T/all" "$T/extra" "$CORPUS" \
    2> /dev/null || true
dump "$T/ref.db" > "$T/ref.dump"
sql "$T/ref.db" "SELECT sha256, size, kept
    FROM v_rejected ORDER BY 1" > "$T/ref.rej"
expect_exit 1 "$DMARCDB" -q --db "$T/corpus.db" ingest "$CORPUS" \
    2> "$T/corpus.err"
[ "$(sql "$T/ref.db" "SELECT group_concat(status) FROM (SELECT status
    FROM reports WHERE report_key_id = (SELECT report_key_id FROM reports
    WHERE origin = '$T/extra/b.xml') ORDER BY received_at) AS r")" = \
    "superseded,active" ] || fail "reference: re-sent report"

# round DB SAID D1 D2 D3 D4: the four at once, then the checks; SAID:
# the lines they say, together (once each, or more).
round() {
	db=$1
	said=$2
	shift 2
	i=0
	pids=
	for d in "$@"; do
		i=$((i + 1))
		"$DMARCDB" -q --db "$db" ingest "$d" "$CORPUS" 2> "$T/e$i" &
		pids="$pids $!"
	done
	i=0
	for p in $pids; do
		i=$((i + 1))
		set +e
		wait "$p"
		rc=$?
		set -e
		[ -s "$T/e$i" ] && want=1 || want=0
		[ "$rc" -eq "$want" ] ||
		    fail "process $i: exit $rc: $(cat "$T/e$i")"
	done
	sort -u "$T"/e[1-4] > "$T/said"
	sort -u "$said" > "$T/want"
	cmp -s "$T/want" "$T/said" || fail "together they said: $(
	    diff "$T/want" "$T/said")"
	integrity "$db" || fail "integrity"
	dump "$db" > "$T/dump"
	cmp -s "$T/ref.dump" "$T/dump" || fail "differs from one run: $(diff \
	    "$T/ref.dump" "$T/dump" | head -20)"
	sql "$db" "SELECT sha256, size, kept FROM v_rejected
	    ORDER BY 1" > "$T/rej"
	cmp -s "$T/ref.rej" "$T/rej" || fail "rejected inputs differ"
	[ "$(sql "$db" "SELECT count(*) FROM ingest_runs
	    WHERE finished_at IS NULL")" -eq 0 ] || fail "unfinished runs"
}

round "$DB" "$T/corpus.err" "$T/d1" "$T/d2" "$T/d3" "$T/d4"
round "$DB" /dev/null "$T/d4" "$T/d3" "$T/d2" "$T/d1"
round "$T/fresh.db" "$T/corpus.err" "$T/d4" "$T/d3" "$T/d2" "$T/d1"
[ "$(sql "$DB" "SELECT count(*) FROM ingest_runs")" -eq 8 ] ||
    fail "runs not recorded"
echo "ok"
