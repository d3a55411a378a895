"""Filter groups and relative dates in the builder, in Chromium, with and without JavaScript (issue 28)."""
import re
import urllib.parse

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from test_browser import browser, screenshot, sign_in  # noqa: F401 (the fixture)
from test_console_ux import browser_without_scripts  # noqa: F401 (the fixture)
from test_table_controls import user, viewport, wait  # noqa: F401 (the fixture)

SENTENCE = ("where (Connection Name contains “sta” or Connection Name contains “fleet”) "
            "and Connection Status is Enabled")


def build_groups(browser, added_in_place):
    """Three rows: two in Group 1 joined by any, one on its own; Apply; then group 1's all/any."""
    browser.get(browser.current_url.split("/connections")[0] + "/connections?edit=filters#filter-panel")
    # With the script an empty builder opens with one row already; rows are added in place, else by the server.
    if added_in_place:
        wait(browser, lambda b: len(b.find_elements(By.CSS_SELECTOR, ".filter-row")) == 1)
    while (count := len(browser.find_elements(By.CSS_SELECTOR, ".filter-row"))) < 3:
        browser.find_element(By.CSS_SELECTOR, ".filter-add").click()
        wait(browser, lambda b: len(b.find_elements(By.CSS_SELECTOR, ".filter-row")) == count + 1)
    rows = browser.find_elements(By.CSS_SELECTOR, ".filter-row")
    for row, (column, condition, value, group) in zip(rows, [("Connection Name", "Contains", "sta", "Group 1"),
                                                             ("Connection Name", "Contains", "fleet", "Group 1"),
                                                             ("Connection Status", "Is", "Enabled", "No group")]):
        Select(row.find_element(By.CSS_SELECTOR, ".filter-column")).select_by_visible_text(column)
        Select(row.find_element(By.CSS_SELECTOR, ".filter-condition")).select_by_visible_text(condition)
        field = row.find_element(By.CSS_SELECTOR, "[name=v]")
        if field.tag_name == "select":
            Select(field).select_by_visible_text(value)
        else:
            field.clear()
            field.send_keys(value)
        Select(row.find_element(By.CSS_SELECTOR, "select[name=g]")).select_by_visible_text(group)
    browser.find_element(By.CSS_SELECTOR, ".filter-actions button.button.small:not(.secondary)").click()
    wait(browser, lambda b: "g=1" in b.current_url)
    # Group 1 is in use: its all/any is offered; any joins its two filters.
    if not browser.find_element(By.CSS_SELECTOR, ".filter-panel").get_attribute("open"):
        browser.find_element(By.ID, "filter-panel").click()
    Select(browser.find_element(By.ID, "gm-1")).select_by_visible_text("any of its filters")
    browser.find_element(By.CSS_SELECTOR, ".filter-actions button.button.small:not(.secondary)").click()
    wait(browser, lambda b: "gm=any" in b.current_url)
    assert SENTENCE in browser.find_element(By.CSS_SELECTOR, ".filter-sentence").text


def test_groups_are_built_with_javascript(stack, user):
    browser = user
    build_groups(browser, added_in_place=True)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(browser.current_url).query)
    assert query["g"] == ["1", "1", "0"] and query["gm"] == ["any"]
    if not browser.find_element(By.CSS_SELECTOR, ".filter-panel").get_attribute("open"):
        browser.find_element(By.ID, "filter-panel").click()
    screenshot(browser, "filter-groups-1280.png")


def test_groups_are_built_without_javascript(stack, browser_without_scripts, fresh_user):
    browser = browser_without_scripts
    browser.delete_all_cookies()
    sign_in(stack, browser, fresh_user.email, fresh_user.password)
    build_groups(browser, added_in_place=False)
    screenshot(browser, "filter-groups-no-script-1280.png")


def test_relative_dates_are_offered_for_dates_only(stack, user):
    browser = user
    browser.get(stack.base + "/connections?f=created_at&op=last_days&v=30&edit=filters#filter-panel")
    assert "Created is in the last 30 days" in browser.find_element(By.CSS_SELECTOR, ".filter-sentence").text \
        or "No connections match" in browser.page_source
    condition = browser.find_element(By.ID, "op-0")
    offered = [o.text for o in condition.find_elements(By.TAG_NAME, "option") if o.is_enabled()]
    assert {"Is today", "Is this week", "Is this month", "In the last N days", "In the next N days", "Before", "After"} <= set(offered)
    Select(browser.find_element(By.ID, "f-0")).select_by_visible_text("Connection Name")
    offered = [o.text for o in condition.find_elements(By.TAG_NAME, "option") if o.is_enabled()]
    assert "Is today" not in offered and "Before" not in offered and "Contains" in offered
    Select(browser.find_element(By.ID, "f-0")).select_by_visible_text("Created")
    Select(condition).select_by_visible_text("Before")
    assert browser.find_element(By.ID, "v-0").get_attribute("type") == "date"
    Select(condition).select_by_visible_text("Is today")
    assert not browser.find_element(By.ID, "v-0").is_displayed()
    screenshot(browser, "filter-relative-dates-1280.png")
