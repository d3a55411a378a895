"""A shared view's report by email, end to end with the real SMTP server (see test_email.py): set
from the Views menu's form, sent by the outbox's sender when due (the test moves its due time to
now rather than waiting for 07:00 in Berlin), saying what entered and left, linking the view behind
sign-in, attaching nothing, and stopped by its one-click unsubscribe link."""
import requests

from harness import ADMIN, OFFICER
from test_email import link, parts, smtp, smtp_args, to, wait_until  # noqa: F401 (smtp is a fixture)


def make_due(stack):
    with stack.db() as db:
        db.execute("UPDATE outbox SET due_at = '2000-01-01T00:00:00Z' WHERE kind = 'view report' AND state = 'queued'")


def test_a_shared_view_is_reported_with_its_changes_and_unsubscribed_in_one_click(fresh_stack, smtp):
    server = smtp().start()
    stack = fresh_stack(connections=120, extra_args=smtp_args(server)).start()
    with stack.db() as db:
        org = db.execute("SELECT min(id) FROM organizations").fetchone()[0]
        db.execute("UPDATE organizations SET time_zone = 'Europe/Berlin' WHERE id = ?", (org,))
        first, second = [row[0] for row in db.execute("SELECT id FROM connections WHERE org_id = ? ORDER BY id LIMIT 2", (org,)).fetchall()]
        db.execute("UPDATE connections SET name = 'Zqreport first' WHERE id = ?", (first,))
        officer = db.execute("SELECT id FROM users WHERE email = ?", (OFFICER,)).fetchone()[0]
    saved = stack.post("/connections/views", data={"action": "save-as", "name": "Reported", "share": str(org),
                                                    "state": "f=name&op=contains&v=zqreport", "back": ""})
    assert saved.status_code == 303
    view = stack.query("SELECT max(id) FROM saved_views")[0][0]
    menu = stack.get(f"/connections?view={view}&f=name&op=contains&v=zqreport").text
    assert 'name="frequency"' in menu and "Not sent as a report." in menu
    assert stack.post("/connections/views", data={"action": "report", "id": str(view), "frequency": "daily", "hour": "7", "skip": "on",
                                                  "to": [str(officer)], "back": f"view={view}"}).status_code == 303
    assert "Sent daily at 07:00 Europe/Berlin to 1 member" in stack.get(f"/connections?view={view}&f=name&op=contains&v=zqreport").text
    due = stack.query("SELECT due_at FROM outbox WHERE kind = 'view report' AND state = 'queued'")
    assert len(due) == 1 and due[0][0][11:16] in ("05:00", "06:00"), due  # 07:00 in Berlin, summer or winter

    make_due(stack)
    report = server.wait_for(1, where=to(OFFICER))[0]
    assert report["Subject"] == "Reported: 1 connection"
    assert report.get_content_type() == "multipart/alternative", "nothing is attached"
    text, html = parts(report)
    view_link = link(text, "/connections?view=")
    assert view_link == f"/connections?view={view}"
    assert requests.get(stack.base + view_link, allow_redirects=False, timeout=30).status_code in (302, 303), "the link needs signing in"
    assert stack.get(view_link, as_user=stack.sign_in(OFFICER), allow_redirects=True).status_code == 200

    # One connection enters, the other leaves: the next report says so.
    with stack.db() as db:
        db.execute("UPDATE connections SET name = 'Zqreport second' WHERE id = ?", (second,))
        db.execute("UPDATE connections SET name = 'Elsewhere' WHERE id = ?", (first,))
    wait_until(lambda: stack.query("SELECT count(*) FROM outbox WHERE kind = 'view report' AND state = 'queued'")[0][0] == 1)
    make_due(stack)
    changed = server.wait_for(2, where=to(OFFICER))[1]
    text = parts(changed)[0]
    assert "Since the last report: 1 entered, 1 left." in text
    assert f"+ https://connect.example.test/connections/{second}" in text and f"- https://connect.example.test/connections/{first}" in text

    # Nothing changed: skipped, and said so on the schedule line.
    wait_until(lambda: stack.query("SELECT count(*) FROM outbox WHERE kind = 'view report' AND state = 'queued'")[0][0] == 1)
    make_due(stack)
    wait_until(lambda: stack.query("SELECT count(*) FROM outbox WHERE kind = 'view report' AND state = 'skipped'")[0][0] == 1)
    assert "(last skipped " in stack.get(f"/connections?view={view}&f=name&op=contains&v=zqreport").text
    assert len(server.messages()) == 2

    # One click (RFC 8058) stops it: no recipient left, nothing queued.
    unsubscribe = changed["List-Unsubscribe"].strip("<>").replace("https://connect.example.test", "")
    assert changed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    answer = requests.post(stack.base + unsubscribe, data={"List-Unsubscribe": "One-Click"}, timeout=30)
    assert answer.status_code == 200 and "no more reports of the view" in answer.text
    assert stack.query("SELECT count(*) FROM view_report_recipients")[0][0] == 0
    assert stack.query("SELECT count(*) FROM outbox WHERE kind = 'view report' AND state = 'queued'")[0][0] == 0
