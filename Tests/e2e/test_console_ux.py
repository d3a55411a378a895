"""The console as a first-time admin and a keyboard user meet it (issue 15), in headless Chromium:
no one-click loss, cells that wrap, columns that fit, focus that stays, pages that say what
happened, drivers' pages of their own, and the QR code copied as an image. Screenshots of the
states at 390, 1280 and 1920 px go to var/test-artifacts."""
import base64
import subprocess

import pytest
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from harness import secret_hash
from test_browser import browser, screenshot, sign_in  # noqa: F401 (the fixture)
from test_invites import make_connection

WIDTHS = (390, 1280, 1920)
LONG_WORD = "Supercalifragilisticexpialidocious" * 2 + "Chargingstations"
LONG_QUESTION = "Which of the company's parking structures do you usually charge in, and on which floor, level or bay number?"


def shots(browser, name, reload=True):
    """The page at each width (reloaded, so that its script measures again; not the answer to a POST)."""
    for width in WIDTHS:
        browser.set_window_size(width, 900)
        if reload:
            browser.refresh()
        screenshot(browser, f"{name}-{width}.png")
    browser.set_window_size(1280, 900)


def active(browser):
    return browser.switch_to.active_element


def wait(browser, condition, timeout=10):
    """Until the condition holds; an element of the page being replaced is looked for again (Chrome says
    stale, or that the node does not belong to the document)."""
    return WebDriverWait(browser, timeout, ignored_exceptions=[StaleElementReferenceException, WebDriverException]).until(condition)


@pytest.fixture
def admin(stack, browser):
    browser.set_window_size(1280, 900)
    browser.delete_all_cookies()
    sign_in(stack, browser)
    return browser


def test_rotating_asks_first_and_a_row_disables_like_the_bar(stack, admin):
    browser = admin
    connection, token, code = make_connection(stack)
    with stack.db() as db:
        db.execute("""INSERT INTO memberships (connection_id, driver_id, driver_name, state, requested_at)
                      SELECT ?, min(id), 'Waiting Driver', 'Pending', '2026-01-01T00:00:00Z' FROM drivers""", (connection,))
    browser.get(f"{stack.base}/connections/{connection}/invite")
    browser.find_element(By.XPATH, "//button[normalize-space()='New link and QR code']").click()
    wait(browser, expected_conditions.url_contains("/rotate"))
    text = browser.find_element(By.CSS_SELECTOR, "main").text
    assert "every QR code printed or shared from it" in text and "1 driver has a request waiting for a decision" in text
    shots(browser, "rotate-confirm", reload=False)
    browser.get(f"{stack.base}/connections/{connection}/invite")
    browser.find_element(By.XPATH, "//button[normalize-space()='New link and QR code']").click()
    wait(browser, expected_conditions.url_contains("/rotate"))
    browser.find_element(By.LINK_TEXT, "Cancel, keep the current one").click()
    wait(browser, expected_conditions.url_contains("/invite"))
    assert f"/join/{token}" in browser.find_element(By.ID, "invite-url").get_attribute("value"), "nothing changed"
    browser.find_element(By.XPATH, "//button[normalize-space()='New search code']").click()
    wait(browser, expected_conditions.url_contains("/rotate"))
    assert "The current search code stops working at once" in browser.find_element(By.CSS_SELECTOR, "main").text
    browser.find_element(By.XPATH, "//button[normalize-space()='Stop the old search code']").click()
    wait(browser, expected_conditions.url_contains("rotated=code"))
    assert code not in browser.find_element(By.ID, "search-code").get_attribute("value")

    # A row's own Disable asks, like the bar's.
    browser.get(f"{stack.base}/connections?edit=rows&f=search_code&op=is&v=" + _code(stack, connection))
    browser.find_element(By.XPATH, "//tbody//button[normalize-space()='Disable']").click()
    wait(browser, lambda b: b.find_element(By.TAG_NAME, "h1").text == "Disable 1 connection?")
    assert _status(stack, connection) == "Enabled"
    browser.find_element(By.XPATH, "//button[normalize-space()='Disable 1 connection']").click()
    wait(browser, lambda b: "Disabled 1 connection." in b.find_element(By.CSS_SELECTOR, ".notice.success").text)
    assert _status(stack, connection) == "Disabled"

    # A bulk action with nothing selected says so in place, and the keyboard is back in the bar.
    browser.get(f"{stack.base}/connections?edit=rows")
    browser.find_element(By.CSS_SELECTOR, "#bulk-form button[value=enable]").click()
    problem = wait(browser, lambda b: b.find_element(By.ID, "bulk-problem"))
    assert problem.text.startswith("Nothing is selected") and "Error 400" not in browser.page_source
    assert active(browser) == browser.find_element(By.CSS_SELECTOR, "#bulk-form input[name=all]")
    screenshot(browser, "bulk-nothing-selected-1280.png")


def _code(stack, connection):
    with stack.db() as db:
        return db.execute("SELECT search_code FROM connections WHERE id = ?", (connection,)).fetchone()[0]


def _status(stack, connection):
    with stack.db() as db:
        return db.execute("SELECT status FROM connections WHERE id = ?", (connection,)).fetchone()[0]


def overflowing_cells(browser, selector):
    """Cells whose content reaches past their own edges, or under the sticky Action column."""
    return browser.execute_script("""
        const out = [];
        for (const row of document.querySelectorAll(arguments[0])) {
            const action = row.querySelector('.action-col');
            const sticky = action && getComputedStyle(action).position === 'sticky';  // not in a phone's cards
            const edge = sticky ? action.getBoundingClientRect().left : Infinity;
            for (const cell of row.children) {
                if (cell === action) continue;
                const box = cell.getBoundingClientRect();
                if (cell.scrollWidth > cell.clientWidth + 1 || box.right > edge + 1) out.push(cell.textContent.slice(0, 60));
            }
        }
        return out;""", selector)


def test_long_values_wrap_inside_their_columns(stack, admin):
    browser = admin
    connection, _, code = make_connection(stack, questions=[LONG_QUESTION.strip()])
    with stack.db() as db:
        db.execute("UPDATE connections SET name = ? WHERE id = ?", (LONG_WORD, connection))
    for width in WIDTHS:
        browser.set_window_size(width, 900)
        browser.get(f"{stack.base}/connections?f=search_code&op=is&v={code}")
        assert overflowing_cells(browser, ".grid tbody tr") == [], width
        assert browser.execute_script("return document.documentElement.scrollWidth") <= width
        screenshot(browser, f"long-values-{width}.png")
    browser.set_window_size(1280, 900)
    # The audit log's cells wrap too (the connection's long name in its entries).
    browser.get(f"{stack.base}/connections/{connection}/edit")
    browser.find_element(By.XPATH, "//button[normalize-space()='Save changes']").click()
    wait(browser, expected_conditions.url_contains("done=saved"))
    browser.get(stack.base + "/audit")
    assert LONG_WORD in browser.find_element(By.TAG_NAME, "main").text
    assert overflowing_cells(browser, ".grid tbody tr") == []
    shots(browser, "audit")


def test_the_default_columns_fit_and_a_wider_choice_says_it_scrolls(stack, admin):
    browser = admin
    fits = "const f = document.querySelector('.table-wrap'); return [f.scrollWidth, f.clientWidth]"
    for width in (1280, 1920):
        browser.set_window_size(width, 900)
        browser.get(stack.base + "/connections")
        scroll, client = browser.execute_script(fits)
        assert scroll <= client, (width, scroll, client)
        assert not browser.find_element(By.ID, "scroll-cue").is_displayed()
        assert overflowing_cells(browser, ".grid tbody tr") == []
        screenshot(browser, f"connections-default-{width}.png")
    browser.set_window_size(1280, 900)
    browser.get(stack.base + "/connections?edit=rows")  # selection mode: its row buttons take two lines, not more width
    scroll, client = browser.execute_script(fits)
    assert scroll <= client, ("selecting", scroll, client)
    screenshot(browser, "connections-selecting-1280.png")
    every = "org_id,org_name,name,status,connected_drivers,benefits,approval_type,connection_type,questions,visibility,search_code," \
            "pending_requests,created_at,updated_at,invite_link"
    browser.get(stack.base + "/connections?cols=" + every)
    scroll, client = browser.execute_script(fits)
    assert scroll > client
    assert browser.find_element(By.ID, "scroll-cue").is_displayed()
    assert "has-more" in browser.find_element(By.CSS_SELECTOR, ".table-wrap").get_attribute("class")
    screenshot(browser, "connections-every-column-1280.png")
    # A phone: each row a card with the column labels; neither the table nor /requests scrolls sideways.
    browser.set_window_size(390, 844)
    try:
        browser.get(stack.base + "/connections")
        assert browser.execute_script("return document.documentElement.scrollWidth") <= 390
        cell = browser.find_element(By.CSS_SELECTOR, "tbody tr td[data-label='Connection Name']")
        assert browser.execute_script("return getComputedStyle(arguments[0], '::before').content", cell) == '"Connection Name"'
        assert browser.execute_script("return getComputedStyle(arguments[0]).display", cell) == "flow-root"  # a block that holds its label
        screenshot(browser, "connections-cards-390.png")
        browser.get(stack.base + "/requests")
        assert browser.execute_script("return document.documentElement.scrollWidth") <= 390
        screenshot(browser, "requests-390.png")
    finally:
        browser.set_window_size(1280, 900)


def test_focus_returns_where_the_user_acted(stack, admin, fresh_user):
    browser = admin
    browser.delete_all_cookies()
    sign_in(stack, browser, fresh_user.email, fresh_user.password)
    # Columns: the panel opens (a page load) with the focus on it; Escape closes it and keeps the focus there.
    browser.find_element(By.ID, "column-panel").send_keys(Keys.ENTER)
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "details.column-panel[open]"))
    summary = browser.find_element(By.CSS_SELECTOR, ".column-panel summary#column-panel")
    assert active(browser) == summary, active(browser).get_attribute("outerHTML")[:200]
    browser.find_element(By.CSS_SELECTOR, ".column-item[data-key='org_id'] input[name=show]").send_keys(Keys.ESCAPE)
    assert browser.find_element(By.CSS_SELECTOR, "details.column-panel").get_attribute("open") is None and active(browser) == summary
    # Saving columns: back on the Columns button.
    summary.send_keys(Keys.ENTER)
    browser.find_element(By.CSS_SELECTOR, ".column-item[data-key='org_id'] input[name=show]").send_keys(Keys.SPACE)
    browser.find_element(By.CSS_SELECTOR, ".column-panel .panel-actions button[value=apply]").send_keys(Keys.ENTER)
    wait(browser, lambda b: "Org ID" not in b.find_element(By.CSS_SELECTOR, "thead").text)
    assert active(browser) == browser.find_element(By.ID, "column-panel")
    # Export: the panel, with the focus; a click outside closes it.
    browser.find_element(By.ID, "export-panel").send_keys(Keys.ENTER)
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "details.export-panel[open]"))
    assert active(browser) == browser.find_element(By.CSS_SELECTOR, ".export-panel summary#export-panel")
    browser.find_element(By.CSS_SELECTOR, "h1").click()
    assert browser.find_element(By.CSS_SELECTOR, "details.export-panel").get_attribute("open") is None
    # Sorting: the focus stays on the column's sort link.
    browser.find_element(By.CSS_SELECTOR, "a[data-column='connected_drivers']").send_keys(Keys.ENTER)
    wait(browser, expected_conditions.url_contains("sort=connected_drivers"))
    assert active(browser) == browser.find_element(By.CSS_SELECTOR, "a[data-column='connected_drivers']")
    # Filters: applied with Enter, the focus is back on the Filter button; removing a chip keeps it among the chips.
    browser.find_element(By.CSS_SELECTOR, "summary#filter-panel").send_keys(Keys.ENTER)
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, ".filter-row"))
    browser.find_element(By.CSS_SELECTOR, ".filter-row [name=v]").send_keys("staff")
    browser.find_element(By.CSS_SELECTOR, ".filter-add").send_keys(Keys.ENTER)
    wait(browser, lambda b: len(b.find_elements(By.CSS_SELECTOR, ".filter-row")) == 2)
    browser.find_elements(By.CSS_SELECTOR, ".filter-row [name=v]")[1].send_keys("a", Keys.ENTER)
    wait(browser, lambda b: len(b.find_elements(By.CSS_SELECTOR, ".filter-chips li")) == 2)
    assert active(browser) == browser.find_element(By.CSS_SELECTOR, "summary#filter-panel")
    browser.find_elements(By.CSS_SELECTOR, ".chip-remove")[1].send_keys(Keys.ENTER)
    wait(browser, lambda b: len(b.find_elements(By.CSS_SELECTOR, ".filter-chips li")) == 1)
    assert active(browser) == browser.find_element(By.ID, "filter-summary")
    browser.find_element(By.CSS_SELECTOR, ".chip-remove").send_keys(Keys.ENTER)
    wait(browser, lambda b: not b.find_elements(By.CSS_SELECTOR, ".filter-chips"))
    assert active(browser) == browser.find_element(By.CSS_SELECTOR, "summary#filter-panel")
    # Escape closes the filter builder too.
    active(browser).send_keys(Keys.ENTER)
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, ".filter-row"))
    browser.find_element(By.CSS_SELECTOR, ".filter-row [name=v]").send_keys(Keys.ESCAPE)
    assert browser.find_element(By.CSS_SELECTOR, "details.filter-panel").get_attribute("open") is None
    screenshot(browser, "focus-after-filters-1280.png")


def test_pages_say_what_happened_and_errors_keep_the_navigation(stack, admin):
    from selenium.webdriver.support.ui import Select
    browser = admin
    browser.find_element(By.LINK_TEXT, "New connection").click()
    wait(browser, expected_conditions.url_contains("/connections/new"))
    Select(browser.find_element(By.ID, "org")).select_by_index(1)
    browser.find_element(By.ID, "name_for_drivers").send_keys("Acme Robotics")
    browser.find_element(By.ID, "name").send_keys("Said what happened")
    browser.find_element(By.CSS_SELECTOR, "input[name=benefit][value='Free charging']").click()
    browser.find_element(By.XPATH, "//button[normalize-space()='Create connection']").click()
    wait(browser, expected_conditions.url_contains("/invite?done=created"))
    notice = browser.find_element(By.CSS_SELECTOR, ".notice.success")
    assert notice.text == "Connection created. Next, invite drivers: send them the invite link below, or share or print its QR code."
    shots(browser, "invite-after-create")
    browser.get(stack.base + "/connections/99999999/invite")
    assert "Error 404" in browser.page_source
    nav = browser.find_element(By.CSS_SELECTOR, "nav[aria-label=Main]")
    assert [link.text for link in nav.find_elements(By.TAG_NAME, "a")][:3] == ["Overview", "Connections", "Requests"]
    screenshot(browser, "error-with-navigation-1280.png")


def test_driver_pages_belong_to_the_driver(stack, browser):
    connection, token, _ = make_connection(stack, questions=["Employee ID"])
    browser.delete_all_cookies()
    browser.set_window_size(390, 844)
    try:
        browser.get(f"{stack.base}/join/{token}")
        header = browser.find_element(By.CSS_SELECTOR, "header.topbar")
        assert not header.find_elements(By.TAG_NAME, "a") and "Driver Management" not in header.text
        assert not browser.find_elements(By.CSS_SELECTOR, "a[href^='/connections'], a[href^='/login']")
        screenshot(browser, "driver-join-390.png")
        # A dead link says what to do, and leads to the search code form.
        with stack.db() as db:
            db.execute("UPDATE connections SET invite_token = 'replaced-token-ux-aaaaaaaaaaa' WHERE id = ?", (connection,))
        browser.get(f"{stack.base}/join/{token}")
        main = browser.find_element(By.CSS_SELECTOR, "main").text
        assert "for the new invite link or QR code." in main and "https://connect.example.test/find" in main
        assert "Back to connections" not in main and not browser.find_elements(By.CSS_SELECTOR, "a[href^='/connections']")
        shots(browser, "driver-dead-link")
        browser.find_element(By.LINK_TEXT, "Find a connection by its search code").click()
        wait(browser, expected_conditions.url_contains("/find"))
        # Denied: a way to send a new request, right by the decision.
        with stack.db() as db:
            membership = db.execute("""INSERT INTO memberships (connection_id, driver_id, driver_name, state, denial_reason, requested_at)
                                         SELECT ?, min(id), 'Denied Driver', 'Denied', 'No such employee', '2026-01-01T00:00:00Z'
                                         FROM drivers RETURNING id""", (connection,)).fetchone()[0]
            # Only a status link's SHA-256 is stored.
            db.execute("INSERT INTO status_links (token_hash, membership_id) VALUES (?, ?)",
                       (secret_hash("ux-denied-status-token-0000000001"), membership))
        browser.get(f"{stack.base}/status/ux-denied-status-token-0000000001")
        link = browser.find_element(By.LINK_TEXT, "Send a new request")
        link.click()
        assert browser.current_url.endswith("#ask-again") and browser.find_element(By.ID, "ask-again").is_displayed()
        shots(browser, "driver-denied")
    finally:
        browser.set_window_size(1280, 900)


def test_the_qr_code_is_copied_as_an_image_that_reads_as_the_link(stack, admin, tmp_path):
    browser = admin
    connection, token, code = make_connection(stack)
    browser.execute_cdp_cmd("Browser.grantPermissions", {"origin": stack.base,
                                                         "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]})
    browser.get(f"{stack.base}/connections?f=search_code&op=is&v={code}")
    browser.find_element(By.CSS_SELECTOR, "tbody a[href$='/invite']").click()
    dialog = wait(browser, lambda b: b.find_element(By.CSS_SELECTOR, "dialog.invite-dialog[open]"))
    button = dialog.find_element(By.CSS_SELECTOR, "button.copy-qr")
    assert button.is_displayed() and button.text == "Copy QR code"
    button.click()
    wait(browser, lambda b: button.text == "Copied")
    png = browser.execute_async_script("""
        const done = arguments[arguments.length - 1];
        navigator.clipboard.read().then(async items => {
            const blob = await items[0].getType("image/png");
            const bytes = new Uint8Array(await blob.arrayBuffer());
            let text = ""; for (const b of bytes) text += String.fromCharCode(b);
            done(btoa(text));
        }, error => done("failed: " + error));""")
    assert not png.startswith("failed"), png
    image = tmp_path / "copied-qr.png"
    image.write_bytes(base64.b64decode(png))
    decoded = subprocess.run(["zbarimg", "--quiet", "--raw", str(image)], capture_output=True, text=True, check=True).stdout.strip()
    assert decoded == "https://connect.example.test/join/" + token
    screenshot(browser, "invite-copy-qr-1280.png")
    # Where the browser cannot write images, the button is not offered (Download stays).
    added = browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": "delete window.ClipboardItem;"})
    try:
        browser.get(f"{stack.base}/connections/{connection}/invite")
        wait(browser, lambda b: b.find_element(By.CSS_SELECTOR, "button[data-copy='invite-url']").is_displayed())  # the script ran
        assert not browser.find_element(By.CSS_SELECTOR, ".copy-qr").is_displayed()
        assert browser.find_element(By.PARTIAL_LINK_TEXT, "Download QR code").is_displayed()
    finally:
        browser.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": added["identifier"]})


@pytest.fixture(scope="module")
def browser_without_scripts():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    yield driver
    driver.quit()


def test_without_scripts_the_fragment_brings_the_focus_back(stack, browser_without_scripts):
    browser = browser_without_scripts
    browser.get(stack.base + "/login?next=/connections")
    browser.find_element(By.ID, "email").send_keys("admin@demo.test")
    browser.find_element(By.ID, "password").send_keys("connections-demo", Keys.ENTER)
    wait(browser, expected_conditions.url_matches(r"/connections$"))
    assert "cards" not in browser.find_element(By.CSS_SELECTOR, ".table-wrap").get_attribute("class"), "no script ran"
    browser.find_element(By.CSS_SELECTOR, "a[data-column='connected_drivers']").send_keys(Keys.ENTER)
    wait(browser, expected_conditions.url_contains("sort=connected_drivers"))
    assert active(browser) == browser.find_element(By.CSS_SELECTOR, "a[data-column='connected_drivers']")
    browser.find_element(By.ID, "column-panel").send_keys(Keys.ENTER)
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "details.column-panel[open]"))
    assert active(browser) == browser.find_element(By.CSS_SELECTOR, "summary#column-panel")
    # The filter builder's own submit buttons, then Apply: back on the Filter button.
    browser.find_element(By.CSS_SELECTOR, "summary#filter-panel").send_keys(Keys.ENTER)
    browser.find_element(By.CSS_SELECTOR, ".filter-add").send_keys(Keys.ENTER)
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, ".filter-row [name=v]"))
    browser.find_element(By.CSS_SELECTOR, ".filter-row [name=v]").send_keys("staff", Keys.ENTER)
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, ".filter-chips li"))
    assert active(browser) == browser.find_element(By.CSS_SELECTOR, "summary#filter-panel")
