#!/bin/bash
# advise-dns.sh: advise checks what DNS holds now of the domain's SPF
# record and DKIM keys (dmarcdb(1), ADVICE), as a careful consultant
# would before a step that quarantines mail. Four weeks of reports of
# ok.test at p=quarantine; pct=0 (stage 1), its own mail signed with
# selector s1 and an ESP's signed with esp1 (a key delegated to the ESP
# by CNAME), all passing: ready for p=quarantine, unless DNS has broken
# since. Against a private Knot server whose zone changes between runs:
#
# - all published: advance;
# - SPF through 10 DNS-querying terms: advance; 11: a permerror at
#   every receiver, so hold, the blocker saying why and the fix; fixed
#   in the zone: advance again. Two SPF records, a loop: hold;
# - the key of s1, which signed the passing mail, gone or revoked: hold,
#   naming the sender; the ESP's key gone at the ESP: hold, naming the
#   ESP; the key of a configured selector (helpdesk, no mail yet) gone:
#   hold;
# - what a report can name does not block: a failing signature of a
#   selector that has no key, a passing unaligned signature of another
#   domain whose key is gone;
# - DNS unreachable: the advice rests on the reports and says so;
#   --no-dns looks nothing up;
# - the digest says the blocker in plain words.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixtures.sh"
. "$SRCDIR/tests/e2e/knot.sh"

D=ok.test
mkdir "$T/r"
for day in $(days 2026-02-01 28); do
	report "$T/r" google.com 7489 "$day" domain=$D,p=quarantine,pct=0 <<-EOF
	192.0.2.10 900 $D none pass pass $D:s1:pass $D:mfrom:pass -
	203.0.113.5 100 $D none pass pass $D:esp1:pass bounce.esp.test:mfrom:pass -
	198.51.100.66 5 $D none fail fail $D:forged:fail $D:mfrom:fail -
	198.51.100.77 3 $D none fail fail other.test:x1:pass other.test:mfrom:pass -
	45.1.1.$((10#${day##*-})) 20 $D none fail fail - $D:mfrom:fail -
	EOF
done
"$QUICK" -q --db "$DB" ingest "$T/r"

# The zones. esp.test: the ESP, its SPF and the key ok.test delegates
# to it. other.test: nothing (its key is not ok.test's to publish).
knot_zone esp.test <<EOF
_spf TXT "v=spf1 ip4:203.0.113.0/24 -all"
esp1.keys TXT $DKIM_KEY
EOF
knot_zone other.test < /dev/null
knot_zone $D < /dev/null
knot_start
SERIAL=1
# zone NAME: the zone NAME is now what standard input says; reloaded,
# and waited for.
zone() {
	SERIAL=$((SERIAL + 1))
	{
		printf '$ORIGIN %s.\n$TTL 300\n' "$1"
		printf '@ SOA ns1.knot.test. hostmaster.knot.test. %s 3600 ' \
		    "$SERIAL"
		printf '900 604800 300\n@ NS ns1.knot.test.\n'
		cat
	} > "$KZ/$1.zone"
	knotc -c "$KZ/knot.conf" zone-reload "$1" > /dev/null
	local i=0
	until [ "$(dig +short +time=1 +tries=1 @127.0.0.1 -p "$KNOT_PORT" \
	    "$1" SOA 2>/dev/null | cut -d' ' -f3)" = "$SERIAL" ]; do
		i=$((i + 1))
		[ $i -le 200 ] || fail "zone $1 not reloaded"
		sleep 0.05
	done
}
# ok [SPF] [KEYS]: the zone of ok.test, with SPF as its record and KEYS
# (s1 esp1 hd1 by default: the names whose keys are there).
ok() {
	local spf=${1:-"v=spf1 ip4:192.0.2.0/24 include:_spf.esp.test -all"}
	local keys=${2-s1 esp1 hd1}
	{
		echo "@ TXT \"$spf\""
		echo "_dmarc TXT \"v=DMARC1; p=quarantine; pct=0; rua=mailto:d@ok.test\""
		case " $keys " in *" s1 "*) echo "s1._domainkey TXT $DKIM_KEY" ;; esac
		case " $keys " in *" hd1 "*) echo "hd1._domainkey TXT $DKIM_KEY" ;; esac
		case " $keys " in *" esp1 "*)
			echo "esp1._domainkey CNAME esp1.keys.esp.test." ;;
		esac
		case " $keys " in *" revoked "*)
			echo 's1._domainkey TXT "v=DKIM1; k=rsa; p="' ;;
		esac
		# c1 to cN: an include chain, for the lookup limit.
		for ((i = 1; i <= ${CHAIN:-0}; i++)); do
			if [ $i -lt "$CHAIN" ]; then
				echo "c$i TXT \"v=spf1 include:c$((i + 1)).ok.test -all\""
			else
				echo "c$i TXT \"v=spf1 ip4:198.51.100.0/24 -all\""
			fi
		done
		echo "loop TXT \"v=spf1 include:loop.ok.test -all\""
		echo "dup TXT \"v=spf1 -all\""
		[ -z "${EXTRA:-}" ] || echo "$EXTRA"
	} | zone $D
}

cat > "$T/conf" <<EOF
resolver 127.0.0.1:$KNOT_PORT;
location-db "$T/no-location.db";
domain $D {
	sender "our MTA" { ip 192.0.2.0/24; dkim $D selector s1; }
	sender "ESP" { dkim $D selector esp1; }
	sender "helpdesk" { dkim $D selector hd1; }
	not-ours "other.test";
}
EOF
unset DMARCDB_RESOLVER
# advise NAME [ARGS]: the advice as of 2026-03-01, text and JSON; its
# verdict and next stage in $T/NAME.v, its blockers a line each in
# $T/NAME.b.
advise() {
	local n=$1
	shift
	"${RUN:-$DMARCDB}" --db "$DB" --config "$T/conf" advise \
	    --as-of 2026-03-01 --domain $D "$@" > "$T/$n.txt"
	"$QUICK" --db "$DB" --config "$T/conf" advise --as-of 2026-03-01 \
	    --domain $D --format json "$@" > "$T/$n.json"
	sqlite3 -batch :memory: "SELECT json_extract(value, '\$.verdict')
	    || ' ' || json_extract(value, '\$.next_stage.number')
	    FROM json_each(readfile('$T/$n.json'), '\$.domains')" > "$T/$n.v"
	sqlite3 -batch :memory: "SELECT b.value FROM json_each(readfile(
	    '$T/$n.json'), '\$.domains') d, json_each(d.value,
	    '\$.blockers') b" > "$T/$n.b"
}
# verdict NAME WANT: the verdict and next stage are WANT.
verdict() {
	[ "$(cat "$T/$1.v")" = "$2" ] || fail "$1: $(cat "$T/$1.v"), not" \
	    "$2: $(cat "$T/$1.txt")"
}
# blocker NAME TEXT: the only blocker is TEXT, in JSON and in the text.
blocker() {
	[ "$(wc -l < "$T/$1.b")" = 1 ] && grep -qxF -- "$2" "$T/$1.b" ||
	    fail "$1: blockers $(cat "$T/$1.b"), not: $2"
	tr -s ' \n' '  ' < "$T/$1.txt" | grep -qF -- "- $2" ||
	    fail "$1: not in the text: $(cat "$T/$1.txt")"
}

### All published: ready for quarantine. The forged selector and the
### other domain's key (neither is there) block nothing.
ok
advise good
verdict good "advance 3"
[ ! -s "$T/good.b" ] || fail "good: blockers $(cat "$T/good.b")"
grep -q '^  publish     _dmarc.ok.test. IN TXT "v=DMARC1; p=quarantine; np=reject; rua=mailto:d@ok.test"$' \
    "$T/good.txt" || fail "good: the record to publish: $(cat "$T/good.txt")"

### The SPF lookup limit at its boundary: 1 (the ESP) + 9 = 10 terms.
CHAIN=9 ok "v=spf1 ip4:192.0.2.0/24 include:_spf.esp.test include:c1.ok.test -all"
RUN=$QUICK advise spf10
verdict spf10 "advance 3"
CHAIN=10 ok "v=spf1 ip4:192.0.2.0/24 include:_spf.esp.test include:c1.ok.test -all"
advise spf11
verdict spf11 "hold 1"
blocker spf11 "the SPF record of ok.test gives every receiver a permerror, so SPF fails for all of its mail: 11 DNS-querying terms through the includes (RFC 7208 allows 10); fix: remove includes of senders no longer used, or replace some by their ip4 and ip6 ranges (dmarcdb check shows the whole tree)"
# The digest, for people: the same blocker in plain words.
"$QUICK" --db "$DB" --config "$T/conf" digest --as-of 2026-03-01 \
    --format text > "$T/digest.txt"
tr -s ' \n' '  ' < "$T/digest.txt" | grep -qF "the SPF record of ok.test in DNS is broken, so every receiver treats its mail as failing SPF: whoever runs your DNS must fix it first" ||
    fail "digest: $(cat "$T/digest.txt")"
# Fixed in the zone: ready again.
ok
RUN=$QUICK advise fixed
verdict fixed "advance 3"

### Other permerrors: two records, a loop.
EXTRA='dup TXT "v=spf1 ip4:192.0.2.1 -all"' \
    ok "v=spf1 ip4:192.0.2.0/24 include:dup.ok.test -all"
RUN=$QUICK advise dup
verdict dup "hold 1"
grep -q "^the SPF record of ok.test gives every receiver a permerror, so SPF fails for all of its mail: dup.ok.test has 2 SPF records; fix: merge them into one record" \
    "$T/dup.b" || fail "dup: $(cat "$T/dup.b")"
ok "v=spf1 ip4:192.0.2.0/24 include:loop.ok.test -all"
RUN=$QUICK advise loop
verdict loop "hold 1"
grep -q "^the SPF record of ok.test gives every receiver a permerror, so SPF fails for all of its mail: loop.ok.test: include:loop.ok.test loops back to a record above it; fix: remove the term that loops" \
    "$T/loop.b" || fail "loop: $(cat "$T/loop.b")"

### The keys.
ok "" "esp1 hd1"
advise nos1
verdict nos1 "hold 1"
blocker nos1 "the DKIM key s1._domainkey.ok.test is unusable now (not published), but 25,200 messages signed with it passed DKIM in the last 30 days (our MTA): that mail now fails DKIM; publish the key again, or have the sender sign with a key that is published"
ok "" "esp1 hd1 revoked"
RUN=$QUICK advise revoked
verdict revoked "hold 1"
grep -q "^the DKIM key s1._domainkey.ok.test is unusable now (revoked), but 25,200 messages" \
    "$T/revoked.b" || fail "revoked: $(cat "$T/revoked.b")"
# The ESP's key, at the ESP: the CNAME is there, its target is not.
ok
zone esp.test <<< '_spf TXT "v=spf1 ip4:203.0.113.0/24 -all"'
RUN=$QUICK advise noesp
verdict noesp "hold 1"
blocker noesp "the DKIM key esp1._domainkey.ok.test is unusable now (not published), but 2,800 messages signed with it passed DKIM in the last 30 days (ESP): that mail now fails DKIM; publish the key again, or have the sender sign with a key that is published"
zone esp.test <<EOF
_spf TXT "v=spf1 ip4:203.0.113.0/24 -all"
esp1.keys TXT $DKIM_KEY
EOF
# A configured selector with no mail yet.
ok "" "s1 esp1"
RUN=$QUICK advise nohd1
verdict nohd1 "hold 1"
blocker nohd1 "the DKIM key hd1._domainkey.ok.test of helpdesk in the configuration is unusable (not published): mail it signs fails DKIM; publish the key the sender gives you"
ok

### DNS unreachable: the reports alone, said; --no-dns: nothing asked.
q0=$(knot_queries)
closed_port udp
DMARCDB_RESOLVER=127.0.0.1:$CLOSED_PORT advise closed
verdict closed "advance 3"
tr -s ' \n' '  ' < "$T/closed.txt" | grep -qF "the SPF record and DKIM keys of ok.test were not checked: DNS unavailable:" ||
    fail "closed: $(cat "$T/closed.txt")"
advise nodns --no-dns
verdict nodns "advance 3"
grep_none "not checked\|DNS unavailable" "$T/nodns.txt" ||
    fail "--no-dns: $(cat "$T/nodns.txt")"
[ "$(knot_queries)" = "$q0" ] || fail "queries to Knot: $(( $(knot_queries) - q0 ))"
echo ok
