"""Starts the real app and a real nginx on a SQLite file in a temporary folder, or, when
CONNECTIONS_TEST_POSTGRES names a PostgreSQL server (a libpq URI, as scripts/test sets it), on a
database of its own made on that server."""
import hashlib
import itertools
import os
import pathlib
import re
import secrets
import signal
import socket
import sqlite3
import subprocess
import time
import urllib.parse
from html.parser import HTMLParser

import requests

ROOT = pathlib.Path(__file__).resolve().parents[2]
ADMIN, OFFICER, VIEWER = "admin@demo.test", "officer@demo.test", "viewer@demo.test"
# The connections (as c) the admin sees: tests add organizations of their own to the shared stack.
ADMINS_CONNECTIONS = f"c.org_id IN (SELECT org_id FROM user_roles WHERE user_id = (SELECT id FROM users WHERE email = '{ADMIN}'))"
PASSWORD = "connections-demo"
# CONNECTIONS_BIN names a build's `connections` (or its `connections-test`); both are in its folder.
_BUILD = pathlib.Path(os.environ.get("CONNECTIONS_BIN", str(ROOT / ".build" / "release" / "connections"))).parent
# What scripts/run serves: it has no test hooks.
SERVED_BINARY = str(_BUILD / "connections")
# The test build the stacks run: the same program, whose `serve --test-routes` adds the tests' hooks.
BINARY = str(_BUILD / "connections-test")
# A PostgreSQL server's URI (e.g. postgresql://postgres@/postgres?host=/tmp/pg.x&port=55432): every
# stack then gets a new database there. Unset: every stack has a SQLite file in its folder.
POSTGRES = os.environ.get("CONNECTIONS_TEST_POSTGRES") or None
_database_numbers = itertools.count(1)


def database_url(base, name):
    """The URI `base` with its database replaced by `name` (host, port, user and options kept)."""
    parts = urllib.parse.urlsplit(base)
    return urllib.parse.urlunsplit(parts._replace(path="/" + urllib.parse.quote(name)))


def _server(base=None):
    import psycopg2  # Debian's python3-psycopg2 (scripts/setup --test)
    connection = psycopg2.connect(base or POSTGRES)
    connection.autocommit = True
    return connection


def new_database(folder, name="connections"):
    """What to pass as --database for a new installation: a SQLite file in `folder` (not created yet),
    or with CONNECTIONS_TEST_POSTGRES the URI of a new, empty database on that server."""
    if not POSTGRES:
        return pathlib.Path(folder) / f"{name}.sqlite"
    database = f"e2e_{os.getpid()}_{next(_database_numbers)}_{secrets.token_hex(3)}"
    server = _server()
    try:
        server.cursor().execute(f'CREATE DATABASE "{database}"')
    finally:
        server.close()
    return database_url(POSTGRES, database)


def drop_database(url):
    """Removes a database that new_database made on the PostgreSQL server (closing its sessions)."""
    name = urllib.parse.unquote(urllib.parse.urlsplit(str(url)).path.lstrip("/"))
    server = _server()
    try:
        server.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        server.close()


def _pyformat(sql):
    """SQLite's ? placeholders as psycopg2's %s; a literal % doubled (inside quotes as well)."""
    parts = re.split(r"('(?:[^']|'')*')", sql)
    return "".join(part.replace("%", "%%") if index % 2 else part.replace("%", "%%").replace("?", "%s")
                   for index, part in enumerate(parts))


class PostgresConnection:
    """What the tests use of a sqlite3 connection, on PostgreSQL: execute and executemany with ?
    placeholders, returning a cursor (fetchone, fetchall, iteration); `with` commits (or rolls back
    on an exception) and closes. Tests write portable SQL: RETURNING id rather than lastrowid,
    ON CONFLICT DO NOTHING rather than INSERT OR IGNORE, timestamps made in Python."""

    def __init__(self, url, readonly=False):
        import psycopg2
        self.raw = psycopg2.connect(str(url))
        if readonly:
            self.raw.set_session(readonly=True)

    def execute(self, sql, parameters=()):
        cursor = self.raw.cursor()
        cursor.execute(_pyformat(sql), tuple(parameters))
        return cursor

    def executemany(self, sql, rows):
        cursor = self.raw.cursor()
        cursor.executemany(_pyformat(sql), [tuple(row) for row in rows])
        return cursor

    def commit(self):
        self.raw.commit()

    def rollback(self):
        self.raw.rollback()

    def close(self):
        self.raw.close()

    def __enter__(self):
        return self

    def __exit__(self, kind, value, traceback):
        try:
            if kind is None:
                self.raw.commit()
            else:
                self.raw.rollback()
        finally:
            self.raw.close()
        return False


def open_database(database, readonly=False):
    """A connection to `database` (a SQLite path or a PostgreSQL URI), for setting up and checking data."""
    if isinstance(database, str) and database.startswith(("postgres://", "postgresql://")):
        return PostgresConnection(database, readonly)
    if readonly:
        connection = sqlite3.connect(f"file:{urllib.parse.quote(str(database))}?mode=ro", uri=True)
    else:
        connection = sqlite3.connect(database)
    connection.execute("PRAGMA foreign_keys = ON")
    return connection


def secret_hash(secret):
    """What the app stores for a secret it hands out (a session, a link): its SHA-256 in hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


def count_rate_events(db, subject, count, window, seconds_ago=0):
    """Counts `count` events of a rate limit for `subject` (`window` seconds long), as if made
    `seconds_ago` seconds ago: one bucket of the app's RateWindow table."""
    at = int(time.time()) - seconds_ago
    db.execute("INSERT INTO rate_windows (subject, bucket, events, expires_at, last_at) VALUES (?, ?, ?, ?, ?)",
               (subject, at // 60, count, at + window, at))


def utc_timestamp(seconds_ago=0):
    """A stored timestamp (2026-01-01T00:00:00Z) of `seconds_ago` seconds before now: tests make times in
    Python, so the same SQL runs on both databases."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - seconds_ago))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stack:
    """nginx -> FastCGI -> connections serve -> SQLite, all under `folder`; or -> PostgreSQL, a new
    database on the CONNECTIONS_TEST_POSTGRES server (`database` is then its URI)."""

    def __init__(self, folder, connections=600, max_body_bytes=65536, threads=4, tcp=False, busy_timeout_ms=5000,
                 processes=1, shutdown_grace=10, rate_limits=False, extra_args=(), sqlite=False, database=None, seed=True,
                 served=False, metrics=False):
        """`sqlite`: a SQLite file whatever the run (to compare with PostgreSQL); `database`: an
        existing database (path or URI) instead of a new one, which the stack does not drop;
        `seed=False`: used as it is (filled by `connections copy`, say); `served`: the binary
        scripts/run serves, without the test hooks, instead of the test build."""
        self.folder = pathlib.Path(folder)
        self.owns_database = database is None
        self.database = database or (self.folder / "connections.sqlite" if sqlite else new_database(self.folder))
        self.postgres = str(self.database).startswith(("postgres://", "postgresql://"))
        self.socket = self.folder / "app.sock"
        # Each app process's address: unix sockets (app.sock, app-2.sock, ...), or host:port with tcp=True.
        self.listens = [f"127.0.0.1:{free_port()}" if tcp else str(self.folder / ("app.sock" if n == 1 else f"app-{n}.sock"))
                        for n in range(1, processes + 1)]
        self.listen = self.listens[0]
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.max_body_bytes = max_body_bytes
        self.threads = threads
        self.busy_timeout_ms = busy_timeout_ms
        self.shutdown_grace = shutdown_grace
        self.extra_args = list(extra_args)
        self.binary, self.hooks = (SERVED_BINARY, []) if served else (BINARY, ["--test-routes"])
        # All test requests come from 127.0.0.1: nginx's per-address limits are raised unless a test is about them.
        self.rate_scale = 1 if rate_limits else 1000
        self.apps = [None] * processes
        self.app = self.nginx = None
        self.app_log = self.folder / "app.log"
        # metrics=True: each process serves /metrics on a port of its own (--metrics-listen), off nginx.
        self.metrics_addresses = [f"127.0.0.1:{free_port()}" for _ in range(processes)] if metrics else []
        try:
            if seed:
                subprocess.run([BINARY, "seed", "--database", str(self.database), "--connections", str(connections)],
                               check=True, capture_output=True)
        except BaseException:
            if self.postgres and self.owns_database:
                drop_database(self.database)
            raise

    def start_app(self, index=0):
        """Starts app process `index` (again), and waits until its socket listens."""
        listen = self.listens[index]
        self.apps[index] = subprocess.Popen(
            [self.binary, "serve", "--database", str(self.database), "--listen", listen,
             "--threads", str(self.threads), "--busy-timeout-ms", str(self.busy_timeout_ms), "--max-body-bytes", str(self.max_body_bytes),
             "--shutdown-grace", str(self.shutdown_grace),
             "--views", str(ROOT / "Views"), "--public-directory", str(ROOT / "Public"),
             "--public-base-url", "https://connect.example.test", *self.hooks, *self.extra_args,
             *(["--metrics-listen", self.metrics_addresses[index]] if self.metrics_addresses else [])],
            stdout=subprocess.DEVNULL, stderr=open(self.app_log, "a"))
        if index == 0:
            self.app = self.apps[0]
        deadline = time.time() + 20
        while time.time() < deadline:
            if listen[0].isdigit():
                with socket.socket() as probe:
                    if probe.connect_ex((listen.split(":")[0], int(listen.split(":")[1]))) == 0:
                        return
            elif pathlib.Path(listen).is_socket():
                return
            if self.apps[index].poll() is not None:
                raise RuntimeError("app exited: " + self.app_log.read_text())
            time.sleep(0.02)
        raise RuntimeError("app did not listen: " + self.app_log.read_text())

    def db(self):
        """A read-write connection to the stack's database, SQLite or PostgreSQL (see PostgresConnection)."""
        return open_database(self.database)

    def query(self, sql, parameters=()):
        """The rows of one read-only query (? placeholders) on the stack's database, whichever it is."""
        connection = open_database(self.database, readonly=True)
        try:
            return [tuple(row) for row in connection.execute(sql, parameters).fetchall()]
        finally:
            connection.close()

    def organization_of(self, email):
        """The (first) organization a demo user has a role in."""
        with self.db() as db:
            return db.execute("SELECT min(org_id) FROM user_roles r JOIN users u ON u.id = r.user_id WHERE u.email = ?", (email,)).fetchone()[0]

    def start(self):
        for index in range(len(self.apps)):
            self.start_app(index)
        prefix = self.folder / "nginx"
        upstreams = " ".join(listen if listen[0].isdigit() else f"unix:{listen}" for listen in self.listens)
        config = subprocess.run([str(ROOT / "scripts" / "nginx-config"), str(prefix), f"127.0.0.1:{self.port}", upstreams],
                                check=True, capture_output=True, text=True, env={**os.environ, "RATE_SCALE": str(self.rate_scale)}).stdout.strip()
        self.nginx = subprocess.Popen(["nginx", "-p", str(prefix), "-c", config, "-e", str(prefix / "logs" / "error.log"),
                                       "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                if requests.get(self.base + "/healthz", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            if self.app.poll() is not None:
                raise RuntimeError("app exited: " + self.app_log.read_text())
            time.sleep(0.05)
        raise RuntimeError("stack did not come up: " + self.app_log.read_text())

    def stop(self):
        for process in (self.nginx, *self.apps):
            if process and process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in (self.nginx, *self.apps):
            if process:
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()

    def close(self):
        """Stops the stack for good: with PostgreSQL, its database is dropped too."""
        self.stop()
        if self.postgres and self.owns_database:
            drop_database(self.database)

    def sign_in(self, email=ADMIN, password=PASSWORD):
        """A requests session signed in through the real form; its csrf token as .csrf."""
        browser = requests.Session()
        form = browser.get(self.base + "/login", timeout=30)
        token = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
        response = browser.post(self.base + "/login", data={"csrf": token, "email": email, "password": password, "next": "/connections"},
                                allow_redirects=False, timeout=30)
        assert response.status_code == 303, response.text
        page = browser.get(self.base + "/connections", timeout=30)
        browser.csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        return browser

    @property
    def admin(self):
        if not hasattr(self, "_admin"):
            self._admin = self.sign_in()
        return self._admin

    def get(self, path, as_user=None, **kwargs):
        kwargs.setdefault("allow_redirects", False)
        return (as_user or self.admin).get(self.base + path, timeout=30, **kwargs)

    def post(self, path, as_user=None, data=None, csrf=True, **kwargs):
        browser = as_user or self.admin
        if csrf and isinstance(data, dict):
            data = {"csrf": browser.csrf, **data}
        return browser.post(self.base + path, data=data, timeout=30, allow_redirects=False, **kwargs)


class FastCGIClient:
    """Speaks FastCGI straight to one app process (a host:port or a unix socket's path), with the
    parameters nginx passes, so a test can choose which host answers; keeps cookies like a browser.
    get/post return (status, headers as a list of (name, value), body as text)."""

    def __init__(self, address, timeout=30):
        self.address, self.timeout = address, timeout
        self.cookies = {}

    def _connect(self):
        if self.address[0].isdigit():
            host, port = self.address.rsplit(":", 1)
            return socket.create_connection((host, int(port)), timeout=self.timeout)
        connection = socket.socket(socket.AF_UNIX)
        connection.settimeout(self.timeout)
        connection.connect(self.address)
        return connection

    @staticmethod
    def _record(kind, content=b"", request_id=1):
        padding = -len(content) % 8
        return bytes([1, kind, request_id >> 8, request_id & 255, len(content) >> 8, len(content) & 255, padding, 0]) + content + bytes(padding)

    @staticmethod
    def _pairs(parameters):
        def length(value):
            return bytes([len(value)]) if len(value) < 128 else (len(value) | 0x80000000).to_bytes(4, "big")
        out = b""
        for name, value in parameters.items():
            name, value = name.encode(), value.encode()
            out += length(name) + length(value) + name + value
        return out

    def request(self, method, path, body=b"", content_type=""):
        path, _, query = path.partition("?")
        parameters = {"QUERY_STRING": query, "REQUEST_METHOD": method, "CONTENT_TYPE": content_type,
                      "CONTENT_LENGTH": str(len(body)) if body else "", "SCRIPT_NAME": path, "REQUEST_URI": path + ("?" + query if query else ""),
                      "DOCUMENT_URI": path, "DOCUMENT_ROOT": "/", "SERVER_PROTOCOL": "HTTP/1.1", "REQUEST_SCHEME": "http",
                      "GATEWAY_INTERFACE": "CGI/1.1", "SERVER_SOFTWARE": "e2e", "REMOTE_ADDR": "127.0.0.1", "REMOTE_PORT": "40000",
                      "SERVER_ADDR": "127.0.0.1", "SERVER_PORT": "80", "SERVER_NAME": "_", "HTTP_HOST": "127.0.0.1"}
        if self.cookies:
            parameters["HTTP_COOKIE"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        message = self._record(1, bytes([0, 1, 0, 0, 0, 0, 0, 0]))  # BEGIN_REQUEST: responder, close when done
        pairs = self._pairs(parameters)
        for start in range(0, len(pairs), 65535):
            message += self._record(4, pairs[start:start + 65535])
        message += self._record(4)
        for start in range(0, len(body), 65535):
            message += self._record(5, body[start:start + 65535])
        message += self._record(5)
        output = bytearray()
        with self._connect() as connection:
            connection.sendall(message)
            received = bytearray()
            while True:
                while len(received) >= 8:
                    kind, size, padding = received[1], received[4] << 8 | received[5], received[6]
                    if len(received) < 8 + size + padding:
                        break
                    content = bytes(received[8:8 + size])
                    del received[:8 + size + padding]
                    if kind == 6:  # STDOUT
                        output.extend(content)
                    elif kind == 3:  # END_REQUEST
                        return self._response(bytes(output))
                part = connection.recv(65536)
                if not part:
                    raise ConnectionError(f"{self.address} closed the connection before the end of the request")
                received.extend(part)

    def _response(self, output):
        head, _, body = output.partition(b"\r\n\r\n")
        status, headers = 200, []
        for line in head.decode("latin-1").split("\r\n"):
            name, _, value = line.partition(":")
            value = value.strip()
            if name.lower() == "status":
                status = int(value.split()[0])
            else:
                headers.append((name, value))
                if name.lower() == "set-cookie":
                    cookie, _, attributes = value.partition(";")
                    key, _, cookie_value = cookie.partition("=")
                    if cookie_value and "max-age=0" not in attributes.lower().replace(" ", ""):
                        self.cookies[key.strip()] = cookie_value
                    else:
                        self.cookies.pop(key.strip(), None)
        return status, headers, body.decode("utf-8", "replace")

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, data):
        import urllib.parse as parse
        return self.request("POST", path, parse.urlencode(data, doseq=True).encode(), "application/x-www-form-urlencoded")

    def sign_in(self, email=ADMIN, password=PASSWORD):
        """Signs in through this process's own login form; returns the csrf token of the table page."""
        _, _, form = self.get("/login")
        token = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
        status, _, body = self.post("/login", {"csrf": token, "email": email, "password": password, "next": "/connections"})
        assert status == 303, (status, body[:500])
        status, _, page = self.get("/connections")
        assert status == 200, status
        return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


class Table(HTMLParser):
    """The connections table of a page: header labels, cell texts, and each row's connection id."""

    def __init__(self, html):
        super().__init__()
        self.headers, self.rows, self.ids, self.header_links = [], [], [], {}
        self._in_head = self._in_body = False
        self._cell = None
        self._row = None
        self._href = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "thead":
            self._in_head = True
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self._row = []
        elif tag in ("td", "th") and (self._in_body or self._in_head):
            self._cell = []
        elif tag == "a" and self._in_head and "data-column" in attrs:
            self.header_links[attrs["data-column"]] = attrs["href"]
        elif tag == "a" and self._row is not None and attrs.get("href", "").endswith("/invite"):
            self.ids.append(int(attrs["href"].split("/")[2]))
        elif tag == "span" and self._cell is not None and "chip" in attrs.get("class", ""):
            self._cell.append("\n")

    def handle_endtag(self, tag):
        if tag == "thead":
            self._in_head = False
        elif tag == "tbody":
            self._in_body = False
        elif tag in ("td", "th") and self._cell is not None:
            text = "".join(self._cell).replace("▲", "").replace("▼", "").strip()
            if self._in_head:
                self.headers.append(text)
            elif self._row is not None:
                self._row.append(text)
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
