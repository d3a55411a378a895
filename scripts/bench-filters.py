"""Measures filtered table pages through nginx and the same filters in Datasette, and prints a
BENCHMARKS.md section. Every request asks for a filter set not asked before, so no count is
remembered: each figure includes the total count computed from scratch.

    bench-filters.py measure BASE SESSION TOKEN OUT.json [DATASETTE_BASE DATABASE]
        times one app stack (and Datasette when given) and writes the times to OUT.json
    bench-filters.py report SQLITE.json POSTGRES.json CONNECTIONS DATASETTE_VERSION CORES POSTGRES_SERVER
        prints the section: SQLite and PostgreSQL side by side, Datasette beside them"""
import json
import statistics
import sys
import time
import urllib.parse

import requests

NAMES = ["staff", "guest", "tenant", "nurse", "fleet", "visit", "resid", "member", "facult", "patient",
         "student", "custom", "contract", "valet", "subscri", "partici", "employ", "public"]
QUESTIONS = ["employee", "plate", "loyalty", "unit n", "student n", "badge", "depart", "fleet v", "membership", "lease"]
PAIRS = [(NAMES[i % len(NAMES)], QUESTIONS[(i * 7) % len(QUESTIONS)]) for i in range(30)]
ENUMERATIONS = [("status", "Enabled"), ("status", "Disabled"), ("approval_type", "Manually approve"),
                ("approval_type", "Automatically approve all"), ("approval_type", "Automatically approve by email domain"),
                ("connection_type", "Standard"), ("connection_type", "Leasing Company"),
                ("connection_type", "MFHS Personal Charging Connection"), ("visibility", "Public"), ("visibility", "Private")]
SHORT = ["st", "ue", "a", "v", "es", "ts"]


def measure(base, session, token, out, datasette=None, database=None):
    app = requests.Session()
    app.cookies.set("session", session)
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {token}"
    ds = requests.Session()

    def timed(session, url):
        started = time.perf_counter()
        response = session.get(url, timeout=120)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (url, response.status_code, response.text[:300])
        return elapsed, response

    def ours(filters, **extra):
        pairs = []
        for column, condition, value, *group in filters:  # a fourth item: the filter's group (g)
            pairs += [("f", column), ("op", condition), ("v", value)] + [("g", str(g)) for g in group]
        elapsed, response = timed(app, base + "/connections?" + urllib.parse.urlencode(pairs + list(extra.items())))
        assert not filters or 'class="filter-sentence"' in response.text or "No connections match" in response.text
        return elapsed

    def through_api(filters, next_page=False, **extra):
        """The API's list, the same 50 rows and total as JSON; with next_page, the page after it by its cursor."""
        pairs = []
        for column, condition, value in filters:
            pairs += [("f", column), ("op", condition), ("v", value)]
        elapsed, response = timed(api, base + "/api/v1/connections?" + urllib.parse.urlencode(pairs + list(extra.items())))
        if next_page and response.json()["next"]:  # at small sizes a rare pair has no second page
            elapsed, response = timed(api, base + response.json()["next"])
        assert response.json()["total"] >= 0
        return elapsed

    def theirs(filters, sort="name"):
        # Datasette's table JSON: 50 rows, sorted, with filtered_table_rows_count (its total count).
        query = [(f"{column}__{'contains' if condition == 'contains' else 'exact'}", value) for column, condition, value in filters]
        elapsed, response = timed(ds, f"{datasette}/{database}/connections.json?"
                                  + urllib.parse.urlencode(query + [("_sort", sort), ("_size", "50")]))
        assert response.json().get("filtered_table_rows_count") is not None
        return elapsed

    # Warm the app's file caches (and Datasette's) the same way: one unfiltered page each.
    ours([])
    if datasette:
        theirs([])

    times = {}
    times["two_contains"] = [ours([("name", "contains", n), ("questions", "contains", q)]) for n, q in PAIRS]
    times["two_contains_sorted"] = [ours([("name", "contains", n), ("questions", "contains", q)], sort="connected_drivers", order="desc")
                                    for n, q in PAIRS[:15]]
    times["name_and_org"] = [ours([("name", "contains", n), ("org_name", "contains", o)])
                             for n, o in zip(NAMES, ["north", "harbor", "lake", "labs", "campus", "union", "mesa", "river", "stone",
                                                     "eagle", "sun", "pine", "cedar", "maple", "oak", "silver", "bright", "aurora"])]
    times["enumeration"] = [ours([(column, "is", value)]) for column, value in ENUMERATIONS]
    times["enumeration_sorted"] = [ours([(column, "is", value)], sort="connected_drivers") for column, value in ENUMERATIONS]
    times["short"] = [ours([("name", "contains", value)]) for value in SHORT]
    # Two groups of two Contains (issue 28): (name or name) and (question or question).
    times["two_groups"] = [ours([("name", "contains", NAMES[i], 1), ("name", "contains", NAMES[(i + 5) % len(NAMES)], 1),
                                 ("questions", "contains", QUESTIONS[i % len(QUESTIONS)], 2),
                                 ("questions", "contains", QUESTIONS[(i + 3) % len(QUESTIONS)], 2)], gm="any,any")
                           for i in range(15)]

    # Other filter values than the page's above (each word less its first letter), so that no count is remembered from those.
    api_pairs = [(name[1:], question[1:]) for name, question in PAIRS]
    times["api_two_contains_sorted"] = [through_api([("name", "contains", n), ("questions", "contains", q)], sort="connected_drivers",
                                                    order="desc") for n, q in api_pairs]
    times["api_next_page"] = [through_api([("name", "contains", n), ("questions", "contains", q)], next_page=True, sort="connected_drivers",
                                          order="desc") for n, q in [(name[2:], question[2:]) for name, question in PAIRS[:15]]]

    if datasette:
        times["ds_two"] = [theirs([("name", "contains", n), ("questions_list", "contains", q)]) for n, q in PAIRS]
        times["ds_enumeration"] = [theirs([(column, "is", value)]) for column, value in ENUMERATIONS]
        times["ds_short"] = [theirs([("name", "contains", value)]) for value in SHORT]
    with open(out, "w") as file:
        json.dump(times, file)


def median(values):
    return f"{statistics.median(values):.1f} ms" if values else ""


def report(sqlite_file, postgres_file, connections, datasette_version, cores, postgres_server):
    s = json.load(open(sqlite_file))
    p = json.load(open(postgres_file))

    def row(label, key, ds_key=None, bold=False):
        cells = [median(s[key]), median(p[key])]
        if bold:
            cells = [f"**{c}**" for c in cells]
        return f"| {label} | {len(s[key])} | {cells[0]} | {cells[1]} | {median(s.get(ds_key, [])) if ds_key else ''} |"

    today = time.strftime("%Y-%m-%d", time.gmtime())
    rows = "\n".join([
        row("two Contains (Connection Name, Verify drivers by), 3+ characters, sorted by name", "two_contains", "ds_two", True),
        row("the same, sorted by Connected Drivers descending", "two_contains_sorted"),
        row("two Contains (Connection Name, Org Name), 3+ characters", "name_and_org"),
        row("the API's list (`/api/v1/connections`, JSON, every column), two Contains sorted by Connected Drivers descending",
            "api_two_contains_sorted", bold=True),
        row("the API's next page by its cursor, same filters and sort", "api_next_page"),
        row("Is on an enumeration (Status, Approval type, Connection Type, Visibility)", "enumeration", "ds_enumeration", True),
        row("the same, sorted by Connected Drivers", "enumeration_sorted"),
        row("two groups of two Contains, (Name or Name) and (Verify drivers by or Verify drivers by)", "two_groups", bold=True),
        row("Contains with one or two characters (a scan: no trigram to look up)", "short", "ds_short"),
    ])
    print(f"""<!-- filters:start -->
## Filters on {int(connections):,} connections (issues 4 and 14)

Measured {today} by `scripts/bench-filters {connections}` on this machine ({cores} cores), one request at a time
through nginx, signed in as the demo Admin (every organization). Every request is a filter set not asked
before, so each time includes the total count computed from scratch; each figure is the median over the
requests listed. The same app serves the SQLite file, then the same data copied to PostgreSQL
({postgres_server}), in the same run. Datasette {datasette_version} (from PyPI) serves the same SQLite file, asked for
the same 50 rows, sort and count through its table JSON (`sql_time_limit_ms` raised so it finishes counting).

| page of 50 with its total count | requests | SQLite | PostgreSQL | Datasette |
|---|---|---|---|---|
{rows}

- Targets: on SQLite at most 50 ms at the median (issue 4), on PostgreSQL at most 100 ms (issue 14), for two
  Contains filters with a sort and the count (the page and the API's list alike), for two groups of two
  Contains (issue 28), and for Is on an enumeration with its count.
- Slowest single requests, SQLite / PostgreSQL: two Contains {max(s["two_contains"]):.0f} / {max(p["two_contains"]):.0f} ms,
  through the API {max(s["api_two_contains_sorted"]):.0f} / {max(p["api_two_contains_sorted"]):.0f} ms,
  Is {max(s["enumeration"]):.0f} / {max(p["enumeration"]):.0f} ms, short Contains {max(s["short"]):.0f} / {max(p["short"]):.0f} ms.
- Contains of three characters or more reads a trigram index and never the rows it rules out: on SQLite
  the FTS5 index `connections_search` (kept in step by triggers; several Contains are one index query),
  on PostgreSQL `pg_trgm` GIN indexes on the folded text (several Contains are one bitmap AND, then each
  candidate row is checked). Is on an enumeration tests its few allowed values, then the column's index
  finds the rows (on PostgreSQL an index-only count, once the visibility map is set: `copy` vacuums).
  One- or two-character values cannot use trigrams: those scan every row (figure above).
- App peak memory (VmHWM) after the runs: SQLite @PEAK_SQLITE@ MiB, PostgreSQL @PEAK_POSTGRES@ MiB.
<!-- filters:end -->""")


if __name__ == "__main__":
    if sys.argv[1] == "measure":
        measure(*sys.argv[2:])
    elif sys.argv[1] == "report":
        report(*sys.argv[2:])
    else:
        sys.exit(__doc__)
