# pg.sh: a private PostgreSQL server for the end-to-end tests (sourced
# after lib.sh):
#
#   pg_start            initdb a cluster in $T/pg and start it on a free
#                       port of 127.0.0.1 (its socket in $T/pg too);
#                       stopped when the test ends. PGHOST, PGPORT and
#                       PGUSER are exported for psql
#   pg_db NAME          create a database; its URI on standard output
#                       (through the socket: tests that trap network
#                       access still reach it)
#   pg_fresh NAME       drop and create it again, empty
#   pg_copy FROM NAME   a copy of database FROM; its URI
#   pg_kill             stop it now (immediate: as if it crashed)
#   pg_restart          start it again, on the same port
#   pg_reader URI       the database for a role that may only read it
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
	cat >> "$PGD/data/postgresql.conf" <<-EOF
	listen_addresses = '127.0.0.1'
	unix_socket_directories = '$PGD'
	fsync = off
	synchronous_commit = off
	full_page_writes = off
	max_connections = 60
	include_if_exists = 'port.conf'
	EOF
	# Another test's server may take the port first: another one then.
	i_=0
	while :; do
		PG_PORT=$(free_port $((7 + i_ * 101)))
		echo "port = $PG_PORT" > "$PGD/data/port.conf"
		if as_pg "$PG_BIN/pg_ctl" -D "$PGD/data" -l "$PGD/server.log" \
		    -w -t 30 start > /dev/null 2>&1; then
			PG_UP=1
			break
		fi
		i_=$((i_ + 1))
		grep -q "Address already in use" "$PGD/server.log" &&
		    [ $i_ -lt 10 ] || { cat "$PGD/server.log" >&2; fail \
		    "the PostgreSQL server did not start"; }
	done
	PGHOST=127.0.0.1
	PGPORT=$PG_PORT
	PGUSER=postgres
	export PGHOST PGPORT PGUSER
	pg_sqlite_functions
}

pg_restart() {
	as_pg "$PG_BIN/pg_ctl" -D "$PGD/data" -l "$PGD/server.log" -w -t 30 \
	    start > /dev/null || { cat "$PGD/server.log" >&2; fail \
	    "the PostgreSQL server did not start"; }
	PG_UP=1
}

pg_kill() {
	[ -n "$PG_UP" ] || return 0
	as_pg "$PG_BIN/pg_ctl" -D "$PGD/data" -m immediate -w stop \
	    > /dev/null 2>&1 || :
	PG_UP=
}

pg_uri() {
	echo "postgresql://postgres@:$PG_PORT/$1?host=$PGD"
}

# The tests' own queries are SQLite's: these functions of SQLite, with
# its meaning, make them run on PostgreSQL too (in template1, so that
# every database made has them). Not dmarcdb's: its SQL needs none.
pg_sqlite_functions() {
	psql -qX -d template1 -v ON_ERROR_STOP=1 > /dev/null <<-'EOF' ||
	CREATE FUNCTION group_concat_step(acc text, v text, sep text)
	RETURNS text LANGUAGE sql IMMUTABLE AS $$
	  SELECT CASE WHEN v IS NULL THEN acc WHEN acc IS NULL THEN v
	    ELSE acc || sep || v END $$;
	CREATE FUNCTION group_concat_step(acc text, v text)
	RETURNS text LANGUAGE sql IMMUTABLE AS $$
	  SELECT group_concat_step(acc, v, ',') $$;
	CREATE AGGREGATE group_concat(text, text)
	  (SFUNC = group_concat_step, STYPE = text);
	CREATE AGGREGATE group_concat(text)
	  (SFUNC = group_concat_step, STYPE = text);
	CREATE FUNCTION hex(bytea) RETURNS text LANGUAGE sql IMMUTABLE AS
	  $$ SELECT upper(encode($1, 'hex')) $$;
	CREATE FUNCTION hex(text) RETURNS text LANGUAGE sql IMMUTABLE AS
	  $$ SELECT upper(encode(convert_to($1, 'UTF8'), 'hex')) $$;
	CREATE FUNCTION quote(text) RETURNS text LANGUAGE sql IMMUTABLE AS
	  $$ SELECT coalesce(quote_literal($1), 'NULL') $$;
	CREATE FUNCTION quote(bigint) RETURNS text LANGUAGE sql IMMUTABLE AS
	  $$ SELECT coalesce($1::text, 'NULL') $$;
	CREATE FUNCTION instr(text, text) RETURNS bigint LANGUAGE sql
	  IMMUTABLE AS $$ SELECT position($2 in $1) $$;
	CREATE FUNCTION unixepoch(text) RETURNS bigint LANGUAGE sql
	  IMMUTABLE AS $$ SELECT extract(epoch FROM $1::timestamp)::bigint $$;
	CREATE FUNCTION sum_step(acc bigint, v boolean) RETURNS bigint
	  LANGUAGE sql IMMUTABLE AS
	  $$ SELECT coalesce(acc, 0) + CASE WHEN v THEN 1 ELSE 0 END $$;
	CREATE AGGREGATE sum(boolean) (SFUNC = sum_step, STYPE = bigint);
	CREATE FUNCTION date(bigint, text) RETURNS text LANGUAGE sql
	  IMMUTABLE AS $$ SELECT to_char(to_timestamp($1) AT TIME ZONE 'UTC',
	    'YYYY-MM-DD') $$;
	EOF
	    fail "cannot add SQLite's functions"
}

pg_db() {
	psql -qX -d postgres -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$1\"" \
	    > /dev/null || fail "cannot create database $1"
	pg_uri "$1"
}

pg_fresh() {
	psql -qX -d postgres -v ON_ERROR_STOP=1 \
	    -c "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)" \
	    -c "CREATE DATABASE \"$1\"" > /dev/null ||
	    fail "cannot create database $1 again"
}

pg_copy() {
	psql -qX -d postgres -v ON_ERROR_STOP=1 \
	    -c "CREATE DATABASE \"$2\" TEMPLATE \"$1\"" > /dev/null ||
	    fail "cannot copy database $1"
	pg_uri "$2"
}

# pg_reader URI: the database for a role that may only read it.
pg_reader() {
	name_=${1#*://}
	name_=${name_#*/}
	name_=${name_%%\?*}
	psql -qX -d "$name_" -v ON_ERROR_STOP=1 > /dev/null <<-'EOF' ||
	DO $$ BEGIN CREATE ROLE reader LOGIN;
	  EXCEPTION WHEN duplicate_object THEN NULL; END $$;
	GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader;
	EOF
	    fail "cannot make the role reader"
	echo "postgresql://reader@:$PG_PORT/$name_?host=$PGD"
}
