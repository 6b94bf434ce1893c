"""Reading and writing the user's workbooks: the only package that knows the xlsx format.

Writing (this is the only code that writes into a user's workbook):

- :class:`WorkbookWriter` collects cell writes (:meth:`~WorkbookWriter.set_cell`), highlights
  (:meth:`~WorkbookWriter.highlight`), cell comments (:meth:`~WorkbookWriter.add_comment`) and
  new sheets (:meth:`~WorkbookWriter.add_sheet`), then :meth:`~WorkbookWriter.save` patches
  only those into the package and copies every other part byte for byte;
- :func:`check_not_open` refuses a file Excel/WPS/LibreOffice has open; :func:`fingerprint`
  records what a file was when it was read, so a save can refuse a file changed since;
- :func:`write_locked` (on a command) and :func:`locked` hold crmxl's own write lock on a
  workbook from its read to its replace, so that two crmxl runs never lose each other's work.

Reading structure: :class:`~crmxl.workbook.package.Package`; input guards:
:func:`~crmxl.workbook.guard.check_workbook`.
"""

from crmxl.workbook.cellxml import CellValue, Text
from crmxl.workbook.lock import locked, write_locked
from crmxl.workbook.patch import WorkbookWriter
from crmxl.workbook.save import Fingerprint, SaveReport, check_not_open, fingerprint
from crmxl.workbook.writes import ERROR_FILL, WARNING_FILL

__all__ = [
    "ERROR_FILL",
    "WARNING_FILL",
    "CellValue",
    "Fingerprint",
    "SaveReport",
    "Text",
    "WorkbookWriter",
    "check_not_open",
    "fingerprint",
    "locked",
    "write_locked",
]
