# knot.sh: a private Knot DNS server on 127.0.0.1 for the end-to-end
# tests (sourced after lib.sh), and DNS servers that misbehave:
#
#   knot_zone NAME      the zone NAME: its records on standard input,
#                       in zone file syntax relative to NAME (TXT
#                       records can hold any byte as \DDD), after a SOA
#                       and an NS record written here (not in a
#                       pipeline: it records the zone's name)
#   knot_broken NAME    a zone the server is configured for but cannot
#                       load: it answers SERVFAIL for its names
#   knot_start          start knotd with those zones on $KNOT_PORT and
#                       wait until it answers; stopped when the test
#                       ends. Names in no zone get REFUSED
#   knot_stop           stop it now
#   knot_queries        how many queries it has been sent so far (its
#                       own readiness queries too): the difference
#                       between two calls is what a command asked
#   black_hole          a port ($BH_PORT) bound for UDP and TCP that
#                       never answers: a resolver that times out
#
#   DKIM_KEY            a 2048-bit RSA DKIM key as TXT strings (a
#                       public key: generated once, for zones whose
#                       keys must merely be usable)
#
# Knot is given a folder of its own ($KZ) in $T. dig's exit status says
# nothing of the answer, and knotd answers before its zones are loaded:
# it is ready when it gives this run's token.
command -v knotd > /dev/null || fail "knotd is not installed" \
    "(tools/deps.sh test)"
command -v knotc > /dev/null || fail "knotc is not installed" \
    "(tools/deps.sh test)"
command -v dig > /dev/null || fail "dig is not installed (tools/deps.sh test)"

DKIM_KEY='"v=DKIM1; k=rsa; p=" "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAy4Sj9bQgi6roFp/0YvsVPbM62gPU8uotwBJkTldadlsL2JCoXRjQOiZpm2n+J5HEkL++9MlOlDMkOhxcqaLnMA9VSpRO0xJcHqb61jZPc7FGm9wu2O01kk9e3xIgeKghUtjZwfF8mM8Kf2OlpekBDiLAfbvrCLaYgNwH8bHLnL7TeH/SVcRlRxVPAahxZc5vt3JVMc+4DdyMjn" "YvAvbhKhmbRrThlpwd2SE7oH3dzB283rx0W/ZOV81+mVwvcho3Ht+LPg2/26x7IvAYLTvWCdCpH+78IGuo2CZdzNUo1sT/L8xeiEXwARWJPUzFRtYmlVvxBUUgqSHyK6Nzp/dLkQIDAQAB"'

KZ=$T/knot
mkdir "$KZ" "$KZ/db"
KNOT_ZONES=
KNOT=
KNOT_PORT=
at_exit 'knot_stop'


knot_zone() {
	{
		printf '$ORIGIN %s.\n$TTL 300\n' "$1"
		printf '@ SOA ns1.knot.test. hostmaster.knot.test. 1 3600 900 '
		printf '604800 300\n@ NS ns1.knot.test.\n'
		cat
	} > "$KZ/$1.zone"
	KNOT_ZONES="$KNOT_ZONES $1"
}

knot_broken() {
	echo "this is not a zone file" > "$KZ/$1.zone"
	KNOT_ZONES="$KNOT_ZONES $1"
}

knot_start() {
	local z i
	knot_zone knot.test <<< "id TXT \"${T##*/}\""
	KNOT_PORT=$(free_port)
	cat > "$KZ/knot.conf" <<-EOF
	server:
	    rundir: "$KZ"
	    listen: [ 127.0.0.1@$KNOT_PORT ]
	    udp-workers: 1
	    tcp-workers: 1
	    background-workers: 1
	database:
	    storage: "$KZ/db"
	log:
	  - target: stderr
	    any: warning
	mod-stats:
	  - id: count
	template:
	  - id: default
	    storage: "$KZ"
	    file: "%s.zone"
	    zonefile-sync: -1
	    journal-content: none
	    global-module: mod-stats/count
	zone:
	EOF
	for z in $KNOT_ZONES; do
		printf '  - domain: %s\n' "$z" >> "$KZ/knot.conf"
	done
	knotd -c "$KZ/knot.conf" > "$KZ/knot.log" 2>&1 &
	KNOT=$!
	i=0
	until [ "$(dig +short +time=1 +tries=1 @127.0.0.1 -p "$KNOT_PORT" \
	    id.knot.test TXT 2>/dev/null)" = "\"${T##*/}\"" ]; do
		i=$((i + 1))
		if [ $i -gt 200 ] || ! kill -0 "$KNOT" 2>/dev/null; then
			cat "$KZ/knot.log" >&2
			fail "knotd did not start"
		fi
		sleep 0.05
	done
}

knot_stop() {
	if [ -n "$KNOT" ]; then
		kill "$KNOT" 2>/dev/null || :
		wait "$KNOT" 2>/dev/null || :
	fi
	KNOT=
}

knot_queries() {
	local n
	n=$(knotc -c "$KZ/knot.conf" stats mod-stats.server-operation |
	    sed -n 's/^mod-stats\.server-operation\[query\] = //p')
	echo "${n:-0}"
}

black_hole() {
	local i
	BH_PORT=$(free_port 7)
	/usr/bin/python3 -c 'import socket, signal, sys
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.1", int(sys.argv[1])))
t = socket.socket()
t.bind(("127.0.0.1", int(sys.argv[1])))
t.listen(8)
print("ready", flush=True)
signal.pause()' "$BH_PORT" > "$KZ/bh.out" &
	BH_PID=$!
	at_exit 'kill $BH_PID 2>/dev/null || :; wait $BH_PID 2>/dev/null || :'
	i=0
	until grep -q ready "$KZ/bh.out"; do
		i=$((i + 1))
		[ $i -le 200 ] && kill -0 "$BH_PID" ||
		    fail "the black hole did not start"
		sleep 0.05
	done
}
