#!/bin/bash
# digest.sh: dmarcdb digest on reports written for each kind of week (a
# healthy one, an authorised sender that breaks, new unknown senders, a
# domain whose reports stop, a period with no reports at all, several
# domains at once), against golden output (tests/golden/digest-*;
# UPDATE_GOLDEN=1 rewrites it).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixtures.sh"

R=$T/r
mkdir -p "$R"
ok() { # IP COUNT DOMAIN: aligned DKIM and SPF
	echo "$1 $2 $3 none pass pass $3:s1:pass $3:mfrom:pass -"
}

# healthy.example: p=quarantine for four weeks, everything passes.
for day_ in $(days 2026-02-01 28); do
	report "$R" google.com 7489 "$day_" \
	    domain=healthy.example,p=quarantine,adkim=r,aspf=r <<-EOF
	$(ok 192.0.2.10 400 healthy.example)
	198.51.100.20 120 healthy.example none pass fail healthy.example:k1:pass mcsv.net:mfrom:pass -
	EOF
	report "$R" Yahoo 9990 "$day_" \
	    domain=healthy.example,p=quarantine,testing=n <<-EOF
	$(ok 192.0.2.10 80 healthy.example)
	EOF
done

# broken.example: the helpdesk's DKIM key breaks on 2026-02-22.
for day_ in $(days 2026-02-01 28); do
	if [ "$day_" \< 2026-02-22 ]; then
		hd="broken.example:zd1:pass"
		hdk=pass
	else
		hd="broken.example:zd1:fail"
		hdk=fail
	fi
	report "$R" google.com 7489 "$day_" \
	    domain=broken.example,p=none,adkim=r,aspf=r <<-EOF
	$(ok 192.0.2.10 300 broken.example)
	203.0.113.40 60 broken.example none $hdk fail $hd helpdesk-mail.example:mfrom:pass -
	EOF
done

# spoofed.example: good mail, then new unknown senders this week.
for day_ in $(days 2026-02-01 28); do
	{
		ok 192.0.2.10 200 spoofed.example
		if ! [ "$day_" \< 2026-02-23 ]; then
			echo "203.0.113.66 45 spoofed.example none fail fail - spoofed.example:mfrom:fail -"
			echo "198.18.0.9 12 spoofed.example none fail fail - badguy.example:mfrom:pass -"
		fi
	} | report "$R" google.com 7489 "$day_" \
	    domain=spoofed.example,p=none
done

# quiet.example: its reports stop on 2026-02-18.
for day_ in $(days 2026-02-01 18); do
	report "$R" google.com 7489 "$day_" domain=quiet.example,p=none <<-EOF
	$(ok 192.0.2.10 50 quiet.example)
	EOF
done

# A broken input, rejected and kept.
printf '<?xml version="1.0"?>\n<feedback><report_metadata>\n' > "$R/broken.xml"

DMARCDB_CONFIG=$SRCDIR/tests/e2e/digest.conf
export DMARCDB_CONFIG
expect_exit 1 "$DMARCDB" -q --db "$DB" ingest "$R" 2> /dev/null
# Ingest ran today; put the run and the rejection inside the period.
sql "$DB" "UPDATE ingest_runs SET started_at = 1772236800,
    finished_at = 1772236860;
    UPDATE rejected_inputs SET first_seen = 1772236800,
    last_seen = 1772236800"

AS_OF="--as-of 2026-03-01"


golden digest-healthy.txt "$DMARCDB" --db "$DB" digest $AS_OF --no-dns \
    --format text --domain healthy.example
golden digest-broken.txt "$DMARCDB" --db "$DB" digest $AS_OF --no-dns \
    --format text --domain broken.example
golden digest-spoofed.txt "$DMARCDB" --db "$DB" digest $AS_OF --no-dns \
    --format text --domain spoofed.example
golden digest-none.txt "$DMARCDB" --db "$DB" digest --as-of 2026-06-01 \
    --no-dns --format text
golden digest-all.txt "$DMARCDB" --db "$DB" digest $AS_OF --no-dns \
    --format text
golden digest-all.html "$DMARCDB" --db "$DB" digest $AS_OF --no-dns \
    --format html
golden digest-all.eml "$DMARCDB" --db "$DB" digest $AS_OF --no-dns

# The facts that matter, one by one, in the text with its lines joined.
has() { # FILE PHRASE
	tr -s ' \n' '  ' < "$1" | grep -qF -- "$2"
}
G=$T/digest-all.txt
grep -q "^DMARC report, 2026-02-22 to 2026-02-28" "$G" || fail "title"
# The banner: the sender that broke, by name, first.
has "$T/digest-broken.txt" "! Action needed: Helpdesk started failing DMARC on broken.example (420 messages this week), and 1 more below" ||
    fail "banner: broken sender not named"
has "$T/digest-broken.txt" "Helpdesk started failing (420 messages this week). Who fixes it: whoever manages your DNS. What to send them: DKIM d=broken.example fails (fail); SPF passes for helpdesk-mail.example but is not aligned with broken.example: check the DKIM key of selector zd1 in DNS." ||
    fail "broken sender without its fix and who makes it"
# Names, not addresses.
grep_none "203\.0\.113\.40 " "$T/digest-broken.txt" ||
    fail "the broken sender's address is shown"
# No address at all, in any part (the quoted advice included).
for f_ in "$T"/digest-*.txt; do
	grep_none -E '(^|[^0-9.])[0-9]{1,3}(\.[0-9]{1,3}){3}([^0-9.]|$)' \
	    "$f_" || fail "$(basename "$f_"): an IP address is shown"
done
has "$T/digest-spoofed.txt" "unauthenticated senders, 270 messages: spoofing, most likely" ||
    fail "new unknown sender"
has "$T/digest-spoofed.txt" "badguy.example, 72 messages as spoofed.example, 0.0% passed" ||
    fail "unknown sender not named by its SPF domain"
has "$T/digest-spoofed.txt" "Is badguy.example yours? It started sending as spoofed.example this week (72 messages), and its mail fails DMARC" ||
    fail "new unknown sender not asked about"
has "$G" "! No reports about quiet.example this week" ||
    fail "quiet domain"
has "$G" "! no reports this week; the newest covers up to 2026-02-18" ||
    fail "quiet domain: the newest report"
has "$T/digest-none.txt" "No DMARC reports arrived about this week" ||
    fail "a period without reports does not say so"
has "$T/digest-healthy.txt" "+ healthy.example is ready for the next step" ||
    fail "a healthy week: not ready"
grep_none "Action needed" "$T/digest-healthy.txt" ||
    fail "a healthy week needs action"
# Plain words: no stages, no classes, no points.
grep_none "stage [0-9] of 5\|misconfigured\| pt\b\|soft reject" "$G" ||
    fail "jargon: $(grep "stage [0-9] of 5\|misconfigured\| pt\b\|soft reject" "$G")"
grep -q "^Subject: DMARC weekly: action needed: Helpdesk started failing DMARC on" "$T/digest-all.eml" ||
    fail "subject: $(grep '^Subject' "$T/digest-all.eml")"
grep -q "^Auto-Submitted: auto-generated" "$T/digest-all.eml" ||
    fail "no Auto-Submitted"
grep -q "^To: marketing-ops@example.com" "$T/digest-all.eml" ||
    fail "To from the configuration"
has "$G" "Not readable 1 input this week" ||
    fail "rejected input not counted"
has "$G" "! The last ingest (2026-02-28 00:00 UTC) could not read 1 of 131 inputs (kept: dmarcdb rejected)" ||
    fail "the last ingest's rejects not said"

# The digest's other items, each on a domain of its own, in a database
# of its own: a step back (authorised mail at 80% under p=quarantine),
# two senders that started failing this week, one that still fails as
# the week before, and a configured domain without any report.
I=$T/items.db
mkdir "$T/items"
for day in $(days 2026-02-15 14); do
	wk=prev
	[ "$day" \< 2026-02-22 ] || wk=cur
	{
		echo "192.0.2.10 80 stepback.example none pass pass stepback.example:s1:pass stepback.example:mfrom:pass -"
		echo "192.0.2.10 20 stepback.example none fail fail stepback.example:s1:fail stepback.example:mfrom:fail -"
	} | report "$T/items" google.com 7489 "$day" domain=stepback.example,p=quarantine
	r=pass
	[ $wk = prev ] || r=fail
	{
		echo "192.0.2.10 100 several.example none pass pass several.example:s1:pass several.example:mfrom:pass -"
		echo "192.0.2.20 10 several.example none $r $r several.example:a1:$r several.example:mfrom:$r -"
		echo "192.0.2.30 10 several.example none $r $r several.example:b1:$r several.example:mfrom:$r -"
		echo "192.0.2.40 10 several.example none fail fail several.example:c1:fail several.example:mfrom:fail -"
	} | report "$T/items" google.com 7489 "$day" domain=several.example,p=none
done
"$DMARCDB" -q --db "$I" ingest "$T/items"
printf '%s\n' "location-db \"$T/no-location.db\";" \
    'domain stepback.example { sender "our MTA" { ip 192.0.2.10/32; } }' \
    'domain several.example {' '	sender "our MTA" { ip 192.0.2.10/32; }' \
    '	sender "ESP A" { ip 192.0.2.20/32; }' \
    '	sender "ESP B" { ip 192.0.2.30/32; }' \
    '	sender "Helpdesk" { ip 192.0.2.40/32; }' '}' \
    'domain noreports.example { sender "our MTA" { ip 192.0.2.10/32; } }' \
    > "$T/items.conf"
DMARCDB_CONFIG=$T/items.conf "$DMARCDB" -q --db "$I" digest $AS_OF \
    --no-dns --format text > "$T/items.txt"
F=$T/items.txt
has "$F" "! Mailbox providers are stopping legitimate mail of stepback.example: relax its policy one step" ||
    fail "digest: no step back: $(cat "$F")"
has "$F" "! mailbox providers are stopping some of your own mail: only 80.0% of it passes DMARC. Relax the policy one step" ||
    fail "digest: no step back in the domain: $(cat "$F")"
has "$F" "! ESP A started failing DMARC on several.example (70 messages this week)" ||
    fail "digest: several broken senders: $(cat "$F")"
has "$F" "! ESP B started failing DMARC on several.example (70 messages this week)" ||
    fail "digest: several broken senders: $(cat "$F")"
has "$F" "! Helpdesk still fails DMARC on several.example (70 messages this week)" ||
    fail "digest: a sender still failing: $(cat "$F")"
has "$F" "! Action needed: mailbox providers are stopping legitimate mail of stepback.example: relax its policy one step, and 5 more below" ||
    fail "digest: the banner of several senders: $(head -8 "$F")"
has "$F" "! no reports at all: check that the domain's DMARC record has rua= pointing to the mailbox dmarcdb reads" ||
    fail "digest: a domain without reports: $(cat "$F")"

# The same digest, whatever the time it is made at.
"$DMARCDB" --db "$DB" digest $AS_OF --no-dns > "$T/again.eml"
cmp -s "$T/again.eml" "$T/digest-all.eml" || fail "not reproducible"
echo ok
