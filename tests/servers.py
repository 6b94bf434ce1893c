"""Local servers for the delivery tests: SMTP (aiosmtpd) and the group robots (http.server).

Both listen on 127.0.0.1 on a free port, in this process, and keep what they received; nothing
leaves the machine. The SMTP server speaks STARTTLS or implicit TLS with a certificate made for
the test (trustme: a throw-away CA, never installed anywhere) and checks the login. The robot
server checks each request the way 企业微信 and 钉钉 document it (JSON body, markdown message,
size, 钉钉's timestamp and signature) and answers ``{"errcode": 0}`` or an error code.
"""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import hmac
import json
import socket
import ssl
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER = "crm@example.com"
PASSWORD = "邮件密码-s3cret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Received:
    """One message as the server got it."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    def header_raw(self, name: str) -> str:
        """A header as it travelled (before decoding encoded words)."""
        head = self.raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
        lines = head.split("\r\n")
        out, on = [], False
        for line in lines:
            if line.lower().startswith(name.lower() + ":"):
                out.append(line.split(":", 1)[1].strip())
                on = True
            elif on and line[:1] in (" ", "\t"):
                out.append(line.strip())
            else:
                on = False
        return " ".join(out)


@dataclass
class Handler:
    refuse: set[str] = field(default_factory=set)  # addresses RCPT TO refuses
    messages: list[Received] = field(default_factory=list)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), raw))
        return "250 Message accepted for delivery"


def _authenticator(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == USER.encode()
        and auth_data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)


class _TLSController(Controller):
    """aiosmtpd checks that an implicit-TLS server is up with the server's own context; a
    client needs a client context, so it is given one."""

    def __init__(self, *args: Any, client_context: ssl.SSLContext, **kwargs: Any) -> None:
        self.client_context = client_context
        super().__init__(*args, **kwargs)

    def _trigger_server(self) -> None:
        with (
            socket.create_connection((self.hostname, self.port), 2.0) as raw,
            self.client_context.wrap_socket(raw, server_hostname=self.hostname) as s,
        ):
            s.recv(1024)


@dataclass
class SmtpServer:
    port: int
    security: str
    cafile: Path
    handler: Handler

    def settings(self, **overrides: Any) -> dict[str, Any]:
        """What 配置/TOML says to reach this server."""
        return {
            "smtp_host": "127.0.0.1",
            "smtp_port": self.port,
            "smtp_security": self.security,
            "smtp_user": USER,
            "smtp_from": f"销售部 <{USER}>",
            "smtp_cafile": str(self.cafile),
            **overrides,
        }


@contextmanager
def smtp_server(security: str, folder: Path) -> Iterator[SmtpServer]:
    """An SMTP server with ``starttls`` (required before login) or ``ssl`` (implicit TLS)."""
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(server_context)
    cafile = folder / "test-ca.pem"
    ca.cert_pem.write_to_path(str(cafile))
    handler = Handler()
    port = free_port()
    common: dict[str, Any] = {
        "hostname": "127.0.0.1",
        "port": port,
        "authenticator": _authenticator,
        # with implicit TLS the whole session is encrypted, but aiosmtpd only counts STARTTLS
        "auth_require_tls": security != "ssl",
    }
    if security == "ssl":
        client = ssl.create_default_context(cafile=str(cafile))
        controller: Controller = _TLSController(
            handler, ssl_context=server_context, client_context=client, **common
        )
    else:
        controller = Controller(
            handler, tls_context=server_context, require_starttls=True, **common
        )
    controller.start()
    try:
        yield SmtpServer(port, security, cafile, handler)
    finally:
        controller.stop()


# ------------------------------------------------------------------------------ robots


def dingtalk_expected_sign(secret: str, timestamp: str) -> str:
    """The signature 钉钉 documents: base64(HMAC-SHA256(secret, "timestamp\\nsecret")),
    compared here before URL-encoding (the server reads the decoded query)."""
    mac = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


@dataclass
class RobotServer:
    port: int
    secret: str | None = None
    answer: dict[str, Any] | None = None  # forced answer (an error code)
    received: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)

    def url(self, kind: str) -> str:
        if kind == "wecom":
            return f"http://127.0.0.1:{self.port}/cgi-bin/webhook/send?key=test-key"
        return f"http://127.0.0.1:{self.port}/robot/send?access_token=test-token"


def _robot_handler(state: RobotServer) -> type[BaseHTTPRequestHandler]:
    class RobotHandler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
            return

        def do_POST(self) -> None:
            parts = urllib.parse.urlsplit(self.path)
            query = urllib.parse.parse_qs(parts.query)
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            answer = self.check(parts.path, query, body)
            data = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def check(self, path: str, query: dict[str, list[str]], body: bytes) -> dict[str, Any]:
            def reject(code: int, why: str) -> dict[str, Any]:
                state.rejected.append(why)
                return {"errcode": code, "errmsg": why}

            if "application/json" not in self.headers.get("Content-Type", ""):
                return reject(40001, "content type")
            try:
                payload = json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                return reject(40002, "not json")
            if payload.get("msgtype") != "markdown":
                return reject(40008, "msgtype")
            if path == "/cgi-bin/webhook/send":
                if query.get("key") != ["test-key"]:
                    return reject(93000, "invalid webhook url")
                content = payload["markdown"].get("content", "")
                if not content or len(content.encode("utf-8")) > 4096:
                    return reject(40058, "content exceed max length")
                kind = "wecom"
            elif path == "/robot/send":
                if query.get("access_token") != ["test-token"]:
                    return reject(300001, "token is not exist")
                md = payload["markdown"]
                if not md.get("title") or not md.get("text"):
                    return reject(40035, "missing title or text")
                if state.secret is not None:
                    stamp = query.get("timestamp", [""])[0]
                    sign = query.get("sign", [""])[0]
                    if not stamp.isdigit() or abs(int(stamp) / 1000 - time.time()) > 3600:
                        return reject(310000, "timestamp")
                    if sign != dingtalk_expected_sign(state.secret, stamp):
                        return reject(310000, "sign not match")
                kind = "dingtalk"
            else:
                return reject(404, "unknown path")
            if state.answer is not None:
                return state.answer
            state.received.append({"kind": kind, "query": query, **payload})
            return {"errcode": 0, "errmsg": "ok"}

    return RobotHandler


@contextmanager
def robot_server(secret: str | None = None) -> Iterator[RobotServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _robot_handler(state := RobotServer(0)))
    state.port = int(httpd.server_address[1])
    state.secret = secret
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)
