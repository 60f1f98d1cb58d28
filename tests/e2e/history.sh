#!/bin/bash
# history.sh: dmarcdb check keeps what it finds in DNS with the time
# (schema/015-dns-records.sql, v_dns_records; dmarcdb(1), CHECK), and
# says when a record changed: the same records again add no row; an SPF
# record, a DMARC record, a DKIM key and an MX changed in the zone are
# each "changed on" today, with what was there before (also in JSON); a
# lookup that fails keeps nothing; a read-only database is not written,
# but the change is still said. The digest lists the changes of its
# week (rows of earlier weeks are not).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixtures.sh"
. "$SRCDIR/tests/e2e/knot.sh"

D=hist.test
mkdir "$T/r"
for day in 2026-02-20 2026-02-21; do
	report "$T/r" google.com 7489 "$day" domain=$D,p=none <<-EOF
	192.0.2.10 100 $D none pass pass $D:s1:pass $D:mfrom:pass -
	EOF
done
"$QUICK" -q --db "$DB" ingest "$T/r"
knot_zone $D < /dev/null
knot_start
SERIAL=1
# zone: the zone of hist.test is now standard input; reloaded.
zone() {
	SERIAL=$((SERIAL + 1))
	{
		printf '$ORIGIN %s.\n$TTL 300\n' $D
		printf '@ SOA ns1.knot.test. hostmaster.knot.test. %s 3600 ' \
		    "$SERIAL"
		printf '900 604800 300\n@ NS ns1.knot.test.\n'
		cat
	} > "$KZ/$D.zone"
	knotc -c "$KZ/knot.conf" zone-reload $D > /dev/null
	local i=0
	until [ "$(dig +short +time=1 +tries=1 @127.0.0.1 -p "$KNOT_PORT" \
	    $D SOA 2>/dev/null | cut -d' ' -f3)" = "$SERIAL" ]; do
		i=$((i + 1))
		[ $i -le 200 ] || fail "zone not reloaded"
		sleep 0.05
	done
}
# records SPF DMARC MX [KEY]: the zone with these, and the key of s1
# (none if KEY is -).
records() {
	{
		echo "@ TXT \"$1\""
		echo "_dmarc TXT \"$2\""
		echo "@ MX $3"
		[ "${4:-}" = - ] || echo "s1._domainkey TXT $DKIM_KEY"
	} | zone
}
DMARCDB_RESOLVER=127.0.0.1:$KNOT_PORT
export DMARCDB_RESOLVER
printf 'domain %s { }\n' $D > "$T/conf"
C="--db $DB --config $T/conf check --as-of 2026-02-22"
TODAY=$(date -u +%Y-%m-%d)
rows() { sql "$DB" "SELECT count(*) FROM dns_records"; }

records "v=spf1 ip4:192.0.2.0/24 -all" \
    "v=DMARC1; p=none; rua=mailto:d@hist.test" "10 mx1.hist.test."
"$DMARCDB" $C $D > "$T/1.out" || fail "first: exit $?: $(cat "$T/1.out")"
grep_none "changed" "$T/1.out" || fail "first: a change: $(cat "$T/1.out")"
# One row each: the DMARC record, the SPF record, the key, the MX, and
# (none) the MTA-STS and TLS-RPT records.
[ "$(sql "$DB" "SELECT group_concat(kind || ' ' || name || ' ' || (CASE
    WHEN value <> '' THEN 1 ELSE 0 END), ',') FROM (SELECT * FROM
    v_dns_records ORDER BY kind) AS r")" = \
    "dkim s1._domainkey.hist.test 1,dmarc _dmarc.hist.test 1,mta-sts _mta-sts.hist.test 0,mx hist.test 1,spf hist.test 1,tls-rpt _smtp._tls.hist.test 0" ] ||
    fail "first: $(sql "$DB" "SELECT * FROM dns_records")"
[ "$(sql "$DB" "SELECT count(*) FROM v_dns_records WHERE
    first_seen_utc LIKE '${TODAY}T%' AND value = 'v=spf1 ip4:192.0.2.0/24 -all'")" = 1 ] ||
    fail "first: the SPF record: $(sql "$DB" "SELECT * FROM v_dns_records")"
# The same again: no row added, no change said.
"$QUICK" $C $D > "$T/2.out" || fail "second: exit $?"
[ "$(rows)" = 6 ] || fail "second: $(rows) rows"
grep_none "changed" "$T/2.out" || fail "second: $(cat "$T/2.out")"

# Each record changed in the zone: said, with the value before.
records "v=spf1 ip4:192.0.2.0/24 include:_spf.esp.test -all" \
    "v=DMARC1; p=quarantine; rua=mailto:d@hist.test" "10 mx2.hist.test." -
"$DMARCDB" $C $D > "$T/3.out" && fail "third: exit 0 (the key is gone)"
has() { grep -qxF -- "$2" "$T/$1" || fail "$1: no '$2' in: $(cat "$T/$1")"; }
has 3.out "  changed  the SPF record of hist.test changed on $TODAY"
has 3.out "           before: v=spf1 ip4:192.0.2.0/24 -all"
has 3.out "  changed  the DMARC record of hist.test changed on $TODAY"
has 3.out "           before: v=DMARC1; p=none; rua=mailto:d@hist.test"
has 3.out "  changed  the MX of hist.test changed on $TODAY"
has 3.out "           before: 10 mx1.hist.test"
has 3.out "  changed  the DKIM key at s1._domainkey.hist.test changed on $TODAY"
[ "$(rows)" = 10 ] || fail "third: $(rows) rows"
# JSON, read from a fourth run: the changes hold on the day they were
# first seen, and say what was there before.
"$QUICK" $C --format json $D > "$T/4.json" || :
[ "$(sqlite3 -batch :memory: "SELECT group_concat(json_extract(value,
    '\$.kind') || ' ' || json_extract(value, '\$.on') || ' ' ||
    (json_extract(value, '\$.was') <> ''), ',') FROM json_each(readfile(
    '$T/4.json'), '\$.domains[0].changes')")" = \
    "dmarc $TODAY 1,spf $TODAY 1,dkim $TODAY 1,mx $TODAY 1" ] ||
    fail "json: $(cat "$T/4.json")"
[ "$(rows)" = 10 ] || fail "fourth: $(rows) rows"

# A lookup that fails keeps nothing: the server gone.
knot_stop
"$QUICK" $C $D > /dev/null 2>&1 || :
[ "$(rows)" = 10 ] || fail "DNS down: $(rows) rows"
knot_start_again() {
	knotd -c "$KZ/knot.conf" > "$KZ/knot.log" 2>&1 &
	KNOT=$!
	local i=0
	until [ -n "$(dig +short +time=1 +tries=1 @127.0.0.1 -p "$KNOT_PORT" \
	    $D SOA 2>/dev/null)" ]; do
		i=$((i + 1))
		[ $i -le 200 ] && kill -0 "$KNOT" || fail "knotd: no restart"
		sleep 0.05
	done
}
knot_start_again

# Read-only: nothing written, the change still said.
RO_DB=$(db_copy ro)
records "v=spf1 -all" "v=DMARC1; p=quarantine; rua=mailto:d@hist.test" \
    "10 mx2.hist.test." -
RO=$(db_readonly "$RO_DB")
if can_readonly; then
	"$QUICK" --db "$RO" --config "$T/conf" check --as-of 2026-02-22 \
	    $D > "$T/ro.out" || :
	has ro.out "  changed  the SPF record of hist.test changed on $TODAY"
	[ "$(sql "$RO_DB" "SELECT count(*) FROM dns_records")" = 10 ] ||
	    fail "read-only: written"
fi

# A value kept in the same second as the one before it (or after the
# clock went back): a row of its own, a second after, never the one
# before overwritten.
F=$(( $(date +%s) + 5 ))
sql "$DB" "INSERT INTO dns_records VALUES ('$D', 'spf', '$D',
    'v=spf1 ip4:198.51.100.0/24 -all', $F, $F)"
n0=$(rows)
"$QUICK" $C $D > "$T/5.out" 2>&1 || :
[ "$(rows)" = $((n0 + 1)) ] || fail "same second: $(rows) rows, not $((n0 + 1))"
[ "$(sql "$DB" "SELECT value FROM dns_records WHERE kind = 'spf' AND
    first_seen = $F")" = "v=spf1 ip4:198.51.100.0/24 -all" ] &&
    [ "$(sql "$DB" "SELECT value FROM dns_records WHERE kind = 'spf' AND
    first_seen = $((F + 1))")" = "v=spf1 -all" ] ||
    fail "same second: $(sql "$DB" "SELECT * FROM dns_records WHERE kind = 'spf'")"

# The digest: the changes of its week, not of the weeks before. Rows
# dated in the past, as a daily check would have left them.
W=1771977600		# 2026-02-25T00:00:00Z
sql "$DB" "INSERT INTO dns_records VALUES
    ('$D', 'spf', '$D', 'v=spf1 a -all', $((W - 30 * 86400)), $((W - 20 * 86400))),
    ('$D', 'spf', '$D', 'v=spf1 mx -all', $((W - 20 * 86400)), $((W - 10 * 86400))),
    ('$D', 'spf', '$D', 'v=spf1 ip4:192.0.2.1 -all', $W, $((W + 86400)))"
"$QUICK" --db "$DB" --config "$T/conf" digest --as-of 2026-02-28 --no-dns \
    --format text > "$T/digest.txt"
tr -s ' \n' '  ' < "$T/digest.txt" > "$T/flat"
grep -qF "the SPF record of hist.test changed on 2026-02-25 (as dmarcdb check found it)" \
    "$T/flat" || fail "digest: $(cat "$T/digest.txt")"
grep_none "2026-02-15\|2026-02-05" "$T/flat" || fail "digest: older changes"
grep -qF "Changes in DNS - the SPF record of hist.test changed on" \
    "$T/flat" || fail "digest: no section: $(cat "$T/digest.txt")"
[ "$(grep -o "changed" "$T/flat" | wc -l)" = 1 ] ||
    fail "digest: not one change: $(cat "$T/digest.txt")"
echo ok
