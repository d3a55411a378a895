"""Email set up from the page (issue 23, finding 8), in headless Chromium with the real SMTP test
server: an Admin of every organization saves the settings on /email, and with no restart the test
message and the invites that waited arrive; the password is never shown back."""
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from test_browser import browser, screenshot, sign_in  # noqa: F401 (the fixture)
from test_console_ux import wait
from test_email import FROM, smtp, to  # noqa: F401 (the fixture)
from test_invites import make_connection


def test_settings_saved_in_the_page_send_the_test_message_and_what_waited_without_a_restart(fresh_stack, smtp, browser):
    server = smtp().start()
    stack = fresh_stack(connections=60).start()
    connection, _, _ = make_connection(stack)
    assert stack.post(f"/connections/{connection}/invite/email", data={"step": "send", "addresses": "waited@example.org"}).status_code == 303
    browser.set_window_size(1280, 900)
    sign_in(stack, browser)
    browser.get(f"{stack.base}/connections/{connection}/invite")
    assert "Email is not set up" in browser.page_source
    browser.get(f"{stack.base}/email")
    assert not browser.find_elements(By.XPATH, "//button[normalize-space()='Send test message']")
    browser.find_element(By.ID, "smtp-host").send_keys("127.0.0.1")
    port = browser.find_element(By.ID, "smtp-port")
    port.clear()
    port.send_keys(str(server.port))
    Select(browser.find_element(By.ID, "smtp-security")).select_by_value("STARTTLS if offered")
    browser.find_element(By.ID, "smtp-user").send_keys("relay")
    browser.find_element(By.ID, "smtp-password").send_keys("relay-password-never-shown")
    browser.find_element(By.ID, "smtp-from").send_keys(FROM)
    browser.find_element(By.XPATH, "//button[normalize-space()='Save settings']").click()
    wait(browser, lambda b: "Email settings saved" in b.find_element(By.CSS_SELECTOR, ".notice.success").text)
    assert "relay-password-never-shown" not in browser.page_source
    assert browser.find_element(By.ID, "smtp-password").get_attribute("value") == ""
    assert "A password is saved and never shown" in browser.page_source
    screenshot(browser, "email-settings-saved-1280.png")
    browser.find_element(By.XPATH, "//button[normalize-space()='Send test message']").click()
    wait(browser, lambda b: "A test message went to your address" in b.find_element(By.CSS_SELECTOR, ".notice.success").text)
    test_message = server.wait_for(1, where=to("admin@demo.test"))[0]
    assert test_message["Subject"] == "Connections: a test message"
    # The sender took the saved settings too: the invite that waited goes out, with no restart.
    assert server.wait_for(1, where=to("waited@example.org"))
    browser.set_window_size(390, 844)
    screenshot(browser, "email-settings-saved-390.png")
