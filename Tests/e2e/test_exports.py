"""The column picker and exports through nginx."""
import csv
import datetime
import io
import re
import urllib.parse

import openpyxl

from harness import OFFICER, VIEWER, Table
from test_filters import query

CATALOG = ["org_id", "org_name", "name", "status", "connected_drivers", "benefits", "approval_type", "connection_type",
           "questions", "visibility", "search_code", "pending_requests", "created_at", "updated_at", "invite_link"]
DEFAULT = CATALOG[:9]


def export_form(stack, path, user=None):
    """The Export Settings of the table at `path`: Export opens them (a page of their own without scripts)."""
    page = stack.get(path + ("&" if "?" in path else "?") + "edit=export", as_user=user).text
    state = re.search(r'name="state" value="([^"]*)"', page).group(1).replace("&amp;", "&")
    items = int(re.search(r"Items included in export: <strong>([\d,]+)<", page).group(1).replace(",", ""))
    return state, items, page


def export(stack, state, user=None, **settings):
    data = {"state": state, "scope": "visible", "format": "csv", **settings}
    return stack.post("/connections/export", as_user=user, data=data)


def read_csv(response):
    text = response.content.decode("utf-8")
    if text.startswith("\ufeff"):
        text = text[1:]
    return list(csv.reader(io.StringIO(text, newline="")))


def save_columns(stack, shown, order=CATALOG, action="apply", user=None, back=""):
    return stack.post("/connections/columns", as_user=user,
                      data={"back": back, "order": list(order), "show": list(shown), "action": action})


def test_column_picker_lists_every_column_and_saves_per_user(stack, fresh_user):
    user = fresh_user
    page = stack.get("/connections", as_user=user).text
    assert 'href="/connections?edit=columns#column-panel">Columns</a>' in page and 'id="column-form"' not in page
    page = stack.get("/connections?edit=columns", as_user=user).text
    picker = page[page.index('id="column-form"'):page.index("</form>", page.index('id="column-form"'))]
    assert re.findall(r'name="order" value="([^"]+)"', picker) == CATALOG
    assert re.findall(r'name="show" value="([^"]+)" checked', picker) == DEFAULT
    # Hide some, reorder: saved on the server, so any browser of this user gets it.
    order = ["status", "name"] + [key for key in CATALOG if key not in ("status", "name")]
    response = save_columns(stack, ["status", "name", "invite_link"], order=order, user=user)
    assert response.status_code == 303
    other_browser = stack.sign_in(user.email, user.password)
    table = Table(stack.get("/connections", as_user=other_browser).text)
    assert table.headers == ["Connection Status", "Connection Name", "Invite Link", "Action"]
    assert all(row[2].startswith("https://connect.example.test/join/") for row in table.rows)
    # The admin's own choice is untouched.
    assert Table(stack.get("/connections").text).headers[:-1] == ["Org ID", "Org Name", "Connection Name", "Connection Status",
                                                                  "Connected Drivers", "Benefits", "Approval type",
                                                                  "Connection Type", "Verify drivers by"]
    # Reset to default: the picker shows the default choice, which Apply saves.
    reset = save_columns(stack, [], action="reset", user=user)
    assert reset.status_code == 200 and len(Table(reset.text).headers) == 4, "nothing saved yet"
    picker = reset.text[reset.text.index('id="column-form"'):]
    assert re.findall(r'name="show" value="([^"]+)" checked', picker[:picker.index("</form>")]) == DEFAULT
    assert save_columns(stack, DEFAULT, action="apply", user=user).status_code == 303
    assert len(Table(stack.get("/connections", as_user=user).text).headers) == 10


def test_moving_columns_without_javascript_and_select_all(stack, fresh_user):
    """Without JavaScript the arrows and Select all answer with the picker's draft; only Apply saves it."""
    user = fresh_user

    def draft(response):
        picker = response.text[response.text.index('id="column-form"'):]
        picker = picker[:picker.index("</form>")]
        return re.findall(r'name="order" value="([^"]+)"', picker), re.findall(r'name="show" value="([^"]+)" checked', picker)

    response = save_columns(stack, DEFAULT, action="up:status", user=user, back="sort=connected_drivers")
    assert response.status_code == 200 and '<details class="column-panel tool-panel" open>' in response.text
    order, shown = draft(response)
    assert order[:4] == ["org_id", "org_name", "status", "name"] and shown[:4] == ["org_id", "org_name", "status", "name"]
    assert Table(response.text).headers[:4] == ["Org ID", "Org Name", "Connection Name", "Connection Status"], "not saved"
    assert 'name="back" value="sort=connected_drivers"' in response.text
    applied = save_columns(stack, shown, order=order, user=user, back="sort=connected_drivers")
    assert applied.status_code == 303 and applied.headers["Location"] == "/connections?sort=connected_drivers#column-panel"
    assert Table(stack.get("/connections", as_user=user).text).headers[:4] == ["Org ID", "Org Name", "Connection Status", "Connection Name"]
    everything = save_columns(stack, [], action="all", user=user)
    assert draft(everything)[1] == draft(everything)[0] == CATALOG
    assert len(Table(stack.get("/connections", as_user=user).text).headers) == 10, "not saved"


def test_at_least_one_column_stays(stack, fresh_user):
    response = save_columns(stack, [], user=fresh_user)
    assert response.status_code == 400
    assert "Keep at least one column besides Action." in response.text
    assert '<details class="column-panel tool-panel" open>' in response.text
    for data, message in (({"order": ["nope"], "show": [], "action": "apply"}, "The column list was not understood"),
                          ({"order": CATALOG, "show": ["name"], "action": "sideways:name"}, "is not something the column picker does")):
        response = stack.post("/connections/columns", as_user=fresh_user, data={"back": "", **data})
        assert response.status_code == 400 and message in response.text


def test_columns_travel_in_the_address_to_share_a_view(stack):
    page = stack.get("/connections?cols=name,connected_drivers&sort=connected_drivers&order=desc&edit=columns").text
    table = Table(page)
    assert table.headers == ["Connection Name", "Connected Drivers", "Action"]
    # Sorting, paging and filters keep them.
    assert all("cols=name%2Cconnected_drivers" in link for link in table.header_links.values())
    share = re.search(r'class="share-view"', page) and re.search(r'href="([^"]+)" class="share-view"', page).group(1)
    assert "cols=name%2Cconnected_drivers" in share.replace("&amp;", "&")
    assert stack.get("/connections?cols=name,nope").status_code == 400
    assert stack.get("/connections?cols=").status_code == 400


def test_export_holds_exactly_the_rows_of_the_table_in_its_order(stack):
    filters = [("benefits", "contains", "charging"), ("status", "is", "Enabled")]
    path = "/connections?" + query(filters, sort="connected_drivers", order="desc")
    state, items, _ = export_form(stack, path)
    # Every page of the table, in order.
    ids, names, page = [], [], 1
    while True:
        html = stack.get(path + f"&size=25&page={page}").text
        table = Table(html)
        ids += table.ids
        names += [row[2] for row in table.rows]
        if 'rel="next"' not in html:
            break
        page += 1
    assert items == len(ids) > 50
    rows = read_csv(export(stack, state))
    assert rows[0] == ["Org ID", "Org Name", "Connection Name", "Connection Status", "Connected Drivers", "Benefits",
                       "Approval type", "Connection Type", "Verify drivers by"]
    assert [row[2] for row in rows[1:]] == names
    # All columns: every exportable field in catalog order, including the invite link and search code.
    all_rows = read_csv(export(stack, state, scope="all"))
    assert all_rows[0][-6:] == ["Visibility", "Search Code", "Pending Requests", "Created (UTC)", "Last Updated (UTC)", "Invite Link"]
    with stack.db() as db:
        tokens = dict(db.execute("SELECT search_code, invite_token FROM connections").fetchall())
        codes = dict(db.execute("SELECT id, search_code FROM connections").fetchall())
    # Row for row: the union of the table's pages, in order, is the export.
    assert [row[10] for row in all_rows[1:]] == [codes[connection] for connection in ids]
    for row in all_rows[1:]:
        assert row[-1] == "https://connect.example.test/join/" + tokens[row[10]]


def test_csv_is_rfc_4180_with_an_optional_byte_order_mark(stack):
    state, _, _ = export_form(stack, "/connections?" + query([("name", "contains", "!!")]))
    plain = export(stack, state)
    assert plain.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(r'attachment; filename="connections-\d{8}-\d{4}\.csv"', plain.headers["Content-Disposition"])
    assert not plain.content.startswith(b"\xef\xbb\xbf") and b"\r\n" in plain.content
    with_bom = export(stack, state, bom="1")
    assert with_bom.content.startswith(b"\xef\xbb\xbf") and with_bom.content[3:] == plain.content
    rows = read_csv(plain)
    hostile = next(row for row in rows if row[2].startswith("!! <script>"))
    assert hostile[2] == "!! <script>alert(\"x\")</script> & 'quoted'"  # quotes doubled, read back exactly
    assert hostile[5] == "Free charging\n<script>benefit('x')</script> & \"more\""  # a list: one item per line
    assert hostile[1] == 'Acme <b>Robotics</b> & "Sons"'


def test_formula_injection_is_neutralized_in_csv_and_xlsx(stack):
    triggers = ["=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠"]
    with stack.db() as db:
        # Names are one line; an organization's name may start with a line feed.
        org = db.execute("INSERT INTO organizations (id, name, name_for_drivers, created_at) VALUES (990001, ?, 'x', 'x') RETURNING id",
                         ("\n=HYPERLINK(\"http://evil\") Org",)).fetchone()[0]
        db.execute("INSERT INTO user_roles (user_id, org_id, role) SELECT id, ?, 'Admin' FROM users WHERE email = 'admin@demo.test'", (org,))
        for index, trigger in enumerate(triggers):
            db.execute("""INSERT INTO connections (org_id, name, status, connection_type, approval_type, visibility, search_code,
                          invite_token, questions_list, created_at, updated_at) VALUES (?, ?, 'Enabled', 'Standard', 'Manually approve',
                          'Private', ?, ?, ?, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')""",
                       (org, f"{trigger if trigger != chr(10) else '＝'}formula{index} HYPERLINK(1)", f"FQRMXA{'ABCDEFGHJKMNPQRSTUVWXYZ'[index]}",
                        f"formula-test-token-{index:06d}", trigger + "cmd|' /C calc'!A0"))
    state, items, _ = export_form(stack, "/connections?" + query([("name", "contains", "formula")]))
    assert items == len(triggers)
    rows = read_csv(export(stack, state))
    names = {row[2] for row in rows[1:]}
    assert names == {f"'{trigger if trigger != chr(10) else '＝'}formula{index} HYPERLINK(1)" for index, trigger in enumerate(triggers)}
    # Guarded at its start and after its line break, where a reader splitting lines would start a cell.
    assert {row[1] for row in rows[1:]} == {"'\n'=HYPERLINK(\"http://evil\") Org"}
    assert {row[8] for row in rows[1:]} == {"'" + trigger + "cmd|' /C calc'!A0" for trigger in triggers}
    assert all(row[4].isdigit() for row in rows[1:])  # numbers stay numbers
    workbook = openpyxl.load_workbook(io.BytesIO(export(stack, state, format="xlsx").content))
    sheet = workbook.active
    values = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    # OOXML writes a carriage return as _x000D_, which Excel reads back as one and openpyxl leaves as is. In XLSX the
    # text is the name itself, in a cell formatted as text ("@"): never a formula, even when a user edits it.
    assert {"'" + row[2].replace("_x000D_", "\r") for row in values} == names
    assert all(row[2].number_format == "@" for row in sheet.iter_rows(min_row=2))
    assert all(isinstance(row[4], int) and row[4] == 0 for row in values)
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    with stack.db() as db:  # the shared stack's other tests expect one-line organization names
        db.execute("DELETE FROM connections WHERE org_id = 990001")
        db.execute("DELETE FROM user_roles WHERE org_id = 990001")
        db.execute("DELETE FROM organizations WHERE id = 990001")


def test_xlsx_is_a_real_workbook(stack):
    state, items, _ = export_form(stack, "/connections?" + query([("benefits", "contains", "discount")], sort="created_at"))
    response = export(stack, state, format="xlsx", scope="all")
    assert response.headers["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"].endswith('.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header = [cell for cell in sheet[1]]
    assert [cell.value for cell in header][:3] == ["Org ID", "Org Name", "Connection Name"]
    assert all(cell.font.bold for cell in header)
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:O{items + 1}"
    assert sheet.max_row == items + 1
    assert sheet.column_dimensions["B"].width > sheet.column_dimensions["A"].width
    created = [row[12].value for row in sheet.iter_rows(min_row=2)]
    assert all(isinstance(value, datetime.datetime) for value in created) and created == sorted(created)
    assert all(isinstance(row[0].value, int) and isinstance(row[4].value, int) for row in sheet.iter_rows(min_row=2))
    with stack.db() as db:
        stored = db.execute("SELECT created_at FROM connections WHERE benefits_list LIKE '%Discount%' ORDER BY created_at, id LIMIT 1").fetchone()[0]
    assert created[0] == datetime.datetime.strptime(stored, "%Y-%m-%dT%H:%M:%SZ")


def test_a_failed_export_ends_with_a_visible_marker_and_is_audited(stack):
    state, items, _ = export_form(stack, "/connections")
    response = stack.post("/connections/export", data={"state": state, "scope": "visible", "format": "csv", "_fail_after": "10"})
    rows = read_csv(response)
    assert len(rows) == 1 + 10 + 1
    assert rows[-1][0].startswith("EXPORT INCOMPLETE: an error stopped the export after 10 rows.")
    audit = stack.get("/audit").text
    assert "Complete: no" in audit and "10 rows as CSV" in audit


def test_exports_are_audited_with_filters_columns_format_and_count(stack):
    filters = [("name", "contains", "staff")]
    state, items, _ = export_form(stack, "/connections?" + query(filters))
    export(stack, state, format="xlsx")
    audit = stack.get("/audit").text
    entry = audit[audit.index("Exported connections"):][:1500]
    assert f"{items} rows as XLSX" in entry
    assert "Filters: where Connection Name contains “staff”" in entry
    assert "Columns: Org ID, Org Name, Connection Name, Connection Status" in entry and "Format: XLSX" in entry and f"Rows: {items}" in entry
    assert "admin@demo.test" in audit


def test_export_settings_say_when_xlsx_cannot_hold_the_rows(stack):
    # The limit is Excel's, 1,048,575 data rows; the test stack lowers it to 100 to see it at work.
    page = stack.get("/connections?edit=export").text
    assert "Items included in export" in page and "XLSX holds at most" not in page  # 600 rows fit Excel
    state, items, page = export_form(stack, "/connections?_xlsx_row_limit=100")
    assert f"XLSX holds at most 100 rows and these filters select {items:,}: export CSV, or filter further." in page
    assert re.search(r'value="xlsx" disabled', page)
    response = stack.post("/connections/export", data={"state": state, "scope": "visible", "format": "xlsx", "_xlsx_row_limit": "100"})
    assert response.status_code == 400 and "Export CSV instead" in response.text
    small, fewer, page = export_form(stack, "/connections?" + query([("name", "contains", "staff")]) + "&_xlsx_row_limit=100")
    assert fewer <= 100 and "XLSX holds at most" not in page
    response = stack.post("/connections/export", data={"state": "", "scope": "visible", "format": "pdf"})
    assert response.status_code == 400 and "CSV or XLSX" in response.text


def test_every_role_may_export_only_its_organizations(stack):
    viewer = stack.sign_in(VIEWER)
    state, items, _ = export_form(stack, "/connections", user=viewer)
    rows = read_csv(export(stack, state, user=viewer))
    org = stack.organization_of(VIEWER)
    with stack.db() as db:
        count = db.execute("SELECT count(*) FROM connections WHERE org_id = ?", (org,)).fetchone()[0]
        other = db.execute("SELECT min(id) FROM organizations WHERE id <> ?", (org,)).fetchone()[0]
    assert len(rows) - 1 == items == count
    # A forged organization in the state is refused, not exported.
    response = export(stack, f"org={other}", user=viewer)
    assert response.status_code == 404
    assert export(stack, "sort=nope", user=viewer).status_code == 400
    assert stack.post("/connections/export", as_user=viewer, data={"state": ""}, csrf=False).status_code == 403
