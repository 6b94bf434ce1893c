"""The ``crmxl`` command line: one function per command, each one call into the library.

:mod:`crmxl.cli.base` holds the group, the shared options and the entry point :func:`main`;
:mod:`crmxl.cli.read` the commands that only read workbooks (validate, report, todo, push,
config); :mod:`crmxl.cli.edit` those that write them (init, refresh, import, assign, split, merge).
"""

from crmxl.cli import edit, read  # noqa: F401  (each registers its commands on the group)
from crmxl.cli.base import cli, interrupted_message, main

__all__ = ["cli", "interrupted_message", "main"]
