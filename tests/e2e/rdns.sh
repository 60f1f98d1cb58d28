#!/bin/bash
# rdns.sh: reverse DNS (dmarcdb ptr) against a private Knot DNS server on
# 127.0.0.1 with IPv4 and IPv6 reverse zones: forward-confirmed names,
# a name that does not confirm, a name that does not resolve, NXDOMAIN,
# names with bytes a host name may not have, SERVFAIL (a broken zone),
# REFUSED (a zone the server does not have); a black hole that never
# answers (timeout) and a closed port; the cache on a second run with
# the server stopped, its expiry, --no-dns, $DMARCDB_RESOLVER over the
# configuration's resolver, and the command's errors.
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/e2e/knot.sh"

knot_zone example.test <<'EOF'
ns1      A   127.0.0.1
mx1      A   192.0.2.25
mx1      AAAA 2001:db8::25
other    A   192.0.2.99
other6   AAAA 2001:db8::99
mixed    A   192.0.2.30
EOF
knot_zone 2.0.192.in-addr.arpa <<'EOF'
25  PTR mx1.example.test.
26  PTR other.example.test.
27  PTR ghost.example.test.
28  PTR \007bell.example.test.
29  PTR under_score.example.test.
30  PTR MiXeD.Example.TEST.
31  PTR dot\.inside.example.test.
EOF
knot_zone 8.b.d.0.1.0.0.2.ip6.arpa <<'EOF'
5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0 PTR mx1.example.test.
6.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0 PTR other6.example.test.
EOF
# A zone the server is configured for but cannot load: SERVFAIL.
knot_broken 100.51.198.in-addr.arpa
knot_start
PORT=$KNOT_PORT
# A black hole: bound UDP and TCP sockets that never answer.
black_hole
BH=$BH_PORT
# A closed port: nothing listens there.
closed_port udp
CLOSED=$CLOSED_PORT

CONF=$T/dmarcdb.conf
printf 'resolver 127.0.0.1:%s;\nresolver-timeout 200;\n' "$PORT" > "$CONF"
unset DMARCDB_RESOLVER
# ptr keeps its answers in a database that exists: only ingest makes one.
"$QUICK" -q --db "$DB" ingest "$SRCDIR/samples/reports/yahoo-report.xml"
ptr() {
	"$DMARCDB" --db "$DB" --config "$CONF" ptr --format csv "$@"
}

ADDRS="192.0.2.25 192.0.2.26 192.0.2.27 192.0.2.28 192.0.2.29 192.0.2.30
192.0.2.31 192.0.2.1 2001:db8::25 2001:DB8:0::26 2001:db8::ffff
198.51.100.5 203.0.113.9"
# shellcheck disable=SC2086
ptr $ADDRS > "$T/first.csv" 2> "$T/first.err"
sort "$T/first.csv" > "$T/got"
sort > "$T/want" <<EOF
address,status,name,confirmed,cached
192.0.2.25,name,mx1.example.test,1,0
192.0.2.26,name,other.example.test,0,0
192.0.2.27,name,ghost.example.test,0,0
192.0.2.28,fail,,0,0
192.0.2.29,fail,,0,0
192.0.2.30,name,mixed.example.test,1,0
192.0.2.31,fail,,0,0
192.0.2.1,none,,0,0
2001:db8::25,name,mx1.example.test,1,0
2001:db8::26,name,other6.example.test,0,0
2001:db8::ffff,none,,0,0
198.51.100.5,fail,,0,0
203.0.113.9,fail,,0,0
EOF
diff -u "$T/want" "$T/got" || fail "first run: wrong answers"
[ ! -s "$T/first.err" ] || { cat "$T/first.err" >&2; fail "first run: said something"; }
# Nothing from the network reached the output raw.
grep_none -a -e 'bell' -e 'under_score' -e 'inside' "$T/first.csv" \
    "$T/first.err" || fail "an invalid name was printed"

# sources names each listed source by its PTR, through the same cache
# and resolver: a confirmed name, one that does not resolve back ("?"),
# none; --no-dns asks nothing (an address not in the cache: none). Only
# for a domain configured or asked for (--domain): not for the others.
. "$SRCDIR/tests/e2e/fixtures.sh"
mkdir "$T/r"
report "$T/r" google.com 7489 2026-02-20 domain=example.test,p=none <<-EOR
192.0.2.25 30 example.test none pass pass example.test:s1:pass - -
192.0.2.26 20 example.test none fail fail - - -
192.0.2.40 10 example.test none fail fail - - -
EOR
"$QUICK" -q --db "$T/s.db" ingest "$T/r"
"$DMARCDB" -q --db "$T/s.db" --config "$CONF" sources --as-of 2026-03-01 \
    --by ip > "$T/u.txt"
grep -q '^192.0.2.25  *-  ' "$T/u.txt" || fail "sources: looked up: $(cat "$T/u.txt")"
[ "$(sql "$T/s.db" "SELECT count(*) FROM ptr_cache")" = 0 ] ||
    fail "sources: reverse DNS for a domain neither configured nor asked"
S="$DMARCDB -q --db $T/s.db --config $CONF sources --as-of 2026-03-01 --by ip
    --domain example.test"
$S > "$T/s.txt"
grep -q '^192.0.2.25  *mx1.example.test  ' "$T/s.txt" ||
    fail "sources: mx1: $(cat "$T/s.txt")"
grep -q '^192.0.2.26  *other.example.test?  ' "$T/s.txt" ||
    fail "sources: other: $(cat "$T/s.txt")"
grep -q '^192.0.2.40  *-  ' "$T/s.txt" || fail "sources: none: $(cat "$T/s.txt")"
$S --format csv > "$T/s.csv"
grep -q '"192.0.2.25",.*,"mx1.example.test",name,1,' "$T/s.csv" ||
    fail "sources csv: $(cat "$T/s.csv")"
[ "$(sql "$T/s.db" "SELECT count(*) FROM ptr_cache")" = 3 ] ||
    fail "sources: the answers are not cached"
"$QUICK" -q --db "$T/n.db" ingest "$T/r"
"$DMARCDB" -q --db "$T/n.db" --config "$CONF" sources --as-of 2026-03-01 \
    --by ip --no-dns --format csv --domain example.test > "$T/n.csv"
grep -q '"192.0.2.25",.*,"",skipped,,' "$T/n.csv" ||
    fail "sources --no-dns: $(cat "$T/n.csv")"
[ "$(sql "$T/n.db" "SELECT count(*) FROM ptr_cache")" = 0 ] ||
    fail "sources --no-dns wrote the cache"

# The cache: every answer with its expiry (7 days, 1 day, 1 hour).
[ "$(sql "$DB" "SELECT count(*) FROM ptr_cache")" = 13 ] ||
    fail "not every answer was cached"
bad=$(sql "$DB" "SELECT ip FROM ptr_cache WHERE expires - checked !=
    CASE status WHEN 'name' THEN 604800 WHEN 'none' THEN 86400
    ELSE 3600 END")
[ -z "$bad" ] || fail "wrong expiry for $bad"
[ "$(sql "$DB" "SELECT count(*) FROM v_ptr_cache WHERE fresh = 1")" = 13 ] ||
    fail "v_ptr_cache does not show them fresh"

# The text form.
"$DMARCDB" --db "$DB" --config "$CONF" ptr 192.0.2.25 > "$T/text"
grep -q '^ADDRESS  *STATUS  *NAME  *CONFIRMED  *CACHED$' "$T/text" ||
    fail "text: no header"
grep -q '^192\.0\.2\.25  *name  *mx1\.example\.test  *yes  *yes$' "$T/text" ||
    fail "text: wrong row"

# The second run, the server stopped: the same answers, from the cache.
knot_stop
# shellcheck disable=SC2086
ptr $ADDRS > "$T/second.csv"
sed -e '1!s/,0$/,1/' "$T/first.csv" | sort > "$T/want"
sort "$T/second.csv" > "$T/got"
diff -u "$T/want" "$T/got" || fail "second run: not the cached answers"

# --no-dns: the cache only. An expired entry is not used: skipped.
sql "$DB" "UPDATE ptr_cache SET expires = checked WHERE ip = '192.0.2.26'"
ptr --no-dns 192.0.2.25 192.0.2.26 198.18.0.1 > "$T/nodns.csv"
sort "$T/nodns.csv" > "$T/got"
sort > "$T/want" <<EOF
address,status,name,confirmed,cached
192.0.2.25,name,mx1.example.test,1,1
192.0.2.26,skipped,,0,0
198.18.0.1,skipped,,0,0
EOF
diff -u "$T/want" "$T/got" || fail "--no-dns"
[ "$(sql "$DB" "SELECT count(*) FROM ptr_cache
    WHERE ip IN ('198.18.0.1') OR (ip = '192.0.2.26' AND
    expires != checked)")" = 0 ] || fail "--no-dns wrote to the cache"

# A dead resolver: the black hole (timeouts) through $DMARCDB_RESOLVER,
# which wins over the configuration; bounded (timeout 200 ms x 2
# tries), every address answered, a clear warning, nothing cached.
awk 'BEGIN { for (i = 1; i <= 300; i++)
    printf "198.18.%d.%d\n", int(i / 250), i % 250 }' > "$T/many"
DMARCDB_RESOLVER="127.0.0.1:$BH" timeout 30 "$DMARCDB" --db "$DB" \
    --config "$CONF" ptr --format csv - < "$T/many" > "$T/bh.csv" \
    2> "$T/bh.err" || fail "black hole: exit $?"
[ "$(grep -c ',timeout,,0,0$' "$T/bh.csv")" = 300 ] ||
    fail "black hole: not 300 timeouts"
grep -q "reverse DNS: no answer from 127\.0\.0\.1:$BH in 400 ms: 300 of 300" \
    "$T/bh.err" || { cat "$T/bh.err" >&2; fail "black hole: no warning"; }
[ "$(sql "$DB" "SELECT count(*) FROM ptr_cache WHERE ip LIKE '198.18.%'")" \
    = 0 ] || fail "black hole: transient timeouts were cached"

# A closed port: refused at once, failures, not cached.
DMARCDB_RESOLVER="127.0.0.1:$CLOSED" timeout 30 \
    "$DMARCDB" --db "$DB" --config "$CONF" ptr --format csv 198.18.9.9 \
    > "$T/closed.csv" 2> "$T/closed.err" || fail "closed: exit $?"
grep -q '^198\.18\.9\.9,\(fail\|timeout\),,0,0$' "$T/closed.csv" ||
    fail "closed port: $(cat "$T/closed.csv")"
grep -q "reverse DNS: .*127\.0\.0\.1:$CLOSED" "$T/closed.err" ||
    { cat "$T/closed.err" >&2; fail "closed port: no warning"; }
[ "$(sql "$DB" "SELECT count(*) FROM ptr_cache WHERE ip = '198.18.9.9'")" \
    = 0 ] || fail "closed port: cached"

# Errors: a bad resolver (configuration, environment), bad addresses
# (the others still answered, exit 1), no address, a bad format.
printf 'resolver 127.0.0.1:99999;\n' > "$T/bad.conf"
expect_exit 3 "$DMARCDB" --db "$DB" --config "$T/bad.conf" ptr 192.0.2.25 \
    2> "$T/err"
grep -q "bad.conf:1: resolver '127.0.0.1:99999': the port is not a number" \
    "$T/err" || fail "bad resolver: $(cat "$T/err")"
DMARCDB_RESOLVER=nonsense expect_exit 3 "$DMARCDB" --db "$DB" \
    --config "$CONF" ptr 192.0.2.25 2> "$T/err"
grep -q "^dmarcdb: \$DMARCDB_RESOLVER: resolver 'nonsense': not an IPv4" \
    "$T/err" || fail "bad \$DMARCDB_RESOLVER: $(cat "$T/err")"
printf '192.0.2.25\nnot-an-address\n\n# comment\n' |
    expect_exit 1 ptr --no-dns - > "$T/out" 2> "$T/err"
grep -q "stdin line 2: 'not-an-address': not an IPv4 or IPv6 address" \
    "$T/err" || fail "bad address: $(cat "$T/err")"
grep -q '^192\.0\.2\.25,name,mx1\.example\.test,1,1$' "$T/out" ||
    fail "bad address: the good one was not answered"
expect_exit 2 "$DMARCDB" --db "$DB" ptr 2> "$T/err"
grep -q 'no address given' "$T/err" || fail "no address"
expect_exit 2 "$DMARCDB" --db "$DB" ptr --format json 192.0.2.1 2> /dev/null
"$DMARCDB" ptr --help | grep -q '^usage: dmarcdb .* ptr' || fail "--help"
