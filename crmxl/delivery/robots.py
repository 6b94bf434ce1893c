"""Group robots: 企业微信 (WeCom) and 钉钉 (DingTalk) webhooks, markdown messages, rate limits.

- 企业微信: POST ``{"msgtype": "markdown", "markdown": {"content": ...}}`` to the webhook
  address (its ``key=`` is the credential, so the address lives in 配置 or the TOML file);
  the content may hold at most 4096 bytes.
- 钉钉: POST ``{"msgtype": "markdown", "markdown": {"title": ..., "text": ...}}``. A robot with
  加签 (signing) needs ``&timestamp=T&sign=S`` on the address: T is the time in milliseconds,
  S = urlencode(base64(HMAC-SHA256(key = secret, message = T + "\\n" + secret))). The secret
  (``SEC...``) comes only from the environment variable :data:`DINGTALK_SECRET_ENV`.

Both answer ``{"errcode": 0, "errmsg": "ok"}`` when the message was taken. Both allow a robot
20 messages a minute (钉钉 then blocks it for ten minutes), so :class:`Throttle` keeps every
robot to 20 messages in any 61 seconds, waiting when it must.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

DINGTALK_SECRET_ENV = "CRMXL_DINGTALK_SECRET"
#: Messages a robot takes in :data:`WINDOW` seconds (both robots' documented limit is 20/min).
LIMIT = 20
WINDOW = 61.0  # a minute, and a second to spare
TIMEOUT = 15.0

ROBOTS = ("wecom", "dingtalk")


class Throttle:
    """At most ``limit`` calls in any ``window`` seconds; :meth:`wait` sleeps when needed.

    ``clock`` and ``sleep`` are injectable (tests use a fake clock, not a real minute).
    """

    def __init__(
        self,
        limit: int = LIMIT,
        window: float = WINDOW,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self.sleep = sleep
        self._sent: deque[float] = deque()

    def wait(self) -> float:
        """Wait until one more call is allowed, count it, and return the seconds waited."""
        waited = 0.0
        now = self.clock()
        while self._sent and now - self._sent[0] >= self.window:
            self._sent.popleft()
        if len(self._sent) >= self.limit:
            pause = self._sent[0] + self.window - now
            if pause > 0:
                self.sleep(pause)
                waited = pause
            now = self.clock()
            while self._sent and now - self._sent[0] >= self.window:
                self._sent.popleft()
        self._sent.append(now)
        return waited


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """钉钉's 加签 signature, URL-encoded, for ``timestamp_ms``."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode("utf-8"), to_sign, hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


@dataclass
class Robot:
    """One group robot."""

    kind: str  # wecom or dingtalk
    url: str
    secret: str | None = None
    throttle: Throttle = field(default_factory=Throttle)
    now_ms: Callable[[], int] = field(default=lambda: int(time.time() * 1000))

    @property
    def where(self) -> str:
        """The webhook's host, for the result table (its key stays out of sight)."""
        return urllib.parse.urlsplit(self.url).netloc or self.url

    def payload(self, title: str, markdown: str) -> dict[str, Any]:
        if self.kind == "wecom":
            return {"msgtype": "markdown", "markdown": {"content": markdown}}
        return {"msgtype": "markdown", "markdown": {"title": title, "text": markdown}}

    def address(self) -> str:
        if self.kind != "dingtalk" or not self.secret:
            return self.url
        stamp = self.now_ms()
        joiner = "&" if urllib.parse.urlsplit(self.url).query else "?"
        return f"{self.url}{joiner}timestamp={stamp}&sign={dingtalk_sign(self.secret, stamp)}"

    def send(self, title: str, markdown: str) -> None:
        """Post one message; raises :class:`RobotError` with a one-line reason."""
        self.throttle.wait()
        body = json.dumps(self.payload(title, markdown), ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(
            self.address(),
            data=body,
            headers={"Content-Type": "application/json; charset=utf-8"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            raise RobotError(f"HTTP {exc.code} {exc.reason}") from exc
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise RobotError(str(reason).strip() or type(exc).__name__) from exc
        try:
            answer = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise RobotError("not a JSON answer") from exc
        code = answer.get("errcode") if isinstance(answer, dict) else None
        if code != 0:
            message = answer.get("errmsg", "") if isinstance(answer, dict) else ""
            raise RobotError(f"errcode {code}: {message}".strip())


class RobotError(Exception):
    """A robot did not take a message; the text says why, on one line."""


def robots_from_settings(delivery: Mapping[str, Any], env: Mapping[str, str]) -> list[Robot]:
    """The robots 配置/TOML names (企业微信 first, then 钉钉)."""
    found = []
    for kind in ROBOTS:
        url = str(delivery.get(f"{kind}_webhook") or "").strip()
        if url:
            secret = env.get(DINGTALK_SECRET_ENV) if kind == "dingtalk" else None
            found.append(Robot(kind, url, secret or None))
    return found
