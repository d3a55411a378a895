"""An OpenID Connect provider for tests that oidc-provider-mock cannot make: it signs ID tokens as
the test asks (ES256, or forged with a key it does not publish, for another audience, expired), so
the app's refusals are seen through nginx and the real callback. Runs in a thread of the test."""
import base64
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class RogueProvider:
    """`mode`: "good" (ES256 with the published key), "forged", "wrong-audience", "expired"."""

    def __init__(self, email, client):
        self.email, self.client, self.mode = email, client, "good"
        self.published, self.unpublished = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
        self.nonces = {}
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def answer(self, status, body, headers=()):
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                url = urllib.parse.urlparse(self.path)
                if url.path == "/.well-known/openid-configuration":
                    base = provider.issuer
                    return self.answer(200, {"issuer": base, "authorization_endpoint": base + "/authorize", "token_endpoint": base + "/token",
                                             "jwks_uri": base + "/jwks"})
                if url.path == "/jwks":
                    numbers = provider.published.public_key().public_numbers()
                    return self.answer(200, {"keys": [{"kty": "EC", "crv": "P-256", "kid": "k1", "use": "sig",
                                                       "x": b64(numbers.x.to_bytes(32, "big")), "y": b64(numbers.y.to_bytes(32, "big"))}]})
                if url.path == "/authorize":
                    query = dict(urllib.parse.parse_qsl(url.query))
                    code = f"code-{len(provider.nonces)}"
                    provider.nonces[code] = query["nonce"]
                    back = query["redirect_uri"] + "?" + urllib.parse.urlencode({"code": code, "state": query["state"]})
                    return self.answer(302, None, [("Location", back)])
                self.answer(404, {"error": "not_found"})

            def do_POST(self):
                form = dict(urllib.parse.parse_qsl(self.rfile.read(int(self.headers["Content-Length"])).decode()))
                nonce = provider.nonces.pop(form.get("code"), None)
                if nonce is None:
                    return self.answer(400, {"error": "invalid_grant", "error_description": "unknown or used code"})
                self.answer(200, {"access_token": "x", "token_type": "Bearer", "id_token": provider.token(nonce)})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.issuer = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def token(self, nonce):
        now = int(time.time())
        claims = {"iss": self.issuer, "sub": "rogue-1", "aud": self.client, "iat": now, "exp": now + 300, "nonce": nonce,
                  "email": self.email, "email_verified": True}
        if self.mode == "wrong-audience":
            claims["aud"] = "another-application"
        if self.mode == "expired":
            claims["iat"], claims["exp"] = now - 400, now - 200
        signing = b64(json.dumps({"alg": "ES256", "kid": "k1", "typ": "JWT"}).encode()) + "." + b64(json.dumps(claims).encode())
        key = self.unpublished if self.mode == "forged" else self.published
        r, s = decode_dss_signature(key.sign(signing.encode(), ec.ECDSA(hashes.SHA256())))
        return signing + "." + b64(r.to_bytes(32, "big") + s.to_bytes(32, "big"))

    def close(self):
        self.server.shutdown()
