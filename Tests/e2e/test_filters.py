"""The filter builder through nginx: every condition on every kind of column, URL state, errors."""
import re
import urllib.parse

import requests

from harness import ADMINS_CONNECTIONS, OFFICER, Table

# Each column as the page's catalog names it, with how its raw value is read from SQLite.
COLUMNS = {
    "org_id": ("number", "c.org_id"), "org_name": ("text", "o.name"), "name": ("text", "c.name"),
    "status": ("choice", "c.status"), "connected_drivers": ("number", "c.connected_drivers"),
    "benefits": ("list", "c.benefits_list"), "approval_type": ("choice", "c.approval_type"),
    "connection_type": ("choice", "c.connection_type"), "questions": ("list", "c.questions_list"),
    "visibility": ("choice", "c.visibility"), "search_code": ("text", "c.search_code"),
    "pending_requests": ("number", "c.pending_requests"), "created_at": ("date", "c.created_at"),
    "updated_at": ("date", "c.updated_at"),
}
TEXT_CONDITIONS = ["contains", "not_contains", "is", "is_not", "starts", "ends", "empty", "not_empty"]
ORDERED_CONDITIONS = TEXT_CONDITIONS + ["gt", "lt"]


def fold(text):
    return text.lower()


def matches(kind, raw, condition, value):
    """The rules of the filter builder, read plainly."""
    typed = value.strip()
    needle = fold(typed)
    if kind == "number":
        digits = str(raw)
        return {"contains": needle in digits, "not_contains": needle not in digits, "starts": digits.startswith(needle),
                "ends": digits.endswith(needle), "empty": False, "not_empty": True,
                "is": raw == int(typed or 0), "is_not": raw != int(typed or 0),
                "gt": raw > int(typed or 0), "lt": raw < int(typed or 0)}[condition]
    if kind == "date":
        day = raw[:10]
        return {"contains": needle in fold(raw), "not_contains": needle not in fold(raw), "starts": fold(raw).startswith(needle),
                "ends": fold(raw).endswith(needle), "empty": False, "not_empty": True, "is": day == typed,
                "is_not": day != typed, "gt": day > typed, "lt": day < typed}[condition]
    if kind == "list":
        items = [fold(item) for item in raw.split("\n")] if raw else []
        return {"contains": any(needle in i for i in items), "not_contains": not any(needle in i for i in items),
                "is": needle in items, "is_not": needle not in items, "starts": any(i.startswith(needle) for i in items),
                "ends": any(i.endswith(needle) for i in items), "empty": raw == "", "not_empty": raw != ""}[condition]
    whole = fold(raw.strip(" "))
    return {"contains": needle in fold(raw), "not_contains": needle not in fold(raw), "is": whole == needle,
            "is_not": whole != needle, "starts": whole.startswith(needle), "ends": whole.endswith(needle),
            "empty": whole == "", "not_empty": whole != ""}[condition]


def all_rows(stack, org=None):
    expressions = ", ".join(expression for _, expression in COLUMNS.values())
    with stack.db() as db:
        query = f"SELECT c.id, {expressions} FROM connections c JOIN organizations o ON o.id = c.org_id"
        rows = db.execute(query + (" WHERE c.org_id = ?" if org else f" WHERE {ADMINS_CONNECTIONS}"), (org,) if org else ()).fetchall()
    return [dict(zip(["id"] + list(COLUMNS), row)) for row in rows]


def expected(rows, filters, match="all"):
    def keep(row):
        results = [matches(COLUMNS[column][0], row[column], condition, value) for column, condition, value in filters]
        return all(results) if match == "all" else any(results)
    return {row["id"] for row in rows if keep(row)}


def query(filters, **extra):
    pairs = []
    for column, condition, value in filters:
        pairs += [("f", column), ("op", condition), ("v", value)]
    return urllib.parse.urlencode(pairs + list(extra.items()))


def total_of(page):
    sentence = re.search(r'class="filter-sentence">([\d,]+) connection', page)
    if sentence:
        return int(sentence.group(1).replace(",", ""))
    assert "No connections match these filters" in page
    return 0


def ids_on_every_page(stack, filters, **extra):
    ids, page = [], 1
    while True:
        response = stack.get("/connections?" + query(filters, size=200, page=page, **extra))
        assert response.status_code == 200, response.text
        ids += Table(response.text).ids
        if 'rel="next"' not in response.text:
            return ids, total_of(response.text)
        page += 1


def value_for(kind, condition, rows, column):
    """A value that selects some rows and leaves others out, from the data itself."""
    if condition in ("empty", "not_empty"):
        return ""
    raws = sorted({row[column] for row in rows}, key=str)
    middle = raws[len(raws) // 2]
    if kind == "number":
        return str(middle) if condition in ("is", "is_not", "gt", "lt") else str(middle)[:1]
    if kind == "date":
        return middle[:10] if condition in ("is", "is_not", "gt", "lt") else middle[:7]
    if kind == "choice":
        return middle.upper() if condition in ("is", "is_not") else middle[1:4]
    if kind == "list":
        item = next(raw for raw in raws if raw).split("\n")[0]
        return item.upper() if condition in ("is", "is_not") else item[2:6]
    return middle.upper() if condition in ("is", "is_not") else middle[1:4]


def test_every_condition_on_every_kind_of_column(stack):
    rows = all_rows(stack)
    checked = 0
    for column, (kind, _) in COLUMNS.items():
        conditions = ORDERED_CONDITIONS if kind in ("number", "date") else TEXT_CONDITIONS
        for condition in conditions:
            value = value_for(kind, condition, rows, column)
            filters = [(column, condition, value)]
            want = expected(rows, filters)
            ids, total = ids_on_every_page(stack, filters)
            assert total == len(want), (column, condition, value)
            assert set(ids) == want and len(ids) == len(set(ids)), (column, condition, value)
            checked += 1
    assert checked == 9 * 8 + 5 * 10  # text, choice and list columns: 8 conditions; numbers and dates: 10


def test_conditions_not_for_a_kind_of_column_are_refused_inline(stack):
    response = stack.get("/connections?" + query([("name", "gt", "3")]))
    assert response.status_code == 400
    assert "“Greater than” compares numbers and dates" in response.text


def test_several_filters_on_one_column_and_match_any(stack):
    rows = all_rows(stack)
    both = [("name", "contains", "staff"), ("name", "not_contains", "2")]
    ids, total = ids_on_every_page(stack, both)
    assert set(ids) == expected(rows, both) and total == len(expected(rows, both)) > 0
    either = [("status", "is", "Disabled"), ("connected_drivers", "gt", "5")]
    ids, total = ids_on_every_page(stack, either, match="any")
    want = expected(rows, either, "any")
    assert set(ids) == want and total == len(want)
    assert len(want) > len(expected(rows, either[:1])) and len(want) > len(expected(rows, either[1:]))
    page = stack.get("/connections?" + query(either, match="any")).text
    assert "where Connection Status is Disabled or Connected Drivers is greater than 5" in page


def test_contains_folds_case_beyond_ascii_and_takes_wildcards_literally(stack):
    with stack.db() as db:
        org = db.execute("SELECT min(id) FROM organizations").fetchone()[0]
        for index, name in enumerate(["ÉCOLE Centrale Lyon", "Promo 100%_off", "Back\\slash crew", "Quote \"it\" 'now'", "Percent50 plain"]):
            db.execute("""INSERT INTO connections (org_id, name, status, connection_type, approval_type, visibility, search_code,
                          invite_token, created_at, updated_at) VALUES (?, ?, 'Enabled', 'Standard', 'Manually approve', 'Private',
                          ?, ?, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')""",
                       (org, name, f"FQTRTS{'ABCDE'[index]}", f"filter-test-token-{index:08d}"))
    def names(filters):
        return [row[2] for row in Table(stack.get("/connections?" + query(filters, size=200)).text).rows]
    assert names([("name", "contains", "école")]) == ["ÉCOLE Centrale Lyon"]
    assert names([("name", "contains", "ÉC")]) == ["ÉCOLE Centrale Lyon"]  # two characters: no trigram, same answer
    assert names([("name", "is", "  école centrale lyon ")]) == ["ÉCOLE Centrale Lyon"]
    assert names([("name", "contains", "%_")]) == ["Promo 100%_off"]
    assert names([("name", "contains", "0%")]) == ["Promo 100%_off"]
    assert names([("name", "contains", "\\")]) == ["Back\\slash crew"]
    assert names([("name", "contains", "\"it\" 'n")]) == ["Quote \"it\" 'now'"]
    assert names([("name", "contains", "' OR 1=1 --")]) == []
    assert names([("name", "contains", "\" OR \"")]) == []
    # Is on numbers compares numbers: 10 is not 100.
    rows = all_rows(stack)
    tens = expected(rows, [("connected_drivers", "is", "10")])
    assert set(ids_on_every_page(stack, [("connected_drivers", "is", "10")])[0]) == tens
    assert all(row["connected_drivers"] == 10 for row in rows if row["id"] in tens)


def test_lists_match_by_item(stack):
    rows = all_rows(stack)
    for filters in ([("benefits", "is", "free charging")], [("benefits", "contains", "discount")],
                    [("questions", "is", "Badge number")], [("questions", "starts", "badge")], [("benefits", "is", "charging")]):
        ids, total = ids_on_every_page(stack, filters)
        assert set(ids) == expected(rows, filters) and total == len(ids), filters
    assert ids_on_every_page(stack, [("benefits", "is", "charging")])[1] == 0  # no item is just "charging"


def test_filters_live_in_the_url_and_survive_paging_sorting_and_sizes(stack):
    filters = [("benefits", "contains", "charging"), ("status", "is", "Enabled")]
    url = "/connections?" + query(filters)
    page = stack.get(url).text
    assert total_of(page) > 50
    table = Table(page)
    for link in list(table.header_links.values()) + re.findall(r'href="([^"]*page=2[^"]*)"', page):
        link = link.replace("&amp;", "&")
        assert "f=benefits&op=contains&v=charging&f=status&op=is&v=Enabled" in link, link
    # The page-size and organization forms carry the filters as hidden fields.
    size_form = page[page.index('class="page-size'):]
    assert 'name="f" value="benefits"' in size_form and 'name="v" value="charging"' in size_form
    # The filter form carries sort and size but not its own fields twice.
    form = page[page.index('id="filter-form"'):page.index("</form>", page.index('id="filter-form"'))]
    sorted_page = stack.get(url + "&sort=connected_drivers&size=25").text
    form = sorted_page[sorted_page.index('id="filter-form"'):sorted_page.index("</form>", sorted_page.index('id="filter-form"'))]
    assert 'type="hidden" name="sort" value="connected_drivers"' in form and 'type="hidden" name="size" value="25"' in form
    assert 'type="hidden" name="f"' not in form


def test_summary_sentence_and_chips(stack):
    filters = [("name", "contains", "fleet"), ("status", "is", "enabled"), ("connected_drivers", "gt", "0")]
    page = stack.get("/connections?" + query(filters)).text
    total = total_of(page)
    sentence = re.search(r'class="filter-sentence">([^<]*)<', page).group(1)
    assert sentence == (f"{total:,} connection{'s' if total != 1 else ''} where Connection Name contains “fleet” and "
                        "Connection Status is Enabled and Connected Drivers is greater than 0")
    chips = re.findall(r'<li><span>([^<]*)</span><a href="([^"]*)" class="chip-remove"', page)
    assert [text for text, _ in chips] == ["Connection Name contains “fleet”", "Connection Status is Enabled",
                                           "Connected Drivers is greater than 0"]
    without_status = chips[1][1].replace("&amp;", "&")
    # Focus comes back to the chips left (a fragment the script focuses; without it, where Tab starts).
    assert without_status == "/connections?" + query([filters[0], filters[2]]) + "#filter-summary"
    assert 'href="/connections#filter-panel" class="clear-all"' in page


def test_the_builder_works_without_javascript(stack):
    filters = [("name", "contains", "staff"), ("status", "is", "Enabled")]
    # Add Filter is a submit button: the same filters come back with a blank row, the panel open.
    page = stack.get("/connections?" + query(filters, add="1")).text
    assert '<details class="filter-panel tool-panel" open>' in page
    rows = page[page.index('<ol class="filter-rows">'):page.index("</ol>")]
    assert rows.count('class="filter-row"') == 3
    # Remove is a submit button too: the filter goes and the panel stays open.
    response = stack.get("/connections?" + query(filters, remove="0"))
    assert response.status_code == 303
    assert response.headers["Location"] == "/connections?" + query(filters[1:], edit="filters") + "#filter-panel"
    assert '<details class="filter-panel tool-panel" open>' in stack.get(response.headers["Location"]).text
    # An enumeration's value is a drop-down of its allowed values.
    assert re.search(r'<select id="v-1" name="v"[^>]*><option selected>Enabled</option><option>Disabled</option></select>', page)


def test_an_unfinished_filter_is_shown_inline(stack):
    response = stack.get("/connections?" + query([("name", "contains", "   "), ("status", "is", "Enabled")]))
    assert response.status_code == 400
    assert "Enter a value, or choose “Is empty”." in response.text
    assert 'aria-invalid="true" aria-describedby="problem-0"' in response.text
    assert '<details class="filter-panel tool-panel" open>' in response.text
    # The finished filter still applies; the unfinished one is not silently dropped from view.
    assert "where Connection Status is Enabled" in response.text
    for filters, message in (([("connected_drivers", "is", "ten")], "Connected Drivers is a whole number"),
                             ([("created_at", "is", "25/11/2026")], "Enter a date as YYYY-MM-DD"),
                             ([("status", "is", "Paused")], "Connection Status is one of: Enabled, Disabled."),
                             ([("name", "contains", "x" * 5000)], "Enter at most 200 characters."),
                             ([("name", "contains", "a\nb")], "Enter the value on one line.")):
        response = stack.get("/connections?" + query(filters))
        assert response.status_code == 400 and message in response.text, message


def test_hand_edited_urls_get_a_400_that_says_what_is_wrong(stack):
    cases = {
        "f=nope&op=contains&v=x": "Cannot filter by “nope”: there is no such column.",
        "f=name&op=like&v=x": "“like” is not a filter condition.",
        "f=name&f=status&op=contains&v=x": "Each filter needs a column (f), a condition (op) and a value (v)",
        "f=name&op=contains&v=x&match=some": "“match” must be “all” or “any”",
        "f=name&op=contains&v=x&remove=7": "There is no filter number “7” to remove.",
        "f=%3Cscript%3E&op=is&v=x": "Cannot filter by “&lt;script&gt;”",
        query([("name", "contains", "x")] * 31): "Use at most 30 filters at once.",
    }
    for url, message in cases.items():
        response = stack.get("/connections?" + url)
        assert response.status_code == 400, url
        assert message in response.text, (url, response.text[:500])
        assert "<script>" not in response.text
    # "Is empty" needs no value, even with none in the address.
    assert stack.get("/connections?f=questions&op=empty").status_code == 200


def test_a_ten_megabyte_value_is_refused_by_nginx_with_a_page(stack):
    response = stack.get("/connections?f=name&op=contains&v=" + "x" * (10 * 1024 * 1024))
    assert response.status_code == 414
    assert "address is too long" in response.text
    assert stack.get("/connections").status_code == 200


def test_filters_respect_the_organizations_of_the_user(stack):
    officer = stack.sign_in(OFFICER)
    org = stack.organization_of(OFFICER)
    filters = [("benefits", "contains", "charging")]
    ids, page = [], 1
    while True:
        response = stack.get("/connections?" + query(filters, size=200, page=page), as_user=officer)
        ids += Table(response.text).ids
        if 'rel="next"' not in response.text:
            break
        page += 1
    assert set(ids) == expected(all_rows(stack, org), filters) and ids
    assert total_of(response.text) == len(ids)


def test_filtered_to_nothing_says_so(stack):
    page = stack.get("/connections?" + query([("name", "is", "no such connection anywhere")])).text
    assert "No connections match these filters" in page and 'href="/connections#filter-panel">clear all filters</a>' in page


def test_the_script_reads_the_filter_catalog_once_and_caches_it(stack):
    page = stack.get("/connections").text
    url = re.search(r'data-catalog="([^"]+)"', page).group(1)
    response = stack.get(url)
    assert response.status_code == 200 and "immutable" in response.headers["Cache-Control"]
    catalog = response.json()
    keys = [column["key"] for column in catalog["columns"]]
    assert keys[:3] == ["org_id", "org_name", "name"] and "status" in keys
    assert next(c for c in catalog["columns"] if c["key"] == "status")["choices"] == ["Enabled", "Disabled"]
    assert [c["label"] for c in catalog["conditions"]][:3] == ["Contains", "Does Not Contain", "Is"]
    # A page without filters carries no row markup; the rows come from the catalog.
    assert 'class="filter-row"' not in page
