"""Runs scim2-tester (PyPI) against a running SCIM service and fails on any failure it reports.

Usage (the test venv's python): scim-check.py BASE_URL TOKEN [REPORT_FILE]
BASE_URL is the service's root, e.g. http://127.0.0.1:8080/scim/v2. scim2-client's own network
engine needs httpx2, which is not packaged here; the few lines below are the same engine on httpx.
"""
import sys

import httpx
from scim2_client import BaseSyncSCIMClient
from scim2_client.errors import RequestNetworkException
from scim2_tester import Status, check_server

# Statuses that are failures: a MUST broken, or worse.
FAILING = {Status.ERROR, Status.CRITICAL}


class HttpxSCIMClient(BaseSyncSCIMClient):
    def __init__(self, client, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.client = client

    def _stays_under_base_url(self, endpoint):
        url = self.client.build_request("GET", endpoint).url
        base = self.client.base_url
        return url.host == base.host and url.port == base.port and url.raw_path.startswith(base.raw_path)

    def _parse_json(self, response):
        return response.json()

    def request(self, method, url, **kwargs):
        try:
            return self.client.request(method, url, **kwargs)
        except httpx.RequestError as exc:
            error = RequestNetworkException()
            error.add_note(str(exc))
            raise error from exc


def main():
    base, token = sys.argv[1], sys.argv[2]
    report = sys.argv[3] if len(sys.argv) > 3 else None
    http = httpx.Client(base_url=base.rstrip("/") + "/", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    client = HttpxSCIMClient(http)
    client.discover()
    results = check_server(client)
    lines = [f"{r.status.name:10} {r.title}: {r.reason or ''}" + (f" [{str(r.data)[:3000]}]" if r.status in FAILING and r.data else "") for r in results]
    if report:
        with open(report, "w") as out:
            out.write("\n".join(lines) + "\n")
    failures = [line for r, line in zip(results, lines) if r.status in FAILING]
    print(f"{len(results)} checks, {len(failures)} failures")
    for line in failures:
        print(line)
    sys.exit(1 if failures or not results else 0)


if __name__ == "__main__":
    main()
