# Sourced by the benchmark scripts: starts the app and nginx on a database under $work and
# signs in as the demo Admin. Sets base, app (the app's pid), cookie and public.
# Usage: start_stack BINARY DATABASE
start_stack() {
    local binary=$1 database=$2
    local port socket config jar csrf session
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    socket=$work/app.sock
    public=$work/public
    rm -rf "$public" && cp -r "$root/Public" "$public"
    config=$("$root/scripts/nginx-config" "$work/nginx" "127.0.0.1:$port" "unix:$socket" "$public")
    "$binary" serve --database "$database" --listen "$socket" ${THREADS:+--threads $THREADS} --views "$root/Views" \
        --public-directory "$root/Public" 2>"$work/app.log" &
    app=$!
    nginx -p "$work/nginx" -c "$config" -e "$work/nginx/logs/error.log" -g 'daemon off;' &
    web=$!
    trap 'kill -TERM $web $app ${extra_pids:-} 2>/dev/null; wait $web $app 2>/dev/null || true' EXIT
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
