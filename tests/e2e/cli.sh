#!/bin/bash
# cli.sh: help, version, usage errors, exit codes, quiet and verbose
# output, database errors.
. "$(dirname "$0")/lib.sh"

S=$SRCDIR/samples/reports
GOOD=$S/yahoo-report.xml
BAD=$S/broken-invalid_xml.xml

# Help and version.
"$DMARCDB" --help | grep -q '^usage: dmarcdb' || fail "--help"
"$DMARCDB" --version | grep -q '^dmarcdb [0-9]' || fail "--version"
# Its second line: the location database (Debian's, tools/deps.sh) and
# its day, the one the configuration names, or why there is none.
"$DMARCDB" --config /dev/null --version > "$T/out"
[ "$(wc -l < "$T/out")" -eq 2 ] || fail "--version: not two lines"
grep -Eqx 'location database: /var/lib/location/database\.db \(20[0-9]{2}-[01][0-9]-[0-3][0-9]\)' \
    "$T/out" || fail "--version: the default location database"
echo "location-db $T/none.db;" > "$T/loc.conf"
"$DMARCDB" --config "$T/loc.conf" --version > "$T/out"
grep -qxF "location database: none ($T/none.db: No such file or directory); AS and country are not shown" \
    "$T/out" || fail "--version: a missing location database"
echo "not a database" > "$T/junk.db"
echo "location-db \"$T/junk.db\";" > "$T/loc.conf"
"$DMARCDB" --config "$T/loc.conf" --version > "$T/out" 2> "$T/err"
grep -qxF "location database: none ($T/junk.db: not a location database (libloc: Unrecognized file type)); AS and country are not shown" \
    "$T/out" || fail "--version: not a location database"
[ ! -s "$T/err" ] || fail "--version: libloc wrote on stderr"
echo "location-db /usr/share/libloc-location/location.db;" > "$T/loc.conf"
"$DMARCDB" --version --config "$T/loc.conf" | sed -n 2p | grep -q \
    '^location database: /usr/share/libloc-location/location\.db (' ||
    fail "--version: the configured location database"
echo "location-db;" > "$T/loc.conf"
expect_exit 3 "$DMARCDB" --config "$T/loc.conf" --version > "$T/out" \
    2> "$T/err"
grep -q "loc.conf:1: expected the location database's path" "$T/err" ||
    fail "--version: a configuration error"
for c in ingest reports rejected sources advise export digest domains; do
	"$DMARCDB" "$c" --help | grep -q "^usage: dmarcdb.* $c" ||
	    fail "$c --help"
done

# Usage errors: exit 2, the reason, and where to look.
expect_exit 2 "$DMARCDB" 2> "$T/err"
expect_exit 2 "$DMARCDB" frobnicate 2> "$T/err"
grep -q "unknown command 'frobnicate'" "$T/err" || fail "unknown command"
expect_exit 2 "$DMARCDB" --db "$DB" ingest 2> "$T/err"
grep -q "no PATH given" "$T/err" || fail "no path"
expect_exit 2 "$DMARCDB" --db "$DB" ingest --max-bytes lots "$GOOD" \
    2> "$T/err"
grep -q "invalid value 'lots' for --max-bytes" "$T/err" || fail "bad value"
expect_exit 2 "$DMARCDB" --db "$DB" ingest --max-depth 1000 "$GOOD" \
    2> /dev/null
expect_exit 2 "$DMARCDB" --db "$DB" ingest --nonsense "$GOOD" 2> /dev/null
expect_exit 2 "$DMARCDB" -q -v --db "$DB" ingest "$GOOD" 2> /dev/null
expect_exit 2 "$DMARCDB" --db "$DB" reports --since yesterday 2> /dev/null
[ ! -e "$DB" ] || fail "a usage error created the database"

# Success: exit 0, one summary line; -q: silent.
"$DMARCDB" --db "$DB" ingest "$GOOD" 2> "$T/err" || fail "ingest"
[ "$(wc -l < "$T/err")" -eq 1 ] || fail "not one summary line"
grep -Eq '^dmarcdb: 1 input: 1 report stored, 0 duplicates, 0 superseded, 0 rejected; 3 records, 104 messages; [0-9.]+ s$' \
    "$T/err" || fail "summary: $(cat "$T/err")"
"$DMARCDB" -q --db "$DB" ingest "$GOOD" 2> "$T/err" > "$T/out"
[ ! -s "$T/err" ] && [ ! -s "$T/out" ] || fail "-q printed something"

# Output that cannot be written: exit 1 and the reason, from every
# report command.
for c in reports "sources --since 2000-01-01" "advise --days 3660 --no-dns" \
    export "digest --no-dns --format text" "domains --since 2000-01-01"; do
	# shellcheck disable=SC2086
	expect_exit 1 "$DMARCDB" --db "$DB" $c > /dev/full 2> "$T/err"
	grep -q "No space left on device" "$T/err" ||
	    fail "$c > /dev/full: $(cat "$T/err")"
done

# A rejected input: exit 1, ORIGIN: REASON even with -q.
expect_exit 1 "$DMARCDB" -q --db "$DB" ingest "$BAD" "$GOOD" 2> "$T/err"
[ "$(cat "$T/err")" = "dmarcdb: $BAD: XML not well-formed: line 5, column 18: error parsing attribute name" ] ||
    fail "rejection line: $(cat "$T/err")"
"$DMARCDB" --db "$DB" rejected | grep -q "broken-invalid_xml.xml: XML not" ||
    fail "rejected listing"
id=$(sql "$DB" "SELECT id FROM rejected_inputs")
"$DMARCDB" --db "$DB" rejected --dump "$id" > "$T/raw"
cmp -s "$T/raw" "$BAD" || fail "dumped bytes differ from the input"
expect_exit 2 "$DMARCDB" --db "$DB" rejected --dump 999 2> /dev/null

# A missing path: exit 1, named.
expect_exit 1 "$DMARCDB" -q --db "$DB" ingest "$T/nope.xml" 2> "$T/err"
grep -q "nope.xml: No such file or directory" "$T/err" || fail "missing"

# -v: a line per stored report.
fresh_db
"$DMARCDB" -v --db "$DB" ingest "$GOOD" 2> "$T/err"
grep -q "yahoo-report.xml: stored: yahoo! inc., report " "$T/err" ||
    fail "-v: $(cat "$T/err")"

# DMARCDB_DB names the database; --db wins over it.
DMARCDB_DB=$T/env.db "$DMARCDB" -q ingest "$GOOD"
[ -f "$T/env.db" ] || fail "DMARCDB_DB not used"
DMARCDB_DB=$T/env.db "$DMARCDB" -q --db "$T/opt.db" ingest "$GOOD"
[ -f "$T/opt.db" ] || fail "--db not preferred"
# Without either: ./dmarc.db.
(cd "$T" && "$DMARCDB" -q ingest "$GOOD") && [ -f "$T/dmarc.db" ] ||
    fail "default database"

# Standard input.
"$DMARCDB" -q --db "$T/stdin.db" ingest - < "$S/rfc9990-modern-synthetic.xml.gz"
[ "$(sql "$T/stdin.db" "SELECT origin || ' ' || record_count FROM
    reports")" = "stdin 2" ] || fail "stdin"

# Database errors: exit 3, clearly.
sql "$T/opt.db" "PRAGMA user_version = 999"
expect_exit 3 "$DMARCDB" --db "$T/opt.db" ingest "$GOOD" 2> "$T/err"
grep -q "schema version 999 is newer than this dmarcdb supports" "$T/err" ||
    fail "newer schema: $(cat "$T/err")"
echo "not a database" > "$T/junk.db"
expect_exit 3 "$DMARCDB" --db "$T/junk.db" ingest "$GOOD" 2> "$T/err"
grep -q "junk.db: .*not a database" "$T/err" || fail "junk db"
expect_exit 3 "$DMARCDB" --db "$T/no/such/dir/x.db" reports 2> /dev/null
echo "ok"
