#!/bin/bash
# domains.sh: domains that anyone can name in a report. With 300 forged
# policy domains beside a configured one: sources, advise and the digest
# cover the configured domain and count the others in one line; without
# a configured domain, the largest up to limits { domains } (20 by
# default), at the cap's boundary; DNS is asked about configured and
# named domains only, at most limits { dns-lookups } domains a run (DNS
# queries go to a private Knot DNS server, which counts them; a run
# that must not ask DNS runs with every socket refused, by nonet.so);
# dmarcdb domains lists them all; --domain still works for any domain.
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/e2e/knot.sh"

NONET=$BUILDDIR/tests/hostile/nonet.so
N=300
R=$T/r
mkdir "$R"
begin=$(date -u -d 2026-02-25 +%s)
AS_OF="--as-of 2026-03-01"

# forged FIRST LAST: one report for each of forged-FIRST.example to
# forged-LAST.example, each larger than the one before.
forged() {
	i=$1
	while [ "$i" -le "$2" ]; do
		printf '<?xml version="1.0"?>
<feedback><report_metadata><org_name>forger</org_name>
<email>f@forger.example</email><report_id>f%d</report_id>
<date_range><begin>%d</begin><end>%d</end></date_range></report_metadata>
<policy_published><domain>forged-%d.example</domain><p>none</p>
</policy_published><record><row><source_ip>198.51.100.7</source_ip>
<count>%d</count><policy_evaluated><disposition>none</disposition>
<dkim>fail</dkim><spf>fail</spf></policy_evaluated></row>
<identifiers><header_from>forged-%d.example</header_from></identifiers>
<auth_results><spf><domain>forged-%d.example</domain><result>fail</result>
</spf></auth_results></record></feedback>\n' "$i" "$begin" \
		    $((begin + 86399)) "$i" $((1000 + i)) "$i" "$i" \
		    > "$R/forged-$i.xml"
		i=$((i + 1))
	done
}
forged 1 "$N"
# Ours: the largest.
sed 's/forged-1\.example/ours.example/g; s/<count>1001</<count>50000</;
    s/>f1</>ours1</' "$R/forged-1.xml" > "$R/ours.xml"
"$DMARCDB" -q --db "$DB" ingest "$R"
[ "$(sql "$DB" "SELECT count(DISTINCT domain) FROM reports")" = \
    $((N + 1)) ] || fail "not every report stored"

# The server has the zone of every domain here, without a DMARC
# record: NXDOMAIN.
knot_zone example < /dev/null
knot_start
# net CONFIG COMMAND...: run dmarcdb with that configuration, asking
# the server; how many queries it made in $ASKED.
net() {
	local conf=$1 q0
	shift
	q0=$(knot_queries)
	DMARCDB_CONFIG="$conf" DMARCDB_RESOLVER=127.0.0.1:$KNOT_PORT \
	    "${RUN:-$DMARCDB}" --db "$DB" "$@"
	ASKED=$(( $(knot_queries) - q0 ))
}
# (RUN=$QUICK: a run of a path that one under memcheck took already.)
# offline CONFIG COMMAND...: the same, with no network access at all:
# every socket refused, and the test fails if one is tried.
offline() {
	local conf=$1
	shift
	rm -f "$T/sockets"
	env DMARCDB_CONFIG="$conf" NONET_LOG="$T/sockets" \
	    LD_PRELOAD="$NONET" ASAN_OPTIONS="$ASAN" \
	    "${RUN:-$DMARCDB}" --db "$DB" "$@"
	[ ! -e "$T/sockets" ] || fail "network access: $(cat "$T/sockets")"
}
# sections FILE: the domains with a section of their own (advise's text
# and the digest's text begin each with the name alone on a line).
sections() {
	grep -c '^\(forged-[0-9]*\|ours\)\.example$' "$1" || true
}

# --- A configured domain: the others are counted, not covered ----------
cat > "$T/ours.conf" <<'EOF'
domain ours.example {
	record "v=DMARC1; p=none; rua=mailto:dmarc@ours.example";
}
EOF
# The configured domain alone is looked up in DNS: its SPF record (its
# DMARC record is the configuration's, and its reports name no DKIM key).
net "$T/ours.conf" advise $AS_OF > "$T/advise"
[ "$ASKED" = 1 ] || fail "advise: $ASKED queries, not ours.example's SPF"
[ "$(sections "$T/advise")" = 1 ] || fail "advise: $(sections "$T/advise") \
domains, not ours alone"
grep -qx "$N other domains with reports, not configured: see dmarcdb domains" \
    "$T/advise" || fail "advise: the others not counted: $(tail -1 "$T/advise")"
RUN=$QUICK net "$T/ours.conf" advise $AS_OF --format json > "$T/advise.json"
[ "$ASKED" = 1 ] || fail "advise --format json: $ASKED queries"
[ "$(sqlite3 :memory: "SELECT json_extract(readfile('$T/advise.json'),
    '\$.other_domains') || ' ' || json_array_length(readfile('$T/advise.json'),
    '\$.domains')")" = "$N 1" ] || fail "advise --format json"
# (sources looks up the PTR names of a configured domain's sources:
# not here; below, none for the domains it is not configured for.)
offline "$T/ours.conf" sources $AS_OF --no-dns > "$T/sources"
[ "$(grep -c '^[a-z0-9.-]*: 2026-01-30 to 2026-02-28' "$T/sources")" = 1 ] ||
    fail "sources: not ours alone"
grep -qx "$N other domains with reports, not configured: see dmarcdb domains" \
    "$T/sources" || fail "sources: the others not counted"
RUN=$QUICK offline "$T/ours.conf" sources $AS_OF --no-dns --format csv \
    > "$T/sources.csv" 2> "$T/err"
grep_none forged "$T/sources.csv" || fail "sources --format csv: forged"
grep -q "$N other domains" "$T/err" || fail "sources --format csv: no note"

net "$T/ours.conf" digest $AS_OF --format text > "$T/digest.txt"
[ "$ASKED" = 1 ] || fail "digest: $ASKED queries"
[ "$(sections "$T/digest.txt")" = 1 ] || fail "digest: \
$(sections "$T/digest.txt") domain sections, not ours alone"
grep_none forged "$T/digest.txt" || fail "digest: a forged domain named"
tr -s ' \n' '  ' < "$T/digest.txt" | grep -qF "$N other domains with \
reports, not configured: see dmarcdb domains." ||
    fail "digest: the others not counted"
[ "$(wc -c < "$T/digest.txt")" -lt 16384 ] || fail "digest: \
$(wc -c < "$T/digest.txt") bytes for one domain"
RUN=$QUICK net "$T/ours.conf" digest $AS_OF --from a@ours.example \
    --to b@ours.example > "$T/digest.eml"
[ "$ASKED" = 1 ] || fail "digest (mail): $ASKED queries"
grep '^Subject: DMARC weekly: ' "$T/digest.eml" > "$T/subject" ||
    fail "digest: no subject"
grep_none forged "$T/subject" ||
    fail "digest: the subject names forged domains: $(cat "$T/subject")"

# Named, any domain is reported on, and looked up in DNS.
net "$T/ours.conf" advise $AS_OF --domain forged-7.example > "$T/named"
grep -qx 'forged-7.example' "$T/named" || fail "--domain forged-7.example"
[ "$ASKED" = 2 ] && tr -s ' \n' '  ' < "$T/named" | grep -qF 'DNS has no \
DMARC record at _dmarc.forged-7.example:' ||
    fail "a domain named on the command line not looked up: $ASKED"
offline "$T/ours.conf" digest $AS_OF --format text --no-dns \
    --domain forged-7.example > "$T/named"
[ "$(sections "$T/named")" = 1 ] && grep -qx forged-7.example "$T/named" ||
    fail "digest --domain forged-7.example"

# --- dmarcdb domains: every one, configured or not ---------------------
"$DMARCDB" --db "$DB" --config "$T/ours.conf" domains $AS_OF \
    > "$T/domains"
[ "$(wc -l < "$T/domains")" = $((N + 2)) ] ||
    fail "domains: $(wc -l < "$T/domains") lines"
head -2 "$T/domains" | tail -1 | grep -Eq '^ +50,000 +1  yes +yes +ours\.example$' ||
    fail "domains: ours first: $(head -2 "$T/domains")"
sed -n 3p "$T/domains" | grep -Eq '^ +1,300 +1  no +no +forged-300\.example$' ||
    fail "domains: then the largest forged: $(sed -n 3p "$T/domains")"
"$DMARCDB" --db "$DB" --config "$T/ours.conf" domains $AS_OF --format csv \
    > "$T/domains.csv"
[ "$(sed -n 1p "$T/domains.csv")" = \
    "domain,reports,messages,configured,covered" ] || fail "domains: csv header"
[ "$(grep -c ',no,no$' "$T/domains.csv")" = "$N" ] || fail "domains --format csv"
"$DMARCDB" --db "$DB" --config "$T/ours.conf" domains $AS_OF --format json \
    > "$T/domains.json"
[ "$(sqlite3 :memory: "SELECT json_array_length(readfile('$T/domains.json'),
    '\$.domains')")" = $((N + 1)) ] || fail "domains --format json"
# A configured domain without reports is listed too; a window without
# reports lists none.
printf 'domain quiet.example { }\n' >> "$T/ours.conf"
"$DMARCDB" --db "$DB" --config "$T/ours.conf" domains $AS_OF \
    | grep -Eq '^ +0 +0  yes +yes +quiet\.example$' ||
    fail "domains: a configured domain without reports"
"$DMARCDB" --db "$DB" --config "$T/ours.conf" domains --as-of 2026-01-01 \
    --format csv > "$T/none.csv"
[ "$(grep -c . "$T/none.csv")" = 3 ] || fail "domains: an empty window"

# --- Without a configured domain: the largest, up to the cap ----------
: > "$T/empty.conf"
offline "$T/empty.conf" advise $AS_OF > "$T/advise"
[ "$(sections "$T/advise")" = 20 ] ||
    fail "advise, unconfigured: $(sections "$T/advise") domains, not 20"
grep -qx ours.example "$T/advise" && grep -qx forged-282.example "$T/advise" &&
    grep_none -x forged-281.example "$T/advise" ||
    fail "advise, unconfigured: not the 20 largest"
grep -qx "$((N - 19)) other domains with reports, beyond the 20 largest \
shown: see dmarcdb domains" "$T/advise" || fail "advise, unconfigured: others"
tr -s ' \n' '  ' < "$T/advise" | grep -qF 'the published record was not \
looked up in DNS: ours.example is not a configured domain' ||
    fail "advise, unconfigured: no word on DNS"
offline "$T/empty.conf" digest $AS_OF --format text > "$T/digest.txt"
# sources: the 20 largest, and no reverse DNS of their addresses (the
# forgers' own name servers would see when reports are read).
offline "$T/empty.conf" sources $AS_OF --by ip > "$T/sources.txt"
[ "$(grep -c '^[a-z0-9.-]*: 2026-01-30 to 2026-02-28' "$T/sources.txt")" \
    = 20 ] || fail "sources, unconfigured: not 20 domains"
[ "$(sections "$T/digest.txt")" = 20 ] ||
    fail "digest, unconfigured: $(sections "$T/digest.txt") domains, not 20"
[ "$(wc -c < "$T/digest.txt")" -lt 131072 ] ||
    fail "digest, unconfigured: $(wc -c < "$T/digest.txt") bytes"
"$DMARCDB" --db "$DB" --config "$T/empty.conf" domains $AS_OF \
    --format csv > "$T/domains.csv"
[ "$(grep -c ',no,yes$' "$T/domains.csv")" = 20 ] ||
    fail "domains, unconfigured: not 20 covered"
# The cap, at its boundary, on a store of six domains: all covered, then
# one left out, the smallest.
mkdir "$T/six"
cp "$R/ours.xml" "$R"/forged-[1-5].xml "$T/six/"
"$DMARCDB" -q --db "$T/six.db" ingest "$T/six"
printf 'limits { domains 6; }\n' > "$T/cap.conf"
"$DMARCDB" --db "$T/six.db" --config "$T/cap.conf" advise $AS_OF --no-dns \
    > "$T/advise"
[ "$(sections "$T/advise")" = 6 ] && grep_none 'other domain' "$T/advise" ||
    fail "limits { domains 6; }, six domains"
printf 'limits { domains 5; }\n' > "$T/cap.conf"
"$DMARCDB" --db "$T/six.db" --config "$T/cap.conf" sources $AS_OF \
    --format json > "$T/sources.json"
[ "$(sqlite3 :memory: "SELECT json_extract(readfile('$T/sources.json'),
    '\$.other_domains') || ' ' || json_array_length(readfile(
    '$T/sources.json'), '\$.domains')")" = "1 5" ] ||
    fail "limits { domains 5; }, six domains"
grep -q '"domain":"forged-1.example"' "$T/sources.json" &&
    fail "limits { domains 5; }: the smallest covered"
printf 'limits { domains 0; }\n' > "$T/cap.conf"
expect_exit 3 "$DMARCDB" --db "$DB" --config "$T/cap.conf" advise 2> "$T/err"
grep -q 'cap.conf:1: domains must be a number from 1' "$T/err" ||
    fail "limits { domains 0; }: $(cat "$T/err")"

# --- DNS: at most limits { dns-lookups } a run --------------------------
# Three configured domains without a record: each would be looked up,
# its DMARC and SPF records (two queries: a domain's lookups count as
# one against the cap).
dnsconf() { # LOOKUPS
	printf 'domain forged-10.example forged-11.example forged-12.example '
	printf '{ }\nlimits { dns-lookups %d; }\n' "$1"
}
# count FILE TEXT: how many times TEXT is in FILE.
count() {
	grep -oF -- "$2" "$1" | wc -l
}
dnsconf 2 > "$T/dns.conf"
net "$T/dns.conf" advise $AS_OF --format json > "$T/advise"
[ "$(count "$T/advise" '"domain":"forged-1')" = 3 ] ||
    fail "dns-lookups: not 3 domains"
[ "$(count "$T/advise" 'this run made its 2 lookups')" = 1 ] ||
    fail "dns-lookups 2: not one domain left without a lookup"
[ "$(count "$T/advise" 'DNS has no DMARC record at _dmarc.')" = 2 ] &&
    [ "$ASKED" = 4 ] || fail "dns-lookups 2: not two lookups: $ASKED"
dnsconf 3 > "$T/dns.conf"
RUN=$QUICK net "$T/dns.conf" advise $AS_OF --format json > "$T/advise"
[ "$(count "$T/advise" 'this run made its')" = 0 ] &&
    [ "$(count "$T/advise" 'DNS has no DMARC record at _dmarc.')" = 3 ] &&
    [ "$ASKED" = 6 ] || fail "dns-lookups 3: not three lookups: $ASKED"
dnsconf 0 > "$T/dns.conf"
offline "$T/dns.conf" advise $AS_OF --format json > "$T/advise"
[ "$(count "$T/advise" 'this run made its 0 lookups')" = 3 ] ||
    fail "dns-lookups 0"
offline "$T/dns.conf" digest $AS_OF --format text > /dev/null
dnsconf 1 > "$T/dns.conf"
net "$T/dns.conf" digest $AS_OF --format text > /dev/null
[ "$ASKED" = 2 ] || fail "digest, dns-lookups 1: $ASKED lookups"
# Without limits: the default, 50.
dnsconf 50 | grep -v '^limits' > "$T/dns.conf"
RUN=$QUICK net "$T/dns.conf" digest $AS_OF --format text > /dev/null
[ "$ASKED" = 6 ] || fail "digest: $ASKED lookups, not three"
echo ok
