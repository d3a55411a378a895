import pytest

from harness import POSTGRES, Stack


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_only: about SQLite itself (its file, its locks); not run on PostgreSQL")
    config.addinivalue_line("markers", "postgres_only: about PostgreSQL or several hosts on it; not run on SQLite")


def pytest_collection_modifyitems(config, items):
    """Deselects (not skips) the tests of the other database: sqlite_only ones when CONNECTIONS_TEST_POSTGRES
    is set, postgres_only ones when it is not."""
    other = "sqlite_only" if POSTGRES else "postgres_only"
    deselected = [item for item in items if item.get_closest_marker(other)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker(other)]


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    """One shared stack on 600 demo connections plus a few rows the tests rely on."""
    stack = Stack(tmp_path_factory.mktemp("stack"))
    try:
        add_special_rows(stack)
        stack.start()
    except BaseException:
        stack.close()
        raise
    yield stack
    stack.close()


@pytest.fixture
def fresh_stack(tmp_path):
    """A stack of its own, for tests that stop the app or need other data."""
    stacks = []

    def make(**kwargs):
        # A folder each: two stacks in one folder would share app.sock, and one's nginx reach the other's app.
        folder = tmp_path / f"stack-{len(stacks) + 1}"
        folder.mkdir()
        stack = Stack(folder, **kwargs)
        stacks.append(stack)
        return stack

    yield make
    for stack in stacks:
        stack.close()


@pytest.fixture
def fresh_user(stack, request):
    """A new Admin of every organization, signed in; `.email` names it. Choices it saves are its own."""
    import re
    import subprocess
    from harness import BINARY
    email = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower())[:40] + "@test.example"
    subprocess.run([BINARY, "create-user", "--database", str(stack.database), "--email", email, "--name", "Fresh User",
                    "--all-organizations"], input="a long enough password\n", text=True, check=True, capture_output=True)
    session = stack.sign_in(email, "a long enough password")
    session.email, session.password = email, "a long enough password"
    return session


HOSTILE = "<script>alert(\"x\")</script> & 'quoted'"


def add_special_rows(stack):
    with stack.db() as db:
        org = db.execute("SELECT min(id) FROM organizations").fetchone()[0]
        db.execute("UPDATE organizations SET name = ? WHERE id = ?", ("Acme <b>Robotics</b> & \"Sons\"", org))
        for name, code, token in (("!! Counting test", "CNTTEST2", "counting-test-token-aaaaa"),
                                  ("!! " + HOSTILE, "HSTXTEST", "hostile-test-token-aaaaaa")):
            db.execute("""INSERT INTO connections (org_id, name, status, connection_type, approval_type, visibility, search_code,
                          invite_token, questions_list, benefits_list, created_at, updated_at)
                          VALUES (?, ?, 'Enabled', 'Standard', 'Manually approve', 'Private', ?, ?, ?, ?,
                                  '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')""",
                       (org, name, code, token, "<img src=x onerror=alert(1)>\nBadge & number" if "script" in name else "",
                        # The display list read by the table: the schema keeps real benefit kinds plain, this proves the page escapes it anyway.
                        "Free charging\n<script>benefit('x')</script> & \"more\"" if "script" in name else "Free charging"))
        counting = db.execute("SELECT id FROM connections WHERE search_code = 'CNTTEST2'").fetchone()[0]
        states = ["Connected"] * 3 + ["Pending"] * 2 + ["Denied", "Removed"]
        for index, state in enumerate(states):
            # Timestamps as the app writes them: the API document says so (format: date-time).
            driver = db.execute("INSERT INTO drivers (name, email, created_at) VALUES (?, ?, '2026-01-01T00:00:00Z') RETURNING id",
                                (f"Driver {index}", f"count{index}@test.example")).fetchone()[0]
            db.execute("""INSERT INTO memberships (connection_id, driver_id, driver_name, state, denial_reason, requested_at)
                          VALUES (?, ?, ?, ?, ?, '2026-01-01T00:00:00Z')""",
                       (counting, driver, f"Driver {index}", state, "No" if state == "Denied" else None))
