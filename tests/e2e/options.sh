#!/bin/bash
# options.sh: the command line (issue 15): global options after the
# command name, --domain in any case, dates that do not exist, and one
# prefix on every error.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixtures.sh"

mkdir "$T/r"
report "$T/r" google.com 7489 2026-02-27 domain=example.com,p=none <<-EOF
$(good example.com)
EOF
report "$T/r" google.com 7489 2026-02-27 domain=other.example,p=none <<-EOF
$(good other.example 7)
EOF
"$DMARCDB" -q --db "$DB" ingest "$T/r"
A="--as-of 2026-03-01"

# --- Global options after the command name: taken as before it. --------

"$DMARCDB" --db "$DB" reports > "$T/before"
"$DMARCDB" reports --db "$DB" > "$T/after"
grep -q "example.com" "$T/before" || fail "reports: $(cat "$T/before")"
cmp -s "$T/before" "$T/after" || fail "--db after the command"
[ ! -e dmarc.db ] || fail "--db after the command: ./dmarc.db made"
# -q and -v after it, and after its arguments (ingest: a file read
# before is a line at -v, the summary is none at -q).
"$DMARCDB" --db "$DB" ingest "$T/r" -q 2> "$T/err"
[ ! -s "$T/err" ] || fail "ingest PATH -q: $(cat "$T/err")"
"$DMARCDB" --db "$DB" ingest --quiet "$T/r" 2> "$T/err"
[ ! -s "$T/err" ] || fail "ingest --quiet: $(cat "$T/err")"
"$DMARCDB" --db "$DB" ingest -v "$T/r" 2> "$T/err"
grep -q ": read before: its 1 report is stored$" "$T/err" ||
    fail "ingest -v: $(cat "$T/err")"
"$DMARCDB" --db "$DB" ingest "$T/r" 2> "$T/err"
grep_none ": read before: " "$T/err" ||
    fail "ingest: a line per file read before without -v"
# --config after a command that has no --config of its own.
"$DMARCDB" --db "$DB" reports --config /dev/null > "$T/after"
cmp -s "$T/before" "$T/after" || fail "reports --config"
echo 'domain example.com { sender "x" { ip 192.0.2.0/24; } }' > "$T/c.conf"
"$DMARCDB" --db "$DB" sources $A --no-dns --config "$T/c.conf" \
    --domain example.com > "$T/out"
grep -q '^x ' "$T/out" || fail "sources --config: $(cat "$T/out")"
# Still a usage error: both, or --version, after the command.
expect_exit 2 "$DMARCDB" --db "$DB" reports -q -v 2> "$T/err"
grep -qx "dmarcdb: reports: -q and -v exclude each other" "$T/err" ||
    fail "-q -v: $(cat "$T/err")"
expect_exit 2 "$DMARCDB" -q --db "$DB" reports --verbose 2> "$T/err"
grep -q "exclude each other" "$T/err" || fail "-q before, -v after"
expect_exit 2 "$DMARCDB" --db "$DB" reports --version 2> "$T/err"
grep -qx "dmarcdb: reports: '--version' is a global option: put it before the command" \
    "$T/err" || fail "--version: $(cat "$T/err")"
expect_exit 2 "$DMARCDB" --db "$DB" sources -V 2> "$T/err"
grep -q "'-V' is a global option: put it before the command" "$T/err" ||
    fail "-V: $(cat "$T/err")"
# A command's unknown option, and one that is ambiguous now that --db
# is taken after the command too.
expect_exit 2 "$DMARCDB" --db "$DB" reports --d x 2> "$T/err"
grep -qx "dmarcdb: reports: option '--d' is ambiguous (--domain, --db)" \
    "$T/err" || fail "--d: $(cat "$T/err")"

# --- --domain in any case, with or without the root's dot. --------------

for c in "reports" "sources $A --no-dns" "advise $A --no-dns" "export $A" \
    "digest $A --no-dns --format text"; do
	# shellcheck disable=SC2086
	"$DMARCDB" --db "$DB" $c --domain example.com > "$T/lower" 2> /dev/null
	grep -q "example\.com" "$T/lower" || fail "$c: nothing"
	grep_none "other\.example" "$T/lower" || fail "$c: another domain"
	for d in Example.COM EXAMPLE.COM. example.com.; do
		# shellcheck disable=SC2086
		"$QUICK" --db "$DB" $c --domain "$d" > "$T/upper" \
		    2> /dev/null
		cmp -s "$T/lower" "$T/upper" ||
		    fail "$c --domain $d: not example.com's"
	done
done
# The reports store policy domains in lower case, whatever they said.
mkdir "$T/r2"
report "$T/r2" Yahoo 7489 2026-02-26 domain=Upper.EXAMPLE.,p=none <<-EOF
$(good upper.example)
EOF
"$DMARCDB" -q --db "$DB" ingest "$T/r2"
[ "$(sql "$DB" "SELECT domain FROM reports WHERE reporter = 'yahoo'")" = \
    upper.example ] || fail "a policy domain stored as written"
"$DMARCDB" --db "$DB" reports --domain UPPER.example --format csv |
    grep -q ',"upper.example",' || fail "reports --domain UPPER.example"

# --- Dates: those that do not exist are refused, exit 2. ---------------

# date DATE REASON: refused by each option that takes a date (under
# memcheck, the first date only: the others take the same path).
refused() {
	for c in "reports --since" "sources --as-of" "advise --as-of" \
	    "export --since" "digest --as-of" "domains --since"; do
		# shellcheck disable=SC2086
		expect_exit 2 "${RUN:-$DMARCDB}" --db "$DB" $c "$1" 2> "$T/err"
		grep -qF "invalid date '$1' for --${c#* --}$2" "$T/err" ||
		    fail "$c $1: $(cat "$T/err")"
	done
}
refused 2026-02-30 ": February 2026 has 28 days"
RUN=$QUICK
refused 2026-02-29 ": February 2026 has 28 days"
refused 2100-02-29 ": February 2100 has 28 days"
refused 2026-04-31 ": April 2026 has 30 days"
refused 2026-13-01 ": there is no month 13"
refused 2026-00-10 ": there is no month 0"
refused 2026-01-00 ": January 2026 has 31 days"
refused 1969-12-31 ": dates from 1970 on only"
refused 2026-1-1x " (use YYYY-MM-DD)"
refused yesterday " (use YYYY-MM-DD)"
refused 20260227 " (use YYYY-MM-DD)"	# 8 digits: not seconds
RUN=
# Leap days that exist, each the midnight date(1) gives.
for d in 2028-02-29 2000-02-29 2026-02-28 2026-03-01 1970-01-01; do
	t=$(date -u -d "$d" +%s)
	for c in "sources --no-dns" "advise --no-dns"; do
		# shellcheck disable=SC2086
		"$QUICK" --db "$DB" $c --as-of "$d" > "$T/date" 2> /dev/null ||
		    fail "$c --as-of $d refused"
		[ "$t" -gt 99999999 ] || continue	# seconds: 9 digits
		# shellcheck disable=SC2086
		"$QUICK" --db "$DB" $c --as-of "$t" > "$T/secs" \
		    2> /dev/null || fail "$c --as-of $t"
		cmp -s "$T/date" "$T/secs" || fail "$c --as-of $d is not $t"
	done
done
# The window around the report's day (2026-02-27): the day before --as-of
# holds it, --as-of that day does not.
"$DMARCDB" --db "$DB" export --as-of 2026-02-28 --since 2026-02-27 |
    grep -q '"example.com"' || fail "export: 2026-02-27 not in"
"$DMARCDB" --db "$DB" export --as-of 2026-02-27 2> /dev/null |
    grep_none '"example.com"' || fail "export: 2026-02-27 in before it"

# --- One prefix: every line on standard error is dmarcdb's. -------------

: > "$T/all"
# errs STATUS ARGS...: the command fails with STATUS, saying something.
# (Under memcheck, the first error of each kind; RUN=$QUICK the others,
# which stop at the same place.)
errs() {
	st=$1
	shift
	expect_exit "$st" "${RUN:-$DMARCDB}" "$@" 2> "$T/err" > /dev/null
	[ -s "$T/err" ] || fail "$*: nothing said"
	{ echo "# $*"; cat "$T/err"; } >> "$T/all"
}
errs 2
errs 2 frobnicate
errs 2 --bogus reports
errs 2 -x reports
errs 2 --db
errs 2 --db "$DB" reports --bogus
RUN=$QUICK
errs 2 --db "$DB" reports --domain
errs 2 --db "$DB" reports --all=yes
errs 2 --db "$DB" reports -Z
errs 2 --db "$DB" reports extra
errs 2 --db "$DB" reports --format xml
RUN=
errs 2 --db "$DB" rejected --dump x
errs 2 --db "$DB" sources --days 0
errs 2 --db "$DB" sources --class nice
errs 2 --db "$DB" advise --format csv
errs 2 --db "$DB" export --format json
errs 2 --db "$DB" digest --format text --smtp smtp://x
errs 2 --db "$DB" domains --as-of 2026-02-30
errs 2 --db "$DB" config
errs 2 --db "$DB" config frob
errs 2 --db "$DB" ptr --bogus
errs 2 --db "$DB" ingest
errs 2 --db "$DB" ingest --max-bytes lots "$T/r"
errs 1 --db "$DB" ingest "$T/none.xml"
errs 3 --db "$T/no/such/dir/x.db" ingest "$T/r"
echo "not a database" > "$T/junk.db"
errs 3 --db "$T/junk.db" reports
errs 3 --db "$DB" --config "$T/none.conf" sources
lines_none "$T/bad" -v -e "^# " -e "^dmarcdb: " -e "^Try 'dmarcdb " \
    "$T/all" || fail "not dmarcdb's: $(cat "$T/bad")"
# Usage errors say where to look, once.
[ "$(grep -c "^Try 'dmarcdb reports --help'\.$" "$T/all")" -eq 6 ] ||
    fail "reports: not one Try line each: $(cat "$T/all")"
echo ok
