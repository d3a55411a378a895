"""scripts/bench-search's measuring and reporting: each query asked RUNS times one at a time through nginx
(no answer is remembered between requests), the median and the worst of the wall-clock times."""
import datetime
import json
import re
import sqlite3
import statistics
import sys
import time
import urllib.parse

import requests


def sign_in(base, email):
    session = requests.Session()
    page = session.get(base + "/login", timeout=30).text
    csrf = re.search(r'name="csrf" value="([^"]*)"', page).group(1)
    answer = session.post(base + "/login", data={"csrf": csrf, "email": email, "password": "connections-demo", "next": "/connections"},
                          timeout=30)
    assert answer.ok and "session" in session.cookies, answer.status_code
    return session


def queries(database):
    """Words a host types, taken from the data: a broad connection word, a driver's surname, an email's
    number (rare), an organization's email domain (broad: every driver of it), a search code, two letters."""
    db = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    surname = db.execute("SELECT driver_name FROM memberships WHERE id = 777").fetchone()[0].split()[-1]
    email = db.execute("SELECT email FROM drivers WHERE id = (SELECT max(id) / 2 FROM drivers)").fetchone()[0]
    number = re.search(r"\.(\d+)@", email)
    rare = "." + number.group(1) + "@" if number else email.split("@")[0]
    domain = email.split("@")[1].split(".")[0]
    code = db.execute("SELECT search_code FROM connections WHERE id = (SELECT max(id) / 2 FROM connections)").fetchone()[0]
    drivers = db.execute("SELECT max(id) FROM drivers").fetchone()[0]
    db.close()
    return drivers, [("a connection name word (Fleet, 5 % of names)", "fleet"), ("a driver's surname", surname),
                     ("an email's number (rare)", rare), ("an organization's email domain (broad)", domain),
                     ("a search code", code.lower()), ("two letters (organizations only)", "fl")]


def timed(session, url, runs):
    times, failed = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        answer = session.get(url, timeout=120)
        times.append((time.perf_counter() - started) * 1000)
        failed += answer.status_code != 200  # a 503 past the statement timeout: recorded, not hidden
    return {"median": statistics.median(times), "worst": max(times), "failed": failed}


def measure(base, database, runs, out):
    drivers, words = queries(database)
    result = {"drivers": drivers, "rows": []}
    for role, email in (("Admin", "admin@demo.test"), ("Viewer", "viewer@demo.test")):
        session = sign_in(base, email)
        for _ in range(3):  # warm the caches and the prepared statements
            session.get(base + "/connections", timeout=120)
        result["rows"].append({"role": role, "what": "reference: trivial FastCGI answer (/healthz)", "q": "",
                               **timed(session, base + "/healthz", runs)})
        result["rows"].append({"role": role, "what": "reference: the table page (/connections)", "q": "",
                               **timed(session, base + "/connections", runs)})
        for what, q in words:
            for path in ("/search/suggest", "/search"):
                result["rows"].append({"role": role, "what": what, "q": q, "path": path,
                                       **timed(session, base + path + "?q=" + urllib.parse.quote(q), runs)})
    with open(out, "w") as f:
        json.dump(result, f)


def report(sqlite_file, postgres_file, database, connections, cores, server, runs, seed_seconds):
    lite, pg = json.load(open(sqlite_file)), json.load(open(postgres_file))
    lines = ["<!-- search:start -->", "## Search box (issue 23)", "",
             f"Measured {datetime.date.today()} by `scripts/bench-search {connections} {runs}` on this machine ({cores} cores): "
             f"{int(connections):,} connections and {lite['drivers']:,} drivers (the demo data at that size; seeding took "
             f"{seed_seconds} s when it was made in this run, 0 when the file was there), through nginx, one request at a time, "
             f"each the median (and worst) of {runs}; the SQLite file, then the same data on {server}. "
             "`/search/suggest` is what the box's list asks (4 per group), `/search` the results page (20 per group). "
             "Target: under 50 ms.", "",
             "| who | what | q | path | SQLite median | worst | PostgreSQL median | worst |", "|---|---|---|---|---|---|---|---|"]
    for a, b in zip(lite["rows"], pg["rows"]):
        failed = lambda r: f" ({r['failed']} failed)" if r.get("failed") else ""
        lines.append(f"| {a['role']} | {a['what']} | `{a['q']}` | {a.get('path', '')} | **{a['median']:.1f} ms**{failed(a)} | {a['worst']:.1f} ms "
                     f"| **{b['median']:.1f} ms**{failed(b)} | {b['worst']:.1f} ms |")
    lines.append("<!-- search:end -->")
    return "\n".join(lines)


if __name__ == "__main__":
    if sys.argv[1] == "measure":
        measure(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
    else:
        print(report(*sys.argv[2:]))
