"""Renewal (issue 25) through nginx, a real SMTP server and Chromium: the sweep emails a renewal
reminder 14 days before a membership ends (by the clock the test sets, POST /_test/clock), and the
email's link opens the driver's status page, whose button renews the membership."""
import datetime

from selenium.webdriver.common.by import By

from test_browser import browser, screenshot  # noqa: F401 (the fixture)
from test_console_ux import wait
from test_email import parts, link, smtp, smtp_args, to  # noqa: F401 (the fixture)
from test_invites import join, make_connection
from test_membership_ends import set_clock


def test_the_renewal_emails_link_renews_in_the_browser(fresh_stack, smtp, browser):
    server = smtp().start()
    stack = fresh_stack(connections=20, extra_args=smtp_args(server, "--expiry-sweep-seconds", "1")).start()
    connection, token, _ = make_connection(stack, approval="Automatically approve all")
    assert stack.post(f"/connections/{connection}/membership-length", data={"kind": "days", "amount": "30"}).status_code == 303
    answer, _ = join(stack, token, name="Rosa Renew", email="rosa@example.org")
    assert answer.status_code in (200, 303), answer.text[:300]
    with stack.db() as db:
        end = db.execute("SELECT m.expires_at FROM memberships m JOIN drivers d ON d.id = m.driver_id WHERE d.email = 'rosa@example.org'").fetchone()[0]
    assert end
    ends = datetime.datetime.fromisoformat(end.replace("Z", "+00:00"))
    remind = (ends - datetime.timedelta(days=13)).strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        set_clock(stack, remind)
        message = server.wait_for(1, timeout=40, where=lambda m: to("rosa@example.org")(m) and "ends on" in m["Subject"])[0]
    finally:
        set_clock(stack)
    day = f"{ends.day} {ends.strftime('%B')} {ends.year}"
    assert message["Subject"].endswith(f"ends on {day}")
    text, html = parts(message)
    status = link(text, "/status/")
    assert link(html, "/status/").startswith("/status/")

    browser.set_window_size(1280, 900)
    browser.delete_all_cookies()
    browser.get(stack.base + status)
    assert f"Connected until {day}." in browser.find_element(By.TAG_NAME, "main").text
    screenshot(browser, "renewal-status.png")
    browser.find_element(By.XPATH, "//button[normalize-space()='Renew my membership']").click()
    wait(browser, lambda b: "Your membership is renewed." in b.find_element(By.TAG_NAME, "main").text)
    renewed = ends + datetime.timedelta(days=30)
    assert f"Connected until {renewed.day} {renewed.strftime('%B')} {renewed.year}." in browser.find_element(By.TAG_NAME, "main").text
    assert not browser.find_elements(By.XPATH, "//button[normalize-space()='Renew my membership']"), "not again before the new end comes near"
    screenshot(browser, "renewal-renewed.png")
    with stack.db() as db:
        assert db.execute("SELECT count(*) FROM outbox WHERE kind = 'renewal reminder'").fetchone()[0] == 1, "one reminder"
        assert db.execute("SELECT count(*) FROM audit_log WHERE action = 'Renewed driver'").fetchone()[0] == 1
