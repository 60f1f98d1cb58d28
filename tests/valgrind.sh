#!/bin/sh
# valgrind.sh: run a program under valgrind's memcheck, as "make
# check-valgrind" does for every test program and, through the wrapper
# that tests/e2e/lib.sh makes when VALGRIND=1, for dmarcdb itself.
#
# usage: valgrind.sh [VALGRIND-OPTION]... PROGRAM [ARG]...
#
# Any memory error or leak (definite, indirect or possible) makes the
# program exit 99. valgrind.supp beside this script silences known
# noise in system libraries only; VALGRIND_OPTS adds options.
command -v valgrind > /dev/null 2>&1 || {
	echo "valgrind.sh: valgrind is not installed (tools/deps.sh test)" >&2
	exit 127
}
exec valgrind -q --tool=memcheck --error-exitcode=99 \
    --leak-check=full --show-leak-kinds=definite,indirect,possible \
    --errors-for-leak-kinds=definite,indirect,possible \
    --suppressions="$(dirname "$0")/valgrind.supp" "$@"
