#!/bin/bash
# lazy.sh: libcurl, libpq and GMime are opened when first needed
# (src/lazy.c), not linked, so that runs that need none of them do not
# start them (issue 18). Without them (hidden in a mount namespace of
# the test's own) what does not need them works: ingest of report files
# into SQLite, the report commands; what does says which library it
# cannot load: a PostgreSQL database (exit 3), an IMAP folder
# (unreadable, exit 1), digest --smtp (exit 1), an email message (the
# batch stops, exit 4, and the message is read once GMime is back). With
# them, the other tests (imap, pg-*, digest-smtp, mail, check) use them.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || fail "must run as root: the libraries are" \
    "hidden with mount --bind in a namespace of the test's own"

ldd "$DMARCDB_BIN" > "$T/ldd" || fail "ldd $DMARCDB_BIN"
lines_none "$T/lines" -E 'lib(curl|pq|gmime-3\.0)\.' "$T/ldd" ||
    fail "linked: $(cat "$T/lines")"

# The sonames it opens, as configure found them, and where they are.
# (Each once: no "| head", which pipefail takes for a failure when grep
# is cut off.)
soname() {
	grep -ao "$1\.so\.[0-9]*" "$DMARCDB_BIN" | sort -u
}
curl=$(soname libcurl)
pq=$(soname libpq)
gmime=$(soname 'libgmime-3\.0')
[ "$(echo "$curl" | wc -w)" = 1 ] && [ "$(echo "$pq" | wc -w)" = 1 ] &&
    [ "$(echo "$gmime" | wc -w)" = 1 ] ||
    fail "not one soname of each in the binary: $curl $pq $gmime"
where() {
	ldconfig -p | awk -v n="$1" '$1 == n { print $NF; exit }'
}
curl_file=$(where "$curl")
pq_file=$(where "$pq")
gmime_file=$(where "$gmime")
[ -f "$curl_file" ] && [ -f "$pq_file" ] && [ -f "$gmime_file" ] ||
    fail "$curl, $pq or $gmime not installed: $curl_file $pq_file" \
    "$gmime_file"

# hide "FILE..." CMD...: CMD with those libraries hidden (bind-mounted
# over by an empty file, as if broken), its status returned; without
# CMD...: all three hidden.
: > "$T/empty"
hide() {
	unshare -m sh -c 'empty=$1 files=$2; shift 2
	    for f in $files; do mount --bind "$empty" "$f" || exit 99; done
	    exec "$@"' sh "$T/empty" "$@"
}
without() {
	hide "$curl_file $pq_file $gmime_file" "$@"
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
# (GMime there: it writes the message, libcurl would send it.)
expect_exit 1 hide "$curl_file" "$DMARCDB" --db "$T/a.db" digest \
    --as-of 2024-01-03 --no-dns --from dmarc@example.com \
    --to ops@example.com --smtp "smtp://127.0.0.1:$port" 2> "$T/err"
grep -q "cannot load $curl: " "$T/err" || fail "SMTP: $(cat "$T/err")"
# The digest's addresses are read with GMime.
expect_exit 4 without "$DMARCDB" --db "$T/a.db" digest --as-of 2024-01-03 \
    --no-dns --from dmarc@example.com --to ops@example.com \
    --smtp "smtp://127.0.0.1:$port" 2> "$T/err"
grep -q "cannot load $gmime: " "$T/err" || fail "digest: $(cat "$T/err")"

# An email message: not its fault, so neither rejected nor seen; the
# batch stops (exit 4), and the message is read once GMime is back.
EML="$SRCDIR/tests/corpus/domainaware+parsedmarc/Report domain- borschow.com Submitter- google.com Report-ID- 949348866075514174.eml"
[ -f "$EML" ] || fail "missing $EML"
expect_exit 4 hide "$gmime_file" "$DMARCDB" -q --db "$T/a.db" ingest \
    "$EML" 2> "$T/err"
grep -q "cannot load $gmime: " "$T/err" || fail "mail: $(cat "$T/err")"
[ "$(sql "$T/a.db" "SELECT (SELECT count(*) FROM rejected_inputs) ||
    ' ' || (SELECT count(*) FROM mail_messages) || ' ' ||
    (SELECT count(*) FROM reports)")" = "0 0 1" ] ||
    fail "the message without GMime left a trace"
"$DMARCDB" -q --db "$T/a.db" ingest "$EML" ||
    fail "the message with GMime: exit $?"
[ "$(sql "$T/a.db" "SELECT count(*) FROM reports")" = 2 ] ||
    fail "the message with GMime: not stored"

finish
