#!/bin/bash
# pg-errors.sh: a PostgreSQL database that cannot be used says why, with
# the documented exit status (dmarcdb(1), EXIT STATUS): a connection
# string libpq cannot read, a server that is not there (and then an
# MTA's delivery is tried again: 75), wrong credentials (named, the
# password never shown), a database without dmarcdb's tables for a
# report command, one of a newer schema, a user who may only read it
# for ingest; and a server that goes away in the middle of an ingest:
# the run says so and stops, nothing half-stored, and the next run
# stores the rest, each report once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg.sh"

GEN=$BUILDDIR/bench/gen
pg_start
# A user with a password, whose connections from 127.0.0.1 must give it.
psql -qX -d postgres -v ON_ERROR_STOP=1 \
    -c "CREATE ROLE owner LOGIN PASSWORD 's3cr3t-pw'" \
    -c "CREATE DATABASE own OWNER owner" > /dev/null
sed -i '1i host all owner 127.0.0.1/32 scram-sha-256' "$PGD/data/pg_hba.conf"
psql -qX -d postgres -c "SELECT pg_reload_conf()" > /dev/null
URI=postgresql://owner:s3cr3t-pw@127.0.0.1:$PG_PORT/own

# The password works, and is never said.
"$DMARCDB" -q --db "$URI" ingest "$SRCDIR/samples/reports/yahoo-report.xml"
"$DMARCDB" --db "$URI" reports > "$T/out" 2> "$T/err"
grep_none s3cr3t "$T/out" "$T/err" || fail "the password shown"

# Wrong credentials: exit 3, the database named without the password.
expect_exit 3 "$DMARCDB" --db \
    "postgresql://owner:wrong@127.0.0.1:$PG_PORT/own" reports 2> "$T/err"
grep -q "^dmarcdb: postgresql://owner@127.0.0.1:$PG_PORT/own: cannot connect: .*password authentication failed for user \"owner\"" \
    "$T/err" || fail "wrong password: $(cat "$T/err")"
grep_none wrong "$T/err" || fail "the wrong password shown"

# A string libpq cannot read.
expect_exit 3 "$DMARCDB" --db "postgresql://[bad" reports 2> "$T/err"
grep -q "^dmarcdb: postgresql://\[bad: cannot connect: " "$T/err" ||
    fail "bad URI: $(cat "$T/err")"

# Nobody listening: 3; through an MTA's pipe: 75, try again later.
closed_port tcp
closed=$CLOSED_PORT
expect_exit 3 "$DMARCDB" -q --db "postgresql://127.0.0.1:$closed/x" \
    ingest "$SRCDIR/samples/reports/yahoo-report.xml" 2> "$T/err"
grep -q "cannot connect: .*Connection refused" "$T/err" ||
    fail "closed port: $(cat "$T/err")"
printf 'From: a@example.org\nSubject: x\n\nhello\n' > "$T/msg.eml"
expect_exit 75 "$DMARCDB" -q --db "postgresql://127.0.0.1:$closed/x" \
    ingest - < "$T/msg.eml" 2> /dev/null

# A database without dmarcdb's tables: report commands say so.
EMPTY=$(pg_db empty)
expect_exit 3 "$DMARCDB" --db "$EMPTY" reports 2> "$T/err"
grep -q "^dmarcdb: no such database: .*(no dmarcdb tables there" \
    "$T/err" || fail "empty: $(cat "$T/err")"
[ "$(sql "$EMPTY" "SELECT count(*) FROM pg_tables
    WHERE schemaname = 'public'")" = 0 ] || fail "empty: tables made"

# A newer schema: 3, and nothing touched.
NEWER=$(pg_db newer)
"$DMARCDB" -q --db "$NEWER" ingest "$SRCDIR/samples/reports/yahoo-report.xml"
sql "$NEWER" "UPDATE dmarcdb_schema SET version = 999"
for c in "ingest $SRCDIR/samples/reports" reports sources; do
	# shellcheck disable=SC2086
	expect_exit 3 "$DMARCDB" --db "$NEWER" $c 2> "$T/err"
	grep -q "database schema version 999 is newer than this dmarcdb supports" \
	    "$T/err" || fail "newer, $c: $(cat "$T/err")"
done
[ "$(sql "$NEWER" "SELECT count(*) FROM reports")" = 1 ] ||
    fail "newer: written"

# A user who may only read: report commands work, ingest says why not.
RO=$(pg_reader "$URI")
psql -qX -d own -c "GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader" \
    > /dev/null
"$DMARCDB" --db "$RO" sources --as-of 2024-01-05 --no-dns > "$T/out" ||
    fail "reader: sources: exit $?"
grep -q mycompany.com "$T/out" || fail "reader: sources: $(cat "$T/out")"
expect_exit 3 "$DMARCDB" -q --db "$RO" ingest "$SRCDIR/samples/reports" \
    2> "$T/err"
grep -q "this user may not write the database" "$T/err" ||
    fail "reader: ingest: $(cat "$T/err")"

# The server goes away in the middle of a run, and comes back.
mkdir "$T/in"
"$GEN" -s 51 -r 1500 -m 1 -M 30 -d "$T/in"
"$GEN" -s 52 -f gz -n 40000 -o "$T/in/big.xml.gz"
"$QUICK" -q --db "$T/ref.db" ingest "$T/in"
dump "$T/ref.db" > "$T/ref.dump"
DB2=$(pg_db gone)
"$QUICK" -q --db "$DB2" ingest "$T/in" 2> "$T/err" &
pid=$!
i=0
until [ "$(sql "$DB2" "SELECT count(*) FROM pg_tables WHERE
    tablename = 'reports'")" = 1 ] &&
    [ "$(sql "$DB2" "SELECT count(*) FROM reports")" -gt 100 ]; do
	i=$((i + 1))
	[ $i -lt 600 ] || fail "the run did not get going"
	kill -0 "$pid" 2> /dev/null || fail "the run ended first"
	sleep 0.05
done
pg_kill
set +e
wait "$pid"
rc=$?
set -e
[ "$rc" = 3 ] || fail "server gone: exit $rc: $(cat "$T/err")"
grep -q "^dmarcdb: $DB2: " "$T/err" || fail "server gone: $(cat "$T/err")"
grep -q "reports committed before this error are kept" "$T/err" ||
    fail "server gone: $(cat "$T/err")"
pg_restart
integrity "$DB2" || fail "server gone: a row without its report"
"$DMARCDB" -q --db "$DB2" ingest "$T/in" || fail "after: exit $?"
dump "$DB2" > "$T/pg.dump"
cmp -s "$T/ref.dump" "$T/pg.dump" ||
    fail "after the server came back: $(diff "$T/ref.dump" "$T/pg.dump" |
    head -5)"
echo ok
