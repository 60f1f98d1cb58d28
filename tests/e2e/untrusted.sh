#!/bin/bash
# untrusted.sh: text from reports, file and attachment names reaches no
# output raw. Reports whose reporter, report id, policy domain, DKIM
# selector, human_result, header_from, envelope and override comment
# carry CR, LF, TAB, DEL, C1 controls (U+009B, CSI) and bidi overrides
# (U+202E), files and a mail attachment named with ESC, BEL, CR and LF:
# rejected, reports, sources, advise, export, domains, the digest (text,
# HTML, MIME) and the messages of ingest hold none of these characters
# raw, and no forged "verdict ADVANCE" line; they show them as escapes
# (dmarcdb(1), UNTRUSTED TEXT). And no print of the program bypasses
# the sanitiser.
. "$(dirname "$0")/lib.sh"

MIMECHECK=$BUILDDIR/tests/e2e/mimecheck

# --- Every print goes through the sanitiser --------------------------
# A bare stdio call is allowed only under a "raw:" comment saying why
# (on its line or the line above); sanitise.c is the encoder itself.
calls='printf|fprintf|vfprintf|vprintf|dprintf|puts|fputs|putchar|putc'
calls="$calls|fputc|fwrite|putchar_unlocked|fputs_unlocked|fwrite_unlocked"
for f in "$SRCDIR"/src/*.c; do
	[ "$(basename "$f")" != sanitise.c ] || continue
	awk -v f="$(basename "$f")" -v re="(^|[^A-Za-z0-9_])($calls)[ \t]*\\(" '
	/raw:/ { raw = NR }
	$0 ~ re {
		if (raw != NR && raw != NR - 1) {
			print f ":" NR ": " $0
			bad = 1
		}
	}
	END { exit bad }' "$f" > "$T/lint" ||
	    fail "printing around the sanitiser: $(cat "$T/lint")"
done

# --- Hostile inputs ------------------------------------------------------
R=$T/r
mkdir "$R"
# C1 CSI, U+202E (right-to-left override), CR LF: as XML character
# references, which XML 1.0 allows (C0 controls but TAB, LF and CR it
# does not: those come in names below).
CSI='&#x9b;'
RLO='&#x202e;'
NL='&#13;&#10;'
begin=$(date -u -d 2026-02-25 +%s)
end=$((begin + 86399))
# report ORG ID DOMAIN BEGIN FILE: one report, its records hostile too.
report() {
	cat > "$5" <<-EOF
	<?xml version="1.0" encoding="UTF-8"?>
	<feedback>
	<report_metadata><org_name>$1</org_name>
	<email>noreply@evil.example</email><report_id>$2</report_id>
	<date_range><begin>$4</begin><end>$(($4 + 86399))</end></date_range>
	</report_metadata>
	<policy_published><domain>$3</domain><p>none</p></policy_published>
	<record><row><source_ip>192.0.2.10</source_ip><count>500</count>
	<policy_evaluated><disposition>none</disposition><dkim>pass</dkim>
	<spf>pass</spf></policy_evaluated></row>
	<identifiers><header_from>victim.example</header_from></identifiers>
	<auth_results><dkim><domain>victim.example</domain>
	<selector>s1</selector><result>pass</result>
	<human_result>ok${NL}verdict ADVANCE$CSI</human_result></dkim>
	<spf><domain>victim.example</domain><result>pass</result></spf>
	</auth_results></record>
	<record><row><source_ip>192.0.2.20</source_ip><count>50</count>
	<policy_evaluated><disposition>none</disposition><dkim>fail</dkim>
	<spf>fail</spf><reason><type>local_policy</type>
	<comment>c${NL}verdict ADVANCE$RLO</comment></reason>
	</policy_evaluated></row>
	<identifiers><header_from>victim.example</header_from>
	<envelope_from>e${NL}verdict ADVANCE</envelope_from>
	<envelope_to>t$CSI$RLO</envelope_to></identifiers>
	<auth_results><dkim><domain>victim.example</domain>
	<selector>k${CSI}2${NL}verdict ADVANCE$RLO</selector>
	<result>fail</result></dkim>
	<spf><domain>victim.example</domain><result>fail</result></spf>
	</auth_results></record>
	<record><row><source_ip>203.0.113.9</source_ip><count>20</count>
	<policy_evaluated><disposition>none</disposition><dkim>fail</dkim>
	<spf>fail</spf></policy_evaluated></row>
	<identifiers>
	<header_from>evil$RLO.example${NL}verdict ADVANCE</header_from>
	</identifiers>
	<auth_results><spf><domain>evil.example</domain><result>fail</result>
	</spf></auth_results></record>
	</feedback>
	EOF
}
report "Evil${CSI}31m${NL}verdict ADVANCE&#x7f;&#9;${RLO}Corp" \
    "id${NL}verdict ADVANCE$CSI" victim.example "$begin" "$R/a.xml"
# A reporter of the period before, silent in this one: the digest names
# it.
report "Quiet${RLO}${NL}verdict ADVANCE" "q1" victim.example \
    $((begin - 9 * 86400)) "$R/q.xml"
# A policy domain that is no hostname: refused, or stored and shown.
report "Other" "o1" "x${RLO}${NL}verdict ADVANCE.example" "$begin" \
    "$R/d.xml"
# File names with ESC, BEL, CR, LF, U+202E and C1 as raw bytes (a broken
# report: its name is in the message and in the list of rejected).
printf '<?xml version="1.0"?>\n<feedback><report_metadata>\n' \
    > "$R/bad"$'\e[31m\a\r\nverdict ADVANCE \xe2\x80\xae\xc2\x9b'"x.xml"
cp "$R/a.xml" "$R/named"$'\e]0;title\a\nverdict ADVANCE'".xml.copy"
# A message with two attachments named alike: a broken report and a
# good one (stored: ingest -v names it).
cat > "$R/m.eml" <<'EOF'
From: reporter@evil.example
To: dmarc@victim.example
Subject: Report Domain: victim.example
Message-ID: <hostile@evil.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b"

--b
Content-Type: text/plain

hello
--b
Content-Type: application/xml
Content-Disposition: attachment;
 filename*=utf-8''bad%1B%5B2J%07%0D%0Averdict%20ADVANCE%E2%80%AE%C2%9B.xml

<?xml version="1.0"?><feedback><report_metadata><org_name>x</org_name>
--b
Content-Type: application/xml
Content-Disposition: attachment;
 filename*=utf-8''good%1B%5B2J%07%0Averdict%20ADVANCE%E2%80%AE.xml
Content-Transfer-Encoding: base64

EOF
sed "s/Evil/Mail/; s/<report_id>id/<report_id>mail/" "$R/a.xml" |
    base64 >> "$R/m.eml"
printf '%s\n' '--b--' >> "$R/m.eml"

cat > "$T/conf" <<'EOF'
domain victim.example {
	record "v=DMARC1; p=none; rua=mailto:dmarc@victim.example";
	sender "our MTA" { ip 192.0.2.0/24; }
}
digest { from dmarc@victim.example; to ops@victim.example; }
EOF
DMARCDB_CONFIG=$T/conf
export DMARCDB_CONFIG

# clean FILE WHAT: no raw control, C1, bidi control or line separator,
# valid UTF-8, and no line that starts as the forged one.
clean() {
	[ -s "$1" ] || fail "$2: no output"
	LC_ALL=C lines_none "$T/bad" -n $'[\x01-\x08\x0b-\x1f\x7f]' "$1" ||
	    fail "$2: raw control characters: $(cat -A "$T/bad" | head -3)"
	LC_ALL=C lines_none "$T/bad" -n $'\xc2[\x80-\x9f]' "$1" ||
	    fail "$2: raw C1 controls: $(cat -A "$T/bad" | head -3)"
	LC_ALL=C lines_none "$T/bad" -n \
	    $'\xe2\x80[\x8e\x8f\xa8-\xae]\|\xe2\x81[\xa6-\xa9]\|\xd8\x9c' "$1" ||
	    fail "$2: raw bidi controls: $(cat -A "$T/bad" | head -3)"
	iconv -f UTF-8 -t UTF-8 "$1" > /dev/null 2>&1 ||
	    fail "$2: not UTF-8"
	lines_none "$T/bad" -n '^verdict ADVANCE' "$1" ||
	    fail "$2: a forged line: $(cat "$T/bad")"
}
# shows FILE WHAT TEXT: the hostile text is there, escaped.
shows() {
	grep -qF -- "$3" "$1" || fail "$2: '$3' not shown"
}

expect_exit 1 "$DMARCDB" -v --db "$DB" ingest "$R" 2> "$T/ingest"
clean "$T/ingest" "ingest's messages"
shows "$T/ingest" ingest 'bad\x1b[31m\x07\r\nverdict ADVANCE \u202e\u009bx.xml'
shows "$T/ingest" ingest 'bad\x1b[2J\x07\r\nverdict ADVANCE\u202e\u009b.xml'
shows "$T/ingest" ingest 'good\x1b[2J\x07\nverdict ADVANCE\u202e.xml'
shows "$T/ingest" ingest 'named\x1b]0;title\x07\nverdict ADVANCE.xml.copy'
[ "$(sql "$DB" "SELECT count(*) FROM reports WHERE domain =
    'victim.example'")" -ge 2 ] || fail "the hostile reports not stored"

"$DMARCDB" --db "$DB" rejected > "$T/rejected"
clean "$T/rejected" rejected
shows "$T/rejected" rejected 'bad\x1b[31m\x07\r\nverdict ADVANCE'
# Its raw bytes, on demand, but never to a terminal.
id=$(sql "$DB" "SELECT id FROM rejected_inputs LIMIT 1")
script -qec "$DMARCDB --db $DB rejected --dump $id" /dev/null \
    > "$T/tty" 2>&1 && fail "rejected --dump wrote to a terminal"
grep -q "not a terminal" "$T/tty" || fail "rejected --dump: $(cat "$T/tty")"
"$DMARCDB" --db "$DB" rejected --dump "$id" > "$T/dump"
[ -s "$T/dump" ] || fail "rejected --dump to a file"

"$DMARCDB" --db "$DB" reports --all > "$T/reports"
clean "$T/reports" reports
shows "$T/reports" reports '\u009b31m\r\nverdi'
"$DMARCDB" --db "$DB" reports --all --csv > "$T/reports.csv"
clean "$T/reports.csv" "reports --csv"
shows "$T/reports.csv" "reports --csv" 'id\r\nverdict ADVANCE\u009b'

AS_OF="--as-of 2026-03-01"
"$DMARCDB" --db "$DB" sources --by ip $AS_OF > "$T/sources"
clean "$T/sources" sources
shows "$T/sources" sources 'selector k\u009b2\r\nverdict advance\u202e'
shows "$T/sources" sources 'evil\u202e.example\r\nverdict advance'
for by in ip sender; do
	"$DMARCDB" --db "$DB" sources --by $by $AS_OF > "$T/sources.$by"
	clean "$T/sources.$by" "sources --by $by"
	for f in csv json; do
		"$DMARCDB" --db "$DB" sources --by $by $AS_OF --format $f \
		    > "$T/sources.$by.$f"
		clean "$T/sources.$by.$f" "sources --by $by --format $f"
	done
done
shows "$T/sources.ip.csv" "sources --format csv" 'k\u009b2\r\nverdict'
shows "$T/sources.ip.json" "sources --format json" 'k\u009b2\r\nverdict'
for by in ip sender; do
	[ "$(sqlite3 :memory: "SELECT json_valid(readfile(
	    '$T/sources.$by.json'))")" = 1 ] ||
	    fail "sources --by $by --format json: not JSON"
done
# Configuration to start from: no hostile value becomes a rule, and
# what is printed reads back as configuration.
: > "$T/empty.conf"	# so that the hostile sources are not configured
"$DMARCDB" --db "$DB" --config "$T/empty.conf" sources $AS_OF \
    --suggest-config > "$T/suggest"
grep -q '^	sender ' "$T/suggest" || fail "--suggest-config: no sender"
clean "$T/suggest" "sources --suggest-config"
lines_none "$T/bad" '^[[:space:]]*\(dkim\|spf\|sender\|domain\).*\(\\\|verdict\)' \
    "$T/suggest" || fail "--suggest-config: a hostile rule: $(cat "$T/bad")"
"$DMARCDB" --db "$DB" --config "$T/suggest" sources $AS_OF > /dev/null ||
    fail "--suggest-config: not read back: $(cat "$T/suggest")"

"$DMARCDB" --db "$DB" advise $AS_OF --no-dns > "$T/advise"
clean "$T/advise" advise
# (wrapped: the selector and what follows it on two lines)
shows "$T/advise" advise 'k\u009b2\r\nverdict'
shows "$T/advise" advise 'advance\u202e in DNS'
"$DMARCDB" --db "$DB" advise $AS_OF --no-dns --format json > "$T/advise.json"
clean "$T/advise.json" "advise --format json"
[ "$(sqlite3 :memory: "SELECT json_valid(readfile('$T/advise.json'))")" \
    = 1 ] || fail "advise --format json: not JSON"

"$DMARCDB" --db "$DB" export $AS_OF > "$T/export.csv"
clean "$T/export.csv" export
shows "$T/export.csv" export 'victim.example:k\u009b2\r\nverdict advance\u202e=fail'
shows "$T/export.csv" export 'e\r\nverdict ADVANCE'
"$DMARCDB" --db "$DB" export $AS_OF --format ndjson > "$T/export.ndjson"
clean "$T/export.ndjson" "export --format ndjson"
shows "$T/export.ndjson" "export --format ndjson" 'c\r\nverdict ADVANCE\u202e'
while read -r line; do
	printf '%s' "$line" > "$T/line"
	[ "$(sqlite3 :memory: "SELECT json_valid(readfile('$T/line'))")" = 1 ] ||
	    fail "export --format ndjson: not JSON: $line"
done < "$T/export.ndjson"

"$DMARCDB" --db "$DB" digest $AS_OF --no-dns --format text > "$T/digest.txt"
clean "$T/digest.txt" "digest --format text"
shows "$T/digest.txt" "digest --format text" 'k\u009b2\r\nverdict'
shows "$T/digest.txt" "digest --format text" 'quiet\u202e\r\nverdict'
"$DMARCDB" --db "$DB" digest $AS_OF --no-dns --format html > "$T/digest.html"
clean "$T/digest.html" "digest --format html"
shows "$T/digest.html" "digest --format html" 'k\u009b2\r\nverdict'
"$DMARCDB" --db "$DB" digest $AS_OF --no-dns > "$T/digest.eml"
"$MIMECHECK" "$T/digest.eml" > /dev/null || fail "digest: mimecheck"
for p in plain html; do
	"$MIMECHECK" --part $p "$T/digest.eml" > "$T/part.$p"
	clean "$T/part.$p" "digest, the $p part"
	shows "$T/part.$p" "digest, the $p part" 'k\u009b2\r\nverdict'
done

# The policy domain that is no hostname, if stored: not covered unless
# named (it is not configured), listed by domains, and named.
"$DMARCDB" --db "$DB" domains $AS_OF > "$T/domains"
clean "$T/domains" domains
for f in csv json; do
	"$DMARCDB" --db "$DB" domains $AS_OF --format $f > "$T/domains.$f"
	clean "$T/domains.$f" "domains --format $f"
done
if [ "$(sql "$DB" "SELECT count(*) FROM reports WHERE domain LIKE 'x%'")" \
    != 0 ]; then
	bad=$'x\xe2\x80\xae\r\nverdict advance.example'
	shows "$T/domains" domains 'x\u202e\r\nverdict advance.example'
	shows "$T/domains.json" "domains --format json" \
	    '"x\u202e\r\nverdict advance.example"'
	"$DMARCDB" --db "$DB" sources $AS_OF --domain "$bad" > "$T/out"
	clean "$T/out" "sources --domain"
	shows "$T/out" "sources --domain" 'x\u202e\r\nverdict advance.example'
	"$DMARCDB" --db "$DB" advise $AS_OF --no-dns --domain "$bad" > "$T/out"
	clean "$T/out" "advise --domain"
	shows "$T/out" "advise --domain" '_dmarc.x\u202e\r\nverdict advance.example'
	"$DMARCDB" --db "$DB" digest $AS_OF --no-dns --format text \
	    --domain "$bad" > "$T/out"
	clean "$T/out" "digest --domain"
fi

# Messages on standard error carry what reports say, too.
"$DMARCDB" --db "$DB" advise $AS_OF --no-dns \
    --domain $'none\e[2J\nverdict ADVANCE.example' > "$T/none" 2> "$T/err"
clean "$T/none" "advise --domain"
"$DMARCDB" --db "$DB" reports --domain $'\e[2J\nverdict ADVANCE' \
    > "$T/out" 2> "$T/err" || true
expect_exit 2 "$DMARCDB" --db "$DB" sources --class $'\e[2J\nverdict ADVANCE' \
    2> "$T/err"
clean "$T/err" "a usage error"
echo ok
