#!/bin/bash
# imap-tls.sh: IMAP credentials never travel in clear. TLS is required
# for every server but a loopback address written as such: a server
# that refuses STARTTLS, or does not offer it, never sees a LOGIN or
# the password (fakeserver.py records what it got); --allow-cleartext
# allows clear text. A real TLS session with a private Dovecot and a
# throwaway CA (--ca-file), by STARTTLS and imaps://; a certificate of
# an unknown CA, or for another name, is refused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dovecot.sh"
. "$(dirname "$0")/netfix.sh"

PW=s3cr3t-pw-4711
export DMARCDB_IMAP_PASSWORD=$PW
# The password as AUTHENTICATE PLAIN sends it, base64 of \0user\0pass.
PLAIN=$(printf '\0test\0%s' "$PW" | base64)

# no_login FILE WHAT: the server got no login and no password.
no_login() {
	grep_none -Ei '^[^ ]+ (LOGIN|AUTHENTICATE)' "$1" ||
	    fail "$2: the client logged in: $(cat "$1")"
	grep_none -F -e "$PW" -e "$PLAIN" "$1" ||
	    fail "$2: the password reached the server"
}

# got_login FILE WHAT: it did get them (the check above can fail).
got_login() {
	grep -Eiq '^[^ ]+ (LOGIN|AUTHENTICATE)' "$1" ||
	    fail "$2: no login reached the server: $(cat "$1")"
	grep -Fq -e "$PW" -e "$PLAIN" "$1" ||
	    fail "$2: no password reached the server"
}

# unreadable ERR: the run said the folder could not be read, once.
unreadable() {
	grep -q ': 0 reports stored, 0 duplicates, 0 superseded, 0 rejected, 1 unreadable;' \
	    "$1" || fail "summary: $(cat "$1")"
	grep_none -F "$PW" "$1" || fail "the password was printed"
}

# 1. STARTTLS offered, then refused. "localhost" is a name, not a
#    loopback address as written: TLS is required, and the client
#    stops before it logs in.
fake_start imap-starttls-refused
U=imap://test@localhost:$FAKE_PORT/INBOX
expect_exit 5 "$DMARCDB" --db "$DB" ingest "$U" 2> "$T/err"
grep -q '^[^ ]* STARTTLS' "$FAKE_GOT" || fail "STARTTLS not tried"
no_login "$FAKE_GOT" "STARTTLS refused"
grep -q "^dmarcdb: $U: connecting: STARTTLS denied: the server does not offer TLS (STARTTLS), or refused it, so nothing more was sent (clear text only with --allow-cleartext) (the server said: A[0-9]* NO TLS is not available today)$" \
    "$T/err" || fail "STARTTLS refused: $(cat "$T/err")"
unreadable "$T/err"
#    With --allow-cleartext it logs in, in clear, after the refusal.
expect_exit 5 "$DMARCDB" --db "$DB" ingest --allow-cleartext "$U" \
    2> "$T/err"
got_login "$FAKE_GOT" "--allow-cleartext"
grep -q "login denied" "$T/err" || fail "cleartext: $(cat "$T/err")"

# 2. No STARTTLS offered at all: the same.
fake_start imap-no-starttls
expect_exit 5 "$DMARCDB" --db "$DB" ingest \
    "imap://test@localhost:$FAKE_PORT/INBOX" 2> "$T/err"
no_login "$FAKE_GOT" "no STARTTLS"
grep -q "does not offer TLS (STARTTLS), or refused it" "$T/err" ||
    fail "no STARTTLS: $(cat "$T/err")"
unreadable "$T/err"

# 3. A loopback address as written (127.0.0.1) may be spoken to in
#    clear: the login goes there, and is refused.
fake_start imap-no-starttls
expect_exit 5 "$DMARCDB" --db "$DB" ingest \
    "imap://test@127.0.0.1:$FAKE_PORT/INBOX" 2> "$T/err"
got_login "$FAKE_GOT" "127.0.0.1"
grep -q "login denied" "$T/err" || fail "127.0.0.1: $(cat "$T/err")"
#    ... and never through a proxy (which would take it elsewhere).
fake_start imap-no-starttls
expect_exit 5 env ALL_PROXY=socks5://192.0.2.1:1080 "$DMARCDB" --db "$DB" \
    ingest "imap://test@127.0.0.1:$FAKE_PORT/INBOX" 2> "$T/err"
got_login "$FAKE_GOT" "127.0.0.1 with ALL_PROXY"

# 4. A real TLS session: Dovecot with a certificate of a throwaway CA.
mkcerts "$T/pki"
M=$T/msgs
mkdir "$M"
cp "$CORPUS"/*/*.eml "$M"/
n=$(ls "$M" | wc -l)
[ "$n" -gt 0 ] || fail "no messages in the corpus"
seed() {	# seed MAILDIR: every message, unseen
	i=0
	for f in "$M"/*; do
		i=$((i + 1))
		cp "$f" "$1/new/1700000$i.M$i.host"
	done
	chown -R nobody:nogroup "$1"
}
DOVE_SSL=required DOVE_CERT=$T/pki/good.pem DOVE_KEY=$T/pki/good.key \
    DOVE_IMAPS=1 dovecot_start tls
export DMARCDB_IMAP_PASSWORD=$IMAP_PASS
seed "$IMAP_MD"
logins() {	# logins LOG: the logins Dovecot accepted
	grep -c 'imap-login: Info: Login: user=<test>' "$1" || :
}
#    By STARTTLS, checked against the CA of --ca-file: every message read.
"$DMARCDB" -q --db "$T/a.db" ingest --ca-file "$T/pki/ca.pem" \
    "imap://test@localhost:$IMAP_PORT/INBOX" || fail "STARTTLS: exit $?"
[ "$(sql "$T/a.db" "SELECT count(*) FROM mail_messages")" = "$n" ] ||
    fail "STARTTLS: not every message read"
last=$(grep 'imap-login: Info: Login: user=<test>' "$DOVE/dovecot.log" | tail -1)
case $last in
*", TLS, "*) ;;
*) fail "the login was not over TLS: $last" ;;
esac
#    By imaps://, TLS from the start.
"$DMARCDB" -q --db "$T/b.db" ingest --ca-file "$T/pki/ca.pem" \
    "imaps://test@localhost:$IMAPS_PORT/INBOX" || fail "imaps: exit $?"
[ "$(sql "$T/b.db" "SELECT count(*) FROM mail_messages")" = "$n" ] ||
    fail "imaps: not every message read"
#    Without --ca-file, the throwaway CA is unknown: refused, before
#    any login.
before=$(logins "$DOVE/dovecot.log")
for u in "imap://test@localhost:$IMAP_PORT/INBOX" \
    "imaps://test@localhost:$IMAPS_PORT/INBOX"; do
	expect_exit 5 "$DMARCDB" --db "$T/c.db" ingest "$u" 2> "$T/err"
	grep -q "^dmarcdb: $u: .*not signed by a trusted CA (--ca-file names a private CA)$" \
	    "$T/err" || fail "unknown CA, $u: $(cat "$T/err")"
	unreadable "$T/err"
done
#    The same CA, but a certificate for another name: refused.
DOVE_SSL=required DOVE_CERT=$T/pki/wrong.pem DOVE_KEY=$T/pki/wrong.key \
    DOVE_IMAPS=1 dovecot_start wrong
seed "$IMAP_MD"
wrong_before=$(logins "$DOVE/dovecot.log")
for u in "imap://test@localhost:$IMAP_PORT/INBOX" \
    "imaps://test@localhost:$IMAPS_PORT/INBOX"; do
	expect_exit 5 "$DMARCDB" --db "$T/c.db" ingest --ca-file \
	    "$T/pki/ca.pem" "$u" 2> "$T/err"
	grep -q "^dmarcdb: $u: .*'localhost'.*: the server's certificate is not for this host name" \
	    "$T/err" || fail "wrong name, $u: $(cat "$T/err")"
	unreadable "$T/err"
done
[ "$(logins "$DOVE/dovecot.log")" = "$wrong_before" ] ||
    fail "a login reached the server of the wrong name"
[ "$(logins "$T/tls/dovecot.log")" = "$before" ] ||
    fail "a login reached the server of an unknown CA"
[ "$(sql "$T/c.db" "SELECT count(*) FROM mail_messages")" = 0 ] ||
    fail "messages read from an untrusted server"

# 5. --ca-file must name a readable file: a usage error at once.
expect_exit 2 "$DMARCDB" --db "$T/c.db" ingest --ca-file "$T/nope.pem" \
    "imap://test@localhost:$IMAP_PORT/INBOX" 2> "$T/err"
grep -q -- "--ca-file $T/nope.pem: No such file or directory" "$T/err" ||
    fail "missing CA file: $(cat "$T/err")"
echo ok
