#!/bin/bash
# lazy.sh: the libraries only some runs need (libcurl, libpq, GMime,
# libarchive, libcrypto, libloc, c-ares) are opened when first needed
# (src/lazy.c), not linked, so that runs that need none of them do not
# start them (issue 18). Without them (hidden in a mount namespace of
# the test's own) what does not need them works: ingest of report files
# into SQLite, the report commands; what does says which library it
# cannot load: a PostgreSQL database (exit 3), an IMAP folder
# (unreadable, exit 1), digest --smtp (exit 1), an email message or a
# zip archive (the batch stops, exit 4, and the input is read once the
# library is back), the location database (a note), DNS (exit 4). With
# them, the other tests (imap, pg-*, digest-smtp, mail, check, dns,
# geo) use them.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || fail "must run as root: the libraries are" \
    "hidden with mount --bind in a namespace of the test's own"

ldd "$DMARCDB_BIN" > "$T/ldd" || fail "ldd $DMARCDB_BIN"
lines_none "$T/lines" -E \
    'lib(curl|pq|gmime-3\.0|archive|crypto|ssl|loc|cares)\.' "$T/ldd" ||
    fail "linked: $(cat "$T/lines")"

# The sonames it opens, as configure found them, and where they are:
# name=soname and name_file=path for each. (Each grep once: no "| head",
# which pipefail takes for a failure when grep is cut off; and awk reads
# ldconfig's list to its end, for the same reason: an awk that exits at
# the first match leaves ldconfig writing into a closed pipe, SIGPIPE,
# exit 141 whenever the list is longer than the pipe holds.)
where() {
	ldconfig -p | awk -v n="$1" '$1 == n && !f { print $NF; f = 1 }'
}
all_files=
for lib in curl:libcurl pq:libpq gmime:'libgmime-3\.0' \
    archive:libarchive crypto:libcrypto loc:libloc cares:libcares; do
	name=${lib%%:*}
	so=$(grep -ao "${lib#*:}\.so\.[0-9]*" "$DMARCDB_BIN" | sort -u)
	[ "$(echo "$so" | wc -w)" = 1 ] ||
	    fail "not one soname of $name in the binary: $so"
	file=$(where "$so")
	[ -f "$file" ] || fail "$so not installed"
	printf -v "$name" '%s' "$so"
	printf -v "${name}_file" '%s' "$file"
	all_files="$all_files $file"
done

# hide "FILE..." CMD...: CMD with those libraries hidden (bind-mounted
# over by an empty file, as if broken), its status returned; without
# CMD...: all of them hidden.
: > "$T/empty"
hide() {
	unshare -m sh -c 'empty=$1 files=$2; shift 2
	    for f in $files; do mount --bind "$empty" "$f" || exit 99; done
	    exec "$@"' sh "$T/empty" "$@"
}
without() {
	hide "$all_files" "$@"
}
without true || fail "cannot hide the libraries (unshare, mount --bind)"

# What needs none of them.
SAMPLE=$SRCDIR/samples/reports/yahoo-report.xml
without "$DMARCDB" -q --db "$T/a.db" ingest "$SAMPLE" ||
    fail "ingest without the libraries: exit $?"
[ "$(sql "$T/a.db" "SELECT count(*) FROM reports")" = 1 ] ||
    fail "ingest without the libraries stored nothing"
without "$DMARCDB" --db "$T/a.db" reports > "$T/reports" ||
    fail "reports: exit $?"
grep -q "Yahoo! Inc." "$T/reports" || fail "reports: $(cat "$T/reports")"
without "$DMARCDB" --db "$T/a.db" sources --since 2010-01-01 --no-dns \
    > "$T/out" 2> "$T/err" || fail "sources without the libraries: exit $?"
grep -q "mycompany.com" "$T/out" || fail "sources: $(cat "$T/out")"
# Without AS and country, and saying why.
grep -q "no location database.*cannot load $loc: " "$T/err" ||
    fail "sources: libloc: $(cat "$T/err")"
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

# DNS: c-ares.
export DMARCDB_RESOLVER="127.0.0.1:$port"
expect_exit 4 without "$DMARCDB" --db "$T/a.db" ptr 192.0.2.1 2> "$T/err"
unset DMARCDB_RESOLVER
grep -q "c-ares: cannot initialise: cannot load $cares: " "$T/err" ||
    fail "ptr: $(cat "$T/err")"

# A zip archive: as an email message below, the batch stops and the
# archive is read when libarchive is back.
ZIP="$SRCDIR/samples/reports/google.com!keltia.net!1538438400!1538524799.zip"
expect_exit 4 hide "$archive_file" "$DMARCDB" -q --db "$T/a.db" ingest \
    "$ZIP" 2> "$T/err"
grep -q "cannot load $archive: " "$T/err" || fail "zip: $(cat "$T/err")"
[ "$(sql "$T/a.db" "SELECT (SELECT count(*) FROM rejected_inputs) ||
    ' ' || (SELECT count(*) FROM reports)")" = "0 1" ] ||
    fail "the zip archive without libarchive left a trace"
"$DMARCDB" -q --db "$T/a.db" ingest "$ZIP" ||
    fail "the zip archive with libarchive: exit $?"
[ "$(sql "$T/a.db" "SELECT count(*) FROM reports")" = 2 ] ||
    fail "the zip archive with libarchive: not stored"

# An email message: not its fault, so neither rejected nor seen; the
# batch stops (exit 4), and the message is read once GMime is back.
EML="$SRCDIR/tests/corpus/domainaware+parsedmarc/Report domain- borschow.com Submitter- google.com Report-ID- 949348866075514174.eml"
[ -f "$EML" ] || fail "missing $EML"
expect_exit 4 hide "$gmime_file" "$DMARCDB" -q --db "$T/a.db" ingest \
    "$EML" 2> "$T/err"
grep -q "cannot load $gmime: " "$T/err" || fail "mail: $(cat "$T/err")"
[ "$(sql "$T/a.db" "SELECT (SELECT count(*) FROM rejected_inputs) ||
    ' ' || (SELECT count(*) FROM mail_messages) || ' ' ||
    (SELECT count(*) FROM reports)")" = "0 0 2" ] ||
    fail "the message without GMime left a trace"
# Piped in by an MTA: EX_TEMPFAIL, so that the MTA keeps it.
expect_exit 75 hide "$gmime_file" "$DMARCDB" -q --db "$T/a.db" ingest - \
    < "$EML" 2> "$T/err"
grep -q "cannot load $gmime: " "$T/err" || fail "MTA: $(cat "$T/err")"
[ "$(sql "$T/a.db" "SELECT count(*) FROM mail_messages")" = 0 ] ||
    fail "the message piped in without GMime was recorded"
"$DMARCDB" -q --db "$T/a.db" ingest "$EML" ||
    fail "the message with GMime: exit $?"
[ "$(sql "$T/a.db" "SELECT count(*) FROM reports")" = 3 ] ||
    fail "the message with GMime: not stored"

finish
