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
echo ok
