"""The exceptions crmxl raises.

Bad *data* is not an exception: it is a :class:`crmxl.model.findings.Finding`, collected in one pass.
These exceptions are for operations that cannot go on at all: a file that cannot be read, a file
that must not be written. ``cli.py`` turns every :class:`CrmxlError` into a one-line
``Error: ...`` and exit code 1; anything else is a bug and keeps its traceback.

Each error carries a message *code* and its parameters, so that the command line can say it in
Chinese or English (see :mod:`crmxl.i18n`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


class CrmxlError(Exception):
    """Base class: an operation was refused or could not be done; nothing was written."""

    code = "error"

    def __init__(self, code: str | None = None, /, **params: Any) -> None:
        self.code = code or self.code
        self.params = params
        super().__init__(self.render("en"))

    def render(self, lang: str = "zh") -> str:
        """The one-line message in ``lang`` (``zh`` or ``en``)."""
        from crmxl.i18n import t

        params = {k: (str(v) if isinstance(v, Path) else v) for k, v in self.params.items()}
        return t(self.code, lang, **params)


class InputFileError(CrmxlError):
    """A file given to crmxl cannot be read as a workbook.

    Raised for a missing file, a file that is not xlsx (CSV or HTML renamed, an old ``.xls``),
    an encrypted workbook, a truncated or corrupt package, and for the hostile files the input
    guards turn away (zip and XML bombs, a far-away cell) before any parser sees them.
    """

    code = "file-unreadable"


class WorkspaceError(CrmxlError):
    """The files read fine but do not make a workspace crmxl can work on.

    Raised when no standard sheet is found at all, or a standard sheet appears in two files.
    """

    code = "workspace-error"


class SettingsError(CrmxlError):
    """A ``--config`` TOML file cannot be read or names an unknown setting."""

    code = "settings-error"


class WriteRefusedError(CrmxlError):
    """A write was refused before anything was written.

    Raised when the target is open in Excel/WPS (``~$NAME.xlsx``) or LibreOffice
    (``.~lock.NAME.xlsx#``), when it changed on disk since it was read, or when the file written
    to a temporary name does not verify.
    """

    code = "write-refused"


class UsageError(CrmxlError):
    """Arguments that make no sense together (an unknown sheet name, a bad ``--as-of``)."""

    code = "usage"
