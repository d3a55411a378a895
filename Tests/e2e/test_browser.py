"""A real browser (headless Chromium) on the table through nginx."""
import os
import pathlib

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from harness import ROOT

ARTIFACTS = pathlib.Path(os.environ.get("TEST_ARTIFACTS", ROOT / "var" / "test-artifacts"))


DOWNLOADS = ARTIFACTS / "downloads"


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    DOWNLOADS.mkdir(parents=True, exist_ok=True)
    options.add_experimental_option("prefs", {"download.default_directory": str(DOWNLOADS), "download.prompt_for_download": False})
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def screenshot(browser, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    browser.save_screenshot(str(path))
    assert path.stat().st_size > 10_000
    return path


def sign_in(stack, browser, email="admin@demo.test", password="connections-demo"):
    browser.get(stack.base + "/connections")
    assert "/login" in browser.current_url and browser.title == "Sign in - Driver Management"
    browser.find_element(By.ID, "email").send_keys(email)
    browser.find_element(By.ID, "password").send_keys(password)
    browser.find_element(By.CSS_SELECTOR, "form[action='/login'] button").click()
    WebDriverWait(browser, 10).until(expected_conditions.url_matches(r"/connections$"))


def test_sign_in_and_out(stack, browser):
    browser.delete_all_cookies()
    browser.get(stack.base + "/login")
    browser.find_element(By.ID, "email").send_keys("admin@demo.test")
    browser.find_element(By.ID, "password").send_keys("not the password")
    browser.find_element(By.CSS_SELECTOR, "form[action='/login'] button").click()
    alert = WebDriverWait(browser, 10).until(lambda b: b.find_elements(By.CSS_SELECTOR, "[role=alert]"))[0]
    assert "The email or password is not right." in alert.text
    screenshot(browser, "sign-in-failed.png")
    sign_in(stack, browser)
    assert browser.find_element(By.CSS_SELECTOR, ".signout .who").get_attribute("title") == "admin@demo.test"
    browser.find_element(By.CSS_SELECTOR, ".signout button").click()
    WebDriverWait(browser, 10).until(expected_conditions.url_contains("/login"))
    browser.get(stack.base + "/connections")
    assert "/login" in browser.current_url  # the session ended on the server


def test_the_table_in_a_browser(stack, browser):
    browser.delete_all_cookies()
    sign_in(stack, browser)
    assert browser.title == "Connections - All my organizations"
    headers = [th.text.replace("▲", "").strip() for th in browser.find_elements(By.CSS_SELECTOR, "thead th")]
    assert headers[:3] == ["Org ID", "Org Name", "Connection Name"] and headers[-1] == "Action"
    assert len(browser.find_elements(By.CSS_SELECTOR, "tbody tr")) == 50
    # The stylesheet applied: the header sticks to the top of the scrolling table.
    position = browser.execute_script("return getComputedStyle(document.querySelector('thead th')).position")
    assert position == "sticky"
    screenshot(browser, "connections-1280.png")

    browser.find_element(By.CSS_SELECTOR, 'a[data-column="connected_drivers"]').click()
    assert "sort=connected_drivers" in browser.current_url
    counts = [int(td.text.replace(",", "")) for td in browser.find_elements(By.CSS_SELECTOR, "tbody tr td:nth-child(5)")]
    assert counts == sorted(counts)
    browser.find_element(By.CSS_SELECTOR, 'a[data-column="connected_drivers"]').click()
    counts = [int(td.text.replace(",", "")) for td in browser.find_elements(By.CSS_SELECTOR, "tbody tr td:nth-child(5)")]
    assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1]

    browser.find_element(By.CSS_SELECTOR, 'a[rel="next"]').click()
    assert "page=2" in browser.current_url and "sort=connected_drivers" in browser.current_url
    browser.back()
    assert "page=2" not in browser.current_url


def test_the_table_on_a_phone(stack, browser):
    browser.set_window_size(390, 844)
    try:
        browser.delete_all_cookies()
        sign_in(stack, browser)
        # The page itself does not scroll sideways; the table scrolls inside its frame.
        assert browser.execute_script("return document.documentElement.scrollWidth") <= 390
        assert browser.find_element(By.CSS_SELECTOR, ".pager").is_displayed()
        screenshot(browser, "connections-phone.png")
    finally:
        browser.set_window_size(1280, 900)


def test_the_filter_builder_in_a_browser(stack, browser):
    """Add two filters, remove one, apply, then clear all; the keyboard alone drives the builder."""
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select
    browser.delete_all_cookies()
    sign_in(stack, browser)
    panel = browser.find_element(By.CSS_SELECTOR, "details.filter-panel")
    panel.find_element(By.TAG_NAME, "summary").send_keys(Keys.ENTER)  # the keyboard alone, from here on
    assert panel.get_attribute("open") is not None
    rows = lambda: browser.find_elements(By.CSS_SELECTOR, ".filter-row")
    wait_rows = lambda n: WebDriverWait(browser, 10).until(lambda b: len(rows()) == n)
    wait_rows(1)  # opening an empty builder adds a first row
    # Every control has a label.
    for control in browser.find_elements(By.CSS_SELECTOR, ".filter-row select, .filter-row input"):
        assert browser.find_elements(By.CSS_SELECTOR, f"label[for='{control.get_attribute('id')}']")
    first = rows()[0]
    Select(first.find_element(By.NAME, "f")).select_by_visible_text("Connection Name")
    Select(first.find_element(By.NAME, "op")).select_by_visible_text("Contains")
    first.find_element(By.NAME, "v").send_keys("staff")
    # Add a row in place (no page load), choose Status: its values become a drop-down.
    url_before = browser.current_url
    browser.find_element(By.CSS_SELECTOR, ".filter-add").send_keys(Keys.ENTER)
    wait_rows(2)
    assert browser.current_url == url_before
    assert browser.switch_to.active_element == rows()[1].find_element(By.NAME, "f")
    second = rows()[1]
    Select(second.find_element(By.NAME, "f")).select_by_visible_text("Connection Status")
    Select(second.find_element(By.NAME, "op")).select_by_visible_text("Is")
    value = second.find_element(By.NAME, "v")
    assert value.tag_name == "select"
    assert [o.text for o in Select(value).options] == ["Enabled", "Disabled"]
    # Conditions that do not apply to the column are not offered.
    assert not second.find_element(By.CSS_SELECTOR, "option[value=gt]").is_enabled()
    # A third row, removed again in place.
    browser.find_element(By.CSS_SELECTOR, ".filter-add").send_keys(Keys.ENTER)
    wait_rows(3)
    rows()[2].find_element(By.CSS_SELECTOR, ".filter-remove").send_keys(Keys.SPACE)
    assert len(rows()) == 2
    # Focus moved to a neighbouring row rather than being lost with the removed one.
    assert browser.switch_to.active_element == rows()[1].find_element(By.NAME, "f")
    screenshot(browser, "filters-panel.png")
    # Enter in the value applies the filters.
    rows()[0].find_element(By.NAME, "v").send_keys(Keys.ENTER)
    WebDriverWait(browser, 10).until(expected_conditions.url_contains("v=staff"))
    sentence = browser.find_element(By.CSS_SELECTOR, ".filter-sentence").text
    assert "where Connection Name contains “staff” and Connection Status is Enabled" in sentence
    chips = browser.find_elements(By.CSS_SELECTOR, ".filter-chips li")
    assert len(chips) == 2
    names = [td.text for td in browser.find_elements(By.CSS_SELECTOR, "tbody tr td:nth-child(3)")]
    statuses = {td.text for td in browser.find_elements(By.CSS_SELECTOR, "tbody tr td:nth-child(4)")}
    assert names and all("staff" in name.lower() for name in names) and statuses == {"Enabled"}
    screenshot(browser, "filters-applied.png")
    # The chip's x removes only that filter; Back brings it back.
    chips[1].find_element(By.CSS_SELECTOR, ".chip-remove").send_keys(Keys.ENTER)
    WebDriverWait(browser, 10).until(lambda b: len(b.find_elements(By.CSS_SELECTOR, ".filter-chips li")) == 1)
    browser.back()
    WebDriverWait(browser, 10).until(lambda b: len(b.find_elements(By.CSS_SELECTOR, ".filter-chips li")) == 2)
    # Clear all.
    browser.find_element(By.CSS_SELECTOR, ".filter-summary .clear-all").send_keys(Keys.ENTER)
    WebDriverWait(browser, 10).until(lambda b: not b.find_elements(By.CSS_SELECTOR, ".filter-summary"))
    assert "f=" not in browser.current_url
    assert len(browser.find_elements(By.CSS_SELECTOR, "tbody tr")) == 50


def test_columns_and_exports_in_a_browser(stack, browser, fresh_user):
    """Hide and reorder columns (dragging, and with the arrows), then export CSV and XLSX and open both files."""
    import csv
    import time
    import openpyxl
    from selenium.webdriver import ActionChains
    browser.delete_all_cookies()
    sign_in(stack, browser, fresh_user.email, fresh_user.password)
    browser.find_element(By.LINK_TEXT, "Columns").click()
    WebDriverWait(browser, 10).until(lambda b: b.find_elements(By.CSS_SELECTOR, ".column-panel[open]"))
    item = lambda key: browser.find_element(By.CSS_SELECTOR, f".column-item[data-key='{key}']")
    # Hide Org ID, Org Name and Benefits.
    for key in ("org_id", "org_name", "benefits"):
        item(key).find_element(By.NAME, "show").click()
    # Move Connection Status above Connection Name with its arrow (in place), and drag Connected Drivers to the top.
    item("status").find_element(By.CSS_SELECTOR, ".move-up").click()
    keys = lambda: [element.get_attribute("data-key") for element in browser.find_elements(By.CSS_SELECTOR, ".column-item")]
    assert keys().index("status") < keys().index("name")
    browser.execute_script("""
        const list = document.querySelector('.column-list'), item = document.querySelector(".column-item[data-key='connected_drivers']");
        const transfer = new DataTransfer();
        item.dispatchEvent(new DragEvent('dragstart', {bubbles: true, dataTransfer: transfer}));
        const first = list.firstElementChild, box = first.getBoundingClientRect();
        first.dispatchEvent(new DragEvent('dragover', {bubbles: true, cancelable: true, dataTransfer: transfer, clientY: box.top + 1}));
        item.dispatchEvent(new DragEvent('dragend', {bubbles: true, dataTransfer: transfer}));""")
    assert keys()[0] == "connected_drivers"
    screenshot(browser, "columns-panel.png")
    browser.find_element(By.CSS_SELECTOR, ".column-panel .panel-actions button[value=apply]").click()
    WebDriverWait(browser, 10).until(lambda b: not b.find_elements(By.CSS_SELECTOR, ".column-panel[open]"))
    headers = [th.text.replace("▲", "").strip() for th in browser.find_elements(By.CSS_SELECTOR, "thead th")]
    expected = ["Connected Drivers", "Connection Status", "Connection Name", "Approval type", "Connection Type", "Verify drivers by", "Action"]
    assert headers == expected
    # Export both formats of the visible columns, and read the files back.
    for old in DOWNLOADS.glob("connections-*"):
        old.unlink()
    for format in ("csv", "xlsx"):
        browser.find_element(By.LINK_TEXT, "Export").click()
        WebDriverWait(browser, 10).until(lambda b: b.find_elements(By.CSS_SELECTOR, ".export-panel[open]"))
        browser.find_element(By.CSS_SELECTOR, f".export-panel input[value={format}]").click()
        assert "Items included in export:" in browser.find_element(By.CSS_SELECTOR, ".export-items").text
        screenshot(browser, f"export-settings-{format}.png")
        browser.find_element(By.CSS_SELECTOR, ".export-panel button[type=submit]").click()
        deadline = time.time() + 20
        while time.time() < deadline and not [f for f in DOWNLOADS.glob(f"connections-*.{format}")]:
            time.sleep(0.1)
        files = list(DOWNLOADS.glob(f"connections-*.{format}"))
        assert files, f"no {format} download"
        browser.get(stack.base + "/connections")
    total = int(browser.find_element(By.CSS_SELECTOR, ".count").text.split(" of ")[1].split()[0].replace(",", ""))
    with open(next(DOWNLOADS.glob("connections-*.csv")), encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == expected[:-1] and len(rows) == total + 1
    sheet = openpyxl.load_workbook(next(DOWNLOADS.glob("connections-*.xlsx"))).active
    assert [cell.value for cell in sheet[1]] == expected[:-1] and sheet.max_row == total + 1
    assert isinstance(sheet.cell(row=2, column=1).value, int)


def _code_of(stack, connection):
    with stack.db() as db:
        return db.execute("SELECT search_code FROM connections WHERE id = ?", (connection,)).fetchone()[0]


def test_the_host_copies_the_invite_link_and_sees_the_qr_code(stack, browser):
    from test_invites import make_connection
    connection, token, _ = make_connection(stack)
    browser.delete_all_cookies()
    sign_in(stack, browser)
    browser.execute_cdp_cmd("Browser.grantPermissions", {"origin": stack.base,
                                                         "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]})
    # On the table, Invite drivers opens the panel over the table.
    browser.get(f"{stack.base}/connections?f=search_code&op=is&v=" + _code_of(stack, connection))
    browser.find_element(By.CSS_SELECTOR, "tbody a[href$='/invite']").click()
    dialog = WebDriverWait(browser, 10).until(lambda b: b.find_element(By.CSS_SELECTOR, "dialog.invite-dialog[open]"))
    assert "/invite" not in browser.current_url
    image = dialog.find_element(By.CSS_SELECTOR, ".qr img")
    WebDriverWait(browser, 10).until(lambda b: b.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", image))
    button = dialog.find_element(By.CSS_SELECTOR, "button[data-copy='invite-url']")
    assert button.is_displayed()
    button.click()
    WebDriverWait(browser, 10).until(lambda b: button.text == "Copied")
    copied = browser.execute_async_script("navigator.clipboard.readText().then(arguments[0], () => arguments[0](null))")
    assert copied == "https://connect.example.test/join/" + token
    screenshot(browser, "invite-panel.png")


def request_to_join(browser, name, email, answer, screenshot_as=None):
    """Fills in the open join page as a driver would, sends it, and reads the status it lands on."""
    browser.find_element(By.ID, "name").send_keys(name)
    browser.find_element(By.ID, "email").send_keys(email)
    browser.find_element(By.ID, "answer-0").send_keys(answer)
    browser.find_element(By.NAME, "terms").click()
    if screenshot_as:
        screenshot(browser, screenshot_as)
    browser.find_element(By.CSS_SELECTOR, ".driver-form button[type=submit]").click()
    WebDriverWait(browser, 10).until(expected_conditions.url_contains("/status/"))
    return browser.find_element(By.CSS_SELECTOR, ".status-state").text


def test_a_driver_joins_on_a_phone_by_link_and_by_search_code(stack, browser):
    from test_invites import make_connection
    _, token, _ = make_connection(stack, questions=["Employee ID"], approval="Automatically approve all")
    _, _, code = make_connection(stack, questions=["Unit number"])
    browser.set_window_size(390, 844)
    try:
        browser.delete_all_cookies()
        browser.get(f"{stack.base}/join/{token}")
        assert browser.execute_script("return document.documentElement.scrollWidth") <= 390
        assert request_to_join(browser, "Phone Driver", "phone.driver@example.org", "E-42", screenshot_as="join-phone.png") == "Connected"
        # By search code, typed in lower case with a space.
        browser.get(f"{stack.base}/find")
        browser.find_element(By.ID, "code").send_keys(code[:4].lower() + " " + code[4:].lower())
        browser.find_element(By.CSS_SELECTOR, "form[action='/find'] button").click()
        WebDriverWait(browser, 10).until(expected_conditions.url_contains("/join/"))
        assert request_to_join(browser, "Code Driver", "code.driver@example.org", "Unit 7") == "Pending"
        screenshot(browser, "status-phone.png")
    finally:
        browser.set_window_size(1280, 900)


def test_an_admin_creates_a_connection_and_finds_it_with_a_filter(stack, browser):
    from selenium.webdriver.support.ui import Select
    browser.delete_all_cookies()
    sign_in(stack, browser)
    browser.find_element(By.LINK_TEXT, "New connection").click()
    WebDriverWait(browser, 10).until(expected_conditions.url_contains("/connections/new"))
    Select(browser.find_element(By.ID, "org")).select_by_index(1)
    browser.find_element(By.ID, "name_for_drivers").send_keys("Acme Robotics")
    browser.find_element(By.ID, "name").send_keys("Browser night shift")
    domains = browser.find_element(By.ID, "domains")
    assert not domains.is_displayed()  # shown only for approval by email domain
    Select(browser.find_element(By.ID, "approval")).select_by_visible_text("Automatically approve by email domain")
    assert domains.is_displayed()
    domains.send_keys("acme.example\npartners.acme.example")
    browser.find_element(By.CSS_SELECTOR, "input[name=benefit][value='Free charging']").click()
    browser.find_element(By.ID, "question-0").send_keys("Employee ID")
    browser.find_element(By.CSS_SELECTOR, "button[name=add_question]").click()  # without a script: the server adds a row
    WebDriverWait(browser, 10).until(lambda b: b.find_elements(By.ID, "question-1"))
    assert browser.find_element(By.ID, "question-0").get_attribute("value") == "Employee ID"
    browser.find_element(By.ID, "question-1").send_keys("Vehicle licence plate")
    screenshot(browser, "connection-form.png")
    browser.find_element(By.XPATH, "//button[normalize-space()='Create connection']").click()
    WebDriverWait(browser, 10).until(expected_conditions.url_contains("/invite"))
    browser.get(stack.base + "/connections?f=name&op=contains&v=browser+night&f=questions&op=is&v=vehicle+licence+plate")
    rows = browser.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert len(rows) == 1 and "Browser night shift" in rows[0].text and "Automatically approve by email domain" in rows[0].text
