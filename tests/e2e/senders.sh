#!/bin/bash
# senders.sh: sources grouped by sender (dmarcdb(1), SOURCES) on a
# realistic mixed domain over two weeks: our own servers (a configured
# sender), two ESPs, a helpdesk, a mailing list, a forwarder, and
# spoofers from 200 addresses in 4 networks. tests/golden/senders.txt
# holds what sources prints (UPDATE_GOLDEN=1 rewrites it); the figures
# that matter are checked one by one.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixtures.sh"

D=mixed.example
# The golden output does not hang on the location database's vintage:
# none here; the networks are checked against the installed one below.
printf 'domain %s {\n\tsender "our MTA" { ip 198.51.100.0/24; }\n}\n' "$D" \
    > "$T/geo.conf"
{ cat "$T/geo.conf"; echo "location-db \"$T/no-location.db\";"; } \
    > "$T/conf"
mkdir "$T/r"
for day in $(days 2026-02-15 14); do
	{
		# Our MTA: aligned DKIM and SPF.
		echo "198.51.100.10 400 $D none pass pass $D:s1:pass" \
		    "$D:mfrom:pass -"
		echo "198.51.100.11 300 $D none pass pass $D:s1:pass" \
		    "$D:mfrom:pass -"
		# SendGrid, signing for us too: passes DMARC.
		for i in 1 2 3; do
			echo "167.89.0.$i 50 $D none pass fail" \
			    "$D:s1:pass,sendgrid.net:smtpapi:pass" \
			    "em123.sendgrid.net:mfrom:pass -"
		done
		# Mailchimp, its own domain only: fails DMARC.
		echo "205.201.128.7 80 $D none fail fail mcsv.net:k1:pass" \
		    "mail.mcsv.net:mfrom:pass -"
		# A helpdesk.
		echo "192.161.144.20 12 $D none fail fail" \
		    "zendesk.com:zendesk1:pass mail.zendesk.com:mfrom:pass -"
		# A mailing list: our signature broken, the list's own.
		echo "209.85.220.41 9 $D none fail fail" \
		    "$D:s1:fail,googlegroups.com:20230601:pass" \
		    "googlegroups.com:mfrom:pass mailing_list"
		# A forwarder: our signature intact, SPF fails.
		echo "203.0.113.5 6 $D none pass fail $D:s1:pass" \
		    "forwarder.example:mfrom:fail forwarded"
	} | report "$T/r" google.com 7489 "$day" domain=$D,p=none
done
# Spoofers: 200 addresses in 4 networks, no passing authentication.
for net in 45.1.1 91.2.2 185.3.3 103.4.4; do
	for i in $(seq 1 50); do
		echo "$net.$i 1 $D none fail fail - $D:mfrom:fail -"
	done
done | report "$T/r" outlook.com 7489 2026-02-20 domain=$D,p=none
"$QUICK" -q --db "$DB" ingest "$T/r"
S="$DMARCDB -q --db $DB --config $T/conf sources --as-of 2026-03-01"
# The same with other options, on paths run under memcheck (lib.sh).
SQ="$QUICK -q --db $DB --config $T/conf sources --as-of 2026-03-01"

golden senders.txt $S

# One row per sender, largest first; spoofing on one row.
$S --format csv > "$T/csv"
row() {
	grep "^\"$D\",\"$1\"," "$T/csv" || fail "no row for $1"
}
[ "$(($(wc -l < "$T/csv") - 1))" -eq 7 ] || fail "7 senders: $(cat "$T/csv")"
row "our MTA" | grep -q ',configured,2,9800,9800,0,compliant,' ||
    fail "our MTA: $(row "our MTA")"
# The services of the catalogue (data/services.conf) name the senders;
# a service authenticating as another customer is kept apart.
row SendGrid | grep -q ',service,3,2100,2100,0,compliant,' ||
    fail "SendGrid: $(row SendGrid)"
row SendGrid | grep -q ',"DKIM sendgrid.net with aligned DKIM mixed.example",' ||
    fail "SendGrid's evidence: $(row SendGrid)"
row "Mailchimp (not as us)" | grep -q ',service-other,1,1120,0,1120,unknown,' ||
    fail "Mailchimp: $(row "Mailchimp (not as us)")"
row "Zendesk (not as us)" | grep -q ',service-other,1,168,0,168,unknown,' ||
    fail "Zendesk: $(row "Zendesk (not as us)")"
# The list signs with its own domain: it is named, and forwarded.
row "Google Groups (not as us)" |
    grep -q ',service-other,1,126,0,126,forwarded,' ||
    fail "Google Groups: $(row "Google Groups (not as us)")"
# Our own signature, forwarded: not "us".
row "(forwarded)" | grep -q ',forwarded,1,84,84,0,forwarded,' ||
    fail "forwarded: $(row "(forwarded)")"
grep_none "^\"$D\",\"$D\"," "$T/csv" || fail "a row for $D itself"
row "(no passing authentication)" |
    grep -q ',none,200,200,0,200,unknown,' ||
    fail "spoofing: $(row "(no passing authentication)")"
# Every message is in one row.
[ "$(awk -F, 'NR > 1 { s += $5 } END { print s }' "$T/csv")" -eq 13598 ] ||
    fail "the rows do not add up to 13598 messages"

# --limit counts senders; the rest are counted on a line.
$S --limit 2 > "$T/two"
grep -q '^5 other senders (1,698 messages) not listed: --limit lists more$' \
    "$T/two" || fail "--limit 2: $(cat "$T/two")"
# At the boundary: all 7 listed, no such line; 6: one other.
$SQ --limit 7 > "$T/seven"
grep_none 'not listed' "$T/seven" || fail "--limit 7: $(cat "$T/seven")"
$SQ --limit 6 > "$T/six"
grep -q '^1 other sender (84 messages) not listed: --limit lists more$' \
    "$T/six" || fail "--limit 6: $(cat "$T/six")"
# --class: the senders with mail of that class.
$SQ --class unknown --format csv > "$T/unknown"
[ "$(cut -d, -f2 "$T/unknown" | sed 1d | sort | tr '\n' ' ')" = \
    '"(no passing authentication)" "Mailchimp (not as us)" "Zendesk (not as us)" ' ] ||
    fail "--class unknown: $(cat "$T/unknown")"
# --by ip: a row per source, as before.
$S --by ip --format csv --limit 1000 > "$T/ip"
[ "$(($(wc -l < "$T/ip") - 1))" -eq 209 ] || fail "--by ip: 209 sources"
expect_exit 2 $SQ --by asn 2> "$T/err"
grep -q "^dmarcdb: sources: --by wants sender, as or ip, not 'asn'$" \
    "$T/err" || fail "--by asn: $(cat "$T/err")"
# --by as: a row per network owner; without a location database, one.
$S --by as --format csv > "$T/as0.csv"
[ "$(sed 1d "$T/as0.csv" | cut -d, -f2-5)" = \
    '"(network not known)",network,209,13598' ] ||
    fail "--by as, no database: $(cat "$T/as0.csv")"
"$DMARCDB" -q --db "$DB" --config "$T/geo.conf" sources --as-of 2026-03-01 \
    --by as --format csv > "$T/as.csv"
grep -q '^"mixed.example","AS11377 SENDGRID",network,3,2100,2100,0,compliant,' \
    "$T/as.csv" || fail "--by as: $(cat "$T/as.csv")"
[ "$(awk -F, 'NR > 1 { s += $5 } END { print s }' "$T/as.csv")" -eq 13598 ] ||
    fail "--by as: the rows do not add up"

# JSON: the same senders.
$S --format json > "$T/json"
[ "$(sqlite3 -batch :memory: "SELECT json_array_length(readfile(
    '$T/json'), '\$.domains[0].senders')")" -eq 7 ] || fail "json senders"
[ "$(sqlite3 -batch :memory: "SELECT json_extract(value, '\$.sources')
    FROM json_each(readfile('$T/json'), '\$.domains[0].senders')
    WHERE json_extract(value, '\$.by') = 'none'")" -eq 200 ] ||
    fail "json spoofing"

# Without the catalogue: the domain they authenticate as.
DMARCDB_SERVICES=$T/no-services.conf $SQ --format csv > "$T/nocat.csv" \
    2> "$T/nocat.err"
grep -q '^"mixed.example","sendgrid.net",domain,3,2100,' "$T/nocat.csv" ||
    fail "no catalogue: $(cat "$T/nocat.csv")"
grep -q 'no-services.conf.*services are not named' "$T/nocat.err" ||
    fail "no catalogue, no note: $(cat "$T/nocat.err")"
# With the location database: the networks and countries of the 200
# spoofing addresses (4 networks of documentation-free ranges).
"$DMARCDB" --db "$DB" --config "$T/geo.conf" sources --as-of 2026-03-01 \
    --format json > "$T/geo.json"
for k in networks countries; do
	n=$(sqlite3 -batch :memory: "SELECT json_extract(value, '\$.$k')
	    FROM json_each(readfile('$T/geo.json'), '\$.domains[0].senders')
	    WHERE json_extract(value, '\$.by') = 'none'")
	[ "$n" -ge 1 ] && [ "$n" -le 4 ] || fail "spoofing: $n $k"
done

# The digest of their week folds them into one line, with their number
# of networks.
"$DMARCDB" -q --db "$DB" --config "$T/geo.conf" digest --as-of 2026-02-22 \
    --no-dns --format text > "$T/geo.txt"
tr -s ' \n' '  ' < "$T/geo.txt" | grep -qE \
    'unauthenticated senders \([0-9]+ addresses in [1-4] networks?\), [0-9,]+ messages: spoofing' ||
    fail "digest: the spoofing line: $(grep -A1 unauthenticated "$T/geo.txt")"

# A row per source has its network's owner (AS 11377 has been
# SendGrid's since long before the database) and the service.
"$DMARCDB" -q --db "$DB" --config "$T/geo.conf" sources --as-of 2026-03-01 \
    --by ip --format csv > "$T/geo.csv"
grep -q '^"mixed.example","167.89.0.1",.*,11377,"SENDGRID","US","SendGrid",esp,for-us,' \
    "$T/geo.csv" || fail "167.89.0.1: $(grep 167.89.0.1 "$T/geo.csv")"

# Analysts join a record to its identity: v_record_identity.
[ "$(sql "$DB" "SELECT auth_domain, auth_kind, auth_aligned,
    sum(count) FROM v_record_identity WHERE source_ip = '167.89.0.1'
    GROUP BY 1, 2, 3")" = "sendgrid.net|dkim|0|700" ] ||
    fail "v_record_identity: SendGrid"
[ "$(sql "$DB" "SELECT count(*), sum(auth_domain IS NULL),
    sum(ptr IS NULL) FROM v_record_identity WHERE source_ip LIKE '45.1.1.%'")" \
    = "50|50|50" ] || fail "v_record_identity: spoofing"
[ "$(sql "$DB" "SELECT DISTINCT auth_domain || ',' || auth_kind
    || ',' || auth_aligned FROM v_record_identity
    WHERE source_ip = '198.51.100.10'")" = "mixed.example,dkim,1" ] ||
    fail "v_record_identity: our MTA"

# The identity is kept with each signature, for SQL users too.
[ "$(sql "$DB" "SELECT group_concat(ident) FROM
    (SELECT DISTINCT ident FROM auth_sigs WHERE ident IS NOT NULL
    ORDER BY 1) AS i")" = \
    "googlegroups.com,mcsv.net,mixed.example,sendgrid.net,zendesk.com" ] ||
    fail "auth_sigs.ident: $(sql "$DB" "SELECT ident FROM auth_sigs")"

# advise and the digest name the same senders (dmarcdb(1), ADVICE and
# DIGEST): the unknown ones with their evidence, the spoofing on one
# line with its address count, the new ones by sender. The digest, for
# people, in plainer words: a service by its name alone ("not as us" is
# what its line says: its mail fails), the spoofing as unauthenticated
# senders.
A="$DMARCDB -q --db $DB --config $T/conf advise --as-of 2026-03-01 --no-dns"
golden senders-advise.txt $A --domain "$D"
has() { # FILE PHRASE: with lines joined
	tr -s ' \n' '  ' < "$1" | grep -qF -- "$2"
}
F=$T/senders-advise.txt
has "$F" "Mailchimp (not as us) (205.201.128.7) sends 8.2% of the mail as mixed.example and is unknown (DKIM mcsv.net, nothing aligned)" ||
    fail "advise: Mailchimp not named"
has "$F" "sources with no passing authentication (200 addresses) send 1.5% of the mail as mixed.example: spoofing, most likely" ||
    fail "advise: spoofing not on one line"
has "$F" "209 sources seen for the first time in the window (13,598 messages), from our MTA, Mailchimp (not as us), SendGrid and others" ||
    fail "advise: new senders not named"
golden senders-digest.txt "$DMARCDB" -q --db "$DB" --config "$T/conf" \
    digest --as-of 2026-03-01 --days 14 --no-dns --format text
F=$T/senders-digest.txt
# Two new senders asked about: the step waits for both answers.
tr -s ' \n' '  ' < "$F" | grep -qF "mixed.example is ready for the next step once you know whether Mailchimp and 1 other new sender are yours" ||
    fail "digest: the step does not wait for both new senders"
has "$F" "The largest unknown senders - Mailchimp, 1,120 messages as mixed.example, 0.0% passed - unauthenticated senders (200 addresses), 200 messages" ||
    fail "digest: unknown senders"
has "$F" "- Is Mailchimp yours? It started sending as mixed.example this period (1,120 messages), and its mail fails DMARC" ||
    fail "digest: is this yours?"

# Judged per sender, not per address: a configured sender whose two
# failing addresses carry 0.5% of the mail each fails with 1.00% of it,
# a blocker at significant 1 (>=), a warning above (1.01).
mkdir "$T/split"
for d in split.example split2.example; do
	for day in $(days 2026-02-19 10); do
		{
			echo "192.0.2.1 990 $d none pass pass $d:s1:pass" \
			    "$d:mfrom:pass -"
			for i in 2 3; do
				echo "192.0.2.$i 5 $d none fail fail" \
				    "$d:s1:fail $d:mfrom:fail -"
			done
		} | report "$T/split" google.com 7489 "$day" domain=$d,p=none
	done
done
"$QUICK" -q --db "$DB" ingest "$T/split"
printf '%s\n' "location-db \"$T/no-location.db\";" \
    'domain split.example { sender "newsletters" { ip 192.0.2.0/28; } }' \
    'domain split2.example {' \
    '	sender "newsletters" { ip 192.0.2.0/28; }' \
    '	thresholds { significant 1.01; }' '}' > "$T/split.conf"
SA="$DMARCDB -q --db $DB --config $T/split.conf advise --as-of 2026-03-01"
SAQ="$QUICK -q --db $DB --config $T/split.conf advise --as-of 2026-03-01"
$SA --no-dns --format json --domain split.example > "$T/split.json"
$SAQ --no-dns --format json --domain split2.example > "$T/split2.json"
notes() { # FILE KIND
	sqlite3 -batch :memory: "SELECT value FROM json_each(readfile('$1'),
	    '\$.domains[0].$2')"
}
want="newsletters (2 addresses, the largest 192.0.2.2), 100 messages (1.0% of the mail): DKIM d=split.example fails (fail); SPF fails for split.example: check the DKIM key of selector s1 in DNS"
notes "$T/split.json" blockers | grep -qxF -- "$want" ||
    fail "per sender, 1.00%: not a blocker: $(notes "$T/split.json" blockers)"
notes "$T/split2.json" blockers | grep_none -F "newsletters" ||
    fail "per sender, 1.00% < 1.01: a blocker"
notes "$T/split2.json" warnings |
    grep -qxF -- "also fix ${want//split.example/split2.example}" ||
    fail "per sender, 1.00% < 1.01: $(notes "$T/split2.json" warnings)"
# A step that would quarantine its failing mail: blocked by the sender
# whatever its share (here 1.00% against significant 50), at stage 1.
mkdir "$T/split3"
for day in $(days 2026-02-01 28); do
	{
		echo "192.0.2.1 990 split3.example none pass pass" \
		    "split3.example:s1:pass split3.example:mfrom:pass -"
		for i in 2 3; do
			echo "192.0.2.$i 5 split3.example none fail fail" \
			    "split3.example:s1:fail split3.example:mfrom:fail -"
		done
	} | report "$T/split3" google.com 7489 "$day" \
	    domain=split3.example,p=quarantine,pct=0
done
"$QUICK" -q --db "$DB" ingest "$T/split3"
printf '%s\n' 'domain split3.example {' \
    '	sender "newsletters" { ip 192.0.2.0/28; }' \
    '	thresholds { significant 50; }' '}' >> "$T/split.conf"
$SAQ --no-dns --format json --domain split3.example > "$T/split3.json"
[ "$(sqlite3 -batch :memory: "SELECT json_extract(readfile('$T/split3.json'),
    '\$.domains[0].verdict') || ' ' || json_extract(readfile('$T/split3.json'),
    '\$.domains[0].next_stage.number')")" = "hold 1" ] ||
    fail "a failing sender of 1% does not hold quarantine: $(cat "$T/split3.json")"
notes "$T/split3.json" blockers | grep -qx "newsletters (2 addresses, the largest 192.0.2.2), 280 messages (1.0% of the mail): .*" ||
    fail "stage 1 -> 3: $(notes "$T/split3.json" blockers)"

# export names each record's sender as sources does.
"$DMARCDB" -q --db "$DB" --config "$T/conf" export --as-of 2026-03-01 \
    --domain "$D" --format ndjson > "$T/export.ndjson"
for want in '"source_ip":"167.89.0.1",.*"sender":"SendGrid",' \
    '"source_ip":"205.201.128.7",.*"sender":"Mailchimp (not as us)",' \
    '"source_ip":"198.51.100.10",.*"sender":"our MTA",' \
    '"source_ip":"45.1.1.7",.*"sender":"(no passing authentication)",'; do
	grep -q "$want" "$T/export.ndjson" || fail "export: no $want"
done

# --suggest-config: a block for each sender that passes and is not
# configured, which the configuration reads back: with it, they are
# configured senders, and the same mail is authorised.
"$DMARCDB" -q --db "$DB" --config "$T/conf" sources --as-of 2026-03-01 \
    --domain "$D" --suggest-config > "$T/suggest.conf"
golden senders-suggest.conf cat "$T/suggest.conf"
grep_none 'sender "our MTA"' "$T/suggest.conf" ||
    fail "--suggest-config: a configured sender again"
# Merged into the domain's block, after the sender it has.
{
	echo "location-db \"$T/no-location.db\";"
	echo "domain $D {"
	echo "	sender \"our MTA\" { ip 198.51.100.0/24; }"
	sed -n '/^domain /,/^}/p' "$T/suggest.conf" | sed '1d;$d'
	echo "}"
} > "$T/suggested.conf"
"$QUICK" -q --db "$DB" --config "$T/suggested.conf" sources \
    --as-of 2026-03-01 --domain "$D" --format csv > "$T/suggested.csv"
row2() {
	grep "^\"$D\",\"$1\"," "$T/suggested.csv" || fail "no row for $1"
}
# (its rule, our DKIM domain with selector s1, takes the forwarded
# mail signed so too: 4 sources)
row2 SendGrid | grep -q ',configured,4,2184,2184,0,compliant,' ||
    fail "suggested SendGrid: $(row2 SendGrid)"
# Without the configuration: the domain's own mail too, first.
"$QUICK" -q --db "$DB" sources --as-of 2026-03-01 --domain "$D" \
    --suggest-config > "$T/suggest0.conf"
grep -A3 '^	sender "own mail (mixed.example)" {$' "$T/suggest0.conf" |
    tr -d '\t' | tr '\n' ' ' | grep -q 'dkim mixed.example selector s1; spf mixed.example; }' ||
    fail "own mail not suggested: $(cat "$T/suggest0.conf")"
expect_exit 2 "$QUICK" -q --db "$DB" sources --suggest-config \
    --format csv 2> "$T/err"
grep -q "suggest-config prints configuration: not with --format" \
    "$T/err" || fail "--suggest-config --format csv: $(cat "$T/err")"
