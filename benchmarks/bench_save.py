"""What the safety of a save costs: crmxl's write lock, and a backup by hard link or by copy.

Makes a file of ``--mb`` megabytes (default 78, the size of the 100k-customer benchmark
workbook) in a temporary folder and prints:

- taking and releasing the write lock the first time (the ``flock``/``LockFileEx`` on
  ``.NAME.crmxl-lock``, and the scan for temporary files a killed run left), and again while it
  is held (re-entrant);
- a backup as crmxl makes it (a hard link, then the backup folder flushed), as it makes it
  where there are no hard links (a copy under a temporary name, flushed, renamed), and the plain
  ``shutil.copy2`` earlier versions used (not flushed, not atomic).

    .venv/bin/python benchmarks/bench_save.py [--mb 78]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from crmxl.workbook.lock import locked
from crmxl.workbook.save import make_backup


def best(
    runs: int, work: Callable[[], object], before: Callable[[], object] = lambda: None
) -> float:
    """The fastest of ``runs`` timings of ``work`` (``before`` runs untimed each time)."""
    times = []
    for _ in range(runs):
        before()
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=int, default=78)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        book = Path(folder) / "crm.xlsx"
        book.write_bytes(os.urandom(args.mb * 2**20))
        backups = book.parent / ".crmxl-backups"

        def hold() -> None:
            with locked([book]):
                pass

        print(f"write lock, first hold:   {best(200, hold) * 1e3:7.2f} ms")
        with locked([book]):
            print(f"write lock, re-entrant:   {best(200, hold) * 1e6:7.1f} us")

        def fresh() -> None:
            shutil.rmtree(backups, ignore_errors=True)

        print(
            f"backup by hard link:      {best(5, lambda: make_backup(book), fresh) * 1e3:7.1f} ms"
        )
        real = os.link

        def no_links(*a: object, **k: object) -> None:
            raise OSError(1, "no hard links here")

        os.link = no_links  # type: ignore[assignment]
        try:
            copied = best(5, lambda: make_backup(book), fresh)
        finally:
            os.link = real
        print(f"backup by copy + rename:  {copied * 1e3:7.1f} ms  ({args.mb} MB, flushed)")
        plain = best(5, lambda: shutil.copy2(book, book.with_name("copy.xlsx")))
        print(f"shutil.copy2 (before):    {plain * 1e3:7.1f} ms  (not flushed)")


if __name__ == "__main__":
    main()
