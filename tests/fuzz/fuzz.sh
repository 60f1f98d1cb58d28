#!/bin/bash
# fuzz.sh: run one libFuzzer target for a while (used by "make fuzz").
#
# usage: fuzz.sh SRCDIR WORKDIR SECONDS TARGET BINARY
#
# The seeds are copied afresh into WORKDIR/corpus-TARGET (the fuzzer adds
# what it finds there; the source tree is never written): every file of
# tests/corpus for unpack, its *.xml files for parse, its *.eml files
# for mime, none for records, and the target's regression inputs. Any
# crash, leak, timeout, out-of-memory or broken invariant fails the run;
# the input that caused it is left in WORKDIR/artifacts.
set -eu -o pipefail

[ $# -eq 5 ] || { echo "usage: $0 SRCDIR WORKDIR SECONDS TARGET BINARY" >&2;
    exit 2; }
src=$1 work=$2 secs=$3 t=$4 bin=$5
case $secs in
'' | *[!0-9]*)
	echo "fuzz.sh: FUZZ_SECONDS must be a whole number, not '$secs'" >&2
	exit 2 ;;
esac
case $t in
parse) pattern='*.xml' ;;
mime) pattern='*.eml' ;;
records) pattern='*.records' ;;	# none: its seeds are its own
*) pattern='*' ;;
esac

corpus=$work/corpus-$t
log=$work/fuzz-$t.log
[ ! -d "$corpus" ] || chmod -R u+w "$corpus"
rm -rf "$corpus" "$work/artifacts/$t-"*
mkdir -p "$corpus" "$work/artifacts"

# Seeds, with flat names: a/b c.xml becomes a_b_c.xml.
seed() {
	(cd "$1" && find . -type f -name "$2") | while IFS= read -r f; do
		name=$(printf '%s' "${f#./}" | tr '/ ' '__')
		cp "$1/$f" "$corpus/$3$name"
	done
}
seed "$src/tests/corpus" "$pattern" ""
seed "$src/tests/fuzz/regressions/$t" '*' "regression_"
chmod -R u+w "$corpus"
n=$(find "$corpus" -type f | wc -l)
[ "$n" -gt 0 ] || { echo "fuzz.sh: no seeds for $t" >&2; exit 1; }

UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export UBSAN_OPTIONS
echo "fuzz_$t: $secs s from $n seeds (log: $log)"
set +e
"$bin" -max_total_time="$secs" -max_len=1048576 -rss_limit_mb=2048 \
    -timeout=10 -dict="$src/tests/fuzz/dmarc.dict" \
    -artifact_prefix="$work/artifacts/$t-" -print_final_stats=1 \
    "$corpus" > "$log" 2>&1
rc=$?
set -e
if [ "$rc" -ne 0 ]; then
	tail -n 60 "$log" >&2
	echo "FAIL: fuzz_$t exited with $rc; inputs kept:" >&2
	ls "$work/artifacts/$t-"* >&2 2>/dev/null || true
	echo "Replay one with $bin FILE (or tests/fuzz/replay_$t FILE);" \
	    "once fixed, add it to tests/fuzz/regressions/$t/." >&2
	exit 1
fi
grep -aq '^Done [0-9]* runs' "$log" ||
    { tail -n 20 "$log" >&2; echo "FAIL: fuzz_$t did not finish" >&2;
    exit 1; }
echo "fuzz_$t: ok: $(grep -a '^Done [0-9]* runs' "$log"), $(find "$corpus" \
    -type f | wc -l) inputs in the corpus"
