"""The header's search box and a page per connection (issue 23, findings 4 and 5), in headless Chromium:
the box as a combobox by keyboard, the results page without JavaScript, the connection page per role,
axe on each new page and state, screenshots at 390 and 1280 px in var/test-artifacts."""
import urllib.parse

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions

from harness import OFFICER, VIEWER
from test_accessibility import axe_source, violations  # noqa: F401 (the fixture)
from test_browser import browser, screenshot, sign_in  # noqa: F401 (the fixture)
from test_invites import make_connection
from test_console_ux import wait


def shots(browser, name):
    for width in (390, 1280):
        browser.set_window_size(width, 900)
        screenshot(browser, f"{name}-{width}.png")
    browser.set_window_size(1280, 900)


def renamed_connection(stack, name, org=None):
    """A new private connection named `name`, with one pending request by 'Wombat Pending'."""
    connection, _, code = make_connection(stack, org=org)
    with stack.db() as db:
        db.execute("UPDATE connections SET name = ? WHERE id = ?", (name, connection))
        db.execute("""INSERT INTO memberships (connection_id, driver_id, driver_name, state, requested_at)
                      SELECT ?, max(id), 'Wombat Pending', 'Pending', '2026-01-01T00:00:00Z' FROM drivers""", (connection,))
    return connection, code


@pytest.fixture
def signed_in(stack, browser):
    browser.set_window_size(1280, 900)
    browser.delete_all_cookies()
    sign_in(stack, browser)
    return browser


def test_the_search_box_by_keyboard(stack, signed_in, axe_source):
    browser = signed_in
    connection, _ = renamed_connection(stack, "Narwhal charging yard")
    box = browser.find_element(By.ID, "site-search-q")
    assert box.get_attribute("role") == "combobox" and box.get_attribute("aria-expanded") == "false"
    box.send_keys("narwhal")
    listbox = wait(browser, expected_conditions.visibility_of_element_located((By.ID, "site-search-list")))
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "#site-search-list [role=option]"))
    assert box.get_attribute("aria-expanded") == "true"
    assert "Connections" in listbox.text and "Narwhal charging yard" in listbox.text and "All results" in listbox.text
    assert not violations(browser, axe_source), "the open list"
    shots(browser, "search-box-open")
    box.send_keys(Keys.ARROW_DOWN)
    first = browser.find_element(By.CSS_SELECTOR, "#site-search-list [role=option]")
    assert box.get_attribute("aria-activedescendant") == first.get_attribute("id") and first.get_attribute("aria-selected") == "true"
    assert browser.switch_to.active_element == box, "focus stays in the box"
    box.send_keys(Keys.ESCAPE)
    wait(browser, lambda b: not listbox.is_displayed())
    assert box.get_attribute("aria-expanded") == "false"
    box.send_keys(Keys.ARROW_DOWN)
    wait(browser, lambda b: listbox.is_displayed())
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "#site-search-list [role=option]"))
    box.send_keys(Keys.ARROW_DOWN)
    box.send_keys(Keys.ENTER)
    wait(browser, expected_conditions.url_contains(f"/connections/{connection}"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Narwhal charging yard"
    # The last option opens every result.
    box = browser.find_element(By.ID, "site-search-q")
    box.send_keys("narwhal")
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "#site-search-list [role=option]"))
    box.send_keys(Keys.ARROW_UP, Keys.ENTER)
    wait(browser, expected_conditions.url_contains("/search?q=narwhal"))


@pytest.fixture
def no_script_browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def test_the_results_page_without_javascript(stack, no_script_browser, browser, axe_source):
    renamed_connection(stack, "Okapi fleet depot")
    sign_in(stack, no_script_browser)
    box = no_script_browser.find_element(By.ID, "site-search-q")
    assert box.get_attribute("role") is None, "no combobox without its script"
    box.send_keys("okapi", Keys.ENTER)
    wait(no_script_browser, expected_conditions.url_contains("/search?q=okapi"))
    main = no_script_browser.find_element(By.TAG_NAME, "main").text
    assert "Connections" in main and "Drivers" in main and "Organizations" in main and "Okapi fleet depot" in main
    no_script_browser.find_element(By.LINK_TEXT, "Okapi fleet depot").click()
    wait(no_script_browser, lambda b: b.find_element(By.TAG_NAME, "h1").text == "Okapi fleet depot")
    # axe (a script) on the same page in the ordinary browser.
    browser.delete_all_cookies()
    sign_in(stack, browser)
    browser.get(stack.base + "/search?q=okapi")
    assert not violations(browser, axe_source), "the results page"
    shots(browser, "search-results")
    browser.get(stack.base + "/search?q=ab")
    assert "Type at least 3 characters" in browser.find_element(By.TAG_NAME, "main").text
    assert not violations(browser, axe_source), "a short search"


def test_the_connection_page_per_role(stack, browser, axe_source):
    viewer_org = stack.organization_of(VIEWER)
    officer_org = stack.organization_of(OFFICER)
    seen, _ = renamed_connection(stack, "Quoll viewer yard", org=viewer_org)
    decided, code = renamed_connection(stack, "Quoll officer yard", org=officer_org)

    # A Viewer: from the table to the connection's drivers, read-only.
    browser.set_window_size(1280, 900)
    browser.delete_all_cookies()
    sign_in(stack, browser, email=VIEWER)
    browser.get(stack.base + "/connections?f=name&op=contains&v=" + urllib.parse.quote("Quoll viewer"))
    browser.find_element(By.LINK_TEXT, "Quoll viewer yard").click()
    wait(browser, expected_conditions.url_contains(f"/connections/{seen}"))
    main = browser.find_element(By.TAG_NAME, "main")
    assert "Wombat Pending" in main.text and "Settings" in main.text and "History" in main.text
    assert not browser.find_elements(By.LINK_TEXT, "Edit") and not browser.find_elements(By.CSS_SELECTOR, "input[type=checkbox]")
    assert not browser.find_elements(By.ID, "invite-url"), "no invite secrets for a Viewer"
    assert not violations(browser, axe_source), "the connection page, Viewer"
    shots(browser, "connection-viewer")
    browser.find_element(By.PARTIAL_LINK_TEXT, "Approved").click()
    wait(browser, expected_conditions.url_contains("state=Connected"))
    assert "No approved drivers" in browser.find_element(By.ID, "drivers").text

    # An officer decides there, through the requests page's own action.
    browser.delete_all_cookies()
    sign_in(stack, browser, email=OFFICER)
    browser.get(f"{stack.base}/connections/{decided}")
    assert browser.find_element(By.ID, "search-code").get_attribute("value") == code
    assert not browser.find_elements(By.LINK_TEXT, "Edit")
    assert not violations(browser, axe_source), "the connection page, officer"
    shots(browser, "connection-officer")
    browser.find_element(By.CSS_SELECTOR, "#drivers input[type=checkbox]").click()
    browser.find_element(By.XPATH, "//button[normalize-space()='Approve selected']").click()
    wait(browser, lambda b: "approved" in b.find_element(By.TAG_NAME, "main").text.lower() and f"/connections/{decided}" in b.current_url)
    browser.get(f"{stack.base}/connections/{decided}?state=Connected")
    assert "Wombat Pending" in browser.find_element(By.ID, "drivers").text
    assert "Approved driver" in browser.find_element(By.ID, "history").text

    # An Admin edits from there.
    browser.delete_all_cookies()
    sign_in(stack, browser)
    browser.get(f"{stack.base}/connections/{decided}")
    browser.find_element(By.LINK_TEXT, "Edit").click()
    wait(browser, expected_conditions.url_contains(f"/connections/{decided}/edit"))
