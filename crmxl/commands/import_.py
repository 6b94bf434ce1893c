"""``crmxl import``: append rows from a CSV or Excel sheet to a standard sheet.

Reading the source, mapping its headers, 查重 and writing the rows are :mod:`crmxl.importing`'s.
"""

from __future__ import annotations

from crmxl.importing.importer import ImportResult, import_rows

__all__ = ["ImportResult", "import_rows"]
