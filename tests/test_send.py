"""``crmxl todo --send``: e-mail over STARTTLS and implicit TLS to a local SMTP server, 企业微信
and 钉钉 robots on a local HTTP server, per-owner results, the record that stops a second
sending, dry runs, rate limits with a fake clock.

The workspace is tests/crm_small.py as of 2026-11-20 10:00: 张三 has 7 items, 李四 4, 王五 2
(tests/test_todo.py counts them by hand); 赵六 has nothing and gets nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from crm_small import AS_OF, sheets
from servers import PASSWORD, USER, RobotServer, SmtpServer, robot_server, smtp_server

from crmxl.cli import cli
from crmxl.commands.send import send
from crmxl.commands.todo import todo
from crmxl.delivery.messages import Agenda
from crmxl.delivery.record import NAME, SentRecord
from crmxl.delivery.robots import Robot, Throttle, dingtalk_sign
from crmxl.errors import CrmxlError
from crmxl.reporting.agenda import TodoItem
from crmxl.workbook.lock import lock_path

ADDRESSES = {
    "张三": "zhangsan@example.com",
    "李四": "lisi@example.com",
    "王五": "wangwu@example.com",
}
ITEMS = {"张三": 7, "李四": 4, "王五": 2}
ENV = {"CRMXL_SMTP_PASSWORD": PASSWORD}


@pytest.fixture
def crm(make_workbook: Any) -> Path:
    data = sheets()
    for person in data["team"]:
        if person["name"] in ADDRESSES:
            person["email"] = ADDRESSES[person["name"]]
    return make_workbook(data)


def write_config(folder: Path, settings: dict[str, Any], name: str = "crmxl.toml") -> Path:
    lines = [
        f"{k} = {v}" if isinstance(v, int) else f"{k} = {json.dumps(v, ensure_ascii=False)}"
        for k, v in settings.items()
    ]
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(params=["starttls", "ssl"])
def smtp(request: Any, tmp_path: Path) -> Iterator[SmtpServer]:
    with smtp_server(request.param, tmp_path) as server:
        yield server


@pytest.fixture
def robots() -> Iterator[RobotServer]:
    with robot_server(secret="SEC-test-secret") as server:
        yield server


def test_the_pool_is_mailed_to_no_one(make_workbook: Any, smtp: SmtpServer, tmp_path: Path) -> None:
    data = sheets()
    for person in data["team"]:
        if person["name"] in ADDRESSES:
            person["email"] = ADDRESSES[person["name"]]
    (c001,) = [c for c in data["customers"] if c["customer_id"] == "C001"]
    c001["owner"] = "公海"  # a customer in the pool (SPEC 2.9): its items belong to no one
    book = make_workbook(data)
    config = write_config(tmp_path, smtp.settings())
    result = send([book], as_of=AS_OF, config=config, env=ENV)
    pool = [d for d in result.deliveries if d.owner == "公海"]
    assert [(d.channel, d.state) for d in pool] == [("email", "no-recipient")]
    assert result.ok  # not a failed delivery
    assert {m.rcpt_tos[0] for m in smtp.handler.messages} <= set(ADDRESSES.values())


def test_each_owner_gets_a_readable_mail(crm: Path, smtp: SmtpServer, tmp_path: Path) -> None:
    config = write_config(tmp_path, smtp.settings())
    result = send([crm], as_of=AS_OF, config=config, env=ENV)
    assert result.ok
    assert [(d.owner, d.channel, d.state, d.items) for d in result.deliveries] == [
        ("张三", "email", "sent", 7),
        ("李四", "email", "sent", 4),
        ("王五", "email", "sent", 2),
    ]
    got = {m.rcpt_tos[0]: m for m in smtp.handler.messages}
    assert set(got) == set(ADDRESSES.values())
    mail = got["zhangsan@example.com"]
    assert mail.mail_from == USER
    subject = "【待办】张三 2026-11-20（7 项）"
    raw = mail.header_raw("Subject")
    assert raw.startswith("=?utf-8?") and "待办" not in raw  # RFC 2047 encoded words
    assert mail.message["Subject"] == subject
    assert mail.message["To"].addresses[0].display_name == "张三"
    assert mail.message["From"].addresses[0].display_name == "销售部"
    assert mail.message.get_content_type() == "multipart/alternative"
    plain = mail.message.get_body(("plain",))
    html = mail.message.get_body(("html",))
    assert plain is not None and html is not None
    expected = todo([crm], owner="张三", as_of=AS_OF).render("zh")
    assert plain.get_content().replace("\r\n", "\n").strip() == expected.strip()
    page = html.get_content()
    for ref in ("WT3", "L5", "C005", "XQ1", "C001", "C003"):
        assert ref in page
    assert "逾期3天" in page and "color:#C00000" in page  # C005, overdue, in red


def test_a_second_run_for_the_same_as_of_sends_nothing_again(
    crm: Path, smtp: SmtpServer, tmp_path: Path
) -> None:
    config = write_config(tmp_path, smtp.settings())
    send([crm], as_of=AS_OF, config=config, env=ENV)
    again = send([crm], as_of=AS_OF.replace(hour=17), config=config, env=ENV)
    assert [d.state for d in again.deliveries] == ["already-sent"] * 3
    assert len(smtp.handler.messages) == 3
    next_day = send([crm], as_of=AS_OF.replace(day=21), config=config, env=ENV)
    assert [d.state for d in next_day.deliveries] == ["sent"] * 3
    record = json.loads((crm.parent / NAME).read_text(encoding="utf-8"))
    assert [(e["as_of"], e["owner"]) for e in record["sent"]] == [
        ("2026-11-20", "张三"),
        ("2026-11-20", "李四"),
        ("2026-11-20", "王五"),
        ("2026-11-21", "张三"),
        ("2026-11-21", "李四"),
        ("2026-11-21", "王五"),
    ]


def test_one_refused_owner_does_not_stop_the_others(
    crm: Path, smtp: SmtpServer, tmp_path: Path
) -> None:
    config = write_config(tmp_path, smtp.settings())
    smtp.handler.refuse = {"lisi@example.com"}
    runner = CliRunner()
    out = runner.invoke(
        cli,
        ["todo", str(crm), "--send", "--config", str(config), "--as-of", "2026-11-20T10:00"],
        env=ENV,
    )
    assert out.exit_code == 1, out.output
    assert "550" in out.output and "失败 1" in out.output
    assert sorted(m.rcpt_tos[0] for m in smtp.handler.messages) == [
        "wangwu@example.com",
        "zhangsan@example.com",
    ]
    smtp.handler.refuse = set()  # the mailbox is fixed: the re-run sends what is missing
    again = send([crm], as_of=AS_OF, config=config, env=ENV)
    assert [(d.owner, d.state) for d in again.deliveries] == [
        ("张三", "already-sent"),
        ("李四", "sent"),
        ("王五", "already-sent"),
    ]


def test_an_owner_without_an_address_is_a_failure(
    make_workbook: Any, smtp: SmtpServer, tmp_path: Path
) -> None:
    data = sheets()
    data["team"][0]["email"] = "zhangsan@example.com"  # 李四 and 王五 have none
    crm = make_workbook(data)
    result = send([crm], as_of=AS_OF, config=write_config(tmp_path, smtp.settings()), env=ENV)
    assert not result.ok
    assert [(d.owner, d.state) for d in result.deliveries] == [
        ("张三", "sent"),
        ("李四", "failed"),
        ("王五", "failed"),
    ]
    assert "李四" in result.deliveries[1].detail


def test_a_wrong_password_fails_every_mail_quickly_and_records_nothing(
    crm: Path, smtp: SmtpServer, tmp_path: Path
) -> None:
    config = write_config(tmp_path, smtp.settings())
    result = send([crm], as_of=AS_OF, config=config, env={"CRMXL_SMTP_PASSWORD": "wrong"})
    assert [d.state for d in result.deliveries] == ["failed"] * 3
    assert all("535" in d.detail for d in result.deliveries)
    assert smtp.handler.messages == []
    assert not (crm.parent / NAME).exists()


def test_a_certificate_nobody_vouched_for_is_refused(
    crm: Path, smtp: SmtpServer, tmp_path: Path
) -> None:
    config = write_config(tmp_path, {**smtp.settings(), "smtp_cafile": ""})
    result = send([crm], as_of=AS_OF, config=config, env=ENV)
    assert [d.state for d in result.deliveries] == ["failed"] * 3
    assert "certificate" in result.deliveries[0].detail.lower()
    assert smtp.handler.messages == []


def test_a_crash_after_one_mail_keeps_its_record(
    crm: Path, smtp: SmtpServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_config(tmp_path, smtp.settings())
    real = SentRecord.add
    calls = []

    def add_then_die(self: SentRecord, *args: Any, **kw: Any) -> None:
        real(self, *args, **kw)
        calls.append(args)
        if len(calls) == 1:
            raise KeyboardInterrupt  # the process is stopped right after the first record

    monkeypatch.setattr(SentRecord, "add", add_then_die)
    with pytest.raises(KeyboardInterrupt):
        send([crm], as_of=AS_OF, config=config, env=ENV)
    monkeypatch.setattr(SentRecord, "add", real)
    again = send([crm], as_of=AS_OF, config=config, env=ENV)
    assert [(d.owner, d.state) for d in again.deliveries] == [
        ("张三", "already-sent"),
        ("李四", "sent"),
        ("王五", "sent"),
    ]
    assert len(smtp.handler.messages) == 3  # each owner exactly once


def test_what_another_run_sent_meanwhile_is_not_sent_again(
    crm: Path, smtp: SmtpServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_config(tmp_path, smtp.settings())
    real = SentRecord.locked

    def after_another_run(self: SentRecord) -> Any:
        # between this run's reading of the record and its taking of the lock, another run
        # sent 张三's mail and recorded it
        other = SentRecord.load(self.path)
        other.add(AS_OF.date(), "张三", "email", "zhangsan@example.com", 7, AS_OF)
        return real(self)

    monkeypatch.setattr(SentRecord, "locked", after_another_run)
    result = send([crm], as_of=AS_OF, config=config, env=ENV)
    assert [(d.owner, d.state) for d in result.deliveries] == [
        ("张三", "already-sent"),
        ("李四", "sent"),
        ("王五", "sent"),
    ]
    assert sorted(m.rcpt_tos[0] for m in smtp.handler.messages) == [
        "lisi@example.com",
        "wangwu@example.com",
    ]


def test_another_run_holding_the_lock_is_refused(
    crm: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lock = lock_path(crm.parent / NAME)
    holder = subprocess.Popen(  # another process holds the record's write lock
        [
            sys.executable,
            "-c",
            "import sys, time; from filelock import FileLock; "
            "l = FileLock(sys.argv[1]); l.acquire(); print('held', flush=True); time.sleep(60)",
            str(lock),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        monkeypatch.setenv("CRMXL_LOCK_TIMEOUT", "0.2")
        with robot_server() as server:
            config = write_config(tmp_path, {"wecom_webhook": server.url("wecom")})
            with pytest.raises(CrmxlError) as refused:
                send([crm], as_of=AS_OF, config=config)
            assert NAME in refused.value.render("en")
            assert server.received == []
    finally:
        holder.kill()
        holder.wait()


def test_dry_run_sends_and_records_nothing(crm: Path, smtp: SmtpServer, tmp_path: Path) -> None:
    config = write_config(tmp_path, smtp.settings())
    out = CliRunner().invoke(
        cli,
        [
            "todo",
            str(crm),
            "--send",
            "--dry-run",
            "--json",
            "--config",
            str(config),
            "--as-of",
            "2026-11-20T10:00",
        ],
        env=ENV,
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["dry_run"] is True
    assert [(d["owner"], d["to"], d["state"]) for d in data["deliveries"]] == [
        ("张三", "zhangsan@example.com", "dry-run"),
        ("李四", "lisi@example.com", "dry-run"),
        ("王五", "wangwu@example.com", "dry-run"),
    ]
    assert "WT3" in data["deliveries"][0]["text"]
    assert smtp.handler.messages == [] and not (crm.parent / NAME).exists()


def test_json_is_the_library_result(crm: Path, smtp: SmtpServer, tmp_path: Path) -> None:
    config = write_config(tmp_path, smtp.settings())
    args = ["todo", str(crm), "--send", "--json", "--config", str(config)]
    out = CliRunner().invoke(cli, [*args, "--as-of", "2026-11-20T10:00"], env=ENV)
    assert out.exit_code == 0, out.output
    again = send([crm], as_of=AS_OF, config=config, env=ENV)  # everything sent before
    data = json.loads(out.output)
    assert [d["state"] for d in data["deliveries"]] == ["sent"] * 3
    expected = again.to_dict()
    assert data["as_of"] == expected["as_of"] and data["channels"] == expected["channels"]
    assert [d["owner"] for d in data["deliveries"]] == [d["owner"] for d in expected["deliveries"]]


def test_wecom_robot_gets_one_markdown_message_per_owner(crm: Path, tmp_path: Path) -> None:
    with robot_server() as server:
        config = write_config(tmp_path, {"wecom_webhook": server.url("wecom")})
        result = send([crm], as_of=AS_OF, config=config)
        assert result.ok and server.rejected == []
        assert [d.to for d in result.deliveries] == [f"127.0.0.1:{server.port}"] * 3
        contents = [m["markdown"]["content"] for m in server.received]
        assert [c.splitlines()[0] for c in contents] == [
            "### 张三的待办（7 项）",
            "### 李四的待办（4 项）",
            "### 王五的待办（2 项）",
        ]
        assert "**问题时限（2）**" in contents[0] and "WT3" in contents[0]
        assert "test-key" not in result.render("zh")  # the webhook's key stays hidden


def test_dingtalk_robot_signs_when_the_secret_is_set(
    crm: Path, robots: RobotServer, tmp_path: Path
) -> None:
    config = write_config(tmp_path, {"dingtalk_webhook": robots.url("dingtalk")})
    result = send(
        [crm], as_of=AS_OF, config=config, env={"CRMXL_DINGTALK_SECRET": "SEC-test-secret"}
    )
    assert result.ok, robots.rejected
    assert [m["markdown"]["title"] for m in robots.received] == [
        "【待办】张三 2026-11-20（7 项）",
        "【待办】李四 2026-11-20（4 项）",
        "【待办】王五 2026-11-20（2 项）",
    ]


def test_dingtalk_refuses_a_wrong_or_missing_signature(
    crm: Path, robots: RobotServer, tmp_path: Path
) -> None:
    config = write_config(tmp_path, {"dingtalk_webhook": robots.url("dingtalk")})
    wrong = send([crm], as_of=AS_OF, config=config, env={"CRMXL_DINGTALK_SECRET": "SEC-other"})
    assert [d.state for d in wrong.deliveries] == ["failed"] * 3
    assert "310000" in wrong.deliveries[0].detail
    unsigned = send([crm], as_of=AS_OF, config=config, env={})
    assert [d.state for d in unsigned.deliveries] == ["failed"] * 3
    assert robots.received == []


def test_dingtalk_signature_matches_the_documented_recipe() -> None:
    # base64(HMAC-SHA256("SECabc", "1700000000000\nSECabc")), URL-encoded; worked out by hand
    # with the standard library's primitives on their own, not through crmxl
    import base64
    import hashlib
    import hmac
    import urllib.parse

    digest = hmac.new(b"SECabc", b"1700000000000\nSECabc", hashlib.sha256).digest()
    assert dingtalk_sign("SECabc", 1700000000000) == urllib.parse.quote_plus(
        base64.b64encode(digest).decode()
    )


def test_a_robot_error_code_is_a_failure_and_email_still_goes(
    crm: Path, smtp: SmtpServer, tmp_path: Path
) -> None:
    with robot_server() as server:
        server.answer = {"errcode": 45009, "errmsg": "api freq out of limit"}
        config = write_config(tmp_path, {**smtp.settings(), "wecom_webhook": server.url("wecom")})
        result = send([crm], as_of=AS_OF, config=config, env=ENV)
    states = [(d.owner, d.channel, d.state) for d in result.deliveries]
    assert states == [
        ("张三", "email", "sent"),
        ("张三", "wecom", "failed"),
        ("李四", "email", "sent"),
        ("李四", "wecom", "failed"),
        ("王五", "email", "sent"),
        ("王五", "wecom", "failed"),
    ]
    assert "45009" in result.deliveries[1].detail
    assert not result.ok


class FakeClock:
    """Time that moves only when someone sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_throttle_allows_twenty_a_minute_with_a_fake_clock() -> None:
    clock = FakeClock()
    throttle = Throttle(limit=20, window=61.0, clock=clock, sleep=clock.sleep)
    times = []
    for _ in range(45):
        throttle.wait()
        times.append(clock.now)
        clock.now += 0.5  # each request takes half a second
    assert clock.slept == [pytest.approx(61.0 - 20 * 0.5)] * 2
    for i, start in enumerate(times):  # no 61-second window holds more than 20 sends
        assert sum(1 for t in times[i:] if t < start + 61.0) <= 20


def test_robot_waits_instead_of_hitting_the_limit() -> None:
    clock = FakeClock()
    with robot_server() as server:
        bot = Robot("wecom", server.url("wecom"), throttle=Throttle(clock=clock, sleep=clock.sleep))
        for i in range(25):
            bot.send("t", f"message {i}")
    assert len(server.received) == 25
    assert len(clock.slept) == 1 and clock.slept[0] == pytest.approx(61.0)


def test_long_agendas_are_cut_to_fit_a_robot() -> None:
    items = [
        TodoItem(
            "follow_up", "张三", f"C{i:04d}", f"C{i:04d}", f"客户{i}科技有限公司", "逾期", None, -i
        )
        for i in range(300)
    ]
    agenda = Agenda("张三", AS_OF, 7, [("follow_up", items)], lambda lang: "")
    text = agenda.markdown("zh")
    assert len(text.encode("utf-8")) <= 4000
    shown = sum(1 for line in text.splitlines() if line.startswith("- "))
    assert 0 < shown < 300
    assert text.splitlines()[-1].startswith(f"……另有 {300 - shown} 项")


def test_nothing_configured_is_a_one_line_error(crm: Path) -> None:
    out = CliRunner().invoke(cli, ["todo", str(crm), "--send", "--lang", "en"])
    assert out.exit_code == 1
    assert out.output.strip().startswith("Error: No way to deliver")
    assert len(out.output.strip().splitlines()) == 1


def test_a_user_without_a_password_sends_nothing(
    crm: Path, smtp: SmtpServer, tmp_path: Path
) -> None:
    config = write_config(tmp_path, smtp.settings())
    with pytest.raises(CrmxlError) as refused:
        send([crm], as_of=AS_OF, config=config, env={})
    assert "CRMXL_SMTP_PASSWORD" in refused.value.render("en")
    assert smtp.handler.messages == []


def test_dry_run_needs_send() -> None:
    out = CliRunner().invoke(cli, ["todo", "x.xlsx", "--dry-run"])
    assert out.exit_code == 2


def test_settings_come_from_the_settings_sheet_too(make_workbook: Any, tmp_path: Path) -> None:
    with robot_server() as server:
        data = sheets()
        data["settings"] = [{"key": "企业微信机器人", "value": server.url("wecom")}]
        crm = make_workbook(data)
        result = send([crm], as_of=AS_OF, env={})
        assert result.ok and len(server.received) == 3
