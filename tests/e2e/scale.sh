#!/bin/bash
# scale.sh: the report commands list only the largest sources, keep
# every figure exact, and never hide a misconfigured source behind the
# limit (issue 11, point 11): sources --limit at its boundaries on the
# fixtures, then 1,200 forged sources of a record each (bench/gen -H)
# against what SQL says of the same records.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixtures.sh"

GEN=$BUILDDIR/bench/gen
[ -x "$GEN" ] || fail "$GEN is not built"

fixtures "$T/r"
CONF=$SRCDIR/tests/e2e/sources.conf
"$DMARCDB" -q --db "$DB" ingest "$T/r"
S="$DMARCDB --db $DB --config $CONF sources --by ip --as-of 2026-03-01"
S="$S --domain example.com"

# The unlimited list: 8 sources, 2 of them misconfigured and not among
# the 2 largest.
$S --format csv > "$T/all.csv"
[ "$(($(wc -l < "$T/all.csv") - 1))" = 8 ] || fail "fixtures: not 8 sources"
cut -d, -f4 "$T/all.csv" | sed -n 2,3p | grep -q misconfigured &&
    fail "fixtures: a misconfigured source among the 2 largest"
total=$(awk -F, 'NR > 1 { m += $5 } END { print m }' "$T/all.csv")

# --limit 2: the 2 largest, and the misconfigured ones wherever they
# rank, in the order of the full list; the others counted.
$S --format csv --limit 2 > "$T/two.csv" 2> "$T/two.err"
awk -F, 'NR == 1 || NR <= 3 || $4 == "misconfigured"' "$T/all.csv" > \
    "$T/want.csv"
diff -u "$T/want.csv" "$T/two.csv" || fail "--limit 2: not the largest" \
    "and the misconfigured"
listed=$(awk -F, 'NR > 1 { m += $5 } END { print m }' "$T/two.csv")
# fmt N: as dmarcdb writes counts, 1,234,567.
fmt() {
	echo "$1" | sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' -e 'ta'
}
[ "$(fmt 1234567)" = 1,234,567 ] && [ "$(fmt 123)" = 123 ] ||
    fail "fmt: $(fmt 1234567)"
grep -q "^dmarcdb: example.com: 4 other sources ($(fmt $((total - listed))) messages) not listed: --limit lists more$" \
    "$T/two.err" || { cat "$T/two.err"; fail "--limit 2: no note on" \
    "standard error"; }

# The table: the same note after the rows; the totals unchanged.
$S > "$T/all.txt"
$S --limit 2 > "$T/two.txt"
grep -q "^4 other sources (.* messages) not listed: --limit lists more$" \
    "$T/two.txt" || fail "--limit 2: no note in the table"
diff <(grep -E '^(compliant|misconfigured|forwarded|unknown|total) ' \
    "$T/all.txt") <(grep -E '^(compliant|misconfigured|forwarded|unknown|total) ' \
    "$T/two.txt") || fail "--limit 2: the totals changed"
grep_none "not listed" "$T/all.txt" || fail "a note without a limit"

# JSON: unlisted always there, and right.
$S --format json --limit 2 > "$T/two.json"
json() {
	sqlite3 -batch -noheader :memory: \
	    "SELECT json_extract(readfile('$1'), '$2')"
}
[ "$(json "$T/two.json" '$.domains[0].unlisted.sources')" = 4 ] ||
    fail "json: unlisted sources"
[ "$(json "$T/two.json" '$.domains[0].unlisted.messages')" = \
    $((total - listed)) ] || fail "json: unlisted messages"
$S --format json > "$T/all.json"
[ "$(json "$T/all.json" '$.domains[0].unlisted.sources')" = 0 ] ||
    fail "json: unlisted without a limit"

# The limit's boundary: 8 lists all, 7 leaves one out.
$S --limit 8 > "$T/eight.txt" 2>&1
grep_none "not listed" "$T/eight.txt" || fail "--limit 8 of 8: a note"
$S --limit 7 > "$T/seven.txt"
grep -q "^1 other source (.* messages) not listed" "$T/seven.txt" ||
    fail "--limit 7 of 8: no note"
expect_exit 2 $S --limit 0 2> /dev/null
expect_exit 2 $S --limit 100001 2> /dev/null
expect_exit 2 $S --limit x 2> /dev/null
$S --limit 100000 > /dev/null

# --class: the limit counts that class.
$S --class compliant --format csv --limit 1 > "$T/c1.csv" 2> "$T/c1.err"
[ "$(($(wc -l < "$T/c1.csv") - 1))" = 1 ] || fail "--class --limit 1"
[ "$(sed -n 2p "$T/c1.csv")" = \
    "$(grep -m1 ',compliant,' "$T/all.csv")" ] ||
    fail "--class compliant --limit 1: not the largest compliant"
grep -q " 2 other sources " "$T/c1.err" || fail "--class: the note"

# --- 1,200 forged sources, a record each ------------------------------
mkdir "$T/h"
"$GEN" -s 7 -f xml -H -r 2 -m 600 -M 600 -d "$T/h"
H=$T/h.db
"$DMARCDB" -q --db "$H" ingest "$T/h"
A="--as-of 2026-01-03"
msgs=$(sql "$H" "SELECT sum(count) FROM records")

# Unconfigured: the 1,000 largest listed, exactly those SQL names.
"$DMARCDB" --db "$H" sources --by ip $A --format csv > "$T/h.csv" 2> "$T/h.err"
[ "$(sql "$H" "SELECT count(*) FROM sources WHERE ip IS NOT NULL")" = \
    1200 ] || fail "the merge: not 1,200 sources with their address"
[ "$(($(wc -l < "$T/h.csv") - 1))" = 1000 ] || fail "not 1,000 listed"
tr -d '"' < "$T/h.csv" | awk -F, 'NR > 1 { print $2 "|" $3 "|" $5 }' > \
    "$T/h.top"
sql "$H" "SELECT source_ip, header_from, count FROM records
    ORDER BY count DESC, source_ip, header_from LIMIT 1000" > "$T/h.want"
diff "$T/h.want" "$T/h.top" > /dev/null ||
    fail "the 1,000 listed are not the 1,000 largest"
"$DMARCDB" --db "$H" sources --by ip $A > "$T/h.txt"
grep -q "^200 other sources ($(fmt $((msgs - $(awk -F'|' '{ m += $3 } END { print m }' "$T/h.top")))) messages) not listed" \
    "$T/h.txt" || fail "the note of the 200 others"
grep -q "^total  *1200 sources  *$(fmt "$msgs") messages$" "$T/h.txt" ||
    fail "the total is not every source and message"
n=0
for c in compliant misconfigured forwarded unknown; do
	k=$(awk -v c="$c" '$1 == c { print $2 }' "$T/h.txt")
	n=$((n + k))
done
[ "$n" = 1200 ] || fail "class totals add up to $n, not 1,200"

# export: every record, each with its source's class (the sixth column
# from the end: its sender and the identity's four follow it).
"$DMARCDB" --db "$H" export $A > "$T/h-export.csv"
[ "$(($(wc -l < "$T/h-export.csv") - 1))" = 1200 ] ||
    fail "export: not 1,200 records"
head -1 "$T/h-export.csv" | awk -F, '$(NF - 5) != "class" { exit 1 }' ||
    fail "export: the class is not where it was looked for"
awk -F, 'NR > 1 && $(NF - 5) == ""' "$T/h-export.csv" | grep -q . &&
    fail "export: a record without a class"
[ "$(awk -F, 'NR > 1 && $(NF - 5) == "unknown"' "$T/h-export.csv" |
    wc -l)" = \
    "$(awk '$1 == "unknown" { print $2 }' "$T/h.txt")" ] ||
    fail "export: its classes are not those of sources"

# Configured so that every source is an authorised sender failing
# DMARC: the limit does not hide them, up to 100 of them.
cat > "$T/h.conf" <<EOF
domain example.com {
	sender "relay" { ip 45.0.0.0/8; ip 91.0.0.0/8; ip 103.0.0.0/8;
	    ip 185.0.0.0/8; }
}
EOF
"$DMARCDB" --db "$H" --config "$T/h.conf" sources --by ip $A --limit 5 \
    --format csv > "$T/m.csv" 2> "$T/m.err"
[ "$(($(wc -l < "$T/m.csv") - 1))" = 100 ] ||
    fail "not the 100 largest misconfigured"
[ "$(cut -d, -f4 "$T/m.csv" | sort -u | tr '\n' ' ')" = \
    "class misconfigured " ] || fail "a class other than misconfigured"
tr -d '"' < "$T/m.csv" | awk -F, 'NR > 1 { print $2 "|" $3 "|" $5 }' | \
    diff - <(head -100 "$T/h.want") > /dev/null ||
    fail "the 100 listed are not the 100 largest"
grep -q " 1,100 other sources " "$T/m.err" ||
    fail "the note of the 1,100 others"

# advise and the digest count them all, and say what they leave out.
"$DMARCDB" --db "$H" --config "$T/h.conf" advise $A --no-dns > "$T/a.txt"
grep -q " 1200 sources\| 1,200 sources" "$T/a.txt" ||
    { cat "$T/a.txt"; fail "advise: not every source"; }
"$DMARCDB" --db "$H" --config "$T/h.conf" digest $A --no-dns \
    --format text > "$T/d.txt"
tr -s ' \n' '  ' < "$T/d.txt" | grep -q "from 1,200 addresses" ||
    fail "digest: not every source"
# By sender: the 1,200 failing addresses are one sender, all counted
# (not only the listed ones).
"$DMARCDB" --db "$H" --config "$T/h.conf" digest $A --no-dns \
    --format text > "$T/d.txt"
tr -s ' \n' '  ' < "$T/d.txt" |
    grep -q "relay (1,200 addresses) started failing DMARC on example.com" ||
    fail "digest: the failing sender and its addresses: $(cat "$T/d.txt")"
# Every sender is compared with the period before: none left over.
grep_none "more authorised\|And [0-9]* more: dmarcdb sources" "$T/d.txt" ||
    fail "digest: senders not compared"

# --- 16,000 sources through the sort's file ---------------------------
# In a sort of 1 MiB (DMARCDB_SORT_MEMORY) their records go through a
# temporary file; on PostgreSQL, the window is too big for its sort in
# memory too. What the commands say is what they say sorting in memory.
# (Under memcheck, the runs through the file; the others run quick.)
mkdir "$T/b"
"$GEN" -s 8 -f xml -H -r 2 -m 8000 -M 8000 -d "$T/b"
B=$(db_named b)
"$QUICK" -q --db "$B" ingest "$T/b"
# SQLite: the first command merges the noted days into sources, its
# records sorted through the file in 1 MiB, as they are in memory.
if on_sqlite; then
	"$QUICK" -q --db "$T/b1.db" ingest "$T/b"
	[ "$(sql "$B" "SELECT count(*) FROM summary_dirty")" = 2 ] ||
	    fail "not two days noted"
	DMARCDB_SORT_MEMORY=1 "$DMARCDB" -v --db "$T/b1.db" sources $A \
	    --no-dns > /dev/null 2> "$T/m1.err"
	grep -q "^dmarcdb: example.com: 16000 records merged into the sources through a temporary file of [0-9]* KiB (the sort's memory: 1 MiB)$" \
	    "$T/m1.err" || fail "the merge: not through a file: $(cat "$T/m1.err")"
	"$QUICK" --db "$B" sources $A --no-dns > /dev/null
	for d in b b1; do
		sql "$T/$d.db" "SELECT count(*) FROM summary_dirty;
		    SELECT * FROM sources ORDER BY 1, 2, 3" > "$T/$d.sources"
	done
	[ "$(wc -l < "$T/b.sources")" = 16001 ] ||
	    fail "the merge: not 16,000 sources"
	cmp -s "$T/b.sources" "$T/b1.sources" ||
	    fail "the merge through a file: other sources"
fi
for mem in "" 1; do
	export DMARCDB_SORT_MEMORY=$mem
	run=$QUICK
	[ -z "$mem" ] || run=$DMARCDB
	"$run" -v --db "$B" --config "$T/h.conf" sources --by ip $A \
	    --format csv --limit 100000 > "$T/b$mem.csv" 2> "$T/b$mem.err"
	"$run" --db "$B" --config "$T/h.conf" export $A > "$T/b$mem.exp"
	"$run" --db "$B" --config "$T/h.conf" digest $A --no-dns \
	    --format text > "$T/b$mem.txt"
done
unset DMARCDB_SORT_MEMORY
[ "$(($(wc -l < "$T/b.csv") - 1))" = 16000 ] || fail "not 16,000 sources"
grep_none "temporary file" "$T/b.err" || fail "sorted in a file by default"
grep -q "^dmarcdb: example.com: 16000 records sorted through a temporary file of [0-9]* KiB (the sort's memory: 1 MiB)$" \
    "$T/b1.err" || fail "not sorted through a file in 1 MiB: $(cat "$T/b1.err")"
for f in csv exp txt; do
	cmp -s "$T/b.$f" "$T/b1.$f" || fail "spilled: $f differs"
done

# --- Ingest brings the sources up to date after a bulk run ------------
# When the records left to summarise reach DMARCDB_MERGE_RECORDS
# (300,000 by default), ingest merges them before it ends, so that no
# report command pays for a bulk ingest; fewer are left to the next
# report command (as for $B above, whose sources a command merged).
# The 16,000 records of $T/b: left at 16,001, merged at 16,000.
srcs="SELECT domain, header_from, source_ip, first_day, last_day
    FROM sources ORDER BY 1, 2, 3"
sql "$B" "$srcs" > "$T/bsrc"
[ "$(wc -l < "$T/bsrc")" = 16000 ] || fail "$B: not 16,000 sources"
for at in 16001 16000; do
	M=$(db_named "m$at")
	DMARCDB_MERGE_RECORDS=$at "$QUICK" -v --db "$M" ingest "$T/b" \
	    2> "$T/m$at.err"
	n=$(sql "$M" "SELECT count(*) FROM summary_dirty")
	if [ "$at" = 16001 ]; then
		[ "$n" = 2 ] || fail "at $at: $n days noted, not 2"
		[ "$(sql "$M" "SELECT count(*) FROM sources")" = 0 ] ||
		    fail "at $at: merged"
		grep_none "brought up to date" "$T/m$at.err" ||
		    fail "at $at: says it merged"
	else
		[ "$n" = 0 ] || fail "at $at: $n days left noted"
		grep -q "^dmarcdb: sources brought up to date: 16000 records summarised$" \
		    "$T/m$at.err" || fail "at $at: $(cat "$T/m$at.err")"
		sql "$M" "$srcs" > "$T/msrc"
		cmp -s "$T/bsrc" "$T/msrc" ||
		    fail "merged by ingest: not the sources a command merges"
	fi
done
# A merge that fails is said, and changes nothing else: the reports are
# stored, the exit status is theirs, the next command merges.
if on_sqlite; then
	M=$(db_named mfail)
	mkdir -p "$T/none"
	"$QUICK" -q --db "$M" ingest "$T/none"
	sql "$M" "CREATE TRIGGER no_sources BEFORE INSERT ON sources
	    BEGIN SELECT RAISE(FAIL, 'no sources here'); END"
	DMARCDB_MERGE_RECORDS=0 "$QUICK" -q --db "$M" ingest "$T/b" \
	    2> "$T/mfail.err" || fail "a failed merge: exit $?"
	grep -q "no sources here.*(the next report command brings the sources up to date)$" \
	    "$T/mfail.err" || fail "a failed merge: $(cat "$T/mfail.err")"
	[ "$(sql "$M" "SELECT count(*) FROM reports;
	    SELECT count(*) FROM summary_dirty")" = "$(printf '2\n2')" ] ||
	    fail "a failed merge: not two reports, two days noted"
	sql "$M" "DROP TRIGGER no_sources"
	"$QUICK" --db "$M" sources $A --no-dns > /dev/null
	[ "$(sql "$M" "SELECT count(*) FROM sources")" = 16000 ] ||
	    fail "a failed merge: the next command did not merge"
fi
# Only numbers of records; a delivery from an MTA is kept for later.
for v in x -1 1e5 " 5"; do
	expect_exit 2 env DMARCDB_MERGE_RECORDS="$v" "$QUICK" --db "$M" \
	    ingest "$T/b" 2> "$T/mv.err"
	grep -q "^dmarcdb: DMARCDB_MERGE_RECORDS: \"$v\" is not a number of records$" \
	    "$T/mv.err" || fail "DMARCDB_MERGE_RECORDS=$v: $(cat "$T/mv.err")"
done
printf 'From: r@example.net\nSubject: x\n\nno report\n' > "$T/mv.eml"
expect_exit 75 env DMARCDB_MERGE_RECORDS=x "$QUICK" --db "$M" ingest - \
    < "$T/mv.eml" 2> /dev/null

# --- Two threads read a big window ------------------------------------
# A window of 10,000 records or more is read by two threads, each on a
# connection of its own, each sorting half the records; what the
# commands say is what one thread says. 9,998 records: one thread.
# (PostgreSQL sorts a window that fits in memory as it reads it, on one
# connection: here in 1 MiB, it does not fit.)
on_sqlite || export DMARCDB_SORT_MEMORY=1
for m in 4999 5000; do
	mkdir "$T/w$m"
	"$GEN" -s 9 -f xml -H -r 2 -m $m -M $m -d "$T/w$m"
	W=$(db_named "w$m")
	"$QUICK" -q --db "$W" ingest "$T/w$m"
	for th in 2 1; do
		export DMARCDB_THREADS=$th
		"$QUICK" -vv --db "$W" --config "$T/h.conf" sources --by ip \
		    $A --format csv --limit 100000 --no-dns \
		    > "$T/w$m-$th.csv" 2> "$T/w$m-$th.err"
		"$QUICK" -vv --db "$W" --config "$T/h.conf" export $A \
		    > "$T/w$m-$th.exp" 2> "$T/w$m-$th.xerr"
		"$QUICK" --db "$W" --config "$T/h.conf" digest $A --no-dns \
		    --format text > "$T/w$m-$th.txt"
	done
	unset DMARCDB_THREADS
	[ "$(($(wc -l < "$T/w$m-1.csv") - 1))" = $((2 * m)) ] ||
	    fail "$((2 * m)) records: not as many sources"
	for f in csv exp txt; do
		cmp -s "$T/w$m-1.$f" "$T/w$m-2.$f" ||
		    fail "$((2 * m)) records: two threads' $f differs"
	done
	grep_none "read by two threads" "$T/w$m-1.err" ||
	    fail "DMARCDB_THREADS=1: two threads"
	# Export classifies beside its own reading: one thread each.
	grep_none "read by two threads" "$T/w$m-2.xerr" ||
	    fail "export: its classification read by two threads"
	if [ $m = 5000 ]; then
		grep -q "^dmarcdb: example.com: records read by two threads$" \
		    "$T/w$m-2.err" || fail "10,000 records: one thread"
	else
		grep_none "read by two threads" "$T/w$m-2.err" ||
		    fail "9,998 records: two threads"
	fi
done
# DMARCDB_THREADS unset: the processors the process may use decide (its
# CPU affinity, and a cgroup's quota: tests/unit/test_cpus.c), two
# threads when it may use more than one, one under taskset to one (the
# first of those it may use).
one_by_quota() {	# a cgroup v2 quota of one processor or less
	d=$(sed -n 's/^0:://p' /proc/self/cgroup 2> /dev/null)
	[ -n "$d" ] || return 1
	while :; do
		q=$(cat "/sys/fs/cgroup${d%/}/cpu.max" 2> /dev/null) || q=max
		case $q in
		max*) ;;
		*) set -- $q; [ "$1" -le "$2" ] && return 0 ;;
		esac
		[ "$d" != / ] || return 1
		d=${d%/*}
		d=${d:-/}
	done
}
if [ "$(nproc)" -gt 1 ] && ! one_by_quota; then
	cpu=$(taskset -pc $$ | sed 's/.*: //; s/[,-].*//')
	for ts in "" "taskset -c $cpu"; do
		$ts "$QUICK" -vv --db "$W" --config "$T/h.conf" sources \
		    --by ip $A --format csv --limit 100000 --no-dns \
		    > "$T/wd.csv" 2> "$T/wd.err"
		cmp -s "$T/w5000-1.csv" "$T/wd.csv" ||
		    fail "${ts:-default}: sources differ"
		if [ -z "$ts" ]; then
			grep -q "records read by two threads$" "$T/wd.err" ||
			    fail "default: one thread on $(nproc) processors"
		else
			grep_none "read by two threads" "$T/wd.err" ||
			    fail "taskset to one processor: two threads"
		fi
	done
fi
unset DMARCDB_SORT_MEMORY
for v in 0 3 x; do
	expect_exit 2 env DMARCDB_THREADS=$v "$QUICK" --db "$W" sources $A \
	    --no-dns > /dev/null 2> "$T/th.err"
	grep -q "^dmarcdb: DMARCDB_THREADS: \"$v\" is not 1 or 2$" \
	    "$T/th.err" || fail "DMARCDB_THREADS=$v: $(cat "$T/th.err")"
done

# A header_from of 300,000 bytes (which --max-text lets through) is no
# domain name: stored as none, and flagged. (On PostgreSQL it made every
# report command fail: no index row of sources can hold it.)
big=$(head -c 300000 /dev/zero | tr '\0' x)
mkdir "$T/big"
cat > "$T/big/r.xml" <<EOF
<?xml version="1.0"?>
<feedback><report_metadata><org_name>big.example</org_name>
<email>r@big.example</email><report_id>big-1</report_id>
<date_range><begin>1767225600</begin><end>1767311999</end></date_range>
</report_metadata><policy_published><domain>example.com</domain>
<p>none</p></policy_published>
<record><row><source_ip>192.0.2.1</source_ip><count>3</count>
<policy_evaluated><disposition>none</disposition><dkim>fail</dkim>
<spf>fail</spf></policy_evaluated></row>
<identifiers><header_from>$big.example.com</header_from></identifiers>
<auth_results><spf><domain>example.com</domain><result>fail</result></spf>
</auth_results></record>
<record><row><source_ip>192.0.2.2</source_ip><count>5</count>
<policy_evaluated><disposition>none</disposition><dkim>pass</dkim>
<spf>pass</spf></policy_evaluated></row>
<identifiers><header_from>example.com</header_from></identifiers>
<auth_results><dkim><domain>example.com</domain><result>pass</result>
</dkim></auth_results></record></feedback>
EOF
G=$(db_named big)
"$DMARCDB" -q --db "$G" ingest "$T/big/r.xml"
[ "$(sql "$G" "SELECT count(*) FROM records WHERE header_from IS NULL")" = 1 ] ||
    fail "a header_from of 300 KB: not stored as none"
sql "$G" "SELECT message FROM warnings" | grep -q "^record 1: header_from 'x*\.\.\.' is 300012 bytes, longer than a domain name; stored as NULL$" ||
    fail "a header_from of 300 KB: not flagged: $(sql "$G" "SELECT message FROM warnings")"
"$DMARCDB" --db "$G" sources --by ip $A --format csv --no-dns > "$T/g.csv" ||
    fail "a header_from of 300 KB: sources: exit $?"
grep -q '^"example.com","192.0.2.1","",unknown,3,' "$T/g.csv" ||
    fail "a header_from of 300 KB: not listed: $(cut -c1-200 "$T/g.csv")"

# SQLite: a store that took one before holds it. Such a record, larger
# than a quarter of the sort's memory, goes through the file by itself:
# what the commands say is what they say in memory.
if on_sqlite; then
	sql "$G" "UPDATE records SET header_from =
	    replace(hex(zeroblob(150000)), '0', 'x') || '.example.com'
	    WHERE header_from IS NULL"
	for mem in "" 1; do
		run=$QUICK
		[ -z "$mem" ] || run=$DMARCDB
		DMARCDB_SORT_MEMORY=$mem "$run" -v --db "$G" sources \
		    --by ip $A --format csv --no-dns > "$T/g$mem.csv" \
		    2> "$T/g$mem.err" ||
		    fail "a record of 300 KB, sort of ${mem:-64} MiB: exit $?"
	done
	grep -q "^dmarcdb: example.com: 2 records sorted through a temporary file of 29[0-9] KiB (the sort's memory: 1 MiB)$" \
	    "$T/g1.err" ||
	    fail "a record of 300 KB: not by itself: $(cat "$T/g1.err")"
	cmp -s "$T/g.csv" "$T/g1.csv" || fail "a record of 300 KB: other output"
	[ "$(grep '^"example.com","192.0.2.1",' "$T/g.csv" | cut -d, -f3)" = \
	    "\"$big.example.com\"" ] || fail "a record of 300 KB: not listed"
fi

# SQLite: a report's savepoint that changes more pages than its journal
# keeps in memory (store-vfs.c: the second report's signatures and
# sources land among the first's), then a report cut short after as
# many, taken back through the journal's file: the first two stay as
# they were. (With the journal in memory, each statement walked it:
# these took minutes, a million records 262 s.)
if on_sqlite; then
	mkdir "$T/sj" "$T/sj3" "$T/cut"
	"$GEN" -s 12 -f xml -H -r 2 -m 60000 -M 60000 -d "$T/sj"
	J=$T/sj.db
	"$QUICK" -q --db "$J" ingest "$T/sj" ||
	    fail "a journal past its memory: exit $?"
	facts="SELECT count(*), sum(count) FROM records;
	    SELECT count(*), sum(length(key)) FROM auth_sigs;
	    SELECT count(*), sum(length(domain)) FROM dkim_results;
	    SELECT count(*) FROM summary_dirty;
	    SELECT count(*) FROM reports"
	sql "$J" "$facts" > "$T/sj.before"
	[ "$(head -1 "$T/sj.before" | cut -d'|' -f1)" = 120000 ] ||
	    fail "a journal past its memory: $(cat "$T/sj.before")"
	"$GEN" -s 13 -f xml -H -r 1 -m 60000 -M 60000 -d "$T/sj3"
	for f in "$T"/sj3/*.xml; do
		head -c $(($(wc -c < "$f") * 9 / 10)) "$f" > "$T/cut/cut.xml"
	done
	rc=0
	"$QUICK" -q --db "$J" ingest "$T/cut" 2> "$T/cut.err" || rc=$?
	[ "$rc" = 1 ] || fail "a report cut short: exit $rc: $(cat "$T/cut.err")"
	grep -q 'cut\.xml' "$T/cut.err" ||
	    fail "a report cut short: not named: $(cat "$T/cut.err")"
	sql "$J" "$facts" > "$T/sj.after"
	diff -u "$T/sj.before" "$T/sj.after" ||
	    fail "a report cut short: not taken back whole"
	[ "$(sql "$J" "PRAGMA integrity_check")" = ok ] ||
	    fail "a report cut short: $(sql "$J" "PRAGMA integrity_check")"
	[ "$(sql "$J" "SELECT count(*) FROM rejected_inputs")" = 1 ] ||
	    fail "a report cut short: not kept as rejected"
fi
echo ok
