"""Starts the real app and a real nginx on a SQLite file in a temporary folder."""
import os
import pathlib
import re
import signal
import socket
import sqlite3
import subprocess
import time
from html.parser import HTMLParser

import requests

ROOT = pathlib.Path(__file__).resolve().parents[2]
ADMIN, OFFICER, VIEWER = "admin@demo.test", "officer@demo.test", "viewer@demo.test"
PASSWORD = "connections-demo"
BINARY = os.environ.get("CONNECTIONS_BIN", str(ROOT / ".build" / "release" / "connections"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stack:
    """nginx -> FastCGI -> connections serve -> SQLite, all under `folder`."""

    def __init__(self, folder, connections=600, max_body_bytes=65536, threads=4, tcp=False, busy_timeout_ms=5000,
                 processes=1, shutdown_grace=10, rate_limits=False, extra_args=()):
        self.folder = pathlib.Path(folder)
        self.database = self.folder / "connections.sqlite"
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
        # All test requests come from 127.0.0.1: nginx's per-address limits are raised unless a test is about them.
        self.rate_scale = 1 if rate_limits else 1000
        self.apps = [None] * processes
        self.app = self.nginx = None
        self.app_log = self.folder / "app.log"
        subprocess.run([BINARY, "seed", "--database", str(self.database), "--connections", str(connections)],
                       check=True, capture_output=True)

    def start_app(self, index=0):
        """Starts app process `index` (again), and waits until its socket listens."""
        listen = self.listens[index]
        self.apps[index] = subprocess.Popen(
            [BINARY, "serve", "--database", str(self.database), "--listen", listen,
             "--threads", str(self.threads), "--busy-timeout-ms", str(self.busy_timeout_ms), "--max-body-bytes", str(self.max_body_bytes),
             "--shutdown-grace", str(self.shutdown_grace),
             "--views", str(ROOT / "Views"), "--public-directory", str(ROOT / "Public"),
             "--public-base-url", "https://connect.example.test", "--test-routes", *self.extra_args],
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
        connection = sqlite3.connect(self.database)
        connection.execute("PRAGMA foreign_keys = ON")
        return connection

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
