#!/bin/bash
# digest-cases.sh: the digest of the weeks a reader meets, against golden
# text and HTML (tests/golden/digest-case-*; UPDATE_GOLDEN=1 rewrites
# them): all good; a new ESP whose mail fails DMARC; a dead ingest, its
# newest report 7 and 30 days old; no configuration at all.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixtures.sh"

# line ORG DAY DOMAIN POLICY RECORD...: a record of a report ("reports").
line() {
	o_=$1 d_=$2 n_=$3 p_=$4
	shift 4
	echo "$o_ 7489 $d_ domain=$n_,$p_ $*"
}

# Four weeks, 1 to 28 February; the digest's week is 22 to 28 February.
# shop.example: at p=reject, its own server and Mailchimp pass.
# news.example: monitoring (p=none), everything passes: ready for the
# next step; from 23 February, SendGrid sends for it too, unset up (its
# DKIM and SPF are SendGrid's own, not aligned), so that mail fails.
for day in $(days 2026-02-01 28); do
	line google.com "$day" shop.example p=reject,np=reject 192.0.2.10 \
	    900 shop.example none pass pass shop.example:s1:pass \
	    shop.example:mfrom:pass -
	line google.com "$day" shop.example p=reject,np=reject \
	    198.51.100.20 300 shop.example none pass fail \
	    shop.example:k1:pass mcsv.net:mfrom:pass -
	line Yahoo "$day" shop.example p=reject,np=reject 192.0.2.10 150 \
	    shop.example none pass pass shop.example:s1:pass \
	    shop.example:mfrom:pass -
	line google.com "$day" news.example p=none 192.0.2.11 400 \
	    news.example none pass pass news.example:s1:pass \
	    news.example:mfrom:pass -
	if ! [ "$day" \< 2026-02-23 ]; then
		line google.com "$day" news.example p=none 167.89.1.1 250 \
		    news.example none fail fail sendgrid.net:s1:pass \
		    em1234.sendgrid.net:mfrom:pass -
	fi
done > "$T/lines"
mkdir "$T/r"
reports "$T/r" < "$T/lines"

# The configuration: the senders by name, and where the digest goes.
cat > "$T/good.conf" <<'EOF'
domain shop.example {
	record "v=DMARC1; p=reject; np=reject; rua=mailto:dmarc@shop.example";
	sender "our mail server" { ip 192.0.2.0/24; }
	sender "Mailchimp" { dkim shop.example selector k1; }
}
domain news.example {
	record "v=DMARC1; p=none; rua=mailto:dmarc@news.example";
	sender "our mail server" { ip 192.0.2.0/24; }
}
digest {
	from "DMARC reports <dmarc-reports@example.com>";
	to marketing-ops@example.com;
}
EOF
DMARCDB_CONFIG=$T/good.conf
export DMARCDB_CONFIG
"$QUICK" -q --db "$DB" ingest "$T/r"
# The ingest ran today: put it on the digest's day, at 00:01.
sql "$DB" "UPDATE ingest_runs SET started_at = 1772323260,
    finished_at = 1772323265"

# case NAME ARGS...: text and HTML, golden.
case_() {
	n_=$1
	shift
	golden "digest-case-$n_.txt" "$QUICK" --db "$DB" digest --no-dns \
	    --format text "$@"
	golden "digest-case-$n_.html" "$QUICK" --db "$DB" digest --no-dns \
	    --format html "$@"
}

# All good: shop.example alone.
case_ good --as-of 2026-03-01 --domain shop.example
grep -q "^  All good$" "$T/digest-case-good.txt" ||
    fail "all good: $(sed -n 3,6p "$T/digest-case-good.txt")"

# The new ESP: both domains.
case_ esp --as-of 2026-03-01
# The dead ingest: the same reports, read 7 and 30 days after the
# newest (28 February): the week before them has none either.
case_ dead7 --as-of 2026-03-08
case_ dead30 --as-of 2026-03-31

# No configuration: no names, no record, domains from the reports.
: > "$T/empty.conf"
DMARCDB_CONFIG=$T/empty.conf case_ noconf --as-of 2026-03-01

# Once under memcheck (make check-valgrind): the new ESP, both parts.
"$DMARCDB" --db "$DB" digest --no-dns --as-of 2026-03-01 > "$T/esp.eml" ||
    fail "digest: exit $?"
grep -q "^Subject: DMARC weekly: worth a look: is SendGrid yours?" \
    "$T/esp.eml" || fail "subject: $(grep "^Subject:" "$T/esp.eml")"

has() { # FILE PHRASE: in the text, its lines joined
	tr -s ' \n' '  ' < "$T/$1" | grep -qF -- "$2"
}
has digest-case-esp.txt "Is SendGrid yours?" ||
    fail "the ESP is not asked about"
# Its domain is ready for a step that harms no mail (advise says so),
# but the next step waits for the answer: never "ready" alone.
has digest-case-esp.txt "news.example 4,300 65.1% a question first" ||
    fail "the domain whose new sender fails is ready, says the overview"
has digest-case-esp.txt "- news.example is ready for the next step once you know whether SendGrid is yours" ||
    fail "the step does not wait for the answer about SendGrid"
grep_none "^  + news.example" "$T/digest-case-esp.txt" ||
    fail "a domain whose new sender fails is listed as good news"
has digest-case-esp.txt "But first find out whether SendGrid is yours (above)" ||
    fail "the policy's next step does not wait for the answer"
# Advise's judgement is of its own 30 days, and says so.
has digest-case-esp.txt "Judged on the last 30 days of reports (since 2026-01-30)" ||
    fail "the 30-day judgement of advise is not said to be one"
has digest-case-dead7.txt "No reports for 7 days" ||
    fail "dead ingest, 7 days"
has digest-case-dead30.txt "No reports for 30 days" ||
    fail "dead ingest, 30 days"
echo ok
