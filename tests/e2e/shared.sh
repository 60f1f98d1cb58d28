#!/bin/bash
# shared.sh: one database, several Unix users (dmarcdb(1), SHARED
# DATABASE). Real users, made for the run: an ingest user that owns the
# database, in a directory of the group of the analysts (mode 2750), and
# an analyst of that group, who can write neither the database nor its
# directory. The analyst runs every report command and sqlite3 and gets
# what the owner gets, before the owner's commands bring the summary up
# to date and after, with nothing written and nothing made; a writer in
# the middle of a transaction does not stop it. What the analyst cannot
# have is refused, saying who can fix it: a schema to update, the -wal
# and -shm files gone (an owner's sqlite3 removed them), even from a
# directory the analyst may write. What dmarcdb creates has no access
# for others, whatever the umask. A read command never creates a
# database: "no such database", exit 3.
#
# Making users takes root: as another user, the test is skipped (CI
# runs the tests as root). The users and their group have names of
# their own each run, and are removed when it ends.
. "$(dirname "$0")/lib.sh"
sqlite_only "the database file's modes, its -wal and -shm files, Unix users (pg-errors.sh: a PostgreSQL role that may only read)"
. "$(dirname "$0")/fixtures.sh"
. "$(dirname "$0")/knot.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "shared.sh: SKIP: making Unix users takes root" >&2
	exit 77
fi
for c in useradd userdel groupadd groupdel setpriv sqlite3; do
	command -v "$c" > /dev/null || fail "$c is not installed" \
	    "(tools/deps.sh test)"
done

# --- the users and what they can reach ---------------------------------

ID=$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
G=dmg$ID	# the database's group: the analysts'
O=dmo$ID	# the ingest user, the database's owner
A=dma$ID	# an analyst, in group G
groupadd "$G"
at_exit "groupdel $G"
useradd -M -N -g "$G" -d / -s /usr/sbin/nologin "$O"
at_exit "userdel $O 2> /dev/null"
useradd -M -N -g nogroup -G "$G" -d / -s /usr/sbin/nologin "$A"
at_exit "userdel $A 2> /dev/null"

chmod 755 "$T"
mkdir -m 755 "$T/bin" "$T/etc"
mkdir -m 1777 "$T/tmp" "$T/logs"
cp "$DMARCDB_BIN" "$T/bin/dmarcdb"
cp "$SRCDIR/tests/valgrind.sh" "$SRCDIR/tests/valgrind.supp" "$T/bin/"
cp "$SRCDIR/data/services.conf" "$T/etc/"
chmod 755 "$T/bin/dmarcdb"
chmod 644 "$T/bin/valgrind.sh" "$T/bin/valgrind.supp" "$T/etc/services.conf"
DMARCDB_SERVICES=$T/etc/services.conf
export DMARCDB_SERVICES
# The users' memory checker reports, where the test looks for them.
ASAN_OPTIONS="${ASAN_OPTIONS%%log_path=*}log_path=$T/logs/sanitizer"
UBSAN_OPTIONS="${UBSAN_OPTIONS%%log_path=*}log_path=$T/logs/sanitizer"
collect() {
	for f in "$T"/logs/sanitizer.*; do
		[ -e "$f" ] && mv "$f" "$T/"
	done
	for f in "$T"/logs/vg.*; do
		[ -e "$f" ] || continue
		mkdir -p "$T/vg"
		mv "$f" "$T/vg/log.${f##*/vg.}"
	done
}
at_exit collect

# as WHO COMMAND...: run as the owner (O) or the analyst (A), in $T/tmp
# (SQLite's temporary files), with the environment of the test.
as() {
	case $1 in
	O) set -- --reuid="$O" --regid="$G" "${@:2}" ;;
	A) set -- --reuid="$A" --regid=nogroup "${@:2}" ;;
	esac
	(cd "$T/tmp" && HOME=/ TMPDIR=$T/tmp setpriv "$1" "$2" \
	    --init-groups -- "${@:3}")
}
as A test -x "$T/bin/dmarcdb" ||
    fail "the users cannot reach $T: set TMPDIR to a directory they can"
# dm WHO ARG...: dmarcdb as that user; under VALGRIND=1, under memcheck
# (the reports going to $T/logs), unless QUICK_AS=1: a run that repeats
# paths checked under memcheck already.
QUICK_AS=0
dm() {
	who=$1
	shift
	if [ "${VALGRIND:-0}" = 1 ] && [ "$QUICK_AS" = 0 ]; then
		as "$who" /bin/sh "$T/bin/valgrind.sh" \
		    --log-file="$T/logs/vg.%p" "$T/bin/dmarcdb" "$@"
	else
		as "$who" "$T/bin/dmarcdb" "$@"
	fi
}

# --- the data and the shared database ----------------------------------

# Four weeks of two configured domains (every class of sources for
# example.com, fixtures.sh), and the samples (a broken one: rejected).
mkdir "$T/in"
for day in $(days 2026-02-01 28); do
	while read -r line; do
		echo "google.com 7489 $day domain=example.com,p=none $line"
	done <<-EOF
	192.0.2.10 500 example.com none pass pass example.com:s1:pass example.com:mfrom:pass -
	198.51.100.20 200 example.com none pass fail example.com:k1:pass mcsv.net:mfrom:pass -
	203.0.113.30 20 example.com none fail fail - bounces.esp.example:mfrom:pass -
	192.0.2.40 5 example.com none fail fail example.com:s1:fail example.com:mfrom:fail -
	209.85.2.2 2 example.com none fail fail example.com:s1:fail lists.example.org:mfrom:pass mailing_list
	185.1.1.1 4 example.com none fail fail - example.com:mfrom:fail -
	EOF
	pol=domain=l1-partial.example,p=quarantine,pct=0,testing=y
	echo "Yahoo 9990 $day $pol $(good l1-partial.example 300)"
done | reports "$T/in"
cp "$SRCDIR"/samples/reports/* "$T/in/"
chmod -R a+rX "$T/in"
{
	cat "$SRCDIR/tests/e2e/sources.conf"
	printf '%s\n' 'digest {' \
	    '	from "DMARC <dmarc@example.com>";' \
	    '	to ops@example.com;' '}'
} > "$T/etc/dmarcdb.conf"
chmod 644 "$T/etc/dmarcdb.conf"

# A name server with one reverse DNS name (forward-confirmed); it refuses
# the others.
knot_zone 2.0.192.in-addr.arpa <<-EOF
10 PTR mx.example.test.
EOF
knot_zone example.test <<-EOF
mx A 192.0.2.10
EOF
knot_start
DMARCDB_RESOLVER=127.0.0.1:$KNOT_PORT

# The documented setup: the directory the owner's, of the group, 2750.
D=$T/var
install -d -m 2750 -o "$O" -g "$G" "$D"
DB=$D/dmarc.db
# The owner's umask lets everything through: the modes are dmarcdb's.
expect_exit 1 as O sh -c 'umask 000; exec "$@"' sh "$T/bin/dmarcdb" -q \
    --db "$DB" ingest "$T/in" 2> "$T/err"
grep -q "broken-invalid_xml" "$T/err" || fail "the broken sample: \
$(cat "$T/err")"

# modes FILE...: each must be mode 0640, the owner's, of the group.
modes() {
	for f in "$@"; do
		[ "$(stat -c '%a %U %G' "$f")" = "640 $O $G" ] ||
		    fail "$f: $(stat -c '%a %U %G' "$f"), not 640 $O $G"
	done
}
modes "$DB" "$DB-wal" "$DB-shm"
[ "$(stat -c %s "$DB-wal")" = 0 ] || fail "the log is kept, not emptied"
[ "$(cd "$D" && echo *)" = "dmarc.db dmarc.db-shm dmarc.db-wal" ] ||
    fail "files in $D: $(ls -a "$D")"

# One name in the cache before the analyst comes: what the others
# (NXDOMAIN) are, the analyst looks up, and cannot keep.
as O "$T/bin/dmarcdb" --db "$DB" ptr 192.0.2.10 > /dev/null

# What the analyst can do: read, nothing else.
as A test -r "$DB" || fail "the analyst cannot read $DB"
! as A test -w "$DB" || fail "the analyst can write $DB"
! as A test -w "$D" || fail "the analyst can write $D"
! as A sqlite3 "$DB" "DELETE FROM reports" 2> "$T/err" ||
    fail "the analyst wrote"
grep -q "readonly" "$T/err" || fail "the analyst's write: $(cat "$T/err")"

# state: what says the analyst changed nothing.
state() {
	(cd "$D" && ls -a && stat -c '%n %a %U %G %s %Y' dmarc.db* &&
	    sha256sum dmarc.db*)
}

# --- every report command, as the analyst and as the owner -------------

AS_OF="--as-of 2026-03-01"
# runs WHO TAG [quick]: each report command, its output and exit status
# in $T/TAG.WHO/ (with quick: not under memcheck; a command marked ~
# never is: another format of the command before it, whose read-only
# path is the same).
runs() {
	who=$1
	out=$T/$2.$1
	quick=0
	[ -z "${3:-}" ] || quick=1
	mkdir -p "$out"
	chmod 777 "$out"
	set -- \
	    "reports" "~reports --all" "~reports --csv --domain example.com" \
	    "rejected" "rejected --dump 1" \
	    "sources $AS_OF" "~sources $AS_OF --by ip --format csv" \
	    "sources $AS_OF --by as --format json --domain example.com" \
	    "~sources $AS_OF --suggest-config --domain example.com" \
	    "advise $AS_OF" "~advise $AS_OF --format json" \
	    "export $AS_OF" "~export $AS_OF --format ndjson" \
	    "digest $AS_OF --format text" "~digest $AS_OF --format html" \
	    "domains $AS_OF" "~domains $AS_OF --format csv" \
	    "ptr --format csv 192.0.2.10 192.0.2.77" "config check"
	n=0
	for cmd in "$@"; do
		n=$((n + 1))
		rc=0
		QUICK_AS=$quick
		case $cmd in "~"*) cmd=${cmd#"~"}; QUICK_AS=1 ;; esac
		# shellcheck disable=SC2086	# the command's words
		dm "$who" --db "$DB" --config "$T/etc/dmarcdb.conf" $cmd \
		    > "$out/$n" 2> "$out/$n.err" || rc=$?
		echo "$cmd: exit $rc" >> "$out/status"
	done
	# The owner's sqlite3 reads only: one that may write removes the
	# -wal and -shm files as it closes (see below).
	ro=
	[ "$who" = A ] || ro=-readonly
	as "$who" sqlite3 -batch $ro "$DB" "
	    SELECT source_ip, sum(count) FROM v_records_active
	      WHERE policy_domain = 'example.com' AND receiver_dkim = 'fail'
	        AND receiver_spf = 'fail' GROUP BY 1 ORDER BY 2 DESC LIMIT 10;
	    SELECT count(*), sum(message_count) FROM reports;
	    SELECT reason FROM v_rejected;" > "$out/sqlite" 2>&1 ||
	    fail "$who: sqlite3: $(cat "$out/sqlite")"
	QUICK_AS=0
}
# same TAG1 TAG2: the two runs printed the same and exited the same.
same() {
	for f in "$T/$1"/*; do
		case $f in *.err) continue ;; esac
		cmp -s "$f" "$T/$2/${f##*/}" || fail "$1 and $2 differ:" \
		    "$(sed -n "${f##*/}p" "$T/$1/status" 2> /dev/null) \
$(diff "$f" "$T/$2/${f##*/}" | head -20)"
	done
}

dirty() {
	as A sqlite3 -batch -noheader "$DB" "SELECT count(*) FROM summary_dirty"
}
[ "$(dirty)" -gt 0 ] || fail "no days noted: nothing to bring up to date"
state > "$T/state0"
# The analyst first: the summary is brought up to date in memory.
runs A r1
state > "$T/state1"
diff "$T/state0" "$T/state1" > /dev/null ||
    fail "the analyst changed $D: $(diff "$T/state0" "$T/state1")"
[ "$(dirty)" -gt 0 ] || fail "the analyst merged the summary"
grep -q ': exit 0$' "$T/r1.A/status" || fail "nothing ran"
! grep -E ': exit [234]$' "$T/r1.A/status" ||
    fail "the analyst's commands failed: $(cat "$T/r1.A"/*.err)"
grep -Fq 'mycompany.com' "$T/r1.A/1" || fail "no reports: $(cat "$T/r1.A/1")"
grep -q '^"example.com","192\.0\.2\.10",' "$T/r1.A/7" ||
    fail "no sources: $(head -3 "$T/r1.A/7")"
# Then the owner: the same, the summary merged for good.
runs O r1 quick
[ "$(dirty)" = 0 ] || fail "the owner's commands did not merge the summary"
same r1.A r1.O
# Reverse DNS: the owner's cache read by both; what the analyst looked
# up was not kept, what the owner did was.
grep -Fxq 192.0.2.10,name,mx.example.test,1,1 "$T/r1.A/18" ||
    fail "the cache not read: $(cat "$T/r1.A/18")"
grep -Fxq 192.0.2.77,none,,0,0 "$T/r1.A/18" ||
    fail "reverse DNS: $(cat "$T/r1.A/18")"
grep -q '"mx.example.test"' "$T/r1.A/7" || fail "no PTR name in sources"
# And the analyst again, from the merged summary.
runs A r2 quick
grep -Fxq 192.0.2.77,none,,0,1 "$T/r2.A/18" ||
    fail "the owner's answer not cached: $(cat "$T/r2.A/18")"
runs O r2 quick
same r2.A r2.O

# A late report (an earlier first day for a source, and a new source)
# noted and not merged: the analyst takes the earlier day from memory.
mkdir "$T/in2"
report "$T/in2" late.example 7489 2026-01-20 domain=example.com,p=none <<-EOF
192.0.2.10 7 example.com none pass pass example.com:s1:pass example.com:mfrom:pass -
EOF
report "$T/in2" late.example 7489 2026-02-27 domain=example.com,p=none <<-EOF
198.18.0.9 3 example.com none fail fail - other.example:mfrom:pass -
EOF
chmod -R a+rX "$T/in2"
as O "$T/bin/dmarcdb" -q --db "$DB" ingest "$T/in2"
for who in A O; do
	[ "$who" = A ] || QUICK_AS=1
	dm "$who" --db "$DB" --config "$T/etc/dmarcdb.conf" sources $AS_OF \
	    --by ip --format csv --domain example.com > "$T/late.$who" \
	    2> "$T/err" || fail "$who: late report: $(cat "$T/err")"
done
grep -q '^"example.com","192\.0\.2\.10",.*,2026-01-20,' "$T/late.O" ||
    fail "the late report: $(grep '192\.0\.2\.10' "$T/late.O")"
grep -q '^"example.com","198\.18\.0\.9",.*,2026-02-27,' "$T/late.O" ||
    fail "the new source: $(grep '198\.18\.0\.9' "$T/late.O")"
QUICK_AS=0
cmp -s "$T/late.A" "$T/late.O" ||
    fail "late report: $(diff "$T/late.A" "$T/late.O")"

# --- alerts, which a reader cannot record ------------------------------

alert() {
	as O "$T/bin/dmarcdb" --db "$DB" --config "$T/etc/dmarcdb.conf" \
	    digest $AS_OF --alert 2> "$T/err" || fail "alert: $(cat "$T/err")"
}
dm A --db "$DB" --config "$T/etc/dmarcdb.conf" digest $AS_OF --alert \
    > "$T/alert.A" 2> "$T/alert.A.err" ||
    fail "the analyst's alert: $(cat "$T/alert.A.err")"
grep -q "alerts sent are not recorded" "$T/alert.A.err" ||
    fail "no note: $(cat "$T/alert.A.err")"
grep -q '^Subject: ' "$T/alert.A" || fail "no alert: $(head "$T/alert.A")"
alert > "$T/alert.O"
[ "$(grep -c '^Subject: ' "$T/alert.O")" = \
  "$(grep -c '^Subject: ' "$T/alert.A")" ] ||
    fail "the owner's alerts differ: the analyst's were recorded?"
alert > "$T/alert.O2"
[ ! -s "$T/alert.O2" ] || fail "the owner's alerts not recorded"

# --- a writer in the middle of a transaction ---------------------------

before=$(QUICK_AS=1 dm A --db "$DB" reports)
mkfifo -m 666 "$T/go"
{
	echo "BEGIN IMMEDIATE;"
	echo "UPDATE reports SET domain = 'changed.example';"
	echo ".shell touch $T/tmp/ready"
	timeout 120 cat "$T/go" || true
	echo "ROLLBACK;"
} | as O sqlite3 -batch -cmd ".filectrl persist_wal 1" "$DB" \
    > /dev/null &
WPID=$!
i=0
until [ -e "$T/tmp/ready" ]; do
	kill -0 "$WPID" 2> /dev/null || fail "the writer stopped"
	i=$((i + 1))
	[ $i -lt 300 ] || fail "the writer did not start"
	sleep 0.1
done
rm "$T/tmp/ready"
during=$(dm A --db "$DB" reports) || { echo > "$T/go"; fail "the analyst" \
    "failed while the owner wrote"; }
echo > "$T/go"
wait "$WPID" || fail "the writer failed"
[ "$during" = "$before" ] || fail "read an uncommitted write: $during"

# --- what the analyst cannot have: refused, saying who can fix it ------

V=$(as A sqlite3 -batch "$DB" "PRAGMA user_version")
sql1() {
	as O sqlite3 -batch -cmd ".filectrl persist_wal 1" "$DB" "$1" \
	    > /dev/null
}
sql1 "PRAGMA user_version = $((V - 1))"
expect_exit 3 dm A --db "$DB" reports > "$T/out" 2> "$T/err"
grep -Fq "dmarcdb: $DB: schema version $((V - 1)) is older than this \
dmarcdb's ($V)" "$T/err" || fail "old schema: $(cat "$T/err")"
grep -Fq "as its owner" "$T/err" || fail "old schema: who? $(cat "$T/err")"
[ ! -s "$T/out" ] || fail "old schema: printed $(cat "$T/out")"
sql1 "PRAGMA user_version = $V"

# An owner's sqlite3 that can write removes the -wal and -shm files as
# it closes: the analyst is told, and SQLite does not make them as the
# analyst, even where the analyst may (a directory of the group, 2770).
for mode in 2750 2770; do
	as O sqlite3 "$DB" "SELECT count(*) FROM reports" > /dev/null
	[ ! -e "$DB-wal" ] && [ ! -e "$DB-shm" ] ||
	    fail "sqlite3 left the -wal and -shm files: test needs another way"
	chmod "$mode" "$D"
	expect_exit 3 dm A --db "$DB" reports > "$T/out" 2> "$T/err"
	grep -Fq "dmarcdb: $DB: no write permission on it, and its -wal and \
-shm files are missing" "$T/err" || fail "$mode: $(cat "$T/err")"
	[ "$(cd "$D" && echo *)" = "dmarc.db" ] ||
	    fail "$mode: the analyst made files: $(ls -la "$D")"
	chmod 2750 "$D"
	# Any command of the owner makes them again.
	as O "$T/bin/dmarcdb" --db "$DB" reports > /dev/null
	modes "$DB-wal" "$DB-shm"
	QUICK_AS=1 dm A --db "$DB" reports > "$T/out" ||
	    fail "$mode: after the owner"
	[ "$(cat "$T/out")" = "$before" ] || fail "$mode: $(cat "$T/out")"
done

# --- no such database: said, exit 3, nothing made ----------------------

# As root, who could make one anywhere, and as the analyst; by --db, by
# DMARCDB_DB and by default (./dmarc.db).
mkdir -m 777 "$T/none"
for cmd in reports rejected sources advise export digest domains \
    "ptr 192.0.2.1"; do
	# shellcheck disable=SC2086
	expect_exit 3 "$DMARCDB" --db "$T/none/x.db" $cmd > "$T/out" 2> "$T/err"
	[ "$(cat "$T/err")" = "dmarcdb: no such database: $T/none/x.db" ] ||
	    fail "$cmd: $(cat "$T/err")"
	[ ! -s "$T/out" ] || fail "$cmd: printed $(cat "$T/out")"
	# shellcheck disable=SC2086
	expect_exit 3 env DMARCDB_DB="$T/none/y.db" "$QUICK" $cmd 2> "$T/err"
	grep -Fxq "dmarcdb: no such database: $T/none/y.db" "$T/err" ||
	    fail "$cmd, DMARCDB_DB: $(cat "$T/err")"
	# shellcheck disable=SC2086
	expect_exit 3 as A "$T/bin/dmarcdb" $cmd 2> "$T/err" < /dev/null
	grep -Fxq "dmarcdb: no such database: dmarc.db" "$T/err" ||
	    fail "$cmd, default: $(cat "$T/err")"
	(cd "$T/none" && expect_exit 3 "$QUICK" $cmd 2> /dev/null)
	[ -z "$(find "$T/none" "$T/tmp" -mindepth 1)" ] ||
	    fail "$cmd made files: $(find "$T/none" "$T/tmp" -mindepth 1)"
done
# config check reads a database only if there is one, and says so.
"$DMARCDB" --db "$T/none/x.db" --config "$T/etc/dmarcdb.conf" config check \
    > /dev/null 2> "$T/err" || true
grep -Fq "$T/none/x.db: no database" "$T/err" || fail "config: $(cat "$T/err")"
# ingest makes it, for its owner and group only, under any umask.
(umask 077 && "$QUICK" -q --db "$T/none/x.db" ingest \
    "$T/in/yahoo-report.xml")
[ "$(stat -c %a "$T/none/x.db" "$T/none/x.db-wal" "$T/none/x.db-shm" |
    sort -u)" = 640 ] || fail "made: $(stat -c '%n %a' "$T/none"/*)"
echo ok
