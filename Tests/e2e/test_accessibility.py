"""axe-core (4.9, from PyPI's selenium-axe-python, installed by scripts/setup --test into var/test-venv)
on every page and state of the console and of the drivers' pages: any violation fails."""
import re

import pytest
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from harness import ROOT, VIEWER, secret_hash, utc_timestamp
from test_browser import browser, sign_in  # noqa: F401 (the fixture)

AXE_FILES = sorted(ROOT.glob("var/test-venv/lib/python3*/site-packages/selenium_axe_python/axe-core/axe.min.js"))
# WCAG 2.0 and 2.1, A and AA, and axe's best practices.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


@pytest.fixture(scope="module")
def axe_source():
    assert AXE_FILES, "axe-core is missing: run scripts/setup --test (it installs selenium-axe-python into var/test-venv)"
    source = AXE_FILES[-1].read_text(encoding="utf-8")
    version = re.search(r"axe v(\d+)\.(\d+)", source[:200])
    assert version and (int(version.group(1)), int(version.group(2))) >= (4, 9), source[:80]
    return source


def violations(browser, axe_source):
    """axe's violations on the page as it is now, as readable lines."""
    if not browser.execute_script("return !!window.axe"):
        browser.execute_script(axe_source)
    result = browser.execute_async_script("""
        const done = arguments[arguments.length - 1];
        axe.run(document, {runOnly: {type: "tag", values: arguments[0]}, resultTypes: ["violations"]})
           .then(r => done(r.violations.map(v => v.id + ": " + v.help + " -> " + v.nodes.slice(0, 3).map(n => n.target.join(" ") + " " + (n.failureSummary || "").replace(/\\s+/g, " ")).join(" | "))),
                 e => done(["axe failed: " + e]));""", TAGS)
    return result


def wait(browser, condition):
    """Until the condition holds, looking again while the page is being replaced."""
    return WebDriverWait(browser, 10, ignored_exceptions=[WebDriverException]).until(condition)


def wait_for_heading(browser, words):
    """Until the page that replaces this one has a heading with these words."""
    return wait(browser,
                lambda b: b.execute_script("const h = document.querySelector('h1'); return !!h && h.textContent.includes(arguments[0])", words))


class Checker:
    def __init__(self, browser, axe_source):
        self.browser, self.axe_source, self.found, self.checked = browser, axe_source, {}, []

    def __call__(self, name, path=None):
        if path is not None:
            self.browser.get(self.base + path)
        self.checked.append(name)
        problems = violations(self.browser, self.axe_source)
        if problems:
            self.found[name] = problems

    def report(self):
        assert not self.found, "\n".join(f"{name} ({self.browser.current_url}):\n  " + "\n  ".join(lines) for name, lines in self.found.items())


def test_every_console_page_and_state_passes_axe(stack, browser, axe_source):
    from test_invites import make_connection
    check = Checker(browser, axe_source)
    check.base = stack.base
    browser.set_window_size(1280, 900)
    browser.delete_all_cookies()
    check("sign-in", "/login")
    browser.find_element(By.ID, "email").send_keys("admin@demo.test")
    browser.find_element(By.ID, "password").send_keys("wrong password")
    browser.find_element(By.CSS_SELECTOR, "form[action='/login'] button").click()
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "[role=alert]"))
    check("sign-in failed")
    sign_in(stack, browser)
    check("table")
    # Each panel open.
    browser.find_element(By.CSS_SELECTOR, "summary#filter-panel").click()
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, ".filter-row"))
    check("filter panel")
    check("filters applied", "/connections?f=name&op=contains&v=staff&f=status&op=is&v=Enabled")
    check("filter errors", "/connections?f=name&op=contains&v=&f=connected_drivers&op=gt&v=many")
    # Filter groups with their all/any, and a relative date (issue 28).
    check("filter groups", "/connections?f=name&op=contains&v=sta&g=1&f=name&op=contains&v=fleet&g=1&f=created_at&op=last_days&v=400&g=0"
          "&gm=any&edit=filters")
    # The Views menu open on a view the table no longer shows as saved (issue 28).
    browser.get(check.base + "/connections?f=status&op=is&v=Enabled")
    browser.find_element(By.ID, "views-menu").click()
    browser.find_element(By.ID, "view-name").send_keys("Enabled")
    browser.find_element(By.CSS_SELECTOR, ".view-save-as button[value=save-as]").click()
    wait(browser, lambda b: "view=" in b.current_url)
    browser.get(browser.current_url.split("#")[0].replace("v=Enabled", "v=Disabled"))
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, ".views-menu[open]"))
    check("views menu, modified", None)
    # A shared view's report form and schedule line (issue 28).
    browser.get(check.base + "/connections?f=status&op=is&v=Disabled")
    browser.find_element(By.ID, "views-menu").click()
    browser.find_element(By.ID, "view-name").send_keys("Disabled, shared")
    browser.find_element(By.CSS_SELECTOR, "#view-share option:nth-child(2)").click()
    browser.find_element(By.CSS_SELECTOR, ".view-save-as button[value=save-as]").click()
    wait(browser, lambda b: "view=" in b.current_url)
    if not browser.find_element(By.CSS_SELECTOR, ".views-menu").get_attribute("open"):
        browser.find_element(By.ID, "views-menu").click()
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, ".view-report-form"))
    check("views menu, a shared view's report", None)
    check("columns panel", "/connections?edit=columns")
    check("export panel", "/connections?edit=export")
    check("every column", "/connections?cols=" + ",".join(["org_id", "org_name", "name", "status", "connected_drivers", "benefits",
                                                           "approval_type", "connection_type", "questions", "visibility", "search_code",
                                                           "pending_requests", "created_at", "updated_at", "invite_link"]))
    check("select rows", "/connections?edit=rows")
    browser.find_element(By.CSS_SELECTOR, "#bulk-form button[value=disable]").click()
    wait(browser, lambda b: b.find_elements(By.ID, "bulk-problem"))
    check("nothing selected")
    browser.find_element(By.CSS_SELECTOR, "#bulk-form input[name=all]").click()
    browser.find_element(By.CSS_SELECTOR, "#bulk-form button[value=disable]").click()
    wait_for_heading(browser, "Disable")
    check("bulk confirmation")
    # A row ticked (the count said), changed, and the outcome with its Undo; then undone.
    browser.get(f"{stack.base}/connections?edit=rows")
    browser.find_element(By.CSS_SELECTOR, "input[name=c][form=bulk-form]").click()
    check("rows ticked", None)
    browser.find_element(By.CSS_SELECTOR, "#bulk-form button[value=disable]").click()
    wait_for_heading(browser, "Disable")
    browser.find_element(By.CSS_SELECTOR, ".card button[type=submit]").click()
    wait(browser, lambda b: b.find_elements(By.ID, "bulk-outcome"))
    check("bulk outcome with Undo", None)
    browser.find_element(By.XPATH, "//div[@id='bulk-outcome']//button[normalize-space()='Undo']").click()
    wait(browser, lambda b: "Undone" in b.find_element(By.ID, "bulk-outcome").text)
    check("bulk undone", None)
    check("no rows", "/connections?f=name&op=is&v=nothing-has-this-name")
    # The invite dialog over the table.
    connection, token, code = make_connection(stack)
    browser.get(f"{stack.base}/connections?f=search_code&op=is&v={code}")
    browser.find_element(By.CSS_SELECTOR, "tbody a[href$='/invite']").click()
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "dialog.invite-dialog[open]"))
    check("invite dialog")
    check("invite page", f"/connections/{connection}/invite")
    browser.find_element(By.XPATH, "//button[normalize-space()='New link and QR code']").click()
    wait(browser, lambda b: "/rotate" in b.current_url)
    check("rotation confirmation")
    check("new connection", "/connections/new")
    browser.find_element(By.XPATH, "//button[normalize-space()='Create connection']").click()
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, ".field-error"))
    check("connection form with errors")
    check("edit connection", f"/connections/{connection}/edit")
    check("connections import form", "/connections/import")
    check("import form", f"/connections/{connection}/import")
    upload = ROOT / "var" / "test-artifacts" / "axe-import.csv"
    upload.parent.mkdir(parents=True, exist_ok=True)
    upload.write_text("Email,Name\naxe.one@fleet.example,Axe One\nnot-an-address,X\n")
    browser.find_element(By.ID, "import-file").send_keys(str(upload))
    browser.find_element(By.XPATH, "//button[normalize-space()='Preview']").click()
    wait(browser, lambda b: "Invalid rows (1)" in b.page_source)
    check("import preview", None)
    # Memberships that end: the connection's page with its Membership length card, a driver's end in the
    # Connected tab, and a relative date filter.
    with stack.db() as db:
        db.execute("UPDATE connections SET membership_lasts = '6 months' WHERE id = ?", (connection,))
    check("connection page with its membership length", f"/connections/{connection}?state=Connected")
    check("relative date filter", "/connections?f=created_at&op=last_days&v=30")
    check("requests", "/requests")
    check("requests of a connection", f"/connections/{connection}/requests")
    check("users", "/users")
    with stack.db() as db:
        db.execute("INSERT INTO user_invitations (org_id, email, role, token_hash, created_at, expires_at) "
                   "VALUES ((SELECT min(id) FROM organizations), 'axe.pending@example.org', 'Viewer', ?, 'x', '2099-01-01T00:00:00Z')",
                   (secret_hash("axe-pending-invitation"),))
    check("users with a pending invitation", "/users")
    check("invitations of the user", "/invitations")
    check("audit log", "/audit")
    check("overview", "/overview")
    browser.execute_script("document.querySelectorAll('details.chart-numbers').forEach(d => d.open = true)")
    check("overview with every chart's numbers open")
    org = stack.query("SELECT min(id) FROM organizations")[0][0]
    check("overview of one organization", f"/overview?org={org}")
    check("organizations", "/connections/organizations")
    check("API tokens", "/account/tokens")
    check("email settings of the account", "/account/email")
    check("email page", "/email")
    # The settings form sent empty: each field says what it needs (nothing is saved).
    browser.find_element(By.XPATH, "//button[normalize-space()='Save settings']").click()
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "#email-settings [aria-invalid=true]"))
    check("email settings with problems")
    # Webhooks: the list and its form sent with problems, a new one with its secret, its delivery log.
    check("webhooks", "/webhooks")
    browser.find_element(By.ID, "url").send_keys("http://hooks.example.test/axe")
    browser.find_element(By.XPATH, "//button[normalize-space()='Add webhook']").click()
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, ".field-error"))
    check("webhooks with problems")
    url = browser.find_element(By.ID, "url")
    url.clear()
    url.send_keys("https://hooks.example.test/axe")
    browser.find_element(By.ID, "event-connection-created").click()
    browser.find_element(By.XPATH, "//button[normalize-space()='Add webhook']").click()
    wait(browser, lambda b: b.find_elements(By.ID, "secret"))
    check("new webhook with its secret")
    browser.find_element(By.XPATH, "//button[normalize-space()='Send test event']").click()
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "table.grid tbody tr"))
    check("webhook with its deliveries")
    check("error page", "/connections/99999999/invite")
    browser.set_window_size(390, 844)
    try:
        check("table at 390 px", "/connections")
        check("requests at 390 px", "/requests")
        check("overview at 390 px", "/overview")
        check("audit log as cards at 390 px", "/audit")
        check("users as cards at 390 px", "/users")
    finally:
        browser.set_window_size(1280, 900)
    browser.delete_all_cookies()
    sign_in(stack, browser, VIEWER)
    check("table of a viewer")
    browser.find_element(By.ID, "density-comfortable").click()
    wait(browser, lambda b: b.find_element(By.ID, "density-comfortable").get_attribute("aria-pressed") == "true")
    check("table of a viewer, comfortable")
    browser.find_element(By.ID, "density-compact").click()  # as it was, for the tests after this one
    wait(browser, lambda b: b.find_element(By.ID, "density-compact").get_attribute("aria-pressed") == "true")
    check.report()
    assert len(check.checked) == 56


def test_every_driver_page_passes_axe_on_a_phone(stack, browser, axe_source):
    from test_invites import make_connection
    check = Checker(browser, axe_source)
    check.base = stack.base
    _, token, code = make_connection(stack, questions=["Employee ID"])
    _, auto_token, _ = make_connection(stack, questions=[], approval="Automatically approve all")
    browser.set_window_size(390, 844)
    browser.delete_all_cookies()
    try:
        check("join", f"/join/{token}")
        browser.find_element(By.CSS_SELECTOR, ".driver-form button[type=submit]").click()
        wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, ".field-error"))
        check("join with errors")
        check("find", "/find")
        check("find: unknown code", "/find?code=NOPE2345")
        check("find: by organization", "/find?org=acme")
        browser.get(f"{stack.base}/join/{auto_token}")
        browser.find_element(By.ID, "name").send_keys("Axe Driver")
        browser.find_element(By.ID, "email").send_keys("axe.driver@example.org")
        browser.find_element(By.NAME, "terms").click()
        browser.find_element(By.CSS_SELECTOR, ".driver-form button[type=submit]").click()
        wait(browser, lambda b: "/status/" in b.current_url)
        check("status: connected")
        status = browser.current_url
        # Renewal: a membership ending in 10 days has the renew button; renewed, the page says so.
        with stack.db() as db:
            db.execute("UPDATE memberships SET expires_at = ? WHERE id = (SELECT membership_id FROM status_links WHERE token_hash = ?)",
                       (utc_timestamp(-10 * 86400), secret_hash(status.rsplit("/", 1)[1])))
        check("status: renewable", status.replace(stack.base, ""))
        browser.find_element(By.XPATH, "//button[normalize-space()='Renew my membership']").click()
        wait(browser, lambda b: "renewal=" in b.current_url)
        check("status: renewed")
        with stack.db() as db:
            db.execute("UPDATE memberships SET reverify_by = ? WHERE id = (SELECT membership_id FROM status_links WHERE token_hash = ?)",
                       (utc_timestamp(-5 * 86400), secret_hash(status.rsplit("/", 1)[1])))
        check("status: confirm your answers", status.replace(stack.base, ""))
        # Asked before: the same email again.
        browser.get(f"{stack.base}/join/{auto_token}")
        browser.find_element(By.ID, "name").send_keys("Axe Driver")
        browser.find_element(By.ID, "email").send_keys("axe.driver@example.org")
        browser.find_element(By.NAME, "terms").click()
        browser.find_element(By.CSS_SELECTOR, ".driver-form button[type=submit]").click()
        wait_for_heading(browser, "asked")
        check("asked before")
        with stack.db() as db:
            db.execute("UPDATE memberships SET state = 'Denied', denial_reason = 'Not an employee' "
                       "WHERE id = (SELECT membership_id FROM status_links WHERE token_hash = ?)", (secret_hash(status.rsplit("/", 1)[1]),))
        check("status: denied, ask again", status.replace(stack.base, ""))
        # The pages emails link to: a domain match's confirmation, a digest's unsubscribe.
        confirmation, unsubscribe = "axe-confirmation-" + "c" * 40, "axe-unsubscribe-" + "u" * 40
        with stack.db() as db:
            membership = db.execute("SELECT membership_id FROM status_links WHERE token_hash = ?", (secret_hash(status.rsplit("/", 1)[1]),)).fetchone()[0]
            db.execute("INSERT INTO email_confirmations (token_hash, membership_id, expires_at) VALUES (?, ?, '2099-01-01T00:00:00Z')",
                       (secret_hash(confirmation), membership))
            admin = db.execute("SELECT id FROM users WHERE email = 'admin@demo.test'").fetchone()[0]
            db.execute("DELETE FROM digest_settings WHERE user_id = ?", (admin,))
            db.execute("INSERT INTO digest_settings (user_id) VALUES (?)", (admin,))
            db.execute("INSERT INTO unsubscribe_links (token_hash, user_id) VALUES (?, ?)", (secret_hash(unsubscribe), admin))
        check("email confirmation link", f"/confirm/{confirmation}")
        check("unsubscribe link", f"/unsubscribe/{unsubscribe}")
        # An invitation's link, for an address without an account (the form that creates it).
        invitation = "axe-invitation-" + "i" * 40
        with stack.db() as db:
            db.execute("INSERT INTO user_invitations (org_id, email, role, token_hash, created_at, expires_at) "
                       "VALUES ((SELECT min(id) FROM organizations), 'axe.invited@example.org', 'Viewer', ?, 'x', '2099-01-01T00:00:00Z')",
                       (secret_hash(invitation),))
        check("invitation link", f"/invitation/{invitation}")
        check("dead invite link", "/join/no-such-invite-token-aaaaaa")
        check("dead status link", "/status/no-such-status-token-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
        # Issue 23: a disabled connection's link, asking again with a bad new address, /find grouped and past ten.
        _, disabled_token, _ = make_connection(stack, status="Disabled")
        check("disabled connection's link", f"/join/{disabled_token}")
        browser.get(status)
        browser.find_element(By.ID, "email").send_keys("not-an-address")
        browser.find_element(By.NAME, "terms").click()
        browser.find_element(By.XPATH, "//button[normalize-space()='Ask again']").click()
        wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "#email-problem"))
        check("ask again: a bad new address")
        with stack.db() as db:
            org = db.execute("INSERT INTO organizations (name, name_for_drivers, created_at) VALUES ('Axe Grouped', 'Axe Grouped Yard', 'x') "
                             "RETURNING id").fetchone()[0]
        for visibility in ("Public",) * 11:
            make_connection(stack, visibility=visibility, org=org)
        check("find: past ten", "/find?org=axe+grouped")
        with stack.db() as db:
            db.execute("UPDATE connections SET visibility = 'Private' WHERE org_id = ? AND id > (SELECT min(id) + 1 FROM connections WHERE org_id = ?)",
                       (org, org))
        check("find: grouped", "/find?org=axe+grouped")
    finally:
        browser.set_window_size(1280, 900)
    check.report()


def test_contrast_of_the_disabled_badge_and_the_focus_ring(stack, browser):
    """The Disabled badge reaches 4.5:1; the focus ring 3:1 against white and against the page."""
    def luminance(rgb):
        channels = [int(value) / 255 for value in re.findall(r"[\d.]+", rgb)[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    def ratio(a, b):
        high, low = sorted((luminance(a), luminance(b)), reverse=True)
        return (high + 0.05) / (low + 0.05)

    browser.delete_all_cookies()
    sign_in(stack, browser)
    browser.get(stack.base + "/connections?f=status&op=is&v=Disabled")
    badge = browser.find_element(By.CSS_SELECTOR, ".badge-disabled")
    style = browser.execute_script("const s = getComputedStyle(arguments[0]); return [s.color, s.backgroundColor]", badge)
    assert ratio(*style) >= 4.5, style
    link = browser.find_element(By.CSS_SELECTOR, "thead th a")
    link.send_keys(Keys.SHIFT, Keys.TAB)
    link.send_keys(Keys.TAB)  # focused by the keyboard: :focus-visible
    ring = browser.execute_script("return getComputedStyle(document.activeElement).outlineColor")
    page = browser.execute_script("return getComputedStyle(document.body).backgroundColor")
    assert ratio(ring, "rgb(255, 255, 255)") >= 3 and ratio(ring, page) >= 3, (ring, page)


def test_the_directory_sync_page_passes_axe(stack, browser, axe_source):
    """Directory sync (SCIM): empty, a token just made, a group to map, and at 390 px."""
    check = Checker(browser, axe_source)
    check.base = stack.base
    browser.set_window_size(1280, 900)
    browser.delete_all_cookies()
    sign_in(stack, browser)
    check("directory sync", "/directory")
    browser.find_element(By.ID, "token-name").send_keys("axe")
    browser.find_element(By.XPATH, "//button[normalize-space()='Make SCIM token']").click()
    token = wait(browser, lambda b: b.find_element(By.ID, "new-token").get_attribute("value"))
    check("directory sync with a new token")
    import requests
    answer = requests.post(stack.base + "/scim/v2/Groups", json={"displayName": "Axe group"}, timeout=30,
                           headers={"Authorization": f"Bearer {token}", "Content-Type": "application/scim+json"})
    assert answer.status_code == 201, answer.text
    check("directory sync with a group", "/directory")
    browser.set_window_size(390, 844)
    try:
        check("directory sync at 390 px", "/directory")
    finally:
        browser.set_window_size(1280, 900)
    check.report()

def test_single_sign_on_pages_pass_axe(fresh_stack, browser, axe_source):
    """/sso (saved, and with problems) and the sign-in page offering single sign-on, and saying the provider is down."""
    from harness import OFFICER, free_port
    stack = fresh_stack(connections=20).start()
    organization = stack.organization_of(OFFICER)
    check = Checker(browser, axe_source)
    check.base = stack.base
    browser.set_window_size(1280, 900)
    browser.delete_all_cookies()
    sign_in(stack, browser)
    check("single sign-on settings", f"/sso?org={organization}")
    browser.find_element(By.XPATH, "//button[normalize-space()='Save settings']").click()
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "#sso-settings [aria-invalid=true]"))
    check("single sign-on settings with problems")
    browser.find_element(By.ID, "sso-issuer").send_keys(f"http://127.0.0.1:{free_port()}")
    browser.find_element(By.ID, "sso-client").send_keys("console")
    browser.find_element(By.ID, "sso-secret").send_keys("secret")
    browser.find_element(By.XPATH, "//button[normalize-space()='Save settings']").click()
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, ".notice.success"))
    check("single sign-on settings saved")
    browser.delete_all_cookies()
    check("sign-in with single sign-on", "/login")
    browser.find_element(By.CSS_SELECTOR, ".signin-sso a").click()
    wait(browser, lambda b: b.find_elements(By.ID, "signin-problem"))
    check("sign-in: the identity provider is down")
    check.report()
