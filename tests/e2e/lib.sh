# lib.sh: shared setup for the end-to-end tests (sourced).
#
# DMARCDB is the binary under test, SRCDIR the source tree and BUILDDIR
# the build tree (helper programs and shims; by default where DMARCDB
# is); all are exported by "make check". Each test gets a scratch
# directory $T that is removed on exit (kept with KEEP=1); $DB is a
# database in it.
#
# Memory checkers: in a sanitizer build (--enable-asan, --enable-ubsan,
# --enable-fuzzing) their reports go to files in $T; with VALGRIND=1
# (make check-valgrind) dmarcdb runs under valgrind's memcheck, its
# reports going there too. Any report fails the test when it ends, even
# one from a command whose output or exit status the test ignores.
# Every failure stops the test: in a pipeline too (pipefail), and in a
# command substitution (inherit_errexit).
set -eu -o pipefail
shopt -s inherit_errexit
LC_ALL=C
export LC_ALL
: "${DMARCDB:?run through make check, or set DMARCDB}"
: "${SRCDIR:?run through make check, or set SRCDIR}"
BUILDDIR=${BUILDDIR:-$(dirname "$DMARCDB")}
T=$(mktemp -d "${TMPDIR:-/tmp}/dmarcdb-e2e.XXXXXX")
DB=$T/dmarc.db
CORPUS=$SRCDIR/tests/corpus
unset DMARCDB_DB
# No test asks the machine's resolver: sources looks up the PTR names of
# the sources it lists. A closed port on the loopback refuses at once
# (nothing is cached); tests/e2e/rdns.sh runs its own server.
DMARCDB_RESOLVER=127.0.0.1:9
export DMARCDB_RESOLVER

# fail MESSAGE: to the test's standard error (kept as fd 3), even from
# inside a command whose standard error is redirected, such as
# "expect_exit 1 ... 2> file".
exec 3>&2
fail() {
	echo "FAIL: $*" >&3
	exit 1
}

# at_exit COMMAND: run COMMAND (stop a server) when the test ends,
# whatever its outcome, before finish; the last given runs first.
AT_EXIT=:
at_exit() {
	AT_EXIT="$1; $AT_EXIT"
}

# At exit: stop what at_exit names, fail on any memory checker report,
# then clean up.
finish() {
	rc=$?
	set +e
	eval "$AT_EXIT"
	for f in "$T"/sanitizer.* "$T"/vg/log.*; do
		[ -s "$f" ] || continue
		echo "FAIL: memory checker report ($(basename "$f")):" >&2
		cat "$f" >&2
		rc=1
	done
	[ -n "${KEEP:-}" ] || rm -rf "$T"
	# For CI's list of the slowest tests (.ci/run).
	echo "${0##*/}: took $SECONDS s" >&2
	exit "$rc"
}
trap finish EXIT

ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$T/sanitizer"
UBSAN_OPTIONS="print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
UBSAN_OPTIONS="$UBSAN_OPTIONS:log_path=$T/sanitizer"
export ASAN_OPTIONS UBSAN_OPTIONS
# ASAN_OPTIONS for a run with an LD_PRELOAD shim, which comes before
# AddressSanitizer's runtime (an --enable-asan build refuses that).
ASAN=$ASAN_OPTIONS:verify_asan_link_order=0

# The binary itself, for a test that must copy it (under VALGRIND=1,
# DMARCDB becomes a wrapper script).
DMARCDB_BIN=$DMARCDB
# QUICK: dmarcdb without valgrind under VALGRIND=1 (else DMARCDB), for
# runs that repeat what the test has run under memcheck already, with
# other data or thresholds, and for runs that are killed (a killed run
# reports nothing). Every path a test checks runs under memcheck once.
QUICK=$DMARCDB
if [ "${VALGRIND:-0}" = 1 ]; then
	command -v valgrind > /dev/null 2>&1 || fail "VALGRIND=1, but" \
	    "valgrind is not installed (tools/deps.sh test)"
	mkdir "$T/vg"
	cat > "$T/vg/dmarcdb" <<-EOF
	#!/bin/sh
	exec /bin/sh "$SRCDIR/tests/valgrind.sh" --log-file="$T/vg/log.%p" \\
	    "$DMARCDB" "\$@"
	EOF
	chmod +x "$T/vg/dmarcdb"
	DMARCDB=$T/vg/dmarcdb
fi

# expect_exit CODE COMMAND...: run, and check the exit status.
expect_exit() {
	want=$1
	shift
	set +e
	"$@"
	got=$?
	set -e
	[ "$got" -eq "$want" ] || fail "exit $got, not $want: $*"
}

# golden NAME COMMAND...: the command's output must be tests/golden/NAME
# (UPDATE_GOLDEN=1 rewrites it).
golden() {
	name=$1
	shift
	"$@" > "$T/$name" || fail "$name: exit $?"
	if [ -n "${UPDATE_GOLDEN:-}" ]; then
		cp "$T/$name" "$SRCDIR/tests/golden/$name"
	fi
	diff -u "$SRCDIR/tests/golden/$name" "$T/$name" ||
	    fail "$name differs from tests/golden/$name"
}

# grep_none GREP-ARGUMENTS...: true when grep finds no line; false when
# it finds one; grep's own failure (status 2: a file that cannot be
# read, a bad expression) fails the test, so that a check for what must
# not be there cannot pass because the file was never written.
grep_none() {
	rc_=0
	grep -q "$@" || rc_=$?
	[ "$rc_" -ne 2 ] || fail "grep $*: grep failed"
	[ "$rc_" -eq 1 ]
}

# lines_none OUT GREP-ARGS...: like grep_none, with the lines grep
# found (grep's own arguments decide their form) in OUT.
lines_none() {
	out_=$1
	shift
	rc_=0
	grep "$@" > "$out_" || rc_=$?
	[ "$rc_" -ne 2 ] || fail "grep $*: grep failed"
	[ "$rc_" -eq 1 ]
}

# differ FILE1 FILE2: true when both can be read and differ.
differ() {
	rc_=0
	cmp -s "$1" "$2" || rc_=$?
	[ "$rc_" -ne 2 ] || fail "cmp $1 $2: cannot compare"
	[ "$rc_" -eq 1 ]
}

# free_port [SALT]: a port of 127.0.0.1 that no socket has, for TCP or
# UDP, and not one in PORTS_GIVEN (" PORT PORT ... "; a caller that
# takes one in a subshell adds it there). Below the kernel's range of
# ephemeral ports, which the clients' connections take (a dovecot of
# imap-expunge.pg once failed to listen on a port that a PostgreSQL
# client's connection of another test had taken meanwhile).
PORTS_GIVEN=" "
free_port() {
	local lo=10000 hi=32768 eph
	read -r eph _ < /proc/sys/net/ipv4/ip_local_port_range || eph=$hi
	[ "$eph" -le "$lo" ] || hi=$eph
	p=$(( lo + ($$ + ${1:-0}) % (hi - lo) ))
	while [ -n "$(ss -Haun "sport = :$p" 2>/dev/null)" ] ||
	    [ -n "$(ss -Hatn "sport = :$p" 2>/dev/null)" ] ||
	    [ "${PORTS_GIVEN#* $p }" != "$PORTS_GIVEN" ]; do
		p=$((p + 1))
		[ "$p" -lt "$hi" ] || p=$lo
	done
	echo "$p"
}

# closed_port udp|tcp: a port of 127.0.0.1 closed to that protocol
# (a datagram refused, a connection reset), held for the test by a
# socket of the other protocol, so that no test run at the same time
# takes it (free_port skips a port bound either way: a "closed" port
# from free_port alone was once a server of another test). In
# CLOSED_PORT; call it in the test's own shell, not in $(...).
closed_port() {
	local out=$T/closed-port.$RANDOM i=0 pid
	/usr/bin/python3 -c 'import socket, signal, sys
udp = sys.argv[1] == "udp"
hold = socket.SOCK_STREAM if udp else socket.SOCK_DGRAM
want = socket.SOCK_DGRAM if udp else socket.SOCK_STREAM
while True:
    h = socket.socket(socket.AF_INET, hold)
    h.bind(("127.0.0.1", 0))
    port = h.getsockname()[1]
    w = socket.socket(socket.AF_INET, want)
    try:
        w.bind(("127.0.0.1", port))
    except OSError:
        h.close()
        continue
    finally:
        w.close()
    break
if udp:
    h.listen(1)
print(port, flush=True)
signal.pause()' "$1" > "$out" &
	pid=$!
	at_exit "kill $pid 2>/dev/null || :; wait $pid 2>/dev/null || :"
	until [ -s "$out" ]; do
		i=$((i + 1))
		[ $i -le 200 ] && kill -0 "$pid" ||
		    fail "closed_port $1: the holder did not start"
		sleep 0.05
	done
	CLOSED_PORT=$(cat "$out")
	PORTS_GIVEN="$PORTS_GIVEN$CLOSED_PORT "
}

# sql DB QUERY: one query, through the sqlite3 shell or, for a
# postgresql:// database, psql (its rows as sqlite3 writes them: fields
# separated by |, NULL as nothing).
sql() {
	case $1 in
	postgresql://*)
		psql -qXAt -v ON_ERROR_STOP=1 -d "$1" -c "$2" ;;
	*)
		sqlite3 -batch -noheader "$1" "$2" ;;
	esac
}

# fresh_db: $DB as if never made (SQLite's files removed, PostgreSQL's
# database emptied): the next ingest makes it.
fresh_db() {
	case $DB in
	postgresql://*) pg_fresh dmarc ;;
	*) rm -f "$DB" "$DB-wal" "$DB-shm" "$DB-journal" ;;
	esac
}

# db_copy NAME: a copy of $DB as it is now (no command may have it
# open), named NAME; what --db names it, on standard output.
db_copy() {
	case $DB in
	postgresql://*) pg_copy dmarc "$1" ;;
	*) cp "$DB" "$T/$1.db" && echo "$T/$1.db" ;;
	esac
}

# integrity DB: SQLite's integrity check passes; on PostgreSQL (no
# foreign keys: schema/pg), no row of a report or record lacks what it
# belongs to, and each carries its report's policy domain.
integrity() {
	case $1 in
	postgresql://*)
		[ "$(sql "$1" "SELECT
		  (SELECT count(*) FROM records c LEFT JOIN reports r
		    ON r.id = c.report AND r.domain = c.policy_domain
		    WHERE r.id IS NULL) +
		  (SELECT count(*) FROM dkim_results d LEFT JOIN records c
		    ON c.id = d.record AND c.policy_domain = d.policy_domain
		    WHERE c.id IS NULL) +
		  (SELECT count(*) FROM spf_results d LEFT JOIN records c
		    ON c.id = d.record AND c.policy_domain = d.policy_domain
		    WHERE c.id IS NULL) +
		  (SELECT count(*) FROM override_reasons d LEFT JOIN records c
		    ON c.id = d.record AND c.policy_domain = d.policy_domain
		    WHERE c.id IS NULL) +
		  (SELECT count(*) FROM warnings w LEFT JOIN reports r
		    ON r.id = w.report AND r.domain = w.policy_domain
		    WHERE r.id IS NULL) +
		  (SELECT count(*) FROM records c LEFT JOIN auth_sigs g
		    ON g.id = c.sig WHERE g.id IS NULL) +
		  (SELECT count(*) FROM reports r WHERE record_count <>
		    (SELECT count(*) FROM records c WHERE c.report = r.id))")" \
		    = 0 ] ;;
	*)
		[ "$(sql "$1" "PRAGMA integrity_check")" = ok ] ;;
	esac
}

# db_named NAME: another database of the test, named NAME (the first
# ingest makes its tables): SQLite's $T/NAME.db, or under STORE=pg a
# PostgreSQL database, made empty the first time. What --db names it.
db_named() {
	if on_sqlite; then
		echo "$T/$1.db"
	elif [ "$(psql -qXAt -d postgres -c "SELECT count(*) FROM pg_database
	    WHERE datname = '$1'")" = 1 ]; then
		pg_uri "$1"
	else
		pg_db "$1"
	fi
}

# db_restore NAME: $DB is again what db_copy NAME copied.
db_restore() {
	case $DB in
	postgresql://*)
		psql -qX -d postgres -v ON_ERROR_STOP=1 \
		    -c "DROP DATABASE dmarc WITH (FORCE)" \
		    -c "CREATE DATABASE dmarc TEMPLATE \"$1\"" > /dev/null ||
		    fail "cannot restore the database from $1" ;;
	*)
		rm -f "$DB-wal" "$DB-shm"
		cp "$T/$1.db" "$DB" ;;
	esac
}

# db_readonly DB: a way into database DB that may read it, not write it
# (what --db names it): SQLite's file made read-only (which root
# ignores: see can_readonly), or PostgreSQL's database for a role that
# may only SELECT.
db_readonly() {
	case $1 in
	postgresql://*)
		pg_reader "$1" ;;
	*)
		chmod 0444 "$1"
		echo "$1" ;;
	esac
}

# can_readonly: true when db_readonly keeps dmarcdb from writing (not
# for SQLite's file when we are root).
can_readonly() {
	! on_sqlite || [ "$(id -u)" != 0 ]
}

# db_made DB: true once dmarcdb made the database (its tables).
db_made() {
	case $1 in
	postgresql://*)
		[ "$(sql "$1" "SELECT to_regclass('reports') IS NOT NULL")" = t ] ;;
	*)
		[ -s "$1" ] ;;
	esac
}

# db_state DB: a digest of all that DB holds: it changes when anything
# is written.
db_state() {
	case $1 in
	postgresql://*)
		# (Its \restrict lines hold a new key each time.)
		pg_dump --data-only "$1" | grep -v 'restrict ' | sha256sum ;;
	*)
		sha256sum < "$1" ;;
	esac
}

# on_sqlite: true when $DB is SQLite's (STORE is not pg), for a part of
# a test about SQLite's file, or its older schemas (sqlite_only, for a
# whole test).
on_sqlite() {
	[ "${STORE:-sqlite}" != pg ]
}

# sqlite_only REASON: the test is about SQLite's database file (its
# mode, its journal, its locks): under STORE=pg it is skipped, saying
# why, and the PostgreSQL tests (pg-*.sh) cover the same ground.
sqlite_only() {
	if [ "${STORE:-sqlite}" = pg ]; then
		echo "SKIP: SQLite only: $*"
		exit 77
	fi
}

# pg_or_lite DB LITE PG: LITE, or PG for a PostgreSQL database.
pg_or_lite() {
	case $1 in
	postgresql://*) echo "$3" ;;
	*) echo "$2" ;;
	esac
}

# check_summary DB: every record names its signature, made under its
# report's alignment modes, and every report its day
# (schema/005-record-sigs.sql); the summary view holds exactly the
# messages and records of the active reports, per policy domain,
# reporter and day.
check_summary() {
	day_=$(pg_or_lite "$1" "date(day * 86400, 'unixepoch')" \
	    "dmarcdb_day(day)")
	bad=$(sql "$1" "
	  WITH r AS (SELECT domain, reporter, $day_ AS day,
	      sum(message_count) AS m, sum(record_count) AS c
	    FROM reports WHERE status = 'active' AND record_count > 0
	      AND domain > ''
	    GROUP BY 1, 2, 3),
	  s AS (SELECT policy_domain AS domain, reporter, day,
	      sum(messages) AS m, sum(records) AS c FROM v_source_days
	    GROUP BY 1, 2, 3)
	  SELECT count(*) FROM (
	    SELECT domain FROM r LEFT JOIN s USING (domain, reporter, day)
	      WHERE s.c IS DISTINCT FROM r.c OR s.m IS DISTINCT FROM r.m
	    UNION ALL
	    SELECT domain FROM s LEFT JOIN r USING (domain, reporter, day)
	      WHERE r.c IS NULL
	    UNION ALL
	    SELECT domain FROM reports WHERE day IS DISTINCT FROM
	      (CASE WHEN date_end >= date_begin
	        THEN (date_begin / 2 + date_end / 2) / 86400
	        ELSE date_begin / 86400 END)
	    UNION ALL
	    SELECT c.header_from FROM records c JOIN reports p ON p.id = c.report
	      LEFT JOIN auth_sigs g ON g.id = c.sig
	      WHERE g.id IS NULL OR g.header_from IS DISTINCT FROM c.header_from
	        OR g.adkim IS DISTINCT FROM
	          (CASE p.adkim WHEN 's' THEN 's' ELSE 'r' END)
	        OR g.aspf IS DISTINCT FROM
	          (CASE p.aspf WHEN 's' THEN 's' ELSE 'r' END)) AS x")
	[ "$bad" = 0 ] || fail "$1: summary does not match the active reports"
}

# dump DB: the stored reports and records, and the summary, without ids,
# times or origins: two databases holding the same data dump the same,
# whichever store each is.
dump() {
	check_summary "$1"
	hex_=$(pg_or_lite "$1" "hex(%s)" "upper(encode(%s, 'hex'))")
	thex_=$(pg_or_lite "$1" "hex(%s)" \
	    "upper(encode(convert_to(%s, 'UTF8'), 'hex'))")
	dom_=$(pg_or_lite "$1" "domain" "nullif(domain, '')")
	# shellcheck disable=SC2059
	sql "$1" "SELECT $(printf "$thex_" d.policy_domain), d.day,
	    d.source_ip, d.reporter, $(printf "$hex_" g.key), g.dmarc,
	    g.facts, g.passes, g.ident, d.messages, d.records
	  FROM v_source_days d JOIN auth_sigs g ON g.id = d.sig ORDER BY 1, 2,
	    3, 4, 5;"
	# shellcheck disable=SC2059
	sql "$1" "SELECT $(printf "$hex_" xml_sha256), xml_part, status,
	    reporter, report_key_id, $dom_, date_begin, date_end,
	    record_count, message_count FROM reports ORDER BY 1, 2;"
	# shellcheck disable=SC2059
	sql "$1" "SELECT $(printf "$hex_" r.xml_sha256), r.xml_part,
	    c.ordinal, c.source_ip,
	    c.count, c.disposition, c.dkim, c.spf, c.header_from,
	    c.envelope_from, c.envelope_to,
	    (SELECT count(*) FROM dkim_results d WHERE d.record = c.id),
	    (SELECT count(*) FROM spf_results s WHERE s.record = c.id),
	    (SELECT count(*) FROM override_reasons o WHERE o.record = c.id)
	  FROM records c JOIN reports r ON r.id = c.report ORDER BY 1, 2, 3;"
}

# STORE=pg: $DB is a database on a private PostgreSQL server (pg.sh),
# and every command of the test runs on it (make check runs the suite
# both ways).
if [ "${STORE:-sqlite}" = pg ]; then
	. "$SRCDIR/tests/e2e/pg.sh"
	pg_start
	DB=$(pg_db dmarc)
fi
