"""Headless LibreOffice, the real client every written workbook must open.

``convert(paths, fmt)`` runs ``soffice --headless --convert-to`` once for all the files, with a
private user profile (so parallel runs do not fight over the default one), and returns the
converted files. A file LibreOffice cannot load produces no output, which fails the caller.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def require_soffice() -> str:
    """The soffice binary; a missing LibreOffice is a failure, never a skip."""
    if SOFFICE is None:
        raise AssertionError(
            "LibreOffice (soffice) is not installed; .ci/run installs libreoffice-calc-nogui"
        )
    return SOFFICE


def uno_python() -> str:
    """A Python that imports LibreOffice's ``uno``: the one LibreOffice ships (Windows, macOS),
    else the system's with Debian's ``python3-uno``; missing is a failure, never a skip."""
    program = Path(require_soffice()).resolve().parent
    for candidate in (
        program / "python.exe",  # Windows: LibreOffice\program\python.exe
        program.parent / "Resources" / "python",  # macOS: LibreOffice.app/Contents/Resources
        Path("/usr/bin/python3"),  # Debian, Ubuntu: python3-uno
    ):
        if candidate.is_file():
            return str(candidate)
    raise AssertionError(f"no Python with LibreOffice's uno beside {program}")


#: Profile setting that makes LibreOffice recalculate every formula of an xlsx on load
#: (by default it trusts the cached results a writer stored).
_RECALC_ON_LOAD = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def convert(
    paths: list[Path], fmt: str, outdir: Path, timeout: int = 300, *, recalc: bool = False
) -> list[Path]:
    """Convert ``paths`` to ``fmt`` (``xlsx``, ``pdf``, ``csv:...``) into ``outdir``.

    ``recalc`` makes LibreOffice recalculate every formula on load instead of keeping the
    cached results, so the output shows what the formulas compute.
    """
    soffice = require_soffice()
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        if recalc:
            user = Path(profile) / "user"
            user.mkdir()
            (user / "registrymodifications.xcu").write_text(_RECALC_ON_LOAD, encoding="utf-8")
        env = dict(os.environ, HOME=profile)
        cmd = [
            soffice,
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            fmt,
            "--outdir",
            str(outdir),
            *[str(p) for p in paths],
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    ext = fmt.split(":", 1)[0]
    results = []
    for path in paths:
        out = outdir / f"{Path(path).stem}.{ext}"
        if not out.exists() or out.stat().st_size == 0:
            raise AssertionError(
                f"LibreOffice could not convert {path} to {fmt}:\n{proc.stdout}\n{proc.stderr}"
            )
        results.append(out)
    return results


def roundtrip_xlsx(paths: list[Path], outdir: Path, *, recalc: bool = False) -> list[Path]:
    """Open each workbook in LibreOffice and save it again as xlsx; returns the copies."""
    return convert(paths, "xlsx:Calc MS Excel 2007 XML", outdir, recalc=recalc)
