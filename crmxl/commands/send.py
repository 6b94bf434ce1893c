"""``crmxl todo --send``: each owner's agenda by e-mail and to the team's group robots.

The agenda is ``todo``'s (:mod:`crmxl.reporting.todolist`), cut by owner (:mod:`crmxl.delivery.messages`).
Channels:

- ``email``: when 配置/TOML sets ``smtp_host``; each owner at the 邮箱 the 销售团队 sheet gives
  (an owner without one is a failed delivery); the unassigned items (no 负责人) go to no one by
  e-mail;
- ``wecom`` / ``dingtalk``: when the robot's webhook is set; one message per owner, the
  unassigned items too, throttled to the robots' rate limits (:mod:`crmxl.delivery.robots`).

Each delivery is tried on its own: one that fails is reported and the others go on; the result
lists every owner and channel and ``ok`` is False when any failed (the command exits 1). What
went out is recorded beside the workbook (:mod:`crmxl.delivery.record`) after each message, so a re-run for
the same as-of date sends only what is missing. ``dry_run`` sends and records nothing and shows
what would go out. A configuration that cannot work (no channel at all, a user without a
password, no sender address, a webhook that is not a web address) is an error before anything
is sent.
"""

from __future__ import annotations

import functools
import os
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from crmxl.delivery.mail import Mailer, MailError, SmtpSettings, build_message
from crmxl.delivery.messages import Agenda
from crmxl.delivery.record import SentRecord
from crmxl.delivery.robots import Robot, RobotError, robots_from_settings
from crmxl.errors import UsageError
from crmxl.i18n import normalize_lang, pick, register, t
from crmxl.model.frames import typed
from crmxl.model.schema import ContactChannel, Pool, fold
from crmxl.model.textout import render_table
from crmxl.model.workspace import Workspace, open_workspace
from crmxl.reporting.facts import load, owner_label
from crmxl.reporting.todolist import TodoResult, check_days, owner_agenda

CHANNELS: dict[str, tuple[str, str]] = {
    "email": ContactChannel.EMAIL.pair,
    "wecom": ("企业微信", "WeCom"),
    "dingtalk": ("钉钉", "DingTalk"),
}
#: Delivery states; only ``failed`` makes the run fail.
STATES: dict[str, tuple[str, str]] = {
    "sent": ("已发送", "sent"),
    "failed": ("失败", "FAILED"),
    "already-sent": ("已发过，跳过", "sent before, skipped"),
    "dry-run": ("将发送（演练）", "would send (dry run)"),
    "no-recipient": ("不发送", "not sent"),
}


@dataclass
class Delivery:
    """One message to one owner through one channel."""

    owner: str | None
    channel: str
    to: str  # an address, or the robot's web address without its key
    items: int
    subject: str
    state: str = "dry-run"
    detail: str = ""  # why it failed, when it was sent before ...
    text: str = field(default="", repr=False)  # the message (shown by --dry-run --json)

    def to_dict(self, lang: str = "zh", *, with_text: bool = False) -> dict[str, Any]:
        out = {
            "owner": self.owner,
            "label": owner_label(self.owner, lang),
            "channel": self.channel,
            "to": self.to,
            "items": self.items,
            "subject": self.subject,
            "state": self.state,
            "detail": self.detail,
        }
        if with_text:
            out["text"] = self.text
        return out


@dataclass
class SendResult:
    """Every delivery of a ``todo --send`` run."""

    as_of: datetime
    dry_run: bool
    channels: list[str]
    record: Path
    deliveries: list[Delivery] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(d.state == "failed" for d in self.deliveries)

    def counts(self) -> dict[str, int]:
        return {s: sum(1 for d in self.deliveries if d.state == s) for s in STATES}

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(sep=" "),
            "dry_run": self.dry_run,
            "channels": self.channels,
            "record": str(self.record),
            "ok": self.ok,
            "counts": self.counts(),
            "deliveries": [d.to_dict(lang, with_text=self.dry_run) for d in self.deliveries],
        }

    def render(self, lang: str = "zh") -> str:
        lines = [
            t(
                "send-title-dry" if self.dry_run else "send-title",
                lang,
                as_of=f"{self.as_of:%Y-%m-%d %H:%M}",
                channels=pick(lang, "、", ", ").join(
                    pick(lang, *CHANNELS[c]) for c in self.channels
                ),
            ),
            "",
        ]
        rows = [
            [
                owner_label(d.owner, lang),
                pick(lang, *CHANNELS[d.channel]),
                d.to,
                d.items,
                pick(lang, *STATES[d.state]),
                d.detail,
            ]
            for d in self.deliveries
        ]
        lines.append(
            render_table(
                [
                    pick(lang, "负责人", "Owner"),
                    pick(lang, "渠道", "Channel"),
                    pick(lang, "发送到", "To"),
                    pick(lang, "项数", "Items"),
                    pick(lang, "结果", "Result"),
                    pick(lang, "说明", "Detail"),
                ],
                rows,
                max_width={2: 40, 5: 60},
            )
        )
        if not self.deliveries:
            lines.append(t("todo-nothing", lang))
        c = self.counts()
        lines.append("")
        lines.append(
            t(
                "send-summary",
                lang,
                sent=c["sent"],
                failed=c["failed"],
                skipped=c["already-sent"],
                dry=c["dry-run"],
            )
        )
        if not self.dry_run and c["sent"]:
            lines.append(t("send-recorded", lang, path=self.record))
        return "\n".join(lines)


def send(
    files: Sequence[Path | str],
    *,
    owner: str | None = None,
    days: int = 7,
    as_of: datetime | None = None,
    config: Path | str | None = None,
    lang: str | None = None,
    dry_run: bool = False,
    env: Mapping[str, str] | None = None,
    robots: Sequence[Robot] | None = None,
    now: Callable[[], datetime] = datetime.now,
) -> SendResult:
    """Deliver each owner's agenda of ``files`` (see the module's docstring).

    ``lang`` is the messages' language (default: the workbook's). ``env`` stands for the
    environment (passwords, secrets); ``robots`` replaces the robots the settings name (tests
    give robots with a fake clock).
    """
    env = os.environ if env is None else env
    check_days(days)
    agenda = owner_agenda(load(files, as_of=as_of, config=config), owner, days)
    team = open_workspace(files, config=config, sheets=["team"])
    delivery = team.settings.delivery
    message_lang = normalize_lang(lang) if lang else team.lang
    smtp = SmtpSettings.from_settings(delivery, env)
    bots = list(robots) if robots is not None else robots_from_settings(delivery, env)
    for bot in bots:
        _check_webhook(bot)
    channels = (["email"] if smtp else []) + [b.kind for b in bots]
    if not channels:
        raise UsageError("send-nothing-configured")
    record = SentRecord.beside(team.primary_file)
    result = SendResult(agenda.as_of, dry_run, channels, record.path)
    mailer = Mailer(smtp) if smtp else None
    plans = _plan(agendas(agenda), mailer, bots, team_addresses(team), message_lang)
    day = agenda.as_of.date()
    for d, _ in plans:
        _sent_before(d, record, day, message_lang)
    result.deliveries = [d for d, _ in plans]
    if dry_run:
        return result
    try:
        with record.locked():
            for d, deliver in plans:
                if d.state != "dry-run" or _sent_before(d, record, day, message_lang):
                    continue  # failed already, or sent since by a run that held the lock
                try:
                    deliver()
                except (MailError, RobotError) as exc:
                    d.state, d.detail = "failed", str(exc)
                    continue
                d.state = "sent"
                record.add(day, d.owner, d.channel, d.to, d.items, now())
    finally:
        if mailer is not None:
            mailer.close()
    return result


def _sent_before(d: Delivery, record: SentRecord, day: date, lang: str) -> bool:
    """Mark ``d`` as sent before when the record has it (only a delivery still to make)."""
    entry = record.has(day, d.owner, d.channel) if d.state == "dry-run" else None
    if entry is None:
        return False
    d.state, d.detail = "already-sent", t("send-sent-at", lang, at=entry.get("sent_at", ""))
    return True


def agendas(result: TodoResult) -> list[Agenda]:
    """Each owner's agenda, in the order ``todo`` shows them (owners with nothing left out)."""
    out = []
    for owner, kinds in result.groups():
        mine = [item for _, items in kinds for item in items]
        if mine:
            alone = TodoResult(result.as_of, result.days, owner, [owner], mine)
            out.append(Agenda(owner, result.as_of, result.days, kinds, alone.render))
    return out


def team_addresses(team: Workspace) -> dict[str, str]:
    """销售团队: folded name -> 邮箱 (people without one left out)."""
    table = team.tables.get("team")
    if table is None or not table.has("email"):
        return {}
    frame = typed(table, team.settings, ["name", "email"]).frame
    return {
        fold(name): str(email)
        for name, email in zip(frame["name"], frame["email"], strict=True)
        if isinstance(name, str) and isinstance(email, str) and email
    }


Plan = tuple[Delivery, Callable[[], None]]


def _plan(
    owners: list[Agenda],
    mailer: Mailer | None,
    bots: Sequence[Robot],
    addresses: Mapping[str, str],
    lang: str,
) -> list[Plan]:
    """Every delivery to try, with the function that makes it."""
    plans: list[Plan] = []
    for agenda in owners:
        if mailer is not None:
            plans.append(_email(agenda, mailer, addresses, lang))
        for bot in bots:
            subject, markdown = agenda.subject(lang), agenda.markdown(lang)
            d = Delivery(agenda.owner, bot.kind, bot.where, agenda.count, subject, text=markdown)
            plans.append((d, functools.partial(bot.send, subject, markdown)))
    return plans


def _email(agenda: Agenda, mailer: Mailer, addresses: Mapping[str, str], lang: str) -> Plan:
    subject, text = agenda.subject(lang), agenda.text(lang)
    address = addresses.get(fold(agenda.owner)) if agenda.owner else None
    d = Delivery(agenda.owner, "email", address or "", agenda.count, subject, text=text)
    if agenda.owner is None:
        d.state, d.detail = "no-recipient", t("send-unassigned", lang)
        return d, _nothing
    if agenda.owner == Pool.POOL:  # the pool is no person: its customers are anyone's to claim
        d.state, d.detail = "no-recipient", t("send-pool", lang)
        return d, _nothing
    if address is None:
        d.state, d.detail = "failed", t("send-no-address", lang, owner=agenda.owner)
        return d, _nothing
    owner = agenda.owner

    def deliver() -> None:
        html = agenda.html(lang)
        mailer.send(build_message(mailer.settings.sender, owner, address, subject, text, html))

    return d, deliver


def _nothing() -> None:
    return None


def _check_webhook(bot: Robot) -> None:
    parts = urllib.parse.urlsplit(bot.url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError("send-bad-webhook", robot=bot.kind, url=bot.url)


register(
    {
        "send-title": (
            "待办已发送（计算基准 {as_of}；渠道：{channels}）",
            "Agendas delivered (as of {as_of}; channels: {channels})",
        ),
        "send-title-dry": (
            "演练：以下待办将会发送，实际未发送（计算基准 {as_of}；渠道：{channels}）",
            "Dry run: these agendas would be delivered; nothing was sent (as of {as_of}; "
            "channels: {channels})",
        ),
        "send-summary": (
            "已发送 {sent}，失败 {failed}，此前已发送而跳过 {skipped}，演练 {dry}",
            "{sent} sent, {failed} failed, {skipped} sent before and skipped, {dry} dry run",
        ),
        "send-recorded": (
            "已记录在 {path}，同一计算基准日重复运行不会重复发送",
            "Recorded in {path}: a re-run for the same as-of date sends nothing twice",
        ),
        "send-sent-at": ("{at} 已发送", "sent at {at}"),
        "send-unassigned": (
            "未分配负责人的事项只发到群机器人",
            "items without an owner go to the group robots only",
        ),
        "send-pool": (
            "公海客户的事项没有收件人，只发到群机器人",
            "the pool's customers have no one to mail: their items go to the group robots only",
        ),
        "send-no-address": (
            "销售团队中没有 {owner} 的邮箱",
            "the Team sheet has no e-mail address for {owner}",
        ),
        "send-nothing-configured": (
            "没有可用的发送渠道：请在“配置”或 --config 文件中设置 SMTP服务器（smtp_host）、"
            "企业微信机器人（wecom_webhook）或 钉钉机器人（dingtalk_webhook）",
            "No way to deliver: set SMTP Host (smtp_host), WeCom Robot (wecom_webhook) or "
            "DingTalk Robot (dingtalk_webhook) in the Settings sheet or the --config file",
        ),
        "send-bad-webhook": (
            "{robot} 机器人的地址不是网址：{url}",
            "The {robot} robot's address is not a web address: {url}",
        ),
    }
)
