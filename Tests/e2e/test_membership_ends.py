"""Memberships that end (issue 25), through nginx and Chromium, on the database the run uses: the
host sets a connection's length on its page, a driver joining is "Connected until" its end, and
the serve process ends it on time by the clock the test sets (POST /_test/clock): no test waits
for the real date."""
import requests
from selenium.webdriver.common.by import By

from test_browser import browser, screenshot, sign_in  # noqa: F401 (the fixture)
from test_console_ux import wait
from test_invites import join, make_connection, state_of


def set_clock(stack, at=None):
    answer = requests.post(stack.base + "/_test/clock" + (f"?at={at}" if at else ""), timeout=10)
    assert answer.status_code == 200, answer.text[:200]


def test_a_membership_ends_on_its_day_by_the_tests_clock(stack, browser):
    connection, token, _ = make_connection(stack, approval="Automatically approve all")
    browser.set_window_size(1280, 900)
    browser.delete_all_cookies()
    sign_in(stack, browser)
    browser.get(f"{stack.base}/connections/{connection}")
    card = browser.find_element(By.ID, "membership-length")
    assert "Memberships last: For ever" in card.text
    card.find_element(By.CSS_SELECTOR, "input[name=kind][value=until]").click()
    browser.execute_script("document.getElementById('length-until').value = '2030-06-30'")
    card.find_element(By.XPATH, ".//button[normalize-space()='Save membership length']").click()
    wait(browser, lambda b: "Membership length saved" in b.find_element(By.TAG_NAME, "main").text)
    assert "Memberships last: Until 30 June 2030" in browser.find_element(By.ID, "membership-length").text
    screenshot(browser, "membership-length.png")

    answer, _ = join(stack, token, name="Ulla Until", email="ulla.until@example.org")
    assert answer.status_code == 303, answer.text[:300]
    status = answer.headers["Location"]
    state, page = state_of(stack, status)
    assert state == "Connected" and "Connected until 30 June 2030." in page

    browser.get(f"{stack.base}/connections/{connection}?state=Connected")
    assert "30 June 2030" in browser.find_element(By.ID, "drivers").text
    try:
        set_clock(stack, "2030-06-30T00:00:30Z")
        # The process holding the lease looks every --expiry-sweep-seconds (15 by default).
        state, page = wait(browser, lambda b: (lambda s: s if s[0] == "Removed" else None)(state_of(stack, status)), timeout=40)
    finally:
        set_clock(stack)
    assert "Your membership ended on 30 June 2030" in page
    browser.get(stack.base + status)
    screenshot(browser, "membership-ended-status.png")
    browser.get(f"{stack.base}/connections/{connection}#history")
    history = browser.find_element(By.ID, "history").text
    assert "Expired driver" in history and "Membership expiry" in history
