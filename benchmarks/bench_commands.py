"""Time ``validate``, ``validate --annotate`` and ``assign`` on the 100k-customer workbook.

    python benchmarks/bench_commands.py                 # all three
    python benchmarks/bench_commands.py --only validate

Uses ``benchmarks/data/crm-100k.xlsx`` (made by ``generate.py`` on first use) and, for
``assign``, a copy of it into which ``bench_import``'s CSV of 50k leads is imported first (not
timed), so that ~49k leads wait in 待分配. Each command runs in a fresh process; the figures are
its wall seconds and its own peak RSS (see :func:`bench_refresh.measure`). The generator makes
~20k late records on purpose, so ``validate`` and ``--annotate`` measure the findings path too.
``validate`` is measured beside fastexcel reading the same sheets the obvious way (issue 17's
target: validate within that + 20 %), alternating ``--rounds`` times.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_import import import_cmd, make_csv  # noqa: E402
from bench_refresh import DATA, measure  # noqa: E402

AS_OF = "2026-11-20"


def read_with_fastexcel(path: Path) -> None:
    """The obvious way to read what ``validate`` reads: every standard sheet of ``path``, all
    its columns, as Arrow, one sheet after another (no crmxl)."""
    import fastexcel

    sheets = (
        "客户档案",
        "联系人",
        "跟进记录",
        "交易记录",
        "需求清单",
        "问题跟踪",
        "线索",
        "销售团队",
    )
    reader = fastexcel.read_excel(path)
    for name in sheets:
        if name in reader.sheet_names:
            reader.load_sheet(name, eager=True)


def main() -> None:
    if sys.argv[1:2] == ["--fastexcel"]:  # run by measure() in a child process
        read_with_fastexcel(Path(sys.argv[2]))
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=1, help="validate and fastexcel, alternating")
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--leads", type=int, default=50_000)
    ap.add_argument("--only", choices=("validate", "annotate", "assign"))
    args = ap.parse_args()
    if not args.data.exists():
        from generate import generate

        generate(args.data, 100_000, 1_000_000)
    print(f"workbook: {args.data} ({args.data.stat().st_size / 1e6:.1f} MB)")
    with tempfile.TemporaryDirectory(dir=args.data.parent) as tmp:
        work = Path(tmp) / "crm.xlsx"
        shutil.copy(args.data, work)
        if args.only in (None, "validate"):
            for _ in range(args.rounds):  # alternating, so both see the same machine
                seconds, gb, code, _ = measure(["crmxl", "validate", str(work), "--json"])
                print(f"validate:              {seconds:6.1f} s  peak {gb:.2f} GB  exit {code}")
                seconds, gb, code, _ = measure(["bench_commands", "--fastexcel", str(work)])
                print(f"fastexcel, same sheets:{seconds:6.1f} s  peak {gb:.2f} GB  exit {code}")
        if args.only in (None, "annotate"):
            out = Path(tmp) / "annotated.xlsx"
            seconds, gb, code, _ = measure(["crmxl", "validate", str(work), "--annotate", str(out)])
            print(f"validate --annotate:   {seconds:6.1f} s  peak {gb:.2f} GB  exit {code}")
        if args.only in (None, "assign"):
            csv = args.data.parent / f"leads-{args.leads // 1000}k-utf-8-sig.csv"
            if not csv.exists():
                make_csv(csv, args.leads, "utf-8-sig")
            code = subprocess.run(import_cmd(csv, work), stdout=subprocess.DEVNULL).returncode
            if code not in (0, 1):
                raise SystemExit(f"import failed (exit {code})")
            seconds, gb, code, _ = measure(["crmxl", "assign", str(work), "--as-of", AS_OF])
            print(
                f"assign ({args.leads // 1000}k leads):   {seconds:6.1f} s  peak {gb:.2f} GB  exit {code}"
            )


if __name__ == "__main__":
    main()
