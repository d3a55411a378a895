"""Accounts, organizations and access control, through nginx."""
import re
import subprocess
import urllib.parse

import pytest
import requests

from harness import ADMIN, BINARY, OFFICER, PASSWORD, VIEWER, Stack, count_rate_events, secret_hash, utc_timestamp
from test_email import link, smtp, smtp_args, to  # noqa: F401 (smtp is a fixture)


def login_form(stack, browser=None):
    browser = browser or requests.Session()
    page = browser.get(stack.base + "/login", timeout=10)
    return browser, re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


def attempt(stack, email, password, browser=None):
    browser, token = login_form(stack, browser)
    return browser.post(stack.base + "/login", data={"csrf": token, "email": email, "password": password, "next": "/connections"},
                        allow_redirects=False, timeout=30)


@pytest.fixture(scope="module")
def orgs(stack):
    """The organizations of the demo users, and one that none of them belongs to."""
    with stack.db() as db:
        first, second = [row[0] for row in db.execute("SELECT id FROM organizations ORDER BY id LIMIT 2")]
        db.execute("INSERT INTO organizations (id, name, name_for_drivers, created_at) VALUES (999001, 'Elsewhere Inc', 'Elsewhere', 'x') "
                   "ON CONFLICT DO NOTHING")
        db.execute("""INSERT INTO connections (org_id, name, status, connection_type, approval_type, visibility, search_code,
                      invite_token, created_at, updated_at) VALUES (999001, 'Secret', 'Enabled', 'Standard', 'Manually approve',
                      'Private', 'SEKRET22', 'elsewhere-token-aaaaaaaaaa', 'x', 'x') ON CONFLICT DO NOTHING""")
        connection = {org: db.execute("SELECT min(id) FROM connections WHERE org_id = ?", (org,)).fetchone()[0]
                      for org in (first, second, 999001)}
    assert connection[999001] is not None, "the other organization's connection exists, so refusing it means something"
    yield {"first": first, "second": second, "other": 999001, "connection": connection}
    # The shared stack's other modules count every connection: this one is only for this module.
    with stack.db() as db:
        db.execute("DELETE FROM connections WHERE org_id = 999001")


def test_pages_need_a_session(stack):
    response = requests.get(stack.base + "/connections?sort=name", allow_redirects=False, timeout=10)
    assert response.status_code == 303
    assert response.headers["Location"] == "/login?next=" + urllib.parse.quote("/connections?sort=name", safe="")
    response = requests.post(stack.base + "/users", data={"action": "add"}, allow_redirects=False, timeout=10)
    assert response.status_code == 401
    assert "Sign in again" in response.text
    forged = requests.get(stack.base + "/connections", cookies={"session": "x" * 43}, allow_redirects=False, timeout=10)
    assert forged.status_code == 303


def test_sign_in_sets_a_fresh_http_only_session_cookie(stack):
    browser, token = login_form(stack)
    browser.cookies.set("session", "planted-by-an-attacker-" + "a" * 30)
    response = browser.post(stack.base + "/login", data={"csrf": token, "email": "Admin@Demo.Test", "password": PASSWORD,
                                                         "next": "/connections?size=25"}, allow_redirects=False, timeout=30)
    assert response.status_code == 303
    assert response.headers["Location"] == "/connections?size=25"
    cookie = next(c for c in response.raw.headers.getlist("Set-Cookie") if c.startswith("session="))
    value = cookie.split(";")[0].split("=", 1)[1]
    assert len(value) >= 43 and "planted" not in value
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http here; nginx passes HTTPS=on in production
    with stack.db() as db:
        assert db.execute("SELECT count(*) FROM sessions WHERE token_hash = ?", (secret_hash(value),)).fetchone()[0] == 1


def test_unknown_email_and_wrong_password_look_the_same(stack):
    unknown = attempt(stack, "nobody@nowhere.test", "connections-demo")
    wrong = attempt(stack, VIEWER, "not-the-password")
    assert unknown.status_code == wrong.status_code == 401
    strip = lambda text: re.sub(r'value="[^"]*"', "", text)
    assert strip(unknown.text).replace("nobody@nowhere.test", "") == strip(wrong.text).replace(VIEWER, "")
    assert "The email or password is not right." in wrong.text
    assert "session=" not in wrong.headers.get("Set-Cookie", "")


def test_sign_in_needs_its_form_token(stack):
    response = requests.post(stack.base + "/login", data={"email": ADMIN, "password": PASSWORD}, allow_redirects=False, timeout=10)
    assert response.status_code == 403
    assert "expired" in response.text


def test_next_cannot_leave_the_site(stack):
    browser, token = login_form(stack)
    response = browser.post(stack.base + "/login", data={"csrf": token, "email": ADMIN, "password": PASSWORD,
                                                         "next": "//evil.example/x"}, allow_redirects=False, timeout=30)
    assert response.headers["Location"] == "/connections"


def test_sign_out_ends_the_session_on_the_server(stack):
    browser = stack.sign_in(OFFICER)
    assert stack.get("/connections", as_user=browser).status_code == 200
    assert stack.get("/logout", as_user=browser).status_code == 405
    token = browser.cookies["session"]
    response = stack.post("/logout", as_user=browser, data={})
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert "session=;" in response.headers["Set-Cookie"]
    stale = requests.get(stack.base + "/connections", cookies={"session": token}, allow_redirects=False, timeout=10)
    assert stale.status_code == 303


def test_state_changes_need_the_csrf_token(stack, orgs):
    for data in ({"org": orgs["first"], "action": "add", "email": "x@y.test", "role": "Viewer"},
                 {"csrf": "wrong", "org": orgs["first"], "action": "add", "email": "x@y.test", "role": "Viewer"}):
        response = stack.post("/users", data=data, csrf=False)
        assert response.status_code == 403
        assert "did not come from this site" in response.text
    assert stack.post("/logout", data={}, csrf=False).status_code == 403


# Every role x every action x own organization / another organization.
ACTIONS = {
    "view table": lambda s, b, org, c: s.get(f"/connections?org={org}", as_user=b),
    "invite drivers": lambda s, b, org, c: s.get(f"/connections/{c}/invite", as_user=b),
    "see users": lambda s, b, org, c: s.get(f"/users?org={org}", as_user=b),
    "add user": lambda s, b, org, c: s.post("/users", as_user=b, data={"org": org, "action": "add", "email": ADMIN, "role": "Viewer"}),
    "change role": lambda s, b, org, c: s.post("/users", as_user=b, data={"org": org, "action": "role", "user": "999999", "role": "Viewer"}),
    "remove user": lambda s, b, org, c: s.post("/users", as_user=b, data={"org": org, "action": "remove", "user": "999999"}),
    "see audit log": lambda s, b, org, c: s.get(f"/audit?org={org}", as_user=b),
}
# Actions whose route asks for the permission in some organization (users, audit) rather than in the path's.
ORGANIZATION_RULED = {"see users", "add user", "change role", "remove user", "see audit log"}
ALLOWED = {
    "Admin": set(ACTIONS),
    "Connections officer": {"view table", "invite drivers"},
    "Viewer": {"view table"},
}


@pytest.mark.parametrize("role,email,own", [("Admin", ADMIN, "first"), ("Connections officer", OFFICER, "first"), ("Viewer", VIEWER, "second")])
def test_the_whole_matrix_of_roles_actions_and_organizations(stack, orgs, role, email, own):
    browser = stack.sign_in(email)
    others = ["other"] + (["second" if own == "first" else "first"] if role != "Admin" else [])
    for action, call in ACTIONS.items():
        org = orgs[own]
        response = call(stack, browser, org, orgs["connection"][org])
        if action in ALLOWED[role]:
            # Allowed: the page, or for a user change the form's own answer (409 duplicate, 404 unknown user).
            assert response.status_code in (200, 404, 409), (role, action, response.status_code)
            if action in ("view table", "invite drivers", "see users", "see audit log"):
                assert response.status_code == 200, (role, action)
        else:
            assert response.status_code == 403, (role, action, response.status_code)
            assert "does not allow" in response.text or "Only Admins" in response.text
        for other in others:
            org = orgs[other]
            response = call(stack, browser, org, orgs["connection"][org])
            # A role without the right in any organization is refused before any organization is looked at (403,
            # whatever the id); otherwise another organization's things read as missing.
            refused_everywhere = action not in ALLOWED[role] and action in ORGANIZATION_RULED
            assert response.status_code == (403 if refused_everywhere else 404), (role, action, other, response.status_code)


def test_the_table_shows_only_my_organizations(stack, orgs):
    viewer = stack.sign_in(VIEWER)
    page = stack.get("/connections?size=200", as_user=viewer).text
    with stack.db() as db:
        own = db.execute("SELECT count(*) FROM connections WHERE org_id = ?", (orgs["second"],)).fetchone()[0]
    assert f"of {own:,} connections" in page
    assert "Secret" not in page and "Elsewhere Inc" not in page
    assert 'id="org"' not in page  # one organization: no switcher
    assert "/invite\"" not in page and "View only" in page  # a Viewer cannot invite, so no button leads to a 403
    admin_page = stack.get(f"/connections?org={orgs['second']}&size=200").text
    assert f"of {own:,} connections" in admin_page
    assert f'<option value="{orgs["second"]}" selected>' in admin_page
    assert stack.get("/connections?org=abc").status_code == 400


def test_adding_a_user_is_an_invitation_and_says_nothing_of_other_accounts(stack, orgs):
    org = orgs["second"]
    # viewer@demo.test has an account; nobody.yet@demo.test has none: the Admin reads the same answer.
    known = stack.post("/users", data={"org": orgs["first"], "action": "add", "email": VIEWER, "role": "Admin"})
    unknown = stack.post("/users", data={"org": orgs["first"], "action": "add", "email": "nobody.yet@demo.test", "role": "Admin"})
    assert known.status_code == unknown.status_code == 200
    assert f"An invitation was sent to {VIEWER}." in known.text and "An invitation was sent to nobody.yet@demo.test." in unknown.text
    assert "has no account" not in unknown.text and "was added" not in known.text
    with stack.db() as db:
        assert db.execute("SELECT count(*) FROM user_roles r JOIN users u ON u.id = r.user_id WHERE u.email = ? AND r.org_id = ?",
                          (VIEWER, orgs["first"])).fetchone()[0] == 0, "nobody is added without saying yes"
    # Pending on /users, and revocable (so the viewer's next sign-in, elsewhere in these tests, offers nothing).
    # Other tests invite people to this organization too: these two are found by their addresses.
    listed = dict((email, invitation) for invitation, email in re.findall(
        r'name="invitation" value="(\d+)">\s*<button[^>]*aria-label="Revoke the invitation to ([^"]+)"',
        stack.get(f"/users?org={orgs['first']}").text))
    pending = [listed.get(VIEWER), listed.get("nobody.yet@demo.test")]
    assert all(pending), listed
    for invitation in pending:
        assert "was revoked" in stack.post("/users", data={"org": orgs["first"], "action": "revoke", "invitation": invitation}).text


def test_admins_manage_users_and_every_change_is_audited(fresh_stack, smtp):
    # A stack that sends email: the invitation's link is drawn when the email is sent, and read from it.
    server = smtp().start()
    stack = fresh_stack(connections=60, extra_args=smtp_args(server)).start()
    with stack.db() as db:
        first, org = [row[0] for row in db.execute("SELECT id FROM organizations ORDER BY id LIMIT 2").fetchall()]
        connection = db.execute("SELECT min(id) FROM connections WHERE org_id = ?", (org,)).fetchone()[0]
    assert attempt(stack, ADMIN, "not the password").status_code == 401
    added = stack.post("/users", data={"org": org, "action": "add", "email": "new.person@demo.test", "role": "Viewer"})
    assert added.status_code == 200 and "An invitation was sent to new.person@demo.test." in added.text
    for email in ("not-an-email", "nul\x00byte@x.test", "a" * 300 + "@x.test", "two@at@x.test"):
        bad = stack.post("/users", data={"org": org, "action": "add", "email": email, "role": "Viewer"})
        assert bad.status_code == 400 and "email address" in bad.text, email
    huge = stack.post("/users", data={"org": org, "action": "add", "email": "a@b.test", "role": "Viewer", "name": "x" * 1_500_000})
    assert huge.status_code == 413
    # The person creates their account by the emailed link: a name and a password of their own.
    invitation = link(server.wait_for(1, where=to("new.person@demo.test"))[0].get_body(("plain",)).get_content(), "/invitation/")
    short = requests.post(stack.base + invitation, data={"action": "accept", "name": "S", "password": "short"}, timeout=30)
    assert short.status_code == 400 and "at least 12 characters" in short.text
    accepted = requests.post(stack.base + invitation, data={"action": "accept", "name": "<b>New</b> Person", "password": "a long first password"},
                             timeout=30)
    assert accepted.status_code == 200 and "You joined" in accepted.text
    again = stack.post("/users", data={"org": org, "action": "add", "email": "NEW.person@demo.test", "role": "Viewer"})
    assert again.status_code == 409
    newcomer = stack.sign_in("new.person@demo.test", "a long first password")
    own_page = stack.get(f"/connections?org={org}", as_user=newcomer)
    assert own_page.status_code == 200
    assert "&lt;b&gt;New&lt;/b&gt; Person" in own_page.text and "<b>New</b>" not in own_page.text  # the header's name
    assert stack.get(f"/connections?org={first}", as_user=newcomer).status_code == 404
    with stack.db() as db:
        user = db.execute("SELECT id FROM users WHERE email = 'new.person@demo.test'").fetchone()[0]
        admin = db.execute("SELECT id FROM users WHERE email = ?", (ADMIN,)).fetchone()[0]
    changed = stack.post("/users", data={"org": org, "action": "role", "user": user, "role": "Connections officer"})
    assert changed.status_code == 200 and "is now Connections officer" in changed.text
    assert stack.get(f"/connections/{connection}/invite", as_user=newcomer).status_code == 200
    removed = stack.post("/users", data={"org": org, "action": "remove", "user": user})
    assert removed.status_code == 200 and "was removed" in removed.text
    assert stack.get(f"/connections?org={org}", as_user=newcomer).status_code == 404
    # The last Admin of an organization can be neither removed nor demoted.
    assert stack.post("/users", data={"org": org, "action": "remove", "user": admin}).status_code == 409
    demoted = stack.post("/users", data={"org": org, "action": "role", "user": admin, "role": "Viewer"})
    assert demoted.status_code == 409 and "at least one Admin" in demoted.text
    audit = stack.get(f"/audit?org={org}").text
    actions = re.findall(r"<td[^>]*>(User invited|Invitation accepted|Role changed|User removed)</td>", audit)
    assert actions[:4] == ["User removed", "Role changed", "Invitation accepted", "User invited"]  # newest first
    assert "<li>Viewer → Connections officer</li>" in audit
    everything = stack.get("/audit").text
    assert "Signed in" in everything and "Sign-in failed" in everything


def test_the_audit_log_pages(stack):
    with stack.db() as db:
        org = db.execute("SELECT min(id) FROM organizations").fetchone()[0]
        db.executemany("INSERT INTO audit_log (at, actor, org_id, action) VALUES ('2020-01-01T00:00:00Z', 'script', ?, ?)",
                       [(org, f"Old entry {i}") for i in range(120)])
    first = stack.get(f"/audit?org={org}").text
    assert 'rel="next"' in first and "Page 1 of" in first
    last = stack.get(f"/audit?org={org}&page=99").text  # past the end: the last page
    assert "Old entry 0<" in last and 'rel="prev"' in last and 'rel="next"' not in last
    assert stack.get("/audit?page=zero").status_code == 400


def test_guessing_is_slowed_then_refused_but_never_locks_out_a_known_browser(fresh_stack):
    stack = fresh_stack(connections=5).start()
    known = stack.sign_in(OFFICER)  # this browser signed in before: it holds a device cookie for /login
    cookie = next(c for c in attempt(stack, OFFICER, PASSWORD, known).raw.headers.getlist("Set-Cookie") if c.startswith("device="))
    assert "Path=/login" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Max-Age=15552000" in cookie
    for _ in range(3):
        assert attempt(stack, OFFICER, "wrong-guess").status_code == 401
    slowed = attempt(stack, OFFICER, PASSWORD)  # the fourth try of this (account, address) pair waits
    assert slowed.status_code == 429 and "Wait" in slowed.text and "seconds" in slowed.text
    assert slowed.headers["Retry-After"] in ("1", "2")
    assert attempt(stack, OFFICER, PASSWORD, known).status_code == 303  # the known browser is not that guesser

    def failures(subject, count):
        with stack.db() as db:
            db.execute("DELETE FROM rate_windows")
            count_rate_events(db, subject, count, window=900, seconds_ago=count - 1)  # the oldest `count - 1` seconds ago

    failures("pair:127.0.0.1 " + OFFICER, 10)  # ten failures of one pair within 15 minutes
    refused = attempt(stack, OFFICER, PASSWORD)
    assert refused.status_code == 429 and "Try again in 15 minutes" in refused.text and 800 < int(refused.headers["Retry-After"]) <= 900
    assert attempt(stack, OFFICER, PASSWORD, known).status_code == 303
    assert attempt(stack, VIEWER, PASSWORD).status_code == 303  # another account is another pair
    failures("account:" + OFFICER, 30)  # thirty failures at the account from unknown browsers anywhere
    refused = attempt(stack, OFFICER, PASSWORD)
    assert refused.status_code == 429 and "Sign in from a browser you signed in with before" in refused.text
    assert attempt(stack, OFFICER, PASSWORD, known).status_code == 303  # never the right password from a known browser
    failures("address:127.0.0.1", 100)  # one address (a NAT) guessing at many accounts: only far beyond
    refused = attempt(stack, VIEWER, PASSWORD)
    assert refused.status_code == 429 and "from your network" in refused.text
    assert attempt(stack, OFFICER, PASSWORD, known).status_code == 303


def test_create_user_from_the_shell(fresh_stack):
    stack = fresh_stack(connections=5)
    result = subprocess.run([BINARY, "create-user", "--database", str(stack.database), "--email", "first@host.test",
                             "--name", "First Admin", "--all-organizations"], input="a strong first password\n",
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "Created first@host.test as Admin of 8 organizations." in result.stdout
    failed = subprocess.run([BINARY, "create-user", "--database", str(stack.database), "--email", "first@host.test",
                             "--name", "Again", "--org", "104000"], input="a strong first password\n", capture_output=True, text=True)
    assert failed.returncode != 0 and "already exists" in failed.stderr
    # Only the final line break is dropped: a NUL, a second line or another control character is refused, never cut off.
    for typed in ("x\x00yyyyyyyyyyyyyy\n", "a strong password\nsecond line\n", "a strong\tpassword\n"):
        refused = subprocess.run([BINARY, "create-user", "--database", str(stack.database), "--email", "second@host.test",
                                  "--name", "Second", "--all-organizations"], input=typed, capture_output=True, text=True)
        assert refused.returncode != 0 and "cannot contain control characters" in refused.stderr, (typed, refused.stderr)
    windows = subprocess.run([BINARY, "create-user", "--database", str(stack.database), "--email", "second@host.test",
                              "--name", "Second", "--all-organizations"], input=b"a strong second password\r\n", capture_output=True)
    assert windows.returncode == 0, windows.stderr
    stack.start()
    assert stack.sign_in("first@host.test", "a strong first password").get(stack.base + "/users", timeout=10).status_code == 200
    assert stack.sign_in("second@host.test", "a strong second password").get(stack.base + "/users", timeout=10).status_code == 200
    assert attempt(stack, "first@host.test", "a strong first password\x00anything").status_code == 401


@pytest.mark.parametrize("column,age", [("last_seen_at", 3 * 3600), ("created_at", 13 * 3600)])
def test_sessions_expire_when_idle_and_absolutely(stack, column, age):
    browser = stack.sign_in(VIEWER)
    assert stack.get("/connections", as_user=browser).status_code == 200
    with stack.db() as db:
        db.execute(f"UPDATE sessions SET {column} = ? WHERE token_hash = ?", (utc_timestamp(age), secret_hash(browser.cookies["session"])))
    assert stack.get("/connections", as_user=browser).status_code == 303
    with stack.db() as db:
        assert db.execute("SELECT count(*) FROM sessions WHERE token_hash = ?", (secret_hash(browser.cookies["session"]),)).fetchone()[0] == 0


def test_many_organizations_are_chosen_on_their_own_page(fresh_stack):
    stack = fresh_stack(connections=6000).start()  # 24 organizations
    page = stack.get("/connections?sort=connected_drivers&size=25").text
    assert "<select id=\"org\"" not in page
    choose = re.search(r'href="(/connections/organizations\?[^"]*)">Choose', page).group(1)
    assert choose == "/connections/organizations?sort=connected_drivers&amp;size=25"
    picker = stack.get(choose.replace("&amp;", "&")).text
    assert "24 organizations" in picker
    found = stack.get("/connections/organizations?sort=connected_drivers&size=25&q=harbor").text
    link = re.search(r'<li><a href="([^"]+)">Harbor View Apartments</a>', found).group(1).replace("&amp;", "&")
    listed = re.findall(r'<li><a href="[^"]+">([^<]+)</a>', found)
    assert listed and all("harbor" in name.lower() for name in listed)
    assert re.search(rf'<p class="count">{len(listed)} organizations?</p>', found)
    assert link.startswith("/connections?org=") and "sort=connected_drivers" in link and "size=25" in link
    chosen = stack.get(link).text
    assert "<strong>Harbor View Apartments</strong>" in chosen
    assert "No organization matches" in stack.get("/connections/organizations?q=%3Cscript%3E").text
    with stack.db() as db:
        db.execute("UPDATE organizations SET name = ? WHERE name = 'Summit Logistics'", ("Summit <i>Logistics</i> & 'Co'",))
    picker = stack.get("/connections/organizations").text
    assert "Summit &lt;i&gt;Logistics&lt;/i&gt; &amp; &#39;Co&#39;" in picker and "<i>Logistics" not in picker
    assert "&lt;script&gt;" in stack.get("/connections/organizations?q=%3Cscript%3E").text
    viewer = stack.sign_in(VIEWER)
    assert "Harbor View" not in stack.get("/connections/organizations", as_user=viewer).text
