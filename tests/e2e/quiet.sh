#!/bin/bash
# quiet.sh: cron runs ingest over the same spool every hour. A rejected
# input is reported once: run again, the same bytes (under any name)
# are said under -v only, counted as "rejected before", and the run
# exits 0 and prints nothing under -q; a new bad input is reported and
# makes it 1 again. An input of which no bytes are kept
# (--keep-rejected 0) cannot be known again: reported every time.
. "$(dirname "$0")/lib.sh"

IN=$T/in
mkdir "$IN"
cp "$SRCDIR"/samples/reports/* "$IN"/
printf 'not a report\n' > "$IN/junk.txt"
# A zip with a good member and a bad one: the bad member is the input.
(cd "$T" && cp "$SRCDIR/samples/reports/yahoo-report.xml" good.xml &&
    printf '<feedback><report_metadata>' > bad.xml &&
    python3 -c 'import zipfile, sys
z = zipfile.ZipFile(sys.argv[1], "w")
z.write("good.xml"); z.write("bad.xml"); z.close()' "$IN/mixed.zip")
nbad=3	# broken-invalid_xml.xml, junk.txt, mixed.zip: member bad.xml

# runs: the rejected and unreadable counts of the last run, and the rows
# of rejected_inputs.
runs() {
	sql "$DB" "SELECT rejected, (SELECT count(*) FROM rejected_inputs)
	    FROM ingest_runs ORDER BY id DESC LIMIT 1"
}

# 1. The first run reports each bad input once, and exits 1.
expect_exit 1 "$DMARCDB" -q --db "$DB" ingest "$IN" 2> "$T/err1"
[ "$(grep -c '^dmarcdb: ' "$T/err1")" = "$nbad" ] ||
    fail "first run: $(cat "$T/err1")"
grep -q "^dmarcdb: $IN/mixed.zip: member bad.xml: " "$T/err1" ||
    fail "first run, the zip member: $(cat "$T/err1")"
[ "$(runs)" = "$nbad|$nbad" ] || fail "first run counted $(runs)"

# 2. Again, under -q: nothing printed, exit 0, nothing new counted.
"$DMARCDB" -q --db "$DB" ingest "$IN" 2> "$T/err2" ||
    fail "second run: exit $?: $(cat "$T/err2")"
[ ! -s "$T/err2" ] || fail "second run printed: $(cat "$T/err2")"
[ "$(runs)" = "0|$nbad" ] || fail "second run counted $(runs)"
#    The summary says it, quietly: on the normal level only.
"$DMARCDB" --db "$DB" ingest "$IN" 2> "$T/err3" || fail "third run: exit $?"
[ "$(wc -l < "$T/err3")" = 1 ] || fail "third run: $(cat "$T/err3")"
grep -q "^dmarcdb: 10 inputs: 0 reports stored, 8 duplicates, 0 superseded, 0 rejected ($nbad rejected before); " \
    "$T/err3" || fail "third run, summary: $(cat "$T/err3")"
#    Under -v, each is named, with what it is.
"$DMARCDB" -v --db "$DB" ingest "$IN" 2> "$T/err4" || fail "-v run: exit $?"
[ "$(grep -c ' (rejected before)$' "$T/err4")" = "$nbad" ] ||
    fail "-v run: $(cat "$T/err4")"
grep -q "^dmarcdb: $IN/junk.txt: not a DMARC report: .* (rejected before)$" \
    "$T/err4" || fail "-v run, junk.txt: $(cat "$T/err4")"
# Seen again: counted in rejected_inputs, one row each still.
[ "$(sql "$DB" "SELECT min(times_seen) FROM rejected_inputs")" = 4 ] ||
    fail "times_seen: $(sql "$DB" "SELECT times_seen FROM rejected_inputs")"

# 3. The same bytes under another name: known by content, quiet.
cp "$IN/junk.txt" "$IN/junk-again.txt"
"$DMARCDB" -q --db "$DB" ingest "$IN" 2> "$T/err5" ||
    fail "renamed copy: exit $?: $(cat "$T/err5")"
[ ! -s "$T/err5" ] || fail "renamed copy printed: $(cat "$T/err5")"

# 4. A new bad input: reported (only it), exit 1; then quiet again.
printf 'not a report either\n' > "$IN/junk2.txt"
expect_exit 1 "$DMARCDB" -q --db "$DB" ingest "$IN" 2> "$T/err6"
[ "$(wc -l < "$T/err6")" = 1 ] &&
    grep -q "^dmarcdb: $IN/junk2.txt: not a DMARC report: plain text" \
    "$T/err6" || fail "new bad input: $(cat "$T/err6")"
[ "$(runs)" = "1|$((nbad + 1))" ] || fail "new bad input counted $(runs)"
"$DMARCDB" -q --db "$DB" ingest "$IN" 2> "$T/err7" ||
    fail "after the new one: exit $?"
[ ! -s "$T/err7" ] || fail "after the new one: $(cat "$T/err7")"

# 5. Twice in one run: the first copy is new, and so is the second
#    (an earlier run did not reject it).
mkdir "$T/twice"
printf 'twice\n' > "$T/twice/a.txt"
cp "$T/twice/a.txt" "$T/twice/b.txt"
expect_exit 1 "$DMARCDB" -q --db "$DB" ingest "$T/twice" 2> "$T/err8"
[ "$(grep -c ': not a DMARC report: ' "$T/err8")" = 2 ] ||
    fail "two copies in one run: $(cat "$T/err8")"

# 6. Nothing kept, nothing to know it by: reported every time.
mkdir "$T/nokeep"
printf 'kept nowhere\n' > "$T/nokeep/x.txt"
for i in 1 2; do
	expect_exit 1 "$DMARCDB" -q --db "$T/k.db" ingest --keep-rejected 0 \
	    "$T/nokeep" 2> "$T/err9"
	grep -q "^dmarcdb: $T/nokeep/x.txt: " "$T/err9" ||
	    fail "--keep-rejected 0, run $i: $(cat "$T/err9")"
done
echo ok
