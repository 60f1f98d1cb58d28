#!/bin/bash
# values.sh: what the values of a report, the configuration or DNS can
# do to the record dmarcdb tells the admin to publish, and to what it
# stores and prints. Forged policy values never reach a record and are
# kept as raw_* only; records from the configuration or DNS with a
# value that is not DMARC grammar (or a control byte) are refused with
# a warning; zone-file lines are quoted and split at 255 bytes; report
# ids that differ only in case are one report; counts and dates at the
# caps are stored and the documented queries sum them; dates beyond
# what can be shown are printed as numbers; _dmarc names longer than
# 253 bytes are never looked up, nor cut; an old database is brought in
# line. (Refused inputs: tests/hostile/mkhostile.c, hostile.sh.)
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/e2e/knot.sh"

R=$T/r
mkdir "$R"
AS_OF="--as-of 2026-03-01"
# No configuration (not even /etc/dmarcdb.conf) unless one is named.
: > "$T/empty.conf"
DMARCDB_CONFIG=$T/empty.conf
export DMARCDB_CONFIG

# report FILE ID DOMAIN BEGIN END POLICY RECORDS: one report. POLICY is
# the XML after <domain> in <policy_published>; RECORDS, a line each:
# IP COUNT DKIM SPF (policy_evaluated, and the auth results).
report() {
	{
		printf '<?xml version="1.0" encoding="UTF-8"?>\n<feedback>\n'
		printf '<report_metadata><org_name>Example Receiver</org_name>'
		printf '<email>dmarc@receiver.example</email>'
		printf '<report_id>%s</report_id>' "$2"
		printf '<date_range><begin>%s</begin><end>%s</end>' "$4" "$5"
		printf '</date_range></report_metadata>\n'
		printf '<policy_published><domain>%s</domain>%s' "$3" "$6"
		printf '</policy_published>\n'
		while read -r ip count dk sp; do
			[ -n "$ip" ] || continue
			printf '<record><row><source_ip>%s</source_ip>' "$ip"
			printf '<count>%s</count><policy_evaluated>' "$count"
			printf '<disposition>none</disposition><dkim>%s</dkim>' \
			    "$dk"
			printf '<spf>%s</spf></policy_evaluated></row>' "$sp"
			printf '<identifiers><header_from>%s</header_from>' "$3"
			printf '</identifiers><auth_results><dkim><domain>%s' "$3"
			printf '</domain><result>%s</result></dkim><spf>' "$dk"
			printf '<domain>%s</domain><result>%s</result>' "$3" "$sp"
			printf '</spf></auth_results></record>\n'
		done
		printf '</feedback>\n'
	} > "$1"
}

day() {
	date -u -d "$1" +%s
}
B=$(day 2026-02-27)
E=$((B + 86399))

# --- 5: forged policy values ------------------------------------------
report "$R/forged.xml" forged-1 forged.example "$B" "$E" \
    '<p>none</p><sp>none" x</sp><np>reject&#9;quarantine</np>'\
'<fo>1;pct=0;t=y</fo><adkim>S</adkim><pct>100</pct>' <<-EOF
	192.0.2.1 500 pass pass
	EOF

# --- 5: a long configured record, and an invalid one ------------------
long="v=DMARC1; p=none; rua="
for i in 1 2 3 4 5 6 7 8; do
	long="${long}mailto:dmarc-reports-mailbox-number-$i@longrec.example,"
done
long="${long}mailto:last@longrec.example"
[ ${#long} -gt 400 ] || fail "the long record is too short"
cat > "$T/values.conf" <<-EOF
	domain longrec.example {
		record "$long";
	}
	EOF
cat > "$T/bad.conf" <<-EOF
	domain badconf.example {
		record "v=DMARC1; p=none; x y=1; rua=mailto:d@badconf.example";
	}
	EOF
report "$R/longrec.xml" longrec-1 longrec.example "$B" "$E" \
    '<p>none</p>' <<-EOF
	192.0.2.1 500 pass pass
	EOF
report "$R/badconf.xml" badconf-1 badconf.example "$B" "$E" \
    '<p>none</p>' <<-EOF
	192.0.2.1 500 pass pass
	EOF

# --- 7: report ids that differ only in case ---------------------------
report "$R/case-a.xml" '&lt;AbC-1@receiver.example&gt;' case.example "$B" "$E" \
    '<p>none</p>' <<-EOF
	192.0.2.1 10 pass pass
	EOF
report "$R/case-b.xml" 'abc-1@RECEIVER.example' case.example "$B" "$E" \
    '<p>none</p>' <<-EOF
	192.0.2.1 11 pass pass
	EOF
touch -d 2026-02-28T01:00:00Z "$R/case-a.xml"
touch -d 2026-02-28T02:00:00Z "$R/case-b.xml"

# --- 12: counts at the caps, a day ago --------------------------------
Y=$(day "$(date -u -d yesterday +%Y-%m-%d)")
report "$R/cap-record.xml" cap-1 cap.example "$Y" $((Y + 86399)) \
    '<p>none</p>' <<-EOF
	192.0.2.1 1000000000 fail fail
	EOF
report "$R/cap-report.xml" cap-2 cap.example "$Y" $((Y + 86399)) \
    '<p>none</p>' < <(for i in 1 2 3 4 5 6 7 8 9 10; do
	echo "192.0.2.1 1000000000 fail fail"; done)

# --- 18: the last plausible day ---------------------------------------
report "$R/bound.xml" bound-1 bound.example 4102358400 4102444799 \
    '<p>none</p>' <<-EOF
	192.0.2.1 1 pass pass
	EOF

# --- 21: a domain whose _dmarc name is longer than 253 bytes ----------
L=$(printf 'a%.0s' $(seq 63)).$(printf 'b%.0s' $(seq 63)).$(printf 'c%.0s' \
    $(seq 63)).$(printf 'd%.0s' $(seq 50)).example
[ ${#L} -eq 250 ] || fail "long domain: ${#L} bytes"
report "$R/long.xml" long-1 "$L" "$B" "$E" '<p>none</p>' <<-EOF
	192.0.2.1 500 pass pass
	EOF
report "$R/dns.xml" dns-1 dns.example "$B" "$E" '<p>none</p>' <<-EOF
	192.0.2.1 500 pass pass
	EOF

"$DMARCDB" -q --db "$DB" ingest "$R" 2> "$T/err" || fail "ingest: \
$(cat "$T/err")"
[ ! -s "$T/err" ] || fail "ingest said: $(cat "$T/err")"
[ "$(sql "$DB" "SELECT count(*) FROM reports")" -eq 10 ] ||
    fail "not every report stored"

# 5: stored. Forged values are in raw_* only, valid ones canonical.
[ "$(sql "$DB" "SELECT quote(fo) || ' ' || raw_fo || ' ' || quote(sp) ||
    ' ' || raw_sp || ' ' || quote(np) || ' ' || adkim || ' ' || pct
    FROM reports WHERE domain = 'forged.example'")" = \
    "NULL 1;pct=0;t=y NULL none\" x NULL s 100" ] ||
    fail "forged values stored: $(sql "$DB" "SELECT * FROM v_reports
    WHERE domain = 'forged.example'")"
[ "$(sql "$DB" "SELECT count(*) FROM reports WHERE domain = 'forged.example'
    AND raw_np = 'reject' || $(pg_or_lite "$DB" "char(9)" "chr(9)") ||
    'quarantine'")" = 1 ] || fail "raw_np"
[ "$(sql "$DB" "SELECT count(*) FROM warnings w JOIN reports r
    ON r.id = w.report WHERE r.domain = 'forged.example'
    AND w.code = 'policy'")" -eq 3 ] || fail "policy warnings"

# 5: advise never prints them, and says so in words.
"$DMARCDB" --db "$DB" advise $AS_OF --no-dns --domain forged.example \
    > "$T/forged.txt"
# The record published is not known (no configuration, no DNS): no
# whole record (it would have no rua=), the tags of the stage to change.
grep_none '^  publish ' "$T/forged.txt" || fail "a record without its rua="
pub=$(grep '^  change ' "$T/forged.txt") || fail "no change line"
case $pub in
'  change      p='*) ;;
*) fail "change: $pub" ;;
esac
printf '%s' "$pub" | grep -q 'fo=\|sp=\|"\|adkim' &&
    fail "a forged value in: $pub"
printf '%s' "$pub" | grep_none "$(printf '\t')" || fail "a tab in: $pub"
tr -d '\n' < "$T/forged.txt" | tr -s ' ' | grep -q "give a value that is \
not valid DMARC for: sp np fo. Such values are never put in a record: they \
are left out of the record below (the reports table keeps them as \
written, in raw_sp, raw_np, raw_fo)" || fail "not said: $(cat "$T/forged.txt")"
"$DMARCDB" --db "$DB" advise $AS_OF --no-dns --domain forged.example \
    --format json > "$T/forged.json"
[ "$(sqlite3 :memory: "SELECT json_extract(readfile('$T/forged.json'),
    '\$.domains[0].record.next') IS NULL AND json_extract(readfile(
    '$T/forged.json'), '\$.domains[0].record.change') LIKE 'p=%'
    AND json_extract(readfile('$T/forged.json'),
    '\$.domains[0].record.change') NOT LIKE '%fo=%'")" = 1 ] ||
    fail "json record: $(cat "$T/forged.json")"
"$DMARCDB" --db "$DB" digest $AS_OF --no-dns --format text \
    --domain forged.example > "$T/forged-digest.txt"
tr -s ' \n' '  ' < "$T/forged-digest.txt" | grep -q 'in the record at _dmarc.forged.example, change p=[a-z]*' ||
    fail "digest record: $(cat "$T/forged-digest.txt")"
grep_none 'IN TXT' "$T/forged-digest.txt" || fail "digest: a whole record"
grep_none 'fo=1;pct' "$T/forged-digest.txt" || fail "digest: forged fo"

# 5: a zone-file line holds strings of at most 255 bytes, in advise and
# in the digest; a configured record that is not DMARC is refused.
DMARCDB_CONFIG=$T/values.conf
"$DMARCDB" --db "$DB" advise $AS_OF --no-dns --domain longrec.example \
    > "$T/conf.txt"
"$DMARCDB" --db "$DB" digest $AS_OF --no-dns --format text \
    --domain longrec.example > "$T/conf-digest.txt"
for f in "$T/conf.txt" "$T/conf-digest.txt"; do
	line=$(grep '_dmarc.longrec.example. IN TXT' "$f" | head -1) ||
	    fail "$f: no record for longrec.example"
	strings=$(printf '%s\n' "$line" | sed 's/^[^"]*//' |
	    grep -o '"[^"]*"')
	[ "$(printf '%s\n' "$strings" | wc -l)" -ge 2 ] ||
	    fail "$f: one string: $line"
	printf '%s\n' "$strings" | while read -r s; do
		[ ${#s} -le 257 ] || fail "$f: a string of ${#s} bytes"
	done
	joined=$(printf '%s' "$strings" | tr -d '"\n')
	case $joined in
	*"mailto:last@longrec.example") ;;
	*) fail "$f: record cut: $joined" ;;
	esac
done
expect_exit 3 "$DMARCDB" --db "$DB" --config "$T/bad.conf" advise $AS_OF \
    --no-dns --domain badconf.example > "$T/conf.txt" 2> "$T/conf.err"
grep -q "bad.conf:2: the record is not a DMARC record: a tag name is not \
a letter followed by letters, digits, '-' or '_'" "$T/conf.err" ||
    fail "invalid configured record: $(cat "$T/conf.err")"
grep_none 'x y=1' "$T/conf.txt" || fail "invalid tag printed"
DMARCDB_CONFIG=$T/empty.conf

# 7: the same report id in another case is a re-sent copy.
[ "$(sql "$DB" "SELECT group_concat(status || ':' || report_key_id, ' ')
    FROM (SELECT * FROM reports WHERE domain = 'case.example'
    ORDER BY received_at) AS r")" = \
    "superseded:abc-1@receiver.example active:abc-1@receiver.example" ] ||
    fail "report ids in other cases: $(sql "$DB" "SELECT status,
    report_id, report_key_id FROM reports WHERE domain = 'case.example'")"

# 12: counts at the caps are stored, and every documented sum works.
[ "$(sql "$DB" "SELECT messages FROM ingest_runs")" = 11000002522 ] ||
    fail "run messages: $(sql "$DB" "SELECT messages FROM ingest_runs")"
# doc_query FILE: the sqlite3 query an example of FILE shows, for
# cap.example (the first of each; tests/e2e/docs.sh runs them all).
doc_query() {
	sed -n '/sqlite3 dmarc.db "SELECT/,/"$/{p;/"$/q}' "$1" |
	    sed 's/.*sqlite3 dmarc.db "//; s/"$//; s/example\.com/cap.example/'
}
# (The examples are sqlite3's: SQLite's date functions.)
if on_sqlite; then
	q=$(doc_query "$SRCDIR/README.md")
	[ -n "$q" ] || fail "no query in README.md"
	[ "$(sql "$DB" "$q")" = "192.0.2.1|11000000000" ] ||
	    fail "README query: $q: $(sql "$DB" "$q" 2>&1)"
	q=$(doc_query "$SRCDIR/dmarcdb.1")
	[ -n "$q" ] || fail "no query in dmarcdb.1"
	[ "$(sql "$DB" "$q")" = "192.0.2.1|11000000000" ] ||
	    fail "dmarcdb.1 query: $q: $(sql "$DB" "$q" 2>&1)"
fi
[ "$(sql "$DB" "SELECT sum(messages) FROM v_source_days
    WHERE policy_domain = 'cap.example'")" = 11000000000 ] || fail "summary sum"
[ "$(sql "$DB" "SELECT sum(message_count) FROM v_reports")" = \
    11000002522 ] || fail "v_reports sum"

# 18: the last plausible day, and times stored before they were capped
# (or edited): printed as numbers, never as garbage.
"$DMARCDB" --db "$DB" reports --csv --domain bound.example > "$T/bound.csv"
grep -q ',2099-12-31,2099-12-31,"bound.example",' "$T/bound.csv" ||
    fail "bound: $(cat "$T/bound.csv")"
DATES_DB=$(db_copy dates)
sql "$DATES_DB" "UPDATE reports SET date_begin = 67768036191676800,
    date_end = 253402300800 WHERE domain = 'bound.example'"
"$DMARCDB" --db "$DATES_DB" reports --domain bound.example > "$T/dates.txt"
[ "$(sed -n 2p "$T/dates.txt" | cut -c1-24)" = \
    "67768036191676800 bound." ] || fail "dates: $(cat "$T/dates.txt")"
"$DMARCDB" --db "$DATES_DB" reports --csv --domain bound.example \
    > "$T/dates.csv"
grep -q ',67768036191676800,253402300800,"bound.example",' \
    "$T/dates.csv" || fail "dates csv: $(cat "$T/dates.csv")"
expect_exit 2 "$DMARCDB" --db "$DB" reports --since 10000-01-01 2> /dev/null
expect_exit 2 "$DMARCDB" --db "$DB" reports --since 1969-12-31 2> /dev/null
expect_exit 2 "$DMARCDB" --db "$DB" reports --since 253402300800 \
    2> /dev/null
"$DMARCDB" --db "$DB" reports --since 9999-12-31 2> /dev/null

# 21: DNS answers, from a private Knot DNS server (tests/e2e/knot.sh),
# which serves any bytes in a TXT record: a usable record is used (so
# the refusals below mean something), also one too long for a UDP
# answer; records with a control byte, a NUL, a byte that is not ASCII,
# quotes, a tag that is not one, a value that is not DMARC, or more
# bytes than a record may have are refused in words and never printed;
# two DMARC records are refused; a name longer than 253 bytes is never
# looked up. Each case is a domain of its own, with the report of
# dns.example, in a database of its own.
rua='rua=mailto:d@x.example'
big="v=DMARC1; p=none; rua=mailto:d@big.example"
for i in $(seq 12); do
	big="$big,mailto:dmarc-reports-mailbox-number-$i@big.example"
done
[ ${#big} -gt 512 ] || fail "big: ${#big} bytes"
# A record of 4,097 bytes: one too many.
over="v=DMARC1; p=none; $rua; x="
over="$over$(head -c $((4097 - ${#over})) /dev/zero | tr '\0' x)"
[ ${#over} -eq 4097 ] || fail "over: ${#over} bytes"
# strings TEXT: TEXT as TXT strings of 200 bytes.
strings() {
	printf '%s' "$1" | fold -w 200 | sed 's/.*/"&"/' | tr '\n' ' '
}
knot_zone example <<-EOF
_dmarc.dns TXT "v=DMARC1; p=none; rua=mailto:d@dns.example"
_dmarc.big TXT $(strings "$big")
_dmarc.bel TXT "v=DMARC1; p=reject\\007; $rua"
_dmarc.nul TXT "v=DMARC1; p=none\\000; $rua"
_dmarc.nl TXT "v=DMARC1; p=none" "\\010$rua"
_dmarc.esc TXT "v=DMARC1; p=\\027[2Jnone; $rua"
_dmarc.utf TXT "v=DMARC1; p=none; rua=mailto:d@\\195\\169t\\195\\169.example"
_dmarc.bidi TXT "v=DMARC1; p=none; rua=mailto:\\226\\128\\174d@x.example"
_dmarc.quote TXT "v=DMARC1; p=\\"none\\"; $rua"
_dmarc.tag TXT "v=DMARC1; p=none; x y=1; $rua"
_dmarc.maybe TXT "v=DMARC1; p=maybe; rua=mailto:d@maybe.example"
_dmarc.two TXT "v=DMARC1; p=reject; rua=mailto:d@two.example"
_dmarc.two TXT "v=DMARC1; p=none; rua=mailto:d@two.example"
_dmarc.over TXT $(strings "$over")
EOF
knot_start
mkdir "$T/dnsr"
for d in dns big bel nul nl esc utf bidi quote tag maybe two over; do
	sed "s/dns\.example/$d.example/g; s/dns-1/$d-1/" "$R/dns.xml" \
	    > "$T/dnsr/$d.xml"
done
"$DMARCDB" -q --db "$T/dns.db" ingest "$T/dnsr" "$R/long.xml"
unset DMARCDB_RESOLVER
printf 'resolver 127.0.0.1:%s;\n' "$KNOT_PORT" > "$T/dns.conf"
# dns DOMAIN [DB]: advise on DOMAIN, into $T/dns.txt (and its lines
# joined, $T/dns1.txt); the number of queries it made in $ASKED. Under
# memcheck with RUN=$QUICK: the cases that take a path run already.
dns() {
	local q0
	q0=$(knot_queries)
	"${RUN:-$DMARCDB}" --db "${2:-$T/dns.db}" --config "$T/dns.conf" \
	    advise $AS_OF --domain "$1" > "$T/dns.txt"
	ASKED=$(( $(knot_queries) - q0 ))
	tr -d '\n' < "$T/dns.txt" | tr -s ' ' > "$T/dns1.txt"
}
# refused DOMAIN WHY [QUERIES]: the record of DOMAIN is refused, saying
# WHY, and the advice rests on the reports; one query (or QUERIES) for
# the record, and one for the SPF record (advise's DNS audit; the
# reports show no DKIM key to look up).
refused() {
	dns "$1"
	[ "$ASKED" = $((${3:-1} + 1)) ] || fail "$1: $ASKED queries"
	grep -qF -- "- $2" "$T/dns1.txt" || fail "$1: $(cat "$T/dns.txt")"
	grep_none 'instead of' "$T/dns.txt" || fail "$1: a record used"
	grep -q '^  change      ' "$T/dns.txt" || fail "$1: no change"
}
dns dns.example
[ "$ASKED" = 2 ] || fail "dns.example: $ASKED queries"
grep -q 'instead of _dmarc.dns.example. IN TXT "v=DMARC1; p=none; rua=mailto:d@dns.example" (the record in the DNS)' \
    "$T/dns1.txt" || fail "DNS record not used: $(cat "$T/dns.txt")"
# Too long for UDP: c-ares asks again over TCP.
dns big.example
[ "$ASKED" = 3 ] || fail "big.example: $ASKED queries, not UDP then TCP"
grep -q 'instead of _dmarc.big.example. IN TXT "v=DMARC1; p=none; rua=mailto:d@big.example,.*number-12@big.example" (the record in the DNS)' \
    "$T/dns1.txt" || fail "big record not used: $(cat "$T/dns.txt")"
refused bel.example "the DMARC record at _dmarc.bel.example holds byte \
0x07, which no DMARC record can hold: not used: the advice rests on the \
reports"
grep_none "$(printf '\a')" "$T/dns.txt" || fail "a BEL printed"
RUN=$QUICK
refused nul.example "the DMARC record at _dmarc.nul.example holds byte \
0x00, which no DMARC record can hold: not used"
refused nl.example "the DMARC record at _dmarc.nl.example holds byte 0x0a, \
which no DMARC record can hold: not used"
refused esc.example "the DMARC record at _dmarc.esc.example holds byte \
0x1b, which no DMARC record can hold: not used"
grep_none "$(printf '\033')" "$T/dns.txt" || fail "an ESC printed"
refused utf.example "the DMARC record at _dmarc.utf.example holds byte \
0xc3, which no DMARC record can hold: not used"
refused bidi.example "the DMARC record at _dmarc.bidi.example holds byte \
0xe2, which no DMARC record can hold: not used"
grep_none $'\xe2\x80\xae' "$T/dns.txt" || fail "a bidi override printed"
RUN=
refused quote.example "the DMARC record in DNS at _dmarc.quote.example is \
not usable (tag p: expected none, quarantine or reject): receivers \
ignore it; fix it first (the advice rests on the reports)"
grep_none 'p="none"' "$T/dns.txt" || fail "quotes printed"
RUN=$QUICK
refused tag.example "the DMARC record in DNS at _dmarc.tag.example is not \
usable ("
grep_none 'x y=1' "$T/dns.txt" || fail "an invalid tag printed"
refused maybe.example "the DMARC record in DNS at _dmarc.maybe.example is \
not usable (tag p: expected none, quarantine or reject): receivers \
ignore it; fix it first (the advice rests on the reports)"
grep_none 'maybe;\|p=maybe' "$T/dns.txt" || fail "p=maybe printed"
RUN=
# Two DMARC records: receivers apply neither (RFC 7489, 6.6.3), so the
# advice must not start from either of them.
refused two.example "_dmarc.two.example holds 2 DMARC records: receivers \
apply none of them until only one is left: the advice rests on the \
reports"
# Longer than a record may be (4,096 bytes): refused, never cut (UDP,
# then TCP).
refused over.example "the DMARC record at _dmarc.over.example is longer \
than 4096 bytes: not used: the advice rests on the reports" 2
grep_none 'xxxx' "$T/dns.txt" || fail "the long record printed"
dns "$L"
[ "$ASKED" = 0 ] || fail "looked up: $L"
[ "$(head -1 "$T/dns.txt")" = "$L" ] || fail "the domain is cut"
grep -q "no DMARC record can be looked up or published for this domain: \
_dmarc. and the domain make 257 bytes, more than the 253 a DNS name may \
have" "$T/dns1.txt" || fail "long name: $(cat "$T/dns.txt")"
grep -q 'publish (none: see the warnings)' "$T/dns1.txt" ||
    fail "long name: a record printed"
grep_none 'IN TXT' "$T/dns.txt" || fail "long name: a zone line"
# Longer than any host name, as an older dmarcdb may have stored.
L300=$L.$(printf 'e%.0s' $(seq 49))
[ ${#L300} -eq 300 ] || fail "300: ${#L300}"
cp "$T/dns.db" "$T/long.db"
sql "$T/long.db" "UPDATE reports SET domain = '$L300' WHERE domain = '$L'"
dns "$L300" "$T/long.db"
[ "$ASKED" = 0 ] || fail "300 looked up"
[ "$(head -1 "$T/dns.txt")" = "$L300" ] || fail "300: the domain is cut"
grep -q "no DMARC record can be looked up or published for this domain: \
not a host name: 300 bytes long, more than 253" "$T/dns1.txt" ||
    fail "300: $(cat "$T/dns.txt")"
knot_stop

# (SQLite: the PostgreSQL schema has no older version to come from.)
if on_sqlite; then
	# An older database (schema 5): its forged values and report ids in
	# other cases are brought in line when it is opened.
	OLD_DB=$(db_copy old)
	old='DROP VIEW v_reports; CREATE VIEW v_reports AS SELECT id FROM reports;'
	for c in p sp np adkim aspf pct fo testing; do
		old="$old UPDATE reports SET $c = raw_$c WHERE raw_$c IS NOT NULL;
		    ALTER TABLE reports DROP COLUMN raw_$c;"
	done
	sql "$OLD_DB" "DROP VIEW v_record_identity; $old
	    UPDATE reports SET fo = '1 : d:1' WHERE domain = 'dns.example';
	    UPDATE reports SET status = 'active', superseded_by = NULL,
	      report_key_id = 'ABC-1@receiver.example'
	      WHERE domain = 'case.example' AND status = 'superseded';
	    DELETE FROM warnings WHERE code = 'policy';
	    DROP VIEW v_runs;
	    CREATE VIEW v_runs AS SELECT id FROM ingest_runs;
	    ALTER TABLE ingest_runs DROP COLUMN unreadable;
	    ALTER TABLE auth_sigs DROP COLUMN facts;
	    ALTER TABLE auth_sigs DROP COLUMN passes;
	    ALTER TABLE auth_sigs DROP COLUMN ident;
	    DROP VIEW v_ptr_cache; DROP TABLE ptr_cache; DROP TABLE digest_alerts;
	    DROP VIEW v_source_senders; DROP VIEW v_source_classes;
	    CREATE VIEW v_source_senders AS SELECT * FROM sources;
	    DROP TABLE class_windows; DROP TABLE source_classes;
	    DROP VIEW v_dns_records; DROP TABLE dns_records;
	    DROP VIEW v_input_files; DROP TABLE input_files;
	    DROP INDEX reports_end;
	    PRAGMA user_version = 5"
	[ "$(sql "$OLD_DB" "SELECT fo FROM reports
	    WHERE domain = 'forged.example'")" = "1;pct=0;t=y" ] || fail "old.db"
	"$DMARCDB" --db "$OLD_DB" reports > /dev/null
	[ "$(sql "$OLD_DB" "SELECT quote(fo) || ' ' || raw_fo || ' ' ||
	    raw_sp FROM reports WHERE domain = 'forged.example'")" = \
	    "NULL 1;pct=0;t=y none\" x" ] || fail "old.db: values not moved"
	[ "$(sql "$OLD_DB" "SELECT fo FROM reports
	    WHERE domain = 'dns.example'")" = "1:d" ] || fail "old.db: canonical"
	[ "$(sql "$OLD_DB" "SELECT count(*) FROM warnings
	    WHERE code = 'policy'")" -eq 3 ] || fail "old.db: warnings"
	[ "$(sql "$OLD_DB" "SELECT group_concat(status || ':' || report_key_id,
	    ' ') FROM (SELECT * FROM reports WHERE domain = 'case.example'
	    ORDER BY received_at) AS r")" = \
	    "superseded:abc-1@receiver.example active:abc-1@receiver.example" ] ||
	    fail "old.db: report ids"
	"$DMARCDB" --db "$OLD_DB" advise $AS_OF --no-dns --domain forged.example \
	    > "$T/old-forged.txt"
	cmp -s "$T/forged.txt" "$T/old-forged.txt" || fail "old.db advises \
	otherwise: $(diff "$T/forged.txt" "$T/old-forged.txt")"
	check_summary "$OLD_DB"
fi

# <policy_published> after the records, strict DKIM alignment: the
# records were signed as relaxed when they came, and are signed again
# when the header comes, in chunks (4,096 records a chunk: 5,000 make
# two); on PostgreSQL the new signatures are added as a flush's are.
# Every record ends under a strict signature, and the summary says so.
L=$T/late
mkdir "$L"
{
	printf '<?xml version="1.0" encoding="UTF-8"?>\n<feedback>\n'
	printf '<report_metadata><org_name>Example Receiver</org_name>'
	printf '<email>dmarc@receiver.example</email>'
	printf '<report_id>late-1</report_id><date_range><begin>%s</begin>' "$B"
	printf '<end>%s</end></date_range></report_metadata>\n' "$E"
	awk 'BEGIN {
		for (i = 0; i < 5000; i++)
			printf "<record><row><source_ip>10.%d.%d.%d</source_ip>" \
			    "<count>%d</count><policy_evaluated><disposition>" \
			    "none</disposition><dkim>pass</dkim><spf>fail</spf>" \
			    "</policy_evaluated></row><identifiers><header_from>" \
			    "late.example</header_from></identifiers>" \
			    "<auth_results><dkim><domain>%s</domain><result>" \
			    "pass</result></dkim><spf><domain>late.example" \
			    "</domain><result>fail</result></spf></auth_results>" \
			    "</record>\n", int(i / 65536), int(i / 256) % 256, \
			    i % 256, 1 + i % 7, \
			    i % 3 == 0 ? "mail.late.example" : "late.example"
	}'
	printf '<policy_published><domain>late.example</domain>'
	printf '<adkim>s</adkim><aspf>r</aspf><p>none</p></policy_published>\n'
	printf '</feedback>\n'
} > "$L/late.xml"
"$DMARCDB" -q --db "$DB" ingest "$L" || fail "late header: exit $?"
[ "$(sql "$DB" "SELECT g.adkim, count(*), sum(c.count) FROM records c
    JOIN reports p ON p.id = c.report JOIN auth_sigs g ON g.id = c.sig
    WHERE p.domain = 'late.example' GROUP BY 1")" = "s|5000|19995" ] ||
    fail "late header: signatures: $(sql "$DB" "SELECT g.adkim, count(*)
    FROM records c JOIN auth_sigs g ON g.id = c.sig GROUP BY 1")"
# DKIM passes for mail.late.example, relaxed-aligned only: not under s.
[ "$(sql "$DB" "SELECT g.dkim_aligned, count(*) FROM records c
    JOIN reports p ON p.id = c.report JOIN auth_sigs g ON g.id = c.sig
    WHERE p.domain = 'late.example' GROUP BY 1 ORDER BY 1" |
    tr '\n' ' ')" = "0|1667 1|3333 " ] ||
    fail "late header: alignment: $(sql "$DB" "SELECT g.dkim_aligned,
    count(*) FROM records c JOIN auth_sigs g ON g.id = c.sig GROUP BY 1")"
check_summary "$DB"
echo ok
