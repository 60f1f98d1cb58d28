#!/bin/sh
# deps.sh: install, on Debian 12, the packages dmarcdb needs to build, or
# with "test" also those its test suite needs. Installs only what is
# missing, so it is quick to run again. Uses sudo unless run as root.
set -eu

build="gcc make autoconf automake libtool pkg-config libxml2-dev
libarchive-dev libsqlite3-dev zlib1g-dev libssl-dev libcmocka-dev
libgmime-3.0-dev libcurl4-openssl-dev libpsl-dev publicsuffix"
# The end-to-end tests' tools; the sanitizer and fuzzing builds (clang,
# its ASan/UBSan/libFuzzer runtimes); make check-valgrind.
test="sqlite3 gzip curl dovecot-imapd iproute2 util-linux clang
libclang-rt-14-dev valgrind"

case "${1:-}" in
"") pkgs=$build ;;
test) pkgs="$build $test" ;;
*) echo "usage: $0 [test]" >&2; exit 2 ;;
esac

missing=
for p in $pkgs; do
	dpkg-query -W -f '${Status}' "$p" 2>/dev/null |
	    grep -q 'ok installed' || missing="$missing $p"
done
[ -n "$missing" ] || exit 0

sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
echo "installing:$missing" >&2
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends $missing
