#!/bin/bash
# install.sh: "make install" into a DESTDIR puts each file where
# configure said (the binary, the man page naming the installed paths,
# the catalogue of services, the example configuration and never
# /etc/dmarcdb.conf, the systemd units naming the installed binary, the
# system user, the bash completion), and the installed binary works
# where it is installed: outside the build tree, with no
# $DMARCDB_SERVICES, it reads the installed catalogue (a service added
# to the installed copy names a source) and stores and lists the
# samples as the built one does. Each installed path that README.md
# and the man page name is installed. "make uninstall" removes it all.
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/e2e/installed.sh"

D=$T/dest
install_tree "$D"

# Each file, where configure said, and the same as in the tree.
[ -x "$D$bindir/dmarcdb" ] || fail "no $bindir/dmarcdb"
cmp -s "$D$pkgdatadir/services.conf" "$SRCDIR/data/services.conf" ||
    fail "no $pkgdatadir/services.conf, or another"
[ -s "$D$man1dir/dmarcdb.1" ] || fail "no $man1dir/dmarcdb.1"
cmp -s "$D$docdir/examples/dmarcdb.conf" "$SRCDIR/samples/dmarcdb.conf" ||
    fail "no $docdir/examples/dmarcdb.conf, or another"
if [ -n "$systemdsystemunitdir" ]; then
	for u in dmarcdb-ingest.service dmarcdb-ingest.timer \
	    dmarcdb-digest.service dmarcdb-digest.timer; do
		[ -s "$D$systemdsystemunitdir/$u" ] ||
		    fail "no $systemdsystemunitdir/$u"
	done
	# The services run the installed binary.
	for u in ingest digest; do
		grep -q "^ExecStart=$bindir/dmarcdb -q $u " \
		    "$D$systemdsystemunitdir/dmarcdb-$u.service" ||
		    fail "dmarcdb-$u.service: no ExecStart=$bindir/dmarcdb"
	done
	grep_none '@[a-z_]*@' "$D$systemdsystemunitdir"/dmarcdb-* ||
	    fail "a unit with a placeholder left"
fi
[ -z "$sysusersdir" ] || [ -s "$D$sysusersdir/dmarcdb.conf" ] ||
    fail "no $sysusersdir/dmarcdb.conf"
[ -z "$bashcompletiondir" ] ||
    cmp -s "$D$bashcompletiondir/dmarcdb" "$SRCDIR/completion/dmarcdb" ||
    fail "no $bashcompletiondir/dmarcdb, or another"
# No configuration is installed, only the example (and sysusers.d's).
find "$D" -name 'dmarcdb.conf*' | sort > "$T/confs"
{
	echo "$D$docdir/examples/dmarcdb.conf"
	[ -z "$sysusersdir" ] || echo "$D$sysusersdir/dmarcdb.conf"
} | sort > "$T/confs.want"
diff -u "$T/confs.want" "$T/confs" || fail "a configuration installed"

# The man page names the installed places, not the default prefix's.
grep -q "^\.Pa $pkgdatadir/services.conf\$" "$D$man1dir/dmarcdb.1" ||
    fail "the man page does not name $pkgdatadir/services.conf"
grep -q "$bindir/dmarcdb -q" "$D$man1dir/dmarcdb.1" ||
    fail "the man page's examples do not run $bindir/dmarcdb"
if [ "$pkgdatadir" != /usr/local/share/dmarcdb ]; then
	grep_none /usr/local/share/dmarcdb "$D$man1dir/dmarcdb.1" ||
	    fail "the man page names /usr/local/share/dmarcdb"
fi

# Every installed path that README.md names (for the default prefix)
# and that the installed man page names is installed.
# installed_paths FILE FROM-BIN FROM-DATA FROM-DOC: the paths in FILE
# under those directories, named as installed.
installed_paths() {
	grep -o "\($2\|$3\|$4\)/[A-Za-z0-9._/-]*[A-Za-z0-9]" "$1" |
	    sed -e "s|^$2/|$bindir/|" -e "s|^$3/|$pkgdatadir/|" \
	    -e "s|^$4/|$docdir/|" | sort -u
}
{
	installed_paths "$SRCDIR/README.md" /usr/local/bin \
	    /usr/local/share/dmarcdb /usr/local/share/doc/dmarcdb
	installed_paths "$D$man1dir/dmarcdb.1" "$bindir" "$pkgdatadir" \
	    "$docdir"
} | sort -u > "$T/named"
grep -qx "$docdir/examples/dmarcdb.conf" "$T/named" &&
    grep -qx "$bindir/dmarcdb" "$T/named" || fail "paths: $(cat "$T/named")"
while read -r p; do
	[ -e "$D$p" ] || fail "README.md or dmarcdb(1) names $p: not installed"
done < "$T/named"

# The installed binary, where it is installed, away from the build
# tree and without its catalogue: the samples, stored and listed as the
# built binary does.
mkdir "$T/run"
cd "$T/run"
unset DMARCDB_SERVICES
VG=()
if [ "${VALGRIND:-0}" = 1 ]; then
	VG=(/bin/sh "$SRCDIR/tests/valgrind.sh" --log-file="$T/vg/log.%p")
fi
run() {
	installed "$D" "${VG[@]}" "$bindir/dmarcdb" "$@"
}
run --version > "$T/version"
grep -q "^dmarcdb [0-9]" "$T/version" || fail "--version: $(cat "$T/version")"
expect_exit 1 run -q ingest "$SRCDIR/samples/reports" 2> "$T/err"
grep -q "broken-invalid_xml.xml: XML not well-formed" "$T/err" ||
    fail "ingest: $(cat "$T/err")"
[ -s dmarc.db ] || fail "no ./dmarc.db"
run reports > "$T/reports"
DMARCDB_SERVICES=$SRCDIR/data/services.conf "$QUICK" reports > "$T/want"
diff -u "$T/want" "$T/reports" || fail "reports differ from the build's"

# The catalogue: the installed one, read without a word.
run sources --no-dns --since 2015-01-01 --as-of 2026-05-26 \
    --domain example.net \
    > "$T/sources" 2> "$T/err"
[ ! -s "$T/err" ] || fail "sources: $(cat "$T/err")"
grep -q "^vendor.example  *domain " "$T/sources" ||
    fail "sources: $(cat "$T/sources")"
# A service added to the installed copy names vendor.example's mail.
chmod u+w "$D$pkgdatadir/services.conf"
printf 'service "Installed Catalogue" {\n\tkind esp;\n\tdkim %s;\n}\n' \
    vendor.example >> "$D$pkgdatadir/services.conf"
run sources --no-dns --since 2015-01-01 --as-of 2026-05-26 \
    --domain example.net \
    > "$T/sources" 2> "$T/err"
[ ! -s "$T/err" ] || fail "sources: $(cat "$T/err")"
grep -q "^Installed Catalogue (not as us)  *service-other " "$T/sources" ||
    fail "the installed catalogue was not read: $(cat "$T/sources")"
# Without DESTDIR's files shown in place, the catalogue is missing, by
# its installed name (unless a dmarcdb is installed on this machine).
if [ ! -e "$pkgdatadir/services.conf" ]; then
	"${VG[@]}" "$D$bindir/dmarcdb" sources --no-dns --since 2015-01-01 \
	    --domain example.net > /dev/null 2> "$T/err"
	grep -q "^dmarcdb: $pkgdatadir/services.conf: No such file" \
	    "$T/err" || fail "the catalogue's path: $(cat "$T/err")"
fi
cd "$T"

# make uninstall leaves no file behind.
MAKEFLAGS='' MFLAGS='' MAKELEVEL='' "${MAKE:-make}" -s -C "$BUILDDIR" \
    uninstall DESTDIR="$D" > "$T/uninstall.log" 2>&1 ||
    fail "make uninstall: $(cat "$T/uninstall.log")"
find "$D" -type f > "$T/left"
[ ! -s "$T/left" ] || fail "left by make uninstall: $(cat "$T/left")"
echo ok
