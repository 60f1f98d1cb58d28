#!/bin/bash
# files.sh: the files dmarcdb reads and writes, against a local attacker
# who can write into the folders it reads. A symbolic link planted in a
# folder is never followed, even when it is swapped in between the
# moment a file is listed and the moment it is opened (or read again to
# keep its bytes); the database and everything beside it are created
# without access for other users, whatever the umask, and an existing
# database that others can read is warned about; a message that another
# reader takes away during a Maildir scan is counted as vanished, not
# rejected; a configuration that is no regular file is refused, and a
# FIFO does not hang the command.
. "$(dirname "$0")/lib.sh"
# The databases of this test (lib.sh: db_named).
MD_DB=$(db_named md)
N_DB=$(db_named n)
R1_DB=$(db_named r1)
R2_DB=$(db_named r2)
R3_DB=$(db_named r3)
V_DB=$(db_named v)
V2_DB=$(db_named v2)
W_DB=$(db_named w)
W2_DB=$(db_named w2)

RACE=$BUILDDIR/tests/hostile/race.so
[ -f "$RACE" ] || fail "$RACE is missing (make check builds it)"
R=$SRCDIR/samples/reports
GEN=$BUILDDIR/bench/gen

# The secret: a mail, so that a Maildir would keep its Message-ID and
# the bytes of its broken report, and any other input its raw bytes.
TOKEN=dmarcdb-secret-7f3a9c
cat > "$T/secret" <<EOF
From: root@example.com
To: dmarc@example.com
Subject: $TOKEN
Message-ID: <$TOKEN@example.com>
Content-Type: application/xml

<?xml version="1.0"?><feedback><report_metadata>$TOKEN
EOF
chmod 600 "$T/secret"

# no_secret DB WHAT: the secret's bytes are in none of the database's
# files.
no_secret() {
	for f in "$1" "$1-wal" "$1-journal"; do
		[ -f "$f" ] || continue
		if grep -aq "$TOKEN" "$f"; then
			fail "$2: the secret is in $f"
		fi
	done
}

# count DB TABLE
count() {
	sql "$1" "SELECT count(*) FROM $2"
}

# A mail holding a report, for the Maildirs.
mkdir "$T/gen"
"$GEN" -s 3 -E -r 3 -m 1 -M 3 -d "$T/gen"
set -- "$T"/gen/*.eml
[ $# = 3 ] || fail "gen made $# messages, not 3"

### Symbolic links in a folder are not followed.

S=$T/spool
mkdir -p "$S/sub" "$T/elsewhere"
cp "$R/yahoo-report.xml" "$S/a.xml"
ln -s "$T/secret" "$S/x.xml"
ln -s "$T/secret" "$S/sub/y.xml"
ln -s "$T/nowhere" "$S/dangling.xml"
ln -s "$T/elsewhere" "$S/dirlink"
expect_exit 0 "$DMARCDB" -q --db "$W_DB" ingest "$S" 2> "$T/err"
for f in x.xml sub/y.xml dangling.xml; do
	grep -qF "$S/$f: symbolic link, not followed" "$T/err" ||
	    fail "no warning for $f: $(cat "$T/err")"
done
# A link to a directory was never followed, and is no news.
grep_none dirlink "$T/err" || fail "-q: a link to a directory warned about"
[ "$(grep -c . "$T/err")" = 3 ] ||
    fail "more than three lines: $(cat "$T/err")"
[ "$(count "$W_DB" reports)" = 1 ] || fail "the report was not stored"
[ "$(count "$W_DB" rejected_inputs)" = 0 ] || fail "a link was rejected"
no_secret "$W_DB" "a link in a folder"
"$DMARCDB" -v --db "$W2_DB" ingest "$S" 2> "$T/err"
grep -qF "$S/dirlink: symbolic link to a directory, not followed" \
    "$T/err" || fail "-v: no note for the link to a directory"

# In a Maildir too, in new/ and cur/.
MD=$T/Maildir
mkdir -p "$MD/new" "$MD/cur" "$MD/tmp"
cp "$1" "$MD/new/1700000001.M1P1.host"
ln -s "$T/secret" "$MD/new/1700000002.M2P2.host"
ln -s "$T/secret" "$MD/cur/1700000003.M3P3.host:2,S"
expect_exit 0 "$DMARCDB" -q --db "$MD_DB" ingest "$MD" 2> "$T/err"
for f in new/1700000002.M2P2.host cur/1700000003.M3P3.host:2,S; do
	grep -qF "$MD/$f: symbolic link, not followed" "$T/err" ||
	    fail "Maildir: no warning for $f: $(cat "$T/err")"
done
[ "$(count "$MD_DB" mail_messages)" = 1 ] ||
    fail "Maildir: not the one message"
no_secret "$MD_DB" "a link in a Maildir"

# A link named on the command line is followed: to a file, to a
# directory, and the bytes of what it names are kept if rejected.
ln -s "$R/yahoo-report.xml" "$T/named.xml"
mkdir "$T/real"
cp "$R/mimecast.org!georgestarcher.com!1781568000!1781654399.xml" "$T/real/"
ln -s "$T/real" "$T/named-dir"
printf 'junk-to-keep\n' > "$T/junk.txt"
ln -s "$T/junk.txt" "$T/named-junk"
expect_exit 1 "$DMARCDB" -q --db "$N_DB" ingest "$T/named.xml" \
    "$T/named-dir" "$T/named-junk" 2> "$T/err"
[ "$(count "$N_DB" reports)" = 2 ] ||
    fail "named links not followed: $(cat "$T/err")"
[ "$(sql "$N_DB" "SELECT count(*) FROM rejected_inputs i
    JOIN rejected_raw r ON r.input = i.id
    WHERE $(pg_or_lite "$N_DB" "CAST(r.raw AS TEXT)" \
    "convert_from(r.raw, 'UTF8')") = 'junk-to-keep' ||
    $(pg_or_lite "$N_DB" "char(10)" "chr(10)")")" = 1 ] ||
    fail "the bytes of a named link's file were not kept"

### Races: a file swapped for a link between listing and opening.

# Listed in a folder as a file, a link when opened.
S2=$T/spool2
mkdir "$S2"
printf 'not a report\n' > "$S2/swap.xml"
expect_exit 0 env RACE_MATCH=swap.xml RACE_ACTION=symlink \
    RACE_TARGET="$T/secret" LD_PRELOAD="$RACE" ASAN_OPTIONS="$ASAN" \
    "$DMARCDB" -q --db "$R1_DB" ingest "$S2" 2> "$T/err"
[ -L "$S2/swap.xml" ] || fail "the shim did not swap the file"
grep -qF "$S2/swap.xml: symbolic link, not followed" "$T/err" ||
    fail "race in a folder: $(cat "$T/err")"
no_secret "$R1_DB" "a file swapped for a link in a folder"

# The same in a Maildir.
MD2=$T/Maildir2
mkdir -p "$MD2/new" "$MD2/cur" "$MD2/tmp"
cp "$2" "$MD2/new/1700000010.M10P1.host"
expect_exit 0 env RACE_MATCH=M10P1 RACE_ACTION=symlink \
    RACE_TARGET="$T/secret" LD_PRELOAD="$RACE" ASAN_OPTIONS="$ASAN" \
    "$DMARCDB" -q --db "$R2_DB" ingest "$MD2" 2> "$T/err"
[ -L "$MD2/new/1700000010.M10P1.host" ] || fail "Maildir: no swap"
grep -qF "$MD2/new/1700000010.M10P1.host: symbolic link, not followed" \
    "$T/err" || fail "race in a Maildir: $(cat "$T/err")"
no_secret "$R2_DB" "a message swapped for a link in a Maildir"

# Read as a file and rejected, a link when read again for its bytes:
# it is rejected, and none of the link's bytes are kept.
# (The file is larger than the secret, which would be kept whole.)
S3=$T/spool3
mkdir "$S3"
head -c 4096 /dev/zero | tr '\0' j > "$S3/junk.txt"
expect_exit 1 env RACE_MATCH=junk.txt RACE_ACTION=symlink RACE_NTH=2 \
    RACE_TARGET="$T/secret" LD_PRELOAD="$RACE" ASAN_OPTIONS="$ASAN" \
    "$DMARCDB" -q --db "$R3_DB" ingest "$S3" 2> "$T/err"
[ -L "$S3/junk.txt" ] || fail "no swap before the bytes were kept"
grep -qF "$S3/junk.txt: not a DMARC report" "$T/err" ||
    fail "swapped after reading: $(cat "$T/err")"
[ "$(count "$R3_DB" rejected_inputs)" = 1 ] ||
    fail "swapped after reading: not rejected"
no_secret "$R3_DB" "a file swapped for a link after it was read"

### A message taken away during a Maildir scan has vanished.

MD3=$T/Maildir3
mkdir -p "$MD3/new" "$MD3/cur" "$MD3/tmp"
cp "$1" "$MD3/new/1700000021.M21P1.host"
cp "$2" "$MD3/new/1700000022.M22P1.host"
cp "$3" "$MD3/cur/1700000023.M23P1.host:2,S"
expect_exit 0 env RACE_MATCH=M22P1 RACE_ACTION=vanish LD_PRELOAD="$RACE" \
    ASAN_OPTIONS="$ASAN" "$DMARCDB" -v --db "$V_DB" ingest "$MD3" \
    2> "$T/err"
[ -e "$MD3/new/1700000022.M22P1.host" ] && fail "the shim took nothing"
grep -qF "$MD3/new/1700000022.M22P1.host: vanished before it was read" \
    "$T/err" || fail "-v: no note of the vanished message: $(cat "$T/err")"
grep -q ' 0 rejected, 1 vanished;' "$T/err" ||
    fail "summary: $(tail -n 1 "$T/err")"
[ "$(count "$V_DB" mail_messages)" = 2 ] || fail "not the two messages left"
[ "$(count "$V_DB" rejected_inputs)" = 0 ] || fail "vanished, yet rejected"
# Without -v, only the summary says it; when none vanished, not even that.
cp "$2" "$MD3/new/1700000024.M24P1.host"
expect_exit 0 env RACE_MATCH=M24P1 RACE_ACTION=vanish LD_PRELOAD="$RACE" \
    ASAN_OPTIONS="$ASAN" "$DMARCDB" --db "$V_DB" ingest "$MD3" 2> "$T/err"
[ "$(grep -c . "$T/err")" = 1 ] || fail "more than a summary: $(cat "$T/err")"
grep -q ', 1 vanished;' "$T/err" || fail "summary: $(cat "$T/err")"
"$DMARCDB" --db "$V_DB" ingest "$MD3" 2> "$T/err"
grep_none vanished "$T/err" || fail "none vanished, yet: $(cat "$T/err")"

# In a folder too.
S4=$T/spool4
mkdir "$S4"
cp "$R/yahoo-report.xml" "$S4/a.xml"
cp "$R/rfc9990-multi-auth-overrides.xml" "$S4/b.xml"
expect_exit 0 env RACE_MATCH=b.xml RACE_ACTION=vanish LD_PRELOAD="$RACE" \
    ASAN_OPTIONS="$ASAN" "$DMARCDB" --db "$V2_DB" ingest "$S4" 2> "$T/err"
grep -q ' 1 vanished;' "$T/err" || fail "folder: $(cat "$T/err")"

### File modes.

# The database, its -wal and -shm, while a run holds them open (it
# waits for a writer on a FIFO it was given), under permissive umasks.
mkfifo "$T/hold"
for u in 022 000; do
	rm -f "$T/m.db" "$T/m.db-wal" "$T/m.db-shm"
	(umask "$u" && exec "$DMARCDB" -q --db "$T/m.db" ingest "$T/hold") \
	    2> /dev/null &
	pid=$!
	i=0
	until [ -e "$T/m.db-wal" ] && [ -e "$T/m.db-shm" ]; do
		i=$((i + 1))
		[ "$i" -lt 1200 ] || fail "umask $u: no -wal and -shm"
		sleep 0.05
	done
	modes=$(stat -c %a "$T/m.db" "$T/m.db-wal" "$T/m.db-shm" | tr '\n' ' ')
	# (Should the run be gone, opening the FIFO would wait forever.)
	timeout 60 sh -c ': > "$1"' sh "$T/hold" || fail "umask $u: no run"
	wait "$pid" || true
	# Its owner's and its group's (dmarcdb(1), SHARED DATABASE).
	[ "$modes" = "640 640 640 " ] || fail "umask $u: modes $modes"
	[ "$(stat -c %a "$T/m.db")" = 640 ] || fail "umask $u: after the run"
done

# The IMAP lock beside the database.
(umask 000 && DMARCDB_IMAP_PASSWORD=x exec "$DMARCDB" -q --db "$T/m.db" \
    ingest imap://u@127.0.0.1:1/INBOX) 2> /dev/null || true
[ "$(stat -c %a "$T/m.db-imap.lock")" = 600 ] || fail "IMAP lock: mode"

# An existing database that other users can read: a warning, once per
# run, under -q too; none for the owner's group.
chmod 644 "$T/m.db"
"$DMARCDB" -q --db "$T/m.db" reports > /dev/null 2> "$T/err"
[ "$(grep -c 'other users can read it' "$T/err")" = 1 ] ||
    fail "0644: $(cat "$T/err")"
grep -qF "$T/m.db: other users can read it (mode 0644)" "$T/err" ||
    fail "0644: $(cat "$T/err")"
expect_exit 0 "$DMARCDB" -q --db "$T/m.db" ingest "$R/yahoo-report.xml" \
    2> "$T/err"
[ "$(grep -c 'other users can read it' "$T/err")" = 1 ] ||
    fail "ingest, 0644: $(cat "$T/err")"
# The digest opens a connection per core: still once.
"$DMARCDB" -q --db "$T/m.db" digest --no-dns --format text > /dev/null \
    2> "$T/err"
[ "$(grep -c 'other users can read it' "$T/err")" = 1 ] ||
    fail "digest, 0644: $(cat "$T/err")"
chmod 606 "$T/m.db"
"$DMARCDB" --db "$T/m.db" reports > /dev/null 2> "$T/err"
grep -qF "(mode 0606)" "$T/err" || fail "0606: $(cat "$T/err")"
for m in 640 600; do
	chmod "$m" "$T/m.db"
	"$DMARCDB" --db "$T/m.db" reports > /dev/null 2> "$T/err"
	# (The samples are old: "no reports since ..." is said.)
	grep_none "other users" "$T/err" || fail "$m: $(cat "$T/err")"
done

### A configuration that is no regular file.

mkfifo "$T/conf.fifo"
expect_exit 3 timeout -k 5 20 "$DMARCDB" --db "$T/m.db" \
    --config "$T/conf.fifo" sources 2> "$T/err"
grep -qF "$T/conf.fifo: not a regular file (a FIFO)" "$T/err" ||
    fail "FIFO: $(cat "$T/err")"
expect_exit 3 env DMARCDB_CONFIG="$T/conf.fifo" timeout -k 5 20 \
    "$DMARCDB" --db "$T/m.db" sources 2> /dev/null
expect_exit 3 "$DMARCDB" --db "$T/m.db" --config /dev/zero sources \
    2> "$T/err"
grep -qF "/dev/zero: not a regular file (a device)" "$T/err" ||
    fail "device: $(cat "$T/err")"
expect_exit 3 "$DMARCDB" --db "$T/m.db" --config "$T" sources 2> "$T/err"
grep -qF "$T: not a regular file (a directory)" "$T/err" ||
    fail "directory: $(cat "$T/err")"
# The null device is an empty configuration, as is an empty file; a
# link to a file is followed.
: > "$T/empty.conf"
ln -s "$T/empty.conf" "$T/link.conf"
for c in /dev/null "$T/empty.conf" "$T/link.conf"; do
	"$DMARCDB" --db "$T/m.db" --config "$c" sources > /dev/null ||
	    fail "--config $c"
done
exit 0
