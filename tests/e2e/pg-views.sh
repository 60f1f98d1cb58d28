#!/bin/bash
# pg-views.sh: PostgreSQL's views for analysts (schema/pg) hold what
# SQLite's hold (schema/014, whose meaning views.sh checks): the same
# reports, ingested and classified the same way into each store, give
# every view the same rows, but for row ids and the times of the runs.
# And the report commands say the same of both.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg.sh"
. "$(dirname "$0")/fixtures.sh"

pg_start
PG=$(pg_db views)
LITE=$T/lite.db
CONF=$SRCDIR/tests/e2e/sources.conf

views_reports "$T/r"
# Addresses of both families, for the bytes of sources.ip (dmarcdb_ip:
# SQLite's in C; PostgreSQL's in SQL, and PL/pgSQL for IPv6).
while read -r l; do
	echo "google.com 7490 2026-02-10 domain=v6.example,adkim=r,aspf=r,p=none $l"
done <<EOF | reports "$T/r"
2001:db8::25 7 v6.example none pass pass v6.example:s1:pass v6.example:mfrom:pass -
2001:db8:0:1:2:3:4:5 3 v6.example none pass pass v6.example:s1:pass v6.example:mfrom:pass -
::ffff:198.51.100.7 2 v6.example none pass pass v6.example:s1:pass v6.example:mfrom:pass -
2001:db8::c000:201 1 v6.example none pass pass v6.example:s1:pass v6.example:mfrom:pass -
::1 1 v6.example none pass pass v6.example:s1:pass v6.example:mfrom:pass -
198.51.100.8 1 v6.example none pass pass v6.example:s1:pass v6.example:mfrom:pass -
EOF
# A report re-sent with other content: one copy superseded.
f=$(ls "$T/r" | grep -v junk | head -n 1)
cp "$T/r/$f" "$T/resent.xml"
sed -i 's/<count>500</<count>501</' "$T/resent.xml"
touch -d 2030-01-01 "$T/resent.xml"

for db in "$LITE" "$PG"; do
	"$DMARCDB" -q --db "$db" ingest "$T/r" 2> /dev/null || true
	"$DMARCDB" -q --db "$db" ingest "$T/resent.xml"
	"$DMARCDB" --db "$db" --config "$CONF" sources --as-of 2026-03-01 \
	    --no-dns > "$T/sources.$(basename "${db%%\?*}")"
	sql "$db" "INSERT INTO ptr_cache VALUES ('192.0.2.10', 'name',
	    'mta.example.com', 1, 1772236800, 4102444800);
	  INSERT INTO dns_records VALUES ('example.com', 'spf',
	    'example.com', 'v=spf1 -all', 1772323200, 1772409600)"
done
cmp -s "$T/sources.lite.db" "$T/sources.views" ||
    fail "sources differs: $(diff "$T/sources.lite.db" "$T/sources.views")"

# Every source's address as bytes, the same in both.
lite=$(sql "$LITE" "SELECT source_ip || ' ' || coalesce(hex(ip), '-')
    FROM sources ORDER BY 1")
[ "$(sql "$PG" "SELECT source_ip || ' ' || coalesce(upper(encode(ip,
    'hex')), '-') FROM sources ORDER BY 1")" = "$lite" ] ||
    fail "sources.ip differs: $lite"
echo "$lite" | grep -q "^2001:db8::25 20010DB8000000000000000000000025$" ||
    fail "no IPv6 source: $lite"
echo "$lite" | grep -q "^198.51.100.8 00000000000000000000FFFFC6336408$" ||
    fail "no IPv4 source: $lite"

# A store of schema 15 (schema/pg/015-postgresql.sql, as a dmarcdb before
# this one made it) is brought up to date as it is opened: the files
# read before, dmarcdb_ip in SQL (PL/pgSQL for IPv6, dmarcdb_ip6), the
# index of a report's record ids.
OLD=$(pg_db old15)
psql -qX -d old15 -v ON_ERROR_STOP=1 \
    -f "$SRCDIR/schema/pg/015-postgresql.sql" > /dev/null ||
    fail "schema 15"
"$DMARCDB" -q --db "$OLD" ingest "$T/r" 2> /dev/null || true
"$DMARCDB" --db "$OLD" sources --no-dns > /dev/null
[ "$(sql "$OLD" "SELECT max(version) FROM dmarcdb_schema")" = \
  "$(sql "$PG" "SELECT max(version) FROM dmarcdb_schema")" ] ||
    fail "schema 15 not brought up to date"
[ "$(sql "$OLD" "SELECT string_agg(p.proname || ' ' || l.lanname, ','
    ORDER BY p.proname) FROM pg_proc p JOIN pg_language l
    ON l.oid = p.prolang WHERE p.proname LIKE 'dmarcdb\_ip%'")" = \
    "dmarcdb_ip sql,dmarcdb_ip6 plpgsql" ] || fail "schema 15: dmarcdb_ip"
[ "$(sql "$OLD" "SELECT string_agg(indexname, ',' ORDER BY indexname)
    FROM pg_indexes WHERE tablename = 'records'")" = \
    "records_pkey,records_report_id" ] || fail "schema 15: indexes"
[ "$(sql "$OLD" "SELECT count(*) FROM input_files")" -gt 0 ] ||
    fail "schema 15: no files read before"
[ "$(sql "$OLD" "SELECT source_ip || ' ' || coalesce(upper(encode(ip,
    'hex')), '-') FROM sources ORDER BY 1")" = "$lite" ] ||
    fail "schema 15: sources.ip differs"

views=$(sql "$LITE" "SELECT name FROM sqlite_master WHERE type = 'view'
    ORDER BY 1")
[ "$(echo "$views" | wc -l)" -ge 12 ] || fail "views: $views"
[ "$(sql "$PG" "SELECT count(*) FROM pg_views
    WHERE schemaname = 'public' AND viewname LIKE 'v\_%'")" = \
    "$(echo "$views" | wc -l)" ] || fail "PostgreSQL has other views"
for v in $views; do
	# Their columns, in order, named the same.
	cols=$(sql "$LITE" "SELECT group_concat(name, ',') FROM
	    pragma_table_info('$v')")
	[ "$(sql "$PG" "SELECT string_agg(column_name, ',' ORDER BY
	    ordinal_position) FROM information_schema.columns
	    WHERE table_name = '$v'")" = "$cols" ] ||
	    fail "$v: not the same columns"
	# Their rows, without ids and the times of the runs.
	keep=
	for c in ${cols//,/ }; do
		case $c in
		id|record_id|report|superseded_by|sig|ingested_utc|\
		started_utc|finished_utc|first_utc|last_utc|decided_utc|\
		first_seen_utc)
			;;
		*)
			keep="$keep${keep:+, }$c" ;;
		esac
	done
	sql "$LITE" "SELECT $keep FROM $v" | LC_ALL=C sort > "$T/lite.rows"
	sql "$PG" "SELECT $keep FROM $v" | LC_ALL=C sort > "$T/pg.rows"
	[ -s "$T/lite.rows" ] || [ "$v" = v_mail ] || fail "$v: empty"
	cmp -s "$T/lite.rows" "$T/pg.rows" ||
	    fail "$v differs: $(diff "$T/lite.rows" "$T/pg.rows" | head -5)"
done

# The report commands, on both.
for c in "reports --all" "sources --as-of 2026-03-01 --no-dns --by ip" \
    "advise --as-of 2026-03-01 --no-dns" "export --as-of 2026-03-01" \
    "digest --as-of 2026-03-01 --no-dns" "domains --as-of 2026-03-01"; do
	# shellcheck disable=SC2086
	"$DMARCDB" --db "$LITE" --config "$CONF" $c > "$T/c.lite" 2>&1 ||
	    echo "exit $?" >> "$T/c.lite"
	# shellcheck disable=SC2086
	"$DMARCDB" --db "$PG" --config "$CONF" $c > "$T/c.pg" 2>&1 ||
	    echo "exit $?" >> "$T/c.pg"
	sed -i "s|$PG|DB|g; s|$LITE|DB|g" "$T/c.lite" "$T/c.pg"
	cmp -s "$T/c.lite" "$T/c.pg" ||
	    fail "$c differs: $(diff "$T/c.lite" "$T/c.pg" | head -5)"
done

# db-pg.c's cursors, each batch asked for ahead (tests/e2e/pgcursor.c):
# two read in turn give all their rows; a batch asked for ahead that
# fails says why, to the statement that ran before it was read too.
"$BUILDDIR/tests/e2e/pgcursor" "$PG" > "$T/cur" ||
    fail "pgcursor: $(cat "$T/cur")"
[ "$(cat "$T/cur")" = "sums 450015000 400020000
other: division by zero
cursor: division by zero" ] || fail "pgcursor: $(cat "$T/cur")"
echo ok
