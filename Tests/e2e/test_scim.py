"""SCIM 2.0 through nginx and the real app, on SQLite or PostgreSQL: scim2-tester (PyPI) finds no
failure, the request sequences Okta and Microsoft Entra document do what a host would by hand, and
bad input (a group too large for one request) is a clear SCIM error, not a 500."""
import json
import re
import subprocess

import pytest
import requests

from selenium.webdriver.common.by import By
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.support.ui import Select, WebDriverWait

from api_client import VENV_PYTHON
from harness import ADMIN, ROOT
from test_browser import browser, screenshot, sign_in  # noqa: F401 (the fixture)

SCIM = "application/scim+json"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def scim_token(stack, name):
    """A SCIM token made on the Directory sync page by an Admin, for the admin's first organization."""
    browser = stack.sign_in(ADMIN)
    page = browser.get(stack.base + "/directory", timeout=30)
    organization = re.search(r'name="org" value="(\d+)"', page.text).group(1)
    made = browser.post(stack.base + "/directory", data={"csrf": browser.csrf, "org": organization, "action": "token", "name": name}, timeout=30)
    assert made.status_code == 201, made.text[:500]
    return int(organization), re.search(r"scim_[A-Za-z0-9_-]{40,}", made.text).group(0)


class Directory:
    def __init__(self, stack, token):
        self.base = stack.base + "/scim/v2"
        self.session = requests.Session()
        self.session.headers.update({"Authorization": f"Bearer {token}", "Content-Type": SCIM})

    def call(self, method, path, body=None, status=200, **kwargs):
        data = body if isinstance(body, (str, bytes)) or body is None else json.dumps(body)
        answer = self.session.request(method, self.base + path, data=data, timeout=60, **kwargs)
        assert answer.status_code == status, (method, path, answer.status_code, answer.text[:500])
        return answer.json() if answer.content else None


@pytest.fixture(scope="module")
def directory(stack):
    organization, token = scim_token(stack, "Okta e2e")
    return organization, Directory(stack, token)


def membership_state(stack, connection, email):
    rows = stack.query("SELECT m.state FROM memberships m JOIN drivers d ON d.id = m.driver_id WHERE m.connection_id = ? AND lower(d.email) = lower(?)",
                       (connection, email))
    return rows[0][0] if rows else None


def test_scim2_tester_reports_no_failure(stack, tmp_path):
    _, token = scim_token(stack, "scim2-tester")
    report = tmp_path / "scim2-tester.txt"
    result = subprocess.run([str(VENV_PYTHON), str(ROOT / "scripts" / "scim-check.py"), stack.base + "/scim/v2", token, str(report)],
                            capture_output=True, text=True, timeout=300)
    (stack.folder / "scim2-tester.txt").write_text(result.stdout + result.stderr + (report.read_text() if report.exists() else ""))
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]
    assert " 500 " not in stack.app_log.read_text()


def test_okta_then_entra_sequences_connect_and_remove_the_driver(stack, directory):
    organization, scim = directory
    connection, name = stack.query("SELECT id, name FROM connections WHERE org_id = ? ORDER BY id LIMIT 1", (organization,))[0]
    email = "okta.e2e@example.org"
    # Okta: look up, create, push the group named like the connection, add the member.
    assert scim.call("GET", "/Users", params={"filter": f'userName eq "{email}"', "startIndex": 1, "count": 100})["totalResults"] == 0
    user = scim.call("POST", "/Users", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": email,
                                        "name": {"givenName": "Okta", "familyName": "Person"},
                                        "emails": [{"primary": True, "value": email, "type": "work"}], "active": True}, status=201)
    group = scim.call("POST", "/Groups", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": name, "members": []}, status=201)
    scim.call("PATCH", f"/Groups/{group['id']}", {"schemas": [PATCH], "Operations": [
        {"op": "add", "path": "members", "value": [{"value": user["id"], "display": email}]}]}, status=204)
    assert membership_state(stack, connection, email) == "Connected"
    # Entra: deactivation as text "False", capitalized op.
    scim.call("PATCH", f"/Users/{user['id']}", {"schemas": [PATCH], "Operations": [{"op": "Replace", "path": "active", "value": "False"}]})
    assert membership_state(stack, connection, email) == "Removed"
    audit = stack.query("SELECT count(*) FROM audit_log WHERE actor = 'directory' AND action = 'Removed driver' AND subject = ?", (email,))
    assert audit[0][0] == 1
    assert stack.query("SELECT count(*) FROM outbox WHERE kind = 'driver removed' AND recipient = ?", (email,))[0][0] == 1
    # Entra: reactivate, then remove from the group by value.
    scim.call("PATCH", f"/Users/{user['id']}", {"schemas": [PATCH], "Operations": [{"op": "Replace", "path": "active", "value": "True"}]})
    assert membership_state(stack, connection, email) == "Connected"
    scim.call("PATCH", f"/Groups/{group['id']}", {"schemas": [PATCH], "Operations": [
        {"op": "Remove", "path": "members", "value": [{"value": user["id"]}]}]}, status=204)
    assert membership_state(stack, connection, email) == "Removed"


def test_a_group_of_100000_members_in_one_patch_is_a_clear_error(stack, directory):
    _, scim = directory
    group = scim.call("POST", "/Groups", {"displayName": "Everyone e2e"}, status=201)
    members = [{"value": str(n)} for n in range(1, 100_001)]
    body = json.dumps({"schemas": [PATCH], "Operations": [{"op": "add", "path": "members", "value": members}]})
    answer = scim.session.patch(scim.base + f"/Groups/{group['id']}", data=body, timeout=60)
    assert answer.status_code == 413, answer.text[:500]
    assert answer.headers["Content-Type"].startswith(SCIM)
    assert answer.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    # Within the body limit, over the member limit: the same status with SCIM's word for it.
    members = [{"value": str(n)} for n in range(1, 1_002)]
    answer = scim.call("PATCH", f"/Groups/{group['id']}", {"schemas": [PATCH], "Operations": [{"op": "add", "path": "members", "value": members}]},
                       status=413)
    assert answer.get("scimType") == "tooMany", answer
    assert scim.call("GET", "/Groups/999999999", status=404)["status"] == "404"


def test_scim_needs_its_own_token(stack):
    answer = requests.get(stack.base + "/scim/v2/Users", timeout=30)
    assert answer.status_code == 401 and answer.headers["Content-Type"].startswith(SCIM)
    browser = stack.sign_in(ADMIN)
    assert browser.get(stack.base + "/scim/v2/Users", timeout=30).status_code == 401, "a session is no SCIM token"


def test_an_admin_sets_up_directory_sync_in_the_browser(stack, browser):
    """What an Admin sees: the SCIM address, a token shown once, a pushed group mapped to a connection."""
    browser.delete_all_cookies()
    sign_in(stack, browser)
    browser.get(stack.base + "/users")
    browser.find_element(By.LINK_TEXT, "Directory sync").click()
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("Directory sync for")
    assert browser.find_element(By.ID, "scim-url").get_attribute("value").endswith("/scim/v2")
    browser.find_element(By.ID, "token-name").send_keys("Entra browser")
    browser.find_element(By.XPATH, "//button[normalize-space()='Make SCIM token']").click()
    token = WebDriverWait(browser, 10, ignored_exceptions=[WebDriverException]).until(
        lambda b: b.find_element(By.ID, "new-token").get_attribute("value"))
    assert token.startswith("scim_")
    screenshot(browser, "directory-sync-token.png")
    scim = Directory(stack, token)
    scim.call("POST", "/Groups", {"displayName": "Browser fleet"}, status=201)
    browser.get(browser.current_url)
    row = browser.find_element(By.XPATH, "//tr[td[normalize-space()='Browser fleet']]")
    select = Select(row.find_element(By.TAG_NAME, "select"))
    select.select_by_index(1)
    chosen = select.first_selected_option.text
    row.find_element(By.XPATH, ".//button[normalize-space()='Save']").click()
    WebDriverWait(browser, 10, ignored_exceptions=[WebDriverException]).until(
        lambda b: "The group is mapped" in b.find_element(By.CSS_SELECTOR, "p.notice.success").text)
    row = browser.find_element(By.XPATH, "//tr[td[normalize-space()='Browser fleet']]")
    assert Select(row.find_element(By.TAG_NAME, "select")).first_selected_option.text == chosen
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", row)
    screenshot(browser, "directory-sync-mapped.png")
