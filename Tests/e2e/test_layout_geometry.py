"""Every console and driver page, measured in Chromium at a phone's 390x844 and a laptop's 1280x800
(issue 23): no sideways scrolling, no two controls on top of each other, each control's centre
hits that control (nothing covers it), tap targets at least 44x44 px on the phone, and no word
broken inside (a line may break at a space, and in addresses after `@`, `.`, `/` or `-`).
Screenshots of each page at 390, 1280 and 1920 px go to var/test-artifacts/layout/."""
import itertools

import pytest
from selenium.webdriver.common.by import By

from harness import ADMIN, PASSWORD, secret_hash
from test_browser import ARTIFACTS, browser  # noqa: F401 (the fixture)
from test_invites import join, make_connection
from test_console_ux import wait

SIZES = ((390, 844), (1280, 800))
TOKENS = itertools.count(1)
SHOT_WIDTHS = (390, 1280, 1920)

# Run in the page: what is wrong with its geometry, as readable lines.
MEASURE = r"""
const phone = arguments[0];
const problems = [];
const describe = el => {
  const text = (el.getAttribute('aria-label') || el.textContent || el.value || el.name || '').replace(/\s+/g, ' ').trim().slice(0, 40);
  return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '') + ' "' + text + '"';
};
if (document.documentElement.scrollWidth > window.innerWidth) {
  problems.push('the page scrolls sideways: ' + document.documentElement.scrollWidth + ' px wide in ' + window.innerWidth);
}
const shown = el => {
  if (el.closest('details:not([open]) > :not(summary)')) return false;
  const style = getComputedStyle(el);
  if (style.visibility === 'hidden' || style.display === 'none') return false;
  const box = el.getBoundingClientRect();
  if (box.width < 2 || box.height < 2) return false;  // visually hidden (e.g. a form's default button)
  if (el.closest('.skip-link') && box.right < 0) return false;  // shown when focused
  return true;
};
const modal = document.querySelector('dialog[open]');
const controls = Array.from(document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex="-1"])'))
  .filter(el => (!modal || modal.contains(el)) && shown(el) && !(el.tagName === 'INPUT' && el.closest('label') && el.closest('label').contains(el) && false));
// Links inside running text (a sentence) are exempt from the target size, as WCAG's inline exception says.
const inline = el => {
  if (el.tagName !== 'A' || getComputedStyle(el).display !== 'inline') return false;
  const block = el.parentElement;
  const own = Array.from(block.childNodes).filter(n => n !== el).map(n => n.textContent).join('').trim();
  return own.length > 0;
};
// A checkbox or radio is tapped through its label too.
const target = el => {
  let box = el.getBoundingClientRect();
  if (el.tagName === 'INPUT' && (el.type === 'checkbox' || el.type === 'radio')) {
    const label = el.closest('label') || (el.id && document.querySelector('label[for="' + el.id + '"]'));
    if (label) {
      const l = label.getBoundingClientRect();
      box = {left: Math.min(box.left, l.left), right: Math.max(box.right, l.right), top: Math.min(box.top, l.top), bottom: Math.max(box.bottom, l.bottom)};
      box.width = box.right - box.left; box.height = box.bottom - box.top;
    }
  }
  return box;
};
// An open drop-down panel (Filter, Columns, Export) lies over the table on purpose: what it covers
// is not checked while it is open.
const popups = Array.from(document.querySelectorAll('details.tool-panel[open] > form')).filter(f => getComputedStyle(f).position === 'absolute');
const under = (el, x, y) => popups.some(f => {
  if (f.contains(el)) return false;
  const r = f.getBoundingClientRect();
  return x >= r.left && x <= r.right && y >= r.top && y <= r.bottom;
});
for (const el of controls) {
  el.scrollIntoView({block: 'center', inline: 'center'});
  // A link that wraps onto two lines is tapped on its first line.
  const box = getComputedStyle(el).display === 'inline' ? el.getClientRects()[0] : el.getBoundingClientRect();
  const x = box.left + box.width / 2, y = box.top + box.height / 2;
  if (under(el, x, y)) continue;
  const hit = document.elementFromPoint(x, y);
  const label = hit && hit.closest('label');
  if (!hit || !(hit === el || el.contains(hit) || (label && (label.contains(el) || (el.id && label.htmlFor === el.id))))) {
    problems.push('covered: ' + describe(el) + ' (its centre hits ' + (hit ? describe(hit) : 'nothing') + ')');
  }
  if (phone && !inline(el)) {
    const t = target(el);
    if (t.width < 43.5 || t.height < 43.5) problems.push('small target: ' + describe(el) + ' ' + Math.round(t.width) + 'x' + Math.round(t.height));
  }
}
window.scrollTo(0, 0);
document.querySelectorAll('.table-wrap').forEach(f => { f.scrollLeft = 0; f.scrollTop = 0; });
// What shows of a control: its box cut by every frame that scrolls or clips it.
const visible = (el, b) => {
  let box = {left: b.left, right: b.right, top: b.top, bottom: b.bottom};
  for (let p = el.parentElement; p; p = p.parentElement) {
    const style = getComputedStyle(p);
    if (style.overflowX === 'visible' && style.overflowY === 'visible') continue;
    const c = p.getBoundingClientRect();
    box = {left: Math.max(box.left, c.left), right: Math.min(box.right, c.right), top: Math.max(box.top, c.top), bottom: Math.min(box.bottom, c.bottom)};
  }
  return box;
};
// A link that wraps has a box per line: its bounding box would take in the words beside it.
const boxes = controls.flatMap(el => Array.from(getComputedStyle(el).display === 'inline' ? el.getClientRects() : [el.getBoundingClientRect()])
  .map(b => ({el, box: visible(el, b)})));
for (let i = 0; i < boxes.length; i++) {
  for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i], b = boxes[j];
    if (a.el === b.el || a.el.contains(b.el) || b.el.contains(a.el)) continue;
    if (popups.some(f => f.contains(a.el) !== f.contains(b.el))) continue;
    const w = Math.min(a.box.right, b.box.right) - Math.max(a.box.left, b.box.left);
    const h = Math.min(a.box.bottom, b.box.bottom) - Math.max(a.box.top, b.box.top);
    if (w > 1 && h > 1) problems.push('overlap: ' + describe(a.el) + ' and ' + describe(b.el));
  }
}
// Words broken inside: each run of letters and digits (an address may break at its @ . / -) must lie
// on one line. A run longer than 30 characters (a token, a made-up word) may break.
const walker = document.createTreeWalker(modal || document.body, NodeFilter.SHOW_TEXT);
const range = document.createRange();
let node;
while ((node = walker.nextNode())) {
  const parent = node.parentElement;
  // Code (a token to copy, Authorization: Bearer …) is not words: it may break anywhere.
  if (!parent || parent.closest('script, style, option, select, textarea, code, .visually-hidden, [hidden]')) continue;
  if (modal && !modal.contains(node)) continue;
  const text = node.textContent;
  const re = /[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*/gu;
  let m;
  while ((m = re.exec(text))) {
    if (m[0].length < 2 || m[0].length > 30) continue;
    range.setStart(node, m.index);
    range.setEnd(node, m.index + m[0].length);
    const tops = new Set(Array.from(range.getClientRects()).filter(r => r.width > 0).map(r => Math.round(r.top / 3)));
    if (tops.size > 1) problems.push('word broken: "' + m[0] + '" in ' + describe(parent));
  }
}
return Array.from(new Set(problems));
"""


def signed_in(stack, browser):
    browser.get(stack.base + "/connections")
    if "/login" in browser.current_url:
        browser.find_element(By.ID, "email").send_keys(ADMIN)
        browser.find_element(By.ID, "password").send_keys(PASSWORD)
        browser.find_element(By.CSS_SELECTOR, "form[action='/login'] button").click()
        wait(browser, lambda b: "/login" not in b.current_url)


@pytest.fixture(scope="module")
def data(stack):
    """The things the pages show: a connection with questions and a long address waiting, a driver's
    links, an emailed confirmation, unsubscribe and invitation link, an API token just made."""
    connection, token, code = make_connection(stack, questions=["Employee ID", "Vehicle licence plate"])
    _, auto_token, _ = make_connection(stack, approval="Automatically approve all")
    join(stack, token, name="Léa Byrne-Castellanos", email="lea.byrne-castellanos@fleet-operations.example.org",
         answers=["EMP-2231", "HH-AB 1234"])
    response, _ = join(stack, auto_token, name="Geometry Driver", email="geometry.driver@example.org")
    status = response.headers["Location"] if response.status_code in (302, 303) else None
    names = {"confirm": "geo-confirmation-" + "c" * 40, "unsubscribe": "geo-unsubscribe-" + "u" * 40,
             "invitation": "geo-invitation-" + "i" * 40}
    with stack.db() as db:
        membership = db.execute("SELECT max(id) FROM memberships").fetchone()[0]
        db.execute("INSERT INTO email_confirmations (token_hash, membership_id, expires_at) VALUES (?, ?, '2099-01-01T00:00:00Z')",
                   (secret_hash(names["confirm"]), membership))
        admin = db.execute("SELECT id FROM users WHERE email = 'admin@demo.test'").fetchone()[0]
        db.execute("DELETE FROM digest_settings WHERE user_id = ?", (admin,))
        db.execute("INSERT INTO digest_settings (user_id) VALUES (?)", (admin,))
        db.execute("INSERT INTO unsubscribe_links (token_hash, user_id) VALUES (?, ?)", (secret_hash(names["unsubscribe"]), admin))
        db.execute("INSERT INTO user_invitations (org_id, email, role, token_hash, created_at, expires_at) "
                   "VALUES ((SELECT min(id) FROM organizations), 'geometry.invited@example.org', 'Viewer', ?, 'x', '2099-01-01T00:00:00Z')",
                   (secret_hash(names["invitation"]),))
    return {"connection": connection, "token": token, "code": code, "auto_token": auto_token, "status": status, **names}


def console(path):
    def go(stack, browser, data):
        signed_in(stack, browser)
        browser.get(stack.base + path.format(**data))
    return go


def driver(path):
    def go(stack, browser, data):
        browser.delete_all_cookies()
        browser.get(stack.base + path.format(**data))
    return go


def filter_panel(stack, browser, data):
    signed_in(stack, browser)
    browser.find_element(By.CSS_SELECTOR, "summary#filter-panel").click()
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, ".filter-row"))


def invite_dialog(stack, browser, data):
    signed_in(stack, browser)
    browser.get(f"{stack.base}/connections?f=search_code&op=is&v={data['code']}")
    browser.find_element(By.CSS_SELECTOR, "tbody a[href$='/invite']").click()
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "dialog.invite-dialog[open] .copy-button"))


def new_token(stack, browser, data):
    signed_in(stack, browser)
    browser.get(stack.base + "/account/tokens")
    browser.find_element(By.ID, "token-name").send_keys(f"Geometry sync {next(TOKENS)}")  # names are unique
    browser.find_element(By.XPATH, "//button[normalize-space()='Make token']").click()
    wait(browser, lambda b: b.find_elements(By.ID, "new-token"))


def form_errors(stack, browser, data):
    signed_in(stack, browser)
    browser.get(stack.base + "/connections/new")
    browser.find_element(By.XPATH, "//button[normalize-space()='Create connection']").click()
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, ".field-error"))


def sign_in_page(failed):
    def go(stack, browser, data):
        browser.delete_all_cookies()
        browser.get(stack.base + "/login")
        if failed:  # an account of its own: failures slow down later sign-ins to the account they name
            browser.find_element(By.ID, "email").send_keys("geometry.nobody@example.org")
            browser.find_element(By.ID, "password").send_keys("not the password")
            browser.find_element(By.CSS_SELECTOR, "form[action='/login'] button").click()
            wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "[role=alert]"))
    return go


def join_errors(stack, browser, data):
    browser.delete_all_cookies()
    browser.get(f"{stack.base}/join/{data['token']}")
    browser.find_element(By.CSS_SELECTOR, ".driver-form button[type=submit]").click()
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, ".field-error"))


def asked_before(stack, browser, data):
    browser.delete_all_cookies()
    browser.get(f"{stack.base}/join/{data['auto_token']}")
    browser.find_element(By.ID, "name").send_keys("Geometry Driver")
    browser.find_element(By.ID, "email").send_keys("geometry.driver@example.org")
    browser.find_element(By.NAME, "terms").click()
    browser.find_element(By.CSS_SELECTOR, ".driver-form button[type=submit]").click()
    wait(browser, lambda b: "asked" in b.find_element(By.TAG_NAME, "h1").text)


PAGES = {
    "overview": console("/overview"),
    "connections": console("/connections"),
    "connections-filter-panel": filter_panel,
    "connections-filters-applied": console("/connections?f=name&op=contains&v=staff&f=status&op=is&v=Enabled"),
    "connections-columns-panel": console("/connections?edit=columns"),
    "connections-export-panel": console("/connections?edit=export"),
    "connections-select-rows": console("/connections?edit=rows"),
    "connections-invite-dialog": invite_dialog,
    "invite": console("/connections/{connection}/invite"),
    "requests": console("/requests"),
    "requests-of-a-connection": console("/connections/{connection}/requests"),
    "audit": console("/audit"),
    "users": console("/users"),
    "email": console("/email"),
    "invitations": console("/invitations"),
    "organizations": console("/connections/organizations"),
    "account-email": console("/account/email"),
    "tokens": console("/account/tokens"),
    "tokens-new": new_token,
    "connection-new": console("/connections/new"),
    "connection-form-errors": form_errors,
    "connection-edit": console("/connections/{connection}/edit"),
    "error-404": console("/connections/99999999/invite"),
    "sign-in": sign_in_page(False),
    "sign-in-failed": sign_in_page(True),
    "join": driver("/join/{token}"),
    "join-errors": join_errors,
    "find": driver("/find"),
    "find-by-organization": driver("/find?org=acme"),
    "status": driver("{status}"),
    "asked-before": asked_before,
    "confirm": driver("/confirm/{confirm}"),
    "unsubscribe": driver("/unsubscribe/{unsubscribe}"),
    "invitation": driver("/invitation/{invitation}"),
    "dead-link": driver("/join/no-such-invite-token-aaaaaa"),
}


def full_page_screenshot(browser, path):
    """The whole page, not only what the window shows (at most 8,000 px of it)."""
    import base64
    size = browser.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    clip = {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 8000), "scale": 1}
    shot = browser.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip})
    path.write_bytes(base64.b64decode(shot["data"]))


@pytest.mark.parametrize("name", list(PAGES))
def test_page_geometry(stack, browser, data, name):
    found = {}
    folder = ARTIFACTS / "layout"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        for width in SHOT_WIDTHS:
            browser.set_window_size(width, 844 if width == 390 else 800 if width == 1280 else 1080)
            PAGES[name](stack, browser, data)
            full_page_screenshot(browser, folder / f"{name}-{width}.png")
        for width, height in SIZES:
            browser.set_window_size(width, height)
            PAGES[name](stack, browser, data)
            problems = browser.execute_script(MEASURE, width < 640)
            if problems:
                found[width] = problems
    finally:
        browser.set_window_size(1280, 900)
    assert not found, "\n".join(f"{name} at {width} px:\n  " + "\n  ".join(lines[:40]) for width, lines in found.items())
