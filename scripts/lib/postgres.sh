# Sourced by scripts/test, scripts/run-cluster and the benchmarks: a throwaway PostgreSQL 15 server
# (Debian's postgresql-15) in a folder of its own, reached over a unix socket, trusted without password.
#
#   pg_start DIR [PORT]  initdb into DIR/data and start the server; the socket goes in DIR (or, when
#                        DIR's path is too long for a unix socket, in a short folder under /tmp).
#                        PORT names the socket (.s.PGSQL.PORT); a free one is picked when not given.
#                        PG_LISTEN (default: none) adds TCP addresses, e.g. PG_LISTEN=127.0.0.1.
#                        PG_SETTINGS (default: none) adds lines to postgresql.conf, e.g. "shared_buffers = 1GB".
#                        Sets and exports PG_DIR, PG_PORT, PG_SOCKET_DIR and PG_BASE_URL
#                        (postgresql://postgres@/postgres?host=SOCKET_DIR&port=PORT).
#   pg_url DBNAME        prints the URI of database DBNAME on that server
#   pg_createdb NAME     creates database NAME on it
#   pg_stop [DIR]        stops the server of DIR (default: PG_DIR) at once (pg_ctl -m fast); the data
#                        stays in DIR/data, for the caller to remove
#   pg_start_standby DIR [PORT]  a streaming standby of the server started last (PG_DIR): pg_basebackup
#                        into DIR/data, started; then the primary waits for it at every commit
#                        (synchronous_standby_names). Sets STANDBY_DIR, STANDBY_PORT, STANDBY_SOCKET_DIR
#                        and PG_CLUSTER_URL_HOSTS.
#   pg_cluster_url DBNAME  the multi-host URI of DBNAME on primary and standby with
#                        target_session_attrs=read-write: libpq connects to whichever takes writes
#   pg_promote DIR       promotes the standby in DIR to primary (pg_ctl promote, waits)
#
# initdb and postgres refuse to run as root: as root they run as the `postgres` user (runuser),
# and DIR and the socket folder are given to it; as anyone else they run as that user.

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

_pg_as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# Percent-encodes a value for a URI's query (the socket folder: a path).
_pg_encode() {
    python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe="/"), end="")' "$1"
}

_pg_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

pg_start() {
    local dir=${1:?pg_start: a folder is needed} port=${2:-} socket_dir
    if [[ ! -x $PG_BIN/initdb ]]; then
        echo "PostgreSQL 15 is not installed ($PG_BIN/initdb is missing): run scripts/setup as root." >&2
        return 1
    fi
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    port=${port:-$(_pg_free_port)}
    # A unix socket's path is at most 107 bytes: DIR/.s.PGSQL.PORT.lock must fit.
    socket_dir=$dir
    if (( ${#dir} + 22 > 100 )); then
        socket_dir=$(mktemp -d /tmp/pg.XXXXXX)
        echo "$socket_dir" > "$dir/socket-dir"
    fi
    if [[ $(id -u) -eq 0 ]]; then
        chown postgres:postgres "$dir" "$socket_dir"
        if ! runuser -u postgres -- test -w "$dir" -a -x "$dir"; then
            echo "pg_start: the postgres user cannot reach $dir (a parent folder is closed to it); use a folder under /tmp." >&2
            return 1
        fi
    fi
    if ! _pg_as_owner "$PG_BIN/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1; then
        echo "pg_start: initdb failed:" >&2
        cat "$dir/initdb.log" >&2
        return 1
    fi
    # Settings in the configuration file rather than on pg_ctl's command line (no shell quoting).
    _pg_as_owner tee -a "$dir/data/postgresql.conf" >/dev/null <<EOF

# Throwaway server of scripts/lib/postgres.sh
port = $port
unix_socket_directories = '$socket_dir'
listen_addresses = '${PG_LISTEN:-}'
max_connections = 200
${PG_SETTINGS:-}
EOF
    if ! _pg_as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 start >/dev/null; then
        echo "pg_start: PostgreSQL did not start:" >&2
        tail -n 20 "$dir/postgres.log" >&2
        return 1
    fi
    export PG_DIR=$dir PG_PORT=$port PG_SOCKET_DIR=$socket_dir
    PG_BASE_URL=$(pg_url postgres)
    export PG_BASE_URL
    echo "==> PostgreSQL 15 running: $PG_BASE_URL" >&2
}

pg_url() {
    printf 'postgresql://postgres@/%s?host=%s&port=%s\n' "${1:?pg_url: a database name is needed}" "$(_pg_encode "$PG_SOCKET_DIR")" "$PG_PORT"
}

pg_createdb() {
    "$PG_BIN/createdb" -h "$PG_SOCKET_DIR" -p "$PG_PORT" -U postgres "${1:?pg_createdb: a database name is needed}"
}

pg_stop() {
    local dir=${1:-${PG_DIR:-}}
    [[ -n $dir && -d $dir/data ]] || return 0
    if [[ -e $dir/data/postmaster.pid ]]; then
        _pg_as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
    fi
    if [[ -f $dir/socket-dir ]]; then
        rm -rf "$(cat "$dir/socket-dir")"
        rm -f "$dir/socket-dir"
    fi
}

# True when a --database value is a libpq URI rather than a SQLite file.
pg_is_url() {
    [[ $1 == postgres://* || $1 == postgresql://* ]]
}

# True when the database of URL has no table yet (a new database, to be seeded); false when it has
# some; fails with a message when the server cannot be reached. psql reads a password the way the app
# does (PGPASSFILE, ~/.pgpass, a service file), never from the command line.
pg_database_is_empty() {
    local tables
    if ! tables=$(psql "$1" -X -At -v ON_ERROR_STOP=1 -c "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()" 2>&1); then
        echo "Cannot reach the database: ${tables%%$'\n'*}" >&2
        return 2
    fi
    [[ $tables == 0 ]]
}

pg_start_standby() {
    local dir=${1:?pg_start_standby: a folder is needed} port=${2:-$(_pg_free_port)} socket_dir
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    socket_dir=$dir
    if (( ${#dir} + 22 > 100 )); then
        socket_dir=$(mktemp -d /tmp/pg.XXXXXX)
        echo "$socket_dir" > "$dir/socket-dir"
    fi
    if [[ $(id -u) -eq 0 ]]; then chown postgres:postgres "$dir" "$socket_dir"; fi
    # -X stream: the WAL written meanwhile comes along; a fast checkpoint starts the copy at once
    # (the default spreads it over minutes). Not -R: its primary_conninfo (in
    # postgresql.auto.conf) would name the standby "walreceiver", not the name the primary waits for.
    if ! _pg_as_owner "$PG_BIN/pg_basebackup" -h "$PG_SOCKET_DIR" -p "$PG_PORT" -U postgres -D "$dir/data" -X stream --checkpoint=fast \
            >"$dir/basebackup.log" 2>&1; then
        echo "pg_start_standby: pg_basebackup failed:" >&2
        cat "$dir/basebackup.log" >&2
        return 1
    fi
    printf '\n# Standby of scripts/lib/postgres.sh\nport = %s\nunix_socket_directories = '"'%s'"'\nprimary_conninfo = '"'host=%s port=%s user=postgres application_name=standby'"'\n' \
        "$port" "$socket_dir" "$PG_SOCKET_DIR" "$PG_PORT" | _pg_as_owner tee -a "$dir/data/postgresql.conf" >/dev/null
    _pg_as_owner touch "$dir/data/standby.signal"
    if ! _pg_as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 start >/dev/null; then
        echo "pg_start_standby: the standby did not start:" >&2
        tail -n 20 "$dir/postgres.log" >&2
        return 1
    fi
    # Synchronous from now on: a commit returns once the standby has it, so a failover loses none.
    # Set after the copy: the promoted standby must not wait for a standby of its own.
    psql -X -q -h "$PG_SOCKET_DIR" -p "$PG_PORT" -U postgres -d postgres \
        -c "ALTER SYSTEM SET synchronous_standby_names = 'standby'" -c "SELECT pg_reload_conf()" >/dev/null
    for _ in $(seq 100); do
        [[ $(psql -X -At -h "$PG_SOCKET_DIR" -p "$PG_PORT" -U postgres -d postgres \
            -c "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'standby'") == sync ]] && break
        sleep 0.1
    done
    export STANDBY_DIR=$dir STANDBY_PORT=$port STANDBY_SOCKET_DIR=$socket_dir
    PG_CLUSTER_URL_HOSTS="host=$(_pg_encode "$PG_SOCKET_DIR"),$(_pg_encode "$socket_dir")&port=$PG_PORT,$port"
    export PG_CLUSTER_URL_HOSTS
    echo "==> PostgreSQL standby running (synchronous): $dir" >&2
}

pg_cluster_url() {
    printf 'postgresql://postgres@/%s?%s&target_session_attrs=read-write\n' "${1:?pg_cluster_url: a database name is needed}" \
        "${PG_CLUSTER_URL_HOSTS:?pg_start_standby first}"
}

pg_promote() {
    _pg_as_owner "$PG_BIN/pg_ctl" -D "${1:?pg_promote: a folder is needed}/data" -w -t 60 promote >/dev/null
}
