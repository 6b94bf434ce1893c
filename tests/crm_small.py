"""A small hand-made workspace whose KPIs, lists and agendas are counted by hand.

As of 2026-11-20 10:00; the week is 2026-11-14 00:00 .. 2026-11-20 10:00; "today" is 11-20.
Owners: 张三 (C001, C003, C005), 李四 (C002, C004), 王五 (C006); 赵六 is a manager with nothing.
The hand counts are in tests/test_report.py and tests/test_todo.py, next to each assertion.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl

from crmxl.model.schema import SheetSpec, fold

AS_OF = datetime(2026, 11, 20, 10, 0)


def customer(cid: str, stage: str, owner: str, **kw: Any) -> dict[str, Any]:
    return {
        "customer_id": cid,
        "name": f"{cid}科技有限公司",
        "industry": "制造业",
        "source": "展会",
        "first_contact": date(2025, 1, 5),
        "stage": stage,
        "owner": owner,
        **kw,
    }


def follow_up(cid: str, when: datetime, who: str) -> dict[str, Any]:
    return {
        "customer_id": cid,
        "date": when,
        "channel": "电话",
        "summary": "沟通",
        "recorded_by": who,
    }


def deal(no: str, cid: str, signed: date, amount: float) -> dict[str, Any]:
    return {"contract_id": no, "customer_id": cid, "signed_on": signed, "amount": amount}


def issue(
    no: str, cid: str, kind: str, logged: datetime, owner: str, status: str, **kw: Any
) -> dict[str, Any]:
    return {
        "issue_id": no,
        "customer_id": cid,
        "type": kind,
        "logged_at": logged,
        "description": "问题",
        "urgency": "高",
        "owner": owner,
        "status": status,
        **kw,
    }


def lead(no: str, captured: datetime, status: str, **kw: Any) -> dict[str, Any]:
    return {
        "lead_id": no,
        "captured_at": captured,
        "source": "官网表单",
        "company": f"{no}有限公司",
        "status": status,
        **kw,
    }


def need(no: str, cid: str, status: str, owner: str, **kw: Any) -> dict[str, Any]:
    return {
        "need_id": no,
        "customer_id": cid,
        "description": f"需求{no}",
        "priority": "中",
        "status": status,
        "owner": owner,
        **kw,
    }


def sheets() -> dict[str, list[dict[str, Any]]]:
    """The workspace, as ``make_workbook`` takes it."""
    return {
        "customers": [
            customer("C001", "成交", "张三", created=date(2026, 11, 15)),
            customer("C002", "意向", "李四", first_contact=date(2026, 11, 18)),
            customer("C003", "成交", "张三", created=date(2026, 10, 1)),
            customer("C004", "流失", "李四", created=date(2025, 1, 1)),
            customer("C005", "潜在", "张三", first_contact=date(2026, 11, 13)),
            customer(
                "C006",
                "成交",
                "王五",
                first_contact=date(2026, 11, 19),
                created=date(2026, 11, 19),
                founded=date(2016, 11, 23),
            ),
        ],
        "follow_ups": [
            follow_up("C001", datetime(2026, 11, 16, 9, 0), "张三"),
            follow_up("C001", datetime(2026, 11, 20, 9, 0), "张三"),
            follow_up("C002", datetime(2026, 9, 1, 15, 0), "李四"),
            follow_up("C003", datetime(2026, 11, 13, 23, 59), "张三"),
            follow_up("C003", datetime(2026, 11, 14, 0, 0), "王五"),
            follow_up("C005", datetime(2026, 11, 10, 11, 0), "张三"),
        ],
        "transactions": [
            deal("HT1", "C001", date(2025, 6, 1), 10_000),
            deal("HT2", "C001", date(2026, 3, 1), 20_000),
            deal("HT3", "C001", date(2026, 10, 1), 30_000),
            deal("HT4", "C003", date(2025, 1, 10), 40_000),
            deal("HT5", "C003", date(2024, 11, 20), 5_000),
            deal("HT6", "C004", date(2026, 5, 5), 50_000),
            deal("HT7", "C005", date(2026, 12, 1), 70_000),
            deal("HT8", "C999", date(2026, 2, 2), 100_000),
        ],
        "issues": [
            issue(
                "WT1",
                "C001",
                "投诉",
                datetime(2026, 11, 15, 9),
                "张三",
                "已解决",
                first_response_at=datetime(2026, 11, 15, 10),
                plan_at=datetime(2026, 11, 15, 20),
                resolved_at=datetime(2026, 11, 16, 9),
                satisfaction=4,
            ),
            issue(
                "WT2",
                "C003",
                "售后问题",
                datetime(2026, 11, 1, 8),
                "张三",
                "已解决",
                first_response_at=datetime(2026, 11, 1, 12),
                plan_at=datetime(2026, 11, 15, 8),
                resolved_at=datetime(2026, 11, 18, 8),
                satisfaction=2,
            ),
            issue("WT3", "C003", "投诉", datetime(2026, 11, 19, 8), "张三", "处理中"),
            issue("WT4", "C001", "咨询", datetime(2026, 11, 20, 7), "李四", "待处理"),
            # closed without any time filled in: its clocks read 已超时, but nothing is to be done
            issue("WT5", "C006", "咨询", datetime(2026, 11, 18, 7), "王五", "已关闭"),
        ],
        "leads": [
            lead("L1", datetime(2026, 11, 15, 9), "已转化", converted_customer_id="C001"),
            lead("L2", datetime(2026, 11, 16, 9), "有效"),
            lead("L3", datetime(2026, 11, 17, 9), "无效", invalid_reason="空号"),
            lead("L4", datetime(2026, 11, 10, 9), "已转化"),
            lead(
                "L5",
                datetime(2026, 11, 19, 12),
                "待确认",
                assigned_to="张三",
                assigned_at=datetime(2026, 11, 20, 9, 30),
            ),
        ],
        "needs": [
            need(
                "XQ1",
                "C001",
                "已提交",
                "张三",
                quote=100_000,
                budget=80_000,
                proposal_sent=date(2026, 11, 18),
            ),
            need("XQ2", "C002", "方案中", "李四", budget=60_000),
            need("XQ3", "C005", "待评估", "张三", quote=20_000),
            need("XQ4", "C004", "已提交", "李四", quote=500_000, proposal_sent=date(2026, 11, 10)),
            need("XQ5", "C001", "已确认", "张三", quote=999_999),
            need("XQ6", "C003", "已关闭", "张三", quote=10_000),
        ],
        "contacts": [
            {"customer_id": "C001", "name": "王经理", "mobile": "13800000001", "birthday": "11-21"},
            {
                "customer_id": "C003",
                "name": "刘总",
                "mobile": "13800000002",
                "birthday": date(1980, 11, 28),
                "title": "总经理",
            },
            {"customer_id": "C002", "name": "赵工", "mobile": "13800000003", "birthday": "11-20"},
            {"customer_id": "C004", "name": "钱总", "mobile": "13800000004", "birthday": "11-22"},
            {
                "customer_id": "C001",
                "name": "孙工",
                "mobile": "13800000005",
                "birthday": "11-22",
                "employment": "离职",
            },
            {"customer_id": "C003", "name": "周工", "mobile": "13800000006", "birthday": "11-19"},
        ],
        "team": [
            {"name": "张三", "role": "销售专员"},
            {"name": "李四", "role": "销售专员"},
            {"name": "王五", "role": "销售专员"},
            {"name": "赵六", "role": "销售经理"},
        ],
        "changelog": [
            {
                "time": datetime(2026, 11, 16, 8),
                "command": "refresh",
                "sheet": "客户档案",
                "record": "C003",
                "field": "客户等级",
                "old": "B",
                "new": "C",
                "reason": "近12月成交 ¥0 < ¥100,000",
            },
            {
                "time": datetime(2026, 11, 1, 8),
                "command": "refresh",
                "sheet": "客户档案",
                "record": "C001",
                "field": "客户等级",
                "old": "A",
                "new": "C",
                "reason": "旧",
            },
            {
                "time": datetime(2026, 11, 17, 8),
                "command": "refresh",
                "sheet": "客户档案",
                "record": "C005",
                "field": "合作阶段",
                "old": "意向",
                "new": "潜在",
                "reason": "x",
            },
        ],
    }


def read_back(path: Path, spec: SheetSpec) -> dict[str, dict[str, Any]]:
    """The rows of ``spec``'s sheet in the saved workbook by their ID, each as {column key:
    value} (headers in either language; unknown headers keep their text)."""
    ws = openpyxl.load_workbook(path)[spec.zh]
    table = list(ws.iter_rows(values_only=True))
    header = []
    for h in table[0]:
        col = next((c for c in spec.columns if fold(h) in (fold(c.zh), fold(c.en))), None)
        header.append(col.key if col else h)
    records = [dict(zip(header, r, strict=False)) for r in table[1:]]
    return {str(r[spec.id_column]): r for r in records if r.get(spec.id_column)}
