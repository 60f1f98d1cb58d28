#!/bin/bash
# diskfull.sh: the disk fills up under an ingest, at various points:
# before the write-ahead log can be set up, at the first commit, after
# some commits; on a database that holds reports and on a new one. Each
# time: exit status 3 and a message that names the database and says
# the disk is full; then, with space again, the reports stored before
# are all there, whole, the database is intact, and a new run completes
# and stores what a run with room all along stores.
#
# The disk is filled by tests/hostile/enospc.so, an LD_PRELOAD shim
# (see its comment): writes that grow the database's files (database,
# -wal, -shm) fail with ENOSPC past a budget, as on a full file system.
# It needs no mount and no privileges, and works as root. RLIMIT_FSIZE
# would not do: writes then fail with EFBIG, which SQLite reports as an
# I/O error, not a full disk, and it limits every file of the process.
. "$(dirname "$0")/lib.sh"

GEN=$BUILDDIR/bench/gen
ENOSPC=$BUILDDIR/tests/hostile/enospc.so
S=$SRCDIR/samples/reports

mkdir "$T/in"
"$GEN" -s 41 -r 2000 -m 1 -M 50 -d "$T/in"
# What is stored first, and what storing the rest gives with room.
expect_exit 1 "$DMARCDB" -q --db "$T/base.db" ingest "$S" 2> /dev/null
dump "$T/base.db" | sort > "$T/base.dump"
cp "$T/base.db" "$T/ref.db"
"$QUICK" -q --db "$T/ref.db" ingest "$T/in"
dump "$T/ref.db" > "$T/ref.dump"
"$QUICK" -q --db "$T/refnew.db" ingest "$T/in"
dump "$T/refnew.db" > "$T/refnew.dump"

# full BYTES DB: ingest $T/in into DB with room for BYTES more bytes.
full() {
	expect_exit 3 env ENOSPC_MATCH="$(basename "$2")" ENOSPC_BYTES="$1" \
	    LD_PRELOAD="$ENOSPC" \
	    ASAN_OPTIONS="$ASAN" \
	    "$DMARCDB" -q --db "$2" ingest "$T/in" 2> "$T/err"
	grep -F "dmarcdb: $2: " "$T/err" | grep -Eq "disk (is )?full" ||
	    fail "$1 bytes: not said clearly: $(cat "$T/err")"
}

# Every report stored is whole: as many records as it says.
whole() {
	[ "$(sql "$1" "SELECT count(*) FROM reports r WHERE record_count !=
	    (SELECT count(*) FROM records c WHERE c.report = r.id)")" -eq 0 ] ||
	    fail "partial reports in $1"
}

for bytes in 0 20000 1000000 6000000; do
	db=$T/full$bytes.db
	cp "$T/base.db" "$db"
	full "$bytes" "$db"
	# Room again: nothing harmed.
	integrity "$db" ||
	    fail "$bytes bytes: integrity"
	dump "$db" | sort > "$T/dump"
	[ -z "$(comm -23 "$T/base.dump" "$T/dump")" ] ||
	    fail "$bytes bytes: stored reports harmed: $(comm -23 \
	    "$T/base.dump" "$T/dump" | head)"
	whole "$db"
	echo "$bytes bytes: $(sql "$db" "SELECT count(*) FROM reports") \
reports kept"
	# Under memcheck once (lib.sh, QUICK): the ENOSPC runs all are.
	run=$QUICK
	[ "$bytes" != 0 ] || run=$DMARCDB
	"$run" -q --db "$db" ingest "$T/in" ||
	    fail "$bytes bytes: the run after failed"
	dump "$db" > "$T/dump"
	cmp -s "$T/ref.dump" "$T/dump" || fail "$bytes bytes: differs after \
the run with room: $(diff "$T/ref.dump" "$T/dump" | head)"
done

# A new database on a full disk.
for bytes in 0 20000; do
	db=$T/new$bytes.db
	full "$bytes" "$db"
	"$QUICK" -q --db "$db" ingest "$T/in" ||
	    fail "new, $bytes bytes: the run after failed"
	integrity "$db" ||
	    fail "new, $bytes bytes: integrity"
	dump "$db" > "$T/dump"
	cmp -s "$T/refnew.dump" "$T/dump" || fail "new, $bytes bytes: differs"
done

# A report command whose sort runs out of temporary space (its
# records sorted through an unlinked file where SQLite puts its own):
# the reason said. 40,000 records in a sort of 1 MiB spill to the file.
mkdir "$T/hi" "$T/sorttmp"
"$GEN" -s 11 -f gz -H -r 2 -m 20000 -M 20000 -d "$T/hi"
"$QUICK" -q --db "$T/hi.db" ingest "$T/hi"
# no_room: sources in a sort of 1 MiB whose file cannot grow: exit 3,
# what it says in $T/err.
no_room() {
	expect_exit 3 env DMARCDB_SORT_MEMORY=1 TMPDIR="$T/sorttmp" \
	    ENOSPC_MATCH="$T/sorttmp" ENOSPC_BYTES=0 LD_PRELOAD="$ENOSPC" \
	    ASAN_OPTIONS="$ASAN" "$DMARCDB" --db "$T/hi.db" \
	    --config /dev/null sources --as-of 2026-01-03 --no-dns \
	    > /dev/null 2> "$T/err"
}
# The first command merges the noted days into sources: its sort cannot
# write either, and the merge is left for the next.
no_room
grep -q "^dmarcdb: $T/hi.db: updating the sources: sorting in a temporary file: No space left on device\$" \
    "$T/err" || fail "merge, disk full: $(cat "$T/err")"
[ "$(sqlite3 "$T/hi.db" "SELECT count(*) FROM summary_dirty;
    SELECT count(*) FROM sources")" = "2
0" ] || fail "merge, disk full: the days noted not kept"
"$QUICK" --db "$T/hi.db" --config /dev/null sources --as-of 2026-01-03 \
    --no-dns > "$T/room.out" 2>&1 || fail "sources with room: exit $?"
[ "$(sqlite3 "$T/hi.db" "SELECT count(*) FROM summary_dirty;
    SELECT count(*) FROM sources")" = "0
40000" ] || fail "merge with room: not merged"
env DMARCDB_SORT_MEMORY=1 TMPDIR="$T/sorttmp" "$QUICK" --db "$T/hi.db" \
    --config /dev/null sources --as-of 2026-01-03 --no-dns \
    > "$T/spilled.out" 2>&1 || fail "sources spilled: exit $?"
cmp -s "$T/room.out" "$T/spilled.out" ||
    fail "sources spilled: not what it says in memory"
# The sort's memory: from 1 to 2048 MiB.
for v in 0 2049 64k; do
	expect_exit 2 env DMARCDB_SORT_MEMORY=$v "$QUICK" --db "$T/hi.db" \
	    --config /dev/null sources --as-of 2026-01-03 --no-dns \
	    > /dev/null 2> "$T/err"
	grep -q "^dmarcdb: DMARCDB_SORT_MEMORY: \"$v\" is not a number of MiB from 1 to 2048\$" \
	    "$T/err" || fail "DMARCDB_SORT_MEMORY=$v: $(cat "$T/err")"
done
env DMARCDB_SORT_MEMORY=2048 "$QUICK" --db "$T/hi.db" --config /dev/null \
    sources --as-of 2026-01-03 --no-dns > "$T/spilled.out" 2>&1 ||
    fail "DMARCDB_SORT_MEMORY=2048: exit $?"
cmp -s "$T/room.out" "$T/spilled.out" ||
    fail "DMARCDB_SORT_MEMORY=2048: not what it says by default"
no_room
grep -q "^dmarcdb: $T/hi.db: reading the summary: sorting in a temporary file: No space left on device\$" \
    "$T/err" || fail "sort, disk full: $(cat "$T/err")"
echo "ok"
