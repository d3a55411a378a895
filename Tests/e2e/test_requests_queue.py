"""The requests queue at volume in Chromium: 1,064 pending requests in 20 organizations, paged to the
newest and decided, keyboard shortcuts, the count in the navigation, a slip that keeps the ticks and
the reason, every request matching decided after a second question; axe on each state, screenshots
at 1280 and 390 px."""
import datetime

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from harness import Stack
from test_accessibility import axe_source, violations, wait  # noqa: F401 (the fixture)
from test_browser import browser, screenshot, sign_in  # noqa: F401 (the fixture)

WAITING = 1064
ORGANIZATIONS = 20


@pytest.fixture(scope="module")
def queue(tmp_path_factory):
    """A stack of its own: 5,000 demo connections (20 organizations), the demo's pending requests
    decided, and 1,064 new ones a minute apart, spread over one connection of each organization; the
    newest is "Newest Driver"."""
    stack = Stack(tmp_path_factory.mktemp("queue"), connections=5000)
    try:
        start = datetime.datetime(2026, 11, 1, tzinfo=datetime.timezone.utc)
        with stack.db() as db:
            db.execute("UPDATE memberships SET state = 'Denied', denial_reason = 'Cleared for the queue test' WHERE state = 'Pending'")
            organizations = [row[0] for row in db.execute("SELECT id FROM organizations ORDER BY id").fetchall()]
            assert len(organizations) == ORGANIZATIONS
            connections = [db.execute("SELECT min(id) FROM connections WHERE org_id = ?", (org,)).fetchone()[0] for org in organizations]
            drivers = []
            for index in range(WAITING):
                at = (start + datetime.timedelta(minutes=index)).strftime("%Y-%m-%dT%H:%M:%SZ")
                name = "Newest Driver" if index == WAITING - 1 else f"Queue Driver {index:04d}"
                drivers.append((name, f"queue.driver.{index:04d}@queue.example", at, connections[index % ORGANIZATIONS]))
            db.executemany("INSERT INTO drivers (name, email, created_at) VALUES (?, ?, ?)", [row[:3] for row in drivers])
            db.executemany("INSERT INTO memberships (connection_id, driver_id, state, requested_at, driver_name) "
                           "SELECT ?, id, 'Pending', ?, ? FROM drivers WHERE email = ?",
                           [(connection, at, name, email) for name, email, at, connection in drivers])
        stack.organizations, stack.connections = organizations, connections
        stack.start()
    except BaseException:
        stack.close()
        raise
    yield stack
    stack.close()


def open_queue(stack, browser, path="/requests"):
    """Opens a page of the queue, signing in first when the browser is not (a test run alone)."""
    browser.get(stack.base + path)
    if "/login" in browser.current_url:
        sign_in(stack, browser)
        browser.get(stack.base + path)


def pending(stack, where="", parameters=()):
    return stack.query("SELECT count(*) FROM memberships m JOIN connections c ON c.id = m.connection_id WHERE m.state = 'Pending'" + where,
                       parameters)[0][0]


def nav_count(browser):
    return browser.find_element(By.CSS_SELECTOR, "nav a[href='/requests']").text


def rows(browser):
    return browser.find_elements(By.CSS_SELECTOR, "#queue-table tbody tr")


def press(browser, *keys):
    ActionChains(browser).send_keys(*keys).perform()


def notice(browser, words):
    """Until the page that replaces this one says `words` in its notice."""
    wait(browser, lambda b: any(words in element.text for element in b.find_elements(By.CSS_SELECTOR, ".notice.success")))


def check_axe(browser, axe_source, name):
    problems = violations(browser, axe_source)
    assert not problems, f"{name}:\n  " + "\n  ".join(problems)


def test_the_queue_pages_to_the_newest_request_and_decides_it(queue, browser, axe_source):
    browser.set_window_size(1280, 800)
    browser.delete_all_cookies()
    sign_in(queue, browser)
    assert "1,064" in nav_count(browser), nav_count(browser)
    browser.get(queue.base + "/requests")
    assert browser.find_element(By.ID, "queue-total").text == "1,064 waiting"
    assert len(rows(browser)) == 50
    headers = [th.text for th in browser.find_elements(By.CSS_SELECTOR, "#queue-table thead th")]
    assert "Organization" in headers, headers
    screenshot(browser, "requests-queue-1280.png")
    check_axe(browser, axe_source, "the queue")
    # The decision bar stays in view at the bottom of the page.
    browser.execute_script("window.scrollTo(0, document.body.scrollHeight)")
    assert browser.execute_script("return document.getElementById('queue-bar').getBoundingClientRect().top") >= 0
    assert browser.execute_script("return document.getElementById('queue-bar').getBoundingClientRect().top") < 5
    screenshot(browser, "requests-queue-scrolled-1280.png")
    pages = 1
    while browser.find_elements(By.CSS_SELECTOR, "a[rel=next]"):
        browser.find_element(By.CSS_SELECTOR, "a[rel=next]").click()
        pages += 1
        assert pages <= 30
    assert pages == 22, pages
    newest = [row for row in rows(browser) if "Newest Driver" in row.text]
    assert len(newest) == 1 and newest[0] == rows(browser)[-1]
    newest[0].find_element(By.CSS_SELECTOR, "button[value^='approve:']").click()
    notice(browser, "1 driver approved")
    assert "1,063" in nav_count(browser)
    assert queue.query("SELECT m.state FROM memberships m JOIN drivers d ON d.id = m.driver_id WHERE d.name = 'Newest Driver'") == [("Connected",)]


def test_keyboard_shortcuts_move_tick_approve_and_deny(queue, browser, axe_source):
    open_queue(queue, browser, "/requests?sort=newest")
    hint = browser.find_element(By.ID, "queue-keys-hint")
    assert hint.is_displayed() and "approve" in hint.text
    # The header checkbox ticks the page, and the bar counts it.
    browser.find_element(By.ID, "queue-page").click()
    assert browser.find_element(By.ID, "queue-selection").text == "50 selected on this page."
    assert all(box.is_selected() for box in browser.find_elements(By.CSS_SELECTOR, "tbody input[name=m]"))
    browser.find_element(By.ID, "queue-page").click()
    assert browser.find_element(By.ID, "queue-selection").text == "None selected."
    # Never while typing in a field.
    browser.find_element(By.ID, "queue-q").send_keys("j")
    assert not browser.find_elements(By.CSS_SELECTOR, "tr.current")
    browser.find_element(By.ID, "queue-q").clear()
    browser.find_element(By.TAG_NAME, "h1").click()
    press(browser, "j")
    wait(browser, lambda b: "Request 1 of 50" in b.find_element(By.ID, "queue-status").get_attribute("textContent"))
    press(browser, "j", "x", "j", "x")
    current = browser.find_elements(By.CSS_SELECTOR, "tr.current")
    assert len(current) == 1 and current[0] == rows(browser)[2]
    assert browser.find_element(By.ID, "queue-selection").text == "2 selected on this page."
    wait(browser, lambda b: "Ticked" in b.find_element(By.ID, "queue-status").get_attribute("textContent"))
    check_axe(browser, axe_source, "the queue with a current row")
    names = [row.find_element(By.TAG_NAME, "strong").text for row in rows(browser)[1:3]]
    press(browser, "d")
    wait(browser, lambda b: b.switch_to.active_element.get_attribute("id") == "reason")
    wait(browser, lambda b: "reason" in b.find_element(By.ID, "queue-status").get_attribute("textContent"))
    browser.switch_to.active_element.send_keys("Denied by the keyboard", Keys.ENTER)
    notice(browser, "2 drivers denied")
    for name in names:
        assert queue.query("SELECT m.state, m.denial_reason FROM memberships m WHERE m.driver_name = ?", (name,)) == [("Denied", "Denied by the keyboard")]
    # a: the current row, when nothing is ticked.
    browser.find_element(By.TAG_NAME, "h1").click()
    press(browser, "j")
    first = rows(browser)[0].find_element(By.TAG_NAME, "strong").text
    press(browser, "a")
    notice(browser, "1 driver approved")
    assert queue.query("SELECT state FROM memberships WHERE driver_name = ?", (first,)) == [("Connected",)]
    assert "1,060" in nav_count(browser)
    # Turned off, and remembered.
    browser.find_element(By.ID, "queue-keys-on").click()
    browser.refresh()
    assert not browser.find_element(By.ID, "queue-keys-on").is_selected()
    browser.find_element(By.TAG_NAME, "h1").click()
    press(browser, "j")
    assert not browser.find_elements(By.CSS_SELECTOR, "tr.current")
    browser.find_element(By.ID, "queue-keys-on").click()
    browser.find_element(By.TAG_NAME, "h1").click()
    press(browser, "j")
    assert browser.find_elements(By.CSS_SELECTOR, "tr.current")


def test_a_slip_keeps_the_ticks_and_the_reason(queue, browser, axe_source):
    for path in ("/requests", f"/connections/{queue.connections[0]}/requests"):
        open_queue(queue, browser, path)
        ticked = [rows(browser)[0], rows(browser)[2]]
        ids = [row.find_element(By.CSS_SELECTOR, "input[name=m]").get_attribute("value") for row in ticked]
        for row in ticked:
            row.find_element(By.CSS_SELECTOR, "input[name=m]").click()
        browser.find_element(By.CSS_SELECTOR, ".queue-bar button[value=deny]").click()
        wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "[role=alert]"))
        assert "Give the driver a reason" in browser.find_element(By.ID, "queue-problem").text
        assert browser.switch_to.active_element.get_attribute("id") == "reason"
        for id in ids:
            assert browser.find_element(By.ID, f"m-{id}").is_selected(), id
        assert len([box for box in browser.find_elements(By.CSS_SELECTOR, "tbody input[name=m]") if box.is_selected()]) == 2
        assert browser.current_url.endswith("/requests/decide")
        if path == "/requests":
            screenshot(browser, "requests-slip-no-reason-1280.png")
            check_axe(browser, axe_source, "a denial without a reason")
        # Nothing ticked: the typed reason stays.
        for id in ids:
            browser.find_element(By.ID, f"m-{id}").click()
        browser.find_element(By.ID, "reason").send_keys("Kept reason")
        browser.find_element(By.CSS_SELECTOR, ".queue-bar button[value=approve]").click()
        wait(browser, lambda b: "Nothing is selected" in b.find_element(By.ID, "queue-problem").text)
        assert browser.find_element(By.ID, "reason").get_attribute("value") == "Kept reason"
        assert browser.switch_to.active_element.get_attribute("id") == "queue-problem"
        if path == "/requests":
            check_axe(browser, axe_source, "nothing ticked")
        assert pending(queue) == 1060


def test_every_request_matching_is_decided_after_a_second_question(queue, browser, axe_source):
    organization = queue.organizations[3]
    matching = pending(queue, " AND c.org_id = ?", (organization,))
    assert matching > 50
    open_queue(queue, browser)
    Select(browser.find_element(By.ID, "queue-org")).select_by_value(str(organization))
    browser.find_element(By.CSS_SELECTOR, ".queue-show button").click()
    wait(browser, lambda b: f"{matching} waiting" == b.find_element(By.ID, "queue-total").text)
    assert f"Select all {matching} matching" in browser.find_element(By.CSS_SELECTOR, "label[for=queue-all]").text
    browser.find_element(By.ID, "queue-all").click()
    browser.find_element(By.CSS_SELECTOR, ".queue-bar button[value=approve]").click()
    wait(browser, lambda b: f"Approve {matching} requests?" in b.find_element(By.TAG_NAME, "h1").text)
    check_axe(browser, axe_source, "the second question")
    browser.find_element(By.XPATH, f"//button[normalize-space()='Approve {matching} requests']").click()
    notice(browser, f"{matching} drivers approved")
    assert pending(queue, " AND c.org_id = ?", (organization,)) == 0
    assert f"{1060 - matching:,}" in nav_count(browser)
    audited = queue.query("SELECT count(*) FROM audit_log WHERE action = 'Approved driver' AND org_id = ?", (organization,))[0][0]
    assert audited >= matching


def test_the_queue_on_a_phone(queue, browser, axe_source):
    browser.set_window_size(390, 844)
    try:
        open_queue(queue, browser)
        check_axe(browser, axe_source, "the queue at 390 px")
        assert browser.execute_script("return document.documentElement.scrollWidth") <= 390
        screenshot(browser, "requests-queue-390.png")
        browser.execute_script("document.getElementById('queue-table').scrollIntoView()")
        screenshot(browser, "requests-queue-rows-390.png")
        # Each control of the first row is whole and hit where it is drawn.
        for control in rows(browser)[0].find_elements(By.CSS_SELECTOR, "input, button, a"):
            assert browser.execute_script("""
                arguments[0].scrollIntoView({block: "center"});
                const r = arguments[0].getBoundingClientRect();
                const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
                return r.right <= 390 && !!hit && (hit === arguments[0] || arguments[0].contains(hit));""", control), control.get_attribute("outerHTML")
    finally:
        browser.set_window_size(1280, 800)
