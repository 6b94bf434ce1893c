"""Share of a ``py-spy record --format raw`` profile by stage of crmxl's work.

    py-spy record --subprocesses --rate 40 --format raw -o prof.txt -- \
        python -m crmxl refresh crm.xlsx --as-of 2026-11-20 --no-backup
    python benchmarks/py_spy_stages.py prof.txt

Each sample's stack is given to the first stage whose marker (a file or package) it holds, in
the order below (imports first); the child processes' samples are in the same file.
"""

from __future__ import annotations

import collections
import sys

STAGES = [
    ("imports", "_find_and_load"),
    ("read: fastexcel", "fastexcel"),
    ("child: deflate + check (deflater, byparts)", "deflater.py"),
    ("child: guard scan (extent)", "extent.py"),
    ("child: other", "__child"),
    ("read: other (reader)", "workbook/reader.py"),
    ("rule-input screen (checks/ruleinputs)", "ruleinputs"),
    ("checks (other)", "crmxl/checks/"),
    ("patch: bulk path (sheetbulk)", "sheetbulk.py"),
    ("patch: row path (sheetxml)", "sheetxml.py"),
    ("save: verify, zip (save)", "workbook/save.py"),
    ("writer: set_column (patch)", "workbook/patch.py"),
    ("rules (crmxl/rules)", "crmxl/rules/"),
    ("model", "crmxl/model/"),
    ("commands", "crmxl/commands/"),
]


def main() -> None:
    stage: collections.Counter[str] = collections.Counter()
    leaf: collections.Counter[str] = collections.Counter()
    total = 0
    with open(sys.argv[1], encoding="utf-8") as fh:
        for line in fh:
            stack, _, count = line.rstrip().rpartition(" ")
            n = int(count)
            total += n
            label = next((name for name, key in STAGES if key in stack), "other")
            stage[label] += n
            leaf[stack.split(";")[-1]] += n
    print(f"{total} samples")
    for name, n in stage.most_common():
        print(f"{100 * n / total:5.1f} %  {name}")
    print("-- the 12 busiest lines")
    for name, n in leaf.most_common(12):
        print(f"{100 * n / total:5.1f} %  {name[:110]}")


if __name__ == "__main__":
    main()
