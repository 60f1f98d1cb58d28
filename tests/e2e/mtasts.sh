#!/bin/bash
# mtasts.sh: dmarcdb check's MTA-STS, TLS-RPT and verification records
# (dmarcdb(1), CHECK), against a private Knot DNS server and two local
# HTTPS servers with a throwaway CA (one with a certificate for the
# policy hosts, one with a certificate for another name), reached by the
# configuration's connect-to and ca-file: a valid enforce policy
# covering every MX, testing, none, an MX not covered, a certificate of
# another name, no CA given (the system's: refused), a policy over 64 KB
# (with and without Content-Length) and one of exactly 64 KB, text/html,
# 404, a redirect, a broken policy, a policy without its record and a
# record without its policy host; TLS-RPT valid, missing and broken;
# verification records listed (and one holding a control byte, not);
# golden text and JSON, the exit status, the configuration's errors.
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/e2e/knot.sh"

command -v openssl > /dev/null || fail "openssl is not installed"
# libcurl would take a proxy of the environment past connect-to.
unset https_proxy HTTPS_PROXY all_proxy ALL_PROXY
PY=/usr/bin/python3
[ -x "$PY" ] || fail "$PY is not installed"

# The throwaway CA; one certificate for every policy host, one for
# another name.
D=$T/https
mkdir "$D" "$D/www"
DOMAINS="enforce testing uncovered wrongcert big chunked exact ctype missing
    redirect norecord nohost badrec none badpol"
san=
for d in $DOMAINS; do
	san="${san:+$san,}DNS:mta-sts.$d.test"
done
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$D/ca.key" -out "$D/ca.pem" -days 2 \
    -subj "/CN=dmarcdb test CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2> /dev/null
cert() { # NAME SAN
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$D/$1.key" -out "$D/$1.csr" -subj "/CN=$1" 2> /dev/null
	printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' \
	    "$2" > "$D/$1.ext"
	openssl x509 -req -in "$D/$1.csr" -CA "$D/ca.pem" -CAkey "$D/ca.key" \
	    -CAcreateserial -days 2 -extfile "$D/$1.ext" -out "$D/$1.pem" \
	    2> /dev/null
}
cert good "$san"
cert wrong DNS:wrong.example.test

# The policies, by host (tests/e2e/mtasts-server.py).
policy() { # DOMAIN: the body on standard input
	mkdir -p "$D/www/mta-sts.$1.test"
	cat > "$D/www/mta-sts.$1.test/body"
}
printf 'version: STSv1\r\nmode: enforce\r\nmx: mx1.enforce.test\r\nmx: *.backup.enforce.test\r\nmax_age: 1209600\r\n' |
    policy enforce
printf 'version: STSv1\nmode: testing\nmx: mx.testing.test\nmx: old.testing.test\nmax_age: 3600\n' |
    policy testing
printf 'version: STSv1\nmode: enforce\nmx: mx1.uncovered.test\nmax_age: 604800\n' |
    policy uncovered
printf 'version: STSv1\nmode: enforce\nmx: mx1.wrongcert.test\nmax_age: 604800\n' |
    policy wrongcert
# 65536 bytes: the most RFC 8461 allows, read; one more byte is not.
sized() { # BYTES
	$PY -c 'import sys
n = int(sys.argv[1])
head = b"version: STSv1\nmode: enforce\nmx: mx1.exact.test\nmax_age: 604800\n"
line = b"x-pad: " + b"p" * 992 + b"\n"
body = head
while len(body) + len(line) <= n:
	body += line
body += b"x-end: " + b"e" * (n - len(body) - 8) + b"\n"
assert len(body) == n
sys.stdout.buffer.write(body)' "$1"
}
sized 65536 | policy exact
sized 65537 | policy big
sized 65537 | policy chunked
: > "$D/www/mta-sts.chunked.test/nolength"
printf 'version: STSv1\nmode: enforce\nmx: mx1.ctype.test\nmax_age: 604800\n' |
    policy ctype
echo "text/html; charset=utf-8" > "$D/www/mta-sts.ctype.test/type"
printf 'moved\n' | policy redirect
echo "301 https://mta-sts.enforce.test/.well-known/mta-sts.txt" \
    > "$D/www/mta-sts.redirect.test/status"
printf 'version: STSv1\nmode: enforce\nmx: mx1.norecord.test\nmax_age: 604800\n' |
    policy norecord
printf 'version: STSv1\nmode: enforce\nmx: mx1.badrec.test\nmax_age: 604800\n' |
    policy badrec
printf 'version: STSv1\nmode: none\nmax_age: 86400\n' | policy none
printf 'version: STSv1\nmode: enforce\nmax_age: 86400\n' | policy badpol

# The servers: children of this test, stopped when it ends.
PORT=$(free_port 11)
BAD=$(free_port 23)
[ "$BAD" != "$PORT" ] || BAD=$((PORT + 1))
HS=
at_exit 'for p in $HS; do kill $p 2>/dev/null || :; wait $p 2>/dev/null || :; done'
for s in "$PORT good" "$BAD wrong"; do
	set -- $s
	$PY "$SRCDIR/tests/e2e/mtasts-server.py" "$1" "$D/www" "$D/$2.pem" \
	    "$D/$2.key" > "$D/$2.log" 2>&1 &
	HS="$HS $!"
	i=0
	until grep -qs listening "$D/$2.log"; do
		i=$((i + 1))
		[ $i -le 200 ] && kill -0 $! 2> /dev/null ||
		    fail "the $2 HTTPS server did not start: $(cat "$D/$2.log")"
		sleep 0.05
	done
done

# The zones: each domain with its DMARC and SPF records, an MX, and
# what the case needs.
zone() { # DOMAIN: more records on standard input
	{
		printf '@ TXT "v=spf1 ip4:192.0.2.0/24 -all"\n'
		printf '_dmarc TXT "v=DMARC1; p=reject; rua=mailto:d@%s.test"\n' "$1"
		cat
	} > "$T/zone"
	knot_zone "$1.test" < "$T/zone"
}
STS='_mta-sts TXT "v=STSv1; id=20260101T000000"'
TLS='_smtp._tls TXT "v=TLSRPTv1; rua=mailto:tls@example.test"'
zone enforce <<EOF
@ TXT "google-site-verification=rXOxyZounnZasA8Z7oaD3c14JdjS9aKSWvsR1EbUSIQ"
@ TXT "MS=ms12345678"
@ TXT "apple-domain-verification=AbCdEf123"
@ TXT "facebook-domain-verification=\027[31mred"
@ TXT "some-other-token=1"
@ MX 10 mx1.enforce.test.
@ MX 20 mx2.backup.enforce.test.
_mta-sts TXT "v=STSv1; id=20260101T000000;"
_smtp._tls TXT "v=TLSRPTv1; rua=mailto:tls@enforce.test,https://tls.enforce.test/r"
mta-sts A 127.0.0.1
EOF
zone testing <<EOF
@ MX 10 mx.testing.test.
@ MX 20 mx.other.test.
$STS
mta-sts A 127.0.0.1
EOF
zone uncovered <<EOF
@ MX 10 mx1.uncovered.test.
@ MX 20 mx.elsewhere.test.
$STS
$TLS
mta-sts A 127.0.0.1
EOF
for d in wrongcert big chunked exact ctype missing redirect none badpol; do
	zone $d <<-EOF
	@ MX 10 mx1.$d.test.
	$STS
	$TLS
	mta-sts A 127.0.0.1
	EOF
done
zone norecord <<EOF
@ MX 10 mx1.norecord.test.
$TLS
mta-sts A 127.0.0.1
EOF
zone nohost <<EOF
@ MX 10 mx1.nohost.test.
$STS
$TLS
EOF
zone badrec <<EOF
@ MX 10 mx1.badrec.test.
_mta-sts TXT "v=STSv1; id=bad-id!"
_smtp._tls TXT "v=TLSRPTv1; rua=ftp://x.badrec.test\027[2J"
mta-sts A 127.0.0.1
EOF
knot_start
DMARCDB_RESOLVER=127.0.0.1:$KNOT_PORT
export DMARCDB_RESOLVER

# The configuration: the CA, and every policy host mapped to a server
# (wrongcert's to the one whose certificate names another host; nohost
# has none, so that its missing address is what is checked).
{
	echo "ca-file $D/ca.pem;"
	for d in $DOMAINS; do
		[ "$d" != nohost ] || continue
		p=$PORT
		[ "$d" != wrongcert ] || p=$BAD
		echo "connect-to mta-sts.$d.test:443:127.0.0.1:$p;"
	done
} > "$T/conf"
# No database: the domains named.
C="$DMARCDB --db $T/none.db --config $T/conf check"
Q="$QUICK --db $T/none.db --config $T/conf check"

# Every case at once, under memcheck with VALGRIND=1; the output but
# wrongcert's certificate error (libcurl's words) is golden.
expect_exit 2 $C enforce.test testing.test uncovered.test big.test \
    chunked.test exact.test ctype.test missing.test redirect.test \
    norecord.test nohost.test badrec.test none.test badpol.test \
    wrongcert.test > "$T/all.txt"
grep_none $'\033' "$T/all.txt" || fail "a control byte reached the terminal"
sed '/^wrongcert\.test$/,$d' "$T/all.txt" > "$T/most.txt"
golden mtasts.txt cat "$T/most.txt"
# A certificate for another name: refused, with libcurl's reason.
sed -n '/^wrongcert\.test$/,$p' "$T/all.txt" > "$T/wrong.txt"
grep -qE "^  error    the MTA-STS policy at https://mta-sts.wrongcert.test/.well-known/mta-sts.txt cannot be fetched: .*(subject name|does not match).*: the server's certificate is not for this host name" \
    "$T/wrong.txt" || fail "wrong certificate: $(cat "$T/wrong.txt")"
grep -qx "           why: senders refuse a certificate that is not valid for the name, and apply no policy" \
    "$T/wrong.txt" || fail "wrong certificate, why: $(cat "$T/wrong.txt")"
grep_none "^  policy " "$T/wrong.txt" || fail "wrongcert: a policy read"

# The exit status: 0 clean (notes only), 1 warnings, 2 errors.
expect_exit 0 $Q enforce.test > /dev/null
expect_exit 0 $Q ctype.test > /dev/null
expect_exit 1 $Q testing.test > /dev/null
expect_exit 1 $Q norecord.test > /dev/null
expect_exit 2 $Q uncovered.test > /dev/null
expect_exit 2 $Q missing.test > /dev/null

# JSON: the new keys, golden (normalised: sorted keys, indented).
expect_exit 2 $C --format json enforce.test testing.test norecord.test \
    badrec.test > "$T/out.json"
golden mtasts.json $PY -c 'import json, sys
print(json.dumps(json.load(open(sys.argv[1])), indent=1, sort_keys=True))' \
    "$T/out.json"
grep_none $'\033' "$T/out.json" || fail "a control byte in JSON"

# The CA: the system's when none is given, which does not know the
# throwaway one (certificates are always verified); --ca-file as the
# configuration's ca-file; either unreadable: refused.
grep -v '^ca-file' "$T/conf" > "$T/noca.conf"
expect_exit 2 $QUICK --db "$T/none.db" --config "$T/noca.conf" check \
    enforce.test > "$T/noca.txt"
grep -q "^  error    the MTA-STS policy at https://mta-sts.enforce.test/.well-known/mta-sts.txt cannot be fetched: " \
    "$T/noca.txt" || fail "system CAs: $(cat "$T/noca.txt")"
expect_exit 0 $QUICK --db "$T/none.db" --config "$T/noca.conf" check \
    --ca-file "$D/ca.pem" enforce.test > "$T/ca.txt"
cmp -s "$T/ca.txt" <(sed -n '/^enforce\.test$/,/^$/p' "$T/all.txt" | sed '/^$/d') ||
    fail "--ca-file: $(diff "$T/ca.txt" "$T/all.txt")"
expect_exit 2 $QUICK --config "$T/conf" check --ca-file "$T/nothing.pem" \
    enforce.test 2> "$T/err"
grep -q "check: --ca-file $T/nothing.pem: No such file or directory" \
    "$T/err" || fail "--ca-file missing: $(cat "$T/err")"
{ echo "# the CA"; echo "ca-file $T/nothing.pem;"; } > "$T/gone.conf"
expect_exit 3 $QUICK --config "$T/gone.conf" check enforce.test 2> "$T/err"
grep -qx "dmarcdb: $T/gone.conf:2: ca-file $T/nothing.pem: No such file or directory" \
    "$T/err" || fail "ca-file missing: $(cat "$T/err")"

# connect-to and ca-file checked when the configuration is read.
bad_conf() { # LINE EXPECTED
	printf 'resolver 127.0.0.1;\n%s\n' "$1" > "$T/bad.conf"
	expect_exit 3 $QUICK --config "$T/bad.conf" check enforce.test \
	    2> "$T/err"
	grep -qF "$T/bad.conf:2: $2" "$T/err" ||
	    fail "$1: $(cat "$T/err")"
}
bad_conf "connect-to mta-sts.a.test:443:127.0.0.1;" \
    "connect-to 'mta-sts.a.test:443:127.0.0.1': not HOST:PORT:ADDRESS:PORT"
bad_conf "connect-to a.test:443:127.0.0.1:70000;" \
    "connect-to 'a.test:443:127.0.0.1:70000': the port to connect to is not 1 to 65535"
bad_conf "connect-to a.test:443:[::1:8443;" \
    "connect-to 'a.test:443:[::1:8443': an IPv6 address without its ']:'"
bad_conf "connect-to;" "expected HOST:PORT:ADDRESS:PORT after connect-to"
bad_conf "ca-file;" "expected a file after ca-file"
printf 'ca-file a.pem;\nca-file b.pem;\n' > "$T/bad.conf"
expect_exit 3 $QUICK --config "$T/bad.conf" check enforce.test 2> "$T/err"
grep -qF "$T/bad.conf:2: ca-file is already set on line 1" "$T/err" ||
    fail "ca-file twice: $(cat "$T/err")"
# Several mappings in one statement, and several statements.
printf 'connect-to a.test:443:127.0.0.1:1 b.test:443:[::1]:2;\nconnect-to c.test:443:127.0.0.1:3;\n' \
    > "$T/ok.conf"
expect_exit 0 $QUICK --db "$T/none.db" --config "$T/ok.conf" config check \
    2> /dev/null
echo ok
