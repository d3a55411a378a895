"""The overview (issue 30) in Chromium, on the stack's database (SQLite, or PostgreSQL in test_postgres's
run): each chart's numbers (its table, its summary) against the database, at 390 and 1280 px, with no
label of a chart on top of another and none too small to read; then again after a join, decisions and a
removal made through the console. Screenshots go to var/test-artifacts/overview-*.png."""
import datetime
import re

from selenium.webdriver.common.by import By

from test_browser import browser, screenshot, sign_in  # noqa: F401 (the fixture)
from test_console_ux import wait
from test_invites import join, make_connection

AGES = ["Under a day", "1–3 days", "3–7 days", "Over a week"]

# Each chart's text boxes (ticks, labels, values) as the browser lays them out: overlaps and small type.
MEASURE = r"""
const problems = [];
for (const svg of document.querySelectorAll('svg.chart')) {
  const chart = svg.closest('section').id;
  const box = svg.getBoundingClientRect();
  if (box.right > window.innerWidth + 1) problems.push(chart + ' is wider than the window: ' + Math.round(box.right));
  const texts = Array.from(svg.querySelectorAll('text')).map(t => ({t, b: t.getBoundingClientRect()})).filter(x => x.b.width > 0);
  for (const {t, b} of texts) {
    const size = parseFloat(getComputedStyle(t).fontSize) * box.width / svg.viewBox.baseVal.width;
    if (size < 9) problems.push(chart + ': "' + t.textContent + '" is ' + size.toFixed(1) + ' px');
  }
  for (let i = 0; i < texts.length; i++) for (let j = i + 1; j < texts.length; j++) {
    const a = texts[i].b, c = texts[j].b;
    const w = Math.min(a.right, c.right) - Math.max(a.left, c.left), h = Math.min(a.bottom, c.bottom) - Math.max(a.top, c.top);
    if (w > 1 && h > 1) problems.push(chart + ': "' + texts[i].t.textContent + '" overlaps "' + texts[j].t.textContent + '"');
  }
}
return problems;
"""


def table(browser, chart):
    """A chart's numbers table: {first cell: [other cells]} in page order, read whether or not it is open."""
    rows = browser.execute_script("""
        return Array.from(document.querySelectorAll('#' + arguments[0] + ' tbody tr'))
            .map(tr => Array.from(tr.children).map(c => c.textContent.trim()));""", chart)
    number = lambda cell: int(cell.replace(",", "")) if re.fullmatch(r"-?[\d,]+", cell) else cell
    return [(row[0], [number(cell) for cell in row[1:]]) for row in rows]


def expected(stack):
    """What the charts of every organization must say, counted from the memberships themselves (each
    membership by its state now: the stack's rows were written so, by the seed and by SQL)."""
    today = datetime.datetime.now(datetime.timezone.utc).date()
    ages, weeks = [0, 0, 0, 0], {"auto": 0, "domain": 0, "manual": 0, "removed": 0}
    first = today - datetime.timedelta(days=52 * 7 - 1)
    rows = stack.query("""SELECT m.state, m.requested_at, coalesce(m.decided_at, m.requested_at), m.decided_by_user_id, c.approval_type
                          FROM memberships m JOIN connections c ON c.id = m.connection_id""")
    for state, requested, decided, by, approval in rows:
        if state == "Pending":
            age = (today - datetime.date.fromisoformat(requested[:10])).days
            ages[0 if age < 1 else 1 if age < 3 else 2 if age < 7 else 3] += 1
        if datetime.date.fromisoformat(decided[:10]) < first:
            continue
        if state == "Connected":
            weeks["manual" if by is not None else "domain" if approval == "Automatically approve by email domain" else "auto"] += 1
        elif state == "Removed":
            weeks["removed"] += 1
    top = stack.query("SELECT name, connected_drivers FROM connections WHERE connected_drivers > 0 ORDER BY connected_drivers DESC, id DESC LIMIT 20")
    empty = stack.query("SELECT count(*) FROM connections WHERE connected_drivers = 0")[0][0]
    return {"pending": sum(ages), "ages": ages, "weeks": weeks, "top": [(name, [count]) for name, count in top], "empty": empty}


def check_page(stack, browser, want, label):
    for width, height in ((390, 844), (1280, 800)):
        browser.set_window_size(width, height)
        browser.get(stack.base + "/overview")
        wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "svg.chart"))
        assert browser.find_element(By.TAG_NAME, "h1").text == "Overview"
        backlog = table(browser, "chart-backlog")
        assert len(backlog) == 90 and backlog[0][1] == [want["pending"]], backlog[:2]
        assert table(browser, "chart-ages") == list(zip(AGES, [[n] for n in want["ages"]]))
        summary = browser.find_element(By.CSS_SELECTOR, "#chart-backlog .chart-summary").text
        assert summary.startswith(f"{want['pending']:,} requests wait, {want['ages'][3]:,} of them more than a week"), summary
        joins = table(browser, "chart-joins")
        assert len(joins) == 52
        totals = [sum(row[1][i] for row in joins) for i in range(4)]
        assert totals == [want["weeks"][k] for k in ("auto", "domain", "manual", "removed")], (totals, want["weeks"])
        assert [(name, cells[-1:]) for name, cells in table(browser, "chart-drivers")[:len(want["top"])]] == want["top"]
        assert f"Open the {want['empty']:,} connection" in browser.find_element(By.CSS_SELECTOR, "#chart-drivers .chart-link").text
        problems = browser.execute_script(MEASURE)
        assert not problems, f"at {width} px:\n" + "\n".join(problems[:30])
        assert browser.execute_script("return document.documentElement.scrollWidth") <= width
        screenshot(browser, f"overview-{label}-{width}.png")
    browser.set_window_size(1280, 900)


def test_the_charts_show_the_databases_numbers_before_and_after_changes(fresh_stack, browser):
    # A stack of its own: its memberships were written in their states now, so counting them is the truth.
    stack = fresh_stack(connections=300)
    stack.start()
    browser.delete_all_cookies()
    sign_in(stack, browser)
    want = expected(stack)
    check_page(stack, browser, want, "before")

    # A join that waits, one approved and then removed, one denied: the charts follow.
    connection, token, _ = make_connection(stack)
    ids = []
    for index in range(3):
        response, _ = join(stack, token, email=f"overview.{index}@example.org")
        assert response.status_code in (302, 303), response.text[:300]
        ids.append(stack.query("SELECT m.id FROM memberships m JOIN drivers d ON d.id = m.driver_id WHERE d.email = ?",
                               (f"overview.{index}@example.org",))[0][0])
    assert stack.post("/requests/decide", data={"m": ids[1], "action": "approve", "back": "/requests"}).status_code == 303
    assert stack.post("/requests/decide", data={"m": ids[1], "action": "remove", "back": "/requests"}).status_code == 303
    assert stack.post("/requests/decide", data={"m": ids[2], "action": "deny", "reason": "Not here", "back": "/requests"}).status_code == 303
    after = expected(stack)
    after["weeks"]["manual"] += 1  # approved, then removed: both happened this week
    assert after["pending"] == want["pending"] + 1 and after["weeks"]["removed"] == want["weeks"]["removed"] + 1
    check_page(stack, browser, after, "after")


def test_admins_land_on_the_overview_and_viewers_on_the_table(stack, browser):
    browser.delete_all_cookies()
    browser.get(stack.base + "/login")
    browser.find_element(By.ID, "email").send_keys("admin@demo.test")
    browser.find_element(By.ID, "password").send_keys("connections-demo")
    browser.find_element(By.CSS_SELECTOR, "form[action='/login'] button").click()
    wait(browser, lambda b: re.search(r"/overview$", b.current_url))
    current = browser.find_element(By.CSS_SELECTOR, "nav[aria-label=Main] a[aria-current=page]")
    assert current.text == "Overview"
