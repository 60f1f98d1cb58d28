#!/bin/bash
# json.sh: ingest --json prints the run's summary as one JSON object on
# standard output (dmarcdb(1), INGEST), valid whatever the names of the
# inputs hold (quotes, backslashes, line breaks, terminal escapes,
# bytes that are not UTF-8): the counts of the summary line and the
# problems of the run, each with its kind, origin and reason; what an
# earlier run rejected is counted, not listed. Also when a server could
# not be reached (status 5), and when the database fails mid-run (status
# 3, with the error).
. "$(dirname "$0")/lib.sh"

ENOSPC=$BUILDDIR/tests/hostile/enospc.so

# valid FILE: one JSON object, as python3 -m json.tool reads it.
valid() {
	python3 -m json.tool "$1" > /dev/null ||
	    fail "not JSON: $(od -c "$1" | head -20)"
}

# field FILE EXPR: a value of the object, by a Python expression on j.
field() {
	python3 -c 'import json, sys
j = json.load(open(sys.argv[1], encoding="utf-8"))
print(eval(sys.argv[2]))' "$1" "$2"
}

IN=$T/in
mkdir "$IN"
cp "$SRCDIR/samples/reports/yahoo-report.xml" "$IN/"
q='quote" back\slash.xml'
printf 'not a report, 1\n' > "$IN/$q"
printf 'not a report, 2\n' > "$IN/"$'line\nbreak\ttab\x1b[31mred.xml'
printf 'not a report, 3\n' > "$IN/"$'latin1 \xe9t\xe9 \xff.xml'
printf 'not a report, 4\n' > "$IN/"$'bidi \xe2\x80\xae lmth.xml'

expect_exit 1 "$DMARCDB" -q --db "$DB" ingest --json "$IN" > "$T/j1" \
    2> "$T/err"
valid "$T/j1"
[ "$(field "$T/j1" 'j["status"], j["stored"], j["rejected"], j["inputs"]')" = "(1, 1, 4, 5)" ] ||
    fail "counts: $(cat "$T/j1")"
[ "$(field "$T/j1" 'len(j["problems"]), j["problems_left_out"]')" = "(4, 0)" ] ||
    fail "problems: $(cat "$T/j1")"
[ "$(field "$T/j1" 'sorted(set(p["kind"] for p in j["problems"]))')" = "['rejected']" ] ||
    fail "kinds: $(cat "$T/j1")"
# The printable name comes back as it was; the others as escapes.
python3 -c 'import json, sys
j = json.load(open(sys.argv[1]))
sys.exit(0 if sum(p["origin"] == sys.argv[2] for p in j["problems"]) == 1
    else 1)' "$T/j1" "$IN/$q" || fail "the quoted name: $(cat "$T/j1")"
grep -q 'line\\nbreak\\ttab\\u001b\[31mred' "$T/j1" ||
    fail "control characters: $(grep line "$T/j1")"
grep -q 'latin1 \\ufffdt\\ufffd \\ufffd.xml' "$T/j1" ||
    fail "bytes that are not UTF-8: $(grep latin1 "$T/j1")"
# Nothing but the object on standard output; the problems are still
# said on standard error, the summary line is not.
[ "$(head -c 1 "$T/j1")" = '{' ] && [ "$(tail -n 1 "$T/j1")" = '}' ] ||
    fail "more than the object: $(cat "$T/j1")"
[ "$(grep -c 'not a DMARC report' "$T/err")" = 4 ] || fail "$(cat "$T/err")"
grep_none ' inputs: ' "$T/err" || fail "the summary line too: $(cat "$T/err")"

# Again: rejected before, counted and not listed; status 0.
"$DMARCDB" --db "$DB" ingest --json "$IN" > "$T/j2" || fail "again: exit $?"
valid "$T/j2"
[ "$(field "$T/j2" 'j["status"], j["duplicates"], j["rejected"], j["rejected_before"], j["problems"]')" = "(0, 1, 0, 4, [])" ] ||
    fail "again: $(cat "$T/j2")"
[ "$(field "$T/j2" 'j["stopped_by"], j["error"]')" = "(None, None)" ] ||
    fail "again: $(cat "$T/j2")"

# A server that cannot be reached: status 5, its problem unreachable.
expect_exit 5 "$DMARCDB" -q --db "$DB" ingest --json \
    "imap://test@127.0.0.1:9/INBOX" > "$T/j3" 2> /dev/null
valid "$T/j3"
[ "$(field "$T/j3" 'j["status"], j["unreadable"], j["unreachable"], [p["kind"] for p in j["problems"]]')" = "(5, 1, 1, ['unreachable'])" ] ||
    fail "unreachable: $(cat "$T/j3")"

# The database fails mid-run (the disk fills up): status 3, the error,
# and what was done until then.
mkdir "$T/many"
"$BUILDDIR/bench/gen" -s 5 -r 200 -m 50 -M 100 -d "$T/many"
expect_exit 3 env LD_PRELOAD="$ENOSPC" ENOSPC_MATCH=full.db \
    ENOSPC_BYTES=400000 ASAN_OPTIONS="$ASAN" "$DMARCDB" -q \
    --db "$T/full.db" ingest --json "$T/many" > "$T/j4" 2> "$T/err"
valid "$T/j4"
[ "$(field "$T/j4" 'j["status"], j["error"] is not None')" = "(3, True)" ] ||
    fail "disk full: $(cat "$T/j4")"
field "$T/j4" 'j["error"]' | grep -q 'full' ||
    fail "disk full, the error: $(cat "$T/j4")"
echo ok
