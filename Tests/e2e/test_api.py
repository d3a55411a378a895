"""The JSON API through the real nginx and app: every answer checked against the OpenAPI document
(openapi-core in the test venv), nginx's own errors as problem details, the limit per token across
processes, streamed exports, and schemathesis (from PyPI) run against the whole API."""
import csv
import io
import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest
import requests

from api_client import API, VENV_PYTHON, DocumentChecker, make_token
from harness import ADMIN, OFFICER, ROOT, VIEWER


@pytest.fixture(scope="module")
def checker(stack):
    document = requests.get(stack.base + "/api/v1/openapi.json", timeout=30).json()
    checker = DocumentChecker(document)
    yield checker
    checker.close()


@pytest.fixture(scope="module")
def admin_api(stack, checker):
    return API(stack, checker, make_token(stack, ADMIN, name="e2e admin"))


def test_the_document_is_served_and_valid_openapi(stack, checker):
    # The checker validated the document itself with openapi-spec-validator when it started; it answers.
    response = API(stack, checker).get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/json"
    document = response.json()
    assert document["openapi"] == "3.1.0"
    assert "/api/v1/connections" in document["paths"]
    assert checker.checked >= 1


def test_list_walk_with_cursor_and_total_through_nginx(stack, admin_api):
    first = admin_api.get("/api/v1/connections", f=["benefits"], op=["contains"], v=["charging"], sort="connected_drivers", order="desc",
                          size=25, cols="name,connected_drivers")
    assert first.status_code == 200
    page = first.json()
    seen = [row["id"] for row in page["rows"]]
    while page["next"]:
        page = admin_api.get(page["next"]).json()
        seen += [row["id"] for row in page["rows"]]
    assert len(seen) == len(set(seen)) == first.json()["total"] > 25
    counts = [row["connected_drivers"] for row in first.json()["rows"]]
    assert counts == sorted(counts, reverse=True)


def test_changes_need_a_token_not_a_cookie(stack, checker, admin_api):
    browser = stack.admin
    with stack.db() as db:
        connection = db.execute("SELECT min(id) FROM connections WHERE status = 'Enabled'").fetchone()[0]
    cookie_only = API(stack, checker)
    cookie_only.http = browser
    assert cookie_only.get(f"/api/v1/connections/{connection}").status_code == 200, "a signed-in browser may read"
    refused = cookie_only.call("POST", f"/api/v1/connections/{connection}/disable", raw=f"csrf={browser.csrf}",
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert refused.status_code == 401
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    with stack.db() as db:
        assert db.execute("SELECT status FROM connections WHERE id = ?", (connection,)).fetchone()[0] == "Enabled"
    # With a token: done, and audited under its name.
    assert admin_api.post(f"/api/v1/connections/{connection}/disable").json()["status"] == "Disabled"
    assert admin_api.post(f"/api/v1/connections/{connection}/enable").json()["status"] == "Enabled"
    log = admin_api.get("/api/v1/audit").json()["entries"]
    assert log[0]["action"] == "Enabled connection" and log[0]["actor"] == f"{ADMIN} (API token “e2e admin”)"


def test_roles_as_the_console_checks_them(stack, checker):
    officer = API(stack, checker, make_token(stack, OFFICER, name="officer e2e"))
    viewer = API(stack, checker, make_token(stack, VIEWER, name="viewer e2e"))
    officer_org = stack.organization_of(OFFICER)
    with stack.db() as db:
        mine = db.execute("SELECT min(id) FROM connections WHERE org_id = ?", (officer_org,)).fetchone()[0]
    assert officer.get(f"/api/v1/connections/{mine}").status_code == 200
    assert officer.post(f"/api/v1/connections/{mine}/disable").status_code == 403
    assert viewer.get(f"/api/v1/connections/{mine}").status_code == 404
    assert viewer.get("/api/v1/connections/987654321").json()["detail"] == "There is no connection with id 987654321."
    assert "invite_link" not in viewer.get("/api/v1/connections").json()["columns"]


def test_a_stale_version_is_a_409_with_what_differs(stack, admin_api):
    org = stack.organization_of(OFFICER)
    created = admin_api.post("/api/v1/connections", {"organization_id": org, "name": "E2E Contractors", "name_for_drivers": "Drivers' name",
                                                     "benefits": ["Free charging"]})
    assert created.status_code == 201, created.text
    connection = created.json()
    assert created.headers["Location"] == f"/api/v1/connections/{connection['id']}"
    path = f"/api/v1/connections/{connection['id']}"
    assert admin_api.call("PATCH", path, body={"version": connection["version"], "visibility": "Public"}).status_code == 200
    stale = admin_api.call("PATCH", path, body={"version": connection["version"], "visibility": "Private"})
    assert stale.status_code == 409
    assert [d["field"] for d in stale.json()["differences"]] == ["visibility"]
    assert stale.json()["current"]["visibility"] == "Public"


def test_streamed_exports_through_nginx_are_the_pages(stack, admin_api):
    query = {"f": ["status"], "op": ["is"], "v": ["Enabled"], "cols": "org_id,name,status"}
    exported = admin_api.get("/api/v1/connections/export.csv", **query)
    assert exported.status_code == 200 and exported.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8"), newline="")))
    assert rows[0] == ["Org ID", "Connection Name", "Connection Status"]
    lines = admin_api.get("/api/v1/connections/export.ndjson", **query).text.splitlines()
    assert len(lines) == len(rows) - 1 == admin_api.get("/api/v1/connections", **query).json()["total"]
    assert all(json.loads(line)["status"] == "Enabled" for line in lines)


def test_nginx_answers_the_api_in_json_too(stack, checker, admin_api):
    big = admin_api.call("POST", "/api/v1/connections", raw=b"{" + b" " * (3 * 1024 * 1024) + b"}",
                         headers={"Content-Type": "application/json"})
    assert big.status_code == 413
    assert big.headers["Content-Type"] == "application/problem+json"
    assert big.json()["status"] == 413
    unknown = admin_api.get("/api/v1/nothing/here")
    assert unknown.status_code == 404 and unknown.headers["Content-Type"] == "application/problem+json"


def test_the_limit_per_token_holds_across_processes(fresh_stack, checker):
    stack = fresh_stack(connections=50, processes=2, extra_args=["--api-requests-per-minute", "30", "--api-burst", "4"]).start()
    api = API(stack, checker, make_token(stack, ADMIN))
    statuses = [api.get("/api/v1/memberships").status_code for _ in range(6)]
    # nginx sends one token's calls to one process, so its burst is 4 in all, not 4 per process.
    assert statuses[:4] == [200] * 4 and statuses[4:] == [429, 429], statuses
    limited = api.get("/api/v1/memberships")
    assert limited.headers["Content-Type"] == "application/problem+json"
    assert 1 <= int(limited.headers["Retry-After"]) <= 2
    other = API(stack, checker, make_token(stack, ADMIN, name="another"))
    assert other.get("/api/v1/memberships").status_code == 200
    # However the scheme is spelled, the token's calls go to one process: its burst is still 4 in all.
    third = make_token(stack, ADMIN, name="spellings")
    spelled = [requests.get(stack.base + "/api/v1/memberships", headers={"Authorization": f"{scheme} {third}"}, timeout=10).status_code
               for scheme in ("Bearer", "bearer", "BEARER", "BeArEr", "Bearer ", "bearer ")]
    assert spelled[:4] == [200] * 4 and spelled[4:] == [429, 429], spelled


def test_a_rolling_restart_grants_no_fresh_burst(fresh_stack, checker):
    """Issue 21: the buckets were each process's own, so a rolling restart handed every token a full
    burst again. The allowance is in the database: after both processes restart, the spent token
    gets only what its rate earned meanwhile (one call per 2 s here), not 4 again."""
    stack = fresh_stack(connections=50, processes=2, extra_args=["--api-requests-per-minute", "30", "--api-burst", "4"]).start()
    api = API(stack, checker, make_token(stack, ADMIN))
    statuses = [api.get("/api/v1/memberships").status_code for _ in range(6)]
    assert statuses[:4] == [200] * 4 and statuses[4:] == [429, 429], statuses
    began = time.monotonic()
    for index in range(len(stack.apps)):
        stack.apps[index].terminate()
        stack.apps[index].wait(timeout=20)
        stack.start_app(index)
    after = [api.get("/api/v1/memberships").status_code for _ in range(6)]
    earned = int((time.monotonic() - began) / 2) + 1
    assert set(after) <= {200, 429} and after.count(200) <= earned < 4, (after, earned)
    assert after[-1] == 429, after


def test_schemathesis_finds_no_server_error_and_no_answer_off_the_document(fresh_stack, tmp_path):
    """schemathesis (PyPI) generates requests for every operation from the document, against the real
    stack through nginx, a bounded number per operation, and checks each answer."""
    # The limit per token is not what is tested here (test_the_limit_per_token_holds_across_processes is).
    stack = fresh_stack(connections=150, extra_args=["--api-requests-per-minute", "1000000", "--api-burst", "1000000"]).start()
    token = make_token(stack, ADMIN, name="schemathesis")
    schemathesis = VENV_PYTHON.parent / "schemathesis"
    result = subprocess.run(
        [str(schemathesis), "--config-file", str(Path(__file__).parent / "schemathesis.toml"), "run", stack.base + "/api/v1/openapi.json",
         "--header", f"Authorization: Bearer {token}",
         "--checks", "all",
         # ASCII strings: the document's limits then keep every address within nginx's 32 KB (beyond, a 414).
         "--max-examples", "50", "--phases", "examples,coverage,fuzzing", "--workers", "1", "--seed", "1", "--generation-codec", "ascii",
         "--request-timeout", "30", "--no-color", "--report", "junit", "--report-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=400, cwd=tmp_path,
        # The hook sets aside only made-up cursors' refusals (see the module).
        env={**os.environ, "SCHEMATHESIS_HOOKS": "schemathesis_hooks", "PYTHONPATH": str(Path(__file__).parent)})
    output = result.stdout + result.stderr
    (stack.folder / "schemathesis.txt").write_text(output)
    assert result.returncode == 0, output[-6000:]
    assert "operations" in output.lower() or "passed" in output.lower(), output[-3000:]
    assert stack.app.poll() is None, "the app is still running"
    assert " 500 " not in stack.app_log.read_text()


def readme_examples():
    """The shell examples of README.md's API section, in order."""
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```sh\n(.*?)```", text[text.index("## API\n"):text.index("## Security\n")], re.S)


def test_the_readmes_roster_examples_do_what_they_say(fresh_stack, tmp_path, checker):
    stack = fresh_stack(connections=300).start()
    approve, remove, export = readme_examples()
    token = make_token(stack, OFFICER, name="roster example")
    org = stack.organization_of(OFFICER)
    with stack.db() as db:
        pending = db.execute("""SELECT m.id, d.email FROM memberships m JOIN drivers d ON d.id = m.driver_id
                                JOIN connections c ON c.id = m.connection_id WHERE c.org_id = ? AND m.state = 'Pending'""", (org,)).fetchall()
        connection = db.execute("SELECT id FROM connections WHERE org_id = ? AND connected_drivers >= 3 ORDER BY id LIMIT 1", (org,)).fetchone()[0]
        connected = db.execute("""SELECT m.id, d.email FROM memberships m JOIN drivers d ON d.id = m.driver_id
                                  WHERE m.connection_id = ? AND m.state = 'Connected'""", (connection,)).fetchall()
    assert len(pending) >= 4
    on_list = pending[::2]
    (tmp_path / "emails.txt").write_text("".join(email.upper() + "\n" for _, email in on_list) + "someone@else.example\n")
    leaver = connected[0]
    (tmp_path / "staff.txt").write_text("".join(email + "\n" for _, email in connected[1:]))
    environment = {"PATH": "/usr/bin:/bin", "BASE": stack.base, "TOKEN": token, "CONNECTION": str(connection)}

    def run(script):
        result = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=tmp_path, env=environment,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        return result.stdout

    run(approve)
    with stack.db() as db:
        states = dict(db.execute("SELECT id, state FROM memberships WHERE id IN (%s)" % ",".join(str(i) for i, _ in pending)).fetchall())
    assert all(states[i] == "Connected" for i, _ in on_list)
    assert all(states[i] == "Pending" for i, _ in pending[1::2])

    run(remove)
    with stack.db() as db:
        states = dict(db.execute("SELECT id, state FROM memberships WHERE connection_id = ?", (connection,)).fetchall())
    assert states[leaver[0]] == "Removed"
    assert all(states[i] == "Connected" for i, _ in connected[1:])

    run(export)
    files = sorted(path.name for path in tmp_path.glob("connections-*.csv"))
    month = time.strftime("%Y-%m", time.gmtime())
    assert files == [f"connections-{month}.csv", f"connections-created-{month}.csv"]
    every = list(csv.reader(io.StringIO((tmp_path / f"connections-{month}.csv").read_text(), newline="")))
    api = API(stack, checker, token).get("/api/v1/connections").json()
    assert every[0][:2] == ["Org ID", "Org Name"] and len(every) - 1 == api["total"]


def test_a_client_generated_from_the_document_walks_the_lists(stack, tmp_path):
    """openapi-python-client (PyPI) makes a client from the served document, as a roster system would; that
    client walks a filtered connections list and the Pending memberships by their cursors, and reads an
    NDJSON export: the document is one generators can use as it is."""
    (tmp_path / "openapi.json").write_bytes(requests.get(stack.base + "/api/v1/openapi.json", timeout=30).content)
    (tmp_path / "generator.json").write_text('{"post_hooks": []}')  # no formatter (ruff) to run afterwards
    generated = subprocess.run([str(VENV_PYTHON.parent / "openapi-python-client"), "generate", "--path", "openapi.json",
                                "--config", "generator.json", "--meta", "none", "--output-path", "client"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    output = generated.stdout + generated.stderr
    assert generated.returncode == 0, output
    assert "Warning" not in output and "Unsupported" not in output, output  # every operation and answer kept
    models = sorted(path.stem for path in (tmp_path / "client" / "models").glob("*.py") if path.stem != "__init__")
    # Each list (columns, conditions, values) is one model, shared: not one per use.
    assert len([name for name in models if "column" in name and "key" in name]) == 1, models
    assert not [name for name in models if name.startswith("connection_row_")], models
    token = make_token(stack, ADMIN, name="generated client")
    with stack.db() as db:
        expected = db.execute("SELECT count(*) FROM memberships WHERE state = 'Pending'").fetchone()[0]
    walker = r'''
import json, sys
from client import AuthenticatedClient
from client.api.default import list_connections, list_memberships, export_connections_ndjson
from client.models import ColumnKey, MembershipState

api = AuthenticatedClient(base_url=sys.argv[1], token=sys.argv[2], raise_on_unexpected_status=True, timeout=60)
words = dict(filter_=["benefits:contains:charging"], size=200, cols=[ColumnKey.NAME, ColumnKey.CREATED_AT])
page = list_connections.sync(client=api, **words)
connections, total, columns = [row.id for row in page.rows], page.total, [key.value for key in page.columns]
while page.next_cursor:
    page = list_connections.sync(client=api, cursor=page.next_cursor, **words)
    connections += [row.id for row in page.rows]
page = list_memberships.sync(client=api, state=MembershipState.PENDING, size=7)
memberships = [item.id for item in page.memberships]
while page.next_cursor:
    page = list_memberships.sync(client=api, state=MembershipState.PENDING, size=7, cursor=page.next_cursor)
    memberships += [item.id for item in page.memberships]
export = export_connections_ndjson.sync_detailed(client=api, **words)
lines = export.content.decode().splitlines()
print(json.dumps({"connections": connections, "total": total, "columns": columns, "memberships": memberships, "export": export.status_code,
                  "exported": len(lines), "first": json.loads(lines[0])}))
'''
    walked = subprocess.run([str(VENV_PYTHON), "-c", walker, stack.base, token], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert walked.returncode == 0, walked.stderr[-4000:]
    result = json.loads(walked.stdout)
    assert len(result["connections"]) == len(set(result["connections"])) == result["total"] > 200, "every filtered row once, over pages"
    assert len(result["memberships"]) == len(set(result["memberships"])) == expected > 7
    assert result["columns"] == ["name", "created_at"], "a list parameter as the generated client writes it (cols=a&cols=b)"
    assert result["export"] == 200 and result["exported"] == result["total"]
    assert set(result["first"]) == {"id", "name", "created_at"}, result["first"]
