# pg.sh: a private PostgreSQL server for the end-to-end tests (sourced
# after lib.sh):
#
#   pg_start            initdb a cluster in $T/pg and start it on a free
#                       port of 127.0.0.1 (its socket in $T/pg too);
#                       stopped when the test ends. PGHOST, PGPORT and
#                       PGUSER are exported for psql
#   pg_db NAME          create a database; its URI on standard output
#   pg_stop, pg_kill    stop it now (fast), or kill it (immediate)
#   pg_restart          start it again, on the same port
#   pg_psql URI ARGS... psql on it, quiet, unaligned, no header
#
# initdb refuses to run as root: then the cluster belongs to the
# postgres user (the package's), and $T is opened to it.
PG_BIN=$(pg_config --bindir 2> /dev/null) || fail "pg_config is not" \
    "installed (tools/deps.sh)"
[ -x "$PG_BIN/initdb" ] || PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2> \
    /dev/null | sort -V | tail -n 1)
[ -x "$PG_BIN/initdb" ] || fail "the PostgreSQL server is not installed" \
    "(tools/deps.sh test)"
command -v psql > /dev/null || fail "psql is not installed" \
    "(tools/deps.sh test)"

PGD=$T/pg
PG_PORT=
PG_UP=
at_exit 'pg_kill'

# as_pg COMMAND...: as the cluster's owner (postgres, when we are root).
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		(cd "$PGD" && runuser -u postgres -- "$@")
	else
		"$@"
	fi
}

pg_start() {
	mkdir -p "$PGD"
	if [ "$(id -u)" -eq 0 ]; then
		chmod o+x "$T"
		chown postgres "$PGD"
	fi
	as_pg "$PG_BIN/initdb" -D "$PGD/data" -U postgres -A trust -E UTF8 \
	    --locale=C.UTF-8 --no-sync > "$PGD/initdb.log" 2>&1 ||
	    { cat "$PGD/initdb.log" >&2; fail "initdb failed"; }
	PG_PORT=$(free_port 7)
	cat >> "$PGD/data/postgresql.conf" <<-EOF
	listen_addresses = '127.0.0.1'
	port = $PG_PORT
	unix_socket_directories = '$PGD'
	fsync = off
	synchronous_commit = off
	full_page_writes = off
	max_connections = 60
	EOF
	pg_restart
	PGHOST=127.0.0.1
	PGPORT=$PG_PORT
	PGUSER=postgres
	export PGHOST PGPORT PGUSER
}

pg_restart() {
	as_pg "$PG_BIN/pg_ctl" -D "$PGD/data" -l "$PGD/server.log" -w -t 30 \
	    start > /dev/null || { cat "$PGD/server.log" >&2; fail \
	    "the PostgreSQL server did not start"; }
	PG_UP=1
}

pg_stop() {
	[ -n "$PG_UP" ] || return 0
	as_pg "$PG_BIN/pg_ctl" -D "$PGD/data" -m fast -w stop > /dev/null
	PG_UP=
}

pg_kill() {
	[ -n "$PG_UP" ] || return 0
	as_pg "$PG_BIN/pg_ctl" -D "$PGD/data" -m immediate -w stop \
	    > /dev/null 2>&1 || :
	PG_UP=
}

pg_db() {
	psql -qX -d postgres -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$1\"" \
	    > /dev/null || fail "cannot create database $1"
	echo "postgresql://postgres@127.0.0.1:$PG_PORT/$1"
}

pg_psql() {
	uri_=$1
	shift
	psql -qXAt -v ON_ERROR_STOP=1 -d "$uri_" "$@"
}
