#!/bin/bash
# spf.sh: the SPF tree of a domain as dmarcdb check walks it (spfwalk.c,
# through tests/e2e/spfprobe until check prints it), against a private
# Knot DNS server: include chains of 9, 10 and 11 lookups (10 is the
# last that passes), void lookups of 2 and 3, a loop, an include
# without a record, two records, a broken record, a record split in
# strings, +all, ?all and ptr, macros, the lookups of each branch, no
# record at all, and SERVFAIL. Each level's lookups go out at once: the
# queries made are counted.
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/e2e/knot.sh"

PROBE=$BUILDDIR/tests/e2e/spfprobe
[ -x "$PROBE" ] || fail "$PROBE not built (make check builds it)"

# chain NAME N: NAME includes c1.NAME, which includes c2.NAME ... cN-1,
# whose record has no lookup: N lookups in all.
chain() {
	local i
	echo "$1 TXT \"v=spf1 include:c1.$1.spf.test -all\""
	for ((i = 1; i < $2; i++)); do
		echo "c$i.$1 TXT \"v=spf1 include:c$((i + 1)).$1.spf.test -all\""
	done
	echo "c$2.$1 TXT \"v=spf1 ip4:192.0.2.1 -all\""
}
knot_zone spf.test <<EOF2
$(chain nine 9)
$(chain ten 10)
$(chain eleven 11)
host A 192.0.2.10
mx1 A 192.0.2.25
mailer MX 10 mx1.spf.test.
void2 TXT "v=spf1 a:nx1.spf.test exists:nx2.spf.test a:host.spf.test -all"
void3 TXT "v=spf1 a:nx1.spf.test a:nx2.spf.test mx:nx3.spf.test -all"
loopa TXT "v=spf1 include:loopb.spf.test -all"
loopb TXT "v=spf1 include:loopa.spf.test -all"
noinc TXT "v=spf1 include:nothing.spf.test -all"
nothing TXT "some verification token"
two TXT "v=spf1 -all"
two TXT "v=spf1 ip4:192.0.2.1 -all"
bad TXT "v=spf1 ip4:192.0.2.300 -all"
incbad TXT "v=spf1 include:bad.spf.test ~all"
split TXT "v=spf1 ip4:192.0.2.0/24 " "include:c10.ten.spf.test a:host.spf.test -all"
plus TXT "v=spf1 +all"
neutral TXT "v=spf1 ptr ?all"
macro TXT "v=spf1 include:%{d}.x.spf.test exists:%{i}.y.spf.test -all"
wide TXT "v=spf1 include:nine.spf.test include:c8.ten.spf.test mx:mailer.spf.test a:host.spf.test -all"
open TXT "v=spf1 ip4:192.0.2.1"
after TXT "v=spf1 -all ip4:192.0.2.1"
sf TXT "v=spf1 include:x.broken.test -all"
EOF2
knot_broken broken.test
knot_start
DMARCDB_RESOLVER=127.0.0.1:$KNOT_PORT
export DMARCDB_RESOLVER

probe() { # NAME: its walk in $T/NAME.out
	"$PROBE" "$1.spf.test" > "$T/$1.out" 2> "$T/$1.err" ||
	    fail "spfprobe $1: exit $?: $(cat "$T/$1.err")"
}
has() { # NAME LINE
	grep -qxF -- "$2" "$T/$1.out" ||
	    fail "$1: no '$2' in: $(cat "$T/$1.out")"
}
hasnt() { # NAME PATTERN
	grep_none -E -- "$2" "$T/$1.out" ||
	    fail "$1: '$2' in: $(cat "$T/$1.out")"
}

# 9 and 10 lookups pass; 11 is one too many.
probe nine
has nine "lookups 9"
hasnt nine "^error"
probe ten
has ten "lookups 10"
hasnt ten "^error"
probe eleven
has eleven "lookups 11"
has eleven "error 11 DNS-querying terms through the includes (RFC 7208 allows 10) | receivers return permerror for mail that reaches the 11th | remove includes of senders no longer used, or replace some by their ip4 and ip6 ranges"
# One TXT query a level; the 11th level is not followed (10 levels
# are already over the limit).
has eleven "queries 11"
has eleven "warning the SPF tree of eleven.spf.test is deeper than 10 levels | it is not followed below: so deep a tree is over the limit of 10 lookups anyway | flatten the includes"

# Void lookups: 2 pass, 3 do not (a: neither A nor AAAA; mx: no MX).
probe void2
has void2 "voids 2"
hasnt void2 "^error"
probe void3
has void3 "voids 3"
has void3 "error 3 lookups that find nothing (RFC 7208 allows 2) | receivers return permerror | remove the terms that name what does not exist"

# A loop; an include without an SPF record; two records; a broken one.
probe loopa
has loopa "error loopb.spf.test: include:loopa.spf.test loops back to a record above it | receivers return permerror | remove the term that loops"
probe noinc
has noinc "error nothing.spf.test is named by include or redirect, but has no SPF record | receivers return permerror when they reach it | remove the term, or have the record published"
probe two
has two "error two.spf.test has 2 SPF records | receivers return permerror: SPF fails for all of its mail | merge them into one record"
probe bad
has bad "error the SPF record of bad.spf.test breaks RFC 7208: ip4:192.0.2.300: not an IPv4 address | receivers return permerror: SPF fails for all of its mail | correct the record (RFC 7208 section 12 is its grammar)"
probe incbad
grep -q "^error the SPF record of bad.spf.test breaks" "$T/incbad.out" ||
    fail "incbad: $(cat "$T/incbad.out")"

# Strings joined; the branch of an include counts its own term.
probe split
has split "lookups 2"
has split "branch c10.ten.spf.test 1"
probe wide
# include:nine (1, and its 9), include:c8.ten (1, and c8's 2), mx, a.
has wide "lookups 15"
has wide "branch nine.spf.test 10"
has wide "branch c8.ten.spf.test 3"
has wide "error 15 DNS-querying terms through the includes (RFC 7208 allows 10) | receivers return permerror for mail that reaches the 11th | remove includes of senders no longer used, or replace some by their ip4 and ip6 ranges"

# What the root's terms say.
probe plus
has plus "error plus.spf.test: the record ends with +all | every host on the internet passes SPF as the domain | end with ~all or -all"
probe neutral
has neutral "warning neutral.spf.test: the record ends with ?all | it says nothing of other hosts (neutral) | end with ~all or -all"
has neutral "warning neutral.spf.test: the record uses ptr | it is slow and unreliable: RFC 7208 section 5.5 says not to use it | replace it by ip4, ip6 or include terms"
probe macro
has macro "lookups 2"
has macro "note macro.spf.test: include:%{d}.x.spf.test holds macros | it is counted, but cannot be followed without a message | "
probe open
has open "warning open.spf.test: the record does not end with all | mail from any other host is neutral | end with ~all or -all"
probe after
has after "note after.spf.test: terms follow all | they are never reached | remove them, or move them before all"

# No record; a server that fails.
probe nothing
has nothing "found 0"
has nothing "warning nothing.spf.test has no SPF record | receivers judge its mail by DKIM alone | publish one that lists your senders (v=spf1 -all if it sends no mail)"
probe sf
grep -q "^error the SPF record of x.broken.test cannot be looked up: DNS unavailable: x.broken.test: SERVFAIL.* | receivers return temperror" \
    "$T/sf.out" || fail "sf: $(cat "$T/sf.out")"
echo ok
