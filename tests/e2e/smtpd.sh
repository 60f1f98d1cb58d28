# smtpd.sh: a private OpenSMTPD for a test that sends mail (sourced
# after lib.sh), as tests/e2e/digest-smtp.sh runs its own.
#
# OpenSMTPD's spool (/var/spool/smtpd) and control socket
# (/run/smtpd.sock) are compiled in: it must run as root, once per host,
# so a system OpenSMTPD must not be running (tools/deps.sh test stops
# it). smtpd_start delivers as "nobody" into the Maildir $MD under $T,
# listening on $URL (smtp://127.0.0.1:$PORT); it refuses every
# recipient of the domain refused.example. It stops when the test ends.

# smtpd_start: start it, and wait until it listens.
smtpd_start() {
	[ "$(id -u)" -eq 0 ] || fail "must run as root: OpenSMTPD runs as" \
	    "root only, with a compiled-in spool (CI runs the tests as root)"
	command -v smtpd > /dev/null ||
	    fail "smtpd not installed (tools/deps.sh test installs opensmtpd)"
	# One OpenSMTPD per host: wait for another test's (another build
	# tree's make check) to finish.
	exec 9> /tmp/dmarcdb-opensmtpd.lock	# host-wide, whatever TMPDIR is
	flock -w 900 9 || fail "another test has held the OpenSMTPD lock" \
	    "for 15 minutes"
	if smtpctl show status > /dev/null 2>&1; then
		fail "an OpenSMTPD already runs on this host (pid" \
		    "$(cat /run/smtpd.pid 2> /dev/null)); there can be only" \
		    "one: stop it (tools/deps.sh test stops the system's), or" \
		    "wait for the other test"
	fi
	# A port no socket has (lib.sh).
	PORT=$(free_port)
	# shellcheck disable=SC2034	# the test's
	URL=smtp://127.0.0.1:$PORT
	MD=$T/Maildir
	mkdir -p "$MD/new" "$MD/cur" "$MD/tmp"
	chown -R nobody:nogroup "$MD"
	chmod 755 "$T"
	printf '%s\n' 'table vusers { "@" = "nobody" }' \
	    "listen on 127.0.0.1 port $PORT" \
	    "action \"deliver\" maildir \"$MD\" user nobody virtual <vusers>" \
	    'match from any for domain "refused.example" reject' \
	    'match from any for any action "deliver"' > "$T/smtpd.conf"
	smtpd -n -f "$T/smtpd.conf" > /dev/null 2> "$T/err" ||
	    fail "smtpd configuration: $(cat "$T/err")"
	smtpd -d -f "$T/smtpd.conf" < /dev/null > "$T/smtpd.log" 2>&1 &
	SPID=$!
	at_exit smtpd_stop
	i=0
	until [ -n "$(ss -Hltn "sport = :$PORT" 2>/dev/null)" ]; do
		kill -0 "$SPID" 2> /dev/null ||
		    fail "smtpd did not start: $(cat "$T/smtpd.log")"
		i=$((i + 1))
		[ $i -lt 100 ] || fail "smtpd does not listen on $PORT"
		sleep 0.1
	done
	# Left over from an earlier run, mail would land here too.
	[ -z "$(smtpctl show queue)" ] ||
	    fail "the spool of OpenSMTPD holds mail from earlier runs:" \
	    "$(smtpctl show queue | head -3)"
}

smtpd_stop() {
	kill "$SPID" 2> /dev/null || return 0
	wait "$SPID" 2> /dev/null || true
}

# settle N: wait until N messages (at least) are delivered, the queue
# is empty and no delivery is under way, 10 s at most; then list what
# was delivered.
settle() {
	i=0
	while [ "$(find "$MD/new" -type f | wc -l)" -lt "$1" ] ||
	    [ -n "$(smtpctl show queue)" ] || [ -n "$(ls "$MD/tmp")" ]; do
		i=$((i + 1))
		[ $i -lt 100 ] || fail "$(find "$MD/new" -type f | wc -l)" \
		    "of $1 messages delivered after 10 s, queue:" \
		    "$(smtpctl show queue | head -3)"
		sleep 0.1
	done
	ls "$MD/new"
}
