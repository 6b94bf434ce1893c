"""``report --db``: the tier mix and overdue count over the last pushes, as native charts.

The workspace is tests/crm_small.py plus one deal, HT9: C003 ¥600,000 signed 2025-11-22. As of
2026-11-20 it is inside the 12 months (after 2025-11-20), so C003 is tier A; as of 11-27 it is
out and C003 is C again. Everyone else is C throughout (no one else reaches ¥100,000 in 12
months). Overdue: as of 11-20, C002 (due 10-01) and C005 (潜在, last contact 11-10 + 7 = 11-17);
C006 is due that very day. As of 11-27 C006 (first contact 11-19, no follow-up: due 11-20) is
overdue too: 3.
"""

from __future__ import annotations

import re
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from crm_small import deal, sheets
from libreoffice import convert

from crmxl.cli import cli
from crmxl.commands.push import push
from crmxl.commands.report import report
from crmxl.delivery import database as dbm
from crmxl.delivery.trends import snapshot_dates

NOV_20, NOV_27, DEC_4 = datetime(2026, 11, 20), datetime(2026, 11, 27), datetime(2026, 12, 4)


@pytest.fixture
def crm(make_workbook: Any) -> Path:
    data = sheets()
    data["transactions"].append(deal("HT9", "C003", date(2025, 11, 22), 600_000))
    return make_workbook(data)


def chart_tables(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """The chart data sheet's tables by title: header row first (tables are stacked, a title
    above each and a blank row below)."""
    ws = openpyxl.load_workbook(path)["图表数据"]
    out: dict[str, list[tuple[Any, ...]]] = {}
    current: list[tuple[Any, ...]] | None = None
    for r in ws.iter_rows(values_only=True):
        if all(v is None for v in r):
            current = None
        elif current is None:
            current = out.setdefault(str(r[0]), [])
        else:
            current.append(r)
    return out


def test_report_with_db_charts_the_last_pushes(crm: Path, db_url: str, tmp_path: Path) -> None:
    for moment in (NOV_20, NOV_27, DEC_4):
        push([crm], db_url, as_of=moment)
    out = tmp_path / "周报.xlsx"
    report([crm], out, as_of=NOV_27, db=db_url)  # the push of 12-04 is after the report
    tables = chart_tables(out)
    mix = tables["客户等级分布（近12次推送）"]
    assert mix[0][:4] == ("推送日期", "A级", "B级", "C级")
    assert [r[:4] for r in mix[1:]] == [("2026-11-20", 1, 0, 5), ("2026-11-27", 0, 0, 6)]
    overdue = tables["逾期跟进客户数（近12次推送）"]
    assert [r[:2] for r in overdue[1:]] == [("2026-11-20", 2), ("2026-11-27", 3)]
    with zipfile.ZipFile(out) as z:
        charts = [
            z.read(n).decode("utf-8")
            for n in z.namelist()
            if re.fullmatch(r"xl/charts/chart\d+\.xml", n)
        ]
    assert len(charts) == 7  # the five of every report and the two trends
    (stacked,) = [x for x in charts if '<c:grouping val="stacked"/>' in x]
    assert stacked.count("<c:ser>") == 3 and "<c:legend>" in stacked  # A, B, C
    (line,) = [x for x in charts if "<c:lineChart>" in x]
    assert "逾期跟进客户数" in line


def test_the_trend_report_opens_in_libreoffice(crm: Path, tmp_path: Path) -> None:
    db = tmp_path / "crm.db"
    push([crm], db, as_of=NOV_20)
    push([crm], db, as_of=NOV_27)
    out = tmp_path / "trend.xlsx"
    result = CliRunner().invoke(
        cli, ["report", str(crm), "-o", str(out), "--db", str(db), "--as-of", "2026-11-27"]
    )
    assert result.exit_code == 0, result.output
    (pdf,) = convert([out], "pdf", tmp_path / "pdf")
    assert pdf.stat().st_size > 0


def test_without_db_the_report_has_no_trend(crm: Path, tmp_path: Path) -> None:
    out = report([crm], tmp_path / "r.xlsx", as_of=NOV_20).path
    assert not any("推送" in title for title in chart_tables(out))


def test_a_database_push_never_wrote_is_a_one_line_error(crm: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.xlsx"
    for db in (tmp_path / "none.db", tmp_path / "empty.db"):
        if db.name == "empty.db":
            sa.create_engine(f"sqlite:///{db}").connect().close()  # exists, holds nothing
        result = CliRunner().invoke(
            cli, ["report", str(crm), "-o", str(out), "--db", str(db), "--lang", "en"]
        )
        assert result.exit_code == 1
        assert result.output.strip().startswith("Error:") and "run crmxl push" in result.output
        assert not out.exists()
    assert not (tmp_path / "none.db").exists()  # reading does not create a database


def test_only_the_last_twelve_push_dates_up_to_the_report(tmp_path: Path) -> None:
    engine = dbm.connect(tmp_path / "crm.db")
    dbm.migrate(engine)
    snaps = dbm.table(dbm.SNAPSHOTS)
    days = [date(2026, 1, d) for d in range(1, 16)]  # 15 days
    with engine.begin() as conn:
        conn.execute(
            snaps.insert(),
            [
                {
                    "as_of_date": d,
                    "customer_id": cid,
                    "as_of": datetime.combine(d, datetime.min.time()),
                    "run_id": i,
                    "row_hash": 0,
                }
                for i, d in enumerate(days)
                for cid in ("C1", "C2")
            ],
        )
        got = snapshot_dates(conn, date(2026, 1, 14))
    engine.dispose()
    assert got == [date(2026, 1, d) for d in range(3, 15)]
