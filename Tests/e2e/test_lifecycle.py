"""The FastCGI process: graceful stop with a request in flight."""
import threading
import time

import requests


def test_sigterm_lets_an_in_flight_request_finish(fresh_stack):
    stack = fresh_stack(connections=10).start()
    result = {}

    def slow():
        result["response"] = requests.get(stack.base + "/_test/sleep?ms=2000", timeout=30)

    worker = threading.Thread(target=slow)
    worker.start()
    time.sleep(0.5)
    stack.app.terminate()  # SIGTERM while the request sleeps
    worker.join(timeout=20)
    response = result["response"]
    assert response.status_code == 200
    assert response.text == "slept 2000 ms\n"
    stack.app.wait(timeout=10)
    assert stack.app.returncode == 0
    # Once stopped, nginx answers with its "not answering" page.
    after = requests.get(stack.base + "/connections", timeout=10)
    assert after.status_code == 502
    assert "not answering" in after.text
    assert after.headers["Content-Type"] == "text/html; charset=utf-8"


def test_sigterm_stops_an_idle_server_at_once(fresh_stack):
    stack = fresh_stack(connections=10).start()
    started = time.time()
    stack.app.terminate()
    stack.app.wait(timeout=10)
    assert time.time() - started < 3
    assert not stack.socket.exists()


def test_the_app_listens_on_tcp_too(fresh_stack):
    stack = fresh_stack(connections=10, tcp=True).start()
    assert not stack.socket.exists()
    assert stack.get("/connections").status_code == 200


def test_streamed_responses_reach_the_client_chunk_by_chunk(fresh_stack):
    stack = fresh_stack(connections=10).start()
    started = time.time()
    with requests.get(stack.base + "/_test/stream?chunks=5", stream=True, timeout=30) as response:
        assert response.status_code == 200
        assert "Content-Length" not in response.headers
        lines = []
        for line in response.iter_lines():
            lines.append((time.time() - started, line.decode()))
    assert [text.split(" at ")[0] for _, text in lines] == [f"chunk {i}" for i in range(5)]
    # The first chunk arrived long before the last was written (nginx did not buffer the stream).
    assert lines[-1][0] - lines[0][0] > 0.5
