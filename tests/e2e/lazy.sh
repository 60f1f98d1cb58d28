#!/bin/bash
# lazy.sh: libcurl and libpq are opened when first needed (src/lazy.c),
# not linked, so that runs that need neither do not start them (issue
# 18). Without them (hidden in a mount namespace of the test's own)
# what does not need them works: ingest of files into SQLite, the
# report commands; what does says which library it cannot load: a
# PostgreSQL database (exit 3), an IMAP folder (unreadable, exit 1),
# digest --smtp (exit 1). With them, the other tests (imap, pg-*,
# digest-smtp, check) use them.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || fail "must run as root: the libraries are" \
    "hidden with mount --bind in a namespace of the test's own"

ldd "$DMARCDB_BIN" > "$T/ldd" || fail "ldd $DMARCDB_BIN"
lines_none "$T/lines" -E 'lib(curl|pq)\.' "$T/ldd" ||
    fail "linked: $(cat "$T/lines")"

# The sonames it opens, as configure found them, and where they are.
# (Each once: no "| head", which pipefail takes for a failure when grep
# is cut off.)
curl=$(grep -ao 'libcurl\.so\.[0-9]*' "$DMARCDB_BIN" | sort -u)
pq=$(grep -ao 'libpq\.so\.[0-9]*' "$DMARCDB_BIN" | sort -u)
[ "$(echo "$curl" | wc -w)" = 1 ] && [ "$(echo "$pq" | wc -w)" = 1 ] ||
    fail "not one soname of each in the binary: $curl $pq"
curl_file=$(ldconfig -p | awk -v n="$curl" '$1 == n { print $NF; exit }')
pq_file=$(ldconfig -p | awk -v n="$pq" '$1 == n { print $NF; exit }')
[ -f "$curl_file" ] && [ -f "$pq_file" ] ||
    fail "$curl or $pq not installed: $curl_file $pq_file"

# without CMD...: CMD with both libraries hidden (bind-mounted over by
# an empty file, as if broken), its status returned.
: > "$T/empty"
without() {
	unshare -m sh -c 'mount --bind "$1" "$2" && mount --bind "$1" "$3" &&
	    shift 3 && exec "$@"' sh "$T/empty" "$curl_file" "$pq_file" "$@"
}
without true || fail "cannot hide the libraries (unshare, mount --bind)"

# What needs neither.
SAMPLE=$SRCDIR/samples/reports/yahoo-report.xml
without "$DMARCDB" -q --db "$T/a.db" ingest "$SAMPLE" ||
    fail "ingest without the libraries: exit $?"
[ "$(sql "$T/a.db" "SELECT count(*) FROM reports")" = 1 ] ||
    fail "ingest without the libraries stored nothing"
without "$DMARCDB" --db "$T/a.db" reports > "$T/reports" ||
    fail "reports: exit $?"
grep -q "Yahoo! Inc." "$T/reports" || fail "reports: $(cat "$T/reports")"
without "$DMARCDB" --db "$T/a.db" sources --since 2010-01-01 --no-dns \
    > /dev/null 2>&1 || fail "sources without the libraries: exit $?"
without "$DMARCDB" --db "$T/a.db" export --since 2010-01-01 > /dev/null ||
    fail "export without the libraries: exit $?"

# What needs them, each saying which.
port=$(free_port)
expect_exit 3 without "$DMARCDB" --db "postgresql://127.0.0.1:$port/x" \
    reports 2> "$T/err"
grep -q "cannot load $pq: " "$T/err" || fail "PostgreSQL: $(cat "$T/err")"
expect_exit 1 without "$DMARCDB" -q --db "$T/a.db" ingest \
    "imaps://127.0.0.1:$port/INBOX" 2> "$T/err"
grep -q "^dmarcdb: imaps://127.0.0.1:$port/INBOX: cannot load $curl: " \
    "$T/err" || fail "IMAP: $(cat "$T/err")"
expect_exit 1 without "$DMARCDB" --db "$T/a.db" digest --as-of 2024-01-03 \
    --no-dns --from dmarc@example.com --to ops@example.com \
    --smtp "smtp://127.0.0.1:$port" 2> "$T/err"
grep -q "cannot load $curl: " "$T/err" || fail "SMTP: $(cat "$T/err")"

finish
