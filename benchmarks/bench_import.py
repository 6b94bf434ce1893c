"""How long ``crmxl import`` takes for 50k leads into the 100k-customer benchmark workbook.

Generates (once, cached in ``--data``) a CSV of N leads as a web form exports them (Chinese
headers, UTF-8 with BOM or GBK, CRLF), about 1% of them duplicates of existing customers, 1%
sent twice and 1% with a bad phone; then, each in a fresh process under ``/usr/bin/time -v`` (so
its wall time and peak RSS are its own), imports them into a copy of
``benchmarks/data/crm-100k.xlsx``:

- ``new-sheet``: the workbook has no 线索 sheet, the import adds it;
- ``append``: 1,000 leads are imported first (not measured), then the N leads are appended.

    .venv/bin/python benchmarks/bench_import.py                 # both cases, 50k leads
    .venv/bin/python benchmarks/bench_import.py --leads 5000 --profile
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import pstats
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.generate import CITY, INDUSTRIES, KINDS, REGIONS, WORDS  # noqa: E402
from crmxl.model.schema import LEADS  # noqa: E402
from crmxl.starter.sample import CSV_COLUMNS  # noqa: E402

WORKBOOK = ROOT / "benchmarks" / "data" / "crm-100k.xlsx"
AS_OF = datetime(2026, 11, 20, 12, 0)
KEYS = CSV_COLUMNS  # the columns of a web form's leads export, as the sample's CSV has them
SOURCES = ("官网表单", "展会", "电话咨询", "社交媒体", "合作伙伴")
NEEDS = (
    "了解仓储管理系统",
    "需要数据分析平台报价",
    "年底前上线销售管理系统",
    "-急需，本月内上线",
    '=HYPERLINK("http://example.com","官网")',
)


def make_csv(path: Path, n: int, encoding: str, seed: int = 11, start: int = 0) -> Path:
    """N leads; deterministic. ``start`` offsets the company numbers (a second file)."""
    rnd = random.Random(seed + start)
    customers = customer_names()
    header = [LEADS.column(k).zh for k in KEYS]
    rows: list[list[str]] = []
    for i in range(start, start + n):
        captured = AS_OF - timedelta(minutes=rnd.randint(60, 60 * 24 * 20))
        company = f"{rnd.choice(CITY)}{rnd.choice(WORDS)}{rnd.choice(KINDS)}线索{i}有限公司"
        phone = f"1{rnd.randint(3, 9)}{rnd.randint(0, 999_999_999):09d}"
        roll = rnd.random()
        if roll < 0.01:  # an existing customer of the benchmark workbook
            company = rnd.choice(customers).replace("有限公司", "有限责任公司")
        elif roll < 0.02:
            phone = "12345"
        rows.append(
            [
                "",
                captured.strftime("%Y-%m-%d %H:%M"),
                rnd.choice(SOURCES),
                "",
                company,
                "联系人" + str(i),
                phone,
                f"lead{i}@example.com" if rnd.random() < 0.5 else "",
                rnd.choice(REGIONS),
                rnd.choice(INDUSTRIES),
                rnd.choice(NEEDS),
                rnd.choice(("50万", "200000", "￥80,000", "", "")),
            ]
        )
        if rnd.random() < 0.01 and rows:
            rows.append(list(rows[rnd.randrange(len(rows))]))  # the same form sent twice
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def customer_names() -> list[str]:
    """The customer names of the benchmark workbook (some leads repeat them: 查重)."""
    import fastexcel

    sheet = fastexcel.read_excel(str(WORKBOOK)).load_sheet("客户档案", use_columns=[1])
    return [str(v) for v in sheet.to_pandas().iloc[:, 0].tolist()]


def timed(cmd: list[str]) -> tuple[float, float, str]:
    """(wall seconds, peak RSS MiB, stdout) of ``cmd`` under /usr/bin/time -v."""
    proc = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True)
    wall = re.search(r"Elapsed \(wall clock\) time.*?: (?:(\d+):)?(\d+):([\d.]+)", proc.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    if proc.returncode not in (0, 1) or not wall or not rss:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
    h, m, s = wall.groups()
    return int(h or 0) * 3600 + int(m) * 60 + float(s), int(rss.group(1)) / 1024, proc.stdout


def import_cmd(src: Path, into: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "crmxl",
        "import",
        str(src),
        "--into",
        str(into),
        "--sheet",
        "线索",
        "--as-of",
        AS_OF.isoformat(),
        "--no-backup",
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--leads", type=int, default=50_000)
    ap.add_argument("--encoding", default="utf-8-sig")
    ap.add_argument("--data", type=Path, default=ROOT / "benchmarks" / "data")
    ap.add_argument("--case", choices=("new-sheet", "append", "all"), default="all")
    ap.add_argument("--profile", action="store_true", help="run in process under cProfile")
    args = ap.parse_args()
    if not WORKBOOK.exists():
        raise SystemExit(f"{WORKBOOK} is missing: run benchmarks/generate.py first")
    src = args.data / f"leads-{args.leads // 1000}k-{args.encoding}.csv"
    if not src.exists():
        make_csv(src, args.leads, args.encoding)
    with tempfile.TemporaryDirectory(prefix="bench-import-", dir=args.data) as tmp:
        work = Path(tmp)
        if args.profile:
            into = work / "crm.xlsx"
            shutil.copy(WORKBOOK, into)
            profile(src, into)
            return
        cases = ("new-sheet", "append") if args.case == "all" else (args.case,)
        for case in cases:
            into = work / f"{case}.xlsx"
            shutil.copy(WORKBOOK, into)
            if case == "append":
                first = make_csv(work / "first.csv", 1000, "utf-8-sig", start=10**6)
                timed(import_cmd(first, into))
            started = time.perf_counter()
            wall, rss, out = timed(import_cmd(src, into))
            summary = next(
                (
                    line
                    for line in out.splitlines()
                    if "导入" in line and "行" in line and "读取" in line
                ),
                "",
            )
            print(
                f"{case:10s} {args.leads} leads: {wall:6.1f} s wall, peak RSS {rss:6.0f} MiB"
                f"  ({time.perf_counter() - started:.1f} s incl. process start)  {summary}"
            )


def profile(src: Path, into: Path) -> None:
    from crmxl import import_rows

    prof = cProfile.Profile()
    started = time.perf_counter()
    prof.enable()
    result = import_rows(src, into, "线索", as_of=AS_OF, backup=False)
    prof.disable()
    print(
        f"{len(result.imported)} imported, {len(result.rejected)} rejected in "
        f"{time.perf_counter() - started:.1f} s"
    )
    pstats.Stats(prof).sort_stats("cumulative").print_stats(35)


if __name__ == "__main__":
    main()
