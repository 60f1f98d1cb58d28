#!/bin/bash
# outputs.sh: what the report commands print (issue 15): a reader that
# goes away (| head) ends the output quietly, and reports and rejected
# as JSON, valid whatever the stored strings hold.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixtures.sh"

# 1,500 reports of the last 30 days (no note: the newest is yesterday's),
# 150 kB listed, more than a pipe holds.
mkdir "$T/r"
g=$(good example.com)
for d in $(days "$(date -u -d '30 days ago' +%Y-%m-%d)" 30); do
	for i in $(seq 1 50); do
		echo "org$i 7489 $d domain=example.com,p=none $g"
	done
done | reports "$T/r"
# And a rejected input of 200 kB.
head -c 200000 /dev/zero | tr '\0' x > "$T/r/junk.xml"
expect_exit 1 "$DMARCDB" -q --db "$DB" ingest "$T/r" 2> /dev/null
[ "$(sql "$DB" "SELECT count(*) FROM reports")" = 1500 ] || fail "ingest"

# --- A reader that goes away: no message, the status of a full run. ---

# cut STATUS CMD...: CMD | head -c 100 gets 100 bytes; dmarcdb says
# nothing and exits STATUS. Also with SIGPIPE ignored, as systemd runs
# services.
cut() {
	want=$1
	shift
	for ign in "" PIPE; do
		# shellcheck disable=SC2064
		trap "$ign" PIPE
		set +e
		"$@" 2> "$T/err" | head -c 100 > "$T/head"
		st=("${PIPESTATUS[@]}")
		set -e
		trap - PIPE
		[ "${st[0]}" -eq "$want" ] ||
		    fail "$* | head (SIGPIPE '$ign'): exit ${st[0]}, not $want"
		[ ! -s "$T/err" ] || fail "$* | head: $(cat "$T/err")"
		[ "$(wc -c < "$T/head")" -eq 100 ] || fail "$* | head: no output"
	done
}
cut 0 "$DMARCDB" --db "$DB" reports
cut 0 "$DMARCDB" --db "$DB" reports --format json
cut 0 "$DMARCDB" --db "$DB" reports --csv --all
cut 0 "$DMARCDB" --db "$DB" export --format ndjson
cut 0 "$DMARCDB" --db "$DB" export
id=$(sql "$DB" "SELECT id FROM rejected_inputs")
cut 0 "$DMARCDB" --db "$DB" rejected --dump "$id"
# Its own failures still count: a full disk is not a reader gone.
expect_exit 1 "$DMARCDB" --db "$DB" reports > /dev/full 2> "$T/err"
grep -q "No space left on device" "$T/err" || fail "/dev/full: quiet"
expect_exit 1 "$DMARCDB" --db "$DB" rejected --dump "$id" > /dev/full \
    2> "$T/err"
grep -q "No space left on device" "$T/err" || fail "--dump > /dev/full"

# --- JSON: reports and rejected. -----------------------------------------

# Strings as hostile as SQLite can hold: C0 and C1 controls, DEL, a
# bidi override, a quote, a backslash, bytes that are not UTF-8 (a lone
# continuation byte, a cut sequence, an overlong form, a surrogate).
bad="X'41' || char(1, 9, 10, 13, 27, 127, 133, 8238, 34, 92) ||
    CAST(X'80c3' AS TEXT) || CAST(X'c0af' AS TEXT) ||
    CAST(X'eda080' AS TEXT) || '!'"
# PostgreSQL holds only UTF-8: dmarcdb keeps other bytes as U+F700 + the
# byte (src/db-pg.c), and reads them back as those bytes.
bad_pg="'A' || chr(1) || chr(9) || chr(10) || chr(13) || chr(27) ||
    chr(127) || chr(133) || chr(8238) || chr(34) || chr(92) ||
    chr(63360) || chr(63427) || chr(63424) || chr(63407) ||
    chr(63469) || chr(63392) || chr(63360) || '!'"
bad=$(pg_or_lite "$DB" "$bad" "$bad_pg")
want='A\u0001\t\n\r\u001b\u007f\u0085\u202e\"\\\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd!'
sql "$DB" "UPDATE reports SET org_name = $bad, report_id = $bad
    WHERE id = (SELECT max(id) FROM reports);
  UPDATE rejected_inputs SET origin = $bad, reason = $bad"
# check FILE KEY COUNT MEMBERS: valid JSON (json.tool), an object with
# KEY only, an array of COUNT objects with the documented MEMBERS in
# that order, one value of which is the hostile string, decoded.
check() {
	python3 -m json.tool "$1" > /dev/null || fail "$1: not JSON"
	python3 - "$@" "$want" <<-'EOF' || fail "$1: not as documented"
	import json, sys
	path, key, count, members, want = sys.argv[1:]
	doc = json.load(open(path, encoding="utf-8"))
	assert list(doc) == [key], list(doc)
	rows = doc[key]
	assert len(rows) == int(count), len(rows)
	for r in rows:
	    assert list(r) == members.split(), list(r)
	bad = json.loads('"' + want + '"')
	assert any(v == bad for r in rows for v in r.values())
	EOF
}
"$DMARCDB" --db "$DB" reports --format json > "$T/reports.json"
check "$T/reports.json" reports 1500 \
    "id status begin end domain reporter report_id records messages policy warnings"
grep -qF "\"reporter\":\"$want\"" "$T/reports.json" ||
    fail "reports: the reporter as JSON"
grep -qF "\"report_id\":\"$want\"" "$T/reports.json" ||
    fail "reports: the report id as JSON"
# Its figures are the table's.
[ "$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))["reports"]
print(len(d), sum(r["messages"] for r in d), d[0]["begin"][:10],
    d[-1]["end"])' "$T/reports.json")" = \
    "1500 150000 $(date -u -d yesterday +%Y-%m-%d) $(date -u -d '30 days ago' +%Y-%m-%d)T23:59:59Z" ] ||
    fail "reports JSON figures"
"$DMARCDB" --db "$DB" rejected --format json > "$T/rejected.json"
check "$T/rejected.json" rejected 1 \
    "id last_seen size kept times_seen origin reason"
grep -qF "\"origin\":\"$want\",\"reason\":\"$want\"" "$T/rejected.json" ||
    fail "rejected: origin and reason as JSON"
grep -q '"size":200000,"kept":200000,' "$T/rejected.json" ||
    fail "rejected: sizes"
# Nothing: still a document.
"$DMARCDB" --db "$T/empty.db" ingest "$T/none" 2> /dev/null || true
for c in reports rejected; do
	"$DMARCDB" --db "$T/empty.db" $c --format json > "$T/e.json" \
	    2> /dev/null
	[ "$(cat "$T/e.json")" = "{\"$c\":[]}" ] || fail "$c: $(cat "$T/e.json")"
done
# CSV, with a header.
"$DMARCDB" --db "$DB" rejected --format csv > "$T/rejected.csv"
[ "$(head -1 "$T/rejected.csv")" = \
    "id,last_seen,size,kept,times_seen,origin,reason" ] ||
    fail "rejected CSV header"
[ "$(wc -l < "$T/rejected.csv")" -eq 2 ] || fail "rejected CSV rows"
expect_exit 2 "$DMARCDB" --db "$DB" rejected --dump "$id" --format json \
    2> /dev/null
echo ok
