#!/bin/bash
# spf-cover.sh: dmarcdb check works out, under the SPF record published
# now, the result of the configured senders' ip blocks and of the
# sources whose mail had an SPF result for the domain in the reports
# (dmarcdb(1), CHECK), against a private Knot server:
#
# - a source that passed SPF as the domain in the reports and fails now
#   (the record changed): an error, counted, the largest named; one that
#   still passes (by an ip4 term, or through an include), or one that
#   never passed (a spoofer), is not;
# - a configured block sending with the domain as MAIL FROM: covered
#   exactly by a term of the same prefix, nothing said; one prefix
#   wider, only part covered: a warning; not covered at all: an error;
#   a block whose mail uses another MAIL FROM domain: not judged;
# - a record with terms that need lookups of their own (a, mx): not
#   judged, never guessed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixtures.sh"
. "$SRCDIR/tests/e2e/knot.sh"

D=cover.test
knot_zone $D <<'EOF'
@ TXT "v=spf1 ip4:192.0.2.10 ip4:198.18.0.0/24 include:_spf.cover.test -all"
_spf TXT "v=spf1 ip6:2001:db8::/32 ~all"
_dmarc TXT "v=DMARC1; p=none; rua=mailto:d@cover.test"
EOF
knot_zone amx.test <<'EOF'
@ TXT "v=spf1 a mx -all"
@ A 192.0.2.1
_dmarc TXT "v=DMARC1; p=none; rua=mailto:d@amx.test"
EOF
knot_start
DMARCDB_RESOLVER=127.0.0.1:$KNOT_PORT
export DMARCDB_RESOLVER

mkdir "$T/r"
for day in 2026-02-20 2026-02-21; do
	report "$T/r" google.com 7489 "$day" domain=$D,p=none <<-EOF
	192.0.2.10 100 $D none fail pass - $D:mfrom:pass -
	192.0.2.11 40 $D none fail pass - $D:mfrom:pass -
	192.0.2.12 7 $D none fail pass - $D:mfrom:pass -
	2001:db8::5 30 $D none fail pass - $D:mfrom:pass -
	198.18.0.5 20 $D none fail pass - $D:mfrom:pass -
	198.51.100.9 50 $D none fail fail - $D:mfrom:fail -
	203.0.113.7 60 $D none fail fail - bounce.cloud.example:mfrom:pass -
	233.252.0.1 9 $D none fail fail - $D:mfrom:fail -
	EOF
	report "$T/r" google.com 7489 "$day" domain=amx.test,p=none <<-EOF
	192.0.2.99 10 amx.test none fail pass - amx.test:mfrom:pass -
	EOF
done
"$QUICK" -q --db "$DB" ingest "$T/r"
cat > "$T/conf" <<EOF
domain $D {
	sender "MTA" { ip 192.0.2.0/24; }
	sender "exact" { ip 198.18.0.0/24; }
	sender "wider" { ip 198.18.0.0/23; }
	sender "cloud" { ip 203.0.113.0/24; }
	sender "gone" { ip 233.252.0.0/24; }
}
domain amx.test {
	sender "MTA" { ip 192.0.2.0/24; }
}
EOF
C="$DMARCDB --db $DB --config $T/conf check --as-of 2026-02-22"
expect_exit 2 $C $D > "$T/out"
has() { grep -qxF -- "$1" "$T/out" || fail "no '$1' in: $(cat "$T/out")"; }
# .11 and .12 passed and fail now: 94 messages; .10, the IPv6 source
# through the include and the spoofer: nothing.
has "  error    2 addresses that passed SPF as cover.test in the reports (94 messages) get fail from the SPF record published now, the largest 192.0.2.11"
has "           fix: if they are yours, put their include or ip4/ip6 term back in the SPF record"
has "  warning  sender \"MTA\" (192.0.2.0/24) sent 294 messages with MAIL FROM cover.test in the reports, but the SPF record published now covers only part of the block (it gives fail)"
has "  warning  sender \"wider\" (198.18.0.0/23) sent 40 messages with MAIL FROM cover.test in the reports, but the SPF record published now covers only part of the block (it gives fail)"
has "  error    sender \"gone\" (233.252.0.0/24) sent 18 messages with MAIL FROM cover.test in the reports, but the SPF record published now does not cover the block (it gives fail)"
grep_none '"exact"\|"cloud"\|2001:db8\|198.51.100.9' "$T/out" ||
    fail "judged what it should not: $(cat "$T/out")"
# JSON: the same findings.
expect_exit 2 $C --format json $D > "$T/out.json"
[ "$(sqlite3 -batch :memory: "SELECT count(*) FROM json_each(readfile(
    '$T/out.json'), '\$.domains[0].findings') WHERE json_extract(value,
    '\$.what') LIKE '%SPF record published now%'")" = 4 ] ||
    fail "JSON: $(cat "$T/out.json")"

# a and mx need lookups of their own: not judged.
$C amx.test > "$T/amx" || :
grep_none "published now" "$T/amx" || fail "amx.test: $(cat "$T/amx")"
echo ok
