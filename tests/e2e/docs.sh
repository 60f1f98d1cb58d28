#!/bin/bash
# docs.sh: every example query of README.md and dmarcdb(1) (a
# "sqlite3 dmarc.db "..."" command, over one or more lines) runs without
# error on a store made from samples/, and finds something (issue 15).
# Their 'now' is the day after the newest report of the domain they name
# (else of all): the samples are old.
. "$(dirname "$0")/lib.sh"
sqlite_only "the examples are sqlite3 commands, in SQLite's SQL"

expect_exit 1 "$DMARCDB" -q --db "$DB" ingest "$SRCDIR/samples/reports" \
    2> /dev/null
asof=$(sql "$DB" "SELECT date(max(date_end), 'unixepoch', '+1 day')
    FROM reports")
# The classes and senders of the views: as sources decides them, with
# the sample configuration, over every day of the samples.
"$DMARCDB" -q --db "$DB" --config "$SRCDIR/samples/dmarcdb.conf" sources \
    --since 2010-01-01 --as-of "$asof" --no-dns > /dev/null

# queries FILE: each query of FILE on one line (man escapes undone).
queries() {
	awk '
	!inq && /sqlite3 dmarc\.db "/ {
		inq = 1
		q = substr($0, index($0, "sqlite3 dmarc.db \"") + 18)
		if (q ~ /"$/) { print substr(q, 1, length(q) - 1); inq = 0 }
		next
	}
	inq {
		sub(/^[ \t]+/, "")
		if ($0 ~ /"$/) {
			print q " " substr($0, 1, length($0) - 1)
			inq = 0
		} else
			q = q " " $0
	}' "$1" | sed 's/\\e/\\/g; s/\\&//g'
}

n=0
for f in README.md:2 dmarcdb.1:4; do
	min=${f#*:}
	f=${f%:*}
	queries "$SRCDIR/$f" > "$T/q"
	[ "$(wc -l < "$T/q")" -ge "$min" ] ||
	    fail "$f: $(wc -l < "$T/q") queries, not $min"
	while IFS= read -r q; do
		d=$(printf '%s\n' "$q" | sed -n "s/.*policy_domain = '\([^']*\)'.*/\1/p")
		now=$(sql "$DB" "SELECT coalesce(date(max(date_end), 'unixepoch',
		    '+1 day'), '$asof') FROM reports
		    WHERE '$d' = '' OR domain = '$d'")
		q=${q//\'now\'/\'$now\'}
		sqlite3 -batch -bail "$DB" "$q" > "$T/out" 2> "$T/err" ||
		    fail "$f: $q: $(cat "$T/err")"
		[ ! -s "$T/err" ] || fail "$f: $q: $(cat "$T/err")"
		[ -s "$T/out" ] || fail "$f: $q: nothing found"
		n=$((n + 1))
	done < "$T/q"
done
[ "$n" -ge 6 ] || fail "$n queries"
echo ok
