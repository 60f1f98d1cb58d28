#!/bin/bash
# views.sh: the views for analysts (issue 15, schema/014): one name and
# one kind of value for the same thing in every view; each record with
# dmarcdb's evaluation, its source's class and sender as sources decided
# them (for every rule kind: ip, dkim, spf), and export saying the same.
. "$(dirname "$0")/lib.sh"
sqlite_only "its checks are SQLite's SQL (pg-views.sh: PostgreSQL's views hold what these hold)"
. "$(dirname "$0")/fixtures.sh"

CONF=$SRCDIR/tests/e2e/sources.conf
views_reports "$T/r"
"$DMARCDB" -q --db "$DB" ingest "$T/r" 2> /dev/null || true
S="$DMARCDB --db $DB --config $CONF sources --as-of 2026-03-01 --no-dns"
$S --by ip --format csv --domain example.com > "$T/s.csv"
# A reverse DNS name in the cache, as dmarcdb ptr keeps them.
sql "$DB" "INSERT INTO ptr_cache VALUES ('192.0.2.10', 'name',
    'mta.example.com', 1, 1772236800, 4102444800)"

# q SQL: against the database, with sources' CSV as table s.
sqlite3 -batch "$T/cmp.db" ".import --csv $T/s.csv s"
q() {
	sqlite3 -batch -noheader "$T/cmp.db" "ATTACH '$DB' AS m" "$1"
}
[ "$(q "SELECT count(*) FROM s")" = 8 ] || fail "sources: not 8 sources"

# --- v_source_senders is what sources says, whatever the rule kind. ---

got=$(q "SELECT group_concat(x, ' ') FROM (SELECT policy_domain || '|' ||
    source_ip || '|' || header_from || '|' || sender AS x
  FROM v_source_senders ORDER BY 1)")
want=$(q "SELECT group_concat(x, ' ') FROM (SELECT domain || '|' || ip ||
    '|' || header_from || '|' || sender AS x FROM s WHERE sender != ''
  ORDER BY 1)")
[ -n "$got" ] && [ "$got" = "$want" ] ||
    fail "v_source_senders: $got, not sources': $want"
for s in "our MTA" Mailchimp ESP; do
	case " $got " in
	*"|$s "*) ;;
	*) fail "v_source_senders: no source of $s" ;;
	esac
done
# And the classes of the sources that are not unknown.
[ "$(q "SELECT group_concat(x, ' ') FROM (SELECT source_ip || '|' ||
    class || '|' || coalesce(sender, '') AS x FROM v_source_classes
  WHERE from_day = '2026-01-30' AND to_day = '2026-02-28' ORDER BY 1)")" = \
  "$(q "SELECT group_concat(x, ' ') FROM (SELECT ip || '|' || class || '|' ||
    sender AS x FROM s WHERE class != 'unknown' ORDER BY 1)")" ] ||
    fail "v_source_classes"

# --- v_records: each record with its source's class and sender. ----------

# In the window: as sources says; before it (2026-01-15): none.
[ "$(q "SELECT count(*) FROM v_records_active v JOIN s
    ON s.domain = v.policy_domain AND s.ip = v.source_ip
    AND s.header_from = v.header_from
    WHERE v.begin_utc >= '2026-02-01' AND v.class = s.class
      AND coalesce(v.sender, '') = s.sender")" = 224 ] ||
    fail "v_records: class and sender not sources' for every record"
[ "$(q "SELECT count(*) FROM v_records_active WHERE class IS NOT NULL
    OR sender IS NOT NULL")" = 224 ] || fail "v_records: outside the window"
[ "$(q "SELECT count(DISTINCT class) || ' ' || count(DISTINCT sender)
    FROM v_records_active")" = "4 3" ] || fail "v_records: classes, senders"
# dmarcdb's evaluation, as export gives it for the same window: and the
# class too.
"$DMARCDB" --db "$DB" --config "$CONF" export --as-of 2026-03-01 \
    --since 2026-01-30 > "$T/e.csv"
sqlite3 -batch "$T/cmp.db" ".import --csv $T/e.csv e"
got=$(q "SELECT count(*) FROM e JOIN v_records v ON v.record_id = e.record
    WHERE v.dmarc = e.dmarc AND v.dkim_aligned = e.dkim_aligned
      AND v.spf_aligned = e.spf_aligned AND v.class = e.class
      AND v.receiver_dkim = e.dkim AND v.receiver_spf = e.spf")
[ "$got" = 224 ] || fail "v_records and export differ: $got of 224 agree"

# --- One name, one kind of value. -----------------------------------------

# What dmarcdb check keeps (history.sh), as it would: a row.
sql "$DB" "INSERT INTO dns_records VALUES ('example.com', 'spf',
    'example.com', 'v=spf1 -all', 1772323200, 1772409600)"
views=$(sql "$DB" "SELECT name FROM sqlite_master WHERE type = 'view'
    ORDER BY 1")
[ "$(echo "$views" | wc -l)" -ge 11 ] || fail "views: $views"
for v in $views; do
	cols=$(sql "$DB" "SELECT name FROM pragma_table_info('$v')")
	[ "$(sql "$DB" "SELECT count(*) FROM $v")" -gt 0 ] ||
	    [ "$v" = v_mail ] || fail "$v: empty"
	for c in $cols; do
		case $c in
		domain|dmarc_dkim|dmarc_spf|dkim|spf)
			fail "$v.$c: not a name of the views" ;;
		dmarc)
			bad="$c NOT IN ('pass', 'fail')" ;;
		*_aligned|*confirmed|fresh)
			bad="$c NOT IN (0, 1)" ;;
		*_utc)
			bad="$c NOT GLOB
			    '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z'" ;;
		day|from_day|to_day)
			bad="$c NOT GLOB '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]'" ;;
		*)
			continue ;;
		esac
		n=$(sql "$DB" "SELECT count(*) FROM $v WHERE $bad")
		[ "$n" = 0 ] || fail "$v.$c: $n values not as documented"
	done
done
echo "$views" | grep -qx v_ptr_cache || fail "no v_ptr_cache"

# --- What sources decides next replaces what it decided. -------------------

sed '/Mailchimp/,/}/d' "$CONF" > "$T/c.conf"
grep -q 'sender "ESP"' "$T/c.conf" && grep_none Mailchimp "$T/c.conf" ||
    fail "c.conf"
"$DMARCDB" --db "$DB" --config "$T/c.conf" sources --as-of 2026-02-16 \
    --no-dns --domain example.com > /dev/null
[ "$(sql "$DB" "SELECT count(*) FROM v_source_senders
    WHERE sender = 'Mailchimp'")" = 0 ] || fail "Mailchimp still a sender"
[ "$(sql "$DB" "SELECT DISTINCT from_day || ' ' || to_day
    FROM v_source_senders")" = "2026-01-17 2026-02-15" ] ||
    fail "the window of the last run"
[ "$(sql "$DB" "SELECT count(*) FROM v_records_active
    WHERE class IS NOT NULL")" = 120 ] || fail "v_records: the new window"
# --- At most 100,000 sources saved a run: a domain past it is forgotten. --

# flood N: N forwarded sources of flood.example (a mailing list's
# reason each), in a database of their own; the classes it keeps.
flood() {
	mkdir "$T/f$1"
	awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++)
	    printf "lists.example 7489 2026-02-20 domain=flood.example,p=none " \
	    "10.%d.%d.%d 1 flood.example none fail fail - " \
	    "lists.example:mfrom:pass mailing_list\n",
	    int(i / 65536), int(i / 256) % 256, i % 256 }' | reports "$T/f$1"
	"$QUICK" -q --db "$T/f$1.db" ingest "$T/f$1"
	"$QUICK" -q --db "$T/f$1.db" sources --as-of 2026-03-01 --no-dns \
	    --domain flood.example --limit 1 > /dev/null
	sql "$T/f$1.db" "SELECT count(*) || ' ' ||
	    (SELECT count(*) FROM v_records WHERE class = 'forwarded')
	  FROM v_source_classes WHERE class = 'forwarded'"
}
[ "$(flood 100000)" = "100000 100000" ] || fail "100,000 sources not saved"
[ "$(flood 100001)" = "0 0" ] || fail "100,001 sources saved"
echo ok
