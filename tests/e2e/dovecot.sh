# dovecot.sh: private Dovecot IMAP servers on 127.0.0.1 for the tests
# (sourced after lib.sh). dovecot_start [NAME] starts one on a free port
# with one user, "test" (password in $IMAP_PASS), whose Maildir is
# $IMAP_MD; $IMAP_URL is imap://test@127.0.0.1:PORT. Each is stopped
# when the test ends. Set before dovecot_start, for that instance:
#   DOVE_SSL   no (default), yes or required; then DOVE_CERT and
#              DOVE_KEY name its certificate and key (PEM)
#   DOVE_IMAPS 1: also an imaps listener, on $IMAPS_PORT
#   DOVE_CAPS  the capabilities it announces (imap_capability), such as
#              a list without MOVE
# A second dovecot_start starts another instance, and the variables
# then name it.

command -v dovecot > /dev/null ||
    fail "dovecot not installed (tools/deps.sh test installs it)"

IMAP_PASS=secret

# (free_port: lib.sh; the caller adds each port given to PORTS_GIVEN.)

dovecot_start() {
	DOVE=$T/${1:-dovecot}
	IMAP_MD=$DOVE/home/test/Maildir
	IMAP_PORT=$(free_port)
	PORTS_GIVEN="$PORTS_GIVEN$IMAP_PORT "
	IMAPS_PORT=0
	if [ "${DOVE_IMAPS:-0}" = 1 ]; then
		IMAPS_PORT=$(free_port)
		PORTS_GIVEN="$PORTS_GIVEN$IMAPS_PORT "
	fi
	IMAP_URL=imap://test@127.0.0.1:$IMAP_PORT
	mkdir -p "$DOVE/run" "$DOVE/state" "$IMAP_MD/cur" "$IMAP_MD/new" \
	    "$IMAP_MD/tmp"
	# The auth process runs as dovecot and must read the users file.
	chmod 755 "$T" "$DOVE"
	ssl="ssl = ${DOVE_SSL:-no}"
	if [ "${DOVE_SSL:-no}" != no ]; then
		ssl="$ssl
ssl_cert = <$DOVE_CERT
ssl_key = <$DOVE_KEY
ssl_min_protocol = TLSv1.2"
	fi
	caps=
	[ -z "${DOVE_CAPS:-}" ] || caps="imap_capability = $DOVE_CAPS"
	cat > "$DOVE/dovecot.conf" <<EOF
protocols = imap
listen = 127.0.0.1
base_dir = $DOVE/run
state_dir = $DOVE/state
log_path = $DOVE/dovecot.log
$ssl
$caps
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
first_valid_uid = 1
mail_location = maildir:~/Maildir
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $IMAPS_PORT
  }
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $DOVE/users
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$DOVE/home/%u
}
EOF
	echo "test:{PLAIN}$IMAP_PASS" > "$DOVE/users"
	# Mail is owned by an unprivileged user (Dovecot refuses uid 0).
	chown -R nobody:nogroup "$DOVE/home"
	doveconf -n -c "$DOVE/dovecot.conf" > /dev/null ||
	    fail "dovecot configuration"
	dovecot -c "$DOVE/dovecot.conf" < /dev/null > /dev/null 2>&1 ||
	    fail "dovecot did not start: $(cat "$DOVE/dovecot.log")"
	[ -n "$DOVE_DIRS" ] || at_exit dovecot_stop
	DOVE_DIRS="$DOVE_DIRS $DOVE"
	i=0
	until [ -n "$(ss -Hltn "sport = :$IMAP_PORT" 2>/dev/null)" ]; do
		i=$((i + 1))
		[ $i -lt 50 ] || fail "dovecot does not listen on $IMAP_PORT"
		sleep 0.1
	done
	# Loopback counts as secured: clear text logins work, whatever
	# DOVE_SSL says.
	i=0
	until curl -s "imap://127.0.0.1:$IMAP_PORT/" -u "test:$IMAP_PASS" \
	    > /dev/null; do
		i=$((i + 1))
		[ $i -lt 50 ] || fail "dovecot does not answer"
		sleep 0.1
	done
}

# dovecot_stop: stop every instance, all at once (each takes a while).
DOVE_DIRS=
dovecot_stop() {
	pids=
	for d in $DOVE_DIRS; do
		[ -f "$d/run/master.pid" ] || continue
		pid=$(cat "$d/run/master.pid")
		kill "$pid" 2> /dev/null && pids="$pids $pid"
	done
	for pid in $pids; do
		i=0
		while kill -0 "$pid" 2> /dev/null && [ $i -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
	done
}

# imap_put FILE [FOLDER]: append a message with curl (as a client would).
imap_put() {
	curl -s "imap://127.0.0.1:$IMAP_PORT/${2:-INBOX}" \
	    -u "test:$IMAP_PASS" -T "$1" || fail "append $1"
}

# imap_cmd FOLDER COMMAND: one command, untagged answers on stdout.
imap_cmd() {
	curl -s "imap://127.0.0.1:$IMAP_PORT/$1" -u "test:$IMAP_PASS" \
	    -X "$2"
}
