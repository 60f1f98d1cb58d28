#!/bin/bash
# newest.sh: old data is never taken for quiet mail (issue 15). Every
# report command names the newest report and its age when it ends more
# than 3 days before --as-of (or now), even under -q, and when the
# window holds nothing; at exactly 3 days it says nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixtures.sh"

mkdir "$T/r"
report "$T/r" google.com 7489 2026-02-27 domain=example.com,p=none <<-EOF
$(good example.com)
EOF
"$QUICK" -q --db "$DB" ingest "$T/r"
# Its period ends at 2026-02-27T23:59:59Z (fixtures.sh).
end=$(date -u -d 2026-02-27T23:59:59Z +%s)
[ "$(sql "$DB" "SELECT date_end FROM reports")" = "$end" ] || fail "end"
three=$((end + 3 * 86400))
HINT="Use --as-of or --days to look at older data."
STALE="dmarcdb: no reports since 2026-02-27 (4 days): is the ingest running?"

# Each report command that takes --as-of, at the boundary: 3 days
# exactly, then a second more, with -q, exit 0 either way. (Ingest, and
# the second of each pair, take paths run under memcheck elsewhere.)
for c in "sources --no-dns" "advise --no-dns" "digest --no-dns --format text" \
    "export"; do
	hint=" $HINT"
	[ "$c" != export ] || hint=""	# export writes every day anyway
	# shellcheck disable=SC2086
	"$DMARCDB" -q --db "$DB" $c --as-of "$three" > "$T/out" 2> "$T/err" ||
	    fail "$c at 3 days: exit $?"
	[ ! -s "$T/err" ] || fail "$c at 3 days: $(cat "$T/err")"
	# shellcheck disable=SC2086
	"$QUICK" -q --db "$DB" $c --as-of "$((three + 1))" > "$T/out2" \
	    2> "$T/err" || fail "$c past 3 days: exit $?"
	[ "$(cat "$T/err")" = "$STALE$hint" ] ||
	    fail "$c past 3 days: $(cat "$T/err")"
	[ -s "$T/out2" ] || fail "$c past 3 days: no output"
done
# The example of the issue: 63 days since 2026-10-02.
mkdir "$T/r2"
report "$T/r2" google.com 7489 2026-10-02 domain=late.example,p=none <<-EOF
$(good late.example)
EOF
"$QUICK" -q --db "$T/late.db" ingest "$T/r2"
"$DMARCDB" --db "$T/late.db" sources --as-of 2026-12-04 --no-dns \
    > /dev/null 2> "$T/err"
[ "$(cat "$T/err")" = "dmarcdb: no reports since 2026-10-02 (63 days): is the ingest running? $HINT" ] ||
    fail "63 days: $(cat "$T/err")"

# Without --as-of: now. reports and rejected have no window of days.
for c in reports rejected "reports --format json" "rejected --format csv"; do
	# shellcheck disable=SC2086
	"$DMARCDB" -q --db "$DB" $c > /dev/null 2> "$T/err"
	grep -Eqx "dmarcdb: no reports since 2026-02-27 \([0-9]+ days\): is the ingest running\?" \
	    "$T/err" || fail "$c: $(cat "$T/err")"
done
"$DMARCDB" -q --db "$DB" sources --no-dns > /dev/null 2> "$T/err"
grep -Eqx "dmarcdb: no reports since 2026-02-27 \([0-9]+ days\): is the ingest running\? $HINT" \
    "$T/err" || fail "sources, now: $(cat "$T/err")"
# Fresh data: nothing said.
mkdir "$T/r3"
report "$T/r3" google.com 7489 "$(date -u -d yesterday +%Y-%m-%d)" \
    domain=example.com,p=none <<-EOF
$(good example.com)
EOF
FRESH_DB=$(db_copy fresh)
"$QUICK" -q --db "$FRESH_DB" ingest "$T/r3"
for c in reports rejected "sources --no-dns" "advise --no-dns" export \
    "digest --no-dns --format text"; do
	# shellcheck disable=SC2086
	"$DMARCDB" -q --db "$FRESH_DB" $c > /dev/null 2> "$T/err"
	[ ! -s "$T/err" ] || fail "$c, fresh: $(cat "$T/err")"
done
# Of the domain asked for: example.com is fresh, late.example is not.
"$QUICK" -q --db "$FRESH_DB" ingest "$T/r2"
"$DMARCDB" --db "$FRESH_DB" reports > /dev/null 2> "$T/err"
[ ! -s "$T/err" ] || fail "reports of all: $(cat "$T/err")"
"$DMARCDB" --db "$FRESH_DB" reports --domain late.example > /dev/null \
    2> "$T/err"
grep -q "^dmarcdb: no reports for late.example since 2026-10-02 (" \
    "$T/err" || fail "reports --domain: $(cat "$T/err")"
# A forged report that claims to end in the future hides nothing.
FORGED_DB=$(db_copy forged)
mkdir "$T/r4"
report "$T/r4" evil 7489 2026-01-01 domain=example.com,p=none <<-EOF
$(good example.com)
EOF
"$DMARCDB" -q --db "$FORGED_DB" ingest "$T/r4"
sql "$FORGED_DB" "UPDATE reports SET date_end = 4102444800
    WHERE reporter = 'evil'"
"$DMARCDB" -q --db "$FORGED_DB" sources --no-dns --as-of "$((three + 1))" \
    > /dev/null 2> "$T/err"
[ "$(cat "$T/err")" = "$STALE $HINT" ] || fail "forged end: $(cat "$T/err")"

# An empty window with fresh data: the newest named, a note that -q
# leaves out.
"$DMARCDB" --db "$DB" sources --no-dns --as-of 2026-03-01 --days 1 \
    > /dev/null 2> "$T/err"
[ "$(cat "$T/err")" = "dmarcdb: no reports in that period; the newest covers up to 2026-02-27, 2 days before --as-of. $HINT" ] ||
    fail "empty window: $(cat "$T/err")"
"$DMARCDB" -q --db "$DB" sources --no-dns --as-of 2026-03-01 --days 1 \
    > /dev/null 2> "$T/err"
[ ! -s "$T/err" ] || fail "empty window, -q: $(cat "$T/err")"
# As of noon on its own day: the window (to the day before) is empty, the
# newest covers the day of --as-of.
"$DMARCDB" --db "$DB" sources --no-dns --as-of "$((end - 43199))" \
    > /dev/null 2> "$T/err"
[ "$(cat "$T/err")" = "dmarcdb: no reports in that period; the newest covers up to 2026-02-27. $HINT" ] ||
    fail "empty window, the same day: $(cat "$T/err")"
"$DMARCDB" --db "$DB" advise --no-dns --as-of 2026-03-01 --days 1 \
    --domain example.com > /dev/null 2> "$T/err"
grep -q "^dmarcdb: no reports in that period; the newest for example.com covers up to 2026-02-27, 2 days before --as-of" \
    "$T/err" || fail "advise, empty window: $(cat "$T/err")"
"$DMARCDB" --db "$DB" reports --since 2026-02-28 > /dev/null 2> "$T/err"
grep -q "^dmarcdb: no reports since 2026-02-27" "$T/err" ||
    fail "reports --since: $(cat "$T/err")"
# Nothing at all, or nothing before --as-of.
"$DMARCDB" --db "$DB" sources --no-dns --as-of 2020-01-01 > /dev/null \
    2> "$T/err"
[ "$(cat "$T/err")" = "dmarcdb: no reports before 2020-01-01. $HINT" ] ||
    fail "before any: $(cat "$T/err")"
"$DMARCDB" --db "$DB" reports --domain none.example > /dev/null 2> "$T/err"
[ "$(cat "$T/err")" = "dmarcdb: no reports stored for none.example" ] ||
    fail "none stored: $(cat "$T/err")"
echo ok
