#!/bin/bash
# sources.sh: dmarcdb sources, advise and export on reports written for
# each class and each rule (tests/e2e/fixtures.sh), against golden output
# (tests/golden/; UPDATE_GOLDEN=1 rewrites it), plus the figures that
# matter checked one by one.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixtures.sh"

fixtures "$T/r"
DMARCDB_CONFIG=$SRCDIR/tests/e2e/sources.conf
export DMARCDB_CONFIG
"$DMARCDB" -q --db "$DB" ingest "$T/r"
# A domain with reports, not configured: left out unless named.
mkdir "$T/r2"
report "$T/r2" google.com 7489 2026-02-27 domain=stray.example,p=none <<-EOF
$(good stray.example)
EOF
"$DMARCDB" -q --db "$DB" ingest "$T/r2"
AS_OF="--as-of 2026-03-01"


# json FILE PATH: a value from a JSON document, through SQLite.
json() {
	sqlite3 -batch -noheader :memory: \
	    "SELECT json_extract(readfile('$1'), '$2')"
}

golden sources.txt "$DMARCDB" --db "$DB" sources --by ip $AS_OF \
    --domain example.com --domain strict.example \
    --domain l3-nodkim.example
golden sources.csv "$DMARCDB" --db "$DB" sources --by ip $AS_OF --format csv \
    --domain example.com
golden sources.json "$DMARCDB" --db "$DB" sources --by ip $AS_OF --format json \
    --domain example.com
golden advise.txt "$DMARCDB" --db "$DB" advise $AS_OF --no-dns
golden advise.json "$DMARCDB" --db "$DB" advise $AS_OF --no-dns \
    --format json
golden export.csv "$DMARCDB" --db "$DB" export $AS_OF \
    --domain strict.example
"$DMARCDB" --db "$DB" export $AS_OF --format ndjson \
    --domain strict.example > "$T/export.ndjson"

# Valid JSON, all of it.
for f in sources.json advise.json; do
	[ "$(sqlite3 :memory: "SELECT json_valid(readfile('$T/$f'))")" = 1 ] ||
	    fail "$f is not valid JSON"
done
while read -r line; do
	printf '%s' "$line" > "$T/line"
	[ "$(sqlite3 :memory: "SELECT json_valid(readfile('$T/line'))")" = 1 ] ||
	    fail "export.ndjson: not JSON: $line"
done < "$T/export.ndjson"

# Each source of example.com in its class, for its reason.
S=$T/sources.csv
cls() {
	grep "^\"example.com\",\"$1\"," "$S" | cut -d, -f4
}
[ "$(cls 192.0.2.10)" = compliant ] || fail "our MTA"
[ "$(cls 198.51.100.20)" = compliant ] || fail "Mailchimp by DKIM"
[ "$(cls 203.0.113.30)" = misconfigured ] || fail "ESP not aligned"
[ "$(cls 192.0.2.40)" = misconfigured ] || fail "DKIM failing"
[ "$(cls 209.85.1.1)" = forwarded ] || fail "forwarded, DKIM intact"
[ "$(cls 209.85.2.2)" = forwarded ] || fail "mailing list"
[ "$(cls 185.1.1.1)" = unknown ] || fail "spoofing"
[ "$(cls 100.64.0.1)" = compliant ] || fail "passing, not configured"
grep -q '"203.0.113.30".*"ESP","no DKIM signature; SPF passes for bounces.esp.example but is not aligned with example.com: sign with DKIM d=example.com"' "$S" ||
    fail "reason for the ESP"
grep -q '"198.51.100.20".*"Mailchimp",' "$S" || fail "sender by DKIM rule"
grep -q '"100.64.0.1".*not a configured sender' "$S" ||
    fail "compliant but not configured"
# Messages and counts add up: 28 days of each.
[ "$(grep '"192.0.2.10"' "$S" | cut -d, -f5)" = $((28 * 500 + 14 * 100)) ] ||
    fail "messages of 192.0.2.10"
[ "$(json "$T/sources.json" '$.domains[0].totals.forwarded.messages')" = \
    $((28 * 5)) ] || fail "forwarded total"
[ "$(json "$T/sources.json" '$.domains[0].reporters')" = 2 ] ||
    fail "reporters"

# Strict DKIM alignment fails for a subdomain; relaxed SPF passes.
grep -q '^192.0.2.7 .*compliant.*SPF bounce.strict.example aligned' \
    "$T/sources.txt" || fail "strict DKIM, relaxed SPF"
grep -q '^192.0.2.8 .*misconfigured.*DKIM passes for d=mail.strict.example, not aligned with strict.example; SPF passes for other.example but is not aligned with strict.example: publish adkim=r (relaxed alignment, the default), or sign with DKIM d=strict.example$' \
    "$T/sources.txt" || fail "strict DKIM not aligned"
# Unconfigured: the domain is said to be.
grep -q '^classification unconfigured: no authorised senders for l3-nodkim.example' \
    "$T/sources.txt" || fail "unconfigured"

# Every ladder transition.
A=$T/advise.json
verdict() {
	sqlite3 -batch -noheader :memory: "SELECT
	    json_extract(value, '\$.verdict') || ' ' ||
	    json_extract(value, '\$.next_stage.number')
	    FROM json_each(readfile('$A'), '\$.domains')
	    WHERE json_extract(value, '\$.domain') = '$1'"
}
[ "$(verdict example.com)" = "hold 0" ] || fail "example.com: hold"
[ "$(verdict l0-advance.example)" = "advance 1" ] || fail "0 -> 1"
[ "$(verdict l0-young.example)" = "hold 0" ] || fail "young: hold"
[ "$(verdict l1-advance.example)" = "advance 3" ] || fail "1 -> 3"
[ "$(verdict l1-partial.example)" = "advance 2" ] || fail "1 -> 2"
[ "$(verdict l2-advance.example)" = "advance 3" ] || fail "2 -> 3"
[ "$(verdict l3-advance.example)" = "advance 4" ] || fail "3 -> 4"
[ "$(verdict l3-nodkim.example)" = "hold 3" ] || fail "DKIM gate"
[ "$(verdict l3-recent.example)" = "hold 3" ] || fail "days at stage"
[ "$(verdict l4-advance.example)" = "advance 5" ] || fail "4 -> 5"
[ "$(verdict l5-hold.example)" = "hold 5" ] || fail "last stage"
[ "$(verdict l5-stepback.example)" = "step back 4" ] || fail "step back"
V=$T/advise.txt
# The record published is not known: the tags to change, not a whole
# record that would leave rua= out.
grep -A1 '^  change      p=quarantine; pct=0; t=y; np=reject$' "$V" |
    grep -q 'in the record at _dmarc.l0-advance.example, keeping its other tags' ||
    fail "record for stage 1"
grep_none '_dmarc.l0-advance.example. IN TXT' "$V" ||
    fail "a whole record without rua="
grep -q '_dmarc.example.com. IN TXT "v=DMARC1; p=none; np=reject; fo=1; rua=mailto:dmarc@example.com"' \
    "$V" || fail "hold keeps the configured record's tags"
# notes DOMAIN KIND: its reasons, blockers, warnings or notes, a line each.
notes() {
	sqlite3 -batch -noheader :memory: "SELECT n.value
	    FROM json_each(readfile('$A'), '\$.domains') d,
	    json_each(d.value, '\$.$2') n
	    WHERE json_extract(d.value, '\$.domain') = '$1'"
}
notes l2-advance.example notes | grep -q '^RFC 9989 receivers ignore pct' ||
    fail "pct explained"
# (Read first: a failing query must fail, not pass as "no such note".)
n=$(notes l1-advance.example notes)
grep_none 'pct=0.*and t=y' <<< "$n" ||
    fail "no pct=0 note when the next record has no pct"
notes l0-advance.example notes | grep -q '^pct=0 (read by RFC 7489 receivers) and t=y (RFC 9989) both ask for one level less' ||
    fail "pct=0; t=y explained"
# Judged per sender (here the domain's own servers, two addresses):
# its total, and the address that lacks DKIM.
notes l3-nodkim.example blockers | grep -q '^l3-nodkim.example (2 addresses) signs 40.0% of its mail with aligned DKIM (need 99% before p=reject: RFC 9989 section 7.4); the largest source without it: 192.0.2.2$' ||
    fail "DKIM gate: $(notes l3-nodkim.example blockers)"
# Without senders, no further than stage 1: 0 -> 1 goes (l0-advance
# above), 3 holds whatever the pass rate, and says why.
notes l3-nodkim.example reasons | grep -q '^no senders are configured for l3-nodkim.example: dmarcdb cannot tell your mail from anyone' ||
    fail "unconfigured, held: $(notes l3-nodkim.example reasons)"
notes l3-nodkim.example warnings | grep -q 'forwarders or mailing lists (168 through lists): under p=reject' ||
    fail "mailing-list warning before reject"
notes subdomains.example warnings | grep -q 'before publishing np=reject, make sure every sending subdomain' ||
    fail "subdomains and np"
[ "$(sqlite3 -batch :memory: "SELECT json_extract(value, '\$.record.change')
    FROM json_each(readfile('$A'), '\$.domains')
    WHERE json_extract(value, '\$.domain') = 'subdomains.example'")" = \
    "p=quarantine; pct=0; t=y" ] || fail "no np=reject while subdomains send"
notes l3-recent.example blockers | grep -q '^8 days at this stage so far (need 14)' ||
    fail "days at the stage"
notes example.com blockers | grep -q '^ESP (203.0.113.30), 560 messages (2.5% of the mail): no DKIM signature' ||
    fail "misconfigured sender blocks"
notes l5-stepback.example reasons | grep -q 'below 95%: receivers reject the rest' ||
    fail "step back reason"

# A domain with reports but not configured: left out, counted, and
# advised when named.
grep_none -x 'stray.example' "$V" || fail "stray.example advised unasked"
grep -qx '1 other domain with reports, not configured: see dmarcdb domains' \
    "$V" || fail "stray.example not counted"
[ "$(json "$A" '$.other_domains')" = 1 ] || fail "other_domains"
"$DMARCDB" --db "$DB" advise $AS_OF --no-dns --domain stray.example \
    > "$T/stray"
grep -qx 'stray.example' "$T/stray" || fail "--domain stray.example"

# An authorised sender whose results neither pass nor align: the
# reason names them (it said "the reporters give no results").
mkdir "$T/ua"
report "$T/ua" google.com 7489 2026-02-27 domain=ua.example,p=none <<-EOF
203.0.113.31 20 ua.example none fail fail esp.example:s1:fail bounce.esp.example:mfrom:softfail -
203.0.113.32 20 ua.example none fail fail esp.example:s1:neutral bounce.esp.example:mfrom:none -
203.0.113.33 20 ua.example none fail fail esp.example:s1:fail bounce.esp.example:mfrom:fail -
203.0.113.34 20 ua.example none fail fail esp.example:s1:Bogus bounce.esp.example:mfrom:Bogus -
EOF
printf 'domain ua.example {\n\tsender "ESP" { ip 203.0.113.0/24; }\n}\n' \
    > "$T/ua.conf"
"$DMARCDB" -q --db "$T/ua.db" ingest "$T/ua"
"$DMARCDB" --db "$T/ua.db" --config "$T/ua.conf" sources --by ip $AS_OF \
    --format csv > "$T/ua.csv"
reason() {
	# The reason, after the sender, before 10 columns of identity.
	grep "^\"ua.example\",\"$1\"," "$T/ua.csv" |
	    sed -E 's/.*,"ESP",//; s/(,("[^"]*"|[^,"]*)){10}$//'
}
[ "$(reason 203.0.113.31)" = '"DKIM fails for d=esp.example, not aligned with ua.example; SPF result softfail for bounce.esp.example, not aligned with ua.example: sign with DKIM d=ua.example"' ] ||
    fail "unaligned failing results: $(reason 203.0.113.31)"
[ "$(reason 203.0.113.32)" = '"DKIM result neutral for d=esp.example, not aligned with ua.example; SPF result none for bounce.esp.example, not aligned with ua.example: sign with DKIM d=ua.example"' ] ||
    fail "unaligned neutral results: $(reason 203.0.113.32)"
[ "$(reason 203.0.113.33)" = '"DKIM fails for d=esp.example, not aligned with ua.example; SPF fails for bounce.esp.example, not aligned with ua.example: sign with DKIM d=ua.example"' ] ||
    fail "unaligned fail results: $(reason 203.0.113.33)"
# A value outside the schema is not repeated.
[ "$(reason 203.0.113.34)" = '"DKIM result unknown for d=esp.example, not aligned with ua.example; SPF result unknown for bounce.esp.example, not aligned with ua.example: sign with DKIM d=ua.example"' ] ||
    fail "results outside the schema: $(reason 203.0.113.34)"
grep_none 'give no' "$T/ua.csv" || fail "no results, it says"

# A domain without reports, asked for: said plainly.
"$DMARCDB" --db "$DB" advise $AS_OF --no-dns --domain none.example \
    > "$T/none"
grep -q 'no reports for this domain' "$T/none" || fail "no data"

# --class, and the window options.
"$DMARCDB" --db "$DB" sources --by ip $AS_OF --domain example.com --class unknown \
    --format csv > "$T/unknown.csv"
[ "$(wc -l < "$T/unknown.csv")" -eq 2 ] || fail "--class"
"$DMARCDB" --db "$DB" sources --by ip $AS_OF --domain example.com --days 7 \
    --format csv > "$T/week.csv"
[ "$(grep '"192.0.2.10"' "$T/week.csv" | cut -d, -f5)" = $((7 * 500)) ] ||
    fail "--days 7"
"$DMARCDB" --db "$DB" sources --by ip $AS_OF --domain example.com \
    --since 2026-02-27 --format csv > "$T/since.csv"
[ "$(grep '"192.0.2.10"' "$T/since.csv" | cut -d, -f5)" = $((2 * 500)) ] ||
    fail "--since"
expect_exit 2 "$DMARCDB" --db "$DB" sources --days 7 --since 2026-01-01 \
    2> /dev/null
expect_exit 2 "$DMARCDB" --db "$DB" sources --class nice 2> /dev/null
expect_exit 2 "$DMARCDB" --db "$DB" advise --format xml 2> /dev/null
expect_exit 2 "$DMARCDB" --db "$DB" export --as-of yesterday 2> /dev/null

# The export: one row per record, evaluated and classified.
[ "$(($(wc -l < "$T/export.csv") - 1))" -eq 18 ] || fail "export rows"
grep -c ',pass,0,1,compliant,' "$T/export.csv" | grep -qx 9 ||
    fail "export: SPF-only pass, compliant"
# And what names each source: its sender, as sources groups it, and
# the identity of its signature.
grep -c ',pass,0,1,compliant,"MTA","mail.strict.example",dkim,"",$' \
    "$T/export.csv" | grep -qx 9 || fail "export: identity columns"
[ "$(grep -c '"class":"compliant","sender":"MTA","auth_domain":"mail.strict.example","auth_kind":"dkim","ptr":null,"ptr_confirmed":null}$' \
    "$T/export.ndjson")" -gt 0 ] || fail "export.ndjson: no identity"
# A sender that is not configured: the catalogue's service, or the
# domain it authenticates as.
"$DMARCDB" --db "$DB" export $AS_OF --since 2026-02-28 --format ndjson \
    > "$T/day.ndjson"
grep -q '"source_ip":"198.51.100.20",.*"class":"compliant","sender":"Mailchimp",' \
    "$T/day.ndjson" || fail "export: a configured sender"
grep -q '"class":"unknown","sender":"(no passing authentication)",' \
    "$T/day.ndjson" || fail "export: spoofing's sender"
grep -q '"class":"forwarded","sender":"example.org",' "$T/day.ndjson" ||
    fail "export: a sender by the domain it authenticates as"
n=$("$DMARCDB" --db "$DB" export $AS_OF | wc -l)
m=$(sql "$DB" "SELECT count(*) FROM records c JOIN reports r ON
    r.id = c.report WHERE r.status = 'active'")
[ "$n" -eq $((m + 1)) ] || fail "export of everything: $n lines, $m records"
# A period: the records of the active reports that overlap it, in the
# order stored, each with its own results and evaluation (the export
# walks the period's reports one by one).
since=$(sql "$DB" "SELECT date(date_end, 'unixepoch') FROM reports
    WHERE status = 'active' ORDER BY date_end LIMIT 1
    OFFSET (SELECT count(*) / 2 FROM reports WHERE status = 'active')")
"$DMARCDB" --db "$DB" export $AS_OF --since "$since" --format ndjson \
    > "$T/period.ndjson"
got=$(sqlite3 :memory: "SELECT group_concat(json_extract(value, '\$.record')
    || '|' || json_array_length(value, '\$.dkim_results') || '|' ||
    json_array_length(value, '\$.spf_results') || '|' ||
    json_extract(value, '\$.dmarc'), ' ')
  FROM json_each('[' || replace(trim(readfile('$T/period.ndjson'),
    char(10)), char(10), ',') || ']')")
want=$(sql "$DB" "SELECT group_concat(x, ' ') FROM (SELECT c.id || '|' ||
    (SELECT count(*) FROM dkim_results d WHERE d.record = c.id) || '|' ||
    (SELECT count(*) FROM spf_results s WHERE s.record = c.id) || '|' ||
    CASE g.dmarc WHEN 1 THEN 'pass' ELSE 'fail' END AS x
  FROM records c JOIN reports r ON r.id = c.report
  JOIN auth_sigs g ON g.id = c.sig
  WHERE r.status = 'active' AND r.date_end >= unixepoch('$since')
    AND r.date_begin < unixepoch('2026-03-01') ORDER BY c.id) AS e")
[ -n "$want" ] && [ "$got" = "$want" ] ||
    fail "export since $since: $got, not $want"
[ "$(echo "$got" | wc -w)" -lt "$m" ] || fail "export since $since: all"

# The configuration, mirrored for analysts.
[ "$(sql "$DB" "SELECT group_concat(name, ',') FROM (SELECT name FROM
    config_senders WHERE domain = 'example.com' ORDER BY id) AS s")" = \
    "our MTA,Mailchimp,ESP" ] ||
    fail "config_senders"
[ "$(sql "$DB" "SELECT count(*) FROM v_source_senders WHERE
    sender = 'our MTA'")" -eq 2 ] || fail "v_source_senders"
[ "$(sql "$DB" "SELECT value FROM config_thresholds WHERE
    domain = 'l1-partial.example' AND name = 'partial-pct'")" = yes ] ||
    fail "config_thresholds"

# Configuration errors: file, line, and what was expected; exit 3.
printf 'domain example.com {\n\tsender "x" { ip 192.0.2.1/24; }\n}\n' \
    > "$T/bad.conf"
expect_exit 3 "$DMARCDB" --db "$DB" --config "$T/bad.conf" sources \
    2> "$T/err"
grep -q "bad.conf:2: '192.0.2.1/24': address bits set beyond the prefix (did you mean 192.0.2.0/24?)" \
    "$T/err" || fail "config error message: $(cat "$T/err")"
# A block that covers a large part of the internet: refused, unless
# the rule says "ip wide".
printf 'domain example.com {\n\tsender "x" {\n\t\tip ::/0;\n\t}\n}\n' \
    > "$T/wide.conf"
expect_exit 3 "$DMARCDB" --db "$DB" --config "$T/wide.conf" sources \
    2> "$T/err"
grep -q "wide.conf:3: '::/0': a block wider than /16 (IPv6) covers too much of the internet to be one sender's; write 'ip wide ...;' if you mean it" \
    "$T/err" || fail "::/0 accepted: $(cat "$T/err")"
printf 'domain example.com {\n\tsender "x" { ip 0.0.0.0/0; }\n}\n' \
    > "$T/wide.conf"
expect_exit 3 "$DMARCDB" --db "$DB" --config "$T/wide.conf" sources \
    2> "$T/err"
grep -q "wide.conf:2: '0.0.0.0/0': a block wider than /8 (IPv4)" \
    "$T/err" || fail "0.0.0.0/0 accepted: $(cat "$T/err")"
# Said on purpose, it is taken: every source of the domain is then
# that sender's, IPv4 by 0.0.0.0/0 alone.
printf 'domain example.com {\n\tsender "all" { ip wide 0.0.0.0/0 ::/0; }\n}\n' \
    > "$T/wide.conf"
"$DMARCDB" --db "$DB" --config "$T/wide.conf" sources --by ip $AS_OF \
    --domain example.com --format csv > "$T/wide.csv"
[ "$(grep -c ',"all",' "$T/wide.csv")" -eq 8 ] ||
    fail "ip wide: $(cat "$T/wide.csv")"
printf 'domain example.com {\n\tsender "v6" { ip wide ::/0; }\n}\n' \
    > "$T/wide.conf"
"$DMARCDB" --db "$DB" --config "$T/wide.conf" sources --by ip $AS_OF \
    --domain example.com --format csv > "$T/wide.csv"
[ "$(grep -c ',"v6",' "$T/wide.csv")" -eq 0 ] ||
    fail "::/0 holds IPv4 sources: $(cat "$T/wide.csv")"
[ "$(sql "$DB" "SELECT count(*) FROM v_source_senders WHERE
    sender = 'v6'")" -eq 0 ] || fail "v_source_senders: ::/0 holds IPv4"
expect_exit 3 "$DMARCDB" --db "$DB" --config "$T/missing.conf" advise \
    2> "$T/err"
grep -q "missing.conf: No such file or directory" "$T/err" ||
    fail "missing configuration"
echo ok
