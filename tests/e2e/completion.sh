#!/bin/bash
# completion.sh: the bash completion (completion/dmarcdb) completes the
# commands and global options of "dmarcdb --help", and for each command
# every option of its --help (the usage lines' and the Options'), and
# nothing else; the values of options (lists of the usage lines,
# classes that sources takes, files); and --domain values from the
# database named on the line (--db FILE, --db=FILE), else $DMARCDB_DB,
# else ./dmarc.db. From a database that does not exist or cannot be
# read, or without sqlite3: nothing, quietly, and none is created;
# nothing is written to one that is read (not even the summary the next
# report command makes). What the database holds reaches the line only
# if it is a host name, and is never run.
. "$(dirname "$0")/lib.sh"

COMPLETION=$SRCDIR/completion/dmarcdb

# comp WORD...: the completions, sorted, of the last WORD (the word
# under the cursor: "" for a new one) after the others (the first is
# the program), as readline gets them from bash; the completion may say
# nothing on standard error. COMP_PATH: its PATH.
comp() {
	env -u BASH_ENV bash --norc --noprofile -c '
	    . "$0" || exit 1
	    [ -z "${COMP_PATH:-}" ] || PATH=$COMP_PATH
	    COMP_WORDS=("$@")
	    COMP_CWORD=$(($# - 1))
	    COMP_LINE="$*"
	    COMP_POINT=${#COMP_LINE}
	    _dmarcdb
	    [ "${#COMPREPLY[@]}" -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}"
	    ' "$COMPLETION" "$@" 2> "$T/comp.err" | sort ||
	    fail "completing $*: exit $?"
	[ ! -s "$T/comp.err" ] || fail "completing $*: $(cat "$T/comp.err")"
}

# same NAME WANT GOT: two lists (one word a line) must be the same.
same() {
	diff -u <(printf '%s\n' "$2" | sort -u) <(printf '%s\n' "$3" | sort -u) ||
	    fail "$1"
}

# options HELP-FILE [COMMAND]: the options a help names, as this test
# reads it (not as the completion does): in the usage lines, every
# --option after the command; in the Options or Global options section,
# the options that start a line.
options() {
	awk -v cmd="${2:-}" '
	    NR == 1 { usage = 1 }
	    /^$/ { usage = 0; section = 0; next }
	    usage {
		line = $0
		# Each usage line that names the command: from it on (the
		# global options before it are not its own); a line that
		# goes on the one before: whole.
		if (cmd == "") { sub(/ COMMAND .*/, "", line) }
		else if (index(line " ", " " cmd " ") > 0) {
			line = substr(line, index(line " ", " " cmd " "))
			after = 1
		} else if (!after || line ~ /^(usage: )?dmarcdb /)
			next
		while (match(line, /--[a-z0-9][a-z0-9-]*/)) {
			print substr(line, RSTART, RLENGTH)
			line = substr(line, RSTART + RLENGTH)
		}
		next
	    }
	    /^(Global options|Options):$/ { section = 1; next }
	    section && /^  -/ {
		n = split($0, w, /[ ,]+/)
		for (i = 2; i <= n && w[i] ~ /^-/; i++) print w[i]
	    }' "$1" | sort -u
}

# The commands and the global options.
"$QUICK" --help > "$T/help"
cmds=$(awk '/^Commands:$/ { c = 1; next } /^$/ { c = 0 } c { print $1 }' \
    "$T/help")
[ -n "$cmds" ] && grep -qx ingest <<< "$cmds" || fail "commands: $cmds"
same "the commands" "$cmds" "$(comp "$QUICK" "")"
same "the commands after a global option" "$cmds" \
    "$(comp "$QUICK" -q --config /dev/null "")"
same "commands starting with d" "$(grep '^d' <<< "$cmds")" \
    "$(comp "$QUICK" d)"
want=$(options "$T/help")
grep -qx -- --db <<< "$want" && grep -qx -- -q <<< "$want" ||
    fail "global options: $want"
same "the global options" "$want" "$(comp "$QUICK" -)"
same "the long global options" "$(grep -- '^--' <<< "$want")" \
    "$(comp "$QUICK" --)"

# Every option of every command.
for c in $cmds; do
	"$QUICK" "$c" --help > "$T/help.$c"
	want=$(options "$T/help.$c" "$c")
	grep -qx -- --help <<< "$want" || fail "$c: options: $want"
	same "the options of $c" "$want" "$(comp "$QUICK" "$c" -)"
	same "the options of $c, after global options" "$want" \
	    "$(comp "$QUICK" --db "$DB" -q "$c" -)"
done
same "reports --d" --domain "$(comp "$QUICK" reports --d)"

# Values: the lists of the usage lines; the classes, each one that
# sources takes (and a class it does not take is refused).
for c in sources advise export digest domains ptr; do
	want=$(grep -o -- '--format [a-z|]*' "$T/help.$c" | head -n 1 |
	    sed 's/--format //' | tr '|' '\n')
	[ "$(wc -l <<< "$want")" -ge 2 ] || fail "$c: --format: $want"
	same "$c --format" "$want" "$(comp "$QUICK" "$c" --format "")"
	same "$c --format=" "$want" "$(comp "$QUICK" "$c" --format = "")"
done
same "sources --by" "$(printf '%s\n' sender as ip)" \
    "$(comp "$QUICK" sources --by "")"
same "sources --by a" as "$(comp "$QUICK" sources --limit 5 --by a)"
same "digest --format=h" --format=html \
    "$(comp "$QUICK" digest --format=h)"
classes=$(comp "$QUICK" sources --class "")
[ "$(wc -l <<< "$classes")" -eq 4 ] || fail "classes: $classes"
"$QUICK" -q --db "$T/classes.db" ingest \
    "$SRCDIR/samples/reports/yahoo-report.xml"
for k in $classes; do
	"$QUICK" --db "$T/classes.db" sources --no-dns --since 2015-01-01 \
	    --class "$k" > /dev/null || fail "sources --class $k: exit $?"
done
expect_exit 2 "$QUICK" --db "$T/classes.db" sources --no-dns \
    --since 2015-01-01 --class bogus > /dev/null 2>&1

# Files: for --db, --config and what ingest reads; nothing for a date.
mkdir "$T/files" "$T/files/albums"
: > "$T/files/alpha.db"
cd "$T/files"
same "--db al" "$(printf '%s\n' albums alpha.db)" "$(comp "$QUICK" --db al)"
same "--db=al" "$(printf '%s\n' albums alpha.db)" \
    "$(comp "$QUICK" --db = al)"
same "digest --config al" "$(printf '%s\n' albums alpha.db)" \
    "$(comp "$QUICK" digest --config al)"
same "ingest al" "$(printf '%s\n' albums alpha.db)" \
    "$(comp "$QUICK" ingest al)"
same "ingest --move-to al" albums "$(comp "$QUICK" ingest --move-to al)"
same "reports --since" "" "$(comp "$QUICK" reports --since "")"
# Arguments, as the usage lines give them: a word after the command.
for c in $cmds; do
	w=$(sed -n "1s/.* $c \([a-z][a-z-]*\)\( .*\)\{0,1\}\$/\1/p" \
	    "$T/help.$c")
	[ -n "$w" ] || continue
	same "$c: its word" "$w" "$(comp "$QUICK" "$c" "")"
	same "$c: its word, once" "" "$(comp "$QUICK" "$c" "$w" "")"
done
same "config's word" check "$(comp "$QUICK" config c)"
cd "$T"

# --domain values: the samples' domains, from the database named, or
# the default one.
"$QUICK" -q --db "$DB" ingest "$SRCDIR/samples/reports" 2> /dev/null ||
    [ $? -eq 1 ] || fail "ingest the samples"
domains=$(sql "$DB" "SELECT DISTINCT domain FROM reports
    WHERE status = 'active'")
[ "$(wc -l <<< "$domains")" -ge 5 ] || fail "the samples' domains: $domains"
# Before any report command: the summary of the new reports is still to
# be made, which completing must not do.
sum=$(db_state "$DB")
same "--db DB reports --domain" "$domains" \
    "$(comp "$DMARCDB" --db "$DB" reports --domain "")"
same "--db=DB sources --domain" "$domains" \
    "$(comp "$QUICK" --db = "$DB" sources --domain "")"
same "--db=DB (one word) digest --domain=" \
    "$(sed 's/^/--domain=/' <<< "$domains")" \
    "$(comp "$QUICK" "--db=$DB" digest "--domain=")"
same "--domain ex" "$(grep '^ex' <<< "$domains")" \
    "$(comp "$QUICK" --db "$DB" advise --domain ex)"
same "after other options" "$domains" \
    "$(comp "$QUICK" -q --db "$DB" sources --no-dns --domain x.example \
    --by ip --domain "")"
# A command that takes DOMAIN... (check).
for c in $cmds; do
	sed -n '1,/^$/p' "$T/help.$c" | grep -q "DOMAIN\.\.\." || continue
	same "$c DOMAIN..." "$(grep '^ex' <<< "$domains")" \
	    "$(comp "$QUICK" --db "$DB" "$c" example.org ex)"
done
same "--db after the command" "$domains" \
    "$(comp "$QUICK" sources --db "$DB" --domain "")"
same "\$DMARCDB_DB" "$domains" \
    "$(DMARCDB_DB=$DB comp "$QUICK" sources --domain "")"
# (The default, ./dmarc.db, is SQLite's file.)
if on_sqlite; then
	mkdir "$T/cwd"
	cp "$DB" "$T/cwd/dmarc.db"
	same "./dmarc.db" "$domains" \
	    "$(cd "$T/cwd" && comp "$QUICK" export --domain "")"
	same "~/dmarc.db" "$domains" \
	    "$(HOME=$T/cwd comp "$QUICK" --db '~/dmarc.db' export --domain "")"
fi
[ "$(db_state "$DB")" = "$sum" ] || fail "completing wrote to the database"

# Nothing, quietly, from a database that cannot be read; none created.
same "no such database" "" \
    "$(comp "$QUICK" --db "$T/none.db" reports --domain "")"
[ ! -e "$T/none.db" ] || fail "completing created a database"
same "no default database" "" \
    "$(cd "$T/files" && comp "$QUICK" reports --domain "")"
[ ! -e "$T/files/dmarc.db" ] || fail "completing created ./dmarc.db"
echo "not a database" > "$T/junk.db"
same "not a database" "" \
    "$(comp "$QUICK" --db "$T/junk.db" sources --domain "")"
same "a directory" "" "$(comp "$QUICK" --db "$T/files" sources --domain "")"
mkdir "$T/nosqlite"
same "no sqlite3" "" "$(COMP_PATH=$T/nosqlite comp "$QUICK" --db "$DB" \
    sources --domain "")"
same "no program" "" "$(comp "$T/none" --db "$DB" sources --domain "")"
same "no program's commands" "" "$(comp "$T/none" "")"

# What the database says is never run, and only host names reach the
# line.
HOSTILE_DB=$(db_copy hostile)
sql "$HOSTILE_DB" "
    CREATE TEMP TABLE h (n INTEGER, d TEXT);
    INSERT INTO h VALUES (1, '\$(touch $T/pwned)'),
        (2, '\`touch $T/pwned\`'), (3, 'a b.example'), (4, '-rf'),
        (5, 'x;touch $T/pwned'), (6, '*'),
        (7, 'ok' || $(pg_or_lite "$DB" "char(10)" "chr(10)") ||
        'two.example'), (8, 'ok.example');
    UPDATE reports SET domain = (SELECT d FROM h
        WHERE h.n = reports.id % 8 + 1)"
[ "$(sql "$HOSTILE_DB" "SELECT count(DISTINCT domain) FROM reports
    WHERE status = 'active'")" -ge 7 ] || fail "the hostile database"
same "hostile domains" ok.example \
    "$(cd "$T" && comp "$QUICK" --db "$HOSTILE_DB" sources --domain "")"
same "hostile domains, by prefix" "" \
    "$(cd "$T" && comp "$QUICK" --db "$HOSTILE_DB" sources --domain '$')"
[ ! -e "$T/pwned" ] || fail "completing ran what the database held"
echo ok
