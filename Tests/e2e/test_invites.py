"""Invite drivers end to end through nginx: QR codes, links and codes, the driver's pages,
the approval rules and the host's decisions."""
import html
import concurrent.futures
import itertools
import re
import struct
import subprocess

import requests

from harness import OFFICER, VIEWER

counter = itertools.count(1)


def make_connection(stack, approval="Manually approve", status="Enabled", visibility="Private", questions=(), domains=(),
                    org=None):
    """A connection of the first organization (or `org`) with the given rules; returns (id, token, code)."""
    number = next(counter)
    # The number's six base-31 digits: unique however many connections the tests make.
    code = "QQ" + "".join("ABCDEFGHJKMNPQRSTUVWXYZ23456789"[number // 31 ** i % 31] for i in range(6))
    token = f"invite-test-token-{number:08d}-xyzxyz"
    with stack.db() as db:
        org = org or db.execute("SELECT min(id) FROM organizations").fetchone()[0]
        connection = db.execute("""INSERT INTO connections (org_id, name, status, connection_type, approval_type, visibility, search_code,
                                   invite_token, benefits_list, questions_list, created_at, updated_at)
                                   VALUES (?, ?, ?, 'Standard', ?, ?, ?, ?, 'Free charging', ?, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')
                                   RETURNING id""",
                                (org, f"Invite test {number}", status, approval, visibility, code, token, "\n".join(questions))).fetchone()[0]
        db.execute("INSERT INTO connection_benefits (connection_id, position, kind) VALUES (?, 0, 'Free charging')", (connection,))
        for position, prompt in enumerate(questions):
            db.execute("INSERT INTO connection_questions (connection_id, position, prompt) VALUES (?, ?, ?)", (connection, position, prompt))
        for domain in domains:
            db.execute("INSERT INTO connection_email_domains VALUES (?, ?)", (connection, domain))
    return connection, token, code


def join(stack, token, name="Dana Driver", email=None, answers=None, terms=True, driver=None, **extra):
    """A driver's browser: opens the join page, fills it in, sends it. Returns (response, page)."""
    driver = driver or requests.Session()
    page = driver.get(stack.base + "/join/" + token, timeout=30)
    assert page.status_code == 200, page.text[:300]
    data = {"csrf": re.search(r'name="csrf" value="([^"]+)"', page.text).group(1), "name": name,
            "email": email or f"driver{next(counter)}@example.org", **extra}
    for index in range(len(re.findall(r'name="answer-\d+"', page.text))):
        data[f"answer-{index}"] = (answers or [])[index] if answers and index < len(answers) else f"A{index}"
    if terms:
        data["terms"] = "yes"
    return driver.post(stack.base + "/join/" + token, data=data, allow_redirects=False, timeout=30), page


def membership_of(stack, connection):
    """The one membership of a connection that one driver asked to join."""
    with stack.db() as db:
        return db.execute("SELECT id FROM memberships WHERE connection_id = ?", (connection,)).fetchone()[0]


def state_of(stack, location, driver=None):
    page = (driver or requests).get(stack.base + location, timeout=30)
    return re.search(r'class="status-state[^"]*" role="status">([^<]*)<', page.text).group(1), page.text


def test_the_qr_code_encodes_exactly_the_invite_link(stack, tmp_path):
    connection, token, _ = make_connection(stack)
    page = stack.get(f"/connections/{connection}/invite").text
    url = re.search(r'id="invite-url" class="copy-field" type="text" readonly value="([^"]+)"', page).group(1)
    assert url == "https://connect.example.test/join/" + token and len(token) >= 22
    png_path = re.search(r'href="([^"]+/qr\.png\?v=[^"]+)"', page).group(1).replace("&amp;", "&")
    response = stack.get(png_path)
    assert response.headers["Content-Type"] == "image/png"
    width, height = struct.unpack(">II", response.content[16:24])
    assert width == height >= 1000
    (tmp_path / "qr.png").write_bytes(response.content)
    decoded = subprocess.run(["zbarimg", "--quiet", "--raw", str(tmp_path / "qr.png")], capture_output=True, text=True)
    assert decoded.stdout.strip() == url
    svg = stack.get(re.search(r'src="([^"]+/qr\.svg\?v=[^"]+)"', page).group(1).replace("&amp;", "&"))
    assert svg.headers["Content-Type"] == "image/svg+xml" and svg.text.startswith("<svg")


def test_qr_images_are_cached_and_a_repeat_costs_a_304(stack):
    connection, _, _ = make_connection(stack)
    first = stack.get(f"/connections/{connection}/qr.svg")
    assert "immutable" in first.headers["Cache-Control"] and first.headers["ETag"]
    again = stack.get(f"/connections/{connection}/qr.svg", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and not again.content
    png = stack.get(f"/connections/{connection}/qr.png")
    assert stack.get(f"/connections/{connection}/qr.png", headers={"If-None-Match": png.headers["ETag"]}).status_code == 304


def test_a_disabled_connections_panel_says_drivers_cannot_join(stack):
    connection, token, _ = make_connection(stack, status="Disabled")
    assert "drivers cannot join until it is enabled" in stack.get(f"/connections/{connection}/invite").text
    driver = requests.Session()
    page = driver.get(stack.base + "/join/" + token, timeout=30)
    assert page.status_code == 410 and "is not taking new drivers" in page.text and "<form" not in page.text
    # A form opened before the connection was disabled is refused when sent.
    _, enabled_token, _ = make_connection(stack)
    csrf = re.search(r'name="csrf" value="([^"]+)"', driver.get(stack.base + "/join/" + enabled_token, timeout=30).text).group(1)
    response = driver.post(stack.base + "/join/" + token, data={"csrf": csrf, "name": "Late", "email": "late@example.org", "terms": "yes"},
                           allow_redirects=False, timeout=30)
    assert response.status_code == 410 and "is not taking new drivers" in response.text


def test_the_join_page_shows_the_connection_and_asks_everything(stack):
    _, token, _ = make_connection(stack, questions=["Employee ID", "Vehicle licence plate"])
    page = requests.get(stack.base + "/join/" + token, timeout=30).text
    with stack.db() as db:
        for_drivers = db.execute("SELECT name_for_drivers FROM organizations ORDER BY id LIMIT 1").fetchone()[0]
    assert f'<p class="eyebrow">{for_drivers}</p>' in page.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"') or for_drivers in page
    assert "Free charging" in page
    for label in ("Your name", "Email", "Employee ID", "Vehicle licence plate", "I agree to the charging terms"):
        assert label in page
    # Every answer is required, and the terms.
    response, _ = join(stack, token, answers=["E-1", " "], terms=False)
    assert response.status_code == 400
    assert "Answer this question." in response.text and "Agree to the terms to request access." in response.text
    assert 'value="E-1"' in response.text  # what was typed stays


def test_approval_rules(stack):
    _, everyone, _ = make_connection(stack, approval="Automatically approve all")
    by_domain_id, by_domain, _ = make_connection(stack, approval="Automatically approve by email domain", domains=["fleet.example"])
    _, manual, _ = make_connection(stack, approval="Manually approve")
    # An allow-listed domain proves nothing until its owner shows they read the address: held for the host.
    cases = [(everyone, "ann@anywhere.example", "Connected"), (by_domain, "bo@fleet.example", "Pending"),
             (by_domain, "cy@FLEET.example", "Pending"), (by_domain, "di@other.example", "Pending"),
             (manual, "ed@fleet.example", "Pending")]
    for token, email, expected in cases:
        response, _ = join(stack, token, email=email)
        assert response.status_code == 303, response.text[:300]
        assert state_of(stack, response.headers["Location"])[0] == expected, (email, expected)
    # The host sees which requests match the allow-list, and decides.
    rows = stack.get(f"/connections/{by_domain_id}/requests").text.replace("<wbr>", "").split("<tr>")  # addresses may break at @ and .
    marked = {email: "email domain matches" in row for row in rows for email in ("bo@fleet.example", "cy@FLEET.example", "di@other.example")
              if email in row}
    assert marked == {"bo@fleet.example": True, "cy@FLEET.example": True, "di@other.example": False}, marked


def test_a_repeat_request_reveals_nothing_and_a_denied_driver_asks_again_from_the_status_page(stack):
    connection, token, _ = make_connection(stack, questions=["Employee ID"])
    victim = requests.Session()
    first, _ = join(stack, token, name="Vera Victim", email="same@example.org", answers=["V-1"], driver=victim)
    membership = membership_of(stack, connection)
    decided = stack.post("/requests/decide", data={"m": membership, "action": "deny", "reason": "We could not match your ID.",
                                                  "back": f"/connections/{connection}/requests"})
    assert decided.status_code == 303
    state, page = state_of(stack, first.headers["Location"])
    assert state == "Denied" and "We could not match your ID." in page

    def row():
        memberships = stack.query("SELECT id, state, denial_reason, requested_at, driver_name FROM memberships "
                                  "WHERE connection_id = ? ORDER BY id", (connection,))
        return [(*membership[1:], sorted(answer for (answer,) in stack.query("SELECT answer FROM membership_answers WHERE membership_id = ?",
                                                                                 (membership[0],))))
                for membership in memberships]

    before = row()
    # Someone else types her email: no redirect to her status page, nothing of her request, nothing changed.
    again, _ = join(stack, token, email="SAME@example.org", name="Mallory", answers=["M-1"])
    assert again.status_code == 200 and "Location" not in again.headers
    for secret in (first.headers["Location"].split("/")[-1], "Vera Victim", "Denied", "We could not match", "V-1"):
        assert secret not in again.text, secret
    assert "has already asked to join" in again.text
    assert row() == before

    # She asks again from her own status page, whose link proves it is her.
    status = victim.get(stack.base + first.headers["Location"], timeout=30)
    assert "Ask again" in status.text and 'value="V-1"' in status.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', status.text).group(1)
    form = {"csrf": csrf, "name": "Vera Victim", "answer-0": "V-2", "terms": "yes"}
    # Another browser (no cookie for this form) cannot.
    assert requests.post(stack.base + first.headers["Location"] + "/again", data=form, allow_redirects=False, timeout=30).status_code == 403
    asked = victim.post(stack.base + first.headers["Location"] + "/again", data=form, allow_redirects=False, timeout=30)
    assert asked.status_code == 303 and asked.headers["Location"] == first.headers["Location"]
    assert state_of(stack, first.headers["Location"])[0] == "Pending"
    with stack.db() as db:
        assert db.execute("SELECT count(*) FROM memberships WHERE connection_id = ?", (connection,)).fetchone()[0] == 1
    assert "V-2" in stack.get(f"/connections/{connection}/requests").text
    # The same form twice is spent.
    assert victim.post(stack.base + first.headers["Location"] + "/again", data=form, allow_redirects=False, timeout=30).status_code == 403


def test_a_name_belongs_to_its_request(stack):
    with stack.db() as db:
        first_org, second_org = [row[0] for row in db.execute("SELECT id FROM organizations ORDER BY id LIMIT 2")]
    first, first_token, _ = make_connection(stack, org=first_org)
    second, second_token, _ = make_connection(stack, org=second_org)
    join(stack, first_token, name="Alex Original", email="alex.shared@example.org")
    join(stack, second_token, name="Someone Else", email="alex.shared@example.org")
    first_page, second_page = (stack.get(f"/connections/{c}/requests").text for c in (first, second))
    assert "Alex Original" in first_page and "Someone Else" not in first_page
    assert "Someone Else" in second_page and "Alex Original" not in second_page


def test_hosts_decide_and_connected_drivers_follows(stack):
    connection, token, _ = make_connection(stack, questions=["Employee ID"])
    locations = [join(stack, token, answers=[f"E-{n}"])[0].headers["Location"] for n in range(3)]
    page = stack.get(f"/connections/{connection}/requests").text
    assert page.count('name="m" value=') == 3 and "Employee ID:" in page and "E-1" in page
    assert "3 waiting" in page
    assert "E-1" in stack.get("/requests?sort=newest").text  # across all connections too (the newest first)
    ids = [int(value) for value in re.findall(r'name="m" value="(\d+)"', page)]

    def connected():
        with stack.db() as db:
            return db.execute("SELECT connected_drivers, pending_requests FROM connections WHERE id = ?", (connection,)).fetchone()

    assert connected() == (0, 3)
    # Bulk approval of two; a Viewer may look but not decide; an officer of another organization gets 404.
    viewer = stack.sign_in(VIEWER)
    seen = stack.get("/requests", as_user=viewer)
    assert seen.status_code == 200 and "Pending requests" in seen.text and 'name="m"' not in seen.text  # Viewers see, without controls
    assert stack.post("/requests/decide", as_user=viewer, data={"m": ids[:2], "action": "approve", "back": "/requests"}).status_code in (403, 404)
    response = stack.post("/requests/decide", data={"m": ids[:2], "action": "approve", "back": f"/connections/{connection}/requests"})
    assert response.status_code == 303 and "?done=approved&n=2&ns=" in response.headers["Location"]
    assert "2 drivers approved" in stack.get(response.headers["Location"]).text
    assert connected() == (2, 1)
    assert [state_of(stack, location)[0] for location in locations] == ["Connected", "Connected", "Pending"]
    # Deny needs a reason; Remove ends a connected driver's membership.
    assert stack.post("/requests/decide", data={"m": ids[2], "action": "deny", "reason": " ", "back": "/requests"}).status_code == 400
    stack.post("/requests/decide", data={"m": ids[0], "action": "remove", "back": "/requests"})
    assert connected() == (1, 1)
    assert state_of(stack, locations[0])[0] == "Removed"
    # Deciding twice is a conflict, not a silent change.
    assert stack.post("/requests/decide", data={"m": ids[1], "action": "approve", "back": "/requests"}).status_code == 409
    audit = stack.get("/audit").text
    assert "Approved driver" in audit and "Removed driver" in audit


def test_officers_decide_in_their_organization(stack):
    officer = stack.sign_in(OFFICER)
    org = stack.organization_of(OFFICER)
    connection, token, _ = make_connection(stack, org=org)
    join(stack, token)
    membership = membership_of(stack, connection)
    assert stack.post("/requests/decide", as_user=officer, data={"m": membership, "action": "approve", "back": "/requests"}).status_code == 303
    with stack.db() as db:
        elsewhere = db.execute("SELECT min(id) FROM organizations WHERE id <> ?", (org,)).fetchone()[0]
    other, other_token, _ = make_connection(stack, org=elsewhere)
    join(stack, other_token)
    foreign = membership_of(stack, other)
    # Another organization's request does not exist for this officer; nothing changes.
    assert stack.post("/requests/decide", as_user=officer, data={"m": foreign, "action": "approve", "back": "/requests"}).status_code == 404
    with stack.db() as db:
        assert db.execute("SELECT state FROM memberships WHERE id = ?", (foreign,)).fetchone()[0] == "Pending"


def test_search_codes_find_connections_in_any_case_with_spaces(stack):
    _, token, code = make_connection(stack)
    spaced = " ".join([code[:4].lower(), code[4:]])
    response = requests.get(stack.base + "/find", params={"code": spaced}, allow_redirects=False, timeout=30)
    assert response.status_code == 303 and response.headers["Location"] == "/join/" + token
    assert set(code) <= set("ABCDEFGHJKMNPQRSTUVWXYZ23456789")
    missing = requests.get(stack.base + "/find", params={"code": "NOPE NOPE"}, timeout=30)
    assert missing.status_code == 404 and "No connection has this search code" in missing.text


def test_public_connections_are_found_by_organization_name(fresh_stack):
    # A stack of its own: the organization made here has no admin, and later modules count every connection the admin sees.
    stack = fresh_stack(connections=5)
    stack.start()
    with stack.db() as db:
        org = db.execute("INSERT INTO organizations (name, name_for_drivers, created_at) VALUES ('Found By Name', 'Findable Fleet Yard', 'x') "
                         "RETURNING id").fetchone()[0]
    _, token, _ = make_connection(stack, visibility="Public", org=org)
    _, private_token, _ = make_connection(stack, visibility="Private", org=org)
    page = requests.get(stack.base + "/find", params={"org": "findable fleet"}, timeout=30).text
    assert "/join/" + token in page and "/join/" + private_token not in page
    assert "Type at least two letters" in requests.get(stack.base + "/find", params={"org": "a"}, timeout=30).text


def test_rotation_stops_the_old_link_and_code_at_once_and_is_audited(stack):
    connection, token, code = make_connection(stack)
    rotated = stack.post(f"/connections/{connection}/rotate", data={"what": "link", "confirm": "1"})
    assert rotated.status_code == 303
    assert requests.get(stack.base + "/join/" + token, timeout=30).status_code == 410
    page = stack.get(rotated.headers["Location"]).text
    assert "the old link and QR code no longer work" in page
    new_token = re.search(r'readonly value="https://connect\.example\.test/join/([^"]+)"', page).group(1)
    assert new_token != token and requests.get(stack.base + "/join/" + new_token, timeout=30).status_code == 200
    stack.post(f"/connections/{connection}/rotate", data={"what": "code", "confirm": "1"})
    assert requests.get(stack.base + "/find", params={"code": code}, allow_redirects=False, timeout=30).status_code == 404
    assert stack.post(f"/connections/{connection}/rotate", as_user=stack.sign_in(OFFICER), data={"what": "code", "confirm": "1"}).status_code in (403, 404)
    audit = stack.get("/audit").text
    assert "Rotated invite link" in audit and "Rotated search code" in audit


def test_search_code_guessing_is_rate_limited_per_address(fresh_stack):
    stack = fresh_stack(connections=5)
    stack.start()
    with stack.db() as db:
        code = db.execute("SELECT search_code FROM connections ORDER BY id LIMIT 1").fetchone()[0]
    statuses = [requests.get(stack.base + "/find", params={"code": f"ZZZZZZ{n:02d}"}, timeout=30).status_code for n in range(102)]
    assert statuses[:100] == [404] * 100 and statuses[-1] == 429
    limited = requests.get(stack.base + "/find", params={"code": "ZZZZZZZZ"}, timeout=30)
    assert "Too many wrong search codes were tried from your network" in limited.text and int(limited.headers["Retry-After"]) > 0
    # Refused for every code: answering a right one would tell a guesser which of its guesses is right.
    assert requests.get(stack.base + "/find", params={"code": code}, allow_redirects=False, timeout=30).status_code == 429


def test_bad_input_gets_clear_messages_and_writes_nothing(stack):
    connection, token, _ = make_connection(stack, questions=["Employee ID"])

    def memberships():
        with stack.db() as db:
            return db.execute("SELECT count(*) FROM memberships WHERE connection_id = ?", (connection,)).fetchone()[0]

    assert requests.get(stack.base + "/join/not-a-real-token-at-all-xx", timeout=30).status_code == 410
    assert requests.get(stack.base + "/status/not-a-real-token-at-all-xx", timeout=30).status_code == 410
    response, _ = join(stack, token, email="not an email")
    assert response.status_code == 400 and "Enter an email address like name@example.com." in response.text
    response, _ = join(stack, token, answers=["x" * 600])
    assert response.status_code == 400 and "Keep the answer under 500 characters." in response.text
    huge, _ = join(stack, token, answers=["x" * (10 * 1024 * 1024)])
    assert huge.status_code == 413
    # A form without its cookie (replayed from elsewhere) is refused and shown again.
    page = requests.get(stack.base + "/join/" + token, timeout=30)
    forged = requests.post(stack.base + "/join/" + token, data={"csrf": re.search(r'name="csrf" value="([^"]+)"', page.text).group(1),
                                                                "name": "X", "email": "x@example.org", "answer-0": "1", "terms": "yes"},
                           allow_redirects=False, timeout=30)
    assert forged.status_code == 403 and "This form had expired" in forged.text
    assert memberships() == 0
    # A form is good for one request: the same form and cookie sent again are refused, and a new form
    # for the same email changes nothing.
    driver = requests.Session()
    first, page = join(stack, token, email="twice@example.org", driver=driver)
    assert first.status_code == 303
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    replay = requests.post(stack.base + "/join/" + token, data={"csrf": csrf, "name": "X", "email": "twice@example.org", "answer-0": "1",
                                                                "terms": "yes"}, cookies={"join_csrf": csrf}, allow_redirects=False, timeout=30)
    assert replay.status_code == 403 and "This form had expired" in replay.text
    second, _ = join(stack, token, email="twice@example.org", driver=driver)
    assert second.status_code == 200 and "has already asked to join" in second.text and memberships() == 1
    # Lengths as the database counts them (an accented letter of two code points counts two), control
    # characters refused: each a 400 with the field's message, never a 500.
    for name, answer, message in (("e\u0301" * 101, "A", "Enter your name (up to 200 characters)."),
                                  ("\U0001F44D\U0001F3FD" * 200, "A", "Enter your name (up to 200 characters)."),
                                  ("Ada\x00", "A", "Your name cannot contain line breaks"),
                                  ("Ada\nLovelace", "A", "Your name cannot contain line breaks"),
                                  ("Ada", "e\u0301" * 251, "Keep the answer under 500 characters."),
                                  ("Ada", "\x00", "An answer cannot contain line breaks")):
        response, _ = join(stack, token, name=name, answers=[answer])
        assert response.status_code == 400 and message in response.text, (name[:10], answer[:10], response.status_code)
    assert memberships() == 1
    assert f"500 POST /join/{token}" not in stack.app_log.read_text()


def test_pending_requests_is_a_column_of_the_table(stack):
    page = stack.get("/connections?cols=name,pending_requests&sort=pending_requests&order=desc").text
    assert "Pending Requests" in page


def test_a_long_queue_says_how_many_wait_and_pages_to_every_one(stack):
    connection, _, _ = make_connection(stack)
    with stack.db() as db:
        for n in range(205):
            driver = db.execute("INSERT INTO drivers (name, email, created_at) VALUES ('Q', ?, 'x') RETURNING id", (f"queue{n}@example.org",)).fetchone()[0]
            db.execute("INSERT INTO memberships (connection_id, driver_id, driver_name, state, requested_at) VALUES (?, ?, 'Q', 'Pending', ?)",
                       (connection, driver, f"2026-01-01T00:{n // 60:02d}:{n % 60:02d}Z"))
    page = stack.get(f"/connections/{connection}/requests").text.replace("<wbr>", "")  # addresses may break at @ and .
    assert "205 waiting" in page and "205 requests match; this page shows 50, oldest first." in page
    assert page.count('name="m" value=') == 50 and "queue0@example.org" in page and "queue204@example.org" not in page
    pages = 1
    while 'rel="next"' in page:
        page = stack.get(html.unescape(re.search(r'href="([^"]+)" rel="next"', page).group(1))).text.replace("<wbr>", "")
        pages += 1
    assert pages == 5 and page.count('name="m" value=') == 5 and "queue204@example.org" in page


def test_join_requests_are_limited_per_address_with_a_429_and_retry_after(fresh_stack):
    stack = fresh_stack(connections=5)
    stack.start()
    _, token, _ = make_connection(stack)
    # A script reusing one form: the first request goes, the replays are refused.
    driver = requests.Session()
    page = driver.get(stack.base + "/join/" + token, timeout=30)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    replays = [driver.post(stack.base + "/join/" + token, data={"csrf": csrf, "name": "Bot", "email": f"bot{n}@example.org", "terms": "yes"},
                           cookies={"join_csrf": csrf}, allow_redirects=False, timeout=30).status_code for n in range(5)]
    assert replays == [303] + [403] * 4
    # Fresh forms each, sent at once from one address: exactly 60 requests in ten minutes go (the
    # count is taken in the transaction that writes, so concurrent requests cannot race past it).
    forms = []
    for n in range(69):
        browser = requests.Session()
        page = browser.get(stack.base + "/join/" + token, timeout=30)
        forms.append((browser, {"csrf": re.search(r'name="csrf" value="([^"]+)"', page.text).group(1), "name": f"Crowd {n}",
                                "email": f"crowd{n}@example.org", "terms": "yes"}))
    with concurrent.futures.ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(lambda form: form[0].post(stack.base + "/join/" + token, data=form[1], allow_redirects=False,
                                                           timeout=30).status_code, forms))
    assert sorted(statuses) == [303] * 59 + [429] * 10, statuses
    with stack.db() as db:
        assert db.execute("SELECT count(*) FROM drivers WHERE email LIKE 'crowd%@example.org' OR email LIKE 'bot%@example.org'").fetchone()[0] == 60
    limited, _ = join(stack, token, name="One Too Many", email="too.many@example.org")
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 600
    assert "Too many requests to join were sent from your network" in limited.text and 'value="One Too Many"' in limited.text
    with stack.db() as db:
        assert db.execute("SELECT count(*) FROM drivers WHERE email = 'too.many@example.org'").fetchone()[0] == 0
