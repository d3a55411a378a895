"""Issue 29, what an operator sees, through the real nginx and app: request ids in every answer, in
nginx's access log and in the app's JSON log lines, on error pages; /healthz and /readyz."""
import json
import re
import time

import pytest
import requests

from harness import open_database
from test_browser import browser, screenshot, sign_in  # noqa: F401 (the fixture)


def log_lines(stack):
    """The app's log: one JSON object per line (every line must be one)."""
    return [json.loads(line) for line in stack.app_log.read_text().splitlines() if line.strip()]


def wait_for(condition, seconds=5):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def test_one_request_id_joins_nginx_and_every_app_process_log(fresh_stack):
    stack = fresh_stack(connections=50, processes=2).start()
    admin = stack.admin
    answers = [admin.get(stack.base + "/connections", timeout=10) for _ in range(12)]
    answers.append(requests.get(stack.base + "/no/such/page", timeout=10))
    ids = [answer.headers.get("X-Request-Id", "") for answer in answers]
    assert all(re.fullmatch(r"[0-9a-f]{32}", id) for id in ids), ids
    assert len(set(ids)) == len(ids)

    access_log = stack.folder / "nginx" / "logs" / "access.log"
    assert wait_for(lambda: all(f"request_id={id}" in access_log.read_text() for id in ids)), "nginx's access log carries each id"
    by_id = {line.get("request_id"): line for line in log_lines(stack) if line.get("message") == "request"}
    for answer, id in zip(answers, ids):
        line = by_id[id]
        assert line["status"] == answer.status_code and line["level"] in ("info", "error")
        assert {"timestamp", "process", "route", "duration_ms", "method"} <= set(line), line
    table = [by_id[id] for id in ids[:-1]]
    assert {line["route"] for line in table} == {"/connections"}
    assert all(isinstance(line["user_id"], int) for line in table), "a signed-in request names its user"
    assert by_id[ids[-1]]["route"] == "unmatched" and by_id[ids[-1]]["status"] == 404
    assert len({line["process"] for line in table}) == 2, "both processes served, and their lines join on the same ids"


def test_an_error_page_shows_its_reference_and_a_forged_id_is_not_logged(stack):
    answer = requests.get(stack.base + "/no/such/page", headers={"X-Request-Id": "forged-by-a-client"}, timeout=10)
    assert answer.status_code == 404
    reference = answer.headers["X-Request-Id"]
    assert f"<code>{reference}</code>" in answer.text and "quote the reference" in answer.text
    assert "forged" not in stack.app_log.read_text()


def test_domain_and_storage_log_with_the_request_id(stack):
    browser = requests.Session()
    form = browser.get(stack.base + "/login", timeout=10).text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    answer = browser.post(stack.base + "/login", data={"csrf": csrf, "email": "nobody@example.test", "password": "wrong", "next": "/"},
                          allow_redirects=False, timeout=10)
    assert answer.status_code == 401
    id = answer.headers["X-Request-Id"]
    lines = [line for line in log_lines(stack) if line.get("request_id") == id]
    assert {line["message"] for line in lines} == {"sign-in failed", "request"}, lines
    assert next(line for line in lines if line["message"] == "sign-in failed")["level"] == "notice"


def test_healthz_answers_and_readyz_checks_the_database_schema_and_views(fresh_stack):
    stack = fresh_stack(connections=20, sqlite=True).start()
    assert stack.get("/healthz").text == "ok\n"
    ready = stack.get("/readyz")
    assert ready.status_code == 200 and ready.text == "ready\n"
    with open_database(stack.database) as db:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        db.execute(f"PRAGMA user_version = {version - 1}")
    try:
        stale = stack.get("/readyz")
        assert stale.status_code == 503 and stale.headers["Retry-After"] == "5"
        assert f"schema version {version - 1}, this build needs {version}" in stale.text
        assert stack.get("/healthz").status_code == 200, "the process still answers"
    finally:
        with open_database(stack.database) as db:
            db.execute(f"PRAGMA user_version = {version}")
    assert stack.get("/readyz").status_code == 200


def test_the_log_level_flag_leaves_out_the_request_lines(fresh_stack):
    stack = fresh_stack(connections=20, extra_args=("--log-level", "warning")).start()
    for _ in range(3):
        assert stack.get("/healthz").status_code == 200
    assert not [line for line in log_lines(stack) if line.get("message") == "request"]


def test_a_user_sees_the_reference_to_quote_on_an_error_page(stack, browser):
    from selenium.webdriver.common.by import By
    sign_in(stack, browser)
    browser.get(stack.base + "/connections/99999999/invite")
    reference = browser.find_element(By.CSS_SELECTOR, ".error-reference code").text
    assert re.fullmatch(r"[0-9a-f]{32}", reference)
    assert browser.find_element(By.CSS_SELECTOR, ".error-reference").is_displayed()
    screenshot(browser, "error-page-reference.png")
    assert any(line.get("request_id") == reference and line.get("status") == 404 for line in log_lines(stack))
