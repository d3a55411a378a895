"""The table's density, sorting and controls that behave alike (issue 23), in Chromium."""
import pytest
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from test_browser import browser, screenshot, sign_in  # noqa: F401 (the fixture)
from test_console_ux import browser_without_scripts  # noqa: F401 (the fixture)

# Rows wholly in sight: below the sticky header, above the frame's and the window's bottom.
ROWS_IN_SIGHT = """
const frame = document.querySelector('.table-wrap').getBoundingClientRect();
const head = document.querySelector('.grid thead').getBoundingClientRect();
const bottom = Math.min(frame.bottom, window.innerHeight);
return Array.from(document.querySelectorAll('.grid tbody tr'))
  .filter(r => { const b = r.getBoundingClientRect(); return b.top >= head.bottom - 1 && b.bottom <= bottom + 1; }).length;"""


def wait(browser, condition, timeout=10):
    return WebDriverWait(browser, timeout, ignored_exceptions=[StaleElementReferenceException, WebDriverException]).until(condition)


def viewport(browser, width, height):
    """The window sized so that the page itself gets width x height (the window's frame is added)."""
    browser.set_window_size(width, height)
    frame = browser.execute_script("return [window.outerWidth - window.innerWidth, window.outerHeight - window.innerHeight]")
    browser.set_window_size(width + frame[0], height + frame[1])


@pytest.fixture
def user(stack, browser, fresh_user):
    viewport(browser, 1280, 800)
    browser.delete_all_cookies()
    sign_in(stack, browser, fresh_user.email, fresh_user.password)
    yield browser
    browser.set_window_size(1280, 900)


def test_a_screenful_of_rows_at_1280_and_a_quiet_invite_button(stack, user):
    browser = user
    assert browser.execute_script("return window.scrollY") == 0
    screenshot(browser, "density-compact-1280.png")
    assert browser.execute_script(ROWS_IN_SIGHT) >= 12
    invite = browser.find_element(By.CSS_SELECTOR, "tbody .action-col a.button")
    background = browser.execute_script("return getComputedStyle(arguments[0]).backgroundColor", invite)
    assert background == "rgb(255, 255, 255)", background


def test_the_density_is_saved_with_the_user(stack, user, fresh_user):
    browser = user
    compact = browser.find_element(By.ID, "density-compact")
    assert compact.get_attribute("aria-pressed") == "true" and "density-compact" in browser.find_element(By.CSS_SELECTOR, ".grid").get_attribute("class")
    browser.find_element(By.ID, "density-comfortable").click()
    wait(browser, lambda b: b.find_element(By.ID, "density-comfortable").get_attribute("aria-pressed") == "true")
    assert "density-comfortable" in browser.find_element(By.CSS_SELECTOR, ".grid").get_attribute("class")
    assert browser.switch_to.active_element == browser.find_element(By.ID, "density-comfortable")
    screenshot(browser, "density-comfortable-1280.png")
    # Another browser of the same user (the requests session of the fixture) gets the same table.
    page = fresh_user.get(stack.base + "/connections", timeout=30).text
    assert 'class="grid density-comfortable"' in page
    assert stack.query("SELECT value FROM user_preferences WHERE name = 'connections.density' AND user_id = "
                       "(SELECT id FROM users WHERE email = ?)", (fresh_user.email,)) == [("comfortable",)]
    browser.find_element(By.ID, "density-compact").click()
    wait(browser, lambda b: "density-compact" in b.find_element(By.CSS_SELECTOR, ".grid").get_attribute("class"))
    # A word that is not a density is a clear 400.
    answer = fresh_user.post(stack.base + "/connections/density", data={"csrf": fresh_user.csrf, "density": "huge", "back": ""},
                             allow_redirects=False, timeout=30)
    assert answer.status_code == 400 and "compact or comfortable" in answer.text


def test_after_a_sort_the_first_row_is_in_sight(stack, user):
    browser = user
    for column in ("connected_drivers", "org_name"):
        browser.find_element(By.CSS_SELECTOR, f"a[data-column='{column}']").click()
        wait(browser, lambda b: f"sort={column}" in b.current_url)
        first = browser.execute_script("""
            const row = document.querySelector('.grid tbody tr').getBoundingClientRect();
            const head = document.querySelector('.grid thead').getBoundingClientRect();
            return [row.top, head.bottom, row.bottom, window.innerHeight, window.scrollY, document.querySelector('.table-wrap').scrollTop];""")
        assert first[0] >= first[1] - 1 and first[2] <= first[3], (column, first)
        # The page stays put: the tools above the table are still in sight, the frame at its top.
        assert first[4] == 0 and first[5] == 0, (column, first)
        assert browser.switch_to.active_element == browser.find_element(By.CSS_SELECTOR, f"a[data-column='{column}']")
    screenshot(browser, "after-sort-1280.png")


# Controls that behave alike.

def test_page_size_and_organization_apply_on_change(stack, user, browser_without_scripts):
    from selenium.webdriver.support.ui import Select
    browser = user
    assert not browser.find_element(By.CSS_SELECTOR, ".page-size .show-button").is_displayed()
    Select(browser.find_element(By.ID, "page-size")).select_by_visible_text("25")
    wait(browser, lambda b: "size=25" in b.current_url)
    assert len(browser.find_elements(By.CSS_SELECTOR, ".grid tbody tr")) == 25
    assert browser.switch_to.active_element == browser.find_element(By.ID, "page-size")
    organization = Select(browser.find_element(By.ID, "org"))
    assert not browser.find_element(By.CSS_SELECTOR, "form.apply-on-change .show-button").is_displayed()
    name = organization.options[1].text
    organization.select_by_index(1)
    wait(browser, lambda b: "org=" in b.current_url)
    assert {cell.text for cell in browser.find_elements(By.CSS_SELECTOR, ".grid tbody tr td:nth-child(2)")} == {name}
    assert browser.title == f"Connections - {name}" and "size=25" in browser.current_url
    # The audit log's organization too.
    browser.get(stack.base + "/audit")
    assert not browser.find_element(By.CSS_SELECTOR, "form.apply-on-change .show-button").is_displayed()
    # Without JavaScript the Show buttons do it.
    nojs = browser_without_scripts
    nojs.delete_all_cookies()
    sign_in(stack, nojs)
    assert nojs.find_element(By.CSS_SELECTOR, ".page-size .show-button").is_displayed()
    Select(nojs.find_element(By.ID, "page-size")).select_by_visible_text("25")
    nojs.find_element(By.CSS_SELECTOR, ".page-size .show-button").click()
    wait(nojs, lambda b: "size=25" in b.current_url)


def test_columns_and_export_open_in_place_and_the_picker_waits_for_apply(stack, user, fresh_user):
    browser = user
    browser.execute_script("window.samePage = true")
    browser.find_element(By.ID, "column-panel").click()
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "details.column-panel[open] #column-form"))
    assert browser.execute_script("return window.samePage") is True, "the page was not reloaded"
    assert browser.switch_to.active_element == browser.find_element(By.CSS_SELECTOR, "summary#column-panel")
    saved = "SELECT count(*) FROM user_preferences WHERE name = 'connections.columns' AND user_id = (SELECT id FROM users WHERE email = ?)"
    boxes = lambda: {box.get_attribute("value"): box.is_selected() for box in browser.find_elements(By.CSS_SELECTOR, "#column-form input[name=show]")}
    browser.find_element(By.CSS_SELECTOR, ".column-item[data-key='org_id'] input[name=show]").click()
    browser.find_element(By.CSS_SELECTOR, "#column-form button[value=all]").click()
    assert all(boxes().values()) and browser.execute_script("return window.samePage") is True
    browser.find_element(By.CSS_SELECTOR, ".column-item[data-key='status'] .move-up").click()
    browser.find_element(By.CSS_SELECTOR, "#column-form button[value=reset]").click()
    order = [item.get_attribute("data-key") for item in browser.find_elements(By.CSS_SELECTOR, ".column-item")]
    assert order[:4] == ["org_id", "org_name", "name", "status"]
    assert [key for key, shown in boxes().items() if shown] == order[:9]
    assert stack.query(saved, (fresh_user.email,)) == [(0,)], "Select all, the arrows and Reset wait for Apply"
    browser.find_element(By.CSS_SELECTOR, ".column-item[data-key='org_id'] input[name=show]").click()
    browser.find_element(By.CSS_SELECTOR, "#column-form .panel-actions button[value=apply]").click()
    wait(browser, lambda b: "Org ID" not in b.find_element(By.CSS_SELECTOR, "thead").text)
    assert stack.query(saved, (fresh_user.email,)) == [(1,)]
    # Export in place, closed by Escape like Filter.
    browser.execute_script("window.samePage = true")
    browser.find_element(By.ID, "export-panel").click()
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "details.export-panel[open] #export-form"))
    assert browser.execute_script("return window.samePage") is True
    screenshot(browser, "export-in-place-1280.png")
    browser.switch_to.active_element.send_keys(Keys.ESCAPE)
    assert browser.find_element(By.CSS_SELECTOR, "details.export-panel").get_attribute("open") is None


def test_dates_are_filtered_with_a_date_field(stack, user):
    from selenium.webdriver.support.ui import Select
    browser = user
    browser.get(stack.base + "/connections?f=created_at&op=gt&v=2026-01-01&edit=filters")
    value = browser.find_element(By.ID, "v-0")
    assert value.get_attribute("type") == "date" and value.get_attribute("value") == "2026-01-01"
    Select(browser.find_element(By.ID, "op-0")).select_by_visible_text("Contains")
    assert browser.find_element(By.ID, "v-0").get_attribute("type") == "text"
    browser.find_element(By.CSS_SELECTOR, ".filter-add").click()
    wait(browser, lambda b: len(b.find_elements(By.CSS_SELECTOR, ".filter-row")) == 2)
    Select(browser.find_elements(By.CSS_SELECTOR, ".filter-column")[1]).select_by_visible_text("Last Updated")
    Select(browser.find_elements(By.CSS_SELECTOR, ".filter-condition")[1]).select_by_visible_text("Is")
    assert browser.find_elements(By.CSS_SELECTOR, ".filter-row input[name=v]")[1].get_attribute("type") == "date"


def test_after_a_form_error_the_focus_is_on_the_first_bad_field(stack, user):
    browser = user
    browser.get(stack.base + "/connections/new")
    browser.find_element(By.XPATH, "//button[normalize-space()='Create connection']").click()
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, ".field-error"))
    focused = browser.switch_to.active_element
    first = browser.find_element(By.CSS_SELECTOR, "main [aria-invalid=true]")
    assert focused == first, focused.get_attribute("outerHTML")[:200]
    message = browser.find_element(By.ID, first.get_attribute("aria-describedby"))
    assert message.text and message.is_displayed()


def test_a_wrong_password_focuses_the_password(stack, browser, fresh_user):
    browser.delete_all_cookies()
    browser.get(stack.base + "/login")
    browser.find_element(By.ID, "email").send_keys(fresh_user.email)  # its own: failures slow later sign-ins to it
    browser.find_element(By.ID, "password").send_keys("not the password", Keys.ENTER)
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "[role=alert]"))
    focused = browser.switch_to.active_element
    assert focused.get_attribute("id") == "password" and focused.get_attribute("aria-invalid") == "true"
    assert browser.title == "Sign in - Driver Management"


def test_a_new_api_token_has_a_copy_button(stack, user):
    browser = user
    browser.execute_cdp_cmd("Browser.grantPermissions", {"origin": stack.base, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]})
    browser.get(stack.base + "/account/tokens")
    browser.find_element(By.ID, "token-name").send_keys("Copy test")
    browser.find_element(By.XPATH, "//button[normalize-space()='Make token']").click()
    token = wait(browser, lambda b: b.find_element(By.ID, "new-token")).get_attribute("value")
    button = browser.find_element(By.CSS_SELECTOR, "button.copy-button[data-copy='new-token']")
    assert button.is_displayed() and button.text == "Copy token"
    button.click()
    wait(browser, lambda b: button.text == "Copied")
    copied = browser.execute_async_script("const done = arguments[0]; navigator.clipboard.readText().then(done, e => done('failed: ' + e));")
    assert copied == token
    assert browser.title == "API tokens - Driver Management"


def test_titles_name_the_page(stack, browser):
    from harness import VIEWER
    browser.delete_all_cookies()
    sign_in(stack, browser)
    assert browser.title == "Connections - All my organizations"
    for path, title in (("/requests", "Driver requests - Driver Management"), ("/audit", "Audit log - Driver Management")):
        browser.get(stack.base + path)
        assert browser.title == title
    browser.delete_all_cookies()
    sign_in(stack, browser, VIEWER)
    organization = stack.query("SELECT name FROM organizations WHERE id = ?", (stack.organization_of(VIEWER),))[0][0]
    assert browser.title == f"Connections - {organization}"
    assert "·" not in browser.title
