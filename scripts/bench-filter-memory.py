"""Asks the table page for N distinct filter sets (after 1,000 others as a warm-up) and prints the app's resident memory before and
after, in MiB: "rss_before rss_after sets seconds". Usage: bench-filter-memory.py BASE COOKIE PID [N]"""
import concurrent.futures
import itertools
import sys
import time
import urllib.parse

import requests

base, cookie, pid = sys.argv[1], sys.argv[2], sys.argv[3]
wanted = int(sys.argv[4]) if len(sys.argv) > 4 else 20000


def rss_mib():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise SystemExit("no VmRSS")


headers = {"Cookie": cookie}
catalog = requests.get(base + "/connections/filter-catalog", headers=headers, timeout=30).json()
singles = []
for column in catalog["columns"]:
    for condition in catalog["conditions"]:
        if condition["ordering"] and not column["ordered"]:
            continue
        value = "" if condition["noValue"] else (column.get("choices") or ["5" if column["ordered"] else "ann"])[0]
        if column["ordered"] and column["key"] in ("created_at", "updated_at") and value:
            value = "2026-01-01"
        singles.append((column["key"], condition["key"], value))
# Distinct sets: every ordered pair of single filters, in both match modes, then triples.
sets = []
for match in ("all", "any"):
    sets += [(match, pair) for pair in itertools.permutations(singles, 2)]
sets += [("all", triple) for triple in itertools.permutations(singles, 3)]
warm_up, sets = sets[wanted:wanted + 1000], sets[:wanted]
assert len(sets) == wanted and len(warm_up) == 1000, f"only {len(sets)} distinct sets"


def url(entry):
    match, filters = entry
    pairs = [("match", match)] if match == "any" else []
    for key, op, value in filters:
        pairs += [("f", key), ("op", op), ("v", value)]
    return base + "/connections?" + urllib.parse.urlencode(pairs)


sessions = {}


def fetch(target):
    session = sessions.setdefault(id(concurrent.futures.thread), requests.Session())
    status = session.get(target, headers=headers, timeout=120).status_code
    assert status in (200, 400), (target, status)


# Warm up with 1,000 other filter sets: the bounded caches (prepared statements, SQLite's pages)
# fill up first, so what follows shows whether memory keeps growing with new combinations.
with concurrent.futures.ThreadPoolExecutor(4) as pool:
    list(pool.map(fetch, (url(entry) for entry in warm_up)))
before = rss_mib()
started = time.time()
with concurrent.futures.ThreadPoolExecutor(4) as pool:
    list(pool.map(fetch, (url(entry) for entry in sets)))
print(f"{before:.1f} {rss_mib():.1f} {len(sets)} {time.time() - started:.0f}")
