#!/bin/bash
# harness.sh: the checks of the test suite cannot be swallowed. A test
# (a script sourcing lib.sh) stops with status 1 when a command fails on
# the left of a pipe, when fail is called inside $(...) or a pipeline,
# and when a check for what must not be there (grep_none, lines_none,
# differ) could not read its input.
. "$(dirname "$0")/lib.sh"

# stops NAME CODE: a test made of CODE exits 1 before its end.
stops() {
	printf '. "%s/tests/e2e/lib.sh"\n%s\necho "reached the end"\n' \
	    "$SRCDIR" "$2" > "$T/t.sh"
	rc=0
	bash "$T/t.sh" > "$T/out" 2>&1 || rc=$?
	[ "$rc" -eq 1 ] || fail "$1: exit $rc, not 1: $(cat "$T/out")"
	grep_none "reached the end" "$T/out" || fail "$1: the test went on"
}
# goes NAME CODE: a test made of CODE runs to its end.
goes() {
	printf '. "%s/tests/e2e/lib.sh"\n%s\necho "reached the end"\n' \
	    "$SRCDIR" "$2" > "$T/t.sh"
	bash "$T/t.sh" > "$T/out" 2>&1 || fail "$1: $(cat "$T/out")"
	grep -q "reached the end" "$T/out" || fail "$1: stopped"
}

stops "failure left of a pipe" 'false | sort'
stops "fail in a pipeline" 'fail here | sort > /dev/null'
stops "fail in \$(...)" 'x=$(fail here)'
stops "failure in \$(...) of a function" 'f() { false; echo x; }; y=$(f)'
stops "grep_none, file missing" 'grep_none x "$T/none" || fail found'
stops "grep_none, bad expression" 'grep_none "a\{" /dev/null || :'
stops "differ, file missing" 'differ "$T/none" /dev/null || :'
stops "sql on a bad query" 'n=$(sql "$T/x.db" "SELECT nonsense FROM")'
goes "grep_none, nothing found" 'grep_none x /dev/null'
goes "differ, same file" '! differ /dev/null /dev/null'
stops "grep_none, found" 'echo x > "$T/f"; grep_none x "$T/f" || fail found'
stops "lines_none, file missing" 'lines_none "$T/o" -n x "$T/none" || fail found'
stops "lines_none, found" 'echo x > "$T/f"; lines_none "$T/o" -n x "$T/f" || fail "$(cat "$T/o")"'
goes "lines_none, nothing found" 'lines_none "$T/o" -n x /dev/null'
echo ok
