#!/bin/bash
# check.sh: dmarcdb check against a private Knot DNS server (dmarcdb(1),
# CHECK): the DMARC record (valid, none, two, broken, the organisational
# domain's by the tree walk, pct=50, no rua, the configuration's
# differing), external report destinations with and without their
# authorisation, the DKIM keys of the selectors in the reports and the
# configuration (1024, 2048 and 4096 bits, revoked, testing, delegated
# by CNAME, missing), a null MX and a parked SPF record; text, JSON and
# the exit status (0 clean, 1 warnings, 2 errors, 5 DNS unreachable).
# The SPF walk itself: tests/e2e/spf.sh.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixtures.sh"
. "$SRCDIR/tests/e2e/knot.sh"

# RSA keys of 1024, 2048 and 4096 bits, as DKIM TXT strings of 250.
key() { # BITS: p=..., in quoted strings
	openssl genrsa "$1" 2> /dev/null |
	    openssl rsa -pubout -outform DER 2> /dev/null | base64 -w0 |
	    fold -w 250 | sed 's/.*/"&"/' | tr '\n' ' '
}
K1024=$(key 1024)
K2048=$(key 2048)
K4096=$(key 4096)

knot_zone good.test <<EOF2
@ TXT "v=spf1 ip4:192.0.2.0/24 -all"
@ MX 10 mx1.good.test.
mx1 A 192.0.2.25
_dmarc TXT "v=DMARC1; p=reject; rua=mailto:dmarc@good.test"
s1._domainkey TXT "v=DKIM1; k=rsa; p=" $K2048
EOF2
knot_zone warn.test <<EOF2
@ TXT "v=spf1 ip4:192.0.2.0/24 ~all"
_dmarc TXT "v=DMARC1; p=quarantine; pct=50"
old._domainkey TXT "v=DKIM1; p=" $K1024
big._domainkey TXT "v=DKIM1; t=y; p=" $K4096
vendor._domainkey CNAME vendor1.dkim.esp.test.
EOF2
knot_zone esp.test <<EOF2
vendor1.dkim TXT "v=DKIM1; p=" $K2048
_report._dmarc TXT "not an authorisation"
warn.test._report._dmarc TXT "v=DMARC1"
EOF2
knot_zone bad.test <<EOF2
@ TXT "v=spf1 ip4:192.0.2.0/24 -all"
_dmarc TXT "v=DMARC1; p=reject; rua=mailto:d@reports.esp.test,mailto:x@other.example"
_dmarc TXT "v=DMARC1; p=none"
gone._domainkey TXT "v=DKIM1; p="
EOF2
knot_zone broken.test <<EOF2
_dmarc TXT "v=DMARC1; p=rejekt"
EOF2
knot_zone ext.test <<EOF2
@ TXT "v=spf1 -all"
_dmarc TXT "v=DMARC1; p=reject; rua=mailto:r@esp.test,mailto:r@reports.other.test"
EOF2
knot_zone none.test <<EOF2
@ TXT "v=spf1 ip4:192.0.2.1 -all"
EOF2
knot_zone org.test <<EOF2
_dmarc TXT "v=DMARC1; p=none; sp=quarantine; rua=mailto:d@org.test"
sub MX 0 .
sub TXT "v=spf1 include:_spf.org.test -all"
_spf TXT "v=spf1 ip4:192.0.2.1 -all"
EOF2
knot_zone policy.test <<EOF2
@ TXT "v=spf1 -all"
_dmarc TXT "v=DMARC1; p=reject; sp=none; np=quarantine; t=y; psd=y; foo=bar; rua=mailto:d@policy.test"
EOF2
knot_zone co.uk <<EOF2
_dmarc TXT "v=DMARC1; p=reject; np=reject; psd=y; rua=mailto:d@co.uk"
EOF2
knot_start
DMARCDB_RESOLVER=127.0.0.1:$KNOT_PORT
export DMARCDB_RESOLVER

# Reports: good.test signs with s1 (passing); warn.test with old, big
# and vendor; bad.test with gone (failing: its key is revoked) and
# missing (no key at all).
mkdir "$T/r"
for day in 2026-02-20 2026-02-21; do
	report "$T/r" google.com 7489 "$day" domain=good.test,p=reject <<-EOF2
	192.0.2.10 100 good.test none pass pass good.test:s1:pass good.test:mfrom:pass -
	EOF2
	report "$T/r" google.com 7489 "$day" domain=warn.test,p=quarantine <<-EOF2
	192.0.2.10 50 warn.test none pass pass warn.test:old:pass,warn.test:big:pass good.test:mfrom:pass -
	192.0.2.11 20 warn.test none pass fail warn.test:vendor:pass esp.test:mfrom:pass -
	EOF2
	report "$T/r" google.com 7489 "$day" domain=bad.test,p=reject <<-EOF2
	192.0.2.10 30 bad.test none fail pass bad.test:gone:fail bad.test:mfrom:pass -
	192.0.2.12 5 bad.test none fail fail bad.test:missing:fail bad.test:mfrom:fail -
	EOF2
done
"$DMARCDB" -q --db "$DB" ingest "$T/r"
cat > "$T/conf" <<EOF2
domain good.test {
	record "v=DMARC1; p=reject; rua=mailto:dmarc@good.test";
	sender "MTA" { ip 192.0.2.0/24; dkim good.test selector s1; }
}
domain warn.test {
	record "v=DMARC1; p=reject";
}
EOF2
C="$DMARCDB --db $DB --config $T/conf check --as-of 2026-02-22"

# A clean domain: its records, no finding, exit 0.
$C good.test > "$T/good.out" || fail "good.test: exit $?: $(cat "$T/good.out")"
grep -qx "  DMARC    _dmarc.good.test: v=DMARC1; p=reject; rua=mailto:dmarc@good.test" \
    "$T/good.out" || fail "good.test DMARC: $(cat "$T/good.out")"
grep -qx "  DKIM     s1._domainkey.good.test: rsa, 2048 bits (200 messages in the reports, configured)" \
    "$T/good.out" || fail "good.test DKIM: $(cat "$T/good.out")"
grep -qx "  MX       10 mx1.good.test" "$T/good.out" ||
    fail "good.test MX: $(cat "$T/good.out")"
grep_none -E "^  (error|warning|note) " "$T/good.out" ||
    fail "good.test: findings: $(cat "$T/good.out")"

# The whole output, text and JSON, as tests/golden/ holds it (the keys
# are made anew each run: their bits, not their text, are shown).
golden check-good.txt $C good.test
golden check-good.json $C --format json good.test
# golden_exit NAME STATUS COMMAND...: golden, for a command that exits
# with STATUS.
golden_exit() {
	local name=$1 st=$2
	shift 2
	expect_exit "$st" "$@" > "$T/$name"
	[ -z "${UPDATE_GOLDEN:-}" ] ||
	    cp "$T/$name" "$SRCDIR/tests/golden/$name"
	diff -u "$SRCDIR/tests/golden/$name" "$T/$name" ||
	    fail "$name differs from tests/golden/$name"
}

# Warnings: exit 1.
golden_exit check-warn.txt 1 $C warn.test
golden_exit check-warn.json 1 $C --format json warn.test
expect_exit 1 $C warn.test > "$T/warn.out"
has() { # FILE LINE
	grep -qxF -- "$2" "$T/$1" || fail "$1: no '$2' in: $(cat "$T/$1")"
}
has warn.out "  DKIM     old._domainkey.warn.test: rsa, 1024 bits (100 messages in the reports)"
has warn.out "  DKIM     big._domainkey.warn.test: rsa, 4096 bits (100 messages in the reports)"
has warn.out "  DKIM     vendor._domainkey.warn.test: rsa, 2048 bits, through vendor1.dkim.esp.test (40 messages in the reports)"
has warn.out "  warning  the DKIM key at old._domainkey.warn.test has 1024 bits"
has warn.out "  warning  the DKIM key at big._domainkey.warn.test is in testing (t=y)"
has warn.out "  warning  the DMARC record at _dmarc.warn.test has no rua="
has warn.out "  warning  the DMARC record at _dmarc.warn.test is not the configuration's (line 5): \"v=DMARC1; p=reject\""
has warn.out "  note     pct=50 in the DMARC record at _dmarc.warn.test"
has warn.out "           fix: publish a 2048-bit key (under a new selector)"
grep_none "^  error" "$T/warn.out" || fail "warn.test: $(cat "$T/warn.out")"

# Errors: exit 2.
golden_exit check-bad.txt 2 $C bad.test
expect_exit 2 $C bad.test > "$T/bad.out"
has bad.out "  error    _dmarc.bad.test has several DMARC records"
has bad.out "  error    the DKIM key at gone._domainkey.bad.test is revoked (p= empty), and mail is still signed with it"
has bad.out "  error    no DKIM key at missing._domainkey.bad.test (its signatures are in the reports)"
expect_exit 2 $C broken.test > "$T/broken.out"
grep -q "^  error    the DMARC record at _dmarc.broken.test is not valid: " \
    "$T/broken.out" || fail "broken.test: $(cat "$T/broken.out")"
has broken.out "           why: receivers ignore it"

# External report destinations: authorised, or not.
expect_exit 2 $C ext.test > "$T/ext.out"
has ext.out "  error    the report destination's authorisation ext.test._report._dmarc.esp.test is missing"
# A destination whose server does not answer: said, not judged.
grep -q "^  warning  the report authorisation ext.test._report._dmarc.reports.other.test cannot be looked up: DNS unavailable: .*REFUSED" \
    "$T/ext.out" || fail "ext.test: REFUSED: $(cat "$T/ext.out")"
# A subdomain without a record of its own: the tree walk; null MX.
expect_exit 0 $C sub.org.test > "$T/sub.out"
has sub.out "  DMARC    _dmarc.org.test: v=DMARC1; p=none; sp=quarantine; rua=mailto:d@org.test"
has sub.out "  note     sub.org.test has no DMARC record of its own: _dmarc.org.test is used"
has sub.out "  MX       null (RFC 7505: no mail)"
has sub.out "  note     sub.org.test has a null MX, and its SPF record lets hosts send as it"
# A domain with no DMARC record at all, nor its organisation.
expect_exit 2 $C none.test > "$T/none.out"
has none.out "  error    none.test has no DMARC record"
has none.out "           fix: publish one: dmarcdb advise says which"
# Parked (v=spf1 -all) without a null MX.
grep -q "^  note     ext.test sends no mail (v=spf1 -all), and has no null MX" \
    "$T/ext.out" || fail "ext.test: parked: $(cat "$T/ext.out")"

# JSON: valid, with the same findings. By default the configured
# domains (anyone can name a domain in a report: those are counted, and
# checked when named); without a configuration, the largest with
# reports.
expect_exit 1 $C --format json > "$T/conf.json" 2> "$T/err"
grep -qx "dmarcdb: 1 other domain with reports, not configured: see dmarcdb domains" \
    "$T/err" || fail "others: $(cat "$T/err")"
[ "$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join(sorted(x["domain"] for x in d["domains"])))' "$T/conf.json")" = \
    "good.test warn.test" ] || fail "configured domains: $(cat "$T/conf.json")"
: > "$T/empty.conf"
expect_exit 2 $DMARCDB --db "$DB" --config "$T/empty.conf" check \
    --as-of 2026-02-22 --format json > "$T/all.json"
python3 -m json.tool "$T/all.json" > /dev/null || fail "JSON: $(cat "$T/all.json")"
[ "$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join(sorted(x["domain"] for x in d["domains"])))' "$T/all.json")" = \
    "bad.test good.test warn.test" ] || fail "default domains: $(cat "$T/all.json")"
python3 -c 'import json, sys
d = {x["domain"]: x for x in json.load(open(sys.argv[1]))["domains"]}
k = {x["selector"]: x for x in d["warn.test"]["dkim"]}
assert k["vendor"]["cname"] == "vendor1.dkim.esp.test", k
assert k["old"]["bits"] == 1024 and k["old"]["messages"] == 100, k
assert any(f["level"] == "error" and "revoked" in f["what"]
    for f in d["bad.test"]["findings"])
assert d["good.test"]["spf"]["lookups"] == 0' "$T/all.json" ||
    fail "JSON content: $(cat "$T/all.json")"

# The policy tags (RFC 9989): sp= and np= weaker than p=, t=y, psd=y
# where there is no public suffix, a tag neither RFC has. psd=y at a
# public suffix (co.uk) is right.
expect_exit 1 $C policy.test > "$T/policy.out"
has policy.out "  warning  sp=none in the DMARC record at _dmarc.policy.test is weaker than p=reject"
has policy.out "  warning  np=quarantine in the DMARC record at _dmarc.policy.test is weaker than p=reject"
has policy.out "  warning  psd=y in the DMARC record at _dmarc.policy.test, which is not a public suffix"
has policy.out "  note     t=y in the DMARC record at _dmarc.policy.test"
has policy.out "  note     foo= in the DMARC record at _dmarc.policy.test is a tag neither RFC 7489 nor RFC 9989 has"
$C co.uk > "$T/psd.out" || :
grep_none "^  [a-z]* *psd=y\|weaker\|neither RFC" "$T/psd.out" ||
    fail "co.uk: $(cat "$T/psd.out")"

# Usage errors; DNS unreachable: exit 5.
expect_exit 2 $C --format xml good.test 2> "$T/err"
grep -q "unknown format 'xml'" "$T/err" || fail "--format xml: $(cat "$T/err")"
expect_exit 2 $C "bad name" 2> "$T/err"
grep -q "'bad name' is not a domain" "$T/err" || fail "bad name: $(cat "$T/err")"
DMARCDB_RESOLVER=127.0.0.1:9 expect_exit 5 $C good.test 2> "$T/err"
grep -q "DNS unavailable" "$T/err" || fail "DNS down: $(cat "$T/err")"
echo ok
