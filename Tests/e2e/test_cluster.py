"""Several app hosts on one PostgreSQL database (issue 14): two `serve` processes listening on TCP, one
nginx upstream with both, as scripts/run-cluster lays them out. A session started on one host works
on the other; what one host writes, the other shows in its next response, even what it had
remembered; a host killed under load costs no GET; a host started again serves again.

Each host is reached on its own by speaking FastCGI to it (harness.FastCGIClient), so a test knows
which host answered; the load goes through nginx, as users' requests do."""
import os
import re
import signal
import subprocess
import threading
import time

import pytest
import requests

from harness import ADMIN, PASSWORD, ROOT, VIEWER, FastCGIClient, free_port, count_rate_events
from test_processes import load

pytestmark = pytest.mark.postgres_only


@pytest.fixture
def cluster(fresh_stack):
    stack = fresh_stack(connections=200, processes=2, tcp=True).start()
    stack.hosts = [FastCGIClient(address) for address in stack.listens]
    return stack


def columns_of(page):
    return re.findall(r'data-column="([a-z_]+)"', page)


def total_of(page):
    return int(re.search(r"of ([\d,]+) connections", page).group(1).replace(",", ""))


def test_a_session_started_on_one_host_works_on_the_other(cluster):
    first, second = cluster.hosts
    first.sign_in()
    second.cookies = dict(first.cookies)  # the same browser, now answered by the other host
    status, _, page = second.get("/connections")
    assert status == 200 and "of " in page, (status, page[:300])
    # And the other way round, for a session started on the second host.
    viewer = FastCGIClient(cluster.listens[1])
    viewer.sign_in(VIEWER, PASSWORD)
    first.cookies = dict(viewer.cookies)
    status, _, page = first.get("/connections")
    assert status == 200 and total_of(page) > 0
    # Through nginx too: every answer of either host knows the session.
    browser = cluster.sign_in()
    assert {cluster.get("/connections", as_user=browser).status_code for _ in range(8)} == {200}


def test_a_sign_out_on_one_host_ends_the_session_on_the_other_at_once(cluster):
    first, second = cluster.hosts
    csrf = first.sign_in()
    second.cookies = dict(first.cookies)
    for _ in range(3):  # the second host has read (and may remember) the session
        assert second.get("/connections")[0] == 200
    status, _, _ = first.post("/logout", {"csrf": csrf})
    assert status == 303
    status, headers, _ = second.get("/connections")
    assert status == 303 and dict(headers)["Location"].startswith("/login"), (status, headers)


def test_what_one_host_writes_the_other_shows_in_its_next_response(cluster):
    first, second = cluster.hosts
    csrf = first.sign_in()
    second.cookies = dict(first.cookies)
    # Column choices (remembered per user by each process).
    before = second.get("/connections")[2]
    assert columns_of(before) != ["name", "status"]
    data = [("csrf", csrf), ("action", "apply"), ("back", "")] + [("order", key) for key in ("name", "status")] \
        + [("show", key) for key in ("name", "status")]
    assert first.post("/connections/columns", data)[0] == 303
    assert columns_of(second.get("/connections")[2]) == ["name", "status"]
    # Counts (remembered until the database changes): a new connection through the first host.
    count = total_of(second.get("/connections")[2])
    _, _, form = first.get("/connections/new")
    org = re.search(r'<option value="(\d+)"', form) or re.search(r'name="org" value="(\d+)"', form)
    version = re.search(r'name="version" value="(\d*)"', form)
    created = first.post("/connections/new", {
        "csrf": re.search(r'name="csrf" value="([^"]+)"', form).group(1), "org": org.group(1), "name_for_drivers": "Acme Robotics",
        "name": "Written on host one", "type": "Standard", "status": "Enabled", "visibility": "Private",
        "approval": "Manually approve", "benefit": ["Free charging"], "discount": "", "domains": "", "question": ["Employee ID"],
        "version": version.group(1) if version else ""})
    assert created[0] == 303, created[2][:500]
    assert total_of(second.get("/connections")[2]) == count + 1
    assert "Written on host one" in second.get("/connections?f=name&op=is&v=Written+on+host+one")[2]
    # And what the database says, read by the test itself.
    assert cluster.query("SELECT count(*) FROM connections WHERE name = ?", ("Written on host one",)) == [(1,)]


def test_a_host_killed_under_load_costs_no_get_and_serves_again_once_restarted(cluster):
    admin = cluster.sign_in()
    cookie = admin.cookies.get("session")
    stop = threading.Event()

    def page(session):
        response = session.get(cluster.base + "/connections", cookies={"session": cookie}, allow_redirects=False, timeout=10)
        return True if response.status_code == 200 else response.status_code

    threads, results = load(cluster, stop.is_set, page)
    time.sleep(1.0)
    cluster.apps[0].kill()  # kill -9: in-flight requests on it are cut
    cluster.apps[0].wait(timeout=10)
    time.sleep(1.5)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    assert results["ok"] > 50
    assert results["failed"] == [], results["failed"][:5]
    with pytest.raises(OSError):
        cluster.hosts[0].get("/healthz")

    # Started again on its address, the host answers by itself...
    cluster.start_app(0)
    assert cluster.hosts[0].get("/healthz")[0] == 200
    # ...and through nginx: with the other host killed, every request reaches the restarted one.
    cluster.apps[1].kill()
    cluster.apps[1].wait(timeout=10)
    answers = [cluster.get("/connections", as_user=admin).status_code for _ in range(10)]
    assert answers == [200] * 10
    cluster.start_app(1)
    assert [host.get("/healthz")[0] for host in cluster.hosts] == [200, 200]


def test_scripts_run_cluster_serves_and_ctrl_c_stops_everything(tmp_path):
    """The README's command: a throwaway PostgreSQL, two hosts on TCP, nginx; Ctrl-C stops all of it."""
    port, hosts = free_port(), [f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"]
    env = {**os.environ, "PORT": str(port), "HOSTS": " ".join(hosts), "CONNECTIONS": "50", "RUN_DIR": str(tmp_path / "cluster")}
    runner = subprocess.Popen([str(ROOT / "scripts" / "run-cluster")], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, start_new_session=True)
    output = []
    reader = threading.Thread(target=lambda: output.extend(runner.stdout))
    reader.start()
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 300  # the first call builds if needed
        while time.time() < deadline and runner.poll() is None:
            try:
                if requests.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        assert requests.get(base + "/healthz", timeout=5).status_code == 200, "".join(output)
        line = next(text for text in output if text.startswith("Connections cluster:"))
        assert all(host in line for host in hosts) and f"127.0.0.1:{port}" in line
        socket_dir = re.search(r"host=([^&\s]+)", line).group(1)
        # Both hosts answer on their own; a session made through nginx is known to both.
        browser = requests.Session()
        form = browser.get(base + "/login", timeout=10).text
        csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
        assert browser.post(base + "/login", data={"csrf": csrf, "email": ADMIN, "password": PASSWORD, "next": "/connections"},
                            allow_redirects=False, timeout=10).status_code == 303
        for host in hosts:
            client = FastCGIClient(host)
            client.cookies = {"session": browser.cookies["session"]}
            assert client.get("/connections")[0] == 200, host
        # A host killed is started again by its supervisor.
        pid_file = tmp_path / "cluster" / "run" / "host-1.pid"
        first = int(pid_file.read_text())
        os.kill(first, signal.SIGKILL)
        deadline = time.time() + 10
        while time.time() < deadline:
            text = pid_file.read_text().strip()
            if text and int(text) != first:
                try:
                    if FastCGIClient(hosts[0]).get("/healthz")[0] == 200:
                        break
                except OSError:
                    pass
            time.sleep(0.1)
        assert FastCGIClient(hosts[0]).get("/healthz")[0] == 200
    finally:
        os.killpg(runner.pid, signal.SIGINT)  # Ctrl-C
        runner.wait(timeout=60)
        reader.join(timeout=10)
    assert "Stopped." in "".join(output)
    for address in [f"127.0.0.1:{port}", *hosts]:
        with pytest.raises(OSError):
            FastCGIClient(address, timeout=2)._connect().close()
    assert not os.path.exists(socket_dir), "the throwaway PostgreSQL's folder is removed"
    running = subprocess.run(["pgrep", "-f", f"postgres -D {socket_dir}"], capture_output=True, text=True).stdout
    assert running == "", "PostgreSQL is stopped"


def test_sign_in_throttling_and_the_search_code_limit_hold_across_hosts(cluster):
    # Wrong passwords for one account, each host in turn: one count, kept in PostgreSQL.
    statuses = []
    for attempt in range(12):
        host = FastCGIClient(cluster.listens[attempt % 2])
        _, _, form = host.get("/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
        status, _, _ = host.post("/login", {"csrf": csrf, "email": ADMIN, "password": "not the password"})
        statuses.append(status)
        with cluster.db() as db:  # past the throttle's longest wait (60 s), within its window: only its counts are tested
            db.execute("UPDATE rate_windows SET last_at = ? WHERE subject LIKE 'pair:%'", (int(time.time()) - 120,))
    assert statuses.count(401) == 10 and statuses[-2:] == [429, 429], statuses
    # Wrong search codes from one address: the limit counts what both hosts saw.
    with cluster.db() as db:
        count_rate_events(db, "search-code:127.0.0.1", 99, window=900)
    answers = [FastCGIClient(cluster.listens[n % 2]).get("/find?code=ZZZZZZZZ")[0] for n in range(4)]
    assert answers == [404, 429, 429, 429], answers
