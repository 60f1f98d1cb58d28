#!/bin/bash
# known.sh: report files read before (schema/016-input-files.sql). A file
# all of whose reports were stored, or known already, is known by the
# SHA-256 of its bytes and passed over when it is read again, its
# reports counted as duplicates (nothing decompressed or parsed). A
# file that gave anything else (a rejected input, an email message) is
# read again every time; a file whose bytes changed is read, then known
# in turn; one of INGEST_KNOWN_MAX bytes (4 MiB) or more, and standard
# input (an MTA's message), are always read.
. "$(dirname "$0")/lib.sh"

R=$SRCDIR/samples/reports
I=$T/in
mkdir "$I"
cp "$R/yahoo-report.xml" "$I/a.xml"
cp "$R/fastmail.com!example.com!1516060800!1516147199!102675056.xml.gz" \
    "$I/b.xml.gz"
cp "$R/google.com!keltia.net!1538438400!1538524799.zip" "$I/c.zip"
cp "$R/broken-invalid_xml.xml" "$I/d.xml"
# An email message holding a report, as a file in the folder.
{
	printf 'From: reports@example.org\nTo: dmarc@example.com\n'
	printf 'Subject: Report domain: example.com\n'
	printf 'Message-ID: <known-test@example.org>\n'
	printf 'MIME-Version: 1.0\nContent-Type: text/xml\n\n'
	sed 's/982371/982372/' "$R/yahoo-report.xml"
} > "$I/e.eml"

# A zip of a report and of a broken one: the report is stored, the
# other member rejected; the file is not known, and is read again. (A
# member that is no report at all, such as a text file, is skipped, not
# rejected: what the zip gives is then its reports alone.)
sed 's/982371/982401/' "$R/yahoo-report.xml" > "$T/m1.xml"
cp "$R/broken-invalid_xml.xml" "$T/m2.xml"
printf 'not a report\n' > "$T/m3.txt"
(cd "$T" && python3 -c 'import zipfile
z = zipfile.ZipFile("in/m.zip", "w")
z.write("m1.xml")
z.write("m2.xml")
z.close()
z = zipfile.ZipFile("in/n.zip", "w")
z.write("m1.xml")
z.write("m3.txt")
z.close()')

files() {
	sql "$DB" "SELECT origin, reports, size, sha256 FROM v_input_files
	    ORDER BY origin"
}
runs() {
	sql "$DB" "SELECT stored, duplicates, rejected FROM ingest_runs
	    ORDER BY id DESC LIMIT 1"
}
digest() {
	sha256sum < "$1" | cut -c1-64
}

expect_exit 1 "$DMARCDB" -q --db "$DB" ingest "$I" 2> /dev/null
[ "$(runs)" = "5|1|2" ] || fail "first run: $(runs)"
# The files that gave only reports, each with its bytes' digest; not the
# rejected one, nor the message (mail_messages knows it).
want=""
for f in a.xml b.xml.gz c.zip n.zip; do
	want="$want${want:+
}$I/$f|1|$(stat -c %s "$I/$f")|$(digest "$I/$f")"
done
[ "$(files)" = "$want" ] || fail "input_files: $(files)"
[ "$(sql "$DB" "SELECT count(*) FROM mail_messages")" = 1 ] ||
    fail "the message is not in mail_messages"

# Again: the three are passed over, their reports duplicates; the
# rejected file and the message are read again, and known as before
# (rejected before, processed before: exit 0).
"$DMARCDB" -v --db "$DB" ingest "$I" 2> "$T/e2"
for f in a.xml b.xml.gz c.zip n.zip; do
	grep -qF "$I/$f: read before: its 1 report is stored" "$T/e2" ||
	    fail "$f not known: $(cat "$T/e2")"
done
grep_none -F "d.xml: read before" "$T/e2" || fail "a rejected file known"
grep -qF "m.zip: member m1.xml: duplicate of a stored report" "$T/e2" ||
    fail "a zip with a rejected member not read: $(cat "$T/e2")"
grep_none -F "e.eml: read before" "$T/e2" || fail "a message known"
[ "$(runs)" = "0|5|0" ] || fail "second run: $(runs)"
[ "$(sql "$DB" "SELECT count(*) FROM reports")" = 5 ] || fail "reports"
[ "$(files)" = "$want" ] || fail "input_files moved: $(files)"

# Other bytes, the same report (a gzip header's name and time): read, a
# duplicate of the stored report, then known in turn.
gzip -c "$I/a.xml" > "$T/f.xml.gz"
sleep 1
touch "$I/a.xml"
gzip -c "$I/a.xml" > "$T/g.xml.gz"
cmp -s "$T/f.xml.gz" "$T/g.xml.gz" && fail "the gzip files are the same"
"$DMARCDB" -v --db "$DB" ingest "$T/f.xml.gz" "$T/g.xml.gz" 2> "$T/e3"
[ "$(grep -c "duplicate of a stored report" "$T/e3")" = 2 ] ||
    fail "changed bytes not read: $(cat "$T/e3")"
"$DMARCDB" -v --db "$DB" ingest "$T/f.xml.gz" "$T/g.xml.gz" 2> "$T/e4"
[ "$(grep -c "read before: its 1 report is stored" "$T/e4")" = 2 ] ||
    fail "changed bytes not known after: $(cat "$T/e4")"

# The bound: a file of 4 MiB - 1 bytes is known, one of 4 MiB is not
# (a report each, padded with white space after its end).
pad() {
	sed "s/982371/$2/" "$R/yahoo-report.xml" > "$T/$1"
	head -c $(($3 - $(stat -c %s "$T/$1"))) /dev/zero | tr '\0' '\n' \
	    >> "$T/$1"
	[ "$(stat -c %s "$T/$1")" = "$3" ] || fail "pad $1"
}
pad below.xml 982381 $((4 * 1024 * 1024 - 1))
pad at.xml 982382 $((4 * 1024 * 1024))
"$DMARCDB" -q --db "$DB" ingest "$T/below.xml" "$T/at.xml"
[ "$(runs)" = "2|0|0" ] || fail "bound: $(runs)"
[ "$(sql "$DB" "SELECT count(*) FROM v_input_files
    WHERE origin = '$T/below.xml'")" = 1 ] || fail "4 MiB - 1 not known"
[ "$(sql "$DB" "SELECT count(*) FROM v_input_files
    WHERE origin = '$T/at.xml'")" = 0 ] || fail "4 MiB known"
"$DMARCDB" -v --db "$DB" ingest "$T/below.xml" "$T/at.xml" 2> "$T/e5"
grep -qF "below.xml: read before" "$T/e5" || fail "below: $(cat "$T/e5")"
grep -qF "at.xml: duplicate of a stored report" "$T/e5" ||
    fail "at: $(cat "$T/e5")"

# A file cut short between its digest and its reading (the digest's
# pread, then tests/hostile/truncate.so cuts it to its report alone):
# read short of the size it was hashed at, it is rejected as cut short,
# and not known: what its digest says is not what was read.
sed 's/982371/982385/' "$R/yahoo-report.xml" > "$T/cut.xml"
rsize=$(stat -c %s "$T/cut.xml")
head -c 1000 /dev/zero | tr '\0' ' ' >> "$T/cut.xml"
TRUNCATE_PATH=$T/cut.xml TRUNCATE_TO=$rsize TRUNCATE_LOG=$T/cut.log \
    LD_PRELOAD=$BUILDDIR/tests/hostile/truncate.so ASAN_OPTIONS=$ASAN \
    expect_exit 1 "$DMARCDB" -q --db "$DB" ingest "$T/cut.xml" 2> "$T/e6"
[ -s "$T/cut.log" ] || fail "the shim did not cut the file"
[ "$(stat -c %s "$T/cut.xml")" = "$rsize" ] || fail "not cut"
grep -q "cut.xml: file cut short while it was read" "$T/e6" ||
    fail "cut: $(cat "$T/e6")"
[ "$(sql "$DB" "SELECT count(*) FROM v_input_files
    WHERE origin = '$T/cut.xml'")" = 0 ] || fail "a file cut short known"

# Standard input is an MTA's message: never known by its bytes.
sed 's/982371/982391/' "$R/yahoo-report.xml" > "$T/stdin.xml"
n=$(sql "$DB" "SELECT count(*) FROM input_files")
"$DMARCDB" -q --db "$DB" ingest - < "$T/stdin.xml"
[ "$(sql "$DB" "SELECT count(*) FROM input_files")" = "$n" ] ||
    fail "standard input recorded"

# Moving: a known file held a usable report, and goes with the others.
mkdir "$T/done"
"$DMARCDB" -q --db "$DB" ingest --move-to "$T/done" "$I" 2> /dev/null
for f in a.xml b.xml.gz c.zip e.eml m.zip n.zip; do
	[ -f "$T/done/$f" ] || fail "$f not moved"
done
[ -f "$I/d.xml" ] || fail "the rejected file moved"
