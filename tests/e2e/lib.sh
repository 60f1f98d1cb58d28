# lib.sh: shared setup for the end-to-end tests (sourced).
#
# DMARCDB is the binary under test and SRCDIR the source tree; both are
# exported by "make check". Each test gets a scratch directory $T that is
# removed on exit; $DB is a database in it.
#
# Memory checkers: in a sanitizer build (--enable-asan, --enable-ubsan,
# --enable-fuzzing) their reports go to files in $T; with VALGRIND=1
# (make check-valgrind) dmarcdb runs under valgrind's memcheck, its
# reports going there too. Any report fails the test when it ends, even
# one from a command whose output or exit status the test ignores.
set -eu
LC_ALL=C
export LC_ALL
: "${DMARCDB:?run through make check, or set DMARCDB}"
: "${SRCDIR:?run through make check, or set SRCDIR}"
T=$(mktemp -d "${TMPDIR:-/tmp}/dmarcdb-e2e.XXXXXX")
DB=$T/dmarc.db
CORPUS=$SRCDIR/tests/corpus
unset DMARCDB_DB

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# At exit: fail on any memory checker report, then clean up.
finish() {
	rc=$?
	for f in "$T"/sanitizer.* "$T"/vg/log.*; do
		[ -s "$f" ] || continue
		echo "FAIL: memory checker report ($(basename "$f")):" >&2
		cat "$f" >&2
		rc=1
	done
	rm -rf "$T"
	exit "$rc"
}
trap finish EXIT

ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$T/sanitizer"
UBSAN_OPTIONS="print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
UBSAN_OPTIONS="$UBSAN_OPTIONS:log_path=$T/sanitizer"
export ASAN_OPTIONS UBSAN_OPTIONS

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

# sql DB QUERY: one query through the sqlite3 shell.
sql() {
	sqlite3 -batch -noheader "$1" "$2"
}

# dump DB: the stored reports and records, without ids, times or origins:
# two databases holding the same data dump the same.
dump() {
	sql "$1" "SELECT hex(xml_sha256), xml_part, status, reporter,
	    report_key_id, domain, date_begin, date_end, record_count,
	    message_count FROM reports ORDER BY 1, 2;
	  SELECT hex(r.xml_sha256), r.xml_part, c.ordinal, c.source_ip,
	    c.count, c.disposition, c.dkim, c.spf, c.header_from,
	    c.envelope_from, c.envelope_to,
	    (SELECT count(*) FROM dkim_results d WHERE d.record = c.id),
	    (SELECT count(*) FROM spf_results s WHERE s.record = c.id),
	    (SELECT count(*) FROM override_reasons o WHERE o.record = c.id)
	  FROM records c JOIN reports r ON r.id = c.report ORDER BY 1, 2, 3;"
}
