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
