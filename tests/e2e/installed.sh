# installed.sh: "make install" into a DESTDIR, and commands run where
# it installs (sourced after lib.sh, by install.sh and units.sh).
#
# INSTALL_DIRS (exported by make check) names the directories configure
# chose, as NAME=DIR words; each becomes the shell variable NAME:
# bindir, pkgdatadir, man1dir, docdir, and systemdsystemunitdir,
# sysusersdir, bashcompletiondir (empty when configured --without).
: "${INSTALL_DIRS:?run through make check, or set INSTALL_DIRS}"
for kv_ in $INSTALL_DIRS; do
	case ${kv_%%=*} in
	bindir | pkgdatadir | man1dir | docdir | systemdsystemunitdir | \
	    sysusersdir | bashcompletiondir)
		printf -v "${kv_%%=*}" '%s' "${kv_#*=}" ;;
	*)
		fail "INSTALL_DIRS: unknown directory $kv_" ;;
	esac
done
[ -n "${bindir:-}" ] && [ -n "${pkgdatadir:-}" ] && [ -n "${man1dir:-}" ] ||
    fail "INSTALL_DIRS: no bindir, pkgdatadir or man1dir: $INSTALL_DIRS"

# install_tree DESTDIR: "make install" of the build tree into DESTDIR.
# The make of make check is not ours: its flags (-j, TESTS=...) stay
# out.
install_tree() {
	MAKEFLAGS='' MFLAGS='' MAKELEVEL='' "${MAKE:-make}" -s -C "$BUILDDIR" \
	    install DESTDIR="$1" > "$T/install.log" 2>&1 ||
	    fail "make install DESTDIR=$1: $(tail -n 20 "$T/install.log")"
}

# installed DESTDIR COMMAND...: run COMMAND in a mount namespace of its
# own where what DESTDIR holds for bindir, pkgdatadir and man1dir is
# where it was installed for, over what is there (an overlay of the
# nearest directory that exists, read-only). As root, or else in a user
# namespace of its own.
installed() {
	dest_=$1
	shift
	mps_=()
	for d_ in "$bindir" "$pkgdatadir" "$man1dir"; do
		while [ ! -d "$d_" ]; do
			d_=$(dirname "$d_")
		done
		[ "$d_" != / ] || fail "installed: no directory of $d_ to" \
		    "show DESTDIR's files in"
		mps_+=("$d_")
	done
	# Each mount point once, and none under another.
	mapfile -t mps_ < <(printf '%s\n' "${mps_[@]}" | sort -u |
	    awk 'NR == 1 || index($0 "/", last "/") != 1 { print; last = $0 }')
	ns_=(unshare -m --propagation private)
	[ "$(id -u)" -eq 0 ] || ns_=(unshare -r -m --propagation private)
	"${ns_[@]}" true 2> /dev/null || fail "installed: cannot make a" \
	    "mount namespace (${ns_[*]}): the installed binary runs where" \
	    "it is installed there"
	"${ns_[@]}" bash -c '
	    dest=$1 n=$2
	    shift 2
	    for ((i = 0; i < n; i++)); do
	        mount -t overlay overlay -o "lowerdir=$dest$1:$1" "$1" ||
	            exit 125
	        shift
	    done
	    exec "$@"' installed "$dest_" "${#mps_[@]}" "${mps_[@]}" "$@"
}
