#!/bin/bash
# hostile.sh: the hostile inputs of tests/hostile/mkhostile.c (external
# entities, entity bombs, deep nesting, huge values, bad bytes, gzip and
# zip bombs, archive tricks), in one batch with good reports: each is
# refused with its reason and kept, the good reports are stored as they
# are alone, nothing touches the network, the batch exits 1 and the
# database is intact. Times and memory are measured by "make bench
# BENCH_ARGS=hostile", not here.
. "$(dirname "$0")/lib.sh"

H=$T/hostile
NONET=$BUILDDIR/tests/hostile/nonet.so
mkdir "$H"
"$BUILDDIR/tests/hostile/mkhostile" "$H"
mv "$H/EXPECTED.tsv" "$T/expected.tsv"
# No file without its expectation, and the other way round.
(cd "$H" && ls) | sort > "$T/files"
cut -f1 "$T/expected.tsv" | sort > "$T/named"
cmp -s "$T/files" "$T/named" || fail "mkhostile: files and EXPECTED.tsv \
differ: $(diff "$T/files" "$T/named")"
[ "$(wc -l < "$T/files")" -ge 20 ] || fail "too few hostile inputs"

# nonet.so refuses and records every IPv4 or IPv6 socket: check that it
# does so here (bash opens one for /dev/tcp), so that an empty log below
# means something.
NONET_LOG=$T/probe.log LD_PRELOAD=$NONET ASAN_OPTIONS="$ASAN" \
    bash -c 'exec 3<>/dev/tcp/127.0.0.1/9' 2> /dev/null && fail "nonet.so \
let a connection through"
[ -s "$T/probe.log" ] || fail "nonet.so recorded nothing"

S=$SRCDIR/samples/reports
G1=$S/yahoo-report.xml
G2=$S/google.com!keltia.net!1538438400!1538524799.zip
G3=$S/fastmail.com!example.com!1516060800!1516147199!102675056.xml.gz
G4=$S/rfc9990-multi-auth-overrides.xml

# The good reports alone: what the batch must store.
"$DMARCDB" -q --db "$T/good.db" ingest "$G1" "$G2" "$G3" "$G4"
dump "$T/good.db" > "$T/good.dump"
[ "$(sql "$T/good.db" "SELECT count(*) FROM reports")" -eq 4 ] ||
    fail "good reports not stored alone"

# The batch: good reports before, among and after the hostile ones.
expect_exit 1 env NONET_LOG="$T/net.log" LD_PRELOAD="$NONET" \
    ASAN_OPTIONS="$ASAN" \
    "$DMARCDB" -q --db "$DB" ingest "$G1" "$H" "$G2" "$G3" "$G4" 2> "$T/err"
rm -f "$H/text-100mb.xml"	# 100 MB: no longer needed

[ ! -e "$T/net.log" ] || fail "network access: $(cat "$T/net.log")"
integrity "$DB" || fail "integrity"

# Each input: an ORIGIN: REASON line and a kept row with its reason,
# for the file or one of its members.
tab=$(printf '\t')
while IFS="$tab" read -r name want; do
	f=$H/$name
	grep -F "dmarcdb: $f: " "$T/err" | grep -qF -- "$want" ||
	    fail "$name: no '$want' line: $(grep -F "$f" "$T/err")"
	got=$(sql "$DB" "SELECT count(*) FROM v_rejected
	    WHERE (origin = '$f' OR substr(origin, 1, length('$f: member '))
	    = '$f: member ') AND instr(reason, '$want') > 0
	    AND kept > 0 AND size > 0")
	[ "$got" -ge 1 ] || fail "$name: not kept with '$want': $(sql "$DB" \
	    "SELECT origin || ': ' || reason FROM rejected_inputs
	    WHERE substr(origin, 1, length('$f')) = '$f'")"
done < "$T/expected.tsv"

# Nothing hostile stored, nothing good rejected, every line accounted
# for, and the good reports stored exactly as alone.
[ "$(sql "$DB" "SELECT count(*) FROM reports
    WHERE substr(origin, 1, length('$H/')) = '$H/'")" -eq 0 ] ||
    fail "a report from a hostile input was stored"
[ "$(sql "$DB" "SELECT count(*) FROM rejected_inputs
    WHERE substr(origin, 1, length('$H/')) != '$H/'")" -eq 0 ] ||
    fail "a good report was rejected"
grep_none -vF "dmarcdb: $H/" "$T/err" || fail "unexpected messages"
dump "$DB" > "$T/dump"
cmp -s "$T/good.dump" "$T/dump" || fail "good reports stored differently: \
$(diff "$T/good.dump" "$T/dump")"
# No entity was expanded anywhere: not even into a message.
[ "$(sql "$DB" "SELECT count(*) FROM rejected_inputs
    WHERE instr(reason, 'root:') > 0")" -eq 0 ] || fail "entity expanded"

# With the ratio check off, the 10 GB gzip bomb still stops at
# --max-bytes, counted as it is decompressed.
expect_exit 1 "$DMARCDB" -q --db "$T/ratio0.db" ingest --max-ratio 0 \
    --max-bytes 16M "$H/gzip-bomb-10g.gz" 2> "$T/err"
grep -qF -- "--max-bytes" "$T/err" || fail "ratio off: $(cat "$T/err")"
echo "ok: $(wc -l < "$T/files") hostile inputs"
