#!/bin/bash
# truncate.sh: an input cut short while dmarcdb reads it (an mbox being
# compacted, a file being rewritten) is rejected with a reason, and the
# batch goes on with the next input: an mbox, one message and a zip
# archive, each larger than 4 MiB (once mapped, and a SIGBUS), cut by
# tests/hostile/truncate.so right after the first read of them.
. "$(dirname "$0")/lib.sh"

SHIM=$BUILDDIR/tests/hostile/truncate.so
G1=$SRCDIR/samples/reports/yahoo-report.xml
G2=$SRCDIR/samples/reports/rfc9990-multi-auth-overrides.xml

# One message of 6 MB (a text part of base64), and an mbox of it, then
# a message with a report.
{
	printf 'From: big@example.net\nSubject: big\nMIME-Version: 1.0\n'
	printf 'Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\n'
	head -c 4500000 /dev/zero | base64
} > "$T/big.eml"
{
	echo "From big@example.net Mon Jan  1 00:00:00 2024"
	cat "$T/big.eml"
	echo
	echo "From reports@example.net Mon Jan  1 00:00:00 2024"
	printf 'From: reports@example.net\nSubject: report\n'
	printf 'Content-Type: application/xml\n\n'
	cat "$G2"
} > "$T/big.mbox"
"$BUILDDIR/bench/gen" -s 3 -f zip -n 220000 -o "$T/big.zip"
for f in big.eml big.mbox big.zip; do
	[ "$(stat -c %s "$T/$f")" -gt $((4 << 20)) ] || fail "$f too small"
done
# Whole, they are read: the zip (read where it is, not into memory)
# and the mbox give their report. (Not under memcheck: 440,000 records
# took a minute there; the runs below, under it, read the same paths
# until the cut.)
"$QUICK" -q --db "$T/whole.db" ingest "$T/big.zip" "$T/big.mbox" ||
    fail "whole inputs: exit $?"
[ "$(sql "$T/whole.db" "SELECT count(*) FROM reports")" = 2 ] ||
    fail "whole inputs: reports not stored"

# Each one between two good reports: rejected for being cut short, kept
# (what is left of it), and the good report after it stored.
for f in big.mbox big.eml big.zip; do
	cp "$T/$f" "$T/in-$f"
	db=$T/$f.db
	rm -f "$T/log"
	set +e
	TRUNCATE_PATH="$T/in-$f" TRUNCATE_TO=1000000 TRUNCATE_LOG="$T/log" \
	    LD_PRELOAD="$SHIM" ASAN_OPTIONS="$ASAN" \
	    "$DMARCDB" -q --db "$db" ingest "$G1" "$T/in-$f" "$G2" \
	    2> "$T/err"
	st=$?
	set -e
	[ -s "$T/log" ] || fail "$f: the shim did not cut it"
	[ "$(stat -c %s "$T/in-$f")" = 1000000 ] || fail "$f: not cut"
	[ $st = 1 ] || fail "$f: exit $st, not 1: $(cat "$T/err")"
	grep -q "^dmarcdb: $T/in-$f: .*\(cut short\|runcated\)" "$T/err" ||
	    fail "$f: no reason: $(cat "$T/err")"
	[ "$(sql "$db" "SELECT count(*) FROM rejected_inputs
	    WHERE origin = '$T/in-$f'")" = 1 ] || fail "$f: not kept"
	[ "$(sql "$db" "SELECT count(*) FROM reports WHERE origin IN
	    ('$G1', '$G2')")" = 2 ] || fail "$f: the batch did not go on"
	integrity "$db" || fail "integrity"
done
echo "ok"
