#!/bin/bash
# advise-policy.sh: which policy advise takes as the one published, on
# reports written over several weeks (as of 2026-03-01, the window is
# 2026-01-30 to 2026-02-28): established reporters against bursts of
# forged reports from new names, genuine changes that the established
# reporters see, a reporter that lags, the record of the configuration,
# and the boundary of the span over which reporters are weighed
# (dmarcdb(1), ADVICE). tests/golden/advise-policy.txt holds the text of
# the forged cases (UPDATE_GOLDEN=1 rewrites it).
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/e2e/knot.sh"

R=$T/r
mkdir -p "$R"
MAR1=1772323200		# 2026-03-01T00:00:00Z
n=0

# rep ORG DAY DOMAIN P [PCT [T]]: one report of ORG about DOMAIN for one
# day, DAY days from 2026-03-01 (-1: 2026-02-28), with one record of 100
# messages passing DMARC. Written without a fork: there are many.
rep() {
	local org=$1 day=$2 dom=$3 p=$4 pct=${5:-} t=${6:-} begin ns
	begin=$((MAR1 + day * 86400))
	ns='<feedback>'
	[ -n "$t" ] && ns='<feedback xmlns="urn:ietf:params:xml:ns:dmarc-2.0">'
	n=$((n + 1))
	{
		printf '<?xml version="1.0" encoding="UTF-8"?>\n%s' "$ns"
		printf '<report_metadata><org_name>%s</org_name>' "$org"
		printf '<email>noreply-dmarc@%s</email>' "${org// /-}"
		printf '<report_id>%s-%s-%s</report_id>' "${org// /-}" "$dom" \
		    "$day"
		printf '<date_range><begin>%s</begin><end>%s</end>' "$begin" \
		    $((begin + 86399))
		printf '</date_range></report_metadata><policy_published>'
		printf '<domain>%s</domain><p>%s</p>' "$dom" "$p"
		[ -n "$pct" ] && printf '<pct>%s</pct>' "$pct"
		[ -n "$t" ] && printf '<testing>%s</testing>' "$t"
		printf '</policy_published><record><row>'
		printf '<source_ip>192.0.2.1</source_ip><count>100</count>'
		printf '<policy_evaluated><disposition>none</disposition>'
		printf '<dkim>pass</dkim><spf>pass</spf></policy_evaluated>'
		printf '</row><identifiers><header_from>%s</header_from>' "$dom"
		printf '</identifiers><auth_results><dkim><domain>%s</domain>' \
		    "$dom"
		printf '<selector>s1</selector><result>pass</result></dkim>'
		printf '<spf><domain>%s</domain><scope>mfrom</scope>' "$dom"
		printf '<result>pass</result></spf></auth_results></record>'
		printf '</feedback>\n'
	} > "$R/$n.xml"
}

# genuine DOMAIN P FIRST LAST [REPORTER...]: reports from FIRST to LAST
# (days from 2026-03-01), by the three established reporters unless
# others are named.
genuine() {
	local dom=$1 p=$2 first=$3 last=$4 d r
	shift 4
	[ $# -gt 0 ] || set -- google.com yahoo.com outlook.com
	for ((d = first; d <= last; d++)); do
		for r in "$@"; do
			rep "$r" "$d" "$dom" "$p"
		done
	done
}

# forged.example: 30 days of p=none from three established reporters,
# and on the newest day four reports from four names never seen before
# saying p=reject (the old rule, most reports of the newest day, took
# p=reject).
genuine forged.example none -30 -1
for f in f1.example f2.example f3.example f4.example; do
	rep "$f" -1 forged.example reject
done
# forgedq.example: the genuine policy is quarantine, five forgers say
# none.
genuine forgedq.example quarantine -30 -1
for f in f1.example f2.example f3.example f4.example f5.example; do
	rep "$f" -1 forgedq.example none
done
# ahead.example: the forgers date their reports a day that no genuine
# reporter has reported yet.
genuine ahead.example none -30 -2
for f in f1.example f2.example f3.example; do
	rep "$f" -1 ahead.example reject
done
# many.example: a hundred one-day names outweigh three reporters of 30
# days only when weights add up linearly (100 > 90); they are squared.
genuine many.example none -30 -1
for ((i = 1; i <= 100; i++)); do
	rep "m$i.example" -1 many.example reject
done
# names.example: what a forger chooses to be called, and a p that is
# not one, are not printed as they are.
genuine names.example none -30 -1
rep $'evil\xe2\x80\xaetxt.example' -1 names.example reject
rep 'Bad &lt;b&gt;Name' -1 names.example reject
rep f1.example -1 names.example 'quarantine;pct=0'

# change.example: the three established reporters all see a change on
# the newest day: it is followed at once.
genuine change.example none -30 -2
genuine change.example quarantine -1 -1
# lag.example: two of the three see the change, the third still reports
# the old policy that day.
genuine lag.example none -30 -2
genuine lag.example quarantine -1 -1 google.com yahoo.com
rep outlook.com -1 lag.example none
# behind.example: two see the change two days ago; the third has not
# reported the newest day yet, and its newest report is the old policy.
genuine behind.example none -30 -3
genuine behind.example quarantine -2 -1 google.com yahoo.com
rep outlook.com -2 behind.example none
# alone.example: one established reporter alone says quarantine on the
# newest day: it does not flip the policy; when the others see it the
# next day (as of 2026-03-02), it is followed.
genuine alone.example none -30 -2
rep google.com -1 alone.example quarantine
rep yahoo.com -1 alone.example none
rep outlook.com -1 alone.example none
genuine alone.example quarantine 0 0

# configured.example: the configuration says p=quarantine (changed
# today); every reporter still saw p=none.
genuine configured.example none -30 -1
# confforged.example: four forgers with reports backdated over 30 days
# outweigh the three genuine reporters; the configured record holds.
genuine confforged.example none -30 -1
genuine confforged.example reject -30 -1 f1.example f2.example \
    f3.example f4.example
# backdated.example: the same without a configured record: the forgers
# win, and the output says that the reporters disagree.
genuine backdated.example none -30 -1
genuine backdated.example reject -30 -1 f1.example f2.example \
    f3.example f4.example

# The record in DNS (answered by a private Knot DNS server): dns.example
# publishes p=reject while every reporter still saw p=none;
# dnsforged.example publishes p=none and forgers with backdated reports
# outweigh the genuine reporters; nodns.example has no record.
genuine dns.example none -30 -1
genuine dnsforged.example none -30 -1
genuine dnsforged.example reject -30 -1 f1.example f2.example \
    f3.example f4.example
genuine nodns.example quarantine -30 -1

# The span of 30 days to the newest report: day -30 counts, day -31
# does not. span-in: quarantine on 30 days (-30..-1, 900) against none
# on 29 days (-29..-1, 841): quarantine. span-out: quarantine on 31
# days (-31..-1, still 900) against none on 30 (-30..-1, 900): a tie,
# which keeps the lower stage.
genuine span-in.example quarantine -30 -1 a.example
genuine span-in.example none -29 -1 b.example
genuine span-out.example quarantine -31 -1 a.example
genuine span-out.example none -30 -1 b.example

cat > "$T/conf" <<-EOF
thresholds {
	window 30;
	min-days 14;
	min-messages 100;
	pass 99;
}
domain configured.example {
	record "v=DMARC1; p=quarantine; rua=mailto:d@configured.example";
}
domain confforged.example {
	record "v=DMARC1; p=none; rua=mailto:d@confforged.example";
}
EOF
# Every domain of the scenarios is ours: advise covers configured
# domains only.
for d in ahead alone backdated behind change dns dnsforged forged \
    forgedq lag many names nodns span-in span-out; do
	printf 'domain %s.example { }\n' "$d" >> "$T/conf"
done
DMARCDB_CONFIG=$T/conf
export DMARCDB_CONFIG
"$DMARCDB" -q --db "$DB" ingest "$R"

"$DMARCDB" --db "$DB" advise --as-of 2026-03-01 --no-dns --format json \
    > "$T/a.json"
"$DMARCDB" --db "$DB" advise --as-of 2026-03-01 --no-dns > "$T/a.txt"
[ "$(sqlite3 :memory: "SELECT json_valid(readfile('$T/a.json'))")" = 1 ] ||
    fail "advise JSON is not valid"

# get DOMAIN PATH: a value of the domain's advice.
get() {
	sqlite3 -batch -noheader :memory: "SELECT
	    json_extract(value, '\$.$2')
	    FROM json_each(readfile('$T/a.json'), '\$.domains')
	    WHERE json_extract(value, '\$.domain') = '$1'"
}
# policy DOMAIN: "stage days source" of the domain's current policy.
policy() {
	echo "$(get "$1" stage.number) $(get "$1" stage.days)" \
	    "$(get "$1" policy.source)"
}
# section DOMAIN: the domain's text.
section() {
	sed -n "/^$1\$/,/^\$/p" "$T/a.txt"
}
# says DOMAIN TEXT: the domain's text has TEXT, its lines joined (grep
# reads a file: no pipe to cut short).
says() {
	section "$1" | tr '\n' ' ' | tr -s ' ' > "$T/flat"
	grep -qF -- "$2" "$T/flat"
}

[ "$(policy forged.example)" = "0 30 reports" ] ||
    fail "forged.example: $(policy forged.example)"
[ "$(get forged.example verdict)" = advance ] ||
    fail "forged.example: $(get forged.example verdict)"
says forged.example ' disagree - reporters disagree on the published policy; the advice follows p=none (stage 0, monitor), seen by the reporters with the longest record' ||
    fail "forged.example: no disagreement said"
says forged.example 'p=reject (stage 5, reject): 4 reporters with 4 days of reports (4 with one day only), newest 2026-02-28: f1.example, f2.example, f3.example and 1 more' ||
    fail "forged.example: which reporters saw p=reject"
says forged.example 'p=none (stage 0, monitor): 3 reporters with 90 days of reports, newest 2026-02-28: google.com, outlook.com, yahoo.com' ||
    fail "forged.example: which reporters saw p=none"
[ "$(policy forgedq.example)" = "3 30 reports" ] ||
    fail "forgedq.example: $(policy forgedq.example)"
[ "$(policy ahead.example)" = "0 29 reports" ] ||
    fail "ahead.example: $(policy ahead.example)"
[ "$(get ahead.example policy.day)" = 2026-02-27 ] ||
    fail "ahead.example: the day of the policy"
[ "$(policy many.example)" = "0 30 reports" ] ||
    fail "many.example: $(policy many.example)"
[ "$(get many.example 'policy.votes[1].reporters')" = 100 ] ||
    fail "many.example: the forgers' vote"

# Names and values the reports chose: only checked ones are printed.
section names.example > "$T/names"
grep -q '(a name not shown)' "$T/names" || fail "names: not hidden"
grep_none 'evil\|<b>\|bad' "$T/names" || fail "names: printed as written"
grep_none $'\xe2\x80\xae' "$T/a.txt" || fail "a bidi override printed"
says names.example 'a p that is not none, quarantine or reject (read as stage 0, monitor): 1 reporter with 1 day of reports (1 with one day only), newest 2026-02-28: f1.example' ||
    fail "names: an invalid p"
grep_none 'quarantine;pct' "$T/names" || fail "names: p printed as written"
[ "$(policy names.example)" = "0 30 reports" ] ||
    fail "names.example: $(policy names.example)"

# Genuine changes are followed when the established reporters see them.
[ "$(policy change.example)" = "3 1 reports" ] ||
    fail "change.example: $(policy change.example)"
[ "$(get change.example 'policy.votes[1]')" = "" ] ||
    fail "change.example: a disagreement"
[ "$(policy lag.example)" = "3 1 reports" ] ||
    fail "lag.example: $(policy lag.example)"
says lag.example 'p=none (stage 0, monitor): 1 reporter with 30 days of reports, newest 2026-02-28: outlook.com' ||
    fail "lag.example: the lagging reporter named"
[ "$(policy behind.example)" = "3 2 reports" ] ||
    fail "behind.example: $(policy behind.example)"
[ "$(get behind.example stage.since)" = 2026-02-27 ] ||
    fail "behind.example: since $(get behind.example stage.since)"
[ "$(policy alone.example)" = "0 30 reports" ] ||
    fail "alone.example: $(policy alone.example)"
"$DMARCDB" --db "$DB" advise --as-of 2026-03-02 --no-dns --format json \
    --domain alone.example > "$T/a2.json"
[ "$(sqlite3 :memory: "SELECT json_extract(readfile('$T/a2.json'),
    '\$.domains[0].stage.number') || ' ' ||
    json_extract(readfile('$T/a2.json'), '\$.domains[0].stage.since')")" = \
    "3 2026-03-01" ] || fail "alone.example, a day later"

# The configured record is what the advice rests on.
[ "$(policy configured.example)" = "3 0 configuration" ] ||
    fail "configured.example: $(policy configured.example)"
[ "$(get configured.example stage.since)" = "" ] ||
    fail "configured.example: a day at a stage not seen"
[ "$(get configured.example verdict)" = hold ] ||
    fail "configured.example: $(get configured.example verdict)"
section configured.example > "$T/conf.txt"
grep -q '^              from the record in the configuration; no reporter.s newest reports show stage 3 yet$' \
    "$T/conf.txt" || fail "configured.example: where the policy comes from"
grep -q '^  stage       3 quarantine, not yet seen in the reports$' \
    "$T/conf.txt" || fail "configured.example: stage"
grep -q '0 days at this stage so far (need 14)' "$T/conf.txt" ||
    fail "configured.example: days at the stage"
says configured.example 'the reporters with the most days of reports saw p=none (stage 0, monitor) in their newest reports (2026-02-28), but the record in the configuration has stage 3, quarantine: the advice rests on the record in the configuration' ||
    fail "configured.example: the reporters' view"
[ "$(policy confforged.example)" = "0 30 configuration" ] ||
    fail "confforged.example: $(policy confforged.example)"
says confforged.example 'reporters disagree on the published policy; the advice rests on the record in the configuration' ||
    fail "confforged.example: disagreement"
says backdated.example 'p=none (stage 0, monitor): 3 reporters with 90 days of reports' ||
    fail "backdated.example: disagreement"

# The record in DNS, when there is one, is what the advice rests on.
# nodns.example has none (NXDOMAIN).
knot_zone example <<-EOF
_dmarc.dns TXT "v=DMARC1; p=reject; rua=mailto:d@dns.example"
_dmarc.dnsforged TXT "v=DMARC1; p=none"
s1._domainkey.dns TXT $DKIM_KEY
s1._domainkey.dnsforged TXT $DKIM_KEY
s1._domainkey.nodns TXT $DKIM_KEY
EOF
knot_start
# indns DOMAIN: advise on DOMAIN, asking the server: its DMARC record,
# and for the DNS audit its SPF record and the key of s1, which signs
# its passing mail (three queries).
indns() {
	local q0
	q0=$(knot_queries)
	DMARCDB_RESOLVER=127.0.0.1:$KNOT_PORT "$DMARCDB" --db "$DB" advise \
	    --as-of 2026-03-01 --domain "$1" > "$T/${1%.example}.txt"
	[ $(( $(knot_queries) - q0 )) = 3 ] || fail "$1: not three queries"
}
indns dns.example
indns dnsforged.example
indns nodns.example
grep -q '^  policy      p=reject$' "$T/dns.txt" || fail "dns.example: policy"
grep -q '^              from the record in DNS; no reporter.s newest reports show stage 5 yet$' \
    "$T/dns.txt" || fail "dns.example: where the policy comes from"
grep -q '^  stage       5 reject, not yet seen in the reports$' \
    "$T/dns.txt" || fail "dns.example: stage"
grep -q '^  instead of  _dmarc.dns.example. IN TXT "v=DMARC1; p=reject; rua=mailto:d@dns.example"$' \
    "$T/dns.txt" || fail "dns.example: the record"
grep -q '^  policy      p=none$' "$T/dnsforged.txt" ||
    fail "dnsforged.example: policy"
grep -q '^              from the record in DNS; stage 0 seen by 3 of 7 reporters' \
    "$T/dnsforged.txt" || fail "dnsforged.example: where the policy comes from"
tr '\n' ' ' < "$T/dnsforged.txt" | tr -s ' ' > "$T/flat"
grep -qF 'reporters disagree on the published policy; the advice rests on the record in DNS' \
    "$T/flat" || fail "dnsforged.example: disagreement"
grep -q '^  stage       0 monitor, for 30 days (since 2026-01-30)$' \
    "$T/dnsforged.txt" || fail "dnsforged.example: stage"
grep -q '^              seen by 3 of 3 reporters in their newest reports' \
    "$T/nodns.txt" || fail "nodns.example: from the reports"
grep -q 'DNS has no DMARC record at _dmarc.nodns.example' "$T/nodns.txt" ||
    fail "nodns.example: no record said"

# The span's boundary.
[ "$(policy span-in.example)" = "3 30 reports" ] ||
    fail "span-in.example: $(policy span-in.example)"
[ "$(policy span-out.example)" = "0 30 reports" ] ||
    fail "span-out.example: $(policy span-out.example)"
says span-out.example 'they weigh the same, and the lower stage is kept' ||
    fail "span-out.example: the tie said"
says span-in.example 'weigh the same' &&
    fail "span-in.example: a tie said"

# The text of the forged cases, as a whole.
for d in forged.example ahead.example configured.example; do
	section "$d"
done > "$T/advise-policy.txt"
if [ -n "${UPDATE_GOLDEN:-}" ]; then
	cp "$T/advise-policy.txt" "$SRCDIR/tests/golden/advise-policy.txt"
fi
diff -u "$SRCDIR/tests/golden/advise-policy.txt" "$T/advise-policy.txt" ||
    fail "advise-policy.txt differs from tests/golden/advise-policy.txt"
echo ok
