# Sourced by the benchmark scripts: starts APP_PROCESSES (1) app processes and nginx on a database
# under $work (a SQLite file or a postgres:// URI) and signs in as the demo Admin. Sets base, app (the
# first process's pid), apps (all), cookie and public. Everything started here (the stack, Datasette,
# a throwaway PostgreSQL) is stopped on exit.
# Usage: start_stack BINARY DATABASE
source "$(dirname "${BASH_SOURCE[0]}")/postgres.sh"
web=""
apps=()
extra_pids=""
bench_pg_dir=""
_bench_cleanup() {
    if [[ -n $web || ${#apps[@]} -gt 0 || -n $extra_pids ]]; then
        kill -TERM $web ${apps[*]} $extra_pids 2>/dev/null || true
        wait $web ${apps[*]} $extra_pids 2>/dev/null || true
    fi
    if [[ -n $bench_pg_dir ]]; then
        pg_stop "$bench_pg_dir"
        rm -rf "$bench_pg_dir"
    fi
}
trap _bench_cleanup EXIT

start_stack() {
    local binary=$1 database=$2
    local port config jar csrf session upstreams="" n
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    public=$work/public
    rm -rf "$public" && cp -r "$root/Public" "$public"
    apps=()
    for n in $(seq 1 "${APP_PROCESSES:-1}"); do
        upstreams+="unix:$work/app-$n.sock "
        "$binary" serve --database "$database" --listen "$work/app-$n.sock" ${THREADS:+--threads $THREADS} ${SERVE_FLAGS:-} \
            --views "$root/Views" --public-directory "$root/Public" 2>>"$work/app.log" &
        apps+=($!)
    done
    app=${apps[0]}
    # Every benchmark request comes from 127.0.0.1: nginx's per-address limits are raised.
    config=$(RATE_SCALE=${RATE_SCALE:-100000} "$root/scripts/nginx-config" "$work/nginx" "127.0.0.1:$port" "$upstreams" "$public")
    # BENCH_CLIENT_HEADER=NAME: nginx takes the client's address from that header (sent by wrk), so
    # that a benchmark's requests come from many drivers' networks, as in production, not one.
    if [[ -n ${BENCH_CLIENT_HEADER:-} ]]; then
        sed -i "0,/^http {/s//http {\n    set_real_ip_from 127.0.0.1;\n    real_ip_header $BENCH_CLIENT_HEADER;/" "$config"
    fi
    nginx -p "$work/nginx" -c "$config" -e "$work/nginx/logs/error.log" -g 'daemon off;' &
    web=$!
    base=http://127.0.0.1:$port
    for _ in $(seq 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done

    # Sign in as the demo Admin (every organization), as a browser would.
    jar=$work/cookies.txt
    rm -f "$jar"
    csrf=$(curl -sf -c "$jar" "$base/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -n 1)
    curl -sf -b "$jar" -c "$jar" -o /dev/null --data-urlencode "csrf=$csrf" --data-urlencode "email=admin@demo.test" \
        --data-urlencode "password=connections-demo" --data-urlencode "next=/connections" "$base/login"
    session=$(awk '$6 == "session" {print $7}' "$jar")
    [[ -n $session ]] || { echo "could not sign in" >&2; exit 1; }
    cookie="Cookie: session=$session"
}

# Makes an API token for the signed-in demo Admin through the tokens page; sets api_token.
# (Start the stack with SERVE_FLAGS="--api-requests-per-minute 1000000 --api-burst 1000000" to measure
# speed, not the limit per token.)
make_api_token() {
    local jar=$work/cookies.txt csrf
    csrf=$(curl -sf -b "$jar" "$base/account/tokens" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -n 1)
    api_token=$(curl -sf -b "$jar" --data-urlencode "csrf=$csrf" --data-urlencode "name=benchmark $(date +%s%N)" \
        --data-urlencode "expires=1" "$base/account/tokens" | grep -o 'cnx_[A-Za-z0-9_-]*' | head -n 1)
    [[ -n $api_token ]] || { echo "could not make an API token" >&2; exit 1; }
}

# Stops what start_stack started, so that another stack can start.
stop_stack() {
    kill -TERM "$web" "${apps[@]}" 2>/dev/null || true
    wait "$web" "${apps[@]}" 2>/dev/null || true
    web=""
    apps=()
}

# PostgreSQL beside SQLite in the same run: a database holding the same data as the SQLite file,
# filled by `connections copy` (timed; the copy is recorded in BENCHMARKS.md, issue 14 item 6).
# With DATABASE_URL set (a libpq URI naming a database on a server of your own), that database is
# used: filled by the copy when it is empty, used as it is when it already holds the data (same number
# of connections). Otherwise a throwaway PostgreSQL 15 is started under /tmp (scripts/lib/postgres.sh,
# settings below) and stopped on exit. Sets pg_database (the URI), pg_server ("throwaway" or
# "DATABASE_URL"), pg_server_text (a description for BENCHMARKS.md), copy_seconds and copy_summary
# (empty when nothing was copied).
# Usage: postgres_beside BINARY SQLITE_DATABASE CONNECTIONS
#
# The throwaway server runs PostgreSQL's defaults except what a real installation sets too:
# shared_buffers 1 GB (default 128 MB; a quarter of RAM is the usual advice, this machine has far more).
BENCH_PG_SETTINGS=${BENCH_PG_SETTINGS:-"shared_buffers = 1GB"}
postgres_beside() {
    local binary=$1 sqlite=$2 connections=$3 name=bench_$3 started log
    copy_seconds="" copy_summary=""
    if [[ -n ${DATABASE_URL:-} ]]; then
        pg_database=$DATABASE_URL pg_server=DATABASE_URL
        pg_server_text="the PostgreSQL server of \`DATABASE_URL\`"
        local status=0
        pg_database_is_empty "$pg_database" || status=$?
        (( status == 2 )) && exit 1
        if (( status == 1 )); then
            local held
            held=$(psql "$pg_database" -X -At -c "SELECT count(*) FROM connections")
            [[ $held == "$connections" ]] || { echo "$pg_database holds $held connections, not $connections: give an empty database" >&2; exit 1; }
            "$binary" migrate --database "$pg_database" >/dev/null
            return 0
        fi
    else
        bench_pg_dir=$(mktemp -d /tmp/connections-bench-pg.XXXXXX)
        chmod 755 "$bench_pg_dir"
        PG_SETTINGS=$BENCH_PG_SETTINGS pg_start "$bench_pg_dir"
        pg_createdb "$name"
        pg_database=$(pg_url "$name") pg_server=throwaway
        pg_server_text="a throwaway PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on this machine, unix socket, \`$BENCH_PG_SETTINGS\`, otherwise defaults"
    fi
    log=$work/copy-$connections.log
    started=$(date +%s.%N)
    "$binary" copy --from "$sqlite" --to "$pg_database" > "$log"
    copy_seconds=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$started" "$(date +%s.%N)")
    copy_summary=$(tail -n 1 "$log")
    record_copy "$connections"
}

# Writes the copy's section of BENCHMARKS.md (when the copy was of a million connections or more, or
# no copy was recorded yet). Usage: record_copy CONNECTIONS
record_copy() {
    (( $1 >= 1000000 )) || ! grep -q '<!-- postgres-copy:start -->' "$root/BENCHMARKS.md" || return 0
    record_section postgres-copy "$(cat <<MD
<!-- postgres-copy:start -->
## Moving up: \`connections copy\` to PostgreSQL (issue 14)

Measured $(date -u +%Y-%m-%d) by \`scripts/$(basename "$0") $1\` on this machine ($(nproc) cores): \`connections copy --from\` the
benchmark's SQLite file of $(python3 -c "print(f'{$1:,}')") connections \`--to\` $pg_server_text, into an empty database: every
table in one transaction (COPY ... FROM STDIN; indexes, the trigram GIN indexes included, kept up as rows arrive),
row counts and counters checked, then \`VACUUM (ANALYZE)\`; target for 1,000,000 connections: under 5 minutes.

    $copy_summary
    wall clock of the command, schema and vacuum included: **$copy_seconds s**
<!-- postgres-copy:end -->
MD
)"
}

# Makes DATABASE hold CONNECTIONS demo connections at the current schema: seeds it once, and
# migrates it on later runs. Usage: ensure_demo_database BINARY DATABASE CONNECTIONS
ensure_demo_database() {
    if [[ -s $2 ]]; then
        "$1" migrate --database "$2" >/dev/null
    else
        "$1" seed --database "$2" --connections "$3"
    fi
}

# Replaces the section between <!-- NAME:start --> and <!-- NAME:end --> of BENCHMARKS.md.
# Usage: record_section NAME REPORT
record_section() {
    python3 - "$root/BENCHMARKS.md" "$1" "$2" <<'PY'
import pathlib, re, sys
path, name, report = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3]
text = path.read_text() if path.exists() else "# Benchmarks\n"
pattern = re.compile(rf"<!-- {name}:start -->.*?<!-- {name}:end -->", re.S)
text = pattern.sub(lambda _: report, text) if pattern.search(text) else text.rstrip() + "\n\n" + report + "\n"
path.write_text(text)
PY
}

# Installs Datasette from PyPI into var/bench (once) and serves DATABASE read-only; sets
# datasette_base and datasette_version. Usage: start_datasette DATABASE
start_datasette() {
    local venv=$work/datasette-venv port
    if [[ ! -x $venv/bin/datasette ]]; then
        python3 -m venv "$venv"
        "$venv/bin/pip" install --quiet datasette
    fi
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    # Datasette counts with the same patience as we do, and reads the file as it is (immutable).
    "$venv/bin/datasette" serve -i "$1" --port "$port" --setting sql_time_limit_ms 60000 \
        --setting facet_time_limit_ms 1 --setting suggest_facets off --setting max_csv_mb 0 2>"$work/datasette.log" &
    extra_pids=$!
    datasette_base=http://127.0.0.1:$port
    # Datasette reads an immutable file's table sizes before it answers: up to two minutes at a million rows.
    for _ in $(seq 1200); do curl -sf "$datasette_base/-/versions.json" >/dev/null && break; sleep 0.1; done
    datasette_version=$("$venv/bin/datasette" --version | awk '{print $NF}')
}
