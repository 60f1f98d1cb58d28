#!/bin/bash
# digest-alert.sh: per-domain recipients (digest-to) and dmarcdb digest
# --alert. Each recipient set gets one message of its domains (several
# on standard output: an mbox); an alert goes out once per problem and
# recipient, again only for a new problem; a problem without a domain
# (the ingest) goes to the all-domains list; an alert that could not be
# sent is not recorded, and is sent next time.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixtures.sh"
. "$(dirname "$0")/smtpd.sh"

MIMECHECK=$BUILDDIR/tests/e2e/mimecheck
[ -x "$MIMECHECK" ] || fail "$MIMECHECK not built (make check builds it)"

# Four weeks, 2026-02-08 to 2026-03-07, of three domains:
#  a.example: its helpdesk's DKIM breaks on 2026-02-22;
#  b1.example: fine, but its reports stop after 2026-02-28;
#  b2.example: its ESP breaks on 2026-03-01.
mkdir "$T/r"
ok() { # IP COUNT DOMAIN
	echo "$1 $2 $3 none pass pass $3:s1:pass $3:mfrom:pass -"
}
# Their SPF passes, not aligned: that names them when DKIM fails.
HD="helpdesk-mail.example:mfrom:pass -"
ESP="esp-mail.example:mfrom:pass -"
for day in $(days 2026-02-08 28); do
	hd=pass
	[ "$day" \< 2026-02-22 ] || hd=fail
	esp=pass
	[ "$day" \< 2026-03-01 ] || esp=fail
	report "$T/r" google.com 7489 "$day" domain=a.example,p=none <<-EOF
	$(ok 192.0.2.10 300 a.example)
	203.0.113.40 60 a.example none $hd fail a.example:zd1:$hd $HD
	EOF
	if [ "$day" \< 2026-03-01 ]; then
		report "$T/r" google.com 7489 "$day" \
		    domain=b1.example,p=none <<-EOF
		$(ok 192.0.2.10 200 b1.example)
		EOF
	fi
	report "$T/r" google.com 7489 "$day" domain=b2.example,p=none <<-EOF
	$(ok 192.0.2.10 200 b2.example)
	198.51.100.7 40 b2.example none $esp fail b2.example:esp1:$esp $ESP
	EOF
done
"$QUICK" -q --db "$DB" ingest "$T/r"

# ops gets every domain (and only that, though a.example names it); a
# gets a.example; b, named by two blocks, one message of both; c b2; d
# b1.
conf() { # FILE [TEAM-B2-ADDRESS]
	printf '%s\n' "location-db \"$T/no-location.db\";" \
	    'domain a.example {' \
	    '	sender "our MTA" { ip 192.0.2.10/32; }' \
	    '	sender "Helpdesk" {' \
	    '		dkim a.example selector zd1; spf helpdesk-mail.example;' \
	    '	}' \
	    '	digest-to "Team A <a@example.com>" ops@example.com;' '}' \
	    'domain b1.example {' \
	    '	sender "our MTA" { ip 192.0.2.10/32; }' \
	    '	digest-to b@example.com d@example.com;' '}' \
	    'domain b2.example {' \
	    '	sender "our MTA" { ip 192.0.2.10/32; }' \
	    '	sender "ESP" { dkim b2.example selector esp1; spf esp-mail.example; }' \
	    "	digest-to b@example.com \"${2:-Carol <c@example.com>}\";" '}' \
	    'digest {' '	from "DMARC <dmarc@example.com>";' \
	    '	to "Ops <ops@example.com>";' '}' > "$1"
}
conf "$T/dmarcdb.conf"
DMARCDB_CONFIG=$T/dmarcdb.conf
export DMARCDB_CONFIG
FRESH_DB=$(db_copy fresh)

# unmbox MBOX DIR: the messages of an mbox, DIR/1.eml, DIR/2.eml...; their
# number on standard output. Each must be a well-formed message.
unmbox() {
	rm -rf "$2"
	mkdir "$2"
	awk -v d="$2" '/^From / { n++; next }
	    n > 0 { print > (d "/" n ".eml") }
	    END { print n + 0 }' "$1"
	for f in "$2"/*.eml; do
		[ -e "$f" ] || continue
		# The empty line that ends each message in an mbox.
		sed -i '$ { /^$/d }' "$f"
		"$MIMECHECK" "$f" > /dev/null || fail "mimecheck: $f"
	done
}
# to DIR ADDRESS: the message of DIR whose To: names ADDRESS.
to() {
	grep -l "^To: .*$2" "$1"/*.eml || fail "no message to $2 in $1:" \
	    "$(grep -h '^To:' "$1"/*.eml)"
}
# text FILE: its text part, its lines joined.
text() {
	"$MIMECHECK" --part plain "$1" | tr -s ' \n' '  '
}

# 1. The weekly digest: one message per recipient set, an mbox.
"$DMARCDB" -q --db "$DB" digest --as-of 2026-03-01 --no-dns \
    > "$T/weekly.mbox"
[ "$(unmbox "$T/weekly.mbox" "$T/w")" = 5 ] ||
    fail "weekly: $(grep -c '^From ' "$T/weekly.mbox") messages, not 5"
head -1 "$T/weekly.mbox" |
    grep -q '^From dmarc@example.com Sun Mar  1 00:00:00 2026$' ||
    fail "mbox From line: $(head -1 "$T/weekly.mbox")"
grep -q '^To: Ops <ops@example.com>$' "$T/w/1.eml" ||
    fail "the all-domains list first: $(grep '^To:' "$T/w/1.eml")"
[ "$(grep -h '^To:' "$T/w"/*.eml | sort | tr '\n' '|')" = "To: Carol\
 <c@example.com>|To: Ops <ops@example.com>|To: Team A <a@example.com>|\
To: b@example.com|To: d@example.com|" ] ||
    fail "weekly To: $(grep -h '^To:' "$T/w"/*.eml | tr '\n' '|')"
# Each names its domains, and no other.
names() { # FILE DOMAIN... : the domains of the overview, exactly
	got=$(text "$1" | grep -o '[ab][12]*\.example [0-9][0-9,]* ' |
	    sed 's/ .*//' | sort -u | tr '\n' ' ')
	[ "$got" = "$(printf '%s\n' "${@:2}" | sort | tr '\n' ' ')" ] ||
	    fail "$1 ($(grep '^To:' "$1")): domains $got, not ${*:2}"
}
names "$(to "$T/w" ops@)" a.example b1.example b2.example
names "$(to "$T/w" a@)" a.example
names "$(to "$T/w" b@)" b1.example b2.example
names "$(to "$T/w" c@)" b2.example
names "$(to "$T/w" d@)" b1.example
# --to on the command line, or --domain: the one digest of today.
"$QUICK" --db "$DB" digest --as-of 2026-03-01 --no-dns \
    --to x@example.com > "$T/one.eml"
head -1 "$T/one.eml" | grep -q '^From ' && fail "--to: an mbox"
"$MIMECHECK" "$T/one.eml" > /dev/null || fail "mimecheck: --to"
names "$T/one.eml" a.example b1.example b2.example
# --domain: the messages of those that get it; b and d then get the same
# domain, and share a message.
"$QUICK" --db "$DB" digest --as-of 2026-03-01 --no-dns \
    --domain b1.example > "$T/b1.mbox"
[ "$(unmbox "$T/b1.mbox" "$T/b1")" = 2 ] || fail "--domain b1.example:" \
    "$(grep -h '^To:' "$T/b1"/*.eml | tr '\n' '|')"
names "$(to "$T/b1" ops@)" b1.example
grep -q '^To: b@example.com, d@example.com$' "$T/b1/2.eml" ||
    fail "--domain b1.example: $(grep '^To:' "$T/b1/2.eml")"
names "$T/b1/2.eml" b1.example

# 2. The first alert: the helpdesk of a.example, to ops and to a; b, c
#    and d have nothing to act on.
A="-q digest --alert --no-dns"
# shellcheck disable=SC2086
"$DMARCDB" --db "$DB" $A --as-of 2026-03-01 > "$T/1.mbox" 2> "$T/err" ||
    fail "alert: exit $?: $(cat "$T/err")"
[ ! -s "$T/err" ] || fail "alert: stderr: $(cat "$T/err")"
[ "$(unmbox "$T/1.mbox" "$T/1")" = 2 ] ||
    fail "alert 1: $(grep -h '^To:' "$T/1"/*.eml | tr '\n' '|')"
SUBJ="DMARC alert: Helpdesk started failing DMARC on a.example (420"
SUBJ="$SUBJ messages this week)"
for f in "$(to "$T/1" ops@)" "$(to "$T/1" a@)"; do
	[ "$("$MIMECHECK" "$f")" = "$SUBJ" ] ||
	    fail "alert 1 subject: $("$MIMECHECK" "$f")"
	text "$f" | grep -qF "New since the last alert: ! Helpdesk started" ||
	    fail "alert 1: the new flag first: $(text "$f")"
	# The inbox preview: the subject says the one new flag; the
	# hidden preheader, the banner of the digest.
	"$MIMECHECK" --part html "$f" | tr -s ' \n' '  ' | grep -q \
	    '<div style="display:none;[^>]*">Action needed: [^<]*\.</div>' ||
	    fail "alert 1: no preheader: $("$MIMECHECK" --part html "$f" |
	    head -c 2000)"
done
names "$(to "$T/1" a@)" a.example
names "$(to "$T/1" ops@)" a.example b1.example b2.example
[ "$(sql "$DB" "SELECT recipient, key FROM digest_alerts ORDER BY 1")" = \
    "a@example.com|failing a.example 0:Helpdesk
ops@example.com|failing a.example 0:Helpdesk" ] ||
    fail "recorded: $(sql "$DB" "SELECT * FROM digest_alerts")"

# 3. The same state again: quiet, exit 0, nothing printed.
# shellcheck disable=SC2086
"$QUICK" --db "$DB" $A --as-of 2026-03-01 > "$T/2.mbox" 2> "$T/err" ||
    fail "alert again: exit $?"
if [ -s "$T/2.mbox" ] || [ -s "$T/err" ]; then
	fail "alert again printed: $(head -5 "$T/2.mbox" "$T/err")"
fi

# 4. The ESP of b2.example breaks: ops, b and c are told, a is not;
#    the helpdesk, still failing, is not news.
# shellcheck disable=SC2086
"$QUICK" --db "$DB" $A --as-of 2026-03-04 > "$T/3.mbox"
[ "$(unmbox "$T/3.mbox" "$T/3")" = 3 ] ||
    fail "alert 3: $(grep -h '^To:' "$T/3"/*.eml | tr '\n' '|')"
grep_none -h '^To: .*[ad]@' "$T/3"/*.eml || fail "alert 3 went to a or d"
for r in ops@ b@ c@; do
	f=$(to "$T/3" $r)
	"$MIMECHECK" "$f" |
	    grep -q "^DMARC alert: ESP started failing DMARC on b2.example" ||
	    fail "alert 3 to $r: $("$MIMECHECK" "$f")"
	text "$f" | grep -q "New since the last alert: ! ESP started failing\
 DMARC on b2.example (120 of its 280 messages this week) !!!" ||
	    fail "alert 3 to $r: not the ESP alone: $(text "$f")"
done
names "$(to "$T/3" c@)" b2.example
names "$(to "$T/3" b@)" b1.example b2.example

# 5. No reports about b1.example for a week: ops, b and d (all of whose
#    domains are quiet: that is not a dead ingest while others report).
# shellcheck disable=SC2086
"$QUICK" --db "$DB" $A --as-of 2026-03-08 > "$T/4.mbox"
[ "$(unmbox "$T/4.mbox" "$T/4")" = 3 ] ||
    fail "alert 4: $(grep -h '^To:' "$T/4"/*.eml | tr '\n' '|')"
for r in ops@ b@ d@; do
	"$MIMECHECK" "$(to "$T/4" $r)" |
	    grep -q "^DMARC alert: No reports about b1.example this week$" ||
	    fail "alert 4 to $r: $("$MIMECHECK" "$(to "$T/4" $r)")"
done
# The next day, the same.
# shellcheck disable=SC2086
"$QUICK" --db "$DB" $A --as-of 2026-03-09 > "$T/5.mbox"
[ ! -s "$T/5.mbox" ] ||
    fail "a day later, again: $(grep '^Subject' "$T/5.mbox")"

# 6. No reports at all: the ingest's problem, for the all-domains list
#    only. What was not raised for a week is forgotten.
# shellcheck disable=SC2086
"$QUICK" --db "$DB" $A --as-of 2026-03-20 > "$T/6.eml"
head -1 "$T/6.eml" | grep -q '^From ' || fail "alert 6: not an mbox"
[ "$(unmbox "$T/6.eml" "$T/6")" = 1 ] ||
    fail "alert 6: $(grep -h '^To:' "$T/6"/*.eml | tr '\n' '|')"
grep -q '^To: Ops <ops@example.com>$' "$T/6/1.eml" || fail "alert 6: to" \
    "$(grep '^To:' "$T/6/1.eml")"
"$MIMECHECK" "$T/6/1.eml" |
    grep -q "^DMARC alert: No reports for 12 days: check the report" ||
    fail "alert 6: $("$MIMECHECK" "$T/6/1.eml")"
[ "$(sql "$DB" "SELECT count(*) FROM digest_alerts
    WHERE key LIKE 'failing %'")" = 0 ] ||
    fail "not forgotten: $(sql "$DB" "SELECT * FROM digest_alerts")"

# 7. Usage and configuration errors.
# shellcheck disable=SC2086
expect_exit 2 "$QUICK" --db "$DB" $A --format text 2> "$T/err"
grep -q "excludes --format text" "$T/err" || fail "--alert --format text"
conf "$T/bad.conf" nobody
expect_exit 3 "$DMARCDB" --db "$DB" --config "$T/bad.conf" digest --no-dns \
    --as-of 2026-03-01 2> "$T/err"
grep -q "bad.conf:16: digest-to: 'nobody' is not an email address" \
    "$T/err" || fail "bad digest-to: $(cat "$T/err")"
printf '%s\n' 'digest { from a@example.com;' '  to "Ops, nobody"; }' \
    > "$T/bad.conf"
expect_exit 3 "$QUICK" --db "$DB" --config "$T/bad.conf" digest --no-dns \
    2> "$T/err"
grep -q "bad.conf:2: digest to: 'Ops, nobody' is not an email address" \
    "$T/err" || fail "bad to: $(cat "$T/err")"
# config check says the same of every address, without a database.
printf '%s\n' 'domain a.example {' '  digest-to "A <a@example.com>" a2;' \
    '}' 'digest { from "DMARC reports";' '  to ops@example.com;' \
    '  to "Ops, nobody"; }' > "$T/bad.conf"
expect_exit 1 "$QUICK" --db "$T/none.db" --config "$T/bad.conf" config \
    check > "$T/out" 2> "$T/err"
[ "$(cat "$T/out")" = "$T/bad.conf:4: digest from: 'DMARC reports' is not an email address
$T/bad.conf:6: digest to: 'Ops, nobody' is not an email address
$T/bad.conf:2: digest-to: 'a2' is not an email address" ] ||
    fail "config check of the digest's addresses: $(cat "$T/out" "$T/err")"
expect_exit 3 "$QUICK" --db "$DB" --config "$T/bad.conf" digest --no-dns \
    --to x@example.com 2> "$T/err"
grep -q "bad.conf:4: digest from: 'DMARC reports' is not an email address" \
    "$T/err" || fail "bad from: $(cat "$T/err")"
printf 'default { digest-to a@example.com; }\n' > "$T/bad.conf"
expect_exit 3 "$QUICK" --db "$DB" --config "$T/bad.conf" digest --no-dns \
    2> "$T/err"
grep -q "bad.conf:1: digest-to belongs in a domain block" "$T/err" ||
    fail "digest-to in default: $(cat "$T/err")"

# 8. By SMTP: each set its message. c's server refuses it: exit 1, the
#    others are sent and recorded, c's alert is not, and is tried again.
smtpd_start
db_restore fresh
conf "$T/dmarcdb.conf" c@refused.example
# shellcheck disable=SC2086
"$DMARCDB" --db "$DB" $A --as-of 2026-03-01 --smtp "$URL" 2> "$T/err" ||
    fail "smtp alert 1: exit $?: $(cat "$T/err")"
settle 2 > /dev/null
for f in "$MD"/new/*; do
	sed -n 's/^Delivered-To: //p' "$f"
	"$MIMECHECK" "$f" | grep -qF "$SUBJ" ||
	    fail "smtp: $("$MIMECHECK" "$f")"
done | sort | tr '\n' ' ' > "$T/rcpts"
[ "$(cat "$T/rcpts")" = "a@example.com ops@example.com " ] ||
    fail "smtp alert 1 delivered to $(cat "$T/rcpts")"
rm "$MD"/new/*
# shellcheck disable=SC2086
expect_exit 1 "$QUICK" --db "$DB" $A --as-of 2026-03-04 --smtp "$URL" \
    2> "$T/err"
grep -q "^dmarcdb: alert to c@refused.example not sent: .*550" "$T/err" ||
    fail "smtp refused: $(cat "$T/err")"
settle 2 > /dev/null
[ "$(sed -n 's/^Delivered-To: //p' "$MD"/new/* | sort | tr '\n' ' ')" = \
    "b@example.com ops@example.com " ] ||
    fail "smtp alert 2 delivered to" \
    "$(sed -n 's/^Delivered-To: //p' "$MD"/new/* | tr '\n' ' ')"
rm "$MD"/new/*
[ "$(sql "$DB" "SELECT count(*) FROM digest_alerts
    WHERE recipient = 'c@refused.example'")" = 0 ] ||
    fail "an alert not sent is recorded"
# Tried again, for c only.
# shellcheck disable=SC2086
expect_exit 1 "$QUICK" --db "$DB" $A --as-of 2026-03-04 --smtp "$URL" \
    2> "$T/err"
[ "$(grep -c 'not sent' "$T/err")" = 1 ] || fail "again: $(cat "$T/err")"
grep -q "c@refused.example not sent" "$T/err" || fail "again: $(cat "$T/err")"
settle 0 > "$T/delivered"
[ ! -s "$T/delivered" ] || fail "sent again: $(cat "$T/delivered")"
echo ok
