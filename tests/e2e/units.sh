#!/bin/bash
# units.sh: the systemd units as installed pass "systemd-analyze verify"
# (their binary and man page where they were installed, each setting
# known), and a unit broken on purpose does not; the timers fire every
# hour and every Monday; the services run sandboxed, as the dedicated
# user, in their state directory (systemd-analyze security: exposure at
# most 2.0, where the same unit without its sandbox is over 2.0); the
# sysusers.d file makes that user, its home the state directory.
. "$(dirname "$0")/lib.sh"
. "$SRCDIR/tests/e2e/installed.sh"

command -v systemd-analyze > /dev/null && command -v systemd-sysusers \
    > /dev/null || fail "systemd-analyze, systemd-sysusers: not" \
    "installed (tools/deps.sh test)"

D=$T/dest
install_tree "$D"
# The units and the sysusers.d file as installed; configured --without
# their directories, as built.
if [ -n "$systemdsystemunitdir" ]; then
	U=$D$systemdsystemunitdir
else
	U=$T/units
	mkdir "$U"
	cp "$BUILDDIR"/systemd/dmarcdb-*.service "$SRCDIR"/systemd/*.timer "$U"
fi
SYSUSERS=$SRCDIR/systemd/sysusers/dmarcdb.conf
[ -z "$sysusersdir" ] || SYSUSERS=$D$sysusersdir/dmarcdb.conf

# verify UNIT...: systemd-analyze verify, where the installed binary and
# man page are in place (it runs "man dmarcdb(1)" for Documentation=):
# true when it exits 0 and says nothing (a setting it does not know is
# only a warning); what it says in $T/verify.
verify() {
	rc_=0
	installed "$D" env MANPATH="$(dirname "$man1dir")" \
	    SYSTEMD_LOG_COLOR=0 systemd-analyze verify "$@" \
	    > "$T/verify" 2>&1 || rc_=$?
	[ "$rc_" -eq 0 ] && [ ! -s "$T/verify" ]
}
verify "$U"/dmarcdb-*.service "$U"/dmarcdb-*.timer ||
    fail "systemd-analyze verify: $(cat "$T/verify")"

# Broken on purpose, verify fails: a setting misspelt, a binary that
# is not there.
mkdir "$T/bad"
sed 's/^ProtectSystem=/ProtectSytem=/' "$U/dmarcdb-ingest.service" \
    > "$T/bad/dmarcdb-ingest.service"
! verify "$T/bad/dmarcdb-ingest.service" &&
    grep -q "ProtectSytem" "$T/verify" ||
    fail "verify passes a misspelt setting: $(cat "$T/verify")"
sed "s|^ExecStart=$bindir/dmarcdb |ExecStart=$bindir/dmarcdb-none |" \
    "$U/dmarcdb-digest.service" > "$T/bad/dmarcdb-digest.service"
! verify "$T/bad/dmarcdb-digest.service" ||
    fail "verify passes a missing binary: $(cat "$T/verify")"

# The timers: every hour, and every Monday (two elapses a week apart).
# calendar TIMER: its OnCalendar's next two elapses, as epoch seconds.
calendar() {
	spec=$(sed -n 's/^OnCalendar=//p' "$U/$1")
	[ -n "$spec" ] || fail "$1: no OnCalendar"
	systemd-analyze calendar --iterations=2 "$spec" |
	    sed -n 's/^ *\(Next elapse\|Iter. #2\): //p' |
	    while read -r when; do date -d "$when" +%s; done
}
mapfile -t t < <(calendar dmarcdb-ingest.timer)
[ "${#t[@]}" -eq 2 ] && [ $((t[1] - t[0])) -eq 3600 ] ||
    fail "dmarcdb-ingest.timer: not hourly: ${t[*]}"
mapfile -t t < <(calendar dmarcdb-digest.timer)
[ "${#t[@]}" -eq 2 ] && [ $((t[1] - t[0])) -eq $((7 * 86400)) ] &&
    [ "$(date -u -d "@${t[0]}" +%u)" = 1 ] ||
    fail "dmarcdb-digest.timer: not on Mondays, weekly: ${t[*]}"
for u in ingest digest; do
	grep -q '^WantedBy=timers.target$' "$U/dmarcdb-$u.timer" &&
	    grep -q '^Persistent=true$' "$U/dmarcdb-$u.timer" ||
	    fail "dmarcdb-$u.timer: not installable, or not persistent"
done

# The services: the user, the state directory, the sandbox.
for u in ingest digest; do
	f=$U/dmarcdb-$u.service
	for want in User=dmarcdb Group=dmarcdb StateDirectory=dmarcdb \
	    StateDirectoryMode=2750 \
	    'Environment=DMARCDB_DB=%S/dmarcdb/dmarc.db' UMask=0027 \
	    ProtectSystem=strict NoNewPrivileges=yes PrivateTmp=yes \
	    ProtectHome=yes 'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6'
	do
		grep -qx "$want" "$f" || fail "dmarcdb-$u.service: no $want"
	done
	systemd-analyze security --offline=true --threshold=20 "$f" \
	    > "$T/security" 2>&1 ||
	    fail "dmarcdb-$u.service: $(tail -n 1 "$T/security")"
	grep -v '^\(NoNewPrivileges\|Protect\|Private\|Restrict\|System\)' \
	    "$f" > "$T/bad/bare-$u.service"
	! systemd-analyze security --offline=true --threshold=20 \
	    "$T/bad/bare-$u.service" > "$T/security" 2>&1 ||
	    fail "security passes a unit without a sandbox"
done

# The sysusers.d file: the user and its group, at home in the state
# directory, without a login shell.
mkdir -p "$T/root/etc"
systemd-sysusers --root="$T/root" - < "$SYSUSERS" \
    > "$T/sysusers" 2>&1 || fail "systemd-sysusers: $(cat "$T/sysusers")"
grep -q '^dmarcdb:x:[0-9]*:[0-9]*:[^:]*:/var/lib/dmarcdb:[^:]*/nologin$' \
    "$T/root/etc/passwd" || fail "the user: $(cat "$T/root/etc/passwd")"
grep -q '^dmarcdb:x:[0-9]*:$' "$T/root/etc/group" ||
    fail "the group: $(cat "$T/root/etc/group")"
echo ok
