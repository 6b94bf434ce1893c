"""E-mail through SMTP: STARTTLS (default, port 587), implicit TLS (``ssl``, port 465) or none.

Server settings come from 配置 or the ``--config`` TOML file (``smtp_host``, ``smtp_port``,
``smtp_security``, ``smtp_user``, ``smtp_from``, ``smtp_cafile``); the password only from the
environment variable :data:`PASSWORD_ENV`, never from the workbook. Certificates are verified
(against ``smtp_cafile`` when a company runs its own CA).

A message has a plain-text part and an HTML part (``multipart/alternative``); headers with
Chinese text are encoded as RFC 2047 encoded words by the standard library's SMTP policy, and
the addresses' display names too.
"""

from __future__ import annotations

import base64
import smtplib
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Any

from crmxl.errors import UsageError
from crmxl.i18n import register

PASSWORD_ENV = "CRMXL_SMTP_PASSWORD"
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
TIMEOUT = 30.0


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send."""

    host: str
    port: int
    security: str  # starttls, ssl, none
    user: str | None
    password: str | None
    sender: Address
    cafile: str | None = None

    @classmethod
    def from_settings(
        cls, delivery: Mapping[str, Any], env: Mapping[str, str]
    ) -> SmtpSettings | None:
        """The SMTP settings, or None when no ``smtp_host`` is set (e-mail is off)."""
        host = str(delivery.get("smtp_host") or "").strip()
        if not host:
            return None
        security = str(delivery.get("smtp_security") or "starttls")
        port = int(delivery.get("smtp_port") or DEFAULT_PORTS[security])
        user = str(delivery.get("smtp_user") or "").strip() or None
        password = env.get(PASSWORD_ENV) or None
        if user and not password:
            raise UsageError("send-no-password", env=PASSWORD_ENV, user=user)
        sender_text = str(delivery.get("smtp_from") or user or "").strip()
        name, addr = parseaddr(sender_text)
        if "@" not in addr:
            raise UsageError("send-no-sender", value=sender_text or "—")
        local, _, domain = addr.rpartition("@")
        sender = Address(display_name=name or "crmxl", username=local, domain=domain)
        cafile = str(delivery.get("smtp_cafile") or "").strip() or None
        return cls(host, port, security, user, password, sender, cafile)


def build_message(
    sender: Address,
    to_name: str,
    to_addr: str,
    subject: str,
    text: str,
    html: str,
    when: datetime | None = None,
) -> EmailMessage:
    """A ``multipart/alternative`` message: plain text first, HTML second."""
    msg = EmailMessage(policy=SMTP)
    local, _, domain = to_addr.rpartition("@")
    msg["From"] = sender
    msg["To"] = Address(display_name=to_name, username=local, domain=domain)
    msg["Subject"] = subject
    msg["Date"] = format_datetime((when or datetime.now()).astimezone())
    msg["Message-ID"] = make_msgid(domain=sender.domain or None)
    msg.set_content(text, charset="utf-8")
    msg.add_alternative(html, subtype="html", charset="utf-8")
    return msg


class Mailer:
    """One SMTP session for many messages; opened on the first send, reopened once if the
    server hangs up between two. When the server cannot be reached at all, every later send
    fails at once with the same reason instead of waiting for the timeout again."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None
        self._broken: str | None = None

    def _context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.settings.cafile)

    def _open(self) -> smtplib.SMTP:
        s = self.settings
        smtp: smtplib.SMTP
        if s.security == "ssl":
            smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=TIMEOUT, context=self._context())
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=TIMEOUT)
            if s.security == "starttls":
                smtp.starttls(context=self._context())
        if s.user:
            login(smtp, s.user, s.password or "")
        return smtp

    def send(self, msg: EmailMessage) -> None:
        """Send ``msg``; raises :class:`MailError` with a one-line reason."""
        if self._broken is not None:
            raise MailError(self._broken)
        for attempt in (1, 2):
            try:
                if self._smtp is None:
                    self._smtp = self._open()
                self._smtp.send_message(msg)
                return
            except smtplib.SMTPServerDisconnected as exc:
                self._smtp = None
                if attempt == 2:
                    raise MailError(_reason(exc)) from exc
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as exc:
                raise MailError(_reason(exc)) from exc  # this message only
            except (
                smtplib.SMTPAuthenticationError,
                smtplib.SMTPConnectError,
                smtplib.SMTPSenderRefused,
                smtplib.SMTPNotSupportedError,
                smtplib.SMTPHeloError,
            ) as exc:
                raise self._break(exc) from exc
            except smtplib.SMTPException as exc:
                raise MailError(_reason(exc)) from exc
            except OSError as exc:  # cannot connect, or cannot trust the server's certificate
                raise self._break(exc) from exc

    def _break(self, exc: BaseException) -> MailError:
        """The same failure for every later message (the server, not the message, failed)."""
        if self._smtp is not None:
            self._smtp.close()
        self._smtp = None
        self._broken = _reason(exc)
        return MailError(self._broken)

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None


def login(smtp: smtplib.SMTP, user: str, password: str) -> None:
    """Log in; a user name or password beyond ASCII goes as UTF-8 with AUTH PLAIN (RFC 4616),
    which ``smtplib.login`` cannot send."""
    if (user + password).isascii():
        smtp.login(user, password)
        return
    smtp.ehlo_or_helo_if_needed()
    if "PLAIN" not in smtp.esmtp_features.get("auth", "").upper().split():
        raise smtplib.SMTPNotSupportedError("the server offers no AUTH PLAIN for this password")
    token = base64.b64encode(f"\0{user}\0{password}".encode()).decode("ascii")
    code, answer = smtp.docmd("AUTH", f"PLAIN {token}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, answer)


class MailError(Exception):
    """A message could not be sent; the text says why, on one line."""


def _reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        parts = [f"{addr}: {code} {_decode(text)}" for addr, (code, text) in exc.recipients.items()]
        return "; ".join(parts)
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_decode(exc.smtp_error)}"
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out"
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def _decode(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


register(
    {
        "send-no-password": (
            "已设置 SMTP用户名 {user}，但环境变量 {env} 中没有密码；什么都没有发送",
            "SMTP User {user} is set but the environment variable {env} holds no password; "
            "nothing was sent",
        ),
        "send-no-sender": (
            "发件地址“{value}”无效：请在配置中设置 发件人（或 SMTP用户名）为邮箱地址；什么都没有发送",
            "The sender {value!r} is not an address: set Mail From (or SMTP User) to one; "
            "nothing was sent",
        ),
    }
)
