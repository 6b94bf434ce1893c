"""Generate a large CRM workbook for benchmarks: N customers and ~10 follow-ups each.

    python benchmarks/generate.py --customers 100000 --follow-ups 1000000 -o benchmarks/data/crm-100k.xlsx

Headers come from ``crmxl.model.schema``; values are plausible and deterministic (seeded). The (auto)
columns are left blank, as in a workbook that was never refreshed. By default text is written as
inline strings (xlsxwriter's constant-memory mode, fast); ``--shared-strings`` writes a
shared-string table as Excel does (slower, more memory), so both layouts can be measured.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import datetime, timedelta
from pathlib import Path

import xlsxwriter

from crmxl.model.schema import CONTACTS, CUSTOMERS, FOLLOW_UPS, ISSUES, NEEDS, TEAM, TRANSACTIONS

AS_OF = datetime(2026, 11, 20)
REGIONS = ("华东", "华南", "华北", "华中", "西南", "西北", "东北")
INDUSTRIES = ("制造业", "互联网", "金融", "医疗", "教育", "零售", "物流", "能源")
SOURCES = ("官网表单", "展会", "客户推荐", "电话咨询", "社交媒体", "陌拜", "合作伙伴")
STAGES = ("潜在", "意向", "成交", "成交", "成交", "流失")
CHANNELS = ("面谈", "电话", "视频会议", "邮件", "微信")
CITY = ("上海", "北京", "深圳", "杭州", "成都", "武汉", "西安", "沈阳", "苏州", "南京")
WORDS = (
    "华信",
    "恒达",
    "中科",
    "瑞丰",
    "宏图",
    "博远",
    "新创",
    "鼎盛",
    "天成",
    "启明",
    "众合",
    "安泰",
)
KINDS = ("科技", "制造", "贸易", "物流", "医药", "电子", "信息技术", "新材料")


def owners(n: int) -> list[str]:
    surnames = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
    given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平"
    return [f"{surnames[i % 20]}{given[(i * 7) % 20]}{i // 20 or ''}" for i in range(n)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--follow-ups", type=int, default=1_000_000)
    ap.add_argument("--owners", type=int, default=50)
    ap.add_argument("--shared-strings", action="store_true")
    ap.add_argument("-o", "--output", type=Path, default=Path("benchmarks/data/crm-100k.xlsx"))
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    generate(
        args.output, args.customers, args.follow_ups, args.owners, args.shared_strings, args.seed
    )


def generate(
    out: Path,
    n_customers: int,
    n_follow_ups: int,
    n_owners: int = 50,
    shared_strings: bool = False,
    seed: int = 7,
) -> Path:
    """Write the workbook and return its path."""
    rnd = random.Random(seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    wb = xlsxwriter.Workbook(
        str(out),
        {
            "constant_memory": not shared_strings,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    dt_fmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    bold = wb.add_format({"bold": True})
    team = owners(n_owners)

    def header(ws: xlsxwriter.worksheet.Worksheet, spec: object) -> list[str]:
        cols = [c for c in spec.columns]  # type: ignore[attr-defined]
        for j, col in enumerate(cols):
            ws.write_string(0, j, col.header("zh"), bold)
        return [c.key for c in cols]

    def write_row(
        ws: xlsxwriter.worksheet.Worksheet, r: int, keys: list[str], row: dict[str, object]
    ) -> None:
        for j, key in enumerate(keys):
            v = row.get(key)
            if v is None:
                continue
            if isinstance(v, datetime):
                ws.write_datetime(r, j, v, dt_fmt if v.hour or v.minute else date_fmt)
            elif isinstance(v, str):
                ws.write_string(r, j, v)
            else:
                ws.write_number(r, j, v)  # type: ignore[arg-type]

    # Customers
    ws = wb.add_worksheet(CUSTOMERS.zh)
    keys = header(ws, CUSTOMERS)
    first_contact: list[datetime] = []
    for i in range(n_customers):
        fc = AS_OF - timedelta(days=rnd.randint(5, 1500))
        first_contact.append(fc)
        name = (
            f"{rnd.choice(CITY)}{rnd.choice(WORDS)}{rnd.choice(WORDS)}{rnd.choice(KINDS)}"
            f"{i}有限公司"
        )
        write_row(
            ws,
            i + 1,
            keys,
            {
                "customer_id": f"C{i + 1:06d}",
                "name": name,
                "industry": rnd.choice(INDUSTRIES),
                "region": rnd.choice(REGIONS),
                "employees": float(rnd.randint(10, 5000)),
                "source": rnd.choice(SOURCES),
                "first_contact": fc,
                "created": fc + timedelta(days=rnd.choice((0, 0, 0, 1, 3))),
                "stage": rnd.choice(STAGES),
                "leader": "是" if rnd.random() < 0.02 else "否",
                "annual_amount": float(rnd.randint(0, 80) * 10_000),
                "owner": team[i % n_owners],
            },
        )
    # Contacts: one per customer
    ws = wb.add_worksheet(CONTACTS.zh)
    keys = header(ws, CONTACTS)
    for i in range(n_customers):
        write_row(
            ws,
            i + 1,
            keys,
            {
                "customer_id": f"C{i + 1:06d}",
                "name": f"联系人{i}",
                "mobile": f"1{rnd.randint(3, 9)}{rnd.randint(0, 999_999_999):09d}",
                "decision_role": rnd.choice(("决策人", "影响者", "使用者")),
                "employment": "离职" if rnd.random() < 0.02 else "在职",
            },
        )
    # Follow-ups
    ws = wb.add_worksheet(FOLLOW_UPS.zh)
    keys = header(ws, FOLLOW_UPS)
    for i in range(n_follow_ups):
        c = rnd.randrange(n_customers)
        when = AS_OF - timedelta(days=rnd.randint(0, 700), minutes=rnd.randint(0, 600))
        when = max(when, first_contact[c]).replace(microsecond=0) + timedelta(hours=9)
        write_row(
            ws,
            i + 1,
            keys,
            {
                "record_id": f"F{i + 1:07d}",
                "customer_id": f"C{c + 1:06d}",
                "date": when,
                "channel": rnd.choice(CHANNELS),
                "summary": f"沟通第{i}次：介绍方案，了解需求",
                "next_date": when + timedelta(days=rnd.randint(3, 40))
                if rnd.random() < 0.5
                else None,
                "recorded_by": team[c % n_owners],
                "entered_at": when + timedelta(hours=rnd.choice((1, 2, 5, 20, 30, 50))),
            },
        )
    # Transactions: 0.5 per customer
    ws = wb.add_worksheet(TRANSACTIONS.zh)
    keys = header(ws, TRANSACTIONS)
    for i in range(n_customers // 2):
        c = rnd.randrange(n_customers)
        write_row(
            ws,
            i + 1,
            keys,
            {
                "contract_id": f"HT{i + 1:07d}",
                "customer_id": f"C{c + 1:06d}",
                "signed_on": AS_OF - timedelta(days=rnd.randint(0, 900)),
                "amount": float(rnd.randint(1, 120) * 10_000),
            },
        )
    # Needs and issues: 0.1 per customer each
    ws = wb.add_worksheet(NEEDS.zh)
    keys = header(ws, NEEDS)
    for i in range(n_customers // 10):
        c = rnd.randrange(n_customers)
        write_row(
            ws,
            i + 1,
            keys,
            {
                "need_id": f"XQ{i + 1:06d}",
                "customer_id": f"C{c + 1:06d}",
                "description": "需要降低采购成本",
                "priority": rnd.choice(("高", "中", "低")),
                "proposal_sent": AS_OF - timedelta(days=rnd.randint(0, 30)),
                "quote": float(rnd.randint(1, 50) * 10_000),
                "status": rnd.choice(("方案中", "已提交", "已确认")),
                "owner": team[c % n_owners],
            },
        )
    ws = wb.add_worksheet(ISSUES.zh)
    keys = header(ws, ISSUES)
    for i in range(n_customers // 10):
        c = rnd.randrange(n_customers)
        logged = AS_OF - timedelta(hours=rnd.randint(1, 2000))
        resolved = logged + timedelta(hours=rnd.randint(1, 72)) if rnd.random() < 0.7 else None
        write_row(
            ws,
            i + 1,
            keys,
            {
                "issue_id": f"WT{i + 1:06d}",
                "customer_id": f"C{c + 1:06d}",
                "logged_at": logged,
                "type": rnd.choice(("投诉", "合作异常", "售后问题", "咨询")),
                "description": "交付延迟",
                "urgency": rnd.choice(("高", "中", "低")),
                "owner": team[c % n_owners],
                "first_response_at": logged + timedelta(hours=rnd.randint(0, 5)),
                "resolved_at": resolved,
                "status": "已解决" if resolved else "处理中",
            },
        )
    ws = wb.add_worksheet(TEAM.zh)
    keys = header(ws, TEAM)
    for i, name in enumerate(team):
        write_row(
            ws,
            i + 1,
            keys,
            {
                "name": name,
                "role": "销售专员",
                "regions": REGIONS[i % 7],
                "industries": INDUSTRIES[i % 8],
                "active": "是",
                "lead_cap": 50.0,
            },
        )
    wb.close()
    print(
        f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - started:.1f} s"
    )
    return out


if __name__ == "__main__":
    main()
