"""OpenID Connect sign-in for console users (issue 26, items 3 and 4), through nginx with a real
identity provider: oidc-provider-mock from var/test-venv, started here as its own server. An Admin
sets the provider up on /sso; a user signs in through it in Chromium and gets the role the
directory's groups map to; "require single sign-on" turns that user's password off (not the first
Admin's); a callback used twice and a code used twice are refused; a provider that is down is
said so, and the password still works. Forged, wrong-audience and expired tokens: DomainTests/IDTokenTests."""
import html
import json
import re
import subprocess
import time
import urllib.parse

import pytest
import requests
from selenium.webdriver.common.by import By

from harness import ADMIN, OFFICER, PASSWORD, ROOT, free_port
from test_browser import browser, screenshot, sign_in  # noqa: F401 (the fixture)
from test_console_ux import wait

PYTHON = ROOT / "var" / "test-venv" / "bin" / "python"
CLIENT, SECRET = "connections-console", "mock-client-secret"
# The officer's directory groups make them an Admin; the stranger has no console account.
OFFICER_CLAIMS = {"sub": "officer-1", "email": OFFICER, "email_verified": True, "name": "Officer", "groups": ["console-admins", "staff"]}
STRANGER_CLAIMS = {"sub": "stranger-1", "email": "stranger@elsewhere.test", "email_verified": True}


@pytest.fixture
def provider(tmp_path):
    """A running oidc-provider-mock; its issuer is http://127.0.0.1:PORT."""
    port = free_port()
    log = open(tmp_path / "provider.log", "w")
    process = subprocess.Popen([str(PYTHON), "-m", "oidc_provider_mock", "--port", str(port), "--require-nonce", "true",
                                "--user-claims", json.dumps(OFFICER_CLAIMS), "--user-claims", json.dumps(STRANGER_CLAIMS)],
                               stdout=log, stderr=subprocess.STDOUT)
    issuer = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            if requests.get(issuer + "/.well-known/openid-configuration", timeout=1).status_code == 200:
                break
        except requests.RequestException:
            time.sleep(0.1)
    else:
        process.kill()
        raise RuntimeError("the identity provider did not start: " + (tmp_path / "provider.log").read_text())
    yield issuer
    process.terminate()
    process.wait(timeout=10)


def sso_stack(fresh_stack):
    stack = fresh_stack(connections=20)
    # The provider sends the browser back to this stack's own address.
    stack.extra_args += ["--public-base-url", stack.base]
    return stack.start()


def save_settings(stack, organization, issuer, required=False, mapping="console-admins = Admin"):
    data = {"org": organization, "issuer": issuer, "client_id": CLIENT, "client_secret": SECRET, "role_claim": "groups" if mapping else "",
            "role_mapping": mapping}
    if required:
        data["required"] = "on"
    response = stack.post("/sso", data=data)
    assert response.status_code == 200 and "Single sign-on settings saved" in response.text, response.text


def role(stack, email, organization):
    return stack.query("SELECT r.role FROM user_roles r JOIN users u ON u.id = r.user_id WHERE u.email = ? AND r.org_id = ?", (email, organization))[0][0]


def test_a_user_signs_in_through_the_provider_in_the_browser_with_the_mapped_role_and_require_turns_the_password_off(fresh_stack, provider, browser):
    stack = sso_stack(fresh_stack)
    organization = stack.organization_of(OFFICER)
    name = stack.query("SELECT name FROM organizations WHERE id = ?", (organization,))[0][0]
    assert role(stack, OFFICER, organization) == "Connections officer"
    browser.set_window_size(1280, 900)
    sign_in(stack, browser)
    # The Admin sets it up on the page: the redirect URI to register is shown there.
    browser.get(f"{stack.base}/sso?org={organization}")
    assert browser.find_element(By.ID, "sso-redirect-uri").text == stack.base + "/login/sso/callback"
    browser.find_element(By.ID, "sso-issuer").send_keys(provider)
    browser.find_element(By.ID, "sso-client").send_keys(CLIENT)
    browser.find_element(By.ID, "sso-secret").send_keys(SECRET)
    browser.find_element(By.ID, "sso-claim").send_keys("groups")
    browser.find_element(By.ID, "sso-mapping").send_keys("console-admins = Admin\nstaff = Viewer")
    browser.find_element(By.NAME, "required").click()
    browser.find_element(By.XPATH, "//button[normalize-space()='Save settings']").click()
    wait(browser, lambda b: "Single sign-on settings saved" in b.find_element(By.CSS_SELECTOR, ".notice.success").text)
    assert SECRET not in browser.page_source and "A secret is saved and never shown" in browser.page_source
    browser.set_window_size(1280, 1500)
    screenshot(browser, "sso-settings-1280.png")
    browser.set_window_size(1280, 900)
    browser.find_element(By.XPATH, "//button[normalize-space()='Check the provider']").click()
    wait(browser, lambda b: "The provider answers: sign-in goes to " + provider in b.find_element(By.CSS_SELECTOR, ".notice.success").text)
    browser.set_window_size(390, 844)
    screenshot(browser, "sso-settings-checked-390.png")
    browser.set_window_size(1280, 900)

    # Required: the officer's right password no longer signs in; the first Admin's still does.
    browser.delete_all_cookies()
    browser.get(stack.base + "/login")
    browser.find_element(By.ID, "email").send_keys(OFFICER)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form[action='/login'] button").click()
    wait(browser, lambda b: "signs in with single sign-on" in b.find_element(By.ID, "signin-problem").text)
    screenshot(browser, "sso-sign-in-page-1280.png")
    stack.sign_in(ADMIN)

    # Through the provider: its page, its predefined user, and back signed in, an Admin now.
    browser.find_element(By.LINK_TEXT, f"Sign in with {name}'s account").click()
    wait(browser, lambda b: b.current_url.startswith(provider))
    query = urllib.parse.parse_qs(urllib.parse.urlparse(browser.current_url).query)
    assert query["code_challenge_method"] == ["S256"] and query["nonce"] and query["state"] and query["client_id"] == [CLIENT]
    browser.find_element(By.XPATH, "//button[@name='sub' and @value='officer-1']").click()
    wait(browser, lambda b: b.current_url == stack.base + "/overview")
    assert OFFICER in browser.find_element(By.CSS_SELECTOR, "a.who").get_attribute("title")
    assert role(stack, OFFICER, organization) == "Admin"
    actions = [row[0] for row in stack.query("SELECT action FROM audit_log WHERE actor = ? ORDER BY id", (OFFICER,))]
    assert "Role set by single sign-on" in actions and actions[-1] == "Signed in with single sign-on"
    assert not stack.query("SELECT count(*) FROM sign_on_attempts")[0][0], "the sign-in under way is gone once used"
    screenshot(browser, "sso-signed-in-1280.png")


def through_provider(stack, sub, client=None):
    """A sign-in through the provider with requests, up to the callback: (client, callback URL)."""
    client = client or requests.Session()
    start = client.get(stack.base + "/login", timeout=30)
    link = re.search(r'href="(/login/sso\?[^"]+)"', start.text).group(1).replace("&amp;", "&")
    to_provider = client.get(stack.base + link, allow_redirects=False, timeout=30)
    assert to_provider.status_code == 303, to_provider.text
    authorize = to_provider.headers["Location"]
    back = client.post(authorize, data={"sub": sub}, allow_redirects=False, timeout=30)
    assert back.status_code in (302, 303), back.text
    return client, back.headers["Location"]


def test_a_callback_or_a_code_used_twice_an_unknown_user_and_another_browser_are_refused(fresh_stack, provider):
    stack = sso_stack(fresh_stack)
    organization = stack.organization_of(OFFICER)
    save_settings(stack, organization, provider, mapping="")
    client, callback = through_provider(stack, "officer-1")
    assert callback.startswith(stack.base + "/login/sso/callback?")
    # Another browser (without this one's state cookie) cannot use the code.
    stolen = requests.get(callback, allow_redirects=False, timeout=30)
    assert stolen.status_code == 400 and "already used or has expired" in stolen.text
    done = client.get(callback, allow_redirects=False, timeout=30)
    assert done.status_code == 303 and done.headers["Location"] == "/"
    assert role(stack, OFFICER, organization) == "Connections officer", "no role claim: the role stays as set in the console"
    # The same callback again: the sign-in under way was used.
    replay = client.get(callback, allow_redirects=False, timeout=30)
    assert replay.status_code == 400 and "already used or has expired" in replay.text
    _, first = through_provider(stack, "officer-1", client)
    # A code used once already, under a new sign-in's state: the provider refuses it.
    fresh_state = urllib.parse.parse_qs(urllib.parse.urlparse(first).query)["state"][0]
    old_code = urllib.parse.parse_qs(urllib.parse.urlparse(callback).query)["code"][0]
    reused = client.get(stack.base + "/login/sso/callback?" + urllib.parse.urlencode({"code": old_code, "state": fresh_state}),
                        allow_redirects=False, timeout=30)
    assert reused.status_code == 401 and "did not accept the sign-in" in reused.text, reused.text
    # Someone the directory knows but the console does not.
    stranger, callback = through_provider(stack, "stranger-1")
    refused = stranger.get(callback, allow_redirects=False, timeout=30)
    assert refused.status_code == 401 and "no console user of this organization has the address stranger@elsewhere.test" in refused.text
    # The provider's own refusal (the user pressed Deny) is said, not a 500.
    denied = requests.get(stack.base + "/login/sso/callback?error=access_denied&error_description=The+user+denied", timeout=30)
    assert denied.status_code == 401 and "The user denied" in denied.text
    reasons = [row[0] for row in stack.query("SELECT action FROM audit_log WHERE org_id = ? AND action LIKE 'Single sign-on%'", (organization,))]
    assert reasons.count("Single sign-on refused") == 2


def test_a_provider_that_is_down_is_said_so_and_the_password_still_works_unless_required(fresh_stack, browser):
    stack = sso_stack(fresh_stack)
    organization = stack.organization_of(OFFICER)
    save_settings(stack, organization, f"http://127.0.0.1:{free_port()}", mapping="")
    name = stack.query("SELECT name FROM organizations WHERE id = ?", (organization,))[0][0]
    browser.set_window_size(390, 844)
    browser.delete_all_cookies()
    browser.get(stack.base + "/login")
    browser.find_element(By.LINK_TEXT, f"Sign in with {name}'s account").click()
    problem = wait(browser, lambda b: b.find_element(By.ID, "signin-problem"))
    assert "The identity provider cannot be reached now" in problem.text and "or sign in with your password" in problem.text
    screenshot(browser, "sso-provider-down-390.png")
    answer = requests.get(stack.base + "/login/sso?org=" + str(organization), allow_redirects=False, timeout=30)
    assert answer.status_code == 503 and answer.headers.get("Retry-After") == "30"
    sign_in(stack, browser, email=OFFICER)


def test_forged_wrong_audience_and_expired_id_tokens_are_refused_and_an_es256_one_signs_in(fresh_stack, browser):
    from rogue_provider import RogueProvider
    stack = sso_stack(fresh_stack)
    organization = stack.organization_of(OFFICER)
    rogue = RogueProvider(OFFICER, CLIENT)
    try:
        save_settings(stack, organization, rogue.issuer, mapping="")
        for mode, reason in [("forged", "the ID token's signature does not match the issuer's key"),
                             ("wrong-audience", "the ID token was issued to another application"),
                             ("expired", "the ID token has expired")]:
            rogue.mode = mode
            client = requests.Session()
            page = client.get(stack.base + f"/login/sso?org={organization}", timeout=30)
            assert page.status_code == 401 and reason in html.unescape(page.text), (mode, page.status_code, page.text[-2000:])
            assert "session" not in client.cookies
        refusals = stack.query("SELECT details FROM audit_log WHERE org_id = ? AND action = 'Single sign-on refused'", (organization,))
        assert len(refusals) == 3
        # ES256 (oidc-provider-mock signs RS256), in the browser: signed in.
        rogue.mode = "good"
        browser.set_window_size(1280, 900)
        browser.delete_all_cookies()
        browser.get(stack.base + "/login")
        browser.find_element(By.CSS_SELECTOR, ".signin-sso a").click()
        wait(browser, lambda b: b.current_url == stack.base + "/overview")
        rogue.mode = "forged"
        browser.delete_all_cookies()
        browser.get(stack.base + "/login")
        browser.find_element(By.CSS_SELECTOR, ".signin-sso a").click()
        problem = wait(browser, lambda b: b.find_element(By.ID, "signin-problem"))
        assert "signature does not match" in problem.text
        screenshot(browser, "sso-forged-token-1280.png")
    finally:
        rogue.close()
