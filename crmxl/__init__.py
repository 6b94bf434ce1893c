"""crmxl: a CRM for sales teams that keep their customers in Excel.

The public API::

    from crmxl import open_workspace, validate, refresh, report, todo
    result = refresh(["crm.xlsx"], as_of=datetime(2026, 11, 20))
    print(result.render("en"))

Each command of the command line is one of these functions (:mod:`crmxl.commands`); each
returns a result with ``to_dict()`` (what ``--json`` prints) and ``render(lang)`` (what the
terminal shows). They are imported on first use (``crmxl.refresh`` loads the refresh command
and pandas then), so ``import crmxl`` and ``crmxl --help`` stay light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from crmxl.version import __version__

#: Each public name and the module that holds it.
_PUBLIC = {
    "CrmxlError": "crmxl.errors",
    "Settings": "crmxl.model.settings",
    "assign": "crmxl.commands.assign",
    "evaluate": "crmxl.checks.ruleinputs",
    "import_rows": "crmxl.commands.import_",
    "init_separate": "crmxl.commands.init",
    "init_workbook": "crmxl.commands.init",
    "merge": "crmxl.commands.merge",
    "open_workspace": "crmxl.model.workspace",
    "push": "crmxl.commands.push",
    "refresh": "crmxl.commands.refresh",
    "report": "crmxl.commands.report",
    "send": "crmxl.commands.send",
    "split": "crmxl.commands.split",
    "todo": "crmxl.commands.todo",
    "validate": "crmxl.commands.validate",
}

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
    "push",
    "refresh",
    "report",
    "send",
    "split",
    "todo",
    "validate",
]

if TYPE_CHECKING:
    from crmxl.checks.ruleinputs import evaluate
    from crmxl.commands.assign import assign
    from crmxl.commands.import_ import import_rows
    from crmxl.commands.init import init_separate, init_workbook
    from crmxl.commands.merge import merge
    from crmxl.commands.push import push
    from crmxl.commands.refresh import refresh
    from crmxl.commands.report import report
    from crmxl.commands.send import send
    from crmxl.commands.split import split
    from crmxl.commands.todo import todo
    from crmxl.commands.validate import validate
    from crmxl.errors import CrmxlError
    from crmxl.model.settings import Settings
    from crmxl.model.workspace import open_workspace


def __getattr__(name: str) -> Any:
    """Import a public name on first use (PEP 562)."""
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'crmxl' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_PUBLIC})
