"""The table's density, sorting and controls that behave alike (issue 23), in Chromium."""
import pytest
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from test_browser import browser, screenshot, sign_in  # noqa: F401 (the fixture)

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
