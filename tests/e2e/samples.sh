#!/bin/bash
# samples.sh: the bundled samples, as the README's first command uses
# them: what is stored, compared with samples.expected; the broken one
# rejected and kept.
. "$(dirname "$0")/lib.sh"

expect_exit 1 "$DMARCDB" -q --db "$DB" ingest "$SRCDIR/samples/reports" \
    2> "$T/err"
[ "$(wc -l < "$T/err")" -eq 1 ] && grep -q "broken-invalid_xml.xml: XML not well-formed" "$T/err" ||
    fail "rejections: $(cat "$T/err")"
"$DMARCDB" --db "$DB" reports > "$T/out"
"$DMARCDB" --db "$DB" reports --csv >> "$T/out"
"$DMARCDB" --db "$DB" reports --domain example.com >> "$T/out"
"$DMARCDB" --db "$DB" reports --since 2026-01-01 >> "$T/out"
diff -u "$SRCDIR/tests/e2e/samples.expected" "$T/out" ||
    fail "reports output differs from samples.expected"
# Every sample but the broken one is a stored, active report.
[ "$(sql "$DB" "SELECT count(*) FROM reports WHERE status = 'active'")" \
    = 7 ] || fail "stored reports"
[ "$(sql "$DB" "SELECT count(*) || ' ' || sum(count) FROM
    v_records_active")" = "12 127" ] || fail "records"
echo "ok"
