#!/bin/bash
# evidence.sh: what the reports show, read as evidence (dmarcdb(1),
# SOURCES and ADVICE), on generated reports over four weeks:
#
# - fwd.example, at p=quarantine, its own servers configured: a
#   receiver's local_policy counts as forwarding only when its comment
#   says so (an ARC pass); a plain local_policy ("sender on local allow
#   list") is the receiver's own decision, counted as failing, and said
#   so. Reasons forwarded and trusted_forwarder, and a mailing list
#   known by its pattern only (our DKIM signature broken, SPF passing
#   for the list), are forwarding.
# - What receivers did: quarantine, reject and a disposition out of the
#   enumeration ("other"), per source.
# - Authorised senders failing on SPF errors: temperror (DNS) and
#   permerror (the record) get different fixes.
# - rel.example, at adkim=s; aspf=s: mail that fails only because
#   alignment is strict gets the fix that takes no work (adkim=r,
#   aspf=r); fwd.example (relaxed) never does.
# - A database of schema 11, whose signatures did not tell the two
#   local_policy apart, gives the same answers once upgraded.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixtures.sh"

D=fwd.example
R=rel.example
mkdir "$T/r"
for day in $(days 2026-02-01 28); do
	report "$T/r" google.com 7489 "$day" \
	    domain=$D,p=quarantine <<-EOF
	192.0.2.10 1000 $D none pass pass $D:s1:pass $D:mfrom:pass -
	198.51.100.1 20 $D none fail fail $D:s1:fail relay.example:mfrom:fail local_policy:arc=pass+as.1.relay.example=pass
	198.51.100.2 20 $D none fail fail - $D:mfrom:fail local_policy:sender+on+local+allow+list
	203.0.113.5 10 $D quarantine fail fail $D:s1:fail,lists.example.org:l1:pass lists.example.org:mfrom:pass -
	198.51.100.3 8 $D none fail fail - fwd-b.example:mfrom:fail trusted_forwarder
	198.51.100.4 6 $D reject fail fail $D:s1:fail $D:mfrom:fail forwarded:forwarder+modified+body
	198.51.100.9 4 $D discard fail fail - $D:mfrom:fail -
	192.0.2.50 3 $D quarantine fail fail - billing.$D:mfrom:temperror -
	192.0.2.60 2 $D none fail fail - news.$D:mfrom:permerror -
	EOF
	report "$T/r" google.com 7489 "$day" \
	    domain=$R,adkim=s,aspf=s,p=none <<-EOF
	192.0.2.20 500 $R none pass pass $R:s1:pass $R:mfrom:pass -
	192.0.2.21 40 $R none fail fail mail.$R:s1:pass other.example:mfrom:pass -
	192.0.2.22 30 $R none fail fail - bounce.$R:mfrom:pass -
	192.0.2.23 10 $R none fail fail mail.$R:s1:pass bounce.$R:mfrom:pass -
	EOF
done
# "discard" is out of the enumeration: kept, with a warning.
"$DMARCDB" -q --db "$DB" ingest "$T/r"
[ "$(sql "$DB" "SELECT count(*) FROM warnings WHERE message
    LIKE '%disposition ''discard'' is not in the enumeration%'")" = 28 ] ||
    fail "no warning for the disposition"

cat > "$T/conf" <<EOF
location-db "$T/no-location.db";
domain $D {
	sender "our MTA" { ip 192.0.2.10/32; }
	sender "Billing" { ip 192.0.2.50/32; }
	sender "Newsletter" { ip 192.0.2.60/32; }
}
domain $R {
	sender "our MTA" { ip 192.0.2.20/32; }
	sender "Relay" { ip 192.0.2.21/32; ip 192.0.2.22/32; ip 192.0.2.23/32; }
}
EOF
S="$DMARCDB -q --db $DB sources --as-of 2026-03-01 --no-dns --config $T/conf"
A="$DMARCDB -q --db $DB advise --as-of 2026-03-01 --no-dns --config $T/conf"
# Runs again over paths run under memcheck above (lib.sh).
SQ="$QUICK -q --db $DB sources --as-of 2026-03-01 --no-dns --config $T/conf"
AQ="$QUICK -q --db $DB advise --as-of 2026-03-01 --no-dns --config $T/conf"

# Per source: class, dispositions, reason.
$S --domain $D --by ip --format csv > "$T/s.csv"
src() { # IP COLUMN...: the columns of the source, comma-separated
	ip=$1
	shift
	sqlite3 -batch -csv -header :memory: ".import $T/s.csv s" \
	    "SELECT $(IFS=,; echo "$*") FROM s WHERE ip = '$ip'" | sed 1d
}
[ "$(src 198.51.100.1 class)" = forwarded ] ||
    fail "local_policy with arc=pass is not forwarding: $(src 198.51.100.1 class reason)"
src 198.51.100.1 reason | grep -q "local_policy, with forwarding in the comment" ||
    fail "the ARC override's reason: $(src 198.51.100.1 reason)"
[ "$(src 198.51.100.2 class)" = unknown ] ||
    fail "a plain local_policy counts as forwarding: $(src 198.51.100.2 class reason)"
[ "$(src 203.0.113.5 class)" = forwarded ] ||
    fail "the mailing list's pattern: $(src 203.0.113.5 class reason)"
src 203.0.113.5 reason | grep -q "the DKIM signature of $D arrives broken and SPF passes for lists.example.org: a mailing list" ||
    fail "the list's reason: $(src 203.0.113.5 reason)"
[ "$(src 198.51.100.3 class,reason)" = \
    'forwarded,"the reporters say trusted_forwarder (224 of 224 messages)"' ] ||
    fail "trusted_forwarder: $(src 198.51.100.3 class,reason)"
[ "$(src 198.51.100.4 class,reason)" = \
    'forwarded,"the reporters say forwarded (168 of 168 messages)"' ] ||
    fail "forwarded: $(src 198.51.100.4 class,reason)"
# What receivers did: none, quarantine, reject, other.
[ "$(src 203.0.113.5 none,quarantine,reject,other)" = "0,280,0,0" ] ||
    fail "quarantined: $(src 203.0.113.5 none,quarantine,reject,other)"
[ "$(src 198.51.100.4 none,quarantine,reject,other)" = "0,0,168,0" ] ||
    fail "rejected: $(src 198.51.100.4 none,quarantine,reject,other)"
[ "$(src 198.51.100.9 none,quarantine,reject,other)" = "0,0,0,112" ] ||
    fail "other: $(src 198.51.100.9 none,quarantine,reject,other)"
[ "$(src 192.0.2.10 none,quarantine,reject,other)" = "28000,0,0,0" ] ||
    fail "delivered: $(src 192.0.2.10 none,quarantine,reject,other)"
# SPF errors of authorised senders: the fix fits the error.
src 192.0.2.50 reason | grep -q "SPF temperror for billing.$D: check that the DNS servers of billing.$D answer" ||
    fail "temperror: $(src 192.0.2.50 reason)"
src 192.0.2.60 reason | grep -q "SPF permerror for news.$D: fix the SPF record of news.$D (a syntax error, or more than 10 DNS lookups)" ||
    fail "permerror: $(src 192.0.2.60 reason)"

# The advice: golden, and the counts behind it.
golden advice-evidence.txt $A --domain $D --domain $R
has() { # FILE PHRASE: with lines joined
	tr -s ' \n' '  ' < "$1" | grep -qF -- "$2"
}
F=$T/advice-evidence.txt
has "$F" "560 messages that fail DMARC were delivered by the receivers' own local policy" ||
    fail "the plain local_policy is not said"
has "$F" "forwarded 1,232 messages from 4 sources (280 through mailing lists)" ||
    fail "forwarded line"
has "$F" "1,400 messages (8.6% of the mail) fail DMARC only because DKIM alignment is strict (adkim=s)" ||
    fail "no adkim=r offer"
has "$F" "1,120 messages (6.9% of the mail) fail DMARC only because SPF alignment is strict (aspf=s)" ||
    fail "no aspf=r offer"
has "$F" "Relay (3 addresses, the largest 192.0.2.21), 2,240 messages (13.8% of the mail): DKIM passes for d=mail.rel.example, not aligned with rel.example; SPF passes for other.example but is not aligned with rel.example: publish adkim=r (relaxed alignment, the default), or sign with DKIM d=rel.example" ||
    fail "the sender's fix is not relaxed alignment"
# Per address: the alignment that would pass each.
$SQ --domain $R --by ip --format csv > "$T/s.csv"
src 192.0.2.22 reason | grep -q ": publish aspf=r (relaxed alignment, the default), or sign with DKIM d=$R\"" ||
    fail "aspf=r: $(src 192.0.2.22 reason)"
src 192.0.2.23 reason | grep -q ": publish adkim=r and aspf=r (relaxed alignment, the default), or sign with DKIM d=$R\"" ||
    fail "both: $(src 192.0.2.23 reason)"
$AQ --domain $D --domain $R --format json > "$T/a.json"
j() { # DOMAIN PATH
	sqlite3 -batch :memory: "SELECT json_extract(value, '\$.$2') FROM
	    json_each(readfile('$T/a.json'), '\$.domains')
	    WHERE json_extract(value, '\$.domain') = '$1'"
}
[ "$(j $D evidence.forwarded)" = \
    '{"mailing_list":0,"forwarders":392,"local_policy":560,"list_pattern":280}' ] ||
    fail "forwarded counts: $(j $D evidence.forwarded)"
[ "$(j $D evidence.receiver_policy)" = 560 ] ||
    fail "receiver_policy: $(j $D evidence.receiver_policy)"
[ "$(j $D evidence.relaxed_would_pass)" = '{"adkim":0,"aspf":0}' ] ||
    fail "relaxed at $D: $(j $D evidence.relaxed_would_pass)"
[ "$(j $R evidence.relaxed_would_pass)" = '{"adkim":1400,"aspf":1120}' ] ||
    fail "relaxed at $R: $(j $R evidence.relaxed_would_pass)"

# An unlisted source that passes: compliant at exactly pass (99%), unknown
# below it.
mkdir "$T/p"
report "$T/p" google.com 7489 2026-02-10 domain=pass.example,p=none <<-EOF
	192.0.2.30 500 pass.example none pass pass pass.example:s1:pass pass.example:mfrom:pass -
	198.51.100.30 99 pass.example none pass pass pass.example:s2:pass pass.example:mfrom:pass -
	198.51.100.30 1 pass.example none fail fail - pass.example:mfrom:fail -
	198.51.100.31 98 pass.example none pass pass pass.example:s2:pass pass.example:mfrom:pass -
	198.51.100.31 2 pass.example none fail fail - pass.example:mfrom:fail -
	198.51.100.40 10 pass.example none fail fail - x.example:mfrom:fail forwarded
	198.51.100.40 10 pass.example none fail fail - y.example:mfrom:fail mailing_list
	198.51.100.50 10 pass.example none fail fail first.example:k:pass - -
	198.51.100.50 10 pass.example none fail fail second.example:k:pass - -
	EOF
"$QUICK" -q --db "$DB" ingest "$T/p"
printf '%s\n' 'domain pass.example { sender "our MTA" { ip 192.0.2.30/32; }' \
    'sender "also ours" { ip 192.0.2.30/32; } }' \
    "location-db \"$T/no-location.db\";" > "$T/pass.conf"
"$QUICK" -q --db "$DB" sources --as-of 2026-03-01 --no-dns \
    --config "$T/pass.conf" --domain pass.example --by ip --format csv \
    > "$T/s.csv"
[ "$(src 198.51.100.30 class)" = compliant ] ||
    fail "unlisted at 99%: $(src 198.51.100.30 class,reason)"
[ "$(src 198.51.100.31 class)" = unknown ] ||
    fail "unlisted at 98%: $(src 198.51.100.31 class,reason)"
# Ties: two reasons of as many messages, the first (in the report's
# order) is named; two senders whose rules hold the address alike, the
# first in the configuration.
[ "$(src 198.51.100.40 class,reason)" = \
    'forwarded,"the reporters say forwarded (20 of 20 messages)"' ] ||
    fail "tie of reasons: $(src 198.51.100.40 class,reason)"
[ "$(src 192.0.2.30 sender)" = '"our MTA"' ] ||
    fail "tie of senders: $(src 192.0.2.30 sender)"
# and two identities of as many messages: the first names the sender.
"$QUICK" -q --db "$DB" sources --as-of 2026-03-01 --no-dns \
    --config "$T/pass.conf" --domain pass.example --format csv |
    grep -q '^"pass.example","first.example",domain,1,20,' ||
    fail "tie of identities"

# (SQLite: the PostgreSQL schema has no older version to come from.)
if on_sqlite; then
	# Schema 11: local_policy with forwarding in the comment was signed as a
	# plain one (a key of the old form), the facts had no bits 22 to 24.
	OLD_DB=$(db_copy old)
	sql "$OLD_DB" "
	    UPDATE auth_sigs SET reasons = replace(reasons,
	      'local_policy:forwarded', 'local_policy'), key = randomblob(32)
	      WHERE reasons LIKE '%local_policy:forwarded%';
	    UPDATE auth_sigs SET facts = facts & ~(7 << 22);
	    DROP TABLE digest_alerts;
	    DROP VIEW v_source_senders; DROP VIEW v_source_classes;
	    CREATE VIEW v_source_senders AS SELECT * FROM sources;
	    DROP TABLE class_windows; DROP TABLE source_classes;
	    DROP VIEW v_dns_records; DROP TABLE dns_records;
	    DROP VIEW v_input_files; DROP TABLE input_files;
	    DROP INDEX reports_end;
	    PRAGMA user_version = 11"
	[ "$(sql "$OLD_DB" "SELECT count(*) FROM auth_sigs
	    WHERE reasons LIKE '%:forwarded%' OR facts & (7 << 22)")" = 0 ] ||
	    fail "the old database is not old"
	"$DMARCDB" -q --db "$OLD_DB" reports > /dev/null
	[ "$(sql "$OLD_DB" "PRAGMA user_version")" = \
	    "$(sql "$DB" "PRAGMA user_version")" ] || fail "not upgraded"
	dump "$DB" > "$T/d1"
	dump "$OLD_DB" > "$T/d2"
	cmp -s "$T/d1" "$T/d2" || fail "schema 11 upgraded differs: $(diff "$T/d1" "$T/d2" | head -5)"
	"$QUICK" -q --db "$OLD_DB" advise --as-of 2026-03-01 --no-dns \
	    --config "$T/conf" --domain $D --domain $R > "$T/old.txt"
	cmp -s "$F" "$T/old.txt" || fail "advice after the upgrade differs"
fi
echo "ok"
