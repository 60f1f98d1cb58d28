#!/bin/bash
# smtp-tls.sh: digest --smtp never sends credentials, nor the digest, in
# clear, but to a loopback address written as such: a server that
# refuses STARTTLS, or does not offer it, never sees AUTH, the password
# or MAIL FROM (fakeserver.py records what it got). --allow-cleartext,
# or "allow-cleartext yes" in the digest block, allows clear text.
# A real TLS session, by STARTTLS and smtps://, checked against the
# throwaway CA of --ca-file: the credentials and the message only over
# TLS; a certificate of an unknown CA, or for another name, refused.
# --ca-file and "ca-file" must name a readable file. (The TLS server is
# fakeserver.py's: OpenSMTPD 6.8 fails its TLS handshakes under OpenSSL
# 3 on Debian 12, "SSL routines::internal error".)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netfix.sh"

PW=s3cr3t-pw-4711
# The password as AUTH PLAIN sends it, base64 of \0user\0pass.
PLAIN=$(printf '\0dmarc\0%s' "$PW" | base64)
: > "$T/empty.conf"
# A database to digest (only ingest makes one).
"$QUICK" -q --db "$DB" ingest "$SRCDIR/samples/reports/yahoo-report.xml"
D="--config $T/empty.conf digest --as-of 2026-03-01 --no-dns"
D="$D --from dmarc@example.com --to ops@example.com"

# nothing_sent FILE WHAT: no AUTH, no password, no message.
nothing_sent() {
	grep_none -Ei '^(AUTH|MAIL FROM|DATA)' "$1" ||
	    fail "$2: the client went on in clear: $(cat "$1")"
	grep_none -F -e "$PW" -e "$PLAIN" "$1" ||
	    fail "$2: the password reached the server"
}

# got_auth FILE WHAT: the server did get them (the check above can fail).
got_auth() {
	grep -Eiq '^AUTH' "$1" || fail "$2: no AUTH reached the server:" \
	    "$(cat "$1")"
	grep -Fq -e "$PW" -e "$PLAIN" "$1" ||
	    fail "$2: no password reached the server"
}

# 1. STARTTLS offered, then refused: the client stops there. The host
#    is a name, not a loopback address as written: TLS is required.
fake_start smtp-starttls-refused
U=smtp://dmarc:$PW@localhost:$FAKE_PORT
SAFE=smtp://dmarc:***@localhost:$FAKE_PORT
# shellcheck disable=SC2086
expect_exit 1 "$DMARCDB" --db "$DB" $D --smtp "$U" 2> "$T/err"
grep -q '^STARTTLS' "$FAKE_GOT" || fail "STARTTLS not tried"
nothing_sent "$FAKE_GOT" "STARTTLS refused"
grep -Fxq "dmarcdb: digest not sent: sending by $SAFE: STARTTLS denied, code 454: the server does not offer TLS (STARTTLS), or refused it, so nothing more was sent (clear text only with --allow-cleartext) (the server said: 454 4.7.0 TLS not available today)" \
    "$T/err" || fail "STARTTLS refused: $(cat "$T/err")"
grep_none -F "$PW" "$T/err" || fail "the password was printed"
#    --allow-cleartext: it logs in, in clear (and is refused).
# shellcheck disable=SC2086
expect_exit 1 "$DMARCDB" --db "$DB" $D --smtp "$U" --allow-cleartext \
    2> "$T/err"
got_auth "$FAKE_GOT" "--allow-cleartext"
grep -q "535 5.7.8 refused" "$T/err" || fail "cleartext: $(cat "$T/err")"
grep_none -F "$PW" "$T/err" || fail "the password was printed"

# 2. No STARTTLS offered: the same, with the password in ~/.netrc.
fake_start smtp-no-starttls
mkdir "$T/home"
printf 'machine localhost login dmarc password %s\n' "$PW" > \
    "$T/home/.netrc"
chmod 600 "$T/home/.netrc"
# shellcheck disable=SC2086
expect_exit 1 env HOME="$T/home" "$DMARCDB" --db "$DB" $D \
    --smtp "smtp://localhost:$FAKE_PORT" 2> "$T/err"
nothing_sent "$FAKE_GOT" "no STARTTLS"
grep -q "STARTTLS not supported.: the server does not offer TLS" \
    "$T/err" || fail "no STARTTLS: $(cat "$T/err")"
#    "allow-cleartext yes" in the digest block: it logs in, in clear.
printf 'digest { allow-cleartext yes; }\n' > "$T/clear.conf"
# shellcheck disable=SC2086
expect_exit 1 env HOME="$T/home" "$DMARCDB" --db "$DB" $D \
    --config "$T/clear.conf" --smtp "smtp://localhost:$FAKE_PORT" \
    2> "$T/err"
got_auth "$FAKE_GOT" "allow-cleartext yes"
#    "allow-cleartext no" is the default, said.
printf 'digest { allow-cleartext no; }\n' > "$T/noclear.conf"
fake_start smtp-no-starttls
# shellcheck disable=SC2086
expect_exit 1 env HOME="$T/home" "$DMARCDB" --db "$DB" $D \
    --config "$T/noclear.conf" --smtp "smtp://localhost:$FAKE_PORT" \
    2> "$T/err"
nothing_sent "$FAKE_GOT" "allow-cleartext no"

# 3. A loopback address as written may be spoken to in clear: without
#    credentials, the digest is sent.
fake_start smtp-no-starttls
# shellcheck disable=SC2086
"$DMARCDB" --db "$DB" $D --smtp "smtp://127.0.0.1:$FAKE_PORT" \
    2> "$T/err" || fail "127.0.0.1: exit $?: $(cat "$T/err")"
grep -q '^MAIL FROM:<dmarc@example.com>' "$FAKE_GOT" ||
    fail "127.0.0.1: not sent: $(cat "$FAKE_GOT")"

# 4. Real TLS. in_clear FILE: what the client sent before TLS began.
# after_tls FILE: what it sent over TLS.
in_clear() {
	awk '/^--- TLS ---$/ { exit } { print }' "$1"
}
after_tls() {
	awk 'tls { print } /^--- TLS ---$/ { tls = 1 }' "$1"
}
mkcerts "$T/pki"
CA="--ca-file $T/pki/ca.pem"
for mode in smtp-starttls smtps; do
	fake_start "$mode" "$T/pki/good.pem" "$T/pki/good.key"
	scheme=smtp
	[ "$mode" = smtp-starttls ] || scheme=smtps
	# shellcheck disable=SC2086
	"$DMARCDB" --db "$DB" $D $CA \
	    --smtp "$scheme://dmarc:$PW@localhost:$FAKE_PORT" 2> "$T/err" ||
	    fail "$mode: exit $?: $(cat "$T/err")"
	grep -qx -- '--- TLS ---' "$FAKE_GOT" || fail "$mode: no TLS"
	in_clear "$FAKE_GOT" > "$T/clear"
	nothing_sent "$T/clear" "$mode, before TLS"
	after_tls "$FAKE_GOT" > "$T/tls"
	got_auth "$T/tls" "$mode, over TLS"
	grep -q '^Subject: DMARC weekly' "$T/tls" ||
	    fail "$mode: no message over TLS"
	#    Without --ca-file, the throwaway CA is unknown.
	: > "$FAKE_GOT"
	# shellcheck disable=SC2086
	expect_exit 1 "$DMARCDB" --db "$DB" $D \
	    --smtp "$scheme://dmarc:$PW@localhost:$FAKE_PORT" 2> "$T/err"
	grep -q "not signed by a trusted CA (--ca-file names a private CA)" \
	    "$T/err" || fail "$mode, unknown CA: $(cat "$T/err")"
	nothing_sent "$FAKE_GOT" "$mode, unknown CA"
	#    A certificate for another name.
	fake_start "$mode" "$T/pki/wrong.pem" "$T/pki/wrong.key"
	# shellcheck disable=SC2086
	expect_exit 1 "$DMARCDB" --db "$DB" $D $CA \
	    --smtp "$scheme://dmarc:$PW@localhost:$FAKE_PORT" 2> "$T/err"
	grep -q "'localhost'.*: the server's certificate is not for this host name" \
	    "$T/err" || fail "$mode, wrong name: $(cat "$T/err")"
	nothing_sent "$FAKE_GOT" "$mode, wrong name"
done

# 5. --ca-file, and ca-file, must name a readable file.
# shellcheck disable=SC2086
expect_exit 2 "$DMARCDB" --db "$DB" $D --smtp "smtp://127.0.0.1:1" \
    --ca-file "$T/nope.pem" 2> "$T/err"
grep -q -- "--ca-file $T/nope.pem: No such file or directory" "$T/err" ||
    fail "--ca-file missing: $(cat "$T/err")"
printf 'digest {\n  ca-file "%s";\n}\n' "$T/nope.pem" > "$T/ca.conf"
# shellcheck disable=SC2086
expect_exit 3 "$DMARCDB" --db "$DB" $D --config "$T/ca.conf" \
    --smtp "smtp://127.0.0.1:1" 2> "$T/err"
grep -Fxq "dmarcdb: $T/ca.conf:2: ca-file $T/nope.pem: No such file or directory" \
    "$T/err" || fail "ca-file missing: $(cat "$T/err")"
printf 'digest { allow-cleartext maybe; }\n' > "$T/bad.conf"
# shellcheck disable=SC2086
expect_exit 3 "$DMARCDB" --db "$DB" $D --config "$T/bad.conf" \
    2> "$T/err"
grep -q "bad.conf:1: expected yes or no after allow-cleartext, found 'maybe'" \
    "$T/err" || fail "allow-cleartext maybe: $(cat "$T/err")"
echo ok
