"""Webhooks end to end: a receiver on loopback (Tests/e2e/webhook_receiver.py) verifies every
delivery with the reference `standardwebhooks` package and validates its body against the OpenAPI
document's `webhooks` schemas; changes made through the API arrive signed, in order, once each;
a rotation signs with both secrets; a receiver that fails then recovers, with the sending process
killed (-9) meanwhile, still gets every event, each as many times as the delivery log says at most,
none lost."""
import json
import pathlib
import signal
import subprocess
import time

import pytest
import requests

from api_client import VENV_PYTHON, API, DocumentChecker, make_token
from test_browser import browser  # noqa: F401 - the fixture
from harness import ADMIN, ROOT, free_port


class Receiver:
    def __init__(self, folder, document):
        self.folder = pathlib.Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.document = self.folder / "openapi.json"
        self.document.write_text(json.dumps(document))
        self.process = None

    def start(self):
        assert VENV_PYTHON.exists(), f"{VENV_PYTHON} is missing: scripts/test-venv makes it (with standardwebhooks from PyPI)"
        self.process = subprocess.Popen([str(VENV_PYTHON), str(ROOT / "Tests" / "e2e" / "webhook_receiver.py"), str(self.folder), str(self.port),
                                         str(self.document)], stdout=subprocess.PIPE, stderr=open(self.folder / "receiver.log", "a"), text=True)
        assert self.process.stdout.readline().strip() == "ready", (self.folder / "receiver.log").read_text()
        return self

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/hooks"

    def secrets(self, *secrets):
        (self.folder / "secrets.json").write_text(json.dumps(list(secrets)))

    def control(self, **settings):
        (self.folder / "control.json").write_text(json.dumps(settings))

    def received(self):
        path = self.folder / "received.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    def wait_for(self, condition, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if condition(self.received()):
                return self.received()
            time.sleep(0.1)
        raise AssertionError(f"timed out; received: {[(r['type'], r['status']) for r in self.received()]}")


@pytest.fixture
def receiver(tmp_path):
    made = []

    def make(stack):
        served = requests.get(stack.base + "/api/v1/openapi.json", timeout=30).json()
        server = Receiver(tmp_path / f"receiver-{len(made)}", served).start()
        made.append(server)
        return server

    yield make
    for server in made:
        server.stop()


WEBHOOK_ARGS = ["--webhooks-allow-private", "--webhook-retry-scale", "0.0002", "--webhook-timeout", "3"]


def subscribe(api, stack, receiver, events=None):
    org = stack.organization_of(ADMIN)
    answer = api.post("/api/v1/webhooks", {"organization_id": org, "url": receiver.url, "description": "e2e receiver",
                                           "events": events or ["connection.created", "connection.updated", "connection.enabled",
                                                                "connection.disabled", "connection.rotated"]})
    assert answer.status_code == 201, answer.text
    receiver.secrets(answer.json()["secret"])
    return answer.json()["webhook"]["id"], answer.json()["secret"], org


def deliveries(stack):
    return stack.query("SELECT message_id, event_type, state, attempts FROM webhook_deliveries ORDER BY id")


def test_changes_arrive_signed_in_order_and_match_their_schemas(fresh_stack, receiver):
    stack = fresh_stack(connections=20, extra_args=WEBHOOK_ARGS).start()
    checker = DocumentChecker(requests.get(stack.base + "/api/v1/openapi.json", timeout=30).json())
    try:
        hooks = receiver(stack)
        api = API(stack, checker, make_token(stack, ADMIN))
        webhook, secret, org = subscribe(api, stack, hooks)
        made = api.post("/api/v1/connections", {"organization_id": org, "name": "Webhooked", "name_for_drivers": "Acme", "benefits": ["Free charging"]})
        assert made.status_code == 201, made.text
        connection = made.json()["id"]
        assert api.post(f"/api/v1/connections/{connection}/disable").status_code == 200
        assert api.post(f"/api/v1/connections/{connection}/enable").status_code == 200
        assert api.call("PATCH", f"/api/v1/connections/{connection}", {"version": 3, "name": "Webhooked North"}).status_code == 200
        assert api.post(f"/api/v1/connections/{connection}/rotate", {"what": "code"}).status_code == 200
        assert api.post(f"/api/v1/webhooks/{webhook}/test").status_code == 202
        got = hooks.wait_for(lambda rows: len(rows) >= 6)
        assert [row["type"] for row in got if row["type"] != "webhook.test"] == [
            "connection.created", "connection.disabled", "connection.enabled", "connection.updated", "connection.rotated"]
        assert all(row["verified"] == [True] for row in got), got
        assert all(row["schema_problem"] is None for row in got), [row["schema_problem"] for row in got]
        updated = json.loads(next(row["body"] for row in got if row["type"] == "connection.updated"))
        assert updated["data"]["name"] == "Webhooked North" and updated["data"]["changed"] == ["name"]
        assert len({row["id"] for row in got}) == len(got), "each once"
        # The log says the same: delivered, once, with the receiver's status and latency.
        log = api.get(f"/api/v1/webhooks/{webhook}/deliveries").json()["deliveries"]
        assert {entry["state"] for entry in log} == {"delivered"} and {entry["attempts"] for entry in log} == {1}
        assert {entry["response_code"] for entry in log} == {204}

        # A rotation: both secrets sign for a day; a receiver knowing either verifies.
        rotated = api.post(f"/api/v1/webhooks/{webhook}/rotate").json()["secret"]
        hooks.secrets(rotated, secret)
        assert api.post(f"/api/v1/connections/{connection}/disable").status_code == 200
        last = hooks.wait_for(lambda rows: len(rows) >= 7)[-1]
        assert last["type"] == "connection.disabled" and last["signatures"] == 2 and last["verified"] == [True, True], last
    finally:
        checker.close()


def test_a_failing_receiver_gets_every_event_after_a_kill_9_none_lost(fresh_stack, receiver):
    stack = fresh_stack(connections=20, extra_args=WEBHOOK_ARGS).start()
    checker = DocumentChecker(requests.get(stack.base + "/api/v1/openapi.json", timeout=30).json())
    try:
        hooks = receiver(stack)
        api = API(stack, checker, make_token(stack, ADMIN))
        webhook, _, org = subscribe(api, stack, hooks)
        hooks.control(status=503, count=-1, retry_after=0)
        ids = []
        for n in range(8):
            made = api.post("/api/v1/connections", {"organization_id": org, "name": f"Hook {n}", "name_for_drivers": "Acme", "benefits": ["Free charging"]})
            assert made.status_code == 201, made.text
            ids.append(made.json()["id"])
        # Failing, then the sender is killed mid-retry; a new process takes the lease over once it expires.
        hooks.wait_for(lambda rows: len(rows) >= 12)
        stack.app.send_signal(signal.SIGKILL)
        stack.app.wait(timeout=10)
        hooks.control(count=0)
        stack.start_app()
        got = hooks.wait_for(lambda rows: len({row["id"] for row in rows if row["status"] == 204}) >= 8, timeout=90)
        delivered = [row for row in got if row["status"] == 204]
        assert sorted({json.loads(row["body"])["data"]["connection_id"] for row in delivered}) == sorted(ids), "none lost"
        assert all(all(row["verified"]) and row["schema_problem"] is None for row in got)
        # The log: every delivery delivered; each received at most as many times as its attempts say, at least once.
        log = {row[0]: row for row in deliveries(stack)}
        assert {row[2] for row in log.values()} == {"delivered"}, log
        for message, row in log.items():
            times = sum(1 for received in got if received["id"] == message)
            assert 1 <= times <= row[3], (message, times, row)
    finally:
        checker.close()


def test_an_admin_adds_a_webhook_on_the_page_and_sees_it_delivered(fresh_stack, receiver, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    from test_browser import screenshot, sign_in
    stack = fresh_stack(connections=20, extra_args=WEBHOOK_ARGS).start()
    hooks = receiver(stack)
    browser.set_window_size(1280, 900)
    browser.delete_all_cookies()
    sign_in(stack, browser)
    browser.get(stack.base + "/webhooks")
    browser.find_element(By.ID, "url").send_keys(hooks.url)
    browser.find_element(By.ID, "description").send_keys("HR system")
    browser.find_element(By.ID, "event-membership-approved").click()
    browser.find_element(By.XPATH, "//button[normalize-space()='Add webhook']").click()
    WebDriverWait(browser, 10).until(lambda b: b.find_elements(By.ID, "secret"))
    secret = browser.find_element(By.ID, "secret").get_attribute("value")
    assert secret.startswith("whsec_")
    screenshot(browser, "webhook-secret-1280.png")
    hooks.secrets(secret)
    browser.find_element(By.XPATH, "//button[normalize-space()='Send test event']").click()
    row = hooks.wait_for(lambda rows: len(rows) >= 1)[0]
    assert row["type"] == "webhook.test" and row["verified"] == [True] and row["schema_problem"] is None, row
    deadline = time.time() + 20
    while "Delivered" not in browser.find_element(By.TAG_NAME, "table").text and time.time() < deadline:
        time.sleep(0.3)
        browser.refresh()
    assert "Delivered" in browser.find_element(By.TAG_NAME, "table").text
    screenshot(browser, "webhook-log-1280.png")
    browser.set_window_size(390, 844)
    try:
        browser.refresh()
        screenshot(browser, "webhook-log-390.png")
        browser.get(stack.base + "/webhooks")
        screenshot(browser, "webhooks-390.png")
    finally:
        browser.set_window_size(1280, 900)
