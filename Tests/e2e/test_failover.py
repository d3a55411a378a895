"""Issue 29, PostgreSQL failover through nginx: a primary with a synchronous streaming standby
(scripts/lib/postgres.sh, as scripts/run-cluster STANDBY=1 lays it out), the app on the multi-host URL
(target_session_attrs=read-write). The primary is stopped under a write and read load and the
standby promoted: the app answers 503 with Retry-After meanwhile (never a 500 or a hang), carries on
within 10 s, and every write acknowledged before, during and after is on the new primary."""
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time

import pytest
import requests

from harness import BINARY, ROOT, Stack, open_database

pytestmark = pytest.mark.postgres_only


def postgres(script, folder):
    """Runs bash with scripts/lib/postgres.sh sourced; its last output line."""
    done = subprocess.run(["bash", "-c", f"source {ROOT}/scripts/lib/postgres.sh; {script}"], capture_output=True, text=True,
                          cwd=folder, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


@pytest.fixture
def cluster(tmp_path):
    # The postgres user must reach the servers' folders: under /tmp, not pytest's (closed to it).
    servers = tempfile.mkdtemp(prefix="failover.", dir="/tmp")
    os.chmod(servers, 0o755)
    primary, standby = f"{servers}/primary", f"{servers}/standby"
    plain = postgres(f"pg_start {primary} >&2 && pg_createdb connections && pg_url connections", tmp_path)
    # Seeded before the standby exists: its copy starts with the demo data, and the seed's commits wait for no one.
    subprocess.run([BINARY, "seed", "--database", plain, "--connections", "200"], check=True, capture_output=True)
    port = re.search(r"port=(\d+)", plain).group(1)
    url = postgres(f"PG_SOCKET_DIR={primary} PG_PORT={port} pg_start_standby {standby} >&2 && pg_cluster_url connections", tmp_path)
    assert "target_session_attrs=read-write" in url and "," in url
    folder = tmp_path / "stack"
    folder.mkdir()
    stack = Stack(folder, database=url, seed=False, processes=2, threads=4)
    stack.primary, stack.standby = primary, standby
    try:
        yield stack.start()
    finally:
        stack.stop()
        postgres(f"pg_stop {primary}; pg_stop {standby}", tmp_path)
        shutil.rmtree(servers, ignore_errors=True)


def test_the_hosts_carry_on_within_10_s_of_a_promotion_and_lose_no_acknowledged_write(cluster, tmp_path):
    stack = cluster
    results, acknowledged, stop = [], [], threading.Event()

    def writer(number):
        admin = stack.sign_in()
        form = admin.get(stack.base + "/connections/new", timeout=10).text
        org = (re.search(r'<option value="(\d+)"', form) or re.search(r'name="org" value="(\d+)"', form)).group(1)
        csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
        n = 0
        while not stop.is_set():
            n += 1
            name = f"Failover write {number}-{n}"
            started = time.time()
            try:
                answer = admin.post(stack.base + "/connections/new", allow_redirects=False, timeout=20, data={
                    "csrf": csrf, "org": org, "name_for_drivers": "Acme Robotics", "name": name, "type": "Standard",
                    "status": "Enabled", "visibility": "Private", "approval": "Manually approve", "benefit": ["Free charging"],
                    "discount": "", "domains": "", "question": ["Employee ID"], "version": ""})
            except requests.RequestException as error:
                results.append((started, time.time(), "write", repr(error), None))
                continue
            results.append((started, time.time(), "write", answer.status_code, answer.headers.get("Retry-After")))
            if answer.status_code == 303:
                acknowledged.append(name)
            elif answer.status_code == 503:
                time.sleep(0.2)

    def reader():
        admin = stack.sign_in()
        while not stop.is_set():
            started = time.time()
            try:
                answer = admin.get(stack.base + "/connections", allow_redirects=False, timeout=20)
            except requests.RequestException as error:
                results.append((started, time.time(), "read", repr(error), None))
                continue
            results.append((started, time.time(), "read", answer.status_code, answer.headers.get("Retry-After")))
            if answer.status_code == 503:
                time.sleep(0.2)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(2)] + [threading.Thread(target=reader) for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(2)
        before_stop = len(acknowledged)
        postgres(f'_pg_as_owner "$PG_BIN/pg_ctl" -D {stack.primary}/data -m immediate -w stop >/dev/null', tmp_path)
        time.sleep(1)
        postgres(f"pg_promote {stack.standby}", tmp_path)
        promoted = time.time()
        time.sleep(14)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)

    assert before_stop > 0, "writes were acknowledged before the primary stopped"
    failures = [r for r in results if not isinstance(r[3], int) or r[3] not in (200, 303, 503)]
    assert not failures, f"never a 500, a 502 or a hang: {failures[:5]}"
    refused = [r for r in results if r[3] == 503]
    assert refused, "the switch was seen"
    assert all(r[4] for r in refused), "every 503 says when to try again (Retry-After)"
    late = [r for r in results if r[0] > promoted + 10]
    assert late and all(r[3] in (200, 303) for r in late), f"10 s after the promotion every request succeeds: {[r for r in late if r[3] not in (200, 303)][:5]}"
    assert any(r[2] == "write" and r[3] == 303 and r[0] > promoted for r in results), "writes go on after the switch"
    assert max(r[1] - r[0] for r in results) < 15, "no request hung"

    # Every acknowledged write, before, during and after the switch, is on the new primary.
    with open_database(stack.database) as db:
        names = {name for (name,) in db.execute("SELECT name FROM connections WHERE name LIKE 'Failover write %'").fetchall()}
        in_recovery = db.execute("SELECT pg_is_in_recovery()").fetchone()[0]
    assert not in_recovery
    missing = [name for name in acknowledged if name not in names]
    assert not missing, f"{len(missing)} of {len(acknowledged)} acknowledged writes are lost: {missing[:5]}"
