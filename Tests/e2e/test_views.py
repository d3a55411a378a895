"""Saved views in Chromium (issue 28): the Views menu saves the table as it is, says "modified" when it changes,
reverts, shares with an organization, and opens the default view."""
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from test_browser import browser, screenshot, sign_in  # noqa: F401 (the fixture)
from test_table_controls import user, viewport, wait  # noqa: F401 (the fixture)


def open_menu(browser):
    if not browser.find_element(By.CSS_SELECTOR, ".views-menu").get_attribute("open"):
        browser.find_element(By.ID, "views-menu").click()


def test_a_view_is_saved_modified_reverted_and_opens_by_default(stack, user):
    browser = user
    browser.get(stack.base + "/connections?f=name&op=contains&v=sta&sort=connected_drivers&order=desc")
    open_menu(browser)
    screenshot(browser, "views-menu-empty-1280.png")
    browser.find_element(By.ID, "view-name").send_keys("Staff, busiest first")
    Select(browser.find_element(By.ID, "view-share")).select_by_index(1)  # everyone in the first organization
    browser.find_element(By.CSS_SELECTOR, ".view-save-as button[value=save-as]").click()
    wait(browser, lambda b: "view=" in b.current_url)
    assert "Views: Staff, busiest first" in browser.find_element(By.ID, "views-menu").text
    assert "modified" not in browser.find_element(By.ID, "views-menu").text
    saved_url = browser.current_url.split("#")[0]
    # Removing the filter by its chip changes the table: the menu says so and offers Save and Revert.
    browser.find_element(By.CSS_SELECTOR, ".filter-chips .chip-remove").click()
    wait(browser, lambda b: "(modified)" in b.find_element(By.ID, "views-menu").text)
    open_menu(browser)
    assert browser.find_elements(By.CSS_SELECTOR, ".view-current button[value=save]")
    assert "shared with everyone in" in browser.find_element(By.CSS_SELECTOR, ".view-current p").text
    screenshot(browser, "views-menu-modified-1280.png")
    browser.find_element(By.LINK_TEXT, "Revert").click()
    wait(browser, lambda b: b.current_url.split("#")[0] == saved_url)
    assert "modified" not in browser.find_element(By.ID, "views-menu").text
    # Made the default, it opens when the table's address names nothing.
    open_menu(browser)
    browser.find_element(By.CSS_SELECTOR, ".view-current button[value=default]").click()
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, ".view-current button[value=no-default]") or "#views-menu" in b.current_url)
    browser.get(stack.base + "/connections")
    wait(browser, lambda b: "view=" in b.current_url)
    assert browser.current_url.split("#")[0] == saved_url
    browser.get(stack.base + "/connections?view=none")
    assert "Views</summary>" in browser.page_source or browser.find_element(By.ID, "views-menu").text.strip() == "Views"


def test_a_shared_views_report_is_set_from_the_views_menu(stack, user):
    """Issue 28's reports: the form under a shared view, in Chromium; the schedule line says what was set."""
    browser = user
    browser.get(stack.base + "/connections?f=status&op=is&v=Disabled")
    open_menu(browser)
    browser.find_element(By.ID, "view-name").send_keys("Disabled, reported")
    Select(browser.find_element(By.ID, "view-share")).select_by_index(1)
    browser.find_element(By.CSS_SELECTOR, ".view-save-as button[value=save-as]").click()
    wait(browser, lambda b: "view=" in b.current_url)
    open_menu(browser)
    assert "Not sent as a report." in browser.find_element(By.CSS_SELECTOR, ".view-report-line").text
    Select(browser.find_element(By.ID, "report-frequency")).select_by_value("weekly")
    Select(browser.find_element(By.ID, "report-hour")).select_by_value("8")
    browser.find_element(By.CSS_SELECTOR, ".view-report-form input[name=to]").click()
    browser.find_element(By.CSS_SELECTOR, ".view-report-form input[name=skip]").click()
    screenshot(browser, "views-menu-report-form-1280.png")
    browser.find_element(By.CSS_SELECTOR, ".view-report-form button[value=report]").click()
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, ".view-report-line"))
    open_menu(browser)
    line = browser.find_element(By.CSS_SELECTOR, ".view-report-line").text
    assert "Sent on Mondays at 08:00" in line and "to 1 member; skipped when nothing changed." in line, line
    screenshot(browser, "views-menu-report-set-1280.png")
    with stack.db() as db:
        db.execute("DELETE FROM view_reports")  # the shared stack's other tests see no report queued
        db.execute("DELETE FROM outbox WHERE kind = 'view report'")
