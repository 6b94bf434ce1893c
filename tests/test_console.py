"""crmxl.console: output in any encoding writes a stand-in for what the encoding lacks, never
raises; --json is UTF-8 whatever the console. The expected stand-ins come from the code pages'
tables (GBK has ￥ U+FFE5 but not ¥ U+00A5, cp1252 has ¥ but no Chinese)."""

from __future__ import annotations

import io
import json
import sys

import pytest

from crmxl import console

# the last: a file name that was not valid UTF-8 (no encoding has it, not even UTF-8)
HARD = "¥480,000 ≥ ¥100,000 − 5% → ✅ ⚠️ 🚀 𠀋 喆堃 “引号” 「线索」 （括号） … · • crm-\udcff"


def stream(encoding: str) -> tuple[io.BytesIO, io.TextIOWrapper]:
    raw = io.BytesIO()
    return raw, io.TextIOWrapper(raw, encoding=encoding, errors="strict", newline="\n")


def written(encoding: str, text: str) -> str:
    raw, out = stream(encoding)
    console.make_safe(out)
    out.write(text)
    out.flush()
    return raw.getvalue().decode(encoding)  # strict: every byte is of that encoding


@pytest.mark.parametrize("encoding", ["cp936", "gbk", "gb18030", "cp1252", "utf-8", "ascii"])
def test_nothing_raises_and_the_bytes_are_of_the_encoding(encoding: str) -> None:
    _, out = stream(encoding)
    with pytest.raises(UnicodeEncodeError):
        out.write(HARD)
        out.flush()
    assert written(encoding, HARD)  # the same text, made safe


@pytest.mark.parametrize(
    ("encoding", "text", "expected"),
    [
        # GBK has the full-width yen and ≥, not U+00A5, U+2212, emoji or Extension B
        ("cp936", "近12月成交 ¥480,000 ≥ ¥100,000", "近12月成交 ￥480,000 ≥ ￥100,000"),
        ("cp936", "−5", "-5"),
        ("cp936", "喆堃🚀科技有限公司", "喆堃?科技有限公司"),
        ("cp936", "王𠀋", "王?"),
        ("cp936", "⚠️ 注意", "! 注意"),  # the variation selector goes, it is not a second "?"
        ("cp936", "✅ 完成", "√ 完成"),
        ("cp936", "• 第一项", "· 第一项"),
        # GB18030 encodes every code point: nothing changes
        ("gb18030", "王𠀋 ¥ − 🚀", "王𠀋 ¥ − 🚀"),
        # cp1252 has ¥, × and “”; Chinese punctuation falls back to its ASCII form
        ("cp1252", "¥480,000 ≥ ¥100,000", "¥480,000 >= ¥100,000"),
        ("cp1252", "导入 a.csv（CSV）→ b.xlsx「线索」", '?? a.csv(CSV)-> b.xlsx"??"'),
        ("cp1252", "张三，李四、王五。", "??,??,??."),
        ("cp1252", "−5 … 1–2", "-5 … 1–2"),
        # ASCII: the yen becomes RMB, the ellipsis three dots
        ("ascii", "¥480,000…", "RMB 480,000..."),
        ("ascii", "−5 → 6 ≤ 7 × 2", "-5 -> 6 <= 7 x 2"),
    ],
)
def test_stand_ins(encoding: str, text: str, expected: str) -> None:
    assert written(encoding, text) == expected


def test_a_file_name_that_is_not_utf8_prints_as_a_question_mark() -> None:
    name = b"crm-\xff.xlsx".decode("utf-8", "surrogateescape")  # as os.listdir gives it
    assert written("utf-8", f"已保存 {name}") == "已保存 crm-?.xlsx"


def test_setup_makes_stdout_and_stderr_safe(monkeypatch: pytest.MonkeyPatch) -> None:
    out_raw, out = stream("cp936")
    err_raw, err = stream("cp1252")
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    console.setup()
    print("¥1 王𠀋")
    print("Error: 无法读取文件 ¥.xlsx", file=sys.stderr)
    out.flush()
    err.flush()
    assert out_raw.getvalue().decode("cp936") == "￥1 王?\n"
    assert err_raw.getvalue().decode("cp1252") == "Error: ?????? ¥.xlsx\n"


def test_setup_without_a_console(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdout", None)  # pythonw, or a windowed frozen build
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # someone else's stream: left alone
    console.setup()


def test_json_is_utf8_whatever_the_console(monkeypatch: pytest.MonkeyPatch) -> None:
    raw, out = stream("cp1252")
    monkeypatch.setattr(sys, "stdout", out)
    console.make_safe(out)
    print("before")
    data = {"负责人": "王𠀋", "客户": "喆堃🚀科技有限公司", "值": "−5", "金额": "¥1,200,000"}
    console.write_json(data)
    first, rest = raw.getvalue().split(b"\n", 1)
    assert first == b"before"  # text written earlier comes first
    assert json.loads(rest.decode("utf-8")) == data
    assert "王𠀋".encode() in rest  # not \\u escapes: readable as UTF-8


def test_json_keeps_a_file_name_that_is_not_utf8(monkeypatch: pytest.MonkeyPatch) -> None:
    raw, out = stream("utf-8")
    monkeypatch.setattr(sys, "stdout", out)
    name = b"crm-\xff.xlsx".decode("utf-8", "surrogateescape")
    console.write_json({"path": name})
    assert json.loads(raw.getvalue().decode("utf-8")) == {"path": name}


def test_json_to_a_text_only_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    console.write_json({"a": "王𠀋"})
    assert json.loads(out.getvalue()) == {"a": "王𠀋"}
