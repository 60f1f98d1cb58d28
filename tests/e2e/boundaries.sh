#!/bin/bash
# boundaries.sh: thresholds and comparisons of advise (src/advise.c) at
# their boundaries, those that the other tests left unchecked: turning
# one of these < into <= (or >= into >) passed the whole suite
# (tools/mutate.sh found them). Each is checked on both sides: at the
# boundary, and one unit past it, where the verdict, a figure or a note
# differs. As of 2026-03-01 (the window: 2026-01-30 to 2026-02-28):
#
# - since when a stage holds: the weighted median of the reporters'
#   runs, when the two halves weigh the same (the earlier run), and a
#   day on which a reporter's reports are half at the stage (still at
#   it);
# - a stage seen from the newest day only (one day at the stage);
# - reporters that disagree: three stages listed, a fourth counted;
#   pct=0 shown in a stage; pct=100 read from the record of the
#   configuration, and no word on pct (pct=99: RFC 9989 receivers
#   ignore it);
# - min-messages: the window at exactly min-messages is judged on
#   volume, one message short by time; by time only when authorised
#   mail passes at pass or above; the longer window stops doubling
#   when it holds exactly min-messages;
# - stage 2 (p=quarantine; pct=25) enforces: its harm and a pass rate
#   below step-back step back; stage 1 never does; of two senders
#   harmed alike, the first is named;
# - without configured senders, stage 1 is the last step;
# - before p=reject, without configured senders: the largest source
#   below the dkim threshold is named, not one at it; a sender at the
#   dkim threshold passes the gate; one with a significant share of the
#   mail is held by it; five are listed, not six.
. "$(dirname "$0")/lib.sh"

R=$T/r
mkdir "$R"
MAR1=1772323200		# 2026-03-01T00:00:00Z
n=0

# rep ORG DAY DOMAIN POLICY [RECORD...]: one report of ORG about DOMAIN
# for one day, DAY days from 2026-03-01 (-1: 2026-02-28). POLICY: its
# policy_published, "p=quarantine,pct=0". RECORD: IP:COUNT:KIND[:DISP],
# KIND one of pass (aligned DKIM and SPF), spf (aligned SPF only, no
# DKIM signature: passes), esp=D (passes on aligned SPF, signed by D
# only), fail (DKIM and SPF of DOMAIN fail), spoof (no DKIM, SPF fails);
# DISP the receiver's disposition (none). Default: a
# record of 100 messages from 192.0.2.10 that pass. Each report has an
# id of its own, so that an organisation can send several for a day.
# Written without a fork: there are hundreds.
rep() {
	local org=$1 day=$2 dom=$3 pol=$4 begin x ip count kind disp dk sp
	local dd
	shift 4
	[ $# -gt 0 ] || set -- 192.0.2.10:100:pass
	begin=$((MAR1 + day * 86400))
	n=$((n + 1))
	{
		printf '<?xml version="1.0" encoding="UTF-8"?>\n<feedback>'
		printf '<report_metadata><org_name>%s</org_name>' "$org"
		printf '<email>noreply-dmarc@%s</email>' "$org"
		printf '<report_id>%s-%s</report_id>' "$org" "$n"
		printf '<date_range><begin>%s</begin><end>%s</end>' "$begin" \
		    $((begin + 86399))
		printf '</date_range></report_metadata><policy_published>'
		printf '<domain>%s</domain>' "$dom"
		for x in ${pol//,/ }; do
			printf '<%s>%s</%s>' "${x%%=*}" "${x#*=}" "${x%%=*}"
		done
		printf '</policy_published>'
		for x in "$@"; do
			IFS=: read -r ip count kind disp <<< "$x"
			dk=fail sp=fail dd=$dom
			case $kind in
			pass) dk=pass sp=pass ;;
			spf) sp=pass ;;
			esp=*) sp=pass dd=${kind#esp=} ;;
			esac
			printf '<record><row><source_ip>%s</source_ip>' "$ip"
			printf '<count>%s</count><policy_evaluated>' "$count"
			printf '<disposition>%s</disposition>' "${disp:-none}"
			printf '<dkim>%s</dkim><spf>%s</spf>' "$dk" "$sp"
			printf '</policy_evaluated></row><identifiers>'
			printf '<header_from>%s</header_from>' "$dom"
			printf '</identifiers><auth_results>'
			case $kind in
			pass | fail | esp=*)
				printf '<dkim><domain>%s</domain>' "$dd"
				printf '<selector>s1</selector>'
				printf '<result>%s</result></dkim>' \
				    "${kind/esp=*/pass}" ;;
			esac
			printf '<spf><domain>%s</domain><scope>mfrom</scope>' \
			    "$dom"
			printf '<result>%s</result></spf>' "$sp"
			printf '</auth_results></record>'
		done
		printf '</feedback>\n'
	} > "$R/$n.xml"
}

# reps ORG FIRST LAST DOMAIN POLICY [RECORD...]: rep for each day from
# FIRST to LAST.
reps() {
	local org=$1 first=$2 last=$3 d
	shift 3
	for ((d = first; d <= last; d++)); do
		rep "$org" "$d" "$@"
	done
}

# Since when: two reporters of 20 days each (weights 400 and 400), one
# at p=quarantine all along, the other from 10 days ago: the median of
# their runs is the earlier, 20 days at the stage. One day less for the
# first (361 against 400) and it is the later, 10 days.
reps google.com -20 -1 med-even.example p=quarantine
reps yahoo.com -20 -11 med-even.example p=none
reps yahoo.com -10 -1 med-even.example p=quarantine
reps google.com -19 -1 med-odd.example p=quarantine
reps yahoo.com -20 -11 med-odd.example p=none
reps yahoo.com -10 -1 med-odd.example p=quarantine
# A day on which half of a reporter's reports show the stage holds it
# (20 days); less than half ends the run (9 days).
reps google.com -20 -1 half-even.example p=quarantine
rep google.com -10 half-even.example p=none
reps google.com -20 -1 half-odd.example p=quarantine
rep google.com -10 half-odd.example p=none
rep google.com -10 half-odd.example p=none
# A stage seen on the newest day only: one day at it.
reps google.com -20 -2 new.example p=none
rep google.com -1 new.example p=quarantine

# Disagreement: three stages, and four.
for d in three.example four.example; do
	reps google.com -20 -1 $d p=quarantine,pct=0
	reps yahoo.com -20 -1 $d p=quarantine,pct=0
	reps outlook.com -10 -1 $d p=quarantine
	reps f1.example -5 -1 $d p=none
done
reps f2.example -3 -1 four.example p=reject
# The record of the configuration says pct=100, or pct=99.
reps google.com -20 -1 cfg.example p=none
reps google.com -20 -1 cfg99.example p=none

# Volume and time: 1,000 messages a day for 14 days, 99.0% passing.
reps google.com -14 -1 time.example p=none 192.0.2.10:990:pass \
    192.0.2.10:10:fail
# The longer window: 2 messages a day for 20 days.
reps google.com -20 -1 long.example p=none 192.0.2.10:2:pass

# Stage 2 and stage 1, the same mail: 98.0% passing, the rest (280
# messages, 2.0%) quarantined.
for d in s2.example:25 s1.example:0; do
	reps google.com -14 -1 ${d%:*} p=quarantine,pct=${d#*:} \
	    192.0.2.10:980:pass 192.0.2.10:20:fail:quarantine
done

# No senders configured, all mail passing: at stage 0, and at stage 1.
reps google.com -20 -1 unc0.example p=none
reps google.com -20 -1 unc1.example p=quarantine,pct=0

# Two senders at stage 3 whose mail receivers quarantine alike, 140
# messages each: 1.0% of our MTA's, 2.0% of the newsletters'.
reps google.com -14 -1 harm2.example p=quarantine 192.0.2.10:990:pass \
    192.0.2.10:10:fail:quarantine 192.0.2.20:490:pass \
    192.0.2.20:10:fail:quarantine

# DKIM before p=reject, no senders configured: a sender of two sources,
# one with 99.0% of its mail signed, a smaller one with none (90.0% of
# the sender's mail signed); spoofing, as much again (the sender has
# 50.0% of the mail). Six senders signing none of their mail.
reps google.com -14 -1 weak.example p=quarantine 192.0.2.10:990:pass \
    192.0.2.10:10:spf 192.0.2.11:100:spf 198.51.100.9:1100:spoof
reps google.com -14 -1 six.example p=quarantine \
    203.0.113.1:101:esp=esp1.example 203.0.113.2:102:esp=esp2.example \
    203.0.113.3:103:esp=esp3.example 203.0.113.4:104:esp=esp4.example \
    203.0.113.5:105:esp=esp5.example 203.0.113.6:106:esp=esp6.example

"$DMARCDB" -q --db "$DB" ingest "$R"

# conf THRESHOLDS: the configuration, in $T/conf, with THRESHOLDS for
# every domain; our MTA is 192.0.2.10, but for weak.example,
# six.example, unc0.example and unc1.example, which have no senders.
conf() {
	printf '%s\n' "location-db \"$T/no-location.db\";" \
	    'domain med-even.example med-odd.example half-even.example' \
	    '    half-odd.example new.example three.example four.example' \
	    '    time.example long.example s2.example s1.example {' \
	    '	sender "our MTA" { ip 192.0.2.10/32; }' \
	    "	thresholds { $1 }" '}' \
	    'domain cfg.example {' \
	    '	record "v=DMARC1; p=quarantine; pct=100";' \
	    '	sender "our MTA" { ip 192.0.2.10/32; }' '}' \
	    'domain cfg99.example {' \
	    '	record "v=DMARC1; p=quarantine; pct=99";' \
	    '	sender "our MTA" { ip 192.0.2.10/32; }' '}' \
	    'domain harm2.example {' \
	    '	sender "our MTA" { ip 192.0.2.10/32; }' \
	    '	sender "newsletters" { ip 192.0.2.20/32; }' \
	    "	thresholds { step-back 0; harm-messages 140; $1 }" '}' \
	    'domain weak.example six.example unc0.example unc1.example {' \
	    "	thresholds { $1 }" '}' \
	    > "$T/conf"
}
A="$DMARCDB -q --db $DB --config $T/conf advise --as-of 2026-03-01 --no-dns"
# The runs with other thresholds repeat paths run under memcheck.
AQ="$QUICK -q --db $DB --config $T/conf advise --as-of 2026-03-01 --no-dns"
# get DOMAIN PATH...: members of the JSON advice, one a line (sqlite3's
# json_extract: a list as JSON).
get() {
	local d=$1 p q=
	shift
	for p in "$@"; do
		q="$q${q:+, }json_extract(value, '\$.$p')"
	done
	sqlite3 -batch -separator ' ' :memory: "SELECT $q FROM
	    json_each(readfile('$T/$d.json'), '\$.domains')"
}
# notes DOMAIN KIND: its notes of that kind, one a line.
notes() {
	sqlite3 -batch :memory: "SELECT value FROM json_each(readfile(
	    '$T/$1.json'), '\$.domains[0].$2')"
}
# advise CMD DOMAIN...: the advice on each, as JSON in $T/DOMAIN.json.
advise() {
	local cmd=$1 d
	shift
	for d in "$@"; do
		$cmd --domain "$d" --format json > "$T/$d.json" ||
		    fail "$d: advise failed"
	done
}

conf ""
# Every domain once under memcheck; then each in JSON, without.
$A --domain med-even.example --domain med-odd.example \
    --domain half-even.example --domain half-odd.example \
    --domain new.example --domain three.example --domain four.example \
    --domain cfg.example --domain cfg99.example --domain time.example \
    --domain long.example --domain s2.example --domain s1.example \
    --domain harm2.example --domain unc0.example --domain unc1.example \
    --domain weak.example \
    --domain six.example > "$T/all.txt" || fail "advise: exit $?"
advise "$AQ" med-even.example med-odd.example half-even.example \
    half-odd.example new.example three.example four.example cfg.example \
    cfg99.example weak.example six.example

# Since when.
days() { get "$1" stage.days; }
[ "$(days med-even.example)" = 20 ] ||
    fail "median of equal weights: $(days med-even.example) days"
[ "$(days med-odd.example)" = 10 ] ||
    fail "median of 361 and 400: $(days med-odd.example) days"
[ "$(days half-even.example)" = 20 ] ||
    fail "a day half at the stage: $(days half-even.example) days"
[ "$(days half-odd.example)" = 9 ] ||
    fail "a day a third at the stage: $(days half-odd.example) days"
[ "$(get new.example stage.days stage.since)" = "1 2026-02-28" ] ||
    fail "a stage of one day: $(get new.example stage.days stage.since)"
grep -q '^  stage       3 quarantine, for 1 day (since 2026-02-28)$' \
    "$T/all.txt" || fail "a stage of one day, in text"

# Reporters that disagree.
notes three.example disagree > "$T/three"
grep -q '^p=quarantine; pct=0 (stage 1, soft quarantine): 2 reporters with 40 days of reports, newest 2026-02-28: google.com, yahoo.com$' \
    "$T/three" || fail "three stages: $(cat "$T/three")"
grep -q '^p=quarantine (stage 3, quarantine): 1 reporter with 10 days' \
    "$T/three" || fail "three stages, no pct: $(cat "$T/three")"
[ "$(wc -l < "$T/three")" = 4 ] || fail "three stages: $(cat "$T/three")"
notes four.example disagree > "$T/four"
[ "$(wc -l < "$T/four")" = 5 ] && [ "$(tail -n 1 "$T/four")" = \
    "and 1 other stage" ] || fail "four stages: $(cat "$T/four")"
# pct=100 in the configured record: read (three digits; the record's
# grammar takes no more).
[ "$(get cfg.example policy.pct policy.source)" = "100 configuration" ] ||
    fail "pct=100: $(get cfg.example policy.pct policy.source)"
grep -q '^  policy      p=quarantine; pct=100$' "$T/all.txt" ||
    fail "pct=100, in text"
# pct=100 is all of the failing mail, as RFC 9989 receivers apply it:
# nothing to say; pct=99 is not.
ignored() { notes "$1" notes | grep -c '^RFC 9989 receivers ignore pct' || :; }
[ "$(ignored cfg.example)" = 0 ] || fail "pct=100: $(notes cfg.example notes)"
[ "$(ignored cfg99.example)" = 1 ] ||
    fail "pct=99: $(notes cfg99.example notes)"

# Volume and time. 14,000 messages: enough for min-messages 14000, so
# judged on volume, without a word about time; for 14001, judged by
# time, as authorised mail passes at 99.0%, pass or above; with pass
# 99.01, it does not, and the volume blocks.
judged() { notes time.example notes | grep -c 'judged by time' || :; }
tv() { get time.example verdict next_stage.number; }
conf "min-messages 14000; pass 99;"
advise "$AQ" time.example
[ "$(tv)" = "advance 1" ] && [ "$(judged)" = 0 ] ||
    fail "min-messages 14000: $(cat "$T/time.example.json")"
conf "min-messages 14001; pass 99;"
advise "$AQ" time.example
[ "$(tv)" = "advance 1" ] && [ "$(judged)" = 1 ] ||
    fail "min-messages 14001: $(cat "$T/time.example.json")"
conf "min-messages 14001; pass 99.01;"
advise "$AQ" time.example
notes time.example blockers > "$T/time.b"
[ "$(tv)" = "hold 0" ] && [ "$(judged)" = 0 ] &&
    grep -qx 'only 14,000 messages in the 180 days (need 14,001 to judge)' \
    "$T/time.b" ||
    fail "min-messages 14001, pass 99.01: $(cat "$T/time.example.json")"
# The longer window: a window of 5 days holds 10 messages; for
# min-messages 20, 10 days hold 20: enough, no longer; for 21, 20 days.
conf "window 5; min-messages 20;"
advise "$AQ" long.example
[ "$(get long.example from)" = 2026-02-19 ] ||
    fail "min-messages 20: from $(get long.example from)"
conf "window 5; min-messages 21;"
advise "$AQ" long.example
[ "$(get long.example from)" = 2026-02-09 ] ||
    fail "min-messages 21: from $(get long.example from)"

# Stage 2 enforces: harm, and a pass rate below step-back, step back;
# at stage 1, the same mail never does.
vn() { advise "$AQ" "$1"; get "$1" verdict next_stage.number; }
conf "step-back 98; harm 50;"
[ "$(vn s2.example)" = "hold 2" ] || fail "step-back 98: $(vn s2.example)"
conf "step-back 98.01; harm 50;"
[ "$(vn s2.example)" = "step back 1" ] ||
    fail "step-back 98.01: $(vn s2.example)"
[ "$(vn s1.example)" = "hold 1" ] ||
    fail "stage 1, step-back 98.01: $(vn s1.example)"
conf "step-back 0; harm-messages 1; harm 2;"
[ "$(vn s2.example)" = "step back 1" ] || fail "harm 2: $(vn s2.example)"
[ "$(vn s1.example)" = "hold 1" ] ||
    fail "stage 1, harm 2: $(vn s1.example)"
conf "step-back 0; harm-messages 1; harm 2.01;"
[ "$(vn s2.example)" = "hold 2" ] || fail "harm 2.01: $(vn s2.example)"

# Of two senders harmed alike, over both floors (harm 1), the reason
# names the first (the larger); at harm 1.01 only the newsletters are
# over it.
harmed() {
	advise "$AQ" harm2.example
	notes harm2.example reasons |
	    sed -n 's/^receivers quarantine or reject the authorised mail of //p' |
	    cut -d: -f1
}
conf "harm 1;"
[ "$(harmed)" = "our MTA" ] || fail "harm 1: $(notes harm2.example reasons)"
conf "harm 1.01;"
[ "$(harmed)" = newsletters ] ||
    fail "harm 1.01: $(notes harm2.example reasons)"

# Without configured senders, stage 1 is as far as advice goes: from
# stage 0 it advances, at stage 1 it holds.
conf ""
[ "$(vn unc0.example)" = "advance 1" ] || fail "unc0: $(vn unc0.example)"
[ "$(vn unc1.example)" = "hold 1" ] || fail "unc1: $(vn unc1.example)"

# The DKIM gate without configured senders: of the group's two sources,
# the one at 99.0% is at dkim 99, and the smaller one is named; at
# 99.01 it is below, and named as the largest.
weakest() {
	notes weak.example blockers |
	    sed -n 's/.*the largest source without it: //p'
}
conf ""
[ "$(weakest)" = 192.0.2.11 ] || fail "dkim 99: $(notes weak.example blockers)"
conf "dkim 99.01;"
advise "$AQ" weak.example
[ "$(weakest)" = 192.0.2.10 ] ||
    fail "dkim 99.01: $(notes weak.example blockers)"
# The sender's own figures: 90.0% signed, at dkim 90, passes the gate;
# 50.0% of the mail, at significant 50, is held by it.
dkgate() {
	notes weak.example blockers | grep -c 'signs 90.0% of its mail' || :
}
conf "dkim 90;"
advise "$AQ" weak.example
[ "$(dkgate)" = 0 ] ||
    fail "dkim 90: $(notes weak.example blockers)"
conf "dkim 90.01;"
advise "$AQ" weak.example
[ "$(dkgate)" = 1 ] ||
    fail "dkim 90.01: $(notes weak.example blockers)"
conf "significant 50;"
advise "$AQ" weak.example
[ "$(dkgate)" = 1 ] ||
    fail "significant 50: $(notes weak.example blockers)"
conf "significant 50.01;"
advise "$AQ" weak.example
[ "$(dkgate)" = 0 ] ||
    fail "significant 50.01: $(notes weak.example blockers)"
# Six senders below the gate: the five largest are listed.
notes six.example blockers |
    sed -n 's/ (203\.0\.113\.[0-9]) signs 0\.0% of its mail with .*//p' |
    tr '\n' ' ' > "$T/six"
[ "$(cat "$T/six")" = \
    "esp6.example esp5.example esp4.example esp3.example esp2.example " ] ||
    fail "six senders without DKIM: $(notes six.example blockers)"
