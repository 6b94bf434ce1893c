"""Any subset of the standard sheets is a workspace (issue 15.1).

Every command runs on every standard sheet alone and on every pair of them (and on the files
``init --layout separate`` and ``init --sheets`` make): no traceback, the right exit code, one
line saying what was skipped and why, and what the sheets allow is computed.

The workspace is small and clean (validate finds no error in any subset), as of 2026-11-20 10:00;
its computed values are worked out by hand next to the data.
"""

from __future__ import annotations

import itertools
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import build_workbook
from crm_small import customer, deal, follow_up, issue, lead, need
from libreoffice import convert

from crmxl.cli import cli
from crmxl.model.schema import SHEETS_BY_KEY, match_column

AS_OF = "2026-11-20T10:00"
DATA: dict[str, list[dict[str, Any]]] = {
    # C001: 行业头部 (tier A whatever the amounts); 年合作金额 600,000 (A by amount without 交易记录)
    "customers": [
        customer(
            "C001",
            "成交",
            "张三",
            leader="是",
            annual_amount=600_000,
            tier_reason="旧",
            follow_up_status=None,
        )
    ],
    "contacts": [
        {
            "customer_id": "C001",
            "name": "王经理",
            "mobile": "13800000001",
            "decision_role": "决策人",
            "employment": "在职",
        }
    ],
    # talked 11-16 09:00, entered an hour later: 录入及时 是; next = 11-16 + 30 (tier A) = 12-16
    "follow_ups": [
        follow_up("C001", datetime(2026, 11, 16, 9, 0), "张三")
        | {"entered_at": datetime(2026, 11, 16, 10, 0)}
    ],
    "transactions": [deal("HT1", "C001", date(2026, 10, 1), 200_000)],
    # proposal sent 11-10: due 11-13 (3 days), overdue on 11-20
    "needs": [need("XQ1", "C001", "已提交", "张三", proposal_sent=date(2026, 11, 10))],
    # 咨询: 4 h to respond, 48 h to plan; logged 07:00: response due 11:00, plan due 11-22 07:00
    "issues": [issue("WT1", "C001", "咨询", datetime(2026, 11, 20, 7, 0), "张三", "待处理")],
    # L1 waits (华东: 张三 takes it); L2 assigned 09:30, 1 h to confirm: 待确认 at 10:00
    "leads": [
        lead("L1", datetime(2026, 11, 19, 9, 0), "待分配", region="华东"),
        lead(
            "L2",
            datetime(2026, 11, 19, 9, 0),
            "待确认",
            region="华东",
            assigned_to="张三",
            assigned_at=datetime(2026, 11, 20, 9, 30),
        ),
    ],
    "team": [{"name": "张三", "role": "销售专员", "regions": "华东", "active": "是"}],
    "settings": [{"key": "分级方案", "value": "ABC"}],
    "changelog": [],
}
DATA_SHEETS = ["customers", "contacts", "follow_ups", "transactions", "needs", "issues"]
DATA_SHEETS += ["leads", "team"]
SUBSETS = [(k,) for k in [*DATA_SHEETS, "settings", "changelog"]]
SUBSETS += list(itertools.combinations(DATA_SHEETS, 2))

#: What refresh, report and todo skip (crmxl.rules.coverage, restated from its rules).
CHURN_NEEDS = ("follow_ups", "transactions", "contacts", "issues")
#: Sheets whose rows name a customer, and sheets whose rows name an owner (SPEC 1).
CUSTOMER_REFS = {"contacts", "follow_ups", "transactions", "needs", "issues", "leads"}
OWNER_REFS = {"customers", "follow_ups", "needs", "issues", "leads"}


def rule_skips(sheets: set[str]) -> set[str]:
    if "customers" not in sheets:
        return {"skip-customers"}
    out = set()
    if "transactions" not in sheets:
        out.add("skip-trailing")
    if "follow_ups" not in sheets:
        out.add("skip-follow-up")
    if not set(CHURN_NEEDS) <= sheets:
        out.add("skip-churn")
    return out


def check_skips(sheets: set[str]) -> set[str]:
    out = set()
    if "customers" not in sheets and sheets & CUSTOMER_REFS:
        out.add("skip-check-customers")
    if "team" not in sheets and sheets & OWNER_REFS:
        out.add("skip-check-owners")
    return out


def import_skips(sheets: set[str]) -> set[str]:
    out = {"skip-check-owners"} if "team" not in sheets else set()
    if "customers" not in sheets:
        out |= {"skip-dedup-names", "skip-check-customers"}
    if "contacts" not in sheets:
        out.add("skip-dedup-phones")
    return out


def assign_skips(sheets: set[str]) -> set[str]:
    if "leads" not in sheets:
        return {"skip-assign"}
    out = set() if "team" in sheets else {"skip-assign"}
    if "customers" not in sheets:
        out.add("skip-dedup-names")
    if "contacts" not in sheets:
        out.add("skip-dedup-phones")
    return out


def run(*args: str, lang: str = "zh") -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--lang", lang, *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"crmxl {' '.join(args)} raised {result.exception!r}")
    return result.exit_code, result.output


def run_json(*args: str) -> tuple[int, dict[str, Any]]:
    code, out = run(*args, "--json")
    return code, json.loads(out)


def skip_codes(data: dict[str, Any]) -> set[str]:
    return {s["code"] for s in data["skipped"]}


def one_skip_line(out: str, lang: str) -> None:
    """The skip note is one line, alone (whatever was skipped is in it)."""
    prefix = "已跳过：" if lang == "zh" else "Skipped: "
    lines = [line for line in out.splitlines() if line.startswith(prefix)]
    assert len(lines) == 1, out
    assert not any(prefix in line for line in out.splitlines() if line not in lines), out


def computed(path: Path, sheet: str, key: str, row: int = 2) -> Any:
    spec = SHEETS_BY_KEY[sheet]
    ws = openpyxl.load_workbook(path)[spec.zh]
    for cell in ws[1]:
        col = match_column(spec, cell.value)
        if col is not None and col.key == key:
            return ws.cell(row, cell.column).value
    return None


def make(folder: Path, sheets: tuple[str, ...]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return build_workbook(folder / "crm.xlsx", {k: DATA[k] for k in sheets})


@pytest.fixture(scope="module")
def returned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A salesperson's split workbook, from a master with every sheet."""
    folder = tmp_path_factory.mktemp("full")
    master = make(folder, tuple(DATA_SHEETS))
    assert run("split", str(master), "-o", str(folder / "拆分"), "--as-of", AS_OF)[0] == 0
    return folder / "拆分" / "张三.xlsx"


@pytest.mark.parametrize("sheets", SUBSETS, ids=lambda s: "+".join(s))
def test_every_command_on_a_subset(tmp_path: Path, sheets: tuple[str, ...], returned: Path) -> None:
    present = set(sheets)
    path = make(tmp_path, sheets)
    f = str(path)

    code, data = run_json("validate", f, "--as-of", AS_OF)
    assert code == 0 and data["errors"] == 0, data
    assert skip_codes(data) == check_skips(present)

    before = path.read_bytes()
    lang = "en" if len(sheets) == 1 else "zh"
    code, out = run("refresh", f, "--as-of", AS_OF, "--dry-run", lang=lang)
    assert code == 0 and path.read_bytes() == before
    if rule_skips(present):
        one_skip_line(out, lang)
    code, data = run_json("refresh", f, "--as-of", AS_OF)
    assert code == 0 and data["findings"] == [], data
    assert skip_codes(data) == rule_skips(present)
    check_computed(path, present)

    code, data = run_json("report", f, "-o", str(tmp_path / "周报.xlsx"), "--as-of", AS_OF)
    assert code == 0 and rule_skips(present) <= skip_codes(data)
    code, out = run("todo", f, "--as-of", AS_OF)
    assert code == 0
    if rule_skips(present):
        one_skip_line(out, "zh")

    code, data = run_json("assign", f, "--as-of", AS_OF)
    # L1 waits: without a 销售团队 nobody may take it, and assign says a lead stays waiting
    assert code == (1 if present >= {"leads"} and "team" not in present else 0)
    assert skip_codes(data) == assign_skips(present)
    if present >= {"leads", "team"}:
        assert computed(path, "leads", "assigned_to") == "张三"

    csv = tmp_path / "leads.csv"
    csv.write_text("公司名称,来源,获取时间\n晨光有限公司,展会,2026-11-19\n", encoding="utf-8")
    code, data = run_json("import", str(csv), "--into", f, "--sheet", "线索")
    assert code == 0 and data["imported"] == 1
    assert skip_codes(data) == import_skips(present)

    split_dir = tmp_path / "拆分"
    code, out = run("split", f, "-o", str(split_dir), "--as-of", AS_OF)
    if "customers" not in present:
        assert code == 1 and out.startswith("Error: ") and len(out.strip().splitlines()) == 1
        assert not split_dir.exists()
        before = path.read_bytes()
        code, out = run("merge", f, str(returned))
        assert code == 1 and out.startswith("Error: ") and "客户档案" in out
        assert path.read_bytes() == before
    else:
        assert code == 0 and (split_dir / "张三.xlsx").exists()
        code, data = run_json("merge", f, str(split_dir / "张三.xlsx"))
        assert code == 0 and data["applied"] == data["added"] == data["rejected"] == 0


def check_computed(path: Path, present: set[str]) -> None:
    """What the sheets allow is computed (by hand above); what they do not is left as it was."""
    if "customers" in present:
        assert computed(path, "customers", "tier") == "A"
        # with 交易记录: 200,000 makes B, and the leader rule lifts it to A; without: 年合作金额
        reason = "行业头部企业" if "transactions" in present else "年合作金额 ¥600,000 ≥ ¥500,000"
        assert computed(path, "customers", "tier_reason") == reason
        status = computed(path, "customers", "follow_up_status")
        assert status == ("正常" if "follow_ups" in present else None)
    if "follow_ups" in present:
        assert computed(path, "follow_ups", "on_time") == "是"
    if "needs" in present:
        assert computed(path, "needs", "follow_up_due") == datetime(2026, 11, 13)
        assert computed(path, "needs", "follow_up_status") == "逾期"
    if "issues" in present:
        assert computed(path, "issues", "response_due") == datetime(2026, 11, 20, 11, 0)
        assert computed(path, "issues", "response_state") == "即将超时"
    if "leads" in present:
        assert computed(path, "leads", "confirm_state", row=3) == "待确认"


def test_the_churn_risk_is_computed_with_every_sheet_it_reads(tmp_path: Path) -> None:
    path = make(tmp_path, ("customers", *CHURN_NEEDS))
    code, data = run_json("refresh", str(path), "--as-of", AS_OF)
    assert code == 0 and data["skipped"] == []
    assert computed(path, "customers", "churn_risk") == "中: 有未结问题"  # WT1 is open


@pytest.mark.parametrize("name", ["客户档案.xlsx", "需求清单.xlsx", "问题处理跟踪表.xlsx", "all"])
def test_the_separate_layout_files_alone_and_together(tmp_path: Path, name: str) -> None:
    code, _ = run("init", str(tmp_path / "crm"), "--layout", "separate")
    assert code == 0
    files = sorted(str(p) for p in (tmp_path / "crm").glob("*.xlsx"))
    chosen = files if name == "all" else [str(tmp_path / "crm" / name)]
    code, data = run_json("validate", *chosen, "--as-of", AS_OF)
    assert code == 0 and data["errors"] == 0
    code, data = run_json("refresh", *chosen, "--as-of", AS_OF)
    assert code == 0
    expected = {
        "客户档案.xlsx": {"skip-churn"},  # the issue tracker is a file of its own
        "需求清单.xlsx": {"skip-customers"},
        "问题处理跟踪表.xlsx": {"skip-customers"},
        "all": set(),
    }[name]
    assert skip_codes(data) == expected
    code, _ = run("report", *chosen, "-o", str(tmp_path / "r.xlsx"), "--as-of", AS_OF)
    assert code == 0
    code, _ = run("todo", *chosen, "--as-of", AS_OF)
    assert code == 0


def test_a_needs_file_alone_is_refreshed_and_stays_a_workbook(tmp_path: Path) -> None:
    """The manual's separate 需求清单 file: its follow-up columns are filled; LibreOffice opens it."""
    folder = tmp_path / "sep"
    folder.mkdir()
    needs = build_workbook(folder / "需求清单.xlsx", {"needs": DATA["needs"]})
    issues = build_workbook(folder / "问题处理跟踪表.xlsx", {"issues": DATA["issues"]})
    leads = tmp_path / "leads.xlsx"
    assert run("init", str(leads), "--sheets", "线索,销售团队,配置")[0] == 0
    for path in (needs, issues, leads):
        code, out = run("refresh", str(path), "--as-of", AS_OF)
        assert code == 0 and "Traceback" not in out
        one_skip_line(out, "zh")
    assert computed(needs, "needs", "follow_up_status") == "逾期"
    assert computed(issues, "issues", "plan_due") == datetime(2026, 11, 22, 7, 0)
    opened = convert([needs, issues, leads], "csv", tmp_path / "lo")
    assert len(opened) == 3
