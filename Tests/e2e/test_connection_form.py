"""Creating and changing connections through nginx (issue 7, in progress)."""
import re

from harness import OFFICER, VIEWER


def form_data(stack, path="/connections/new", user=None, **values):
    page = stack.get(path, as_user=user).text
    org = re.search(r'<option value="(\d+)"', page) or re.search(r'name="org" value="(\d+)"', page)
    data = {"org": org.group(1), "name_for_drivers": "Acme Robotics", "name": "Form test", "type": "Standard",
            "status": "Enabled", "visibility": "Private", "approval": "Manually approve", "benefit": ["Free charging"],
            "discount": "", "domains": "", "question": ["Employee ID"],
            "version": (re.search(r'name="version" value="(\d*)"', page) or re.search("()", "")).group(1)}
    data.update(values)
    return data


def errors(response):
    return re.findall(r'class="field-error"[^>]*>([^<]*)<', response.text)


def test_a_new_connection_with_email_domain_approval_and_two_questions(stack):
    data = form_data(stack, name="Form night crew", approval="Automatically approve by email domain",
                     domains="acme.example\npartners.acme.example", question=["Employee ID", "Vehicle licence plate"],
                     benefit=["Free charging", "Discounted charging"], discount="15")
    response = stack.post("/connections/new", data=data)
    assert response.status_code == 303, errors(response)
    connection = int(re.search(r"/connections/(\d+)/invite", response.headers["Location"]).group(1))
    with stack.db() as db:
        row = db.execute("SELECT name, approval_type, benefits_list, questions_list, length(invite_token), search_code FROM connections WHERE id = ?",
                         (connection,)).fetchone()
        domains = [d for (d,) in db.execute("SELECT domain FROM connection_email_domains WHERE connection_id = ? ORDER BY domain", (connection,))]
    assert row[:4] == ("Form night crew", "Automatically approve by email domain", "Free charging\nDiscounted charging (15%)",
                       "Employee ID\nVehicle licence plate")
    assert row[4] >= 22 and len(row[5]) == 8 and domains == ["acme.example", "partners.acme.example"]
    # It shows in the table, found with a filter.
    page = stack.get("/connections?f=name&op=contains&v=night+crew&f=approval_type&op=is&v=Automatically+approve+by+email+domain").text
    assert "Form night crew" in page
    assert "Created connection" in stack.get("/audit").text


def test_every_field_is_checked_and_every_value_kept(stack):
    response = stack.post("/connections/new", data=form_data(stack, name=" ", name_for_drivers="", benefit=[], discount="",
                                                            approval="Automatically approve by email domain", domains="not a domain!",
                                                            type="Rocket", question=["Same", "same"]))
    assert response.status_code == 400
    messages = errors(response)
    for expected in ("Enter a connection name of 1 to 100 characters, on one line.", "Enter the name drivers see (1 to 200 characters, on one line).",
                     "Choose at least one benefit.", "is not a domain like example.com.", "Choose a connection type.", "Ask each question once."):
        assert any(expected in message for message in messages), (expected, messages)
    assert "not a domain!" in response.text and 'value="Same"' in response.text
    response = stack.post("/connections/new", data=form_data(stack, name="Discounted", benefit=["Discounted charging"], discount="101"))
    assert response.status_code == 400 and "Enter the discount as a whole percentage from 1 to 100." in errors(response)
    # What the database's CHECKs count (scalars, no line breaks) is what the form checks: a 400 by the field, never a 500.
    for name, question in ((" 👍🏽" * 60, "ok"), ("Line\r\nbreak", "ok"), ("Nul\x00here", "ok"), ("Fine name", "Two\nlines"),
                           ("Fine name 2", "👩‍👩‍👧" * 30)):
        response = stack.post("/connections/new", data=form_data(stack, name=name, question=[question]))
        assert response.status_code == 400, (name, question, response.status_code)
        assert "one line" in response.text
    first = stack.post("/connections/new", data=form_data(stack, name="Unique per org"))
    assert first.status_code == 303
    again = stack.post("/connections/new", data=form_data(stack, name="UNIQUE PER ORG"))
    assert again.status_code == 400 and any("already has a connection named" in message for message in errors(again))


def test_questions_are_added_removed_and_reordered_without_javascript(stack):
    response = stack.post("/connections/new", data=form_data(stack, question=["First", "Second"], add_question="1"))
    assert response.status_code == 200 and response.text.count('name="question"') == 3
    response = stack.post("/connections/new", data=form_data(stack, question=["First", "Second"], raise_question="1"))
    assert response.text.index('value="Second"') < response.text.index('value="First"')
    response = stack.post("/connections/new", data=form_data(stack, question=["First", "Second"], remove_question="0"))
    assert 'value="First"' not in response.text and 'value="Second"' in response.text


def test_a_second_save_does_not_overwrite_the_first(stack):
    created = stack.post("/connections/new", data=form_data(stack, name="Conflict test"))
    connection = int(re.search(r"/connections/(\d+)/", created.headers["Location"]).group(1))
    path = f"/connections/{connection}/edit"
    mine = form_data(stack, path, name="Conflict test — mine")
    theirs = form_data(stack, path, name="Conflict test — theirs", status="Disabled")
    assert stack.post(path, data=theirs).status_code == 303
    response = stack.post(path, data=mine)
    assert response.status_code == 409
    assert "Someone else saved this connection while you were editing." in response.text
    assert "<td>Connection name</td><td>Conflict test — mine</td><td>Conflict test — theirs</td>" in response.text
    assert 'value="Conflict test — mine"' in response.text
    with stack.db() as db:
        assert db.execute("SELECT name, status FROM connections WHERE id = ?", (connection,)).fetchone() == ("Conflict test — theirs", "Disabled")
    # Saving again (the form now carries the newer version) keeps the user's values.
    newer = re.search(r'name="version" value="(\d+)"', response.text).group(1)
    assert stack.post(path, data={**mine, "version": ""}).status_code == 400  # a form without its version cannot save
    assert stack.post(path, data={**mine, "version": newer}).status_code == 303
    audit = stack.get("/audit").text
    assert "Changed connection" in audit and "<li>Name: Conflict test — theirs → Conflict test — mine</li>" in audit


def test_enable_disable_and_delete_rules(stack):
    created = stack.post("/connections/new", data=form_data(stack, name="Status test"))
    connection = int(re.search(r"/connections/(\d+)/", created.headers["Location"]).group(1))
    assert stack.post(f"/connections/{connection}/status", data={"status": "Disabled", "back": "/connections"}).status_code == 303
    with stack.db() as db:
        assert db.execute("SELECT status FROM connections WHERE id = ?", (connection,)).fetchone()[0] == "Disabled"
        driver = db.execute("INSERT INTO drivers (name, email, created_at) VALUES ('D', 'status-test@example.org', 'x') RETURNING id").fetchone()[0]
        db.execute("INSERT INTO memberships (connection_id, driver_id, driver_name, state, requested_at) VALUES (?, ?, 'D', 'Connected', '2026-01-01T00:00:00Z')",
                   (connection, driver))
    refused = stack.post(f"/connections/{connection}/delete", data={})
    assert refused.status_code == 409 and "disable it instead" in refused.text
    with stack.db() as db:
        db.execute("UPDATE memberships SET state = 'Removed' WHERE connection_id = ?", (connection,))
    assert stack.post(f"/connections/{connection}/delete", data={}).status_code == 303
    with stack.db() as db:
        assert db.execute("SELECT count(*) FROM connections WHERE id = ?", (connection,)).fetchone()[0] == 0
    audit = stack.get("/audit").text
    assert "Disabled connection" in audit and "Deleted connection" in audit


def test_only_admins_create_and_change_connections(stack):
    for user in (stack.sign_in(OFFICER), stack.sign_in(VIEWER)):
        assert stack.get("/connections/new", as_user=user).status_code == 403
        assert "/connections/new" not in stack.get("/connections", as_user=user).text
    assert 'href="/connections/new"' in stack.get("/connections").text


def test_bulk_actions_ask_first_and_touch_exactly_the_selection(stack):
    created = [int(re.search(r"/connections/(\d+)/", stack.post("/connections/new", data=form_data(stack, name=f"Bulk {n}")).headers["Location"]).group(1))
               for n in range(3)]
    page = stack.get("/connections?f=name&op=starts&v=Bulk+&edit=rows").text
    assert page.count('name="c" value=') == 3 and 'id="bulk-form"' in page
    state = re.search(r'id="bulk-form"[\s\S]*?name="state" value="([^"]*)"', page).group(1).replace("&amp;", "&")
    confirm = stack.post("/connections/bulk", data={"state": state, "c": created[:2], "action": "disable"})
    assert confirm.status_code == 200 and "Disable 2 connections?" in confirm.text

    def statuses():
        with stack.db() as db:
            return [db.execute("SELECT status FROM connections WHERE id = ?", (i,)).fetchone()[0] for i in created]

    assert statuses() == ["Enabled"] * 3  # nothing yet
    confirmed_state = re.search(r'name="state" value="([^"]*)"', confirm.text).group(1).replace("&amp;", "&")
    done = stack.post("/connections/bulk", data={"state": confirmed_state, "action": "disable", "confirm": "1"})
    assert done.status_code == 303 and "bulk=" in done.headers["Location"]
    assert "Disabled 2 connections." in stack.get(done.headers["Location"].split("#")[0]).text
    assert statuses() == ["Disabled", "Disabled", "Enabled"]
    # Every row matching the filters.
    every = stack.post("/connections/bulk", data={"state": state, "all": "1", "action": "enable"})
    assert "Enable 3 connections?" in every.text
    # One row's own button asks the same way, for that row.
    row = stack.post("/connections/bulk", data={"state": state, "row": f"disable:{created[2]}"})
    assert row.status_code == 200 and "Disable 1 connection?" in row.text and statuses()[2] == "Enabled"
    row_state = re.search(r'name="state" value="([^"]*)"', row.text).group(1).replace("&amp;", "&")
    assert stack.post("/connections/bulk", data={"state": row_state, "action": "disable", "confirm": "1"}).status_code == 303
    assert statuses()[2] == "Disabled"
    # Export of the selection: the settings count it, the file holds it.
    export_page = stack.post("/connections/bulk", data={"state": state, "c": [created[0], created[2]], "action": "export"})
    assert "Items included in export: <strong>2</strong>" in export_page.text
    export_state = re.search(r'name="state" value="([^"]*)"', export_page.text[export_page.text.index('id="export-form"'):]).group(1).replace("&amp;", "&")
    csv_text = stack.post("/connections/export", data={"state": export_state, "scope": "visible", "format": "csv"}).text
    assert csv_text.count("\r\n") == 3 and "Bulk 0" in csv_text and "Bulk 2" in csv_text and "Bulk 1" not in csv_text
    # Nothing selected: said in place, on the table in selection mode, not an error page.
    empty = stack.post("/connections/bulk", data={"state": state, "action": "disable"})
    assert empty.status_code == 400 and 'id="bulk-problem"' in empty.text and "Nothing is selected" in empty.text
    assert "Error 400" not in empty.text and 'id="bulk-form"' in empty.text
    officer = stack.sign_in(OFFICER)
    assert stack.post("/connections/bulk", as_user=officer, data={"state": "", "c": created[0], "action": "disable", "confirm": "1"}).status_code in (403, 404)
    assert "Disabled connection" in stack.get("/audit").text
