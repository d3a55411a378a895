"""The connections table through nginx: rows, sorting, paging, escaping, counts."""
import re
import sqlite3

import pytest
import requests

from conftest import HOSTILE
from harness import ADMINS_CONNECTIONS, Table

PAGE_COLUMNS = ["Org ID", "Org Name", "Connection Name", "Connection Status", "Connected Drivers", "Benefits",
                "Approval type", "Connection Type", "Verify drivers by", "Action"]
# Column key -> SQL that reads the raw value, independent of the app's catalog.
RAW = {
    "org_id": "c.org_id", "org_name": "o.name", "name": "c.name", "status": "c.status",
    "connected_drivers": "(SELECT count(*) FROM memberships m WHERE m.connection_id = c.id AND m.state = 'Connected')",
    "benefits": "c.benefits_list", "approval_type": "c.approval_type", "connection_type": "c.connection_type",
    "questions": "c.questions_list", "visibility": "c.visibility", "search_code": "c.search_code",
    "pending_requests": "(SELECT count(*) FROM memberships m WHERE m.connection_id = c.id AND m.state = 'Pending')",
    "created_at": "c.created_at", "updated_at": "c.updated_at",
}
TEXT = {"org_name", "name", "benefits", "questions"}


def nocase(value):
    """SQLite's NOCASE: folds ASCII letters only."""
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in value)


def expected_ids(stack, key, descending=False):
    with stack.db() as db:
        rows = db.execute(f"SELECT c.id, {RAW[key]} FROM connections c JOIN organizations o ON o.id = c.org_id WHERE {ADMINS_CONNECTIONS}").fetchall()
    sort_key = (lambda r: (nocase(r[1]), r[0])) if key in TEXT else (lambda r: (r[1], r[0]))
    return [r[0] for r in sorted(rows, key=sort_key, reverse=descending)]


def total(stack):
    with stack.db() as db:
        return db.execute(f"SELECT count(*) FROM connections c WHERE {ADMINS_CONNECTIONS}").fetchone()[0]


def test_root_leads_an_admin_to_the_overview(stack):
    """The table is one click away (a Viewer lands on it: test_overview.py)."""
    response = stack.get("/")
    assert response.status_code == 303
    assert response.headers["Location"] == "/overview"


def test_table_shows_the_seeded_rows_in_the_page_descriptions_columns(stack):
    response = stack.get("/connections")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    table = Table(response.text)
    assert table.headers == PAGE_COLUMNS
    assert len(table.rows) == 50
    assert table.ids == expected_ids(stack, "name")[:50]
    assert f"1–50 of {total(stack):,}" in response.text
    with stack.db() as db:
        first = db.execute("""SELECT c.org_id, o.name, c.name, c.status, c.approval_type, c.connection_type
                              FROM connections c JOIN organizations o ON o.id = c.org_id WHERE c.id = ?""", (table.ids[0],)).fetchone()
    row = table.rows[0]
    assert [row[0], row[1], row[2], row[3], row[6], row[7]] == [str(first[0]), first[1], first[2], first[3], first[4], first[5]]
    assert row[9] == "Invite drivers"


def test_lists_read_as_lists(stack):
    table = Table(stack.get("/connections?sort=benefits&order=desc&size=200").text)
    with stack.db() as db:
        lists = dict(db.execute("SELECT id, benefits_list FROM connections").fetchall())
    for connection_id, row in zip(table.ids, table.rows):
        assert [item for item in row[5].split("\n") if item.strip()] == lists[connection_id].split("\n")


@pytest.mark.parametrize("key", list(RAW))
def test_every_column_sorts_both_ways_with_a_stable_tie_break(stack, key):
    for descending in (False, True):
        path = f"/connections?sort={key}&size=200" + ("&order=desc" if descending else "")
        table = Table(stack.get(path).text)
        assert table.ids == expected_ids(stack, key, descending)[:200], path


def test_clicking_a_header_sorts_then_reverses(stack):
    table = Table(stack.get("/connections?size=25&page=3").text)
    link = table.header_links["connected_drivers"]
    # Back to page 1, page size kept; focus comes back to this header's link.
    assert link == "/connections?sort=connected_drivers&size=25#sort-connected_drivers"
    again = Table(stack.get(link).text)
    assert again.header_links["connected_drivers"] == "/connections?sort=connected_drivers&order=desc&size=25#sort-connected_drivers"
    assert 'aria-sort="ascending"' in stack.get(link).text


def test_paging_and_page_sizes(stack):
    ids = expected_ids(stack, "name")
    count = total(stack)
    for size in (25, 50, 100, 200):
        response = stack.get(f"/connections?size={size}&page=2")
        table = Table(response.text)
        assert table.ids == ids[size:2 * size]
        assert f"{size + 1}–{min(2 * size, count)} of {count:,}" in response.text
    last = stack.get("/connections?size=200&page=999")
    assert last.status_code == 200
    assert Table(last.text).ids == ids[(len(ids) - 1) // 200 * 200:]
    page = stack.get("/connections?sort=org_name&order=desc&size=25&page=2").text
    # Pager links keep the sort and size; the page-size form carries the sort along.
    assert 'href="/connections?sort=org_name&amp;order=desc&amp;size=25&amp;page=3" rel="next"' in page
    assert 'href="/connections?sort=org_name&amp;order=desc&amp;size=25" rel="prev"' in page
    assert '<input type="hidden" name="sort" value="org_name">' in page
    assert '<option value="25" selected>' in page


@pytest.mark.parametrize("query,fragment", [
    ("sort=password_hash", "no such column"),
    ("size=201", "from 1 to 200"),
    ("page=-1", "whole number"),
    ("order=up", "asc"),
    ("sort=" + "x" * 5000, "no such column"),
])
def test_malformed_state_gets_a_400_page_that_says_why(stack, query, fragment):
    response = stack.get("/connections?" + query)
    assert response.status_code == 400
    assert fragment in response.text
    assert "Back to connections" in response.text


def test_unknown_path_gets_a_404_page(stack):
    for path in ("/nope", "/connections/abc/invite", "/connections/999999/invite", "/connections/1/2/3"):
        response = stack.get(path)
        assert response.status_code == 404, path
        assert "Page not found" in response.text


def test_wrong_method_gets_405(stack):
    response = stack.post("/connections", data={"a": "b"})  # with a valid csrf token
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD"


def test_oversized_bodies_get_413(stack):
    # Above the app's limit (64 KiB here) but within nginx's: the app refuses it.
    response = stack.post("/connections", data={"name": "x" * 100_000}, csrf=False)
    assert response.status_code == 413
    assert "too large" in response.text
    # Above nginx's limit (2 MiB): nginx refuses it with our static page.
    response = stack.post("/connections", data={"name": "x" * (10 * 1024 * 1024)}, csrf=False)
    assert response.status_code == 413
    assert "too large" in response.text
    assert stack.get("/connections").status_code == 200


def test_a_throwing_handler_gets_a_500_and_the_workers_keep_serving(stack):
    for _ in range(stack.threads * 2):
        response = requests.get(stack.base + "/_test/fail", timeout=10)
        assert response.status_code == 500
        assert "Something went wrong" in response.text
    assert all(stack.get("/connections").status_code == 200 for _ in range(stack.threads * 2))
    assert "500 GET /_test/fail" in stack.app_log.read_text()


def test_every_value_is_escaped(stack):
    # "!!" sorts first; <wbr> marks where a long value may break (BreakableText), which the checks below ignore.
    page = stack.get("/connections").text.replace("<wbr>", "")
    assert "<script>" not in page and "<img" not in page and "<b>Robotics" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;script&gt;benefit(&#39;x&#39;)&lt;/script&gt; &amp; &quot;more&quot;" in page
    assert "Acme &lt;b&gt;Robotics&lt;/b&gt; &amp; &quot;Sons&quot;" in page
    assert any(row[2] == "!! " + HOSTILE for row in Table(page).rows)


def test_connected_drivers_counts_connected_memberships_only(stack):
    table = Table(stack.get("/connections").text)
    counting = next(row for row in table.rows if row[2] == "!! Counting test")
    assert counting[4] == "3"  # 3 Connected; 2 Pending, 1 Denied, 1 Removed do not count
    with_pending = Table(stack.get("/connections?sort=pending_requests&order=desc&size=200").text)
    assert with_pending.ids == expected_ids(stack, "pending_requests", True)[:200]


def test_pages_carry_security_headers(stack):
    headers = stack.get("/connections").headers
    assert requests.get(stack.base + "/login", timeout=10).headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cache-Control"] == "no-store"


def test_static_files_are_served_by_nginx_cached_and_compressed(stack):
    page = stack.get("/connections").text
    css = re.search(r'href="(/static/app\.css\?v=[a-z0-9]+)"', page).group(1)
    response = stack.get(css, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/css"
    assert response.headers["Content-Encoding"] == "gzip"
    assert "immutable" in response.headers["Cache-Control"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert ".grid thead th" in response.text
    assert stack.get("/static/nope.css").status_code == 404


def test_compressed_pages(stack):
    response = stack.get("/connections", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"


def test_invite_page_shows_the_absolute_link_and_search_code(stack):
    with stack.db() as db:
        connection_id, token = db.execute("SELECT id, invite_token FROM connections WHERE search_code = 'HSTXTEST'").fetchone()
    page = stack.get(f"/connections/{connection_id}/invite").text
    assert f'value="https://connect.example.test/join/{token}"' in page
    assert "HSTXTEST" in page
    assert "&lt;script&gt;" in page and "<script>" not in page


def test_empty_state(fresh_stack):
    stack = fresh_stack(connections=0).start()
    page = stack.get("/connections").text
    assert "No connections yet" in page
    assert "<table" not in page
