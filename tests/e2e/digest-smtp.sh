#!/bin/bash
# digest-smtp.sh: dmarcdb digest as a message (checked by mimecheck),
# its parts alone, its usage errors, and sent by SMTP to a private
# OpenSMTPD: delivered to every recipient byte for byte as printed, or
# to none when the server refuses one; a server that is not there.
#
# OpenSMTPD's spool (/var/spool/smtpd) and control socket
# (/run/smtpd.sock) are compiled in: it must run as root, once per host,
# so a system OpenSMTPD must not be running (tools/deps.sh test stops
# it). Mail is delivered as "nobody" into a Maildir under $T.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixtures.sh"

MIMECHECK=$BUILDDIR/tests/e2e/mimecheck
[ -x "$MIMECHECK" ] || fail "$MIMECHECK not built (make check builds it)"

# Three weeks of one domain: its own server, and a spoofer.
mkdir "$T/r"
for day in $(days 2026-02-08 21); do
	report "$T/r" google.com 7489 "$day" domain=example.com,p=none <<-EOF
	192.0.2.10 1000 example.com none pass pass example.com:s1:pass example.com:mfrom:pass -
	185.1.1.1 10 example.com none fail fail - example.com:mfrom:fail -
	EOF
done
"$DMARCDB" -q --db "$DB" ingest "$T/r"

# No configuration: everything comes from the command line.
: > "$T/empty.conf"
D="--config $T/empty.conf digest --as-of 2026-03-01 --no-dns"
FROM="DMARC reports <dmarc@example.com>"
SUBJECT="DMARC weekly: all good: example.com is ready for the next step"

# 1. The message on standard output: well-formed, the same figures in
#    both parts, the subject the figures say.
# shellcheck disable=SC2086
"$DMARCDB" --db "$DB" $D --from "$FROM" --to a@example.com \
    --to "B <b@example.org>" > "$T/msg.eml" || fail "digest: exit $?"
"$MIMECHECK" "$T/msg.eml" > "$T/subject" || fail "mimecheck: stdout message"
[ "$(cat "$T/subject")" = "$SUBJECT" ] ||
    fail "subject: '$(cat "$T/subject")', not '$SUBJECT'"
grep -q '^To: a@example.com, B <b@example.org>$' "$T/msg.eml" ||
    fail "To: $(grep '^To:' "$T/msg.eml")"
grep -q '^Date: Sun, 01 Mar 2026 00:00:00 +0000$' "$T/msg.eml" ||
    fail "Date: $(grep '^Date:' "$T/msg.eml")"
grep -q '7,070 messages' "$T/msg.eml" || fail "the week's messages"
# The same run, the same bytes.
# shellcheck disable=SC2086
"$DMARCDB" --db "$DB" $D --from "$FROM" --to a@example.com \
    --to "B <b@example.org>" | cmp -s - "$T/msg.eml" ||
    fail "two runs, two messages"

# 2. --format text and html: that part alone, as the message holds it,
#    and without --from or --to (a preview needs no addresses).
for f in plain html; do
	fmt=$f
	[ "$f" = plain ] && fmt=text
	# shellcheck disable=SC2086
	"$DMARCDB" --db "$DB" $D --format "$fmt" > "$T/part.$f" ||
	    fail "--format $fmt: exit $?"
	"$MIMECHECK" --part "$f" "$T/msg.eml" > "$T/want.$f" ||
	    fail "mimecheck --part $f"
	cmp -s "$T/want.$f" "$T/part.$f" ||
	    fail "--format $fmt is not the message's text/$f part"
	grep_none -Ei '^(mime-version|content-type|from|to|subject):' \
	    "$T/part.$f" || fail "--format $fmt printed headers"
done
head -1 "$T/part.html" | grep -q '^<!DOCTYPE html>' ||
    fail "--format html: $(head -1 "$T/part.html")"
grep_none -i '<html' "$T/part.plain" || fail "--format text printed HTML"
grep -q '7,070 messages' "$T/part.plain" || fail "--format text: figures"

# 3. Help; usage errors: exit 2, naming what is missing or wrong.
"$DMARCDB" digest --help | grep -q '^usage: dmarcdb.* digest' ||
    fail "digest --help"
# shellcheck disable=SC2086
expect_exit 2 "$DMARCDB" --db "$DB" $D 2> "$T/err"
grep -q "no sender: give --from" "$T/err" || fail "no --from: $(cat "$T/err")"
# shellcheck disable=SC2086
expect_exit 2 "$DMARCDB" --db "$DB" $D --from "$FROM" 2> "$T/err"
grep -q "no recipient: give --to" "$T/err" || fail "no --to: $(cat "$T/err")"
# shellcheck disable=SC2086
expect_exit 2 "$DMARCDB" --db "$DB" $D --to a@example.com 2> "$T/err"
grep -q "no sender: give --from" "$T/err" || fail "to, no from: $(cat "$T/err")"
# shellcheck disable=SC2086
expect_exit 2 "$DMARCDB" --db "$DB" $D --from "$FROM" --to a@example.com \
    --smtp http://x 2> "$T/err"
grep -q "'http://x' is not an smtp:// or smtps:// URL" "$T/err" ||
    fail "--smtp http://x: $(cat "$T/err")"
# shellcheck disable=SC2086
expect_exit 2 "$DMARCDB" --db "$DB" $D --from "$FROM" --to a@example.com \
    --format text --smtp smtp://127.0.0.1:1 2> "$T/err"
grep -q "excludes --format text" "$T/err" || fail "--smtp --format text"
# shellcheck disable=SC2086
expect_exit 2 "$DMARCDB" --db "$DB" $D --from "$FROM" --to nobody \
    2> "$T/err"
grep -q "'nobody' is not an email address" "$T/err" ||
    fail "--to nobody: $(cat "$T/err")"

# 4. A private OpenSMTPD.
[ "$(id -u)" -eq 0 ] || fail "must run as root: OpenSMTPD runs as root" \
    "only, with a compiled-in spool (CI runs the tests as root)"
command -v smtpd > /dev/null ||
    fail "smtpd not installed (tools/deps.sh test installs opensmtpd)"
# One OpenSMTPD per host: wait for another test's (another build tree's
# make check) to finish.
exec 9> /tmp/dmarcdb-opensmtpd.lock	# host-wide, whatever TMPDIR is
flock -w 900 9 || fail "another test has held the OpenSMTPD lock for 15" \
    "minutes"
if smtpctl show status > /dev/null 2>&1; then
	fail "an OpenSMTPD already runs on this host (pid" \
	    "$(cat /run/smtpd.pid 2> /dev/null)); there can be only one:" \
	    "stop it (tools/deps.sh test stops the system's), or wait for" \
	    "the other test"
fi

PORT=$(free_port)
URL=smtp://127.0.0.1:$PORT
MD=$T/Maildir
mkdir -p "$MD/new" "$MD/cur" "$MD/tmp"
chown -R nobody:nogroup "$MD"
chmod 755 "$T"
cat > "$T/smtpd.conf" <<EOF
table vusers { "@" = "nobody" }
listen on 127.0.0.1 port $PORT
action "deliver" maildir "$MD" user nobody virtual <vusers>
match from any for domain "refused.example" reject
match from any for any action "deliver"
EOF
smtpd -n -f "$T/smtpd.conf" > /dev/null 2> "$T/err" ||
    fail "smtpd configuration: $(cat "$T/err")"
smtpd -d -f "$T/smtpd.conf" < /dev/null > "$T/smtpd.log" 2>&1 &
SPID=$!
smtpd_stop() {
	kill "$SPID" 2> /dev/null || return 0
	wait "$SPID" 2> /dev/null || true
}
# Then lib.sh's finish, with the exit status ($?) of the test: set -e
# would end the trap at "(exit 1)", before finish cleans up.
# shellcheck disable=SC2154
trap 'rc_=$?; set +e; smtpd_stop; (exit $rc_); finish' EXIT
i=0
until [ -n "$(ss -Hltn "sport = :$PORT" 2>/dev/null)" ]; do
	kill -0 "$SPID" 2> /dev/null ||
	    fail "smtpd did not start: $(cat "$T/smtpd.log")"
	i=$((i + 1))
	[ $i -lt 100 ] || fail "smtpd does not listen on $PORT"
	sleep 0.1
done
# Left over from an earlier run, mail would land in this Maildir too.
[ -z "$(smtpctl show queue)" ] ||
    fail "the spool of OpenSMTPD holds mail from earlier runs:" \
    "$(smtpctl show queue | head -3)"

# settle: wait until the queue is empty and no delivery is under way,
# 10 s at most; then list what was delivered.
settle() {
	i=0
	while [ -n "$(smtpctl show queue)" ] ||
	    [ -n "$(ls "$MD/tmp")" ]; do
		i=$((i + 1))
		[ $i -lt 100 ] || fail "mail still queued after 10 s:" \
		    "$(smtpctl show queue | head -3)"
		sleep 0.1
	done
	ls "$MD/new"
}

# strip FILE: the message without the headers the MTA added on top.
strip() {
	awk 'd == 0 && (/^(Return-Path|Delivered-To|Received):/ ||
	    /^[ \t]/) { next } { d = 1; print }' "$1"
}

# 5. Sent: one copy per recipient, each the printed message.
# shellcheck disable=SC2086
"$DMARCDB" --db "$DB" $D --from "$FROM" --to a@example.com \
    --to "B <b@example.org>" --smtp "$URL" 2> "$T/err" ||
    fail "sending: exit $?: $(cat "$T/err")"
[ ! -s "$T/err" ] || fail "sending printed: $(cat "$T/err")"
# Delivery is asynchronous: wait for both.
i=0
while [ "$(ls "$MD/new" | wc -l)" -lt 2 ]; do
	i=$((i + 1))
	[ $i -lt 100 ] || fail "$(ls "$MD/new" | wc -l) of 2 messages" \
	    "delivered after 10 s: $(tail -5 "$T/smtpd.log")"
	sleep 0.1
done
# (Not in $(...): a timeout in settle must stop the test.)
settle > "$T/delivered"
[ "$(wc -l < "$T/delivered")" -eq 2 ] || fail "$(ls "$MD/new" | wc -l)" \
    "messages delivered, not 2"
tr -d '\r' < "$T/msg.eml" > "$T/msg.lf"
for f in "$MD"/new/*; do
	sed -n 's/^Delivered-To: //p' "$f" >> "$T/rcpts"
	"$MIMECHECK" "$f" > "$T/subject" || fail "mimecheck: delivered $f"
	[ "$(cat "$T/subject")" = "$SUBJECT" ] ||
	    fail "delivered subject: '$(cat "$T/subject")'"
	strip "$f" | tr -d '\r' | cmp -s - "$T/msg.lf" ||
	    fail "delivered message differs from the printed one:" \
	    "$(strip "$f" | tr -d '\r' | diff "$T/msg.lf" - | head -10)"
done
[ "$(sort "$T/rcpts" | tr '\n' ' ')" = "a@example.com b@example.org " ] ||
    fail "delivered to: $(tr '\n' ' ' < "$T/rcpts")"
mkdir "$T/sent"
mv "$MD"/new/* "$T/sent/"

# 6. A recipient refused at RCPT, after one accepted: exit 1, the
#    server's reply, and nothing delivered to anyone.
# shellcheck disable=SC2086
expect_exit 1 "$DMARCDB" --db "$DB" $D --from "$FROM" --to a@example.com \
    --to x@refused.example --smtp "$URL" 2> "$T/err"
grep -q "550 Invalid recipient: <x@refused.example>" "$T/err" ||
    fail "refused: no server reply in: $(cat "$T/err")"
grep_none "Bye" "$T/err" || fail "refused: the reply to QUIT, not RCPT's:" \
    "$(cat "$T/err")"
settle > "$T/delivered"
[ ! -s "$T/delivered" ] || fail "refused recipient, but delivered to" \
    "$(sed -n 's/^Delivered-To: //p' "$MD"/new/*)"

# 7. Nobody listening: exit 1, said clearly; nothing sent.
smtpd_stop
# shellcheck disable=SC2086
expect_exit 1 "$DMARCDB" --db "$DB" $D --from "$FROM" --to a@example.com \
    --smtp "$URL" 2> "$T/err"
grep -q "digest not sent: sending by $URL: .*Couldn't connect to server" \
    "$T/err" || fail "nobody listening: $(cat "$T/err")"
[ -z "$(ls "$MD/new")" ] || fail "delivered without a server?"
echo ok
