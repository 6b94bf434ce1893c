"""crmxl: a CRM for sales teams that keep their customers in Excel.

The public API::

    from crmxl import open_workspace, validate, refresh, report, todo
    result = refresh(["crm.xlsx"], as_of=datetime(2026, 11, 20))
    print(result.render("en"))

Each command of the command line is one of these functions; each returns a result with
``to_dict()`` (what ``--json`` prints) and ``render(lang)`` (what the terminal shows). The
functions share their names with the modules that hold them, so they are imported here, eagerly:
``crmxl.refresh`` is the function, whatever was imported before.
"""

from __future__ import annotations

__version__ = "0.1.0"

from crmxl.assign import assign
from crmxl.errors import CrmxlError
from crmxl.importer import import_rows
from crmxl.merge import merge
from crmxl.refresh import evaluate, refresh
from crmxl.report import report
from crmxl.settings import Settings
from crmxl.split import split
from crmxl.templates import init_separate, init_workbook
from crmxl.todo import todo
from crmxl.validate import validate
from crmxl.workbook.reader import open_workspace

__all__ = [
    "CrmxlError",
    "Settings",
    "__version__",
    "assign",
    "evaluate",
    "import_rows",
    "init_separate",
    "init_workbook",
    "merge",
    "open_workspace",
    "refresh",
    "report",
    "split",
    "todo",
    "validate",
]
