# dovecot.sh: a private Dovecot IMAP server on 127.0.0.1 for the tests
# (sourced after lib.sh). dovecot_start starts it on a free port with
# one user, "test" (password in $IMAP_PASS), whose Maildir is $IMAP_MD;
# it is stopped on exit. $IMAP_URL is imap://test@127.0.0.1:PORT.

command -v dovecot > /dev/null ||
    fail "dovecot not installed (tools/deps.sh test installs it)"

IMAP_PASS=secret
DOVE=$T/dovecot
IMAP_MD=$DOVE/home/test/Maildir

# A port nobody listens on, from the ephemeral range.
free_port() {
	p=$(( 20000 + $$ % 20000 ))
	while [ -n "$(ss -Hltn "sport = :$p" 2>/dev/null)" ]; do
		p=$((p + 1))
	done
	echo "$p"
}

dovecot_start() {
	IMAP_PORT=$(free_port)
	IMAP_URL=imap://test@127.0.0.1:$IMAP_PORT
	mkdir -p "$DOVE/run" "$DOVE/state" "$IMAP_MD/cur" "$IMAP_MD/new" \
	    "$IMAP_MD/tmp"
	# The auth process runs as dovecot and must read the users file.
	chmod 755 "$T" "$DOVE"
	cat > "$DOVE/dovecot.conf" <<EOF
protocols = imap
listen = 127.0.0.1
base_dir = $DOVE/run
state_dir = $DOVE/state
log_path = $DOVE/dovecot.log
ssl = no
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
    port = 0
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
	# Stop it first, then lib.sh's finish (memory checker reports,
	# clean-up) with the test's own status.
	trap 'rc_=$?; dovecot_stop; (exit "$rc_"); finish' EXIT
	i=0
	until curl -s "imap://127.0.0.1:$IMAP_PORT/" -u "test:$IMAP_PASS" \
	    > /dev/null; do
		i=$((i + 1))
		[ $i -lt 50 ] || fail "dovecot does not answer"
		sleep 0.1
	done
}

dovecot_stop() {
	[ -f "$DOVE/run/master.pid" ] || return 0
	pid=$(cat "$DOVE/run/master.pid")
	kill "$pid" 2> /dev/null || return 0
	i=0
	while kill -0 "$pid" 2> /dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
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
