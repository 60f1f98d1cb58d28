# lib.sh: shared setup for the end-to-end tests (sourced).
#
# DMARCDB is the binary under test, SRCDIR the source tree and BUILDDIR
# the build tree (helper programs and shims; by default where DMARCDB
# is); all are exported by "make check". Each test gets a scratch
# directory $T that is removed on exit; $DB is a database in it.
set -eu
LC_ALL=C
export LC_ALL
: "${DMARCDB:?run through make check, or set DMARCDB}"
: "${SRCDIR:?run through make check, or set SRCDIR}"
BUILDDIR=${BUILDDIR:-$(dirname "$DMARCDB")}
T=$(mktemp -d "${TMPDIR:-/tmp}/dmarcdb-e2e.XXXXXX")
trap 'rm -rf "$T"' EXIT
DB=$T/dmarc.db
CORPUS=$SRCDIR/tests/corpus
unset DMARCDB_DB
# ASAN_OPTIONS for a run with an LD_PRELOAD shim, which comes before
# AddressSanitizer's runtime (an --enable-asan build refuses that).
ASAN=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0

# fail MESSAGE: to the test's standard error (kept as fd 3), even from
# inside a command whose standard error is redirected, such as
# "expect_exit 1 ... 2> file".
exec 3>&2
fail() {
	echo "FAIL: $*" >&3
	exit 1
}

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
