#!/bin/bash
# progress.sh: on a terminal, ingest shows one progress line for a
# folder, a Maildir or an IMAP folder: done/total, the rate and the time
# left, redrawn in place (at most five times a second), cut to the
# terminal's width, and erased before the summary. Never under -q, and
# never when standard error is not a terminal (a pipe, cron's mail).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netfix.sh"
# The databases of this test (lib.sh: db_named).
A_DB=$(db_named a)
B_DB=$(db_named b)
C_DB=$(db_named c)
D_DB=$(db_named d)
E_DB=$(db_named e)
F_DB=$(db_named f)

GEN=$BUILDDIR/bench/gen

# on_pty COLS OUT COMMAND...: run COMMAND with its standard error on a
# terminal COLS columns wide; all it wrote there goes to OUT.
on_pty() {
	/usr/bin/python3 - "$@" <<'EOF'
import fcntl, os, pty, struct, subprocess, sys, termios
cols, out, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
m, s = pty.openpty()
fcntl.ioctl(s, termios.TIOCSWINSZ, struct.pack("HHHH", 24, cols, 0, 0))
p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                     stdout=subprocess.DEVNULL, stderr=s)
os.close(s)
got = b""
while True:
    try:
        b = os.read(m, 65536)
    except OSError:
        break
    if not b:
        break
    got += b
open(out, "wb").write(got)
sys.exit(p.wait())
EOF
}

# lines OUT: what was written, one line per redraw (CR, LF split).
lines() {
	tr '\r' '\n' < "$1" | sed 's/^\x1b\[K//' | grep -v '^$' || true
}

mkdir "$T/in"
"$GEN" -s 41 -r 1500 -m 1 -M 40 -d "$T/in"
n=$(ls "$T/in" | wc -l)

### 1. A folder on a terminal. The count must be seen going up, which
###    takes redraws, at most five a second: under valgrind the small
###    reports take long enough; without it, a fast machine stores them
###    in a fifth of a second, so these have 100 to 500 records each
###    (about 450,000 records, 2 s or so).
one=$T/in
if [ "${VALGRIND:-0}" != 1 ]; then
	one=$T/big
	mkdir "$one"
	"$GEN" -s 43 -f gz -r "$n" -m 100 -M 500 -d "$one"
	[ "$(ls "$one" | wc -l)" = "$n" ] || fail "big: $(ls "$one" | wc -l)"
fi
on_pty 200 "$T/tty" "$DMARCDB" --db "$A_DB" ingest "$one" ||
    fail "tty: exit $?"
grep -q $'\r\x1b\\[K' "$T/tty" || fail "tty: no line redrawn"
lines "$T/tty" > "$T/lines"
grep -Eq "^dmarcdb: $one: [0-9]+/$n files, [0-9.]+ files/s, (time left unknown|[0-9hms]+ left|finishing); [0-9]+ reports? stored$" \
    "$T/lines" || fail "tty: no progress line: $(head -3 "$T/lines")"
# It counts up, never past the total; the line is erased before the
# summary, which is the last thing written.
sed -n "s|^dmarcdb: $one: \([0-9]*\)/$n files.*|\1|p" "$T/lines" |
    awk -v n="$n" '$1 < last || $1 > n { bad = 1 } { last = $1; k++ }
    END { exit bad || k < 2 }' ||
    fail "tty: not counting up: $(grep -c files/s "$T/lines") lines"
tail -c 300 "$T/tty" | tr '\r' '\n' | tail -2 | head -1 |
    grep -q $'^\x1b\\[Kdmarcdb: '"$n"' inputs: ' ||
    fail "tty: not erased before the summary: $(tail -c 300 "$T/tty" | od -c | tail -5)"
[ "$(grep -c 'inputs:' "$T/lines")" = 1 ] || fail "tty: the summary twice"
# At most five redraws a second, or so: far fewer than the files.
[ "$(grep -c ' files/s' "$T/lines")" -lt $((n / 4)) ] ||
    fail "tty: redrawn $(grep -c ' files/s' "$T/lines") times"

### 2. A narrow terminal: the line is cut, not wrapped.
on_pty 40 "$T/narrow" "$QUICK" --db "$B_DB" ingest "$T/in" ||
    fail "narrow: exit $?"
lines "$T/narrow" | grep -v "inputs:" > "$T/nl" || true
[ -s "$T/nl" ] || fail "narrow: no progress line"
awk 'length($0) > 39 { bad = 1 } END { exit bad }' "$T/nl" ||
    fail "narrow: a line wider than the terminal: $(head -2 "$T/nl")"
# The path loses its start, and the counts stay in view.
grep -Eq "^dmarcdb: \.\.\.[^ ]*/in: [0-9]+/$n files" "$T/nl" ||
    fail "narrow: $(head -2 "$T/nl")"

### 3. Under -q, or on a pipe: nothing of it.
on_pty 200 "$T/quiet" "$QUICK" -q --db "$C_DB" ingest "$T/in" ||
    fail "-q: exit $?"
[ ! -s "$T/quiet" ] || fail "-q: wrote $(od -c "$T/quiet" | head -3)"
"$QUICK" --db "$D_DB" ingest "$T/in" 2> "$T/pipe" || fail "pipe: exit $?"
grep_none $'\r\|\x1b' "$T/pipe" || fail "pipe: $(od -c "$T/pipe" | head)"
[ "$(wc -l < "$T/pipe")" = 1 ] || fail "pipe: $(cat "$T/pipe")"

### 4. A Maildir counts messages.
mkdir -p "$T/msgs" "$T/Maildir/new" "$T/Maildir/cur" "$T/Maildir/tmp"
"$GEN" -s 42 -E -r 300 -m 1 -M 5 -d "$T/msgs"
for f in "$T"/msgs/*; do
	mv "$f" "$T/Maildir/new/${f##*/}"
done
on_pty 200 "$T/md" "$QUICK" --db "$E_DB" ingest "$T/Maildir" ||
    fail "Maildir: exit $?"
lines "$T/md" | grep -Eq "^dmarcdb: $T/Maildir: [0-9]+/300 messages, " ||
    fail "Maildir: $(lines "$T/md" | head -3)"

### 5. An IMAP folder: the messages to fetch (one, trickling in, cut
###    short by --message-timeout).
export DMARCDB_IMAP_PASSWORD=secret
fake_start imap-trickle
U=imap://test@127.0.0.1:$FAKE_PORT/INBOX
set +e
on_pty 200 "$T/imap" "$QUICK" --db "$F_DB" ingest --message-timeout 1 "$U"
rc=$?
set -e
[ "$rc" = 5 ] || fail "imap: exit $rc"
lines "$T/imap" | grep -q "^dmarcdb: $U: 0/1 messages, " ||
    fail "imap: $(lines "$T/imap" | head -3)"
echo ok
