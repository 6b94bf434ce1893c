"""Every command, its output piped in a Chinese (cp936) and a Western (cp1252) Windows code page.

On Windows a pipe or a redirected file is encoded in the ANSI code page; PYTHONIOENCODING makes
a Python here do the same. Each command runs as a user runs it (a child process, stdout and
stderr piped), in both languages, on the sample workbook (sample_data/crm-sample.xlsx) with rows
added that hold ¥, −, emoji and rare CJK (𠀋 is outside GBK; 喆 and 堃 are inside): the exit
code is the command's, nothing is a traceback, the output is text of that code page, and the
characters it lacks show as their stand-ins (see crmxl/console.py). ``--json`` parses as UTF-8
and keeps every character. The runs go two at a time; each has its own copy of the files.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from crmxl import split

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2026-11-20"
ENCODINGS = ("cp936", "cp1252")
LANGS = ("zh", "en")
REP = "王𠀋"  # a salesperson whose name GBK cannot write
NEW_FILE = "𠀋喆🚀.xlsx"

#: Each command's arguments (run in a folder holding crm.xlsx, leads.csv, master.xlsx and the
#: split workbook 拆分/王𠀋.xlsx) and its exit code, worked out from sample_data/README.md:
#: validate 1 (the sample's 5 errors, plus 企业规模 "−5"); assign 1 (XS2611015's region is a
#: placeholder, two leads duplicate customers); import 1 (leads.csv holds a line sent twice and
#: an existing customer); merge 0 (the returned workbook is unchanged: nothing conflicts).
COMMANDS: dict[str, tuple[list[str], int]] = {
    "help": (["--help"], 0),
    "init": (["init", NEW_FILE, "--sample", "--as-of", AS_OF], 0),
    "validate": (["validate", "crm.xlsx", "--as-of", AS_OF], 1),
    # the sample's planted errors in rule inputs: refresh computes the rest and exits 1
    "refresh": (["refresh", "crm.xlsx", "--as-of", AS_OF], 1),
    "report": (["report", "crm.xlsx", "-o", "周报.xlsx", "--as-of", AS_OF], 0),
    "todo": (["todo", "crm.xlsx", "--as-of", AS_OF], 0),
    "assign": (["assign", "crm.xlsx", "--as-of", AS_OF], 1),
    "import": (
        ["import", "leads.csv", "--into", "crm.xlsx", "--sheet", "线索", "--as-of", AS_OF],
        1,
    ),
    "split": (["split", "crm.xlsx", "-o", "拆分", "--owner", REP, "--as-of", AS_OF], 0),
    "merge": (["merge", "master.xlsx", f"返回/{REP}.xlsx"], 0),
}

#: What the text output must show, by command and code page (either language unless a pair):
#: ¥ is ￥ in GBK, − is -, ≥ is >= in cp1252, emoji and 𠀋 are ?; Chinese is ? in cp1252.
SHOWS: dict[tuple[str, str], list[str] | tuple[list[str], list[str]]] = {
    ("help", "cp936"): ["每周例行 / weekly routine", "crmxl refresh crm.xlsx"],
    ("help", "cp1252"): ["?? / weekly routine", "crmxl refresh crm.xlsx"],
    ("init", "cp936"): ["?喆?.xlsx"],
    ("init", "cp1252"): ["???.xlsx"],
    ("validate", "cp936"): (["“-5”不是整数", "个错误"], ["errors"]),
    ("validate", "cp1252"): (["“-5”???"], ["errors"]),
    ("refresh", "cp936"): ["￥480,000 ≥ ￥100,000", "喆堃?科技有限公司"],
    ("refresh", "cp1252"): ["¥480,000 >= ¥100,000", "C0201"],
    ("report", "cp936"): ["￥"],
    ("report", "cp1252"): ["¥"],
    ("todo", "cp936"): ["喆堃?科技有限公司", "王?"],
    ("todo", "cp1252"): ["C0201", "?????????"],
    ("assign", "cp936"): ["XS?001", "堃??贸易有限公司"],
    ("assign", "cp1252"): ["XS?001"],
    ("import", "cp936"): (
        ["导入 leads.csv（CSV, UTF-8 BOM）→ crm.xlsx「线索」"],
        ["Imported leads.csv (CSV, UTF-8 BOM) into crm.xlsx"],
    ),
    ("import", "cp1252"): (
        ['?? leads.csv(CSV, UTF-8 BOM)-> crm.xlsx"??"'],
        ["Imported leads.csv (CSV, UTF-8 BOM) into crm.xlsx"],
    ),
    ("split", "cp936"): ["王?.xlsx"],
    ("split", "cp1252"): ["??.xlsx"],
    ("merge", "cp936"): ["王?.xlsx"],
    ("merge", "cp1252"): ["??.xlsx"],
}

#: What the --json output must hold, character for character.
JSON_HOLDS: dict[str, list[str]] = {
    "init": [NEW_FILE],
    "validate": ["−5"],
    "refresh": ["¥480,000", "喆堃🚀科技有限公司"],
    "report": ["¥"],
    "todo": ["喆堃🚀科技有限公司", REP],
    "assign": ["XS𠀋001", "堃𠀋🚀贸易有限公司"],
    "import": ["leads.csv"],
    "split": [f"{REP}.xlsx"],
    "merge": [f"{REP}.xlsx"],
}


@dataclass(frozen=True)
class Run:
    command: str
    encoding: str
    lang: str
    json: bool

    def __str__(self) -> str:
        return f"{self.command}-{self.encoding}-{self.lang}{'-json' if self.json else ''}"


@dataclass
class Outcome:
    code: int
    stdout: bytes
    stderr: bytes


RUNS = [Run(c, e, lang, False) for c in COMMANDS for e in ENCODINGS for lang in LANGS] + [
    Run(c, e, "zh" if e == "cp936" else "en", True)
    for c in COMMANDS
    if c != "help"
    for e in ENCODINGS
]


def _append(ws: openpyxl.worksheet.worksheet.Worksheet, values: dict[str, object]) -> None:
    """A row under the header (row 1, as `crmxl init` writes it), by header name."""
    names = {
        str(c.value).rstrip("*").removesuffix("(自动)"): c.column - 1 for c in ws[1] if c.value
    }
    row: list[object] = [None] * ws.max_column
    for name, value in values.items():
        row[names[name]] = value
    ws.append(row)


def _workbook(path: Path) -> Path:
    wb = openpyxl.load_workbook(ROOT / "sample_data" / "crm-sample.xlsx")
    _append(
        wb["销售团队"],
        {"姓名": REP, "角色": "销售专员", "团队": "华东组", "负责区域": "华东", "在岗": "是"},
    )
    _append(
        wb["客户档案"],
        {
            "客户编号": "C0201",
            "客户名称": "喆堃🚀科技有限公司",
            "所属行业": "制造业",
            "区域": "华东",
            "企业规模": "−5",  # U+2212: not a number, a finding that shows the value
            "信息来源": "展会",
            "首次接触日期": datetime(2026, 10, 1),
            "合作阶段": "意向",
            "负责人": REP,
            "备注": "报价 ¥1,200,000 − 折扣 ✅",
        },
    )
    _append(
        wb["交易记录"],
        {
            "合同编号": "HT-𠀋-001",
            "客户编号": "C0201",
            "签约日期": datetime(2026, 11, 1),
            "金额": "¥1,200,000",
        },
    )
    _append(
        wb["跟进记录"],
        {
            "记录编号": "GJ𠀋01",
            "客户编号": "C0201",
            "沟通日期": datetime(2026, 10, 2, 10),
            "沟通方式": "电话",
            "沟通内容": "👍 客户满意 − 报价 ¥1,200,000",
            "下次跟进日期": datetime(2026, 10, 10),  # overdue on 11-20: on the agenda
            "记录人": REP,
        },
    )
    _append(
        wb["线索"],
        {
            "线索编号": "XS𠀋001",
            "获取时间": datetime(2026, 11, 19, 9),
            "来源": "展会",
            "公司名称": "堃𠀋🚀贸易有限公司",
            "联系人": "李喆",
            "电话": "021-66668888",
            "区域": "华东",
            "行业": "制造业",
            "需求描述": "预算 ¥50万 − 急 ⚠️",
            "线索状态": "待分配",
        },
    )
    wb.save(path)
    return path


def _leads(path: Path) -> Path:
    """sample_data/leads.csv (UTF-8 with BOM) and one more line of hard characters."""
    text = (ROOT / "sample_data" / "leads.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.reader(text.splitlines()))
    extra = dict.fromkeys(rows[0], "")
    extra.update(
        {
            "获取时间": "2026-11-19 10:00",
            "来源": "展会",
            "公司名称": "喆堃𠀋🚀电子有限公司",
            "联系人": "王喆",
            "电话": "13912345678",
            "区域": "华东",
            "行业": "制造业",
            "需求描述": "预算 ¥30万 − 急 ✅",
        }
    )
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows([*rows, list(extra.values())])
    return path


def _run(run: Run, folder: Path, source: Path) -> Outcome:
    shutil.copytree(source, folder)
    args, _ = COMMANDS[run.command]
    env = {k: v for k, v in os.environ.items() if k != "CRMXL_LANG"}
    env["PYTHONIOENCODING"] = run.encoding
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "crmxl",
            "--lang",
            run.lang,
            *args,
            *(["--json"] if run.json else []),
        ],
        cwd=folder,
        env=env,
        capture_output=True,
        timeout=300,
    )
    return Outcome(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[Run, Outcome]]:
    base = tmp_path_factory.mktemp("encodings")
    source = base / "source"
    source.mkdir()
    _workbook(source / "crm.xlsx")
    _leads(source / "leads.csv")
    _workbook(source / "master.xlsx")
    split([source / "master.xlsx"], source / "返回", owners=[REP], as_of=datetime(2026, 11, 20))
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {
            run: pool.submit(_run, run, base / f"run{i}", source) for i, run in enumerate(RUNS)
        }
        yield {run: future.result() for run, future in futures.items()}


def _checked(outcome: Outcome, run: Run) -> None:
    expected_code = COMMANDS[run.command][1]
    stderr = outcome.stderr.decode(run.encoding)  # strict: it is text of that code page
    assert "Traceback" not in stderr, stderr
    assert outcome.code == expected_code, stderr
    assert stderr == ""  # no warning, no progress bar (stderr is not a terminal)


@pytest.mark.parametrize("run", [r for r in RUNS if not r.json], ids=str)
def test_text_output(outcomes: dict[Run, Outcome], run: Run) -> None:
    outcome = outcomes[run]
    _checked(outcome, run)
    out = outcome.stdout.decode(run.encoding)  # strict
    shows = SHOWS[run.command, run.encoding]
    expected = shows if isinstance(shows, list) else shows[LANGS.index(run.lang)]
    for text in expected:
        assert text in out, out


@pytest.mark.parametrize("run", [r for r in RUNS if r.json], ids=str)
def test_json_output(outcomes: dict[Run, Outcome], run: Run) -> None:
    outcome = outcomes[run]
    _checked(outcome, run)
    text = outcome.stdout.decode("utf-8")  # strict: UTF-8 whatever the code page
    json.loads(text)
    for held in JSON_HOLDS[run.command]:
        assert held in text, text
