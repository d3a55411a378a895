# Sourced by the benchmark scripts: starts APP_PROCESSES (1) app processes and nginx on a database
# under $work and signs in as the demo Admin. Sets base, app (the first process's pid), apps (all),
# cookie and public.
# Usage: start_stack BINARY DATABASE
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
    nginx -p "$work/nginx" -c "$config" -e "$work/nginx/logs/error.log" -g 'daemon off;' &
    web=$!
    trap 'kill -TERM $web ${apps[*]} ${extra_pids:-} 2>/dev/null; wait $web ${apps[*]} 2>/dev/null || true' EXIT
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
    trap - EXIT
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
