"""What a process refuses at start, and what the binary scripts/run serves leaves out."""
import pathlib
import shutil
import subprocess
import time

import requests

from harness import BINARY, ROOT, SERVED_BINARY
from test_exports import export_form, read_csv


def serve(binary, folder, *arguments):
    """Runs `serve` expecting it to refuse before it opens its database: its exit status and its output's lines."""
    ran = subprocess.run([binary, "serve", "--database", str(pathlib.Path(folder) / "never.sqlite"), "--listen", str(pathlib.Path(folder) / "app.sock"),
                          "--public-directory", str(ROOT / "Public"), *arguments], capture_output=True, text=True, timeout=60)
    return ran.returncode, (ran.stdout + ran.stderr).strip().splitlines()


def test_a_views_folder_lacking_a_partial_refuses_the_start_naming_it(tmp_path):
    views = tmp_path / "Views"
    shutil.copytree(ROOT / "Views", views)
    (views / "partials" / "pager.mustache").unlink()
    status, lines = serve(SERVED_BINARY, tmp_path, "--views", str(views))
    assert status != 0
    assert lines == [f"Error: the templates in {views} lack partials/pager.mustache (named by connections)"]
    assert not (tmp_path / "app.sock").exists() and not (tmp_path / "never.sqlite").exists()


def test_the_served_binary_refuses_the_test_routes_flag(tmp_path):
    status, lines = serve(SERVED_BINARY, tmp_path, "--views", str(ROOT / "Views"), "--test-routes")
    assert status != 0 and lines[0] == "Error: Unknown option '--test-routes'"


def test_the_served_binary_has_no_test_routes_and_ignores_the_export_knobs(fresh_stack):
    stack = fresh_stack(connections=1100, served=True).start()
    for method, path in [("GET", "/_test/fail"), ("GET", "/_test/sleep?ms=3000"), ("GET", "/_test/stream"),
                         ("POST", "/_test/slow-write?ms=3000")]:
        started = time.monotonic()
        response = requests.request(method, stack.base + path, timeout=30, allow_redirects=False)
        assert response.status_code == 404 and time.monotonic() - started < 2, (path, response.status_code)
    assert "Slow write" not in str(stack.query("SELECT action FROM audit_log"))
    # The test build lowers Excel's limit to 100 rows, fails an export after 10 and pauses 10 s per 1,000 rows.
    state, items, page = export_form(stack, "/connections?_xlsx_row_limit=100")
    assert items > 1000 and "XLSX holds at most" not in page
    started = time.monotonic()
    rows = read_csv(stack.post("/connections/export", data={"state": state, "scope": "visible", "format": "csv", "_fail_after": "10",
                                                            "_pause_ms_per_1000_rows": "10000"}))
    assert len(rows) == 1 + items and time.monotonic() - started < 8
    response = stack.post("/connections/export", data={"state": state, "scope": "visible", "format": "xlsx", "_xlsx_row_limit": "100"})
    assert response.status_code == 200 and response.content.startswith(b"PK")


def test_the_hooks_code_is_linked_into_the_test_build_only():
    served, test_build = pathlib.Path(SERVED_BINARY).read_bytes(), pathlib.Path(BINARY).read_bytes()
    for text in [b"_pause_ms_per_1000_rows", b"No such test route."]:
        assert text in test_build and text not in served, text
