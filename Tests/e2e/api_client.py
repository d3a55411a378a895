"""Calls to the JSON API through nginx, each answer checked against the OpenAPI document as it
arrives: scripts/openapi-check.py runs in the test venv (var/test-venv, from PyPI; scripts/test-venv
makes it) as one long-lived subprocess, since this suite runs under Debian's python."""
import json
import re
import subprocess
import tempfile
import urllib.parse

import requests

from harness import ROOT

VENV_PYTHON = ROOT / "var" / "test-venv" / "bin" / "python"


class DocumentChecker:
    """One openapi-core process for the whole session: an exchange in, "ok" or why not out."""

    def __init__(self, document):
        assert VENV_PYTHON.exists(), f"{VENV_PYTHON} is missing: run scripts/test-venv (scripts/test does)"
        self.file = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
        json.dump(document, self.file)
        self.file.close()
        self.process = subprocess.Popen([str(VENV_PYTHON), str(ROOT / "scripts" / "openapi-check.py"), self.file.name],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.checked = 0

    def check(self, method, url, response):
        parts = urllib.parse.urlsplit(url)
        exchange = {"method": method, "path": parts.path, "query": urllib.parse.parse_qsl(parts.query, keep_blank_values=True),
                    "status": response.status_code, "content_type": response.headers.get("Content-Type", ""),
                    "headers": dict(response.headers), "body": response.content.decode("utf-8", "replace")}
        self.process.stdin.write(json.dumps(exchange) + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline().strip()
        assert answer == "ok", f"the answer breaks the OpenAPI document: {answer or 'the checker stopped (is the document valid?)'}"
        self.checked += 1

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=30)


class API:
    """A client of one stack's API with one token; every answer is checked against the document."""

    def __init__(self, stack, checker, token=None):
        self.stack, self.checker, self.token = stack, checker, token
        self.http = requests.Session()

    def call(self, method, path, body=None, headers=None, raw=None, **params):
        headers = dict(headers or {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        url = self.stack.base + path
        if params:
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode(params, doseq=True)
        if body is not None:
            headers["Content-Type"] = "application/json"
            raw = json.dumps(body)
        response = self.http.request(method, url, data=raw, headers=headers, timeout=60, allow_redirects=False)
        self.checker.check(method, url, response)
        return response

    def get(self, path, **params):
        return self.call("GET", path, **params)

    def post(self, path, body=None, **kwargs):
        return self.call("POST", path, body=body if body is not None else {}, **kwargs)


def make_token(stack, email, password="connections-demo", name="e2e token", expires="30"):
    """A token made through the tokens page, as a person would: shown once, on the answer to the form."""
    browser = stack.sign_in(email, password)
    page = browser.post(stack.base + "/account/tokens", data={"csrf": browser.csrf, "name": name, "expires": expires}, timeout=30)
    assert page.status_code == 201, page.text[:500]
    return re.search(r"cnx_[A-Za-z0-9_-]{40,}", page.text).group(0)
