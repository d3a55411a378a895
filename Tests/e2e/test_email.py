"""Email end to end, with a real SMTP server on loopback (aiosmtpd, Tests/e2e/smtp_server.py): what
drivers, hosts and invitees receive and that each link opens the right page through nginx; the
QR code of an invite decodes (zbarimg) to its link; STARTTLS, SMTPS and AUTH; a server down then
back; temporary and permanent refusals; the app killed while sending; two processes, one sender;
and without SMTP nothing breaks."""
import email
import email.policy
import json
import os
import pathlib
import re
import signal
import subprocess
import time

import pytest
import requests

from harness import ADMIN, OFFICER, ROOT, free_port
from test_invites import join, make_connection

PYTHON = os.environ.get("SMTP_TEST_PYTHON", str(ROOT / "var" / "test-venv" / "bin" / "python"))
FROM = "Connections <noreply@connect.example.test>"


class SMTPServer:
    """Tests/e2e/smtp_server.py in a process of its own: messages land in `folder`."""

    def __init__(self, folder, port=None, options=()):
        self.folder = pathlib.Path(folder)
        self.port = port or free_port()
        self.options = list(options)
        self.process = None

    def start(self):
        assert pathlib.Path(PYTHON).exists(), f"{PYTHON} is missing: scripts/test makes it (a venv with aiosmtpd from PyPI)"
        self.process = subprocess.Popen([PYTHON, str(ROOT / "Tests" / "e2e" / "smtp_server.py"), str(self.folder), str(self.port), *self.options],
                                        stdout=subprocess.PIPE, stderr=open(self.folder.parent / f"smtp-{self.port}.log", "a"), text=True)
        assert self.process.stdout.readline().strip() == "ready", "the SMTP server did not start"
        return self

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=15)

    def control(self, **settings):
        (self.folder / "control.json").write_text(json.dumps(settings))

    def messages(self):
        """Every message stored, oldest first, each an email.message with .envelope."""
        found = []
        for path in sorted(self.folder.glob("*.eml")):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            message.envelope = json.loads(path.with_suffix(".json").read_text())
            found.append(message)
        return found

    def wait_for(self, count, timeout=30, where=lambda message: True):
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = [message for message in self.messages() if where(message)]
            if len(found) >= count:
                return found
            time.sleep(0.1)
        raise AssertionError(f"{count} messages expected, {len(found)} arrived: {[m['Subject'] for m in found]}")


@pytest.fixture
def smtp(tmp_path):
    servers = []

    def make(port=None, options=()):
        server = SMTPServer(tmp_path / f"mail-{len(servers)}", port, options)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


def smtp_args(server, *more):
    return ["--smtp-url", f"smtp://127.0.0.1:{server.port}", "--mail-from", FROM, "--smtp-starttls", "optional",
            "--email-retry-seconds", "1", *more]


def parts(message):
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


def link(text, path):
    """The absolute link to `path…` in a text, as the app's base URL writes it; the path to ask nginx for."""
    found = re.search(r"https://connect\.example\.test(" + re.escape(path) + r"[A-Za-z0-9_\-/]*)", text)
    assert found, text
    return found.group(1)


def to(address):
    return lambda message: message.envelope["rcpt_tos"] == [address]


def outbox(stack, where="1"):
    with stack.db() as db:
        return db.execute(f"SELECT id, kind, recipient, state, attempts, coalesce(last_error, '') FROM outbox WHERE {where} ORDER BY id").fetchall()


def wait_until(condition, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_drivers_hear_of_each_decision_and_hosts_get_a_digest(fresh_stack, smtp):
    server = smtp().start()
    stack = fresh_stack(connections=120, extra_args=smtp_args(server)).start()
    with stack.db() as db:
        for_drivers = db.execute("SELECT name_for_drivers FROM organizations ORDER BY id LIMIT 1").fetchone()[0]
        db.execute("UPDATE organizations SET name_for_drivers = ? WHERE id = (SELECT min(id) FROM organizations)", (for_drivers + " Ünïcode",))
    for_drivers += " Ünïcode"
    connection, token, _ = make_connection(stack, questions=["Employee ID"])

    # Received: the page says only that an email was sent; the email carries the status link.
    answer, _ = join(stack, token, name="Zoë Driver", email="zoe@example.org")
    assert answer.status_code == 200 and "Check your email" in answer.text and "/status/" not in answer.text
    received = server.wait_for(1, where=to("zoe@example.org"))[0]
    with stack.db() as db:
        name = db.execute("SELECT name FROM connections WHERE id = ?", (connection,)).fetchone()[0]
    assert received["Subject"] == f"Your request to join {name} at {for_drivers}"
    sender = received["From"].addresses[0]
    assert sender.display_name == for_drivers and sender.addr_spec == "noreply@connect.example.test"
    assert received["To"].addresses[0].addr_spec == "zoe@example.org" and received["To"].addresses[0].display_name == "Zoë Driver"
    assert received.get_content_type() == "multipart/alternative" and received["Message-ID"].endswith("@connect.example.test>")
    text, html = parts(received)
    status = link(text, "/status/")
    assert link(html, "/status/") == status
    page = requests.get(stack.base + status, timeout=30)
    assert page.status_code == 200 and 'role="status">Pending<' in page.text and "Zoë Driver" in page.text

    # The hosts hear of it: a digest to the officer, listing the connection, unsubscribable in one click.
    digest = server.wait_for(1, where=to(OFFICER))[0]
    assert "waiting" in digest["Subject"] and digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    requests_link = link(parts(digest)[0], "/requests")
    assert stack.get(requests_link, as_user=stack.sign_in(OFFICER)).status_code == 200
    unsubscribe = digest["List-Unsubscribe"].strip("<>").replace("https://connect.example.test", "")
    assert requests.post(stack.base + unsubscribe, data={"List-Unsubscribe": "One-Click"}, timeout=30).status_code == 200

    # Approved, with the benefits; denied, with the reason (line breaks in it add no header); removed.
    with stack.db() as db:
        membership = db.execute("SELECT id FROM memberships WHERE connection_id = ?", (connection,)).fetchone()[0]
    assert stack.post("/requests/decide", data={"m": membership, "action": "approve", "back": "/requests"}).status_code == 303
    approved = server.wait_for(1, where=lambda m: to("zoe@example.org")(m) and m["Subject"].startswith("You're connected"))[0]
    assert "Free charging" in parts(approved)[0] and "Free charging" in parts(approved)[1]
    assert 'role="status">Connected<' in requests.get(stack.base + link(parts(approved)[1], "/status/"), timeout=30).text
    assert stack.post("/requests/decide", data={"m": membership, "action": "remove", "back": "/requests"}).status_code == 303
    server.wait_for(1, where=lambda m: to("zoe@example.org")(m) and m["Subject"].startswith("You were removed"))

    join(stack, token, name="Dan Denied", email="dan@example.org")
    with stack.db() as db:
        denied = db.execute("SELECT m.id FROM memberships m JOIN drivers d ON d.id = m.driver_id WHERE d.email = 'dan@example.org'").fetchone()[0]
    reason = "Badge <4471> is revoked\r\nBcc: victim@example.org"
    assert stack.post("/requests/decide", data={"m": denied, "action": "deny", "reason": reason, "back": "/requests"}).status_code == 303
    message = server.wait_for(1, where=lambda m: to("dan@example.org")(m) and "not approved" in m["Subject"])[0]
    assert message["Bcc"] is None and message.envelope["rcpt_tos"] == ["dan@example.org"]
    text, html = parts(message)
    assert "Badge <4471> is revoked" in text and "Badge &lt;4471&gt; is revoked" in html
    assert 'role="status">Denied<' in requests.get(stack.base + link(text, "/status/"), timeout=30).text


def test_a_domain_match_is_connected_by_its_confirmation_link_and_a_repeat_gets_its_status_link(fresh_stack, smtp):
    server = smtp().start()
    stack = fresh_stack(connections=120, extra_args=smtp_args(server)).start()
    connection, token, _ = make_connection(stack, approval="Automatically approve by email domain", domains=["fleet.example"])
    first, _ = join(stack, token, name="Flo Fleet", email="flo@fleet.example")
    message = server.wait_for(1, where=to("flo@fleet.example"))[0]
    assert message["Subject"].startswith("Confirm your email address")
    text, html = parts(message)
    confirm = link(text, "/confirm/")
    assert link(html, "/confirm/") == confirm
    status = link(text, "/status/")
    assert "Email not confirmed" in requests.get(stack.base + status, timeout=30).text
    assert "email not confirmed" in stack.get(f"/connections/{connection}/requests").text
    opened = requests.get(stack.base + confirm, timeout=30)
    assert opened.status_code == 200 and "Confirm my email address" in opened.text
    confirmed = requests.post(stack.base + confirm, timeout=30, allow_redirects=False)
    # The request's page, by a link of its own (only hashes are stored: a link is drawn when handed out).
    assert confirmed.status_code == 303 and confirmed.headers["Location"].startswith("/status/")
    for page in (confirmed.headers["Location"], status):
        assert 'role="status">Connected<' in requests.get(stack.base + page, timeout=30).text
    assert requests.post(stack.base + confirm, timeout=30).status_code == 409, "single use"
    server.wait_for(1, where=lambda m: to("flo@fleet.example")(m) and m["Subject"].startswith("You're connected"))

    # A repeat for that address: the same page as a new request; the address gets its status link.
    with stack.db() as db:
        db.execute("UPDATE outbox SET created_at = '2000-01-01T00:00:00Z'")  # past the pause between resends
    repeat, _ = join(stack, token, name="Mallory", email="FLO@fleet.example")
    assert repeat.status_code == first.status_code == 200 and repeat.text == first.text
    again = server.wait_for(1, where=lambda m: to("flo@fleet.example")(m) and "status link" in m["Subject"])[0]
    resent = requests.get(stack.base + link(parts(again)[0], "/status/"), timeout=30).text
    assert 'role="status">Connected<' in resent and "Flo Fleet" in resent, "a link of its own to the same request"


def test_an_invite_by_email_carries_the_link_its_qr_code_and_the_search_code(fresh_stack, smtp, tmp_path):
    server = smtp().start()
    stack = fresh_stack(connections=120, extra_args=smtp_args(server)).start()
    connection, token, code = make_connection(stack)
    checked = stack.post(f"/connections/{connection}/invite/email", data={"step": "check", "addresses": "ivy@example.org\nivan@example.org, ivy@example.org"})
    assert checked.status_code == 200 and "2 invites to send." in checked.text and "1 duplicate(s)" in checked.text
    addresses = re.search(r'name="addresses" value="([^"]+)"', checked.text).group(1)
    sent = stack.post(f"/connections/{connection}/invite/email", data={"step": "send", "addresses": addresses})
    assert sent.status_code == 303
    assert "2 email invites are on the way" in stack.get(sent.headers["Location"].split("#")[0]).text
    invites = server.wait_for(2)
    assert sorted(m.envelope["rcpt_tos"][0] for m in invites) == ["ivan@example.org", "ivy@example.org"]
    for message in invites:
        text, html = parts(message)
        url = "https://connect.example.test/join/" + token
        assert url in text and url in html and code in text and code in html
        image = next(part for part in message.walk() if part.get_content_type() == "image/png")
        assert f'src="cid:{image["Content-ID"].strip("<>")}"' in html
        (tmp_path / "qr.png").write_bytes(image.get_content())
        decoded = subprocess.run(["zbarimg", "--quiet", "--raw", str(tmp_path / "qr.png")], capture_output=True, text=True)
        assert decoded.stdout.strip() == url
        page = requests.get(stack.base + link(text, "/join/"), timeout=30)
        assert page.status_code == 200 and f"Invite test" in page.text
    with stack.db() as db:
        assert db.execute("SELECT details FROM audit_log WHERE action = 'Invited drivers by email'").fetchone()[0] == \
            '{"already connected":"0","duplicates":"1","invited":"2","not addresses":"0"}'


def make_certificate(folder):
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"], check=True, capture_output=True)
    return str(cert), str(key)


def test_starttls_and_auth_with_the_password_from_a_file_never_shown(fresh_stack, smtp, tmp_path):
    cert, key = make_certificate(tmp_path)
    secret = "s3cret-Pässword-!"
    server = smtp(options=["--starttls", cert, key, "--auth", f"mailer:{secret}"]).start()
    (tmp_path / "password").write_text(secret + "\n")
    stack = fresh_stack(connections=60, extra_args=["--smtp-url", f"smtp://127.0.0.1:{server.port}", "--mail-from", FROM,
                                                      "--smtp-user", "mailer", "--smtp-password-file", str(tmp_path / "password"),
                                                      "--smtp-ca-file", cert]).start()
    _, token, _ = make_connection(stack)
    join(stack, token, email="tls@example.org")
    message = server.wait_for(1, where=to("tls@example.org"))[0]
    assert message.envelope["tls"] is True and message.envelope["login"] == "mailer"
    assert secret not in pathlib.Path(f"/proc/{stack.app.pid}/cmdline").read_bytes().decode(errors="replace")
    stack.stop()
    assert secret not in stack.app_log.read_text(), "the password is never logged"


def test_smtps_with_the_password_from_the_environment(fresh_stack, smtp, tmp_path, monkeypatch):
    cert, key = make_certificate(tmp_path)
    secret = "an0ther-s3cret"
    server = smtp(options=["--smtps", cert, key, "--auth", f"mailer:{secret}"]).start()
    monkeypatch.setenv("CONNECTIONS_SMTP_PASSWORD", secret)
    stack = fresh_stack(connections=60, extra_args=["--smtp-url", f"smtps://127.0.0.1:{server.port}", "--mail-from", FROM,
                                                      "--smtp-user", "mailer", "--smtp-ca-file", cert]).start()
    _, token, _ = make_connection(stack)
    join(stack, token, email="smtps@example.org")
    message = server.wait_for(1, where=to("smtps@example.org"))[0]
    assert message.envelope["tls"] is True and message.envelope["login"] == "mailer"
    stack.stop()
    assert secret not in stack.app_log.read_text()


def test_starttls_is_required_unless_told_otherwise(fresh_stack, smtp):
    plain = smtp().start()
    stack = fresh_stack(connections=60, extra_args=["--smtp-url", f"smtp://127.0.0.1:{plain.port}", "--mail-from", FROM,
                                                      "--email-retry-seconds", "1"]).start()
    _, token, _ = make_connection(stack)
    join(stack, token, email="clear@example.org")
    wait_until(lambda: any(row[5] for row in outbox(stack, "recipient = 'clear@example.org'")))
    assert plain.messages() == [], "nothing is sent in the clear to a server without STARTTLS"


def test_a_server_down_then_back_gets_every_email_once(fresh_stack, smtp):
    server = smtp()  # not started yet: connections are refused
    stack = fresh_stack(connections=60, extra_args=smtp_args(server)).start()
    connection, _, _ = make_connection(stack)
    addresses = [f"later{n}@example.org" for n in range(5)]
    assert stack.post(f"/connections/{connection}/invite/email", data={"step": "send", "addresses": " ".join(addresses)}).status_code == 303
    wait_until(lambda: all(row[4] >= 1 and row[5] for row in outbox(stack, "kind = 'invite'")))
    server.start()
    server.wait_for(5, timeout=60)
    wait_until(lambda: all(row[3] == "sent" for row in outbox(stack, "kind = 'invite'")))
    time.sleep(1.5)
    ids = [message["Message-ID"] for message in server.messages()]
    assert len(ids) == len(set(ids)) == 5, ids


def test_temporary_refusals_are_retried_up_to_the_limit_then_shown_to_admins_and_permanent_ones_fail_at_once(fresh_stack, smtp):
    server = smtp().start()
    stack = fresh_stack(connections=60, extra_args=smtp_args(server, "--email-attempts", "3")).start()
    connection, _, _ = make_connection(stack)
    server.control(rcpt_reply="451 4.3.0 Mailbox busy, try later")
    stack.post(f"/connections/{connection}/invite/email", data={"step": "send", "addresses": "busy@example.org"})
    wait_until(lambda: outbox(stack, "recipient = 'busy@example.org'")[0][3] == "failed", timeout=30)
    assert outbox(stack, "recipient = 'busy@example.org'")[0][4] == 3
    server.control(rcpt_reply="550 5.1.1 No such user here")
    stack.post(f"/connections/{connection}/invite/email", data={"step": "send", "addresses": "nobody@example.org"})
    wait_until(lambda: outbox(stack, "recipient = 'nobody@example.org'")[0][3] == "failed")
    assert outbox(stack, "recipient = 'nobody@example.org'")[0][4] == 1, "a permanent refusal is not tried again"
    assert "2 emails could not be sent." in stack.get("/users").text
    page = stack.get("/email").text
    assert "451 4.3.0 Mailbox busy" in page and "550 5.1.1 No such user" in page
    server.control()
    assert stack.post("/email/retry", data={}).status_code == 303
    server.wait_for(2)


def test_the_app_killed_while_sending_loses_nothing_and_resends_at_most_once(fresh_stack, smtp):
    server = smtp().start()
    server.control(delay=1.5)
    stack = fresh_stack(connections=60, extra_args=smtp_args(server, "--smtp-timeout", "4")).start()
    connection, _, _ = make_connection(stack)
    addresses = [f"crash{n}@example.org" for n in range(6)]
    stack.post(f"/connections/{connection}/invite/email", data={"step": "send", "addresses": " ".join(addresses)})
    wait_until(lambda: len(server.messages()) >= 2 and any(row[3] == "sending" for row in outbox(stack, "kind = 'invite'")))
    time.sleep(0.7)  # mid-DATA: the server is holding the next message
    stack.app.kill()
    stack.app.wait()
    stack.start_app(0)
    server.control()
    wait_until(lambda: all(row[3] == "sent" for row in outbox(stack, "kind = 'invite'")), timeout=60)
    time.sleep(1)
    ids = [message["Message-ID"] for message in server.messages()]
    assert len(set(ids)) == 6, "nothing lost"
    assert len(ids) - len(set(ids)) <= 1 and all(ids.count(i) <= 2 for i in ids), f"at most one resend, with the same Message-ID: {ids}"


def test_two_processes_send_every_email_once(fresh_stack, smtp):
    server = smtp().start()
    stack = fresh_stack(connections=60, processes=2, extra_args=smtp_args(server)).start()
    connection, _, _ = make_connection(stack)
    addresses = [f"pair{n}@example.org" for n in range(40)]
    assert stack.post(f"/connections/{connection}/invite/email", data={"step": "send", "addresses": " ".join(addresses)}).status_code == 303
    server.wait_for(40, timeout=60)
    time.sleep(1.5)
    ids = [message["Message-ID"] for message in server.messages()]
    assert len(ids) == len(set(ids)) == 40
    assert stack.app_log.read_text().count("this process sends the outbox") == 1
    # SIGTERM still stops a process at once: the sender's thread leaves the signal to the server.
    for process in stack.apps:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


def test_without_smtp_nothing_breaks_and_admins_see_what_waits(stack):
    _, token, _ = make_connection(stack)
    response, _ = join(stack, token, email="no-smtp@example.org")
    assert response.status_code == 303 and response.headers["Location"].startswith("/status/")
    connection, _, _ = make_connection(stack)
    assert stack.post(f"/connections/{connection}/invite/email", data={"step": "send", "addresses": "queued@example.org"}).status_code == 303
    with stack.db() as db:
        waiting = db.execute("SELECT count(*) FROM outbox WHERE state = 'queued'").fetchone()[0]
    assert waiting >= 2
    page = stack.get("/users").text
    assert "Email is not set up." in page and re.search(r"[\d,]+ emails are waiting", page)
    assert stack.get("/email").status_code == 200


def test_an_invited_person_gets_the_link_and_creates_their_account_or_answers_at_sign_in(fresh_stack, smtp):
    server = smtp().start()
    stack = fresh_stack(connections=120, extra_args=smtp_args(server)).start()
    with stack.db() as db:
        first, second = [row[0] for row in db.execute("SELECT id FROM organizations ORDER BY id LIMIT 2").fetchall()]
    # An unknown address: the email's link creates the account, with a password the person chooses.
    answer = stack.post("/users", data={"org": first, "action": "add", "email": "casey@example.org", "role": "Connections officer"})
    assert answer.status_code == 200 and "An invitation was sent to casey@example.org." in answer.text
    message = server.wait_for(1, where=to("casey@example.org"))[0]
    text, html = parts(message)
    assert "Connections officer" in text and link(html, "/invitation/") == link(text, "/invitation/")
    invitation = link(text, "/invitation/")
    with stack.db() as db:
        stored = " ".join(str(value) for row in db.execute("SELECT * FROM user_invitations").fetchall() for value in row)
        assert invitation.rsplit("/", 1)[1] not in stored, "only the link's hash is stored"
    opened = requests.get(stack.base + invitation, timeout=30)
    assert opened.status_code == 200 and 'name="password"' in opened.text
    accepted = requests.post(stack.base + invitation, data={"action": "accept", "name": "Casey", "password": "a long casey password"}, timeout=30)
    assert accepted.status_code == 200 and "You joined" in accepted.text
    casey = stack.sign_in("casey@example.org", "a long casey password")
    assert stack.get(f"/connections?org={first}", as_user=casey).status_code == 200
    # A known address: the same answer to the Admin; the person answers at their next sign-in.
    known = stack.post("/users", data={"org": second, "action": "add", "email": "casey@example.org", "role": "Viewer"})
    assert known.status_code == 200 and "An invitation was sent to casey@example.org." in known.text
    server.wait_for(2, where=to("casey@example.org"))
    signing_in = requests.Session()
    form = signing_in.get(stack.base + "/login", timeout=30)
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    signed_in = signing_in.post(stack.base + "/login", data={"csrf": csrf, "email": "casey@example.org", "password": "a long casey password",
                                                             "next": "/connections"}, allow_redirects=False, timeout=30)
    assert signed_in.headers["Location"] == "/invitations?next=%2Fconnections"
    page = signing_in.get(stack.base + "/invitations", timeout=30).text
    invitation_id = re.search(r'name="invitation" value="(\d+)"', page).group(1)
    session_csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    declined = signing_in.post(stack.base + "/invitations", data={"csrf": session_csrf, "invitation": invitation_id, "action": "decline"},
                               timeout=30)
    assert declined.status_code == 200 and "You declined" in declined.text
    assert signing_in.get(stack.base + f"/connections?org={second}", timeout=30, allow_redirects=False).status_code == 404
