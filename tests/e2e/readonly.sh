#!/bin/bash
# readonly.sh: a database the user may not write: exit status 3, a
# message that names it and says why, and nothing harmed. Twice: the
# file read-only (0444) in a directory the user cannot write, and the
# file writable in such a directory (no room for the write-ahead log).
#
# Permissions do not apply to root, so as root dmarcdb runs as nobody
# (uid and gid 65534) through setpriv; the binary and the inputs are
# copied into the scratch directory so that nobody can reach them
# wherever the tree lives. Run as another user, dmarcdb runs as that
# user. The copy is of the binary itself, never under valgrind (whose
# log nobody could write).
. "$(dirname "$0")/lib.sh"

S=$SRCDIR/samples/reports
chmod 755 "$T"
cp "$DMARCDB_BIN" "$T/dmarcdb"
cp "$S/yahoo-report.xml" "$T/a.xml"
cp "$S/mimecast.org!georgestarcher.com!1781568000!1781654399.xml" "$T/b.xml"
chmod 755 "$T/dmarcdb"
chmod 644 "$T/a.xml" "$T/b.xml"

as_user() {
	if [ "$(id -u)" -eq 0 ]; then
		setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
	else
		"$@"
	fi
}
as_user sh -c 'test -x "$1" && test -r "$2"' sh "$T/dmarcdb" "$T/b.xml" ||
    fail "uid 65534 cannot reach $T: set TMPDIR to a directory it can"

# try MODE: the database, made and filled by us, then given MODE in a
# directory of mode 555; an ingest as the user must fail cleanly.
try() {
	rm -rf "$T/ro"
	mkdir "$T/ro"
	"$T/dmarcdb" -q --db "$T/ro/dmarc.db" ingest "$T/a.xml"
	dump "$T/ro/dmarc.db" > "$T/before"
	cp "$T/ro/dmarc.db" "$T/copy.db"
	chmod "$1" "$T/ro/dmarc.db"
	chmod 555 "$T/ro"
	expect_exit 3 as_user "$T/dmarcdb" --db "$T/ro/dmarc.db" ingest \
	    "$T/b.xml" 2> "$T/err"
	grep -F "dmarcdb: $T/ro/dmarc.db: " "$T/err" |
	    grep -Eq "no write permission|read-only|readonly" ||
	    fail "mode $1: not said clearly: $(cat "$T/err")"
	# Nothing harmed, nothing left behind.
	cmp -s "$T/ro/dmarc.db" "$T/copy.db" || fail "mode $1: file changed"
	[ "$(cd "$T/ro" && ls)" = dmarc.db ] || fail "mode $1: files left: \
$(ls "$T/ro")"
	chmod 755 "$T/ro"
	integrity "$T/ro/dmarc.db" ||
	    fail "mode $1: integrity"
	dump "$T/ro/dmarc.db" > "$T/after"
	cmp -s "$T/before" "$T/after" || fail "mode $1: reports changed"
}

try 444
try 666
echo "ok"
