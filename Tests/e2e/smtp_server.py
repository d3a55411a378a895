"""A real SMTP server on loopback for the end-to-end tests and scripts/bench-email (aiosmtpd, from
the venv scripts/test makes). Each message it accepts is stored in FOLDER as NNNNNN.eml with its
envelope in NNNNNN.json. FOLDER/control.json, read at every command, changes its behaviour while
it runs: {"rcpt_reply": "451 4.3.0 Try later"} or {"data_reply": "550 5.1.1 No such user"} refuse,
{"delay": 3} waits that many seconds before storing a message and answering its DATA.

Usage: python smtp_server.py FOLDER PORT [--starttls CERT KEY | --smtps CERT KEY] [--auth USER:PASSWORD]
"""
import argparse
import asyncio
import itertools
import json
import pathlib
import signal
import ssl
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


class Store:
    def __init__(self, folder):
        self.folder = pathlib.Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.numbers = itertools.count(1)
        self.lock = threading.Lock()

    def control(self):
        try:
            return json.loads((self.folder / "control.json").read_text())
        except (FileNotFoundError, ValueError):
            return {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.control().get("rcpt_reply")
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        control = self.control()
        if control.get("delay"):
            await asyncio.sleep(float(control["delay"]))
        if control.get("data_reply"):
            return control["data_reply"]
        with self.lock:
            number = next(self.numbers)
        name = self.folder / f"{number:06d}"
        name.with_suffix(".eml.part").write_bytes(envelope.original_content)
        name.with_suffix(".json").write_text(json.dumps({
            "mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
            "tls": session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None,
            "peer": list(session.peer) if session.peer else None,
            "login": session.auth_data.login.decode() if session.authenticated and session.auth_data else None,
        }))
        name.with_suffix(".eml.part").rename(name.with_suffix(".eml"))
        return "250 2.0.0 Message accepted for delivery"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("port", type=int)
    parser.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--smtps", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--auth", metavar="USER:PASSWORD")
    arguments = parser.parse_args()

    store = Store(arguments.folder)
    options = {"data_size_limit": 50 * 1024 * 1024}
    if arguments.auth:
        user, password = arguments.auth.split(":", 1)

        def authenticate(server, session, envelope, mechanism, auth_data):
            ok = auth_data.login.decode() == user and auth_data.password.decode() == password
            return AuthResult(success=ok, handled=False, auth_data=auth_data)

        # aiosmtpd counts only STARTTLS as TLS for auth_require_tls; implicit TLS (--smtps) is encrypted from the start.
        options.update(authenticator=authenticate, auth_required=True, auth_require_tls=bool(arguments.starttls))
    if arguments.starttls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*arguments.starttls)
        options.update(tls_context=context, require_starttls=True)
    controller_options = {}
    if arguments.smtps:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*arguments.smtps)
        controller_options["ssl_context"] = context
    controller = Controller(store, hostname="127.0.0.1", port=arguments.port, ready_timeout=10, **controller_options, **options)
    controller.start()
    print("ready", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
