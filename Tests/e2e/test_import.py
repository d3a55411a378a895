"""A connection's roster imported through the real nginx and app: the page's upload, preview and
confirmation in Chromium, and the README's curl example of the API (a dry run, then exactly its plan)."""
import re
import subprocess

import requests

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from api_client import make_token
from harness import ADMIN, ROOT
from test_browser import browser, screenshot, sign_in  # noqa: F401 (the fixture)
from test_invites import make_connection


def states(stack, connection):
    with stack.db() as db:
        return dict(db.execute("""SELECT d.email, m.state FROM memberships m JOIN drivers d ON d.id = m.driver_id
                                  WHERE m.connection_id = ?""", (connection,)).fetchall())


def test_upload_preview_and_confirm_in_the_browser(stack, browser, tmp_path):
    connection, _, _ = make_connection(stack, questions=("Employee ID",))
    # European Excel: semicolons, a byte-order mark, a quoted name holding the separator.
    path = tmp_path / "staff.csv"
    path.write_bytes("\ufeffEmail;Name;employee id\r\nimport.ana@fleet.example;Ana Silva;E-1\r\nimport.bo@fleet.example;\"Karlsson; Bo\";E-2\r\nnot-an-address;X;E-3\r\n".encode())
    browser.delete_all_cookies()
    sign_in(stack, browser)
    browser.get(f"{stack.base}/connections/{connection}")
    browser.find_element(By.LINK_TEXT, "Import drivers from a file").click()
    browser.find_element(By.ID, "import-file").send_keys(str(path))
    browser.find_element(By.ID, "mode-add_and_connect").click()
    browser.find_element(By.XPATH, "//button[normalize-space()='Preview']").click()
    WebDriverWait(browser, 10).until(lambda b: "Invalid rows (1)" in b.page_source)
    screenshot(browser, "import-preview-invalid.png")
    assert "Confirm the import" not in browser.page_source
    assert states(stack, connection) == {}

    path.write_bytes(path.read_bytes().replace(b"not-an-address;X;E-3\r\n", b""))
    browser.find_element(By.LINK_TEXT, "Choose another file").click()
    browser.find_element(By.ID, "import-file").send_keys(str(path))
    browser.find_element(By.ID, "mode-add_and_connect").click()
    browser.find_element(By.XPATH, "//button[normalize-space()='Preview']").click()
    WebDriverWait(browser, 10).until(lambda b: "New drivers to connect (2)" in b.page_source)
    screenshot(browser, "import-preview.png")
    browser.find_element(By.XPATH, "//button[normalize-space()='Confirm the import']").click()
    WebDriverWait(browser, 10).until(lambda b: "Import applied: 2 drivers" in b.page_source)
    screenshot(browser, "import-applied.png")
    assert states(stack, connection) == {"import.ana@fleet.example": "Connected", "import.bo@fleet.example": "Connected"}
    with stack.db() as db:
        audit = db.execute("SELECT details FROM audit_log WHERE action = 'Imported drivers' ORDER BY id DESC LIMIT 1").fetchone()[0]
    assert "staff.csv" in audit and "Add and connect" in audit


def test_the_readmes_import_example(stack, tmp_path):
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Import\n"):text.index("## API\n")]
    (example,) = re.findall(r"```sh\n(.*?)```", section, re.S)
    (sample,) = re.findall(r"```csv\n(.*?)```", section, re.S)
    connection, _, _ = make_connection(stack, questions=("Employee ID",))
    (tmp_path / "staff.csv").write_text(sample)
    token = make_token(stack, ADMIN, name="import example")
    environment = {"PATH": "/usr/bin:/bin", "BASE": stack.base, "TOKEN": token, "CONNECTION": str(connection)}
    result = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", example], cwd=tmp_path, env=environment,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert '"applied":true' in result.stdout.replace(" ", ""), result.stdout
    assert states(stack, connection) == {"ana.silva@fleet.example": "Connected", "bo.k@fleet.example": "Connected"}
    with stack.db() as db:
        answers = [row[0] for row in db.execute("""SELECT a.answer FROM membership_answers a JOIN memberships m ON m.id = a.membership_id
                                                   WHERE m.connection_id = ? ORDER BY a.answer""", (connection,)).fetchall()]
    assert answers == ["E-1001", "E-1002"]


def test_a_file_over_the_limit_through_nginx_is_413_with_the_limit(stack):
    token = make_token(stack, ADMIN, name="import limit")
    with stack.db() as db:
        connection = db.execute("SELECT min(id) FROM connections").fetchone()[0]
    answer = requests.post(f"{stack.base}/api/v1/connections/{connection}/memberships/import?dry_run=true", data=b"A" * (21 << 20),
                           headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"}, timeout=120)
    assert answer.status_code == 413
    assert "at most 20 MB" in answer.json()["detail"]


def test_connections_export_edited_and_imported_in_the_browser(stack, browser, tmp_path):
    """The table's CSV export, one status edited, imported back: the preview shows that change alone."""
    connection, _, _ = make_connection(stack)
    browser.delete_all_cookies()
    sign_in(stack, browser)
    with stack.db() as db:
        name = db.execute("SELECT name FROM connections WHERE id = ?", (connection,)).fetchone()[0]
    token = make_token(stack, ADMIN, name="connections import")
    exported = requests.get(f"{stack.base}/api/v1/connections/export.csv", params={"filter": f"name:is:{name}", "cols": "org_id,org_name,name,status,visibility,created_at"},
                            headers={"Authorization": f"Bearer {token}"}, timeout=60).text
    assert exported.count("\r\n") == 2 and ",Enabled," in exported, exported
    path = tmp_path / "connections.csv"
    path.write_text(exported.replace(",Enabled,", ",Disabled,"))
    browser.get(f"{stack.base}/connections")
    browser.find_element(By.LINK_TEXT, "Import connections").click()
    browser.find_element(By.ID, "import-file").send_keys(str(path))
    browser.find_element(By.XPATH, "//button[normalize-space()='Preview']").click()
    WebDriverWait(browser, 10).until(lambda b: "Changed (1)" in b.page_source)
    screenshot(browser, "connections-import-preview.png")
    assert "Enabled</del> → Disabled" in browser.page_source
    browser.find_element(By.XPATH, "//button[normalize-space()='Confirm the import']").click()
    WebDriverWait(browser, 10).until(lambda b: "1 connection saved" in b.page_source)
    with stack.db() as db:
        assert db.execute("SELECT status FROM connections WHERE id = ?", (connection,)).fetchone()[0] == "Disabled"
