"""A webhook receiver on loopback for the end-to-end tests and scripts/bench-webhooks: every
delivery is verified with the reference `standardwebhooks` package (PyPI, from the venv
scripts/test-venv makes) against the secrets in FOLDER/secrets.json, and its body validated against
its type's schema in the OpenAPI document (DOCUMENT, `components.schemas`, as the `webhooks`
section refers to it). Each request is appended to FOLDER/received.jsonl as one line: webhook-id,
type, status answered, verified, schema problem. FOLDER/control.json, read at every request:
{"status": 503, "count": 3} answers 503 to the next 3 requests ({"count": -1}: until changed),
{"retry_after": 1} adds a Retry-After.

Usage: python webhook_receiver.py FOLDER PORT DOCUMENT
"""
import json
import pathlib
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jsonschema
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

folder, port, document_path = pathlib.Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
folder.mkdir(parents=True, exist_ok=True)
document = json.loads(pathlib.Path(document_path).read_text())
lock = threading.Lock()


def schema_problem(body):
    try:
        payload = json.loads(body)
        webhook = document["webhooks"][payload["type"]]["post"]
        reference = webhook["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        schema = document["components"]["schemas"][reference.rsplit("/", 1)[1]]
        jsonschema.validate(payload, schema)
        return None
    except Exception as error:  # noqa: BLE001 - any failure is reported by the test
        return str(error)[:300]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keeps the sender's connection open, as a production receiver would

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with lock:
            control_path = folder / "control.json"
            control = json.loads(control_path.read_text()) if control_path.exists() else {}
            status = 204
            if control.get("count", 0) != 0:
                status = control.get("status", 503)
                if control["count"] > 0:
                    control["count"] -= 1
                    control_path.write_text(json.dumps(control))
            secrets = json.loads((folder / "secrets.json").read_text()) if (folder / "secrets.json").exists() else []
            verified = []
            for secret in secrets:
                try:
                    Webhook(secret).verify(body, {k.lower(): v for k, v in self.headers.items()})
                    verified.append(True)
                except WebhookVerificationError:
                    verified.append(False)
            try:
                kind = json.loads(body).get("type")
            except ValueError:
                kind = None
            line = {"id": self.headers.get("webhook-id"), "type": kind, "status": status, "verified": verified,
                    "signatures": len(self.headers.get("webhook-signature", "").split()), "schema_problem": schema_problem(body),
                    "body": body.decode("utf-8", "replace")}
            with open(folder / "received.jsonl", "a") as out:
                out.write(json.dumps(line) + "\n")
        self.send_response(status)
        if status != 204 and control.get("retry_after") is not None:
            self.send_header("Retry-After", str(control["retry_after"]))
        if status == 204:  # no body, by definition
            self.end_headers()
            return
        answer = json.dumps({"error": "failing as told", "status": status}).encode()
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)


server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
print("ready", flush=True)
server.serve_forever()
