#!/bin/bash
# advice.sh: advice that is safe to follow (dmarcdb(1), ADVICE), on
# generated reports over four weeks, as a careful consultant would
# judge them:
#
# - vendor.example, at p=quarantine; pct=0; t=y (stage 1), its own
#   servers configured and passing: a helpdesk (Zendesk, signing as
#   itself) sends 0.5% of the mail and fails DMARC. Quarantine would
#   stop it, and nothing says it is not ours: hold, and ask. Spoofing
#   (5% of the mail, no passing authentication) never holds the advice;
#   an unknown domain below the floors (20 messages) neither.
# - The floors (unverified-messages, unverified-share) at their
#   boundaries: equal blocks, just above does not.
# - Labels: marked not ours (not-ours "Zendesk";), or a forwarder, it
#   holds nothing and is not warned about again; the domain advances.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixtures.sh"

D=vendor.example
mkdir "$T/r"
for day in $(days 2026-02-01 28); do
	mta=945
	[ "$day" != 2026-02-20 ] || mta=925
	{
		echo "192.0.2.10 $mta $D none pass pass $D:s1:pass" \
		    "$D:mfrom:pass -"
		# An unknown domain authenticating for itself, once, below
		# the floors.
		[ "$day" != 2026-02-20 ] || echo "198.18.7.7 20 $D none" \
		    "fail fail - tiny.example:mfrom:pass -"
		echo "192.161.144.20 5 $D none fail fail" \
		    "zendesk.com:zendesk1:pass mail.zendesk.com:mfrom:pass -"
		echo "45.1.1.$((10#${day##*-})) 50 $D none fail fail -" \
		    "$D:mfrom:fail -"
	} | report "$T/r" google.com 7489 "$day" \
	    domain=$D,p=quarantine,pct=0
done
"$QUICK" -q --db "$DB" ingest "$T/r"

conf() { # FILE THRESHOLDS...
	f=$1
	shift
	{
		echo "location-db \"$T/no-location.db\";"
		echo "domain $D {"
		echo "	sender \"our MTA\" { ip 192.0.2.0/24; }"
		echo "	thresholds { $* }"
		echo "}"
	} > "$f"
}
conf "$T/conf" ""
A="$DMARCDB -q --db $DB advise --as-of 2026-03-01 --no-dns --domain $D"
# The runs at the boundaries repeat paths run under memcheck (lib.sh).
AQ="$QUICK -q --db $DB advise --as-of 2026-03-01 --no-dns"
golden advice-unverified.txt $A --config "$T/conf"
has() { # FILE PHRASE: with lines joined
	tr -s ' \n' '  ' < "$1" | grep -qF -- "$2"
}
vn() { # CONFIG DOMAIN [MEMBER]: the verdict, then the next stage (or MEMBER)
	$AQ --config "$1" --domain "$2" --format json > "$T/vn.json"
	sqlite3 -batch :memory: "SELECT json_extract(value, '\$.verdict')
	    || ' ' || json_extract(value, '\$.${3:-next_stage.number}')
	    FROM json_each(readfile('$T/vn.json'), '\$.domains')"
}
F=$T/advice-unverified.txt
has "$F" "verdict HOLD at stage 1, soft quarantine" || fail "not held"
has "$F" "is this yours? Zendesk (not as us) (192.161.144.20) sent 140 messages (0.5% of the mail) as vendor.example that fail DMARC; it authenticates as DKIM zendesk.com, nothing aligned. If it is yours: enable DKIM for vendor.example in Zendesk" ||
    fail "no question for the helpdesk"
# Spoofing and the small unknown domain: never a blocker.
json() { # CONFIG KIND: the notes of that kind, one a line
	$AQ --domain $D --config "$1" --format json > "$T/a.json"
	sqlite3 -batch :memory: "SELECT value FROM json_each(readfile(
	    '$T/a.json'), '\$.domains[0].$2')"
}
json "$T/conf" blockers > "$T/blockers"
[ "$(wc -l < "$T/blockers")" -eq 1 ] ||
    fail "one blocker only: $(cat "$T/blockers")"
grep_none "tiny.example\|no passing authentication" "$T/blockers" ||
    fail "spoofing or a sender below the floors blocks"

# The floors at their boundaries: 140 messages, 0.5% of 28,000.
verdict() { vn "$1" $D | cut -d' ' -f1; }	# CONFIG: advance, hold...
conf "$T/c1" "unverified-messages 140;"
[ "$(verdict "$T/c1")" = hold ] || fail "unverified-messages 140: not held"
conf "$T/c2" "unverified-messages 141;"
[ "$(verdict "$T/c2")" = advance ] || fail "unverified-messages 141: held"
conf "$T/c3" "unverified-share 0.5;"
[ "$(verdict "$T/c3")" = hold ] || fail "unverified-share 0.5: not held"
conf "$T/c4" "unverified-share 0.51;"
[ "$(verdict "$T/c4")" = advance ] || fail "unverified-share 0.51: held"

# Marked as the domain's own sender, it is judged as one: misconfigured,
# and a blocker whatever its share.
{
	echo "location-db \"$T/no-location.db\";"
	echo "domain $D {"
	echo "	sender \"our MTA\" { ip 192.0.2.0/24; }"
	echo "	sender \"helpdesk\" { dkim zendesk.com; }"
	echo "	thresholds { significant 50; }"
	echo "}"
} > "$T/c5"
json "$T/c5" blockers | grep -q '^helpdesk (192.161.144.20), 140 messages (0.5% of the mail): ' ||
    fail "configured helpdesk: $(json "$T/c5" blockers)"

# Acknowledged once in the configuration, quiet from then on.
for how in 'not-ours "Zendesk";' 'forwarder "zendesk";'; do
	{
		echo "location-db \"$T/no-location.db\";"
		echo "domain $D {"
		echo "	sender \"our MTA\" { ip 192.0.2.0/24; }"
		echo "	$how"
		echo "}"
	} > "$T/c6"
	[ "$(verdict "$T/c6")" = advance ] || fail "$how: not advanced"
	$AQ --domain $D --config "$T/c6" > "$T/c6.txt"
	# Named among the new senders only: no question, no warning.
	grep_none "is this yours\|Zendesk (not as us) (" "$T/c6.txt" ||
	    fail "$how: still asked: $(cat "$T/c6.txt")"
done
# A name that is not a sender's is no label: still held.
printf '%s\n' "domain $D {" '	sender "our MTA" { ip 192.0.2.0/24; }' \
    '	not-ours "Zendesk Inc";' '}' > "$T/c7"
[ "$(verdict "$T/c7")" = hold ] || fail "a wrong name acknowledged it"
printf 'domain %s { not-ours; }\n' "$D" > "$T/c8"
expect_exit 3 $AQ --domain $D --config "$T/c8" 2> "$T/err"
grep -q "expected a sender's name after not-ours" "$T/err" ||
    fail "not-ours without a name: $(cat "$T/err")"

# Shared infrastructure does not authorise: "spf sendgrid.net" is not
# an attacker's em1234.attacker-shop.sendgrid.net (only "*.sendgrid.net"
# says subdomains); of overlapping ip rules, the longest prefix wins,
# whatever the order of the senders.
S=shared.example
mkdir "$T/s"
for day in $(days 2026-02-01 28); do
	{
		echo "192.0.2.10 500 $S none pass pass $S:s1:pass" \
		    "$S:mfrom:pass -"
		echo "192.0.2.77 100 $S none pass pass $S:s2:pass" \
		    "$S:mfrom:pass -"
		echo "198.18.1.1 30 $S none fail fail -" \
		    "em1234.attacker-shop.sendgrid.net:mfrom:pass -"
	} | report "$T/s" google.com 7489 "$day" domain=$S,p=none
done
"$QUICK" -q --db "$DB" ingest "$T/s"
shared() { # SPF-RULE: the sender and class of each address
	printf '%s\n' "domain $S {" \
	    '	sender "relay pool" { ip 192.0.2.0/24; }' \
	    '	sender "newsletters" { ip 192.0.2.77/32; }' \
	    "	sender \"SendGrid\" { spf $1; }" '}' > "$T/shared.conf"
	"$DMARCDB" -q --db "$DB" --config "$T/shared.conf" sources --by ip \
	    --as-of 2026-03-01 --domain $S --format csv |
	    awk -F, 'NR > 1 { print $2 "," $4 "," $18 }' | tr -d '"' | sort
}
[ "$(shared sendgrid.net)" = "$(printf '%s\n' \
    '192.0.2.10,compliant,relay pool' '192.0.2.77,compliant,newsletters' \
    '198.18.1.1,unknown,')" ] ||
    fail "spf sendgrid.net: $(shared sendgrid.net)"
[ "$(shared '*.sendgrid.net' | sed -n 3p)" = \
    "198.18.1.1,misconfigured,SendGrid" ] ||
    fail "spf *.sendgrid.net: $(shared '*.sendgrid.net')"

# Harm now: at p=quarantine (stage 3), receivers quarantine 280 of the
# 1,400 messages of an authorised newsletter sender (20%), while the
# domain's authorised mail passes at 99%: step back, and say whose mail.
# An unverified sender's quarantined mail alone holds, never steps back.
H=harm.example
mkdir "$T/h"
for day in $(days 2026-02-01 28); do
	for d in $H unv.example; do
		echo "192.0.2.10 1000 $d none pass pass $d:s1:pass $d:mfrom:pass -"
		if [ $d = $H ]; then
			echo "192.0.2.50 40 $d none pass fail $d:nl:pass" \
			    "bounce.sendright.example:mfrom:pass -"
			echo "192.0.2.50 10 $d quarantine fail fail $d:nl:fail" \
			    "bounce.sendright.example:mfrom:pass -"
		else
			echo "192.161.144.20 10 $d quarantine fail fail" \
			    "zendesk.com:zendesk1:pass mail.zendesk.com:mfrom:pass -"
		fi
	done | awk -v h=$H '{ print > ($3 == h ? "'"$T"'/h1" : "'"$T"'/h2") }'
	report "$T/h" google.com 7489 "$day" domain=$H,p=quarantine < "$T/h1"
	report "$T/h" google.com 7489 "$day" domain=unv.example,p=quarantine \
	    < "$T/h2"
done
"$QUICK" -q --db "$DB" ingest "$T/h"
harmconf() { # THRESHOLDS...
	printf '%s\n' "location-db \"$T/no-location.db\";" \
	    "domain $H unv.example {" \
	    '	sender "our MTA" { ip 192.0.2.10/32; }' \
	    '	sender "SendRight" { dkim '"$H"' selector nl; }' \
	    "	thresholds { $* }" '}' > "$T/harm.conf"
}
harmconf ""
AH="$DMARCDB -q --db $DB advise --as-of 2026-03-01 --no-dns"
golden advice-harm.txt $AH --config "$T/harm.conf" --domain $H \
    --domain unv.example
F=$T/advice-harm.txt
has "$F" "verdict STEP BACK to stage 1, soft quarantine - receivers quarantine or reject the authorised mail of SendRight: 280 messages, 20.0% of it" ||
    fail "harm: no step back"
has "$F" "harmed - SendRight (192.0.2.50): 280 of its 1,400 authorised messages quarantined or rejected (20.0%)" ||
    fail "harm: not shown per sender"
has "$F" "harmed - Zendesk (not as us) (192.161.144.20): 280 messages quarantined or rejected; is it yours?" ||
    fail "harm: the unverified sender's"
hv() { vn "$T/harm.conf" "$1"; }
[ "$(hv unv.example)" = "hold 3" ] || fail "unverified harm: $(hv unv.example)"
# Its boundaries: 280 messages, 20% of the sender's authorised mail.
harmconf "harm-messages 280;"
[ "$(hv $H)" = "step back 1" ] || fail "harm-messages 280: $(hv $H)"
harmconf "harm-messages 281;"
[ "$(hv $H)" = "hold 3" ] || fail "harm-messages 281: $(hv $H)"
harmconf "harm 20;"
[ "$(hv $H)" = "step back 1" ] || fail "harm 20: $(hv $H)"
harmconf "harm 20.01;"
[ "$(hv $H)" = "hold 3" ] || fail "harm 20.01: $(hv $H)"

# A parked domain: 28 days of reports, spoofing only. No ladder to
# walk: p=reject now, with SPF -all and a null MX. One passing message
# (a sender of its own) and it is not parked; nor with fewer days of
# mail than min-days (28 here: at the boundary, parked); nor with no
# reports in the window (digest.sh, digest-none: no evidence at all).
P=parked.example
mkdir "$T/p"
for day in $(days 2026-02-01 28); do
	for d in $P sends.example; do
		echo "45.9.9.$((10#${day##*-})) 7 $d none fail fail - $d:mfrom:fail -"
		[ $d = $P ] || [ "$day" != 2026-02-10 ] ||
		    echo "192.0.2.10 1 $d none pass pass $d:s1:pass $d:mfrom:pass -"
	done | awk '{ print > ("'"$T"'/p-" $3) }'
	report "$T/p" google.com 7489 "$day" domain=$P,p=none < "$T/p-$P"
	report "$T/p" google.com 7489 "$day" domain=sends.example,p=none \
	    < "$T/p-sends.example"
done
"$QUICK" -q --db "$DB" ingest "$T/p"
pconf() { # MIN-DAYS
	printf '%s\n' "location-db \"$T/no-location.db\";" \
	    "domain $P sends.example {" \
	    "	thresholds { min-days $1; }" '}' > "$T/p.conf"
}
pconf 14
golden advice-parked.txt $AH --config "$T/p.conf" --domain $P
F=$T/advice-parked.txt
has "$F" "verdict ADVANCE to stage 5, reject - no mail as parked.example passes DMARC in the 30 days (196 messages reported): nothing legitimate sends as it" ||
    fail "parked: not advanced to reject"
has "$F" 'also publish "v=spf1 -all" as its SPF record (TXT at parked.example) and a null MX (parked.example. IN MX 0 ., RFC 7505)' ||
    fail "parked: SPF and MX not said"
pv() { vn "$T/p.conf" "$1"; }
[ "$(pv sends.example)" != "advance 5" ] || fail "one passing message: parked"
pconf 28
[ "$(pv $P)" = "advance 5" ] || fail "min-days 28: $(pv $P)"
pconf 29
[ "$(pv $P)" = "hold 0" ] || fail "min-days 29: $(pv $P)"

# sp weaker than p: said at every step, with the subdomains' failing
# mail; sp as strong as p, nothing to say.
mkdir "$T/sp"
for day in $(days 2026-02-01 28); do
	for d in weak-sp.example strong-sp.example; do
		sp=none
		[ $d = weak-sp.example ] || sp=reject
		{
			echo "192.0.2.10 100 $d none pass pass $d:s1:pass" \
			    "$d:mfrom:pass -"
			echo "45.8.8.8 5 mail.$d none fail fail -" \
			    "mail.$d:mfrom:fail -"
		} | report "$T/sp" google.com 7489 "$day" \
		    domain=$d,p=quarantine,sp=$sp
	done
done
"$QUICK" -q --db "$DB" ingest "$T/sp"
printf '%s\n' "location-db \"$T/no-location.db\";" \
    'domain weak-sp.example strong-sp.example {' \
    '	sender "our MTA" { ip 192.0.2.10/32; }' '}' > "$T/sp.conf"
$AH --config "$T/sp.conf" --domain weak-sp.example > "$T/weak.txt"
has "$T/weak.txt" "sp=none is weaker than p=reject: mail as any subdomain of weak-sp.example is not stopped (140 messages from subdomains failed DMARC in the window). Publish sp=reject, or leave sp out" ||
    fail "weak sp: $(cat "$T/weak.txt")"
$AQ --config "$T/sp.conf" --domain strong-sp.example > "$T/strong.txt"
grep_none "is weaker than" "$T/strong.txt" || fail "strong sp: weak"
# Reports show the policy in effect, not the record: an sp from them is
# never written. Unknown record: only the tags to change; a record in
# the configuration without sp: the next one has none either.
sed -n 's/^  change *//p' "$T/weak.txt" > "$T/weak.change"
[ -s "$T/weak.change" ] || fail "no change line: $(cat "$T/weak.txt")"
grep_none "sp=" "$T/weak.change" || fail "sp written: $(cat "$T/weak.change")"
printf '%s\n' "location-db \"$T/no-location.db\";" \
    'domain weak-sp.example {' \
    '	record "v=DMARC1; p=quarantine; rua=mailto:d@weak-sp.example";' \
    '	sender "our MTA" { ip 192.0.2.10/32; }' '}' > "$T/sp2.conf"
$AQ --config "$T/sp2.conf" --domain weak-sp.example > "$T/weak2.txt"
sed -n 's/^  publish *//p' "$T/weak2.txt" > "$T/weak2.next"
grep -q "rua=mailto:d@weak-sp.example" "$T/weak2.next" ||
    fail "no next record: $(cat "$T/weak2.txt")"
grep_none "sp=" "$T/weak2.next" || fail "sp written: $(cat "$T/weak2.next")"

# Reports sent outside the domain need the destination's authorisation
# record; those to the domain's own subdomains do not.
printf '%s\n' "location-db \"$T/no-location.db\";" "domain $H {" \
    '	record "v=DMARC1; p=quarantine; rua=mailto:a@vendor-reports.example!10m,mailto:b@rua.harm.example; ruf=mailto:c@Vendor-Reports.example";' \
    '	sender "our MTA" { ip 192.0.2.10/32; }' '}' > "$T/ext.conf"
$AH --config "$T/ext.conf" --domain $H --format json > "$T/ext.json"
sqlite3 -batch :memory: "SELECT value FROM json_each(readfile('$T/ext.json'),
    '\$.domains[0].notes')" > "$T/ext.notes"
grep -qx 'reports go to vendor-reports.example, outside harm.example: they arrive only if vendor-reports.example publishes TXT "v=DMARC1" at harm.example._report._dmarc.vendor-reports.example (RFC 7489 section 7.1)' \
    "$T/ext.notes" || fail "external rua: $(cat "$T/ext.notes")"
[ "$(grep -c '^reports go to' "$T/ext.notes")" = 1 ] ||
    fail "external destinations: once each, not the domain's own: $(cat "$T/ext.notes")"

# dmarcdb config check: rules that match nothing or every customer of a
# service, and senders that matched no mail; the report commands warn.
printf '%s\n' "location-db \"$T/no-location.db\";" "domain $H {" \
    '	sender "our MTA" { ip 192.0.2.10/32; }' \
    '	sender "Google" { spf _spf.google.com; }' \
    '	sender "SendGrid" { dkim sendgrid.net; }' '}' > "$T/lint.conf"
expect_exit 1 "$DMARCDB" -q --db "$DB" --config "$T/lint.conf" config check \
    --as-of 2026-03-01 > "$T/lint.out"
grep -q "^$T/lint.conf:4: sender \"Google\": spf _spf.google.com names an SPF record (an include: target), never a MAIL FROM domain: it matches no mail" \
    "$T/lint.out" || fail "config check, SPF record: $(cat "$T/lint.out")"
grep -q "^$T/lint.conf:5: sender \"SendGrid\": dkim sendgrid.net is SendGrid's own signing domain: every customer of SendGrid passes DKIM for it" \
    "$T/lint.out" || fail "config check, shared: $(cat "$T/lint.out")"
grep -q "^$T/lint.conf:4: sender \"Google\" matched no mail as harm.example from 2026-01-30 to 2026-02-28" \
    "$T/lint.out" || fail "config check, unused: $(cat "$T/lint.out")"
[ "$(wc -l < "$T/lint.out")" = 4 ] || fail "config check: $(cat "$T/lint.out")"
$AQ --config "$T/lint.conf" --domain $H 2> "$T/lint.err" > /dev/null
grep -q "lint.conf:4: sender \"Google\": spf _spf.google.com names an SPF record.*(dmarcdb config check)$" \
    "$T/lint.err" || fail "advise does not warn: $(cat "$T/lint.err")"
"$QUICK" -q --db "$DB" --config "$T/sp.conf" config check \
    --as-of 2026-03-01 > "$T/clean.out" || fail "a clean configuration: $(cat "$T/clean.out")"
[ ! -s "$T/clean.out" ] || fail "a clean configuration: $(cat "$T/clean.out")"
expect_exit 2 "$QUICK" config frobnicate 2> /dev/null

# Low volume: 2 messages a day is 60 in the 30 days, fewer than
# min-messages (100): judged over 60 days (120 messages), and said.
# A trickle (a message every third day: 30 in 90 days, too few even
# over 180 days) with every authorised sender passing is judged by
# time; with one failing message, it holds on the volume. (A window
# without mail is reports that stopped, never judged over older ones:
# digest.sh, digest-none.)
mkdir "$T/low"
i=0
for day in $(days 2025-12-01 90); do
	i=$((i + 1))
	echo "192.0.2.10 2 low.example none pass pass low.example:s1:pass low.example:mfrom:pass -" |
	    report "$T/low" google.com 7489 "$day" domain=low.example,p=none
	[ $((i % 3)) = 0 ] || continue
	for d in trickle.example trickle-bad.example; do
		r=pass
		[ $d = trickle-bad.example ] && [ $i = 45 ] && r=fail
		echo "192.0.2.10 1 $d none $r $r $d:s1:$r $d:mfrom:$r -" |
		    report "$T/low" google.com 7489 "$day" domain=$d,p=none
	done
done
"$QUICK" -q --db "$DB" ingest "$T/low"
lowconf() { # THRESHOLDS...
	printf '%s\n' "location-db \"$T/no-location.db\";" \
	    'domain low.example trickle.example trickle-bad.example {' \
	    '	sender "our MTA" { ip 192.0.2.10/32; }' "	thresholds { $* }" \
	    '}' > "$T/low.conf"
}
lowconf ""
golden advice-low.txt $AH --config "$T/low.conf" --domain low.example \
    --domain trickle.example --domain trickle-bad.example
F=$T/advice-low.txt
has "$F" "judged over 60 days: the 30 days of the window held 60 messages, fewer than min-messages (100)" ||
    fail "low volume: no longer window"
has "$F" "only 30 messages in 180 days, fewer than min-messages, but every authorised sender passes: judged by time" ||
    fail "trickle: not judged by time"
lv() { vn "$T/low.conf" "$1" from; }	# the verdict and the window
[ "$(lv low.example)" = "advance 2025-12-31" ] || fail "low: $(lv low.example)"
[ "$(lv trickle.example)" = "advance 2025-09-02" ] ||
    fail "trickle: $(lv trickle.example)"
[ "$(lv trickle-bad.example | cut -d' ' -f1)" = hold ] ||
    fail "trickle with a failure: $(lv trickle-bad.example)"
# min-messages at the boundary: 60 in the window is enough for 60.
lowconf "min-messages 60;"
[ "$(lv low.example)" = "advance 2026-01-30" ] || fail "min-messages 60: $(lv low.example)"
lowconf "min-messages 61;"
[ "$(lv low.example)" = "advance 2025-12-31" ] || fail "min-messages 61: $(lv low.example)"

# The DKIM gate of a configured sender before p=reject, at its boundary:
# 99.0% of its mail signed with aligned DKIM (the rest SPF only).
mkdir "$T/dk"
for day in $(days 2026-02-01 28); do
	{
		echo "192.0.2.10 990 dk.example none pass pass dk.example:s1:pass dk.example:mfrom:pass -"
		echo "192.0.2.10 10 dk.example none fail pass - dk.example:mfrom:pass -"
	} | report "$T/dk" google.com 7489 "$day" domain=dk.example,p=quarantine
done
"$QUICK" -q --db "$DB" ingest "$T/dk"
dkconf() { # DKIM
	printf '%s\n' "location-db \"$T/no-location.db\";" 'domain dk.example {' \
	    '	sender "our MTA" { ip 192.0.2.10/32; }' \
	    "	thresholds { dkim $1; }" '}' > "$T/dk.conf"
}
dkconf 99
$AH --config "$T/dk.conf" --domain dk.example --format json > "$T/dk.json"
[ "$(sqlite3 -batch :memory: "SELECT json_extract(value, '\$.verdict') || ' '
    || json_extract(value, '\$.next_stage.number') FROM
    json_each(readfile('$T/dk.json'), '\$.domains')")" = "advance 4" ] ||
    fail "dkim 99: $(cat "$T/dk.json")"
dkconf 99.01
$AQ --config "$T/dk.conf" --domain dk.example --format json > "$T/dk.json"
sqlite3 -batch :memory: "SELECT value FROM json_each(readfile('$T/dk.json'),
    '\$.domains[0].blockers')" > "$T/dk.b"
grep -qx 'our MTA signs 99.0% of its mail with aligned DKIM (need 99.01% before p=reject: RFC 9989 section 7.4)' \
    "$T/dk.b" || fail "dkim 99.01: $(cat "$T/dk.b")"

# The older thresholds at their boundaries (a '<' turned '<=' fails one
# of these): pass (99.0% of authorised mail passing), step-back (95.0%
# at stage 3), min-days (14 days at the stage), significant (an unknown
# sender with 1.0% of the mail), and the forwarding share of classify
# (half of a source's mail forwarded).
mkdir "$T/b"
for day in $(days 2026-02-15 14); do
	{
		echo "192.0.2.10 990 pass.example none pass pass pass.example:s1:pass pass.example:mfrom:pass -"
		echo "192.0.2.10 10 pass.example none fail fail pass.example:s1:fail pass.example:mfrom:fail -"
	} | report "$T/b" google.com 7489 "$day" domain=pass.example,p=none
	{
		echo "192.0.2.10 950 back.example none pass pass back.example:s1:pass back.example:mfrom:pass -"
		echo "192.0.2.10 50 back.example none fail fail back.example:s1:fail back.example:mfrom:fail -"
	} | report "$T/b" google.com 7489 "$day" domain=back.example,p=quarantine
	{
		echo "192.0.2.10 949 sig.example none pass pass sig.example:s1:pass sig.example:mfrom:pass -"
		echo "192.161.144.20 10 sig.example none fail fail zendesk.com:z1:pass mail.zendesk.com:mfrom:pass -"
		echo "198.18.5.5 10 sig.example none fail fail - other.example:mfrom:fail forwarded"
		echo "198.18.5.5 10 sig.example none fail fail - other.example:mfrom:fail -"
		echo "198.18.6.6 10 sig.example none fail fail - other.example:mfrom:fail forwarded"
		echo "198.18.6.6 11 sig.example none fail fail - other.example:mfrom:fail -"
	} | report "$T/b" google.com 7489 "$day" domain=sig.example,p=none
done
"$QUICK" -q --db "$DB" ingest "$T/b"
bconf() { # THRESHOLDS...
	printf '%s\n' "location-db \"$T/no-location.db\";" \
	    'domain pass.example back.example sig.example {' \
	    '	sender "our MTA" { ip 192.0.2.10/32; }' "	thresholds { $* }" \
	    '}' > "$T/b.conf"
}
bv() { vn "$T/b.conf" "$1"; }
bconf "pass 99;"
[ "$(bv pass.example)" = "advance 1" ] || fail "pass 99: $(bv pass.example)"
bconf "pass 99.01;"
[ "$(bv pass.example)" = "hold 0" ] || fail "pass 99.01: $(bv pass.example)"
bconf "step-back 95;"
[ "$(bv back.example)" = "hold 3" ] || fail "step-back 95: $(bv back.example)"
bconf "step-back 95.01;"
[ "$(bv back.example)" = "step back 1" ] ||
    fail "step-back 95.01: $(bv back.example)"
bconf "min-days 14;"
[ "$(bv pass.example)" = "advance 1" ] || fail "min-days 14: $(bv pass.example)"
bconf "min-days 15;"
[ "$(bv pass.example)" = "hold 0" ] || fail "min-days 15: $(bv pass.example)"
# (sig.example: 1,000 messages a day, 10 of them Zendesk's: 1.0%)
sigwarn() {
	$AQ --config "$T/b.conf" --domain sig.example --format json > "$T/bv.json"
	sqlite3 -batch :memory: "SELECT count(*) FROM json_each(readfile(
	    '$T/bv.json'), '\$.domains[0].warnings') WHERE value LIKE
	    'Zendesk (not as us) (192.161.144.20) sends %'"
}
bconf "significant 1;"
[ "$(sigwarn)" = 1 ] || fail "significant 1: not warned"
bconf "significant 1.000001;"
[ "$(sigwarn)" = 0 ] || fail "significant 1.000001: warned"
# Half of a source's mail forwarded: forwarded; less: unknown.
bconf ""
"$QUICK" -q --db "$DB" --config "$T/b.conf" sources --by ip \
    --as-of 2026-03-01 --domain sig.example --format csv |
    awk -F, '{ print $2 "," $4 }' | tr -d '"' > "$T/fwd.csv"
grep -qx '198.18.5.5,forwarded' "$T/fwd.csv" ||
    fail "half forwarded: $(cat "$T/fwd.csv")"
grep -qx '198.18.6.6,unknown' "$T/fwd.csv" ||
    fail "less than half forwarded: $(cat "$T/fwd.csv")"
