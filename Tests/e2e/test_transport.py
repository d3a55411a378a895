"""What nginx and the FastCGI transport do with what is large or odd in a request: bodies well over
nginx's buffer answered early or late, addresses of every length, methods nginx refuses itself.
Every answer arrives whole and is ours (the app's, or nginx's in the app's words), never nginx's bare page."""
import concurrent.futures
import http.client
import json
import random
import socket

from api_client import make_token
from harness import ADMIN

KIB = 1024


def raw_request(stack, method, path, body=b"", headers=None):
    """One request on a connection of its own, uncompressed; (status, headers, body as read to the end).
    A body shorter than Content-Length is what the test looks for, so it is read without trusting it."""
    connection = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=60)
    try:
        connection.request(method, path, body=body, headers={"Accept-Encoding": "identity", **(headers or {})})
        response = connection.getresponse()
        try:
            data = response.read()
        except http.client.IncompleteRead as cut:
            data = cut.partial
        return response.status, {name.lower(): value for name, value in response.getheaders()}, data
    finally:
        connection.close()


def test_answers_to_large_bodies_arrive_whole_from_several_clients_at_once(fresh_stack):
    """500 bodies between 64 KiB and the body limit (and some beyond it, up to nginx's 2 MiB), four
    clients at once: answered late (400 after reading, 429 over the token's burst) or early (401, the
    app's 413), each answer's body is as long as its Content-Length and parses. The app once closed the
    socket before nginx's final empty FCGI_STDIN record was read, and nginx saw a reset mid-answer."""
    limit = 1024 * KIB
    stack = fresh_stack(connections=20, max_body_bytes=limit, extra_args=["--api-requests-per-minute", "60", "--api-burst", "150"]).start()
    token = make_token(stack, ADMIN, name="large bodies")
    connection = stack.query("SELECT min(id) FROM connections")[0][0]
    randomness = random.Random(21)

    def call(number):
        kind = number % 4
        size = randomness.randint(limit + 1, 2000 * KIB) if kind == 3 else randomness.randint(64 * KIB, limit)
        if kind == 1:
            path, document = "/api/v1/memberships/decide", {"action": "deny", "ids": [1], "reason": ""}
        else:
            path, document = f"/api/v1/connections/{connection}", {"version": 1, "name": ""}
        text_field = "reason" if kind == 1 else "name"
        document[text_field] = "x" * max(0, size - len(json.dumps(document)))
        headers = {"Content-Type": "application/json"}
        if kind != 2:
            headers["Authorization"] = f"Bearer {token}"
        return raw_request(stack, "POST" if kind == 1 else "PATCH", path, json.dumps(document).encode(), headers)

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(call, range(500)))
    statuses = {}
    for status, headers, body in answers:
        statuses[status] = statuses.get(status, 0) + 1
        assert int(headers["content-length"]) == len(body), (status, headers, body[:200])
        problem = json.loads(body)
        assert problem["status"] == status, problem
    assert {400, 401, 413, 429} <= set(statuses), statuses
    assert all(status < 500 for status in statuses), statuses
    errors = (stack.folder / "nginx" / "logs" / "error.log").read_text()
    assert "reset by peer" not in errors and "prematurely closed" not in errors, errors[-3000:]


def long_query(size):
    """A query of `size` bytes that the table reads as one (unfinished) filter value."""
    start = "f=name&op=contains&v="
    return start + "x" * (size - len(start))


def assert_ours(status, headers, body, api):
    """An answer of the app's or one of nginx's in the app's words: never nginx's bare page, never 5xx."""
    assert status < 500, (status, body[:300])
    assert b"<center>nginx" not in body, body[:300]
    if status == 414:
        if api:
            assert headers["content-type"] == "application/problem+json; charset=utf-8", headers
            assert json.loads(body)["status"] == 414
        else:
            assert headers["content-type"] == "text/html; charset=utf-8", headers
            assert b"Address too long" in body


def test_addresses_of_every_length_get_the_apps_answer_or_its_414(fresh_stack):
    """Queries of 8 to 64 KB on a console page (signed in), on the API's list (with a token) and on a
    signed-out page: the app's own answer up to nginx's 32 KB request line, a 414 of ours beyond (HTML,
    problem details under /api/), never nginx's bare 500 ("fastcgi request record is too big") or the
    502 of a sign-in redirect too large for nginx's buffer."""
    stack = fresh_stack(connections=20).start()
    token = make_token(stack, ADMIN, name="long addresses")
    cookie = "; ".join(f"{name}={value}" for name, value in stack.admin.cookies.items())
    for kilobytes in (8, 16, 24, 32, 48, 64):
        query = long_query(kilobytes * KIB - 100)  # the request line just under the band's size
        signed_in = raw_request(stack, "GET", "/connections?" + query, headers={"Cookie": cookie})
        api = raw_request(stack, "GET", "/api/v1/connections?" + query, headers={"Authorization": f"Bearer {token}"})
        signed_out = raw_request(stack, "GET", "/connections?" + query)
        assert_ours(*signed_in, api=False)
        assert_ours(*api, api=True)
        assert_ours(*signed_out, api=False)
        if kilobytes <= 32:  # a request line within nginx's 32 KB
            # A filter value over 200 characters: the app's 400, with its words.
            assert signed_in[0] == 400 and api[0] == 400, (kilobytes, signed_in[0], api[0])
            # Signed out: to the sign-in page, without an address too long to come back to.
            assert signed_out[0] == 303 and signed_out[1]["location"].endswith("/login"), signed_out[:2]
        else:
            assert signed_in[0] == api[0] == signed_out[0] == 414, kilobytes
    # A filter removed: the page's state sent back as an address, as long as the one it came from (was 502).
    filters = "&".join("f=name&op=contains&v=" + "%E2%82%AC" * 200 for _ in range(12))  # 22 KB
    removed = raw_request(stack, "GET", "/connections?" + filters + "&remove=1", headers={"Cookie": cookie})
    assert removed[0] == 303 and len(removed[1]["location"]) > 16 * KIB, removed[:2]
    # The same filters sent as raw UTF-8 (three times shorter) would be sent back encoded, longer than
    # 32 KiB: the app's 414 rather than nginx's 502.
    raw = ("&".join("f=name&op=contains&v=" + "€" * 200 for _ in range(30)) + "&remove=1").encode()
    with socket.create_connection(("127.0.0.1", stack.port), timeout=30) as peer:
        peer.sendall(b"GET /connections?" + raw + b" HTTP/1.1\r\nHost: x\r\nCookie: " + cookie.encode() + b"\r\nConnection: close\r\n\r\n")
        answer = b"".join(iter(lambda: peer.recv(65536), b""))
    assert answer.startswith(b"HTTP/1.1 414 ") and b"Address too long" in answer, answer[:300]
    # A short address still comes back after signing in.
    short = raw_request(stack, "GET", "/connections?sort=name")
    assert short[1]["location"].endswith("/login?next=%2Fconnections%3Fsort%3Dname"), short[1]
    errors = (stack.folder / "nginx" / "logs" / "error.log").read_text()
    assert "too big" not in errors, errors[-2000:]


def test_the_app_refuses_an_address_longer_than_nginx_passes_with_its_414(fresh_stack):
    """A FastCGI peer other than nginx meets the same bound (32 KiB of path and query) in the app."""
    from harness import FastCGIClient
    stack = fresh_stack(connections=20).start()
    client = FastCGIClient(stack.listen)
    status, headers, body = client.get("/api/v1/connections?" + long_query(33 * KIB))
    assert status == 414 and dict(headers)["Content-Type"] == "application/problem+json", (status, headers)
    assert json.loads(body)["detail"].startswith("This address is too long: at most 32 KiB")
    status, headers, body = client.get("/login?" + long_query(33 * KIB))
    assert status == 414 and "Address too long" in body
    assert client.get("/healthz")[0] == 200


def test_trace_and_connect_get_405_with_allow_like_other_methods(stack):
    """nginx refuses TRACE and CONNECT itself; they are passed to the app, which answers as for PUT."""
    for method in ("TRACE", "CONNECT"):
        status, headers, body = raw_request(stack, method, "/api/v1/connections")
        assert status == 405, (method, status, body[:300])
        assert headers["allow"] == "GET, HEAD, POST", headers
        assert headers["content-type"] == "application/problem+json"
        assert json.loads(body)["status"] == 405
        status, headers, body = raw_request(stack, method, "/healthz")
        assert status == 405 and headers["allow"] == "GET, HEAD", (method, status, headers)
        assert b"Method not allowed" in body
    # What PUT gets, for comparison; and nginx's own 405 elsewhere stays as it was.
    status, headers, _ = raw_request(stack, "PUT", "/api/v1/connections")
    assert status == 405 and headers["allow"] == "GET, HEAD, POST"
    assert raw_request(stack, "POST", "/static/app.css")[0] == 405


def test_large_headers_get_our_page_never_nginxs_bare_one(fresh_stack):
    """Headers the app does not read are not passed to it, so a long address with large unrelated
    headers fits FastCGI's one 64 KB record (an attack got nginx's bare 500 with a 31 KB address and
    two 31 KB headers); what still cannot pass (a 31 KB address with a 31 KB cookie and authorization)
    and a header over nginx's 32 KB buffer get our pages, problem details under /api/."""
    stack = fresh_stack(connections=20).start()
    token = make_token(stack, ADMIN, name="large headers")
    address = "/api/v1/connections?filter=" + "name:contains:" + "a" * (31 * KIB)
    unrelated = {"X-A": "b" * (31 * KIB), "X-B": "c" * (31 * KIB), "Authorization": f"Bearer {token}"}
    status, headers, body = raw_request(stack, "GET", address, headers=unrelated)
    assert status == 400 and headers["content-type"].startswith("application/problem+json"), (status, body[:300])
    # Too much the app does read: our 500 page (problem details under /api/), not nginx's.
    heavy = {"Cookie": "x=" + "d" * (31 * KIB), "Authorization": "Bearer " + "e" * (31 * KIB)}
    for path, api in ((address, True), ("/connections?sort=" + "a" * (31 * KIB), False)):
        status, headers, body = raw_request(stack, "GET", path, headers=heavy)
        assert status == 500 and b"<center>nginx" not in body, (status, body[:300])
        if api:
            assert headers["content-type"].startswith("application/problem+json") and json.loads(body)["status"] == 500
        else:
            assert b"could not be passed on" in body
    # One header over nginx's 32 KB buffer: our 400 page.
    status, headers, body = raw_request(stack, "GET", "/connections", headers={"X-Huge": "f" * (40 * KIB)})
    assert status == 400 and b"<center>nginx" not in body and b"cannot be read" in body, (status, body[:300])
