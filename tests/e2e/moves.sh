#!/bin/bash
# moves.sh: --move-to and --rejected-to for files and Maildirs, so that
# a spool or a Maildir can be a real inbox. Once stored, what held a
# usable report goes to one folder and what did not to the other; a
# Maildir message goes into a Maildir's cur/ flagged seen (into its own
# Maildir: flagged as read). A move never loses a file and never
# overwrites one: a taken name gets a number; across file systems
# (exdev.so) the file is copied with its time and mode, and when the
# copy fails (enospc.so) it stays where it was, and the next run moves
# it. A folder moved to is never read; an mbox file is never moved.
. "$(dirname "$0")/lib.sh"

EXDEV=$BUILDDIR/tests/hostile/exdev.so
ENOSPC=$BUILDDIR/tests/hostile/enospc.so
GEN=$BUILDDIR/bench/gen
S=$SRCDIR/samples/reports
[ -f "$EXDEV" ] && [ -f "$ENOSPC" ] || fail "the shims are not built"

# files DIR: the names under DIR, relative, sorted.
files() {
	(cd "$1" && find . -type f | sed 's|^\./||' | sort)
}

### 1. A spool of files, with a subfolder.
IN=$T/in
mkdir -p "$IN/sub"
cp "$S"/* "$IN"/
mv "$IN/yahoo-report.xml" "$IN/sub/"
printf 'not a report\n' > "$IN/junk.txt"
touch -d '2026-01-02 03:04:05' "$IN/sub/yahoo-report.xml"
chmod 640 "$IN/sub/yahoo-report.xml"
files "$IN" > "$T/all"
mkdir "$T/done"
# A name already taken where it goes: never overwritten.
printf 'mine\n' > "$T/done/mimecast.org!georgestarcher.com!1781568000!1781654399.xml"
expect_exit 1 "$DMARCDB" -q --db "$DB" ingest --move-to "$T/done" \
    --rejected-to "$T/bad" "$IN" 2> "$T/err"
grep -q "^dmarcdb: $IN/junk.txt: not a DMARC report" "$T/err" ||
    fail "spool: $(cat "$T/err")"
[ "$(grep -c . "$T/err")" = 2 ] || fail "spool: $(cat "$T/err")"
[ -z "$(files "$IN")" ] || fail "left in the spool: $(files "$IN")"
[ "$(files "$T/bad")" = "$(printf 'broken-invalid_xml.xml\njunk.txt')" ] ||
    fail "rejected-to: $(files "$T/bad")"
[ "$(cat "$T/done/mimecast.org!georgestarcher.com!1781568000!1781654399.xml")" = mine ] ||
    fail "a file that was there was overwritten"
cmp -s "$S/mimecast.org!georgestarcher.com!1781568000!1781654399.xml" \
    "$T/done/mimecast.org!georgestarcher.com!1781568000!1781654399.xml.1" ||
    fail "the report whose name was taken: $(files "$T/done")"
[ "$(files "$T/done" | wc -l)" = 8 ] || fail "move-to: $(files "$T/done")"
cmp -s "$S/yahoo-report.xml" "$T/done/yahoo-report.xml" ||
    fail "the file from the subfolder"
[ "$(sql "$DB" "SELECT count(*) FROM reports")" = 7 ] ||
    fail "not every report stored"
[ "$(sql "$DB" "SELECT count(*) FROM rejected_inputs")" = 2 ] ||
    fail "not every rejection kept"

### 2. Only --rejected-to: good files stay; a folder moved to inside the
###    spool is not read.
mkdir "$T/in2"
cp "$S/yahoo-report.xml" "$S/broken-invalid_xml.xml" "$T/in2/"
"$DMARCDB" -q --db "$T/b.db" ingest --rejected-to "$T/in2/bad" "$T/in2" \
    2> "$T/err" && fail "in2: exit 0"
[ "$(files "$T/in2")" = "$(printf 'bad/broken-invalid_xml.xml\nyahoo-report.xml')" ] ||
    fail "in2: $(files "$T/in2")"
"$DMARCDB" -v --db "$T/b.db" ingest --rejected-to "$T/in2/bad" "$T/in2" \
    2> "$T/err" || fail "in2, again: exit $?"
grep -q "^dmarcdb: $T/in2/bad: where inputs are moved to, skipped$" \
    "$T/err" || fail "in2, the folder moved to: $(cat "$T/err")"
grep -q '^dmarcdb: 1 input: 0 reports stored, 1 duplicate,' "$T/err" ||
    fail "in2, read again: $(cat "$T/err")"

### 3. A file named on the command line; an mbox file stays.
cp "$S/yahoo-report.xml" "$T/named.xml"
mkdir "$T/msgs" "$T/m6"
"$GEN" -s 3 -E -r 2 -m 1 -M 2 -d "$T/msgs"
for f in "$T"/msgs/*; do
	printf 'From sender@example.net Mon Jan  1 00:00:00 2024\n'
	cat "$f"
	printf '\n'
done > "$T/mbox"
"$DMARCDB" -q --db "$T/c.db" ingest --move-to "$T/done3" "$T/named.xml" \
    "$T/mbox" || fail "named: exit $?"
[ ! -e "$T/named.xml" ] && [ -f "$T/done3/named.xml" ] ||
    fail "named file not moved"
[ -f "$T/mbox" ] && [ "$(files "$T/done3")" = named.xml ] ||
    fail "the mbox file was moved"

### 4. Across file systems: a copy, with its time and mode, then the
###    original removed; no copy left behind.
mkdir "$T/in4"
cp -p "$S"/* "$T/in4/"
touch -d '2026-01-02 03:04:05' "$T/in4/yahoo-report.xml"
chmod 640 "$T/in4/yahoo-report.xml"
stat -c '%Y %a %s' "$T/in4/yahoo-report.xml" > "$T/before"
ino=$(stat -c %i "$T/in4/yahoo-report.xml")
expect_exit 1 env LD_PRELOAD="$EXDEV" ASAN_OPTIONS="$ASAN" "$DMARCDB" -q \
    --db "$T/d.db" ingest --move-to "$T/done4" --rejected-to "$T/bad4" \
    "$T/in4" 2> "$T/err"
[ -z "$(files "$T/in4")" ] || fail "across: left $(files "$T/in4")"
[ "$(files "$T/done4" | wc -l)" = 7 ] && [ "$(files "$T/bad4")" = broken-invalid_xml.xml ] ||
    fail "across: $(files "$T/done4") / $(files "$T/bad4")"
stat -c '%Y %a %s' "$T/done4/yahoo-report.xml" > "$T/after"
cmp -s "$T/before" "$T/after" ||
    fail "across: $(cat "$T/before") became $(cat "$T/after")"
# A copy is another file (a rename would keep the inode).
[ "$(stat -c %i "$T/done4/yahoo-report.xml")" != "$ino" ] ||
    fail "across: renamed, not copied"
for f in "$S"/*; do
	b=${f##*/}
	[ "$b" = broken-invalid_xml.xml ] && d=$T/bad4 || d=$T/done4
	cmp -s "$f" "$d/$b" || fail "across: $b differs"
done

### 5. The copy fails (the disk is full where it goes): the file stays,
###    nothing half-written is left, and the next run moves it.
mkdir "$T/in5" "$T/done5"
cp "$S/yahoo-report.xml" "$T/in5/"
expect_exit 1 env LD_PRELOAD="$EXDEV $ENOSPC" ENOSPC_MATCH=dmarcdb-move \
    ENOSPC_BYTES=100 ASAN_OPTIONS="$ASAN" "$DMARCDB" -q --db "$T/e.db" \
    ingest --move-to "$T/done5" "$T/in5" 2> "$T/err"
grep -q "^dmarcdb: $T/in5/yahoo-report.xml: not moved: copying it: No space left on device (--move-to $T/done5)$" \
    "$T/err" || fail "disk full: $(cat "$T/err")"
cmp -s "$S/yahoo-report.xml" "$T/in5/yahoo-report.xml" ||
    fail "disk full: the file is not where it was"
[ -z "$(files "$T/done5")" ] || fail "disk full: left $(files "$T/done5")"
"$DMARCDB" --db "$T/e.db" ingest --move-to "$T/done5" "$T/in5" \
    2> "$T/err" || fail "after disk full: exit $?"
grep -q ': 0 reports stored, 1 duplicate, 0 superseded, 0 rejected, 1 moved;' \
    "$T/err" || fail "after disk full: $(cat "$T/err")"
[ "$(files "$T/done5")" = yahoo-report.xml ] || fail "not moved after all"

### 6. A Maildir: what held a report flagged seen in place (new/ to
###    cur/, flags kept), the rest moved to another Maildir, made for it.
"$GEN" -s 7 -E -r 4 -m 1 -M 3 -d "$T/m6"
MD=$T/Maildir
mkdir -p "$MD/new" "$MD/cur" "$MD/tmp"
cp "$T/m6/m000000.eml" "$MD/new/1700000001.M1P1.host"
cp "$T/m6/m000001.eml" "$MD/cur/1700000002.M2P1.host:2,F"
cp "$T/m6/m000002.eml" "$MD/cur/1700000003.M3P1.host:2,RS"
printf 'From: a@example.net\nSubject: hi\nMessage-ID: <hi@x>\n\nhello\n' \
    > "$MD/new/1700000004.M4P1.host"
"$DMARCDB" -q --db "$T/m.db" ingest --move-to "$MD" --rejected-to \
    "$T/Junk" "$MD" || fail "Maildir: exit $?"
[ "$(files "$MD")" = "$(printf '%s\n' cur/1700000001.M1P1.host:2,S \
    cur/1700000002.M2P1.host:2,FS cur/1700000003.M3P1.host:2,RS)" ] ||
    fail "Maildir: $(files "$MD")"
[ "$(files "$T/Junk")" = cur/1700000004.M4P1.host:2,S ] &&
    [ -d "$T/Junk/new" ] && [ -d "$T/Junk/tmp" ] ||
    fail "Junk: $(files "$T/Junk")"
[ "$(stat -c %a "$T/Junk")" = 700 ] || fail "Junk: mode $(stat -c %a "$T/Junk")"
#   Read again: nothing read, nothing moved.
"$DMARCDB" -v --db "$T/m.db" ingest --move-to "$MD" --rejected-to \
    "$T/Junk" "$MD" 2> "$T/err" || fail "Maildir again: exit $?"
grep -q ': 3 email messages (3 processed before), 0 reports stored, 0 duplicates, 0 superseded, 0 rejected;' \
    "$T/err" || fail "Maildir again: $(cat "$T/err")"
grep_none 'moved to' "$T/err" || fail "Maildir again: $(cat "$T/err")"

### 7. A message stored, then not moved (its folder cannot be made):
###    left unhandled, then moved by the next run without being read.
MD7=$T/Maildir7
mkdir -p "$MD7/new" "$MD7/cur" "$MD7/tmp"
cp "$T/m6/m000003.eml" "$MD7/new/1700000005.M5P1.host"
printf 'a file\n' > "$T/notadir"
expect_exit 1 "$DMARCDB" -q --db "$T/m7.db" ingest --move-to \
    "$T/notadir/Done" "$MD7" 2> "$T/err"
grep -q "^dmarcdb: $MD7/new/1700000005.M5P1.host: not moved: $T/notadir/Done: cannot make it: Not a directory (--move-to $T/notadir/Done)$" \
    "$T/err" || fail "Maildir, no folder: $(cat "$T/err")"
[ "$(files "$MD7")" = new/1700000005.M5P1.host ] || fail "moved anyway"
"$DMARCDB" --db "$T/m7.db" ingest --move-to "$T/Done7" "$MD7" 2> "$T/err" ||
    fail "Maildir, then: exit $?"
grep -q ': 1 email message (1 processed before), 0 reports stored, 0 duplicates, 0 superseded, 0 rejected, 1 moved;' \
    "$T/err" || fail "Maildir, then: $(cat "$T/err")"
[ "$(files "$T/Done7")" = cur/1700000005.M5P1.host:2,S ] ||
    fail "Maildir, then: $(files "$T/Done7")"
[ -z "$(files "$MD7")" ] || fail "Maildir, then: left $(files "$MD7")"

### 8. Two runs at once on one spool: each file ends up moved once, with
###    no warning (a file the other run moved is said under -v only).
mkdir "$T/in8"
"$GEN" -s 8 -r 400 -m 1 -M 5 -d "$T/in8"
"$QUICK" -q --db "$T/p.db" ingest --move-to "$T/done8" "$T/in8" \
    2> "$T/err8a" &
pid=$!
"$DMARCDB" -q --db "$T/p.db" ingest --move-to "$T/done8" "$T/in8" \
    2> "$T/err8b" || fail "two at once: exit $?: $(cat "$T/err8b")"
wait "$pid" || fail "two at once, the other: exit $?: $(cat "$T/err8a")"
[ ! -s "$T/err8a" ] && [ ! -s "$T/err8b" ] ||
    fail "two at once: $(cat "$T/err8a" "$T/err8b")"
[ -z "$(files "$T/in8")" ] && [ "$(files "$T/done8" | wc -l)" = 400 ] ||
    fail "two at once: $(files "$T/done8" | wc -l) moved"
[ "$(sql "$T/p.db" "SELECT count(*) FROM reports")" = 400 ] ||
    fail "two at once: $(sql "$T/p.db" "SELECT count(*) FROM reports")"
echo ok
