"""scripts/bench-overview's measuring and reporting: each page asked RUNS times one at a time through nginx
(nothing is remembered between requests), the median and the worst of the wall-clock times."""
import datetime
import importlib
import json
import sqlite3
import sys


# The sign-in and the timing of scripts/bench-search.py, one place for both.
search = importlib.import_module("bench-search")
sign_in, timed = search.sign_in, search.timed


def measure(base, database, runs, out):
    db = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    counts = {"connections": db.execute("SELECT count(*) FROM connections").fetchone()[0],
              "memberships": db.execute("SELECT max(id) FROM memberships").fetchone()[0],
              "organizations": db.execute("SELECT count(*) FROM organizations").fetchone()[0]}
    db.close()
    result = {**counts, "rows": []}
    for role, email in (("Admin of every organization", "admin@demo.test"), ("officer of one", "officer@demo.test")):
        session = sign_in(base, email)
        for _ in range(3):  # warm the caches and the prepared statements
            session.get(base + "/overview", timeout=120)
        for what, path in (("reference: trivial FastCGI answer", "/healthz"), ("reference: the table page", "/connections"),
                           ("the overview page", "/overview"), ("the overview's JSON", "/api/v1/overview")):
            result["rows"].append({"role": role, "what": what, "path": path, **timed(session, base + path, runs)})
    with open(out, "w") as f:
        json.dump(result, f)


def report(sqlite_file, postgres_file, connections, cores, server, runs, seed_seconds, binary):
    lite, pg = json.load(open(sqlite_file)), json.load(open(postgres_file))
    lines = ["<!-- overview:start -->", "## Overview (issue 30)", "",
             f"Measured {datetime.date.today()} by `scripts/bench-overview{' --full' if int(connections) >= 1000000 else ''} {runs}` "
             f"on this machine ({cores} cores, **loaded machine, to be re-run**; binary: {binary}): {lite['connections']:,} connections, "
             f"{lite['memberships']:,} memberships, {lite['organizations']:,} organizations (the demo data; seeding took {seed_seconds} s "
             f"when made in this run), through nginx, one request at a time, each the median (and worst) of {runs}; the SQLite file, then "
             f"the same data on {server}. The figures come from `overview_days` and `overview_orgs`, which the writes keep; no "
             "request counts memberships. Target: the overview of every organization under 100 ms at the median.", "",
             "| who | what | path | SQLite median | worst | PostgreSQL median | worst |", "|---|---|---|---|---|---|---|"]
    for a, b in zip(lite["rows"], pg["rows"]):
        failed = " (failed: %d)" % (a["failed"] + b["failed"]) if a["failed"] + b["failed"] else ""
        lines.append(f"| {a['role']} | {a['what']}{failed} | `{a['path']}` | {a['median']:.1f} ms | {a['worst']:.1f} ms | "
                     f"{b['median']:.1f} ms | {b['worst']:.1f} ms |")
    lines.append("<!-- overview:end -->")
    return "\n".join(lines)


if __name__ == "__main__":
    if sys.argv[1] == "measure":
        measure(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
    else:
        print(report(*sys.argv[2:]))
