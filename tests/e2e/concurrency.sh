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

# PostgreSQL: a message is committed whole, so it waits for its reports'
# domain locks holding those it took; the reports before it in the
# batch are committed first, so that it holds no other. Here another
# session holds b.example's lock and, once the ingest waits for it in a
# message about b.example, asks for a.example's, which the ingest's
# batch of nine reports about a.example held until then: a deadlock
# that PostgreSQL broke by failing the ingest, unless that batch was
# committed before the message.
if ! on_sqlite; then
	mkdir "$T/locks"
	for i in 1 2 3 4 5 6 7 8 9; do
		sed -e 's/mycompany\.com/a.example/g' \
		    -e "s/1704067200\.982371/10$i/" "$S/yahoo-report.xml" \
		    > "$T/locks/1-a$i.xml"
	done
	sed -e 's/mycompany\.com/b.example/g' -e 's/1704067200\.982371/200/' \
	    "$S/yahoo-report.xml" > "$T/b.xml"
	{
		printf 'From: noreply@reporter.example\n'
		printf 'To: dmarc@b.example\n'
		printf 'Subject: Report Domain: b.example Report-ID: 200\n'
		printf 'Date: Mon, 1 Jan 2024 00:00:00 +0000\n'
		printf 'Message-ID: <200@reporter.example>\n'
		printf 'MIME-Version: 1.0\n'
		printf 'Content-Type: multipart/mixed; boundary="b"\n\n'
		printf -- '--b\nContent-Type: text/plain\n\nA report.\n--b\n'
		printf 'Content-Type: text/xml; name="200.xml"\n'
		printf 'Content-Transfer-Encoding: base64\n\n'
		base64 "$T/b.xml"
		printf -- '--b--\n'
	} > "$T/locks/2-b.eml"
	lock() {	# the SQL that takes domain $1's lock
		echo "SELECT pg_advisory_xact_lock(hashtextextended('$1', 0));"
	}
	coproc PSQL { psql -qXAt -v ON_ERROR_STOP=1 -d "$DB" 2>&1; }
	echo "BEGIN; $(lock b.example)" >&"${PSQL[1]}"
	read -r -t 30 line <&"${PSQL[0]}" || fail "locks: no lock taken"
	"$DMARCDB" -q --db "$DB" ingest "$T/locks" 2> "$T/locks.err" &
	pid=$!
	i=0
	until [ "$(sql "$DB" "SELECT count(*) FROM pg_locks
	    WHERE locktype = 'advisory' AND NOT granted")" = 1 ]; do
		i=$((i + 1))
		[ "$i" -lt 600 ] || fail "locks: the ingest never waited"
		sleep 0.05
	done
	echo "$(lock a.example) COMMIT;" >&"${PSQL[1]}"
	set +e
	wait "$pid"
	rc=$?
	set -e
	[ "$rc" -eq 0 ] || fail "locks: exit $rc: $(cat "$T/locks.err")"
	echo '\q' >&"${PSQL[1]}"
	wait "$PSQL_PID" || true
	[ "$(sql "$DB" "SELECT domain, count(*) FROM reports
	    WHERE domain LIKE '_.example' GROUP BY 1 ORDER BY 1" |
	    tr '\n' ' ')" = "a.example|9 b.example|1 " ] ||
	    fail "locks: reports not stored"
fi
echo "ok"
