"""Where a driver's path used to end (issue 23, finding 10), on a 390 x 844 phone in headless Chromium:
a repeat request without email, asking again with a new address, a rotated link's 410 page, /find's
groups and its limit of ten, and the /find address copied from the search code card. Screenshots go
to var/test-artifacts."""
import base64
import subprocess

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions

from harness import secret_hash
from test_browser import browser, screenshot, sign_in  # noqa: F401 (the fixture)
from test_console_ux import wait
from test_invites import make_connection


@pytest.fixture
def phone(browser):
    browser.delete_all_cookies()
    browser.set_window_size(390, 844)
    yield browser
    browser.set_window_size(1280, 900)


def fill_join(browser, stack, token, email, name="Phone Driver"):
    browser.get(f"{stack.base}/join/{token}")
    browser.find_element(By.ID, "name").send_keys(name)
    browser.find_element(By.ID, "email").send_keys(email)
    for field in browser.find_elements(By.CSS_SELECTOR, "input[name^=answer-]"):
        field.send_keys("E-1")
    browser.find_element(By.NAME, "terms").click()
    browser.find_element(By.CSS_SELECTOR, ".driver-form button[type=submit]").click()


def no_horizontal_overflow(browser):
    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways"


def test_a_repeat_request_without_email_says_how_to_get_back(stack, phone):
    _, token, _ = make_connection(stack)
    fill_join(phone, stack, token, "repeat.phone@example.org")
    wait(phone, expected_conditions.url_contains("/status/"))
    status_url = phone.current_url
    link = phone.find_element(By.ID, "status-url")
    assert link.get_attribute("value") == "https://connect.example.test/status/" + status_url.rsplit("/", 1)[1]
    screenshot(phone, "driver-status-link-390.png")
    fill_join(phone, stack, token, "repeat.phone@example.org")
    wait(phone, lambda b: b.find_element(By.TAG_NAME, "h1").text == "You have asked before")
    main = phone.find_element(By.TAG_NAME, "main").text
    assert "Its address starts with https://connect.example.test/status/" in main
    assert "look for it in the history or bookmarks" in main and "they can look your request up" in main
    assert status_url.rsplit("/", 1)[1] not in phone.page_source
    no_horizontal_overflow(phone)
    screenshot(phone, "driver-asked-before-390.png")


def test_asking_again_with_a_new_address(stack, phone):
    connection, token, _ = make_connection(stack, approval="Automatically approve by email domain", questions=["Employee ID"],
                                           domains=["work.example"])
    fill_join(phone, stack, token, "home.phone@example.org", name="Wes Work")
    wait(phone, expected_conditions.url_contains("/status/"))
    old = phone.current_url
    with stack.db() as db:
        db.execute("UPDATE memberships SET state = 'Denied', denial_reason = 'Use your work email', decided_at = requested_at "
                   "WHERE id = (SELECT membership_id FROM status_links WHERE token_hash = ?)", (secret_hash(old.rsplit("/", 1)[1]),))
    phone.get(old)
    phone.find_element(By.LINK_TEXT, "Send a new request").click()
    field = phone.find_element(By.ID, "email")
    assert field.get_attribute("value") == "" and "A different email address" in phone.find_element(By.CSS_SELECTOR, "label[for=email]").text
    field.send_keys("wes@work.example")
    phone.find_element(By.NAME, "terms").click()
    screenshot(phone, "driver-ask-again-new-address-390.png")
    phone.find_element(By.XPATH, "//button[normalize-space()='Ask again']").click()
    # The new request's status page, once it has replaced the form (its state read when it is there).
    wait(phone, lambda b: "/status/" in b.current_url and b.current_url != old
         and b.find_element(By.CSS_SELECTOR, ".status-state").text == "Pending")
    screenshot(phone, "driver-new-address-request-390.png")
    phone.get(old)
    assert phone.find_element(By.CSS_SELECTOR, ".status-state").text == "Denied", "the old request stays as it was"
    with stack.db() as db:
        rows = db.execute("SELECT d.email, m.state FROM memberships m JOIN drivers d ON d.id = m.driver_id "
                          "WHERE m.connection_id = ? ORDER BY m.id", (connection,)).fetchall()
    assert rows == [("home.phone@example.org", "Denied"), ("wes@work.example", "Pending")]


def test_a_rotated_link_answers_a_410_page_for_drivers(stack, phone):
    connection, token, _ = make_connection(stack)
    assert stack.post(f"/connections/{connection}/rotate", data={"what": "link", "confirm": "1"}).status_code == 303
    assert requests.get(f"{stack.base}/join/{token}", timeout=30).status_code == 410
    phone.get(f"{stack.base}/join/{token}")
    assert phone.find_element(By.TAG_NAME, "h1").text == "This invite link no longer works"
    main = phone.find_element(By.TAG_NAME, "main").text
    assert "Error" not in main and "Page not found" not in main
    assert "for the new invite link or QR code" in main and "https://connect.example.test/find" in main
    no_horizontal_overflow(phone)
    screenshot(phone, "driver-rotated-link-410-390.png")
    phone.find_element(By.LINK_TEXT, "Find a connection by its search code").click()
    wait(phone, expected_conditions.url_contains("/find"))


def test_find_groups_by_organization_and_asks_for_the_code_past_ten(stack, phone):
    with stack.db() as db:
        orgs = [db.execute("INSERT INTO organizations (name, name_for_drivers, created_at) VALUES (?, ?, 'x') RETURNING id",
                           (name, name)).fetchone()[0] for name in ("Wharfside Harbor Bay", "Wharfside Harbor Point", "Wharfside Lagoon")]
    for org in [orgs[0], orgs[0], orgs[1]] + [orgs[2]] * 9:
        make_connection(stack, visibility="Public", org=org)
    phone.get(f"{stack.base}/find")
    phone.find_element(By.ID, "org").send_keys("wharfside harbor")
    phone.find_element(By.XPATH, "//button[normalize-space()='Search']").click()
    wait(phone, lambda b: b.find_elements(By.CSS_SELECTOR, ".find-results h3"))
    assert [h.text for h in phone.find_elements(By.CSS_SELECTOR, ".find-results h3")] == ["Wharfside Harbor Bay", "Wharfside Harbor Point"]
    assert len(phone.find_elements(By.CSS_SELECTOR, ".find-results a[href^='/join/']")) == 3
    no_horizontal_overflow(phone)
    screenshot(phone, "driver-find-grouped-390.png")
    phone.get(f"{stack.base}/find?org=wharfside")
    assert phone.find_element(By.ID, "results-heading").text == "12 public connections match"
    assert "search code" in phone.find_element(By.CSS_SELECTOR, ".find-results .notice").text
    assert not phone.find_elements(By.CSS_SELECTOR, ".find-results a[href^='/join/']")
    screenshot(phone, "driver-find-too-many-390.png")
    phone.find_element(By.LINK_TEXT, "Wharfside Lagoon").click()
    wait(phone, lambda b: b.find_element(By.ID, "results-heading").text == "9 public connections found")


def test_the_find_address_is_copied_from_the_search_code_card(stack, browser, tmp_path):
    connection, _, code = make_connection(stack)
    browser.delete_all_cookies()
    browser.set_window_size(390, 844)
    try:
        sign_in(stack, browser)
        browser.execute_cdp_cmd("Browser.grantPermissions", {"origin": stack.base, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]})
        browser.get(f"{stack.base}/connections/{connection}/invite")
        field = browser.find_element(By.ID, "find-url")
        assert field.get_attribute("value") == "https://connect.example.test/find" and field.get_attribute("readonly")
        button = browser.find_element(By.CSS_SELECTOR, "button[data-copy='find-url']")
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
        button.click()
        wait(browser, lambda b: button.text == "Copied")
        copied = browser.execute_async_script("const done = arguments[arguments.length - 1];"
                                              "navigator.clipboard.readText().then(done, e => done('failed: ' + e));")
        assert copied == "https://connect.example.test/find"
        qr = browser.find_element(By.CSS_SELECTOR, "img[alt^='QR code of the find page']")
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", qr)
        image = tmp_path / "find-qr.png"
        image.write_bytes(qr.screenshot_as_png)
        decoded = subprocess.run(["zbarimg", "--quiet", "--raw", str(image)], capture_output=True, text=True, check=True).stdout.strip()
        assert decoded == "https://connect.example.test/find"
        screenshot(browser, "invite-find-address-390.png")
    finally:
        browser.set_window_size(1280, 900)
