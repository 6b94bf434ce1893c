"""Inflating the largest sheet of a workbook: ``zipfile`` (zlib) against
``crmxl.workbook.inflate`` (ISA-L where installed), alternating, CPU seconds of this process.

    python benchmarks/bench_inflate.py                      # benchmarks/data/crm-100k.xlsx
    python benchmarks/bench_inflate.py other.xlsx --rounds 5

Both read the member in 1 MiB pieces and check its CRC-32 and size at the end.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_refresh import DATA  # noqa: E402

from crmxl.workbook.inflate import open_member  # noqa: E402


def _drain(reader: Any) -> int:
    size = 0
    while chunk := reader.read(1 << 20):
        size += len(chunk)
    return size


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path", type=Path, nargs="?", default=DATA)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    times: dict[str, list[float]] = {"zipfile": [], "crmxl inflate": []}
    with zipfile.ZipFile(args.path) as zf, args.path.open("rb") as raw:
        info = max(zf.infolist(), key=lambda i: i.file_size)
        print(
            f"{info.filename}: {info.file_size / 1e6:.0f} MB from {info.compress_size / 1e6:.0f} MB"
        )
        for _ in range(args.rounds):
            for name in times:
                start = time.process_time()
                reader = zf.open(info) if name == "zipfile" else open_member(zf, raw, info)
                assert _drain(reader) == info.file_size
                times[name].append(time.process_time() - start)
    for name, cpu in times.items():
        print(f"{name:14s} CPU min {min(cpu):.3f}  median {statistics.median(cpu):.3f}  "
              f"max {max(cpu):.3f} s")  # fmt: skip


if __name__ == "__main__":
    main()
