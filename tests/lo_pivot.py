"""Add a pivot table (DataPilot) to a workbook with LibreOffice itself, then save it as xlsx.

Run with a Python that has LibreOffice's ``uno`` module (Debian ``python3-uno``; on Windows and
macOS the Python LibreOffice ships: ``libreoffice.uno_python()``):

    /usr/bin/python3 tests/lo_pivot.py IN.xlsx OUT.xlsx SHEET

It starts a private headless soffice, opens IN, builds a pivot of SHEET's used range (rows: the
first column's values, data: count of the first column) on a new sheet 透视, and saves OUT in
Excel 2007+ format. Used by the preservation tests: a pivot made by a real client must survive a
refresh byte for byte.
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import tempfile
import time

import uno  # type: ignore[import-not-found]
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]
from com.sun.star.table import CellAddress  # type: ignore[import-not-found]


def prop(name: str, value: object) -> PropertyValue:
    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


def main(src: str, dst: str, sheet_name: str) -> None:
    profile = tempfile.mkdtemp(prefix="lo-uno-")
    pipe = f"crmxl{os.getpid()}"
    proc = subprocess.Popen(
        [
            "soffice",
            f"-env:UserInstallation={pathlib.Path(profile).as_uri()}",
            "--headless",
            "--invisible",
            "--norestore",
            "--nologo",
            f"--accept=pipe,name={pipe};urp;",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local
        )
        ctx = None
        for _ in range(120):
            try:
                ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except Exception:
                time.sleep(0.25)
        if ctx is None:
            raise SystemExit("soffice did not start")
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        doc = desktop.loadComponentFromURL(
            uno.systemPathToFileUrl(os.path.abspath(src)), "_blank", 0, (prop("Hidden", True),)
        )
        sheets = doc.Sheets
        source = sheets.getByName(sheet_name)
        cursor = source.createCursor()
        cursor.gotoEndOfUsedArea(False)
        end = cursor.RangeAddress
        address = source.getCellRangeByPosition(0, 0, end.EndColumn, end.EndRow).RangeAddress
        sheets.insertNewByName("透视", sheets.Count)
        target = sheets.getByName("透视")
        tables = target.DataPilotTables
        descriptor = tables.createDataPilotDescriptor()
        descriptor.SourceRange = address
        fields = descriptor.DataPilotFields
        from com.sun.star.sheet.DataPilotFieldOrientation import (  # type: ignore[import-not-found]
            DATA,
            ROW,
        )
        from com.sun.star.sheet.GeneralFunction import COUNT  # type: ignore[import-not-found]

        row_field = fields.getByIndex(2)
        row_field.Orientation = ROW
        data_field = fields.getByIndex(0)
        data_field.Orientation = DATA
        data_field.Function = COUNT
        cell = CellAddress()
        cell.Sheet = sheets.Count - 1
        cell.Column = 0
        cell.Row = 0
        tables.insertNewByName("crmxl_pivot", cell, descriptor)
        doc.storeToURL(
            uno.systemPathToFileUrl(os.path.abspath(dst)),
            (prop("FilterName", "Calc MS Excel 2007 XML"),),
        )
        doc.close(True)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    main(*sys.argv[1:4])
