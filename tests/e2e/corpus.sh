#!/bin/bash
# corpus.sh: every file of tests/corpus, checked against MANIFEST.tsv:
# stored record count and sum of <count> for valid reports, a rejected
# row with a reason for the others; then the whole corpus at once, and
# again (nothing may change).
. "$(dirname "$0")/lib.sh"

# Files where we disagree with the manifest's validity column (see
# tests/corpus/DISAGREEMENTS.md): relpath and what we do instead.
disagree() {
	echo none
}

# Under VALGRIND=1 every file goes through memcheck in the two runs of
# the whole corpus below; the runs of one file each (60 and more) check
# what is stored (lib.sh, QUICK).

n=0
tab=$(printf '\t')
tail -n +2 "$CORPUS/MANIFEST.tsv" > "$T/manifest"
while IFS="$tab" read -r rel repo path commit format org schema validity \
    records sum license notes; do
	n=$((n + 1))
	f=$CORPUS/$rel
	[ -f "$f" ] || fail "$rel: missing from tests/corpus"
	db=$T/one.db
	rm -f "$db" "$db-wal" "$db-shm"
	set +e
	"$QUICK" -q --db "$db" ingest "$f" 2> "$T/err"
	rc=$?
	set -e
	how=$(disagree "$rel")
	case "$rel" in *.eml) eml=1 ;; *) eml=0 ;; esac
	if [ "$validity" = valid ] && [ "$how" = none ]; then
		[ "$rc" -eq 0 ] || fail "$rel: exit $rc: $(cat "$T/err")"
		got=$(sql "$db" "SELECT sum(record_count) || ' ' ||
		    sum(message_count) FROM reports")
		[ "$got" = "$records $sum" ] ||
		    fail "$rel: stored '$got', manifest '$records $sum'"
		got=$(sql "$db" "SELECT count(*) FROM records")
		[ "$got" = "$records" ] || fail "$rel: $got record rows"
		got=$(sql "$db" "SELECT coalesce(sum(count), 0) FROM records")
		[ "$got" = "$sum" ] || fail "$rel: records sum to $got"
		sql "$db" "SELECT hex(xml_sha256) FROM reports" >> "$T/shas"
		s=$(sql "$db" "SELECT schema FROM reports")
		case "$schema" in
		rfc7489|rfc9990) [ "$s" = "$schema" ] ||
		    fail "$rel: schema $s, manifest $schema" ;;
		esac
		if [ $eml = 1 ]; then
			got=$(sql "$db" "SELECT outcome || ' ' || reports ||
			    ' ' || (SELECT count(*) FROM reports r WHERE
			    r.mail_message = m.id) FROM mail_messages m")
			[ "$got" = "stored 1 1" ] ||
			    fail "$rel: message recorded as '$got'"
		fi
	elif [ $eml = 1 ]; then
		# A message without a report: recorded as skipped, with
		# the reason, and no error (a mailbox receives such mail).
		[ "$rc" -eq 0 ] || fail "$rel: exit $rc: $(cat "$T/err")"
		got=$(sql "$db" "SELECT count(*) FROM reports")
		[ "$got" = 0 ] || fail "$rel: $got reports stored"
		got=$(sql "$db" "SELECT outcome FROM mail_messages WHERE
		    length(reason) > 10")
		[ "$got" = no_report ] || fail "$rel: recorded as '$got'"
	else
		[ "$rc" -eq 1 ] || fail "$rel: exit $rc for a rejected input"
		got=$(sql "$db" "SELECT count(*) FROM reports")
		[ "$got" = 0 ] || fail "$rel: $got reports stored"
		got=$(sql "$db" "SELECT count(*) FROM v_rejected WHERE
		    origin LIKE '%' || '$(basename "$rel" | sed "s/'/''/g")'
		    AND length(reason) > 10 AND kept > 0")
		[ "$got" -ge 1 ] || fail "$rel: no rejected row with a reason"
		grep -q "$(basename "$rel" | sed 's/[][\.*^$]/\\&/g'): " \
		    "$T/err" || fail "$rel: no ORIGIN: REASON line"
	fi
done < "$T/manifest"
[ "$n" -ge 59 ] || fail "only $n manifest rows"

# The whole corpus in one run, then again: nothing changes, and the
# second run, finding only inputs rejected before, says nothing of them
# (-v names them) and exits 0.
expect_exit 1 "$DMARCDB" -q --db "$DB" ingest "$CORPUS" 2> "$T/err1"
dump "$DB" > "$T/dump1"
"$DMARCDB" -q --db "$DB" ingest "$CORPUS" 2> "$T/err2" ||
    fail "second run: exit $?: $(cat "$T/err2")"
dump "$DB" > "$T/dump2"
cmp -s "$T/dump1" "$T/dump2" || fail "second run changed the database"
[ ! -s "$T/err2" ] || fail "second run said: $(cat "$T/err2")"
"$QUICK" -v --db "$DB" ingest "$CORPUS" 2> "$T/err3" ||
    fail "third run: exit $?"
sed -n 's/ (rejected before)$//p' "$T/err3" > "$T/again"
cmp -s "$T/err1" "$T/again" || fail "-v names other inputs: $(diff \
    "$T/err1" "$T/again")"
runs=$(sql "$DB" "SELECT stored || ' ' || duplicates FROM ingest_runs
    ORDER BY id")
second=$(echo "$runs" | sed -n 2p)
[ "${second%% *}" = 0 ] || fail "second run stored reports: $runs"
# Exactly the reports of the single-file runs are in it.
sort -u "$T/shas" > "$T/want"
sql "$DB" "SELECT DISTINCT hex(xml_sha256) FROM reports" | sort > "$T/got"
cmp -s "$T/want" "$T/got" || fail "combined run stored other reports: $(
    diff "$T/want" "$T/got")"
echo "ok: $n manifest rows"
