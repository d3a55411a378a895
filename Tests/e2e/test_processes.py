"""Several app processes behind one nginx upstream: what one writes the other shows, a crash or a
restart costs no request, an export cut by a restart says so, and no client can tie up the app."""
import concurrent.futures
import http.client
import re
import resource
import socket
import threading
import time

import requests

from harness import ADMIN, OFFICER, VIEWER, PASSWORD, count_rate_events


def load(stack, until, make_request, workers=4):
    """Runs make_request() on `workers` threads until until() is true; returns (ok, failures)."""
    results = {"ok": 0, "failed": []}
    lock = threading.Lock()

    def worker():
        session = requests.Session()
        deadline = time.time() + 60  # bounded whatever happens
        while not until() and time.time() < deadline:
            try:
                outcome = make_request(session)
            except requests.RequestException as error:
                outcome = repr(error)
            with lock:
                if outcome is True:
                    results["ok"] += 1
                else:
                    results["failed"].append(outcome)

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    return threads, results


def test_what_one_process_writes_the_other_shows_at_once(fresh_stack):
    stack = fresh_stack(connections=60, processes=2).start()
    admin = stack.sign_in()  # the session is written through one process and read by both
    for keys in (["name", "status"], ["org_name", "connected_drivers", "benefits"]):
        data = [("csrf", admin.csrf), ("action", "apply"), ("back", "")] + [("order", key) for key in keys] + [("show", key) for key in keys]
        assert admin.post(stack.base + "/connections/columns", data=data, allow_redirects=False, timeout=10).status_code == 303
        # Round robin: consecutive pages come from both processes; every one shows the new choice.
        for _ in range(6):
            page = admin.get(stack.base + "/connections", timeout=10).text
            headers = re.findall(r'data-column="([a-z_]+)"', page)
            assert headers == keys, headers


def test_sign_in_and_search_code_limits_hold_across_processes(fresh_stack):
    stack = fresh_stack(connections=60, processes=2).start()
    # Wrong passwords for one account from one address, alternating between the two processes:
    # the count is one, so the tenth failure refuses the pair whichever process answers next.
    statuses = []
    for attempt in range(12):
        if attempt % 2:
            requests.get(stack.base + "/healthz", timeout=10)  # shifts nginx's round robin, so the POSTs alternate too
        session = requests.Session()
        form = session.get(stack.base + "/login", timeout=10)
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
        answer = session.post(stack.base + "/login", data={"csrf": csrf, "email": ADMIN, "password": "not the password"},
                              allow_redirects=False, timeout=10)
        statuses.append(answer.status_code)
        with stack.db() as db:  # past the throttle's longest wait (60 s), within its window: only its counts are tested
            db.execute("UPDATE rate_windows SET last_at = ? WHERE subject LIKE 'pair:%'", (int(time.time()) - 120,))
    assert statuses.count(401) == 10 and statuses[-2:] == [429, 429], statuses
    # Failed search codes from one address count once, whichever process looked.
    with stack.db() as db:
        count_rate_events(db, "search-code:127.0.0.1", 99, window=900)
    answers = [requests.get(stack.base + "/find?code=ZZZZZZZZ", timeout=10).status_code for _ in range(4)]
    assert answers == [404, 429, 429, 429], answers


def test_a_killed_process_costs_no_get_and_a_post_is_all_or_nothing(fresh_stack):
    stack = fresh_stack(connections=200, processes=2).start()
    admin = stack.sign_in()
    cookie = admin.cookies.get("session")
    stop = threading.Event()

    def page(session):
        response = session.get(stack.base + "/connections", cookies={"session": cookie}, timeout=10)
        return True if response.status_code == 200 else response.status_code

    threads, results = load(stack, stop.is_set, page)
    # A POST caught by the crash: its transaction is rolled back with the process.
    post = {}
    poster = threading.Thread(target=lambda: post.setdefault("response", requests.post(
        stack.base + "/_test/slow-write?ms=3000&mark=caught-by-crash", timeout=20)))
    time.sleep(0.5)
    poster.start()
    time.sleep(0.8)
    # Kill whichever process holds the slow write (it says so in the log); the other goes on.
    pid = int(re.search(r"slow write caught-by-crash in process (\d+)", stack.app_log.read_text()).group(1))
    victim = next(app for app in stack.apps if app.pid == pid)
    victim.kill()
    time.sleep(1.5)
    stop.set()
    for thread in threads + [poster]:
        thread.join(timeout=30)
    assert results["ok"] > 50
    assert results["failed"] == [], results["failed"][:5]
    assert post["response"].status_code == 502
    with stack.db() as db:
        assert db.execute("SELECT count(*) FROM audit_log WHERE subject = 'caught-by-crash'").fetchone()[0] == 0
    # Started again, the process serves again.
    index = stack.apps.index(victim)
    stack.start_app(index)
    answers = {requests.get(stack.base + "/healthz", timeout=10).status_code for _ in range(10)}
    assert answers == {200}


def test_a_rolling_restart_costs_no_request(fresh_stack):
    stack = fresh_stack(connections=100, processes=2,
                        extra_args=("--join-requests-per-address", "1000000", "--join-requests-per-connection", "1000000")).start()
    with stack.db() as db:
        token = db.execute("""UPDATE connections SET status = 'Enabled', approval_type = 'Manually approve'
                              WHERE id = (SELECT min(id) FROM connections WHERE questions_list = '') RETURNING invite_token""").fetchone()[0]
    admin = stack.sign_in()
    cookie = admin.cookies.get("session")
    stop = threading.Event()
    counter = iter(range(10**9))

    def page(session):
        response = session.get(stack.base + "/connections", cookies={"session": cookie}, timeout=20)
        return True if response.status_code == 200 else ("GET", response.status_code)

    def join(session):
        form = session.get(f"{stack.base}/join/{token}", timeout=20)
        if form.status_code != 200:
            return ("GET join", form.status_code)
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
        answer = session.post(f"{stack.base}/join/{token}", data={"csrf": csrf, "name": "Rolling Driver", "terms": "yes",
                                                                    "email": f"rolling-{next(counter)}@example.test"},
                              allow_redirects=False, timeout=20)
        return True if answer.status_code == 303 else ("POST join", answer.status_code, answer.text[:200])

    readers, read_results = load(stack, stop.is_set, page, workers=2)
    writers, write_results = load(stack, stop.is_set, join, workers=2)
    time.sleep(0.5)
    for index in range(len(stack.apps)):
        stack.apps[index].terminate()
        stack.apps[index].wait(timeout=20)
        stack.start_app(index)
        time.sleep(0.5)
    time.sleep(0.5)
    stop.set()
    for thread in readers + writers:
        thread.join(timeout=60)
    assert read_results["ok"] > 20 and write_results["ok"] > 10
    assert read_results["failed"] == [] and write_results["failed"] == [], (read_results["failed"][:3], write_results["failed"][:3])
    with stack.db() as db:
        joined = db.execute("SELECT count(*) FROM drivers WHERE email LIKE 'rolling-%'").fetchone()[0]
    assert joined == write_results["ok"], "every acknowledged request is stored, once"


def slow_reader(stack, session, data, received, chunk=16384, pause=0.05):
    """Downloads an export slowly, like a client on a poor line; keeps what arrived and how it ended."""
    try:
        with session.post(stack.base + "/connections/export", data=data, stream=True, timeout=60) as response:
            received["status"] = response.status_code
            for part in response.raw.stream(chunk, decode_content=True):
                received.setdefault("bytes", bytearray()).extend(part)
                time.sleep(pause)
        received["ended"] = "complete"
    except Exception as error:  # a broken transfer is what the test looks for
        received["ended"] = repr(error)


def test_an_export_cut_by_the_grace_period_says_so_and_never_looks_complete(fresh_stack):
    stack = fresh_stack(connections=30000, shutdown_grace=1).start()
    admin = stack.sign_in()
    received = {}
    # The server writes slowly (a pause every 1,000 rows); the client keeps up.
    reader = threading.Thread(target=slow_reader, args=(stack, admin, {"csrf": admin.csrf, "format": "csv", "scope": "all", "state": "",
                                                                       "_pause_ms_per_1000_rows": "200"}, received, 65536, 0))
    reader.start()
    time.sleep(1.0)
    stack.app.terminate()
    reader.join(timeout=60)
    stack.app.wait(timeout=20)
    text = bytes(received.get("bytes", b"")).decode("utf-8", "replace")
    assert received["status"] == 200
    assert "EXPORT INCOMPLETE" in text, text[-300:]
    assert received["ended"] != "complete", "the transfer ends broken, not as a clean 200"
    with stack.db() as db:
        details = db.execute("SELECT details FROM audit_log WHERE action = 'Exported connections' ORDER BY id DESC LIMIT 1").fetchone()[0]
    assert '"complete":"no"' in details and "server stopped" in details


def raw_export(stack, session, form, received, pause=0.05):
    """POSTs an export over a socket with a small receive buffer, so that the server cannot push the
    whole file into the network ahead of a slow reader; keeps the raw bytes and how the transfer ended."""
    import urllib.parse
    body = urllib.parse.urlencode(form).encode()
    cookie = "; ".join(f"{k}={v}" for k, v in session.cookies.items())
    connection = socket.socket()
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    connection.connect(("127.0.0.1", stack.port))
    connection.sendall(b"POST /connections/export HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: " + cookie.encode()
                       + b"\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: " + str(len(body)).encode()
                       + b"\r\nConnection: close\r\n\r\n" + body)
    data = bytearray()
    try:
        while True:
            part = connection.recv(4096)
            if not part:
                break
            data.extend(part)
            received["started"] = True
            time.sleep(pause)
    except OSError as error:
        received["error"] = repr(error)
    connection.close()
    received["bytes"] = bytes(data)


def test_an_xlsx_cut_by_the_grace_period_is_a_clear_503_not_a_workbook(fresh_stack):
    # A workbook is built whole before it is sent (and nginx buffers what is sent): a restart can
    # only cut it while it is being built, and then the answer says so.
    stack = fresh_stack(connections=30000, shutdown_grace=1).start()
    admin = stack.sign_in()
    result = {}
    data = {"csrf": admin.csrf, "format": "xlsx", "scope": "all", "state": "", "_pause_ms_per_1000_rows": "200"}
    asker = threading.Thread(target=lambda: result.setdefault("response", admin.post(stack.base + "/connections/export", data=data, timeout=60)))
    asker.start()
    time.sleep(1.0)
    stack.app.terminate()
    asker.join(timeout=60)
    stack.app.wait(timeout=20)
    response = result["response"]
    assert response.status_code == 503
    assert "restarting" in response.text and response.headers["Retry-After"]
    with stack.db() as db:
        details = db.execute("SELECT details FROM audit_log WHERE action = 'Exported connections' ORDER BY id DESC LIMIT 1").fetchone()[0]
    assert '"complete":"no"' in details


def test_an_export_whose_process_dies_is_a_broken_transfer(fresh_stack):
    stack = fresh_stack(connections=30000).start()
    admin = stack.sign_in()
    received = {}
    reader = threading.Thread(target=raw_export, args=(stack, admin, {"csrf": admin.csrf, "format": "csv", "scope": "all", "state": "",
                                                                      "_pause_ms_per_1000_rows": "200"}, received, 0))
    reader.start()
    time.sleep(1.5)
    stack.app.kill()
    reader.join(timeout=60)
    head, _, rest = received["bytes"].partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and b"Transfer-Encoding: chunked" in head
    assert len(rest) > 10000, "rows had arrived"
    assert not rest.endswith(b"\r\n0\r\n\r\n"), "no final chunk: the client sees a broken transfer, never a whole file"
    # The export left its trace: written when it started, never completed, it reads "did not finish".
    stack.app.wait(timeout=20)
    stack.start_app()
    deadline = time.time() + 20  # nginx counts the dead process as failed for a while
    while requests.get(stack.base + "/login", timeout=30).status_code != 200 and time.time() < deadline:
        time.sleep(0.5)
    audit = stack.get("/audit", as_user=admin).text
    entry = next(row for row in re.findall(r"<tr.*?</tr>", audit.replace("<wbr>", ""), re.S) if "Exported connections" in row)
    assert "CSV, did not finish" in entry and ADMIN in entry and "Filters: none" in entry, entry
    assert "Complete" not in entry and "Rows" not in entry, "no count: it never reached its end"


def test_one_export_per_user_at_a_time_and_a_clear_429(fresh_stack):
    stack = fresh_stack(connections=30000).start()
    admin = stack.sign_in()
    received = {}
    data = {"csrf": admin.csrf, "format": "csv", "scope": "all", "state": ""}
    # The first export takes a while on the server (a pause every 1,000 rows).
    reader = threading.Thread(target=slow_reader, args=(stack, admin, {**data, "_pause_ms_per_1000_rows": "200"}, received, 65536, 0))
    reader.start()
    time.sleep(0.5)
    second = admin.post(stack.base + "/connections/export", data=data, timeout=20)
    assert second.status_code == 429
    assert "An export is already running for you" in second.text
    assert int(second.headers["Retry-After"]) > 0
    # Another user's export of every row runs beside it (slowly too): the process's two places are taken...
    import subprocess
    from harness import BINARY
    subprocess.run([BINARY, "create-user", "--database", str(stack.database), "--email", "second.exporter@test.example", "--name", "Second",
                    "--all-organizations"], input="a long enough password\n", text=True, check=True, capture_output=True)
    viewer = stack.sign_in("second.exporter@test.example", "a long enough password")
    viewer_received = {}
    viewer_reader = threading.Thread(target=slow_reader, args=(stack, viewer, {**data, "csrf": viewer.csrf, "_pause_ms_per_1000_rows": "200"},
                                                               viewer_received, 65536, 0))
    viewer_reader.start()
    time.sleep(0.5)
    # ...so a third user is told so at once (the per-process limit), not made to wait.
    officer = stack.sign_in(OFFICER)
    third = officer.post(stack.base + "/connections/export", data={**data, "csrf": officer.csrf}, timeout=20)
    assert third.status_code == 429
    assert "Other exports are running right now" in third.text
    viewer_reader.join(timeout=120)
    assert viewer_received["status"] == 200 and viewer_received["ended"] == "complete", "another user's export runs beside it"
    reader.join(timeout=120)
    assert received["ended"] == "complete"
    assert admin.post(stack.base + "/connections/export", data=data, timeout=60).status_code == 200, "the slot is free again"


def get_from(address, port, path):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(address, 0))
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_nginx_limits_each_address_and_idle_connections_do_not_shut_others_out(fresh_stack):
    stack = fresh_stack(connections=20, rate_limits=True).start()
    # Sign-in POSTs beyond the burst: nginx's own 429 page, in the console's style, with a charset.
    answers = [requests.post(stack.base + "/login", data={"email": "x@y.test", "password": "wrong"}, timeout=10) for _ in range(40)]
    limited = [answer for answer in answers if answer.status_code == 429]
    assert limited, [answer.status_code for answer in answers]
    assert limited[0].headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Too many requests" in limited[0].text
    # Another address is not affected.
    status, _ = get_from("127.0.0.2", stack.port, "/login")
    assert status == 200

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))
    idle = []
    try:
        for _ in range(2500):
            idle.append(socket.create_connection(("127.0.0.1", stack.port), timeout=5))
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            probes = list(pool.map(lambda _: get_from("127.0.0.2", stack.port, "/healthz")[0], range(150)))
        assert probes == [200] * 150
    finally:
        for connection in idle:
            connection.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_scripts_run_restarts_a_dead_process_and_scripts_restart_loses_no_request(tmp_path):
    """The README's commands: scripts/run supervises its processes, scripts/restart rolls them."""
    import os
    import pathlib
    import signal
    import subprocess
    from harness import ROOT, drop_database, free_port, new_database
    port = free_port()
    # A SQLite file, or on the PostgreSQL pass a new database's URI: scripts/run seeds either on first run.
    env = {**os.environ, "PORT": str(port), "DATABASE": str(new_database(tmp_path, "run")), "CONNECTIONS": "50",
           "RUN_DIR": str(tmp_path / "var"), "APP_PROCESSES": "2"}
    # Its log (a JSON line per request) to a file: an unread pipe fills up and blocks the processes' writes.
    runner = subprocess.Popen([str(ROOT / "scripts" / "run")], env=env, stdout=subprocess.DEVNULL, stderr=open(tmp_path / "run.log", "w"),
                              start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    runtime = tmp_path / "var" / "run"
    try:
        deadline = time.time() + 300  # the first call builds if needed
        while time.time() < deadline:
            try:
                if requests.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        assert requests.get(base + "/healthz", timeout=5).status_code == 200
        first = int((runtime / "app-1.pid").read_text())
        os.kill(first, signal.SIGKILL)
        killed = time.time()
        while time.time() - killed < 5:
            text = (runtime / "app-1.pid").read_text().strip()
            if text and int(text) != first and (runtime / "app-1.sock").is_socket():
                break
            time.sleep(0.05)
        assert time.time() - killed < 1.5, "the dead process is back within a second or so"

        stop = threading.Event()
        threads, results = load(None, stop.is_set,
                                lambda session: True if session.get(base + "/login", timeout=20).status_code == 200 else "failed")
        time.sleep(0.5)
        restart = subprocess.run([str(ROOT / "scripts" / "restart")], env=env, capture_output=True, text=True, timeout=120)
        time.sleep(0.5)
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        assert restart.returncode == 0, restart.stderr
        assert restart.stdout.count("restarted") == 2
        assert results["ok"] > 20 and results["failed"] == [], results["failed"][:3]
    finally:
        os.killpg(runner.pid, signal.SIGTERM)
        runner.wait(timeout=30)
        if env["DATABASE"].startswith("postgres"):
            drop_database(env["DATABASE"])


def test_silent_connections_to_an_app_process_are_closed_and_do_not_hold_its_workers(fresh_stack):
    # An app process on TCP with two workers, and more silent peers than workers: each is closed after
    # the idle timeout, so nginx's requests are answered instead of waiting behind them.
    stack = fresh_stack(connections=20, threads=2, tcp=True, extra_args=["--idle-timeout-seconds", "2"]).start()
    host, port = stack.listen.split(":")
    silent = [socket.create_connection((host, int(port))) for _ in range(4)]
    try:
        started = time.time()
        answer = requests.get(stack.base + "/login", timeout=20)
        assert answer.status_code == 200 and time.time() - started < 15, (answer.status_code, time.time() - started)
        for peer in silent:  # closed by the app, not left open
            peer.settimeout(8)
            assert peer.recv(1) == b""
    finally:
        for peer in silent:
            peer.close()


def test_workers_outlast_a_quiet_spell_longer_than_the_idle_timeout(fresh_stack):
    # The idle timeout also ends an accept() that waited that long: the workers accept again.
    stack = fresh_stack(connections=20, threads=2, extra_args=["--idle-timeout-seconds", "1"]).start()
    assert requests.get(stack.base + "/login", timeout=10).status_code == 200
    time.sleep(3)
    assert [requests.get(stack.base + "/login", timeout=10).status_code for _ in range(6)] == [200] * 6
    assert stack.app.poll() is None
