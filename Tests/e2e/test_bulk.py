"""Bulk done right (issue 23, finding 7), in headless Chromium: the selection bar counts what is
ticked as it is ticked, selects the page or every row matching the filters, says what it changed
and skipped, and undoes exactly that; those who can change nothing get no Select rows."""
import urllib.parse

from selenium.webdriver.common.by import By

from test_browser import browser, screenshot, sign_in  # noqa: F401 (the fixture)
from test_console_ux import wait

FILTER = "f=connection_type&op=is&v=" + urllib.parse.quote("Leasing Company")


def _statuses(stack):
    with stack.db() as db:
        return dict(db.execute("SELECT id, status FROM connections WHERE connection_type = 'Leasing Company'").fetchall())


def _count(browser):
    return browser.find_element(By.ID, "bulk-count").text


def test_tick_count_select_all_matching_confirm_and_undo(stack, browser):
    browser.set_window_size(1280, 900)
    browser.delete_all_cookies()
    sign_in(stack, browser)
    before = _statuses(stack)
    already = sum(1 for status in before.values() if status == "Disabled")
    assert already and already < len(before)
    browser.get(f"{stack.base}/connections?edit=rows&{FILTER}")
    assert _count(browser) == "Nothing is selected yet"
    # Pressing an action with nothing ticked says so; ticking makes that go, and counts.
    browser.find_element(By.CSS_SELECTOR, "#bulk-form button[value=disable]").click()
    wait(browser, lambda b: b.find_elements(By.ID, "bulk-problem"))
    boxes = browser.find_elements(By.CSS_SELECTOR, "input[name=c][form=bulk-form]")
    boxes[0].click()
    assert not browser.find_elements(By.ID, "bulk-problem")
    boxes[1].click()
    assert _count(browser) == "2 selected"
    screenshot(browser, "bulk-two-ticked-1280.png")
    browser.find_element(By.ID, "select-page").click()
    assert _count(browser) == f"{len(boxes)} selected" and all(box.is_selected() for box in boxes)
    browser.find_element(By.ID, "select-page").click()
    assert _count(browser) == "Nothing is selected yet"
    # Every row the filter matches, beyond this page too.
    browser.find_element(By.ID, "select-matching").click()
    assert _count(browser) == f"All {len(before)} matching selected"
    browser.find_element(By.CSS_SELECTOR, "#bulk-form button[value=disable]").click()
    wait(browser, lambda b: b.find_element(By.TAG_NAME, "h1").text == f"Disable {len(before)} connections?")
    assert "every one matching the filters" in browser.find_element(By.CSS_SELECTOR, ".card").text
    screenshot(browser, "bulk-confirm-matching-1280.png")
    browser.find_element(By.XPATH, f"//button[normalize-space()='Disable {len(before)} connections']").click()
    outcome = wait(browser, lambda b: b.find_element(By.ID, "bulk-outcome"))
    changed = len(before) - already
    assert f"Disabled {changed} connection{'s' if changed != 1 else ''}. Skipped {already}: already disabled." in outcome.text
    assert set(_statuses(stack).values()) == {"Disabled"}
    for width in (390, 1280):
        browser.set_window_size(width, 900)
        screenshot(browser, f"bulk-outcome-undo-{width}.png")
    browser.set_window_size(1280, 900)
    # Undo puts back exactly what the change did.
    browser.find_element(By.XPATH, "//div[@id='bulk-outcome']//button[normalize-space()='Undo']").click()
    wait(browser, lambda b: "Undone: enabled" in b.find_element(By.ID, "bulk-outcome").text)
    assert not browser.find_elements(By.XPATH, "//div[@id='bulk-outcome']//button")
    assert _statuses(stack) == before
    screenshot(browser, "bulk-undone-1280.png")


def test_a_viewer_and_an_officer_get_no_select_rows(stack, browser):
    browser.set_window_size(1280, 900)
    for email in ("viewer@demo.test", "officer@demo.test"):
        browser.delete_all_cookies()
        sign_in(stack, browser, email=email)
        browser.get(f"{stack.base}/connections?edit=rows")
        assert not browser.find_elements(By.CSS_SELECTOR, "a.select-link")
        assert not browser.find_elements(By.ID, "bulk-form")
        assert not browser.find_elements(By.CSS_SELECTOR, "a[href$='/edit']")
