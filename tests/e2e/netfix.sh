# netfix.sh: fixtures for the network tests (sourced after lib.sh):
# a throwaway CA with its certificates, and the misbehaving servers of
# fakeserver.py.

command -v openssl > /dev/null ||
    fail "openssl not installed (tools/deps.sh test installs it)"
[ -x /usr/bin/python3 ] ||
    fail "/usr/bin/python3 not installed (tools/deps.sh test installs it)"

# mkcerts DIR: DIR/ca.pem, a CA that lives two days, and the keys and
# certificates (P-256) it signed: DIR/good.{pem,key} for localhost and
# 127.0.0.1, DIR/wrong.{pem,key} for wrong.example.test only. Keys are
# readable by their owner only.
mkcerts() {
	(
	umask 077
	mkdir -p "$1"
	cd "$1"
	key="-newkey ec -pkeyopt ec_paramgen_curve:P-256"
	# shellcheck disable=SC2086
	openssl req -x509 $key \
	    -nodes -keyout ca.key -out ca.pem -days 2 \
	    -subj "/CN=dmarcdb test CA" \
	    -addext "basicConstraints=critical,CA:TRUE" \
	    -addext "keyUsage=critical,keyCertSign,cRLSign" 2> /dev/null
	for n in good:DNS:localhost,IP:127.0.0.1 \
	    wrong:DNS:wrong.example.test; do
		f=${n%%:*}
		printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n%s\n' \
		    "${n#*:}" "basicConstraints=CA:FALSE" > "$f.ext"
		# shellcheck disable=SC2086
		openssl req $key -nodes -keyout "$f.key" -out "$f.csr" \
		    -subj "/CN=${n##*:}" 2> /dev/null
		openssl x509 -req -in "$f.csr" -CA ca.pem -CAkey ca.key \
		    -CAcreateserial -days 2 -extfile "$f.ext" \
		    -out "$f.pem" 2> /dev/null
	done
	chmod 644 ca.pem good.pem wrong.pem
	) || fail "making the test certificates"
}

# fake_start MODE [CERT KEY]: start fakeserver.py in MODE (see there),
# with that certificate and key for TLS; it is stopped when the test
# ends. Sets FAKE_PORT, FAKE_PID, and FAKE_GOT:
# the file of every byte clients sent it.
FAKE_N=0
fake_start() {
	FAKE_N=$((FAKE_N + 1))
	fd=$T/fake$FAKE_N
	mkdir "$fd"
	: > "$fd/received"
	/usr/bin/python3 "$SRCDIR/tests/e2e/fakeserver.py" "$1" "$fd" \
	    "${2:-}" "${3:-}" < /dev/null > "$fd/log" 2>&1 &
	at_exit "kill $! 2> /dev/null; wait $! 2> /dev/null"
	i=0
	until [ -s "$fd/port" ]; do
		kill -0 $! 2> /dev/null ||
		    fail "fakeserver.py $1 did not start: $(cat "$fd/log")"
		i=$((i + 1))
		[ $i -lt 100 ] || fail "fakeserver.py $1: no port after 10 s"
		sleep 0.1
	done
	FAKE_PORT=$(cat "$fd/port")
	FAKE_PID=$!
	FAKE_GOT=$fd/received
}
