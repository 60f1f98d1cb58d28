#!/bin/bash
# mutate.sh: mutation testing of the thresholds of classification and
# advice. Each relational comparison of the chosen code is changed, one
# at a time, at its boundary (< to <=, <= to <, > to >=, >= to >; a
# == or != that names a threshold to its negation); dmarcdb is rebuilt
# and the tests that exercise advice are run against it. A mutant that
# fails a test is killed; one that passes them all has survived: either
# no test looks at that boundary, or the change cannot alter any output
# (an equivalent mutant).
#
# usage: tools/mutate.sh [-aklqs] [-B builddir] [-j jobs] [-t tests]
#            [-x equivalents] [target ...]
#
# target: FILE, or FILE:SEL[,SEL...], FILE relative to the source tree.
#   SEL: LINE or FROM-TO (lines), NAME (the body of function NAME: from
#   the line that starts with "NAME(" to the next line "}"), or th (any
#   comparison that names a threshold, th. or th->, anywhere in FILE).
#   Default: src/advise.c src/classify.c:decide,feed,th
# What is mutated: every <, <=, >, >= of the selection outside strings,
#   comments and preprocessor lines, but for loop bounds (a comparison
#   in the header of a for), size checks (sizeof, len, a *_MAX, *_KEEP,
#   *_NAME(S), *_SLOTS or *_NOTE(S) constant) and character tests (a
#   comparison with a character literal); -a takes those too. == and !=
#   only where they name a threshold.
# -t "TESTS": the tests to run, in the order to try them, paths as in
#   Makefile.am (a .sh is run with bash from the source tree, anything
#   else is a program of the build tree, rebuilt with dmarcdb). Default:
#   the end-to-end tests of advice, sources and digest, and
#   tests/unit/test_policy, the only unit test that links advise.c or
#   classify.c (nm). A test that kills a mutant moves to the front.
# -s: skip the mutants listed as equivalent (-x): counted, not run.
# -j N: run up to N tests of a mutant at once (default: the number of
#   processors). The first failure stops the others (-k: every test runs,
#   and each failing one is named).
# -l: list the mutants, and the comparisons left out and why; run
#   nothing.
# -x FILE: mutants known to be equivalent, one a line, as the summary
#   prints a survivor but without its line number ("src/advise.c:
#   ORIGINAL → MUTANT"); lines that start with # say why. A listed
#   survivor counts as equivalent; a listed mutant that is killed is
#   said (the entry is stale). Default: tools/mutate.equivalent, when
#   there is one.
# -B DIR: the build tree (default: the source tree). It must be
#   configured; the tool builds what the tests need first.
# -q: print only the summary.
#
# Each test runs as "make check" would run it (the environment is
# AM_TESTS_ENVIRONMENT, asked of the Makefile), with TMPDIR a scratch
# directory of this run under $TMPDIR, and a time limit of four times
# its time on the unmutated tree plus 30 s (a mutant that loops is
# killed by the limit). The unmutated tree must pass every test first.
#
# Files are never left mutated: each is copied before the first mutant,
# written back after each one and on exit (^C too), then dmarcdb is
# rebuilt, and git diff of the files must be what it was at the start.
#
# Exit status: 0 without survivors (but listed equivalents), 1 with
# survivors, 2 for a usage error, 3 when the tree cannot be built or the
# unmutated tree fails a test.
set -u -o pipefail
LC_ALL=C
export LC_ALL

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$SRC
JOBS=$(nproc 2> /dev/null || echo 1)
TESTS="tests/unit/test_policy tests/e2e/boundaries.sh
tests/e2e/advise-policy.sh tests/e2e/values.sh tests/e2e/domains.sh
tests/e2e/digest.sh tests/e2e/senders.sh tests/e2e/sources.sh
tests/e2e/advice.sh"
ALL=0 KEEP_GOING=0 LIST=0 QUIET=0 SKIP=0 EQUIV=

usage() {
	echo "usage: $0 [-aklqs] [-B builddir] [-j jobs] [-t tests]" \
	    "[-x equivalents] [target ...]" >&2
	exit 2
}
while getopts aB:j:klqst:x: o; do
	case $o in
	a) ALL=1 ;;
	B) BUILD=$(cd "$OPTARG" && pwd) || exit 2 ;;
	j) JOBS=$OPTARG ;;
	k) KEEP_GOING=1 ;;
	l) LIST=1 ;;
	q) QUIET=1 ;;
	s) SKIP=1 ;;
	t) TESTS=$OPTARG ;;
	x) EQUIV=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || set -- src/advise.c src/classify.c:decide,feed,th
case $JOBS in '' | *[!0-9]* | 0) usage ;; esac
[ -n "$EQUIV" ] || [ ! -f "$SRC/tools/mutate.equivalent" ] ||
    EQUIV=$SRC/tools/mutate.equivalent
[ -z "$EQUIV" ] || [ -r "$EQUIV" ] || { echo "$0: $EQUIV: cannot read" >&2;
    exit 2; }
read -r -a TLIST <<< "$(echo $TESTS)"
[ ${#TLIST[@]} -gt 0 ] || usage

say() {
	[ "$QUIET" = 1 ] || echo "$@"
}

# The scanner: FILE SELECTORS. One line per comparison, by offset:
# offset, line, operator, mutant operator, "mutate" or the reason to
# leave it out, the line as written, the line mutated.
read -r -d '' SCAN <<'EOF'
use strict;
use warnings;
my ($file, $sel) = @ARGV;
open(my $fh, '<', $file) or die "$file: $!\n";
my $src = do { local $/; <$fh> };
close($fh);

# Strings, character literals, comments and preprocessor lines become
# blanks, newlines kept: offsets stay those of the source.
my $m = $src;
$m =~ s{(/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|^[ \t]*\#(?:[^\n]*\\\n)*[^\n]*)}
    {my $x = $1; $x =~ s/[^\n]/ /g; $x}gmse;

my @starts = (0);
while ($src =~ /\n/g) { push(@starts, pos($src)); }
sub line_of {
	my ($off) = @_;
	my ($lo, $hi) = (0, $#starts);
	while ($lo < $hi) {
		my $mid = int(($lo + $hi + 1) / 2);
		if ($starts[$mid] <= $off) { $lo = $mid; } else { $hi = $mid - 1; }
	}
	return $lo + 1;
}
sub line_text {
	my ($n) = @_;
	my $s = $starts[$n - 1];
	my $e = index($src, "\n", $s);
	$e = length($src) if $e < 0;
	return substr($src, $s, $e - $s);
}

# The selection: line ranges, and whether th names count anywhere.
my (@ranges, $th);
for my $s (split(/,/, $sel)) {
	if ($s =~ /^(\d+)(?:-(\d+))?$/) {
		push(@ranges, [$1, defined($2) ? $2 : $1]);
	} elsif ($s eq 'th') {
		$th = 1;
	} elsif ($s =~ /^[A-Za-z_]\w*$/) {
		$src =~ /^\Q$s\E\(/mg or die "$file: no function $s\n";
		my $from = line_of($-[0]);
		$src =~ /^\}/mg or die "$file: function $s has no end\n";
		push(@ranges, [$from, line_of($-[0])]);
		pos($src) = undef;
	} else {
		die "$file: bad selector \"$s\"\n";
	}
}
my $whole = $sel eq '';

# The end of an operand, from the operator outwards: an unmatched
# bracket, or at the operand's level ; { } , ? : && || or an assignment.
sub edge {
	my ($i, $step) = @_;
	my ($open, $close) = $step < 0 ? ('([', ')]') : (')]', '([');
	my $d = 0;
	for (; $i >= 0 && $i < length($m); $i += $step) {
		my $c = substr($m, $i, 1);
		if (index($close, $c) >= 0) { $d++; next; }
		if (index($open, $c) >= 0) { last if $d == 0; $d--; next; }
		next if $d > 0;
		last if $c =~ /[;{},?:]/;
		my $pair = $step < 0 ? substr($m, $i - 1, 2) : substr($m, $i, 2);
		last if $pair eq '&&' || $pair eq '||';
		if ($c eq '=') {
			my $p = $i > 0 ? substr($m, $i - 1, 1) : '';
			my $n = substr($m, $i + 1, 1);
			last if $p !~ /[=!<>]/ && $n ne '=';
		}
	}
	return $i - $step;
}

# Whether offset i is in the header of a for.
sub in_for {
	my ($i) = @_;
	my $d = 0;
	for ($i--; $i >= 0; $i--) {
		my $c = substr($m, $i, 1);
		return 0 if $c eq '{' || $c eq '}';
		if ($c eq ')') { $d++; next; }
		next unless $c eq '(';
		if ($d > 0) { $d--; next; }
		return 1 if substr($m, 0, $i) =~ /\bfor\s*$/;
	}
	return 0;
}

my %flip = ('<' => '<=', '<=' => '<', '>' => '>=', '>=' => '>',
    '==' => '!=', '!=' => '==');
while ($m =~ /(<<=?|>>=?|->|<=|>=|==|!=|<|>)/g) {
	my ($op, $off) = ($1, $-[0]);
	next unless exists $flip{$op};
	my $line = line_of($off);
	my $l = edge($off - 1, -1);
	my $r = edge($off + length($op), 1);
	my $text = substr($src, $l, $r - $l + 1);
	$text =~ s/\s+/ /g;
	$text =~ s/^\s*(?:return\s+)?|\s+$//g;
	my $named = $text =~ /\bth(?:->|\.)/;
	my $in = $whole || ($th && $named) ||
	    grep { $line >= $_->[0] && $line <= $_->[1] } @ranges;
	next unless $in;
	next if ($op eq '==' || $op eq '!=') && !$named;
	my $why = 'mutate';
	if (in_for($off)) {
		$why = 'loop bound';
	} elsif ($text =~ /\bsizeof\b|\blen\b|_(?:MAX|KEEP|NAMES?|SLOTS|NOTES?)\b/) {
		$why = 'size check';
	} elsif ($text =~ /'/) {
		$why = 'character test';
	}
	my $orig = line_text($line);
	my $col = $off - $starts[$line - 1];
	my $mut = $orig;
	substr($mut, $col, length($op)) = $flip{$op};
	for ($orig, $mut) { s/\s+/ /g; s/^ | $//g; }
	print join("\t", $off, $line, $op, $flip{$op}, $why, $orig, $mut),
	    "\n";
}
EOF

# The run's scratch directory: copies of the files, logs, the tests'
# TMPDIR.
S=$(mktemp -d "${TMPDIR:-/tmp}/mutate.XXXXXX") || exit 3
# The files, each once: FILES[i], its copy $S/orig.i, its git diff.
FILES=()
declare -A FIDX
RUNNING=()
finish() {
	rc=$?
	trap - EXIT INT TERM
	for p in "${RUNNING[@]}"; do
		kill "$p" 2> /dev/null
	done
	wait 2> /dev/null
	for i in "${!FILES[@]}"; do
		if ! cmp -s "$S/orig.$i" "$SRC/${FILES[$i]}"; then
			cp "$S/orig.$i" "$SRC/${FILES[$i]}" &&
			    touch "$SRC/${FILES[$i]}" &&
			    echo "$0: ${FILES[$i]} restored" >&2
		fi
	done
	rm -rf "$S"
	exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

gitdiff() { # FILE: a digest of its git diff (empty outside git)
	git -C "$SRC" diff -- "$1" 2> /dev/null | cksum
}

# The mutants, in $S/mutants: file index, then the scanner's columns.
: > "$S/mutants"
for t in "$@"; do
	f=${t%%:*}
	sel=
	[ "$f" = "$t" ] || sel=${t#*:}
	[ -f "$SRC/$f" ] || { echo "$0: $f: no such file in $SRC" >&2; exit 2; }
	if [ -z "${FIDX[$f]+x}" ]; then
		i=${#FILES[@]}
		FIDX[$f]=$i
		FILES+=("$f")
		cp "$SRC/$f" "$S/orig.$i" || exit 3
		gitdiff "$SRC/$f" > "$S/diff.$i"
	fi
	i=${FIDX[$f]}
	perl -e "$SCAN" "$S/orig.$i" "$sel" > "$S/scan" || exit 2
	sed "s/^/$i\t/" "$S/scan" >> "$S/mutants"
done
# A file named twice: each comparison once. With -a, every one is a
# mutant.
sort -t "$(printf '\t')" -k1,1n -k2,2n -u "$S/mutants" -o "$S/mutants"
[ "$ALL" = 0 ] || sed -i 's/^\([^\t]*\t[^\t]*\t[^\t]*\t[^\t]*\t[^\t]*\t\)[^\t]*/\1mutate/' \
    "$S/mutants"
N=$(grep -cP '\tmutate\t' "$S/mutants")

if [ "$LIST" = 1 ]; then
	while IFS=$'\t' read -r i off line op new why orig mut; do
		[ "$why" = mutate ] && why= || why=" (left out: $why)"
		echo "${FILES[$i]}:$line: $orig → $mut$why"
	done < "$S/mutants"
	exit 0
fi

# Equivalent mutants, as "FILE: ORIGINAL → MUTANT".
equivalent() { # FILE ORIGINAL MUTANT
	[ -n "$EQUIV" ] || return 1
	grep -qxF -- "$1: $2 → $3" "$EQUIV"
}

# The tests' environment, as make check sets it.
printf '%s\n' 'mutate-env:' "	@echo '\$(AM_TESTS_ENVIRONMENT)'" > "$S/env.mk"
ENVCODE=$(make -s --no-print-directory -C "$BUILD" -f Makefile -f "$S/env.mk" mutate-env) ||
    { echo "$0: $BUILD: no Makefile to ask (./configure first)" >&2; exit 3; }
eval "$ENVCODE"
unset VALGRIND

UNITS=()
for t in "${TLIST[@]}"; do
	case $t in
	*.sh) [ -f "$SRC/$t" ] || { echo "$0: $t: no such test" >&2; exit 2; } ;;
	*) UNITS+=("$t") ;;
	esac
done
build() { # LOG: dmarcdb and the unit tests, incremental
	make -C "$BUILD" -j"$JOBS" dmarcdb ${UNITS[@]+"${UNITS[@]}"} > "$1" 2>&1
}

# run_tests TAG: every test, up to JOBS at once, in the order of TLIST;
# KILLER is then the first that failed (empty if none), WHY how.
declare -A TIME LIMIT
run_tests() {
	local tag=$1 next=0 pid rc t n=0
	local -A test_of start_of dir_of
	KILLER= WHY=
	RUNNING=()
	while :; do
		while [ ${#RUNNING[@]} -lt "$JOBS" ] &&
		    [ "$next" -lt ${#TLIST[@]} ] &&
		    { [ -z "$KILLER" ] || [ "$KEEP_GOING" = 1 ]; }; do
			t=${TLIST[$next]}
			next=$((next + 1))
			n=$((n + 1))
			mkdir -p "$S/tmp/$n"
			(
				cd "$BUILD" || exit 1
				export TMPDIR=$S/tmp/$n
				case $t in
				*.sh) set -- bash "$SRC/$t" ;;
				*) set -- "$BUILD/$t" ;;
				esac
				exec timeout -k 10 "${LIMIT[$t]:-86400}" "$@"
			) > "$S/log.$tag.${t//\//_}" 2>&1 < /dev/null &
			pid=$!
			test_of[$pid]=$t
			dir_of[$pid]=$S/tmp/$n
			start_of[$pid]=$SECONDS
			RUNNING+=("$pid")
		done
		[ ${#RUNNING[@]} -gt 0 ] || break
		wait -n -p pid "${RUNNING[@]}"
		rc=$?
		t=${test_of[$pid]}
		TIME[$t]=$((SECONDS - ${start_of[$pid]}))
		rest=()
		for p in "${RUNNING[@]}"; do
			[ "$p" = "$pid" ] || rest+=("$p")
		done
		RUNNING=(${rest[@]+"${rest[@]}"})
		rm -rf "${dir_of[$pid]}"
		[ "$rc" -ne 0 ] || continue
		if [ -z "$KILLER" ]; then
			KILLER=$t
			WHY=failed
			[ "$rc" -ne 124 ] && [ "$rc" -ne 137 ] || WHY="timed out"
			[ "$KEEP_GOING" = 1 ] || for p in "${RUNNING[@]}"; do
				kill "$p" 2> /dev/null
			done
		elif [ "$KEEP_GOING" = 1 ]; then
			KILLER="$KILLER $t"
		fi
	done
	rm -rf "$S/tmp"
}

say "mutate.sh: $N mutants in ${FILES[*]}; tests: ${TLIST[*]}"
say "building $BUILD"
{ make -C "$BUILD" -j"$JOBS" && make -C "$BUILD" -j"$JOBS" check TESTS=; } \
    > "$S/build.log" 2>&1 || { tail -n 30 "$S/build.log" >&2;
    echo "$0: $BUILD does not build" >&2; exit 3; }
T0=$SECONDS
run_tests base
if [ -n "$KILLER" ]; then
	for t in $KILLER; do
		tail -n 30 "$S/log.base.${t//\//_}" >&2
	done
	echo "$0: the unmutated tree fails $KILLER: fix that first" >&2
	exit 3
fi
for t in "${TLIST[@]}"; do
	LIMIT[$t]=$((4 * TIME[$t] + 30))
done
say "unmutated: every test passes in $((SECONDS - T0)) s"

killed=0 survived=0 nocompile=0 timeouts=0 equiv=0 k=0
: > "$S/survivors"
: > "$S/stale"
T0=$SECONDS
while IFS=$'\t' read -r i off line op new why orig mut <&4; do
	k=$((k + 1))
	f=${FILES[$i]}
	id="$f:$line: $orig → $mut"
	t1=$SECONDS
	if [ "$SKIP" = 1 ] && equivalent "$f" "$orig" "$mut"; then
		equiv=$((equiv + 1))
		say "[$k/$N] equivalent, listed: not run $id"
		continue
	fi
	perl -e 'my ($in, $out, $off, $len, $new) = @ARGV;
	    open(my $i, "<", $in) or die; my $s = do { local $/; <$i> };
	    substr($s, $off, $len) = $new;
	    open(my $o, ">", $out) or die; print $o $s; close($o) or die;' \
	    "$S/orig.$i" "$SRC/$f" "$off" "${#op}" "$new" || exit 3
	touch "$SRC/$f"
	if ! build "$S/build.$k.log"; then
		nocompile=$((nocompile + 1))
		res="does not compile: $(grep -m1 'error:' "$S/build.$k.log" |
		    sed 's/.*error: //')"
	else
		rm -f "$S/build.$k.log"
		run_tests "m$k"
		if [ -n "$KILLER" ]; then
			killed=$((killed + 1))
			[ "$WHY" != "timed out" ] || timeouts=$((timeouts + 1))
			res="killed: ${KILLER// /, } $WHY"
			if equivalent "$f" "$orig" "$mut"; then
				echo "$f: $orig → $mut" >> "$S/stale"
			fi
			# Move the killer to the front.
			kt=${KILLER%% *}
			rest=()
			for t in "${TLIST[@]}"; do
				[ "$t" = "$kt" ] || rest+=("$t")
			done
			TLIST=("$kt" "${rest[@]}")
		elif equivalent "$f" "$orig" "$mut"; then
			equiv=$((equiv + 1))
			res="survived (equivalent, listed)"
		else
			survived=$((survived + 1))
			res=SURVIVED
			echo "$id" >> "$S/survivors"
		fi
	fi
	cp "$S/orig.$i" "$SRC/$f" && touch "$SRC/$f" || exit 3
	say "[$k/$N] $res ($((SECONDS - t1)) s) $id"
done 4< <(grep -P '\tmutate\t' "$S/mutants")
ELAPSED=$((SECONDS - T0))

# Back to the source as it was, built.
for i in "${!FILES[@]}"; do
	cmp -s "$S/orig.$i" "$SRC/${FILES[$i]}" || exit 3
	if [ "$(gitdiff "$SRC/${FILES[$i]}")" != "$(cat "$S/diff.$i")" ]; then
		echo "$0: ${FILES[$i]}: git diff is not what it was" >&2
		exit 3
	fi
done
build "$S/build.end.log" || { echo "$0: the restored tree does not" \
    "build" >&2; exit 3; }

echo "mutants: $((killed + survived + equiv + nocompile)) in ${FILES[*]}," \
    "$((ELAPSED / 60)) min $((ELAPSED % 60)) s"
echo "  killed: $killed (by a time limit: $timeouts)"
echo "  survived: $survived"
if [ "$SKIP" = 1 ]; then
	echo "  equivalent (listed in ${EQUIV:-no list}, not run): $equiv"
else
	echo "  equivalent (survived, listed in ${EQUIV:-no list}): $equiv"
fi
echo "  not compiled: $nocompile"
if [ -s "$S/survivors" ]; then
	echo "survivors:"
	sed 's/^/  /' "$S/survivors"
fi
if [ -s "$S/stale" ]; then
	echo "listed as equivalent, but killed (remove them from the list):"
	sed 's/^/  /' "$S/stale"
fi
[ "$survived" -eq 0 ]
