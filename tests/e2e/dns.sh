#!/bin/bash
# dns.sh: advise looks up the published DMARC record (_dmarc.DOMAIN TXT)
# in DNS, asking a private Knot DNS server on 127.0.0.1 through the
# resolver of the configuration: a record found and used (its rua= and
# other tags kept), one split in two strings, NXDOMAIN, only other TXT
# records, two DMARC records, an invalid record (never copied forward),
# SERVFAIL (a broken zone), REFUSED (a zone the server does not have),
# a black hole that never answers (bounded: advise finishes and says
# DNS was unavailable, asking a dead resolver once a run), a closed
# port; the record of the configuration first (DNS not asked),
# $DMARCDB_RESOLVER over the configuration, and --no-dns asking
# nothing. Text and JSON. (dmarcdb(1), ADVICE.)
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/e2e/knot.sh"

R=$T/r
mkdir "$R"
MAR1=1772323200		# 2026-03-01T00:00:00Z

# rep DOMAIN: 30 days of reports (one reporter, p=none) of 100 messages
# a day, all passing DMARC.
rep() {
	local d begin
	for ((d = -30; d <= -1; d++)); do
		begin=$((MAR1 + d * 86400))
		{
			printf '<?xml version="1.0"?>\n<feedback>'
			printf '<report_metadata><org_name>google.com</org_name>'
			printf '<email>noreply@google.com</email>'
			printf '<report_id>%s-%s</report_id>' "$1" "$d"
			printf '<date_range><begin>%s</begin><end>%s</end>' \
			    "$begin" $((begin + 86399))
			printf '</date_range></report_metadata>'
			printf '<policy_published><domain>%s</domain>' "$1"
			printf '<p>none</p></policy_published><record><row>'
			printf '<source_ip>192.0.2.1</source_ip><count>100'
			printf '</count><policy_evaluated><disposition>none'
			printf '</disposition><dkim>pass</dkim><spf>pass</spf>'
			printf '</policy_evaluated></row><identifiers>'
			printf '<header_from>%s</header_from>' "$1"
			printf '</identifiers><auth_results><dkim><domain>%s' "$1"
			printf '</domain><selector>s1</selector><result>pass'
			printf '</result></dkim><spf><domain>%s</domain>' "$1"
			printf '<result>pass</result></spf></auth_results>'
			printf '</record></feedback>\n'
		} > "$R/$1.$d.xml"
	done
}

DOMAINS="found.dns.test split.dns.test nx.dns.test other.dns.test
two.dns.test bad.dns.test servfail.test refused.test"
for d in $DOMAINS conf.dns.test; do
	rep "$d"
done
"$DMARCDB" -q --db "$DB" ingest "$R"

# The zones. found: a record with every kind of tag, beside a TXT
# record that is not DMARC; split: a record in two strings; nx: no
# name; other: TXT records, none DMARC; two: two DMARC records; bad: p
# is not a policy; conf: a record that the configuration's wins over.
knot_zone dns.test <<'EOF'
_dmarc.found TXT "v=DMARC1; p=quarantine; pct=50; sp=reject; adkim=s; rua=mailto:agg@found.dns.test,mailto:x@rua.example; ruf=mailto:f@found.dns.test; fo=1; ri=3600"
_dmarc.found TXT "site-verification=abc123"
_dmarc.split TXT "v=DMARC1; p=reject; rua=mai" "lto:agg@split.dns.test"
_dmarc.other TXT "v=spf1 -all"
_dmarc.other TXT "v=DMARC10; p=reject"
_dmarc.two TXT "v=DMARC1; p=none; rua=mailto:a@two.dns.test"
_dmarc.two TXT "v=DMARC1; p=reject; rua=mailto:b@two.dns.test"
_dmarc.bad TXT "v=DMARC1; p=maybe; rua=mailto:agg@bad.dns.test"
_dmarc.conf TXT "v=DMARC1; p=reject; rua=mailto:dns@conf.dns.test"
EOF
# The key of selector s1, which signs each domain's passing mail: there,
# so that advise's DNS audit blocks nothing here (advise-dns.sh).
for d in found split nx other two bad conf; do
	echo "s1._domainkey.$d TXT $DKIM_KEY"
done >> "$KZ/dns.test.zone"
knot_broken servfail.test
knot_start
black_hole
closed_port udp
CLOSED=$CLOSED_PORT

cat > "$T/conf" <<EOF
resolver 127.0.0.1:$KNOT_PORT;
domain conf.dns.test {
	record "v=DMARC1; p=none; rua=mailto:conf@conf.dns.test";
}
EOF
for d in $DOMAINS; do
	printf 'domain %s { }\n' "$d" >> "$T/conf"
done
DMARCDB_CONFIG=$T/conf
export DMARCDB_CONFIG
unset DMARCDB_RESOLVER

# index NAME: what the checks read of $T/NAME.json, in one query, into
# $T/NAME.idx: "DOMAIN<tab>KEY<tab>VALUE" lines, KEY being w (a warning,
# a line each), source and current (of the record the advice rests on),
# next (the record to publish) and policy (where the policy is from).
index() {
	local d="json_each(readfile('$T/$1.json'), '\$.domains')"
	sqlite3 -batch -noheader -separator "$(printf '\t')" :memory: "
	    SELECT json_extract(d.value, '\$.domain'), 'w', w.value
	      FROM $d d, json_each(d.value, '\$.warnings') w
	    UNION ALL SELECT json_extract(value, '\$.domain'), 'source',
	      json_extract(value, '\$.record.source') FROM $d
	    UNION ALL SELECT json_extract(value, '\$.domain'), 'current',
	      json_extract(value, '\$.record.current') FROM $d
	    UNION ALL SELECT json_extract(value, '\$.domain'), 'next',
	      json_extract(value, '\$.record.next') FROM $d
	    UNION ALL SELECT json_extract(value, '\$.domain'), 'policy',
	      json_extract(value, '\$.policy.source') FROM $d" > "$T/$1.idx"
}
# advise NAME [ARGS...]: advise as of 2026-03-01 into $T/NAME.txt and
# $T/NAME.json (indexed); how many queries the server got in $ASKED.
advise() {
	local n=$1 q0
	shift
	q0=$(knot_queries)
	"$DMARCDB" --db "$DB" advise --as-of 2026-03-01 "$@" > "$T/$n.txt"
	"$QUICK" --db "$DB" advise --as-of 2026-03-01 --format json "$@" \
	    > "$T/$n.json"
	ASKED=$(( $(knot_queries) - q0 ))
	index "$n"
}
# get NAME DOMAIN KEY: a value of the domain's advice in $T/NAME.idx.
get() {
	awk -F '\t' -v d="$2" -v k="$3" '$1 == d && $2 == k { print $3 }' \
	    "$T/$1.idx"
}
# section NAME DOMAIN: the domain's text in $T/NAME.txt.
section() {
	sed -n "/^$2\$/,/^\$/p" "$T/$1.txt"
}

# warned NAME DOMAIN TEXT: TEXT is one of the domain's warnings, in
# JSON (whole) and in the text (wrapped), if there is one.
warned() {
	get "$1" "$2" w > "$T/w"
	grep -qxF -- "$3" "$T/w" || fail "$2 ($1): no warning '$3' in JSON:" \
	    "$(cat "$T/w")"
	[ -e "$T/$1.txt" ] || return 0
	section "$1" "$2" | tr '\n' ' ' | tr -s ' ' > "$T/flat"
	grep -qF -- "- $3" "$T/flat" || fail "$2 ($1): no warning '$3' in" \
	    "text: $(section "$1" "$2")"
}
# line NAME DOMAIN LINE: LINE is a line of the domain's text.
line() {
	section "$1" "$2" > "$T/s"
	grep -qxF -- "$3" "$T/s" || fail "$2 ($1): no line '$3':" \
	    "$(cat "$T/s")"
}
# rests NAME DOMAIN SOURCE CURRENT: the advice rests on SOURCE's record
# (DNS, configuration or reports), CURRENT ("" for none).
rests() {
	[ "$(get "$1" "$2" source)" = "$3" ] &&
	    [ "$(get "$1" "$2" current)" = "$4" ] ||
	    fail "$2 ($1): the record of $(get "$1" "$2" source):" \
	    "$(get "$1" "$2" current), not $3: $4"
}
# unknown NAME DOMAIN: what advise says when no record is known.
unknown() {
	warned "$1" "$2" 'the record published is not known here (not in the configuration, not from DNS) and the reports do not show where reports go: change only the tags below in the record you publish, so that its rua= stays, or put that record in the configuration (record "...";)'
	line "$1" "$2" '  change      p=quarantine; pct=0; t=y; np=reject'
}

# --- Every configured domain: one lookup each, but conf.dns.test ------
# Each domain also has its SPF record and the key of s1 looked up (the
# DNS audit of advise): 3 queries a domain, 2 for conf.dns.test.
advise all
[ "$ASKED" = 52 ] || fail "all: $ASKED queries, not 26 a run"
grep -q '^{"as_of":"2026-03-01","domains":\[$' "$T/all.json" ||
    fail "all: not JSON: $(head -c 200 "$T/all.json")"

# Found: the advice rests on it, and keeps its rua=, ruf= and other
# tags; the TXT record beside it that is not DMARC is passed over.
F='v=DMARC1; p=quarantine; sp=reject; pct=50; adkim=s; fo=1; ri=3600; rua=mailto:agg@found.dns.test,mailto:x@rua.example; ruf=mailto:f@found.dns.test'
rests all found.dns.test DNS "$F"
[ "$(get all found.dns.test policy)" = DNS ] ||
    fail "found: the policy from $(get all found.dns.test policy)"
[ "$(get all found.dns.test next)" = 'v=DMARC1; p=quarantine; sp=reject; np=reject; pct=25; adkim=s; fo=1; ri=3600; rua=mailto:agg@found.dns.test,mailto:x@rua.example; ruf=mailto:f@found.dns.test' ] ||
    fail "found: next $(get all found.dns.test next)"
line all found.dns.test '  policy      p=quarantine; sp=reject; pct=50; adkim=s; fo=1'
line all found.dns.test "              from the record in DNS; no reporter's newest reports show stage 2 yet"
line all found.dns.test '  stage       2 partial quarantine, not yet seen in the reports'
line all found.dns.test '  publish     _dmarc.found.dns.test. IN TXT "v=DMARC1; p=quarantine; sp=reject; np=reject; pct=25; adkim=s; fo=1; ri=3600; rua=mailto:agg@found.dns.test,mailto:x@rua.example; ruf=mailto:f@found.dns.test"'
line all found.dns.test "  instead of  _dmarc.found.dns.test. IN TXT \"$F\""
line all found.dns.test '              (the record in the DNS)'
warned all found.dns.test 'the reporters with the most days of reports saw p=none (stage 0, monitor) in their newest reports (2026-02-28), but the record in DNS has stage 2, partial quarantine: the advice rests on the record in DNS. Receivers report a change within a day or two; if this lasts, check that the record this host sees in DNS is the one the internet sees'
grep_none 'site-verification' "$T/all.txt" "$T/all.json" ||
    fail "found: a TXT record that is not DMARC was used"

# Split in two strings: joined.
rests all split.dns.test DNS 'v=DMARC1; p=reject; rua=mailto:agg@split.dns.test'
line all split.dns.test '  policy      p=reject'
line all split.dns.test '  publish     _dmarc.split.dns.test. IN TXT "v=DMARC1; p=reject; np=reject; rua=mailto:agg@split.dns.test"'
line all split.dns.test '  instead of  _dmarc.split.dns.test. IN TXT "v=DMARC1; p=reject; rua=mailto:agg@split.dns.test"'

# No such name, and only TXT records that are not DMARC (v=DMARC10 is
# not DMARC1): no record.
for d in nx other; do
	rests all $d.dns.test reports ''
	warned all $d.dns.test "DNS has no DMARC record at _dmarc.$d.dns.test: the advice rests on the reports"
	unknown all $d.dns.test
	line all $d.dns.test '              seen by 1 of 1 reporter in their newest reports (2026-02-28): 1 report, 0 in RFC 9990 form'
done
grep_none 'DMARC10\|spf1' "$T/all.txt" "$T/all.json" ||
    fail "other: a record that is not DMARC1 was printed"

# Two DMARC records: receivers apply neither (RFC 7489, 6.6.3), and so
# does the advice.
rests all two.dns.test reports ''
warned all two.dns.test '_dmarc.two.dns.test holds 2 DMARC records: receivers apply none of them until only one is left: the advice rests on the reports'
unknown all two.dns.test
grep_none '[ab]@two' "$T/all.txt" "$T/all.json" ||
    fail "two: one of the records was printed"

# Invalid: named, never copied forward.
rests all bad.dns.test reports ''
warned all bad.dns.test 'the DMARC record in DNS at _dmarc.bad.dns.test is not usable (tag p: expected none, quarantine or reject): receivers ignore it; fix it first (the advice rests on the reports)'
unknown all bad.dns.test
grep_none 'maybe\|agg@bad' "$T/all.txt" "$T/all.json" ||
    fail "bad: the invalid record was printed"

# SERVFAIL (a zone that does not load) and REFUSED (a zone the server
# does not have): DNS unavailable, said with the name and the answer.
rests all servfail.test reports ''
warned all servfail.test "DNS unavailable: _dmarc.servfail.test: SERVFAIL (the server failed) from 127.0.0.1:$KNOT_PORT: the advice rests on the reports"
unknown all servfail.test
rests all refused.test reports ''
warned all refused.test "DNS unavailable: _dmarc.refused.test: REFUSED (the server would not answer) from 127.0.0.1:$KNOT_PORT: the advice rests on the reports"
unknown all refused.test

# The record of the configuration comes first: DNS is not asked for it
# (only for the SPF record and the key of s1, advise's DNS audit).
rests all conf.dns.test configuration 'v=DMARC1; p=none; rua=mailto:conf@conf.dns.test'
line all conf.dns.test '              (the record in the configuration)'
grep_none 'dns@conf' "$T/all.txt" "$T/all.json" ||
    fail "conf: the record in DNS was used"
advise conf --domain conf.dns.test
[ "$ASKED" = 4 ] || fail "conf: $ASKED queries, not 2 a run"
rests conf conf.dns.test configuration 'v=DMARC1; p=none; rua=mailto:conf@conf.dns.test'
line conf conf.dns.test "              from the record in the configuration; stage 0 seen by 1 of 1 reporter in their newest reports (2026-02-28)"

# --no-dns: nothing asked; the record is not known.
advise nodns --no-dns --domain found.dns.test
[ "$ASKED" = 0 ] || fail "--no-dns: $ASKED queries"
rests nodns found.dns.test reports ''
unknown nodns found.dns.test
grep_none 'DNS unavailable\|DNS has no' "$T/nodns.txt" ||
    fail "--no-dns: $(cat "$T/nodns.txt")"

# $DMARCDB_RESOLVER wins over the configuration's resolver.
printf 'resolver 127.0.0.1:%s;\n' "$BH_PORT" > "$T/bh.conf"
grep -v '^resolver' "$T/conf" >> "$T/bh.conf"
DMARCDB_RESOLVER=127.0.0.1:$KNOT_PORT DMARCDB_CONFIG=$T/bh.conf \
    advise env --domain found.dns.test
[ "$ASKED" = 6 ] || fail "\$DMARCDB_RESOLVER: $ASKED queries"
rests env found.dns.test DNS "$F"

# A black hole: no answer, ever. The lookup gives up after the
# resolver's timeout (2 s by default) times 2 tries: advise finishes
# and says DNS was unavailable. (Under memcheck, dmarcdb itself is slow:
# only the plain run checks how long it took.)
slack=0
[ "${VALGRIND:-0}" = 1 ] && slack=60000
t0=$EPOCHREALTIME
DMARCDB_CONFIG=$T/bh.conf timeout 30 "$DMARCDB" --db "$DB" advise \
    --as-of 2026-03-01 --domain found.dns.test --format json > "$T/bh.json" ||
    fail "black hole: exit $?"
t1=$EPOCHREALTIME
ms=$(( (${t1/./} - ${t0/./}) / 1000 ))
[ "$ms" -ge 4000 ] && [ "$ms" -lt $((9000 + slack)) ] ||
    fail "black hole: $ms ms, not 4 s and a little"
index bh
rests bh found.dns.test reports ''
warned bh found.dns.test "DNS unavailable: _dmarc.found.dns.test: no answer from 127.0.0.1:$BH_PORT in 4000 ms: the advice rests on the reports"
# Many domains: the dead resolver is waited for once (resolver-timeout
# 300: 600 ms), the others are not asked, and say why.
printf 'resolver-timeout 300;\n' >> "$T/bh.conf"
t0=$EPOCHREALTIME
DMARCDB_CONFIG=$T/bh.conf timeout 30 "$DMARCDB" --db "$DB" advise \
    --as-of 2026-03-01 --format json > "$T/bh2.json" ||
    fail "black hole, every domain: exit $?"
t1=$EPOCHREALTIME
ms=$(( (${t1/./} - ${t0/./}) / 1000 ))
[ "$ms" -lt $((5000 + slack)) ] ||
    fail "black hole, every domain: $ms ms"
DMARCDB_CONFIG=$T/bh.conf "$QUICK" --db "$DB" advise --as-of 2026-03-01 \
    > "$T/bh2.txt"
index bh2
first=bad.dns.test
warned bh2 $first "DNS unavailable: _dmarc.$first: no answer from 127.0.0.1:$BH_PORT in 600 ms: the advice rests on the reports"
for d in found.dns.test split.dns.test nx.dns.test servfail.test; do
	warned bh2 $d "DNS unavailable: _dmarc.$d: not looked up, as 127.0.0.1:$BH_PORT gave no answer in 600 ms to an earlier lookup of this run: the advice rests on the reports"
	rests bh2 $d reports ''
done
rests bh2 conf.dns.test configuration 'v=DMARC1; p=none; rua=mailto:conf@conf.dns.test'

# A closed port: refused at once, for each domain.
closed_port udp
CLOSED=$CLOSED_PORT
t0=$EPOCHREALTIME
DMARCDB_RESOLVER=127.0.0.1:$CLOSED timeout 30 "$DMARCDB" --db "$DB" advise \
    --as-of 2026-03-01 --domain found.dns.test --domain nx.dns.test \
    --format json > "$T/closed.json" || fail "closed port: exit $?"
t1=$EPOCHREALTIME
DMARCDB_RESOLVER=127.0.0.1:$CLOSED "$QUICK" --db "$DB" advise \
    --as-of 2026-03-01 --domain found.dns.test --domain nx.dns.test \
    > "$T/closed.txt"
index closed
for d in found.dns.test nx.dns.test; do
	warned closed $d "DNS unavailable: _dmarc.$d: connection refused by 127.0.0.1:$CLOSED: the advice rests on the reports"
done

# The digest asks the same resolver, as advise does (three queries a
# domain, two for conf.dns.test), from its threads.
q0=$(knot_queries)
"$DMARCDB" --db "$DB" digest --as-of 2026-03-01 --format text \
    > "$T/digest.txt"
[ $(( $(knot_queries) - q0 )) = 26 ] ||
    fail "digest: $(( $(knot_queries) - q0 )) queries, not 26"
echo ok
