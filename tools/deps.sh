#!/bin/sh
# deps.sh: install, on Debian 12, the packages dmarcdb needs to build, or
# with "test" also those its test suite needs. Installs only what is
# missing, so it is quick to run again. Uses sudo unless run as root.
set -eu

build="gcc make autoconf automake libtool pkg-config libxml2-dev
libarchive-dev libsqlite3-dev zlib1g-dev libssl-dev nettle-dev
libcmocka-dev libgmime-3.0-dev libcurl4-openssl-dev libpsl-dev
publicsuffix"
# AS and country of a source (src/geo.c): libloc and its database; the
# database is also what tests/unit/test_geo looks addresses up in.
build="$build libloc-dev libloc-database"
# Reverse DNS (src/rdns.c): c-ares.
build="$build libc-ares-dev"
# The PostgreSQL store (src/db-pg.c): libpq.
build="$build libpq-dev"
# The end-to-end tests' tools (opensmtpd: the SMTP sink of
# digest-smtp.sh; python3: the misbehaving servers of fakeserver.py;
# openssl: a throwaway CA for the TLS tests; knot, bind9-dnsutils: the
# private DNS server of rdns.sh and its readiness check; chromium,
# fonts-dejavu-core: digest-layout.sh measures the digest's HTML in a
# headless browser; passwd: useradd, for the users of shared.sh); the
# sanitizer and fuzzing builds (clang, its ASan/UBSan/libFuzzer runtimes);
# make check-valgrind.
test="sqlite3 gzip curl dovecot-imapd opensmtpd iproute2 util-linux clang
libclang-rt-14-dev valgrind python3 openssl knot bind9-dnsutils chromium
fonts-dejavu-core passwd"
# Installing and running as a service: systemd (systemd-analyze verifies
# the units, systemd-sysusers their user; its pkg-config file names the
# unit directory), bash-completion (its directory), man-db (the units'
# Documentation=man:dmarcdb(1), which verify looks up); the Debian
# package that CI builds, checks and installs (debhelper, lintian).
test="$test systemd bash-completion man-db debhelper lintian"
# The PostgreSQL store's tests (tests/e2e/pg.sh): the server, started
# by the tests as they need it (never the system's own cluster), and
# psql and pg_dump.
test="$test postgresql postgresql-client"

case "${1:-}" in
"") pkgs=$build ;;
test) pkgs="$build $test" ;;
*) echo "usage: $0 [test]" >&2; exit 2 ;;
esac

sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo

# OpenSMTPD's spool and control socket are compiled in: one instance per
# host, and digest-smtp.sh starts its own. Installing the package starts
# the system's; stop it and keep it from starting again, whatever the
# init system (none, in a container). Idempotent. A foreground smtpd
# (-d: a test's own, which writes the same pid file) is left alone.
stop_opensmtpd() {
	[ -x /usr/sbin/smtpd ] || return 0
	systemd=
	if [ -d /run/systemd/system ] && command -v systemctl > /dev/null
	then
		systemd=y
		$sudo systemctl disable opensmtpd.service > /dev/null 2>&1 ||
		    true
	else
		$sudo update-rc.d opensmtpd disable > /dev/null 2>&1 || true
	fi
	$sudo smtpctl show status > /dev/null 2>&1 || return 0
	pid=$(cat /run/smtpd.pid 2> /dev/null || true)
	case $pid in
	"" | *[!0-9]*)
		pid= ;;
	esac
	if [ -n "$pid" ] && tr '\0' ' ' 2> /dev/null < "/proc/$pid/cmdline" |
	    grep -q -- ' -d '; then
		echo "$0: an OpenSMTPD runs in the foreground (pid $pid)," \
		    "a test's? Left alone." >&2
		return 0
	fi
	# Not invoke-rc.d: under a policy-rc.d that denies (Docker images)
	# it does nothing and exits 0.
	if [ -n "$systemd" ]; then
		$sudo systemctl stop opensmtpd.service > /dev/null 2>&1 || true
	elif command -v service > /dev/null; then
		$sudo service opensmtpd stop > /dev/null 2>&1 || true
	elif [ -x /etc/init.d/opensmtpd ]; then
		$sudo /etc/init.d/opensmtpd stop > /dev/null 2>&1 || true
	fi
	# Started some other way: SIGTERM to the parent stops them all.
	if [ -n "$pid" ] && $sudo smtpctl show status > /dev/null 2>&1; then
		$sudo kill "$pid" 2> /dev/null || true
	fi
	i=0
	while [ $i -lt 50 ] && $sudo smtpctl show status > /dev/null 2>&1; do
		sleep 0.1
		i=$((i + 1))
	done
	if $sudo smtpctl show status > /dev/null 2>&1; then
		echo "$0: the system's OpenSMTPD still runs; stop it" \
		    "(tests/e2e/digest-smtp.sh needs the host's only" \
		    "instance)" >&2
	else
		echo "$0: stopped the system's OpenSMTPD (the tests run" \
		    "their own)" >&2
	fi
}

missing=
for p in $pkgs; do
	dpkg-query -W -f '${Status}' "$p" 2>/dev/null |
	    grep -q 'ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "installing:$missing" >&2
	$sudo apt-get update -qq
	# The tests start their own PostgreSQL servers: the package is not
	# to make (and start) a cluster of the system's.
	case " $missing " in
	*" postgresql "*)
		$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y \
		    -qq --no-install-recommends postgresql-common
		$sudo sed -i 's/^#* *create_main_cluster *=.*/create_main_cluster = false/' \
		    /etc/postgresql-common/createcluster.conf ;;
	esac
	# shellcheck disable=SC2086
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends $missing
fi
[ "${1:-}" != test ] || stop_opensmtpd
