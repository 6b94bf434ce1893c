"""The one-folder bundle (``make bundle``): its size, and how long it takes to start.

Measures ``dist/crmxl/`` (what a user unzips) and its zip, then times ``crmxl --version`` and
``crmxl init --sample`` run from the bundle: **cold**, after its files are dropped from the page
cache (``posix_fadvise(DONTNEED)`` on each file of the bundle; Linux), as on the first run after
unzipping or a reboot, and **warm** (the median of five runs), and the CPU seconds of one run.
For comparison, the same commands from the project's virtualenv (warm).

    make bundle && .venv/bin/python benchmarks/bench_bundle.py

Wall time depends on what else the machine is doing.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = ROOT / "dist" / "crmxl"
EXE = BUNDLE / ("crmxl.exe" if sys.platform == "win32" else "crmxl")
VENV_CRMXL = ROOT / ".venv" / "bin" / "crmxl"
RUNS = 5


def size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def evict(folder: Path) -> bool:
    """Drop ``folder``'s files from the page cache; False where that cannot be done."""
    if not hasattr(os, "posix_fadvise"):
        return False
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)
    return True


def timed(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - start


def cpu(cmd: list[str], cwd: Path) -> float:
    """CPU seconds (user + system) of one run: steadier than wall time on a busy machine."""
    import resource  # POSIX

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, cwd=cwd, check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def main() -> None:
    if not EXE.is_file():
        raise SystemExit(f"no bundle at {EXE}: run make bundle first")
    zips = sorted((ROOT / "dist").glob("crmxl-*.zip"))
    commands = {
        "--version": ["--version"],
        "init --sample": ["init", "crm.xlsx", "--sample", "--overwrite", "--as-of", "2026-11-20"],
    }
    result: dict[str, object] = {
        "bundle_mb": round(size(BUNDLE) / 1e6, 1),
        "zip_mb": round(zips[-1].stat().st_size / 1e6, 1) if zips else None,
        "files": sum(1 for p in BUNDLE.rglob("*") if p.is_file()),
    }
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name, args in commands.items():
            cold = None
            if evict(BUNDLE):
                cold = round(timed([str(EXE), *args], work), 2)
            warm = [timed([str(EXE), *args], work) for _ in range(RUNS)]
            venv = [timed([str(VENV_CRMXL), *args], work) for _ in range(RUNS)]
            result[name] = {
                "bundle_cold_s": cold,
                "bundle_warm_s": round(statistics.median(warm), 2),
                "venv_warm_s": round(statistics.median(venv), 2),
                "bundle_cpu_s": round(cpu([str(EXE), *args], work), 2),
                "venv_cpu_s": round(cpu([str(VENV_CRMXL), *args], work), 2),
            }
    print(json.dumps(result, indent=2))
    out = ROOT / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "bundle.json").write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
