"""Failures through the real nginx and app: every one a clear answer with the right status, never a 500
or a dead process."""
import re
import sqlite3
import time

import pytest
import requests


def test_numbers_from_outside_cannot_stop_the_app(stack):
    for page in ("9223372036854775807", "-9223372036854775808", "1e9", "0", "99999999999999999999999"):
        assert stack.get(f"/audit?page={page}").status_code == 400, page
        assert stack.get(f"/connections?page={page}").status_code == 400, page
    for path in ("/connections/9223372036854775807/invite", "/connections/-1/edit", "/connections/1e3/requests"):
        assert stack.get(path).status_code == 404, path
    assert stack.get("/audit?page=1000000000").status_code == 200
    assert stack.app.poll() is None
    assert stack.get("/healthz").status_code == 200


def test_methods_a_path_does_not_answer_get_405_with_allow(stack):
    for method in ("PUT", "DELETE", "OPTIONS", "PATCH"):
        response = requests.request(method, stack.base + "/healthz", timeout=10)
        assert response.status_code == 405, method
        assert response.headers["Allow"] == "GET, HEAD"
    response = stack.admin.request("DELETE", stack.base + "/connections", timeout=10)
    assert response.status_code == 405 and response.headers["Allow"] == "GET, HEAD"
    assert requests.post(stack.base + "/connections/1/invite", timeout=10).status_code == 405
    head = stack.admin.head(stack.base + "/connections", timeout=10)
    assert head.status_code == 200 and head.text == ""
    assert stack.get("/no/such/page").status_code == 404


@pytest.mark.sqlite_only  # an outside writer holding SQLite's file lock (BEGIN IMMEDIATE)
def test_a_locked_database_answers_503_and_the_form_keeps_its_values(fresh_stack):
    stack = fresh_stack(connections=100, busy_timeout_ms=200).start()
    with stack.db() as db:
        token = db.execute("SELECT invite_token FROM connections WHERE status = 'Enabled' AND questions_list = '' LIMIT 1").fetchone()[0]
    driver = requests.Session()
    form = driver.get(f"{stack.base}/join/{token}", timeout=10)
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    stack.admin  # signed in before the lock: signing in writes
    holder = sqlite3.connect(stack.database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        answer = driver.post(f"{stack.base}/join/{token}", data={"csrf": csrf, "name": "Locked Out", "email": "locked@example.test", "terms": "yes"},
                             allow_redirects=False, timeout=10)
        assert answer.status_code == 503
        assert answer.headers["Retry-After"] == "2"
        assert "busy" in answer.text and 'value="Locked Out"' in answer.text and 'value="locked@example.test"' in answer.text
        started = time.time()
        assert stack.get("/connections").status_code == 200, "reads keep working"
        assert time.time() - started < 2
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    csrf = re.search(r'name="csrf" value="([^"]+)"', answer.text).group(1)
    again = driver.post(f"{stack.base}/join/{token}", data={"csrf": csrf, "name": "Locked Out", "email": "locked@example.test", "terms": "yes"},
                        allow_redirects=False, timeout=10)
    assert again.status_code == 303
    log = stack.app_log.read_text()
    assert "\"status\":500" not in log and "\"message\":\"500 " not in log


@pytest.mark.sqlite_only  # SQLite's one-writer lock and the app's WriteGate in front of it
def test_writers_waiting_on_an_outside_lock_leave_workers_for_reads(fresh_stack):
    stack = fresh_stack(connections=100, threads=4, busy_timeout_ms=5000,
                        extra_args=("--join-requests-per-address", "100000")).start()
    admin = stack.admin
    with stack.db() as db:
        token = db.execute("SELECT invite_token FROM connections WHERE status = 'Enabled' AND questions_list = '' LIMIT 1").fetchone()[0]
    forms = []
    for n in range(10):
        browser = requests.Session()
        page = browser.get(f"{stack.base}/join/{token}", timeout=10)
        forms.append((browser, {"csrf": re.search(r'name="csrf" value="([^"]+)"', page.text).group(1), "name": f"Waiting {n}",
                                "email": f"waiting{n}@example.test", "terms": "yes"}))
    holder = sqlite3.connect(stack.database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        import concurrent.futures
        with concurrent.futures.ThreadPoolExecutor(10) as pool:
            writes = [pool.submit(lambda form: form[0].post(f"{stack.base}/join/{token}", data=form[1], allow_redirects=False, timeout=30), form)
                      for form in forms]
            time.sleep(0.5)
            slowest = 0
            for _ in range(10):
                started = time.time()
                assert admin.get(stack.base + "/connections", timeout=10).status_code == 200
                slowest = max(slowest, time.time() - started)
            assert slowest < 1.5, f"a read waited {slowest:.2f} s behind writers"
            statuses = sorted(write.result().status_code for write in writes)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert set(statuses) == {503}, statuses

