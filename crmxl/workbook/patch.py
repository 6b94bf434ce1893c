"""Writing cells into a user's workbook without disturbing anything else in it.

Loading a workbook with openpyxl and saving it loses images, shapes, extensions, cached formula
results and more (XLSX-FACTS.md). :class:`WorkbookWriter` instead writes *only the cells asked
for*, by patching the worksheet XML inside the package (:mod:`crmxl.workbook.sheetxml`), and
copies every other part unchanged, compressed bytes and all (:mod:`crmxl.workbook.zipcopy`).

What else changes, and why:

- ``xl/styles.xml`` gains entries (never loses or renumbers any) when a date needs a date
  format its cell's style lacks, or a caller asks for a number format, or a new sheet needs a
  bold header;
- ``xl/workbook.xml`` gets ``fullCalcOnLoad="1"`` on ``<calcPr>`` when any cell was written,
  so that formulas depending on written cells are recalculated when the file is opened (their
  cached results are stale until then); and a ``<sheet>`` for each added sheet;
- for an added sheet: its part, a relationship and a content-type override. ``docProps/app.xml``
  (a cache of sheet titles for file browsers) is left as it is; Excel does not mind;
- a highlighted cell (:meth:`WorkbookWriter.highlight`) keeps its bytes but its ``s=``, which
  points at a derived style with the fill (``xl/styles.xml`` gains a ``<fill>`` and an ``<xf>``);
- comments (:meth:`WorkbookWriter.add_comment`) go into the sheet's comments part and VML
  drawing, new or existing (:mod:`crmxl.workbook.commentplan`).

A cell holding a formula is never written: it is listed in :meth:`WorkbookWriter.formula_cells`
for the caller to report. So ``xl/calcChain.xml`` and shared formulas stay valid as they are.

Saving is safe in the sense of SPEC 4 (:mod:`crmxl.workbook.save`).
"""

from __future__ import annotations

import contextlib
import io
import posixpath
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from crmxl.errors import WriteRefusedError
from crmxl.i18n import register
from crmxl.workbook import parts
from crmxl.workbook.cellxml import MAX_COL, cell_xml, encode_value
from crmxl.workbook.commentplan import CommentPlan, NotesTooLarge, SheetComments, plan_comments
from crmxl.workbook.guard import DEFAULT_LIMITS
from crmxl.workbook.inflate import open_member
from crmxl.workbook.names import canonical_info, find_member, folded_names, open_zip
from crmxl.workbook.save import (
    SaveReport,
    verify_package,
    write_safely,
)
from crmxl.workbook.sheettail import insert_legacy_drawing, legacy_drawing_element
from crmxl.workbook.sheetxml import (
    COL_BITS,
    CellPatch,
    SheetOptions,
    SheetPatcher,
    SheetXmlError,
    group_rows,
)
from crmxl.workbook.styles import DEFAULT_DATE_FORMAT, DEFAULT_DATETIME_FORMAT, StyleBook
from crmxl.workbook.writes import CellWrites, _NewSheet
from crmxl.workbook.xmlcheck import Checked, StreamCheck
from crmxl.workbook.xmltext import to_utf8
from crmxl.workbook.zipcopy import (
    ChildFailed,
    ChildMemberWriter,
    MemberWriter,
    ZipTooLarge,
    ZipWriter,
)

# zlib's level 2 deflates sheet XML ~1.8x as fast as level 3 for ~5% more bytes (a million-row
# follow-up log: 1.8 s against 3.2 s; benchmarks/README.md), and the deflating keeps pace with
# the patching on the other core.
SHEET_DEFLATE_LEVEL = 2

# A rewritten sheet at least this large (uncompressed) is checked while it is written, by a
# child process on the other core; smaller ones are checked after (a child costs ~30 ms).
STREAM_CHECK_MIN = 8 * 1024**2

CONTENT_TYPES = "[Content_Types].xml"


@dataclass
class _Build:
    """What one build found out."""

    written: int = 0
    styled: int = 0
    comments: int = 0
    skipped: list[tuple[str, int, int]] = field(default_factory=list)
    rewritten: set[str] = field(default_factory=set)
    added: set[str] = field(default_factory=set)
    lenient: set[str] = field(default_factory=set)  # rewritten parts that were not XML before
    changed: list[str] = field(default_factory=list)
    infos: list[zipfile.ZipInfo] = field(default_factory=list)
    checks: dict[str, Checked] = field(default_factory=dict)  # parts checked as written


class _NothingWritten(Exception):
    """Every requested cell held a formula: an in-place save then writes nothing."""


def _discard(data: bytes) -> None:
    pass


def _bbox(patches: dict[int, object]) -> tuple[int, int, int, int] | None:
    """The range of the patched cells that will hold a value (clearing grows nothing)."""
    rows: list[int] = []
    cols: list[int] = []
    mask = MAX_COL - 1
    for key, patch in patches.items():
        value = patch.value if type(patch) is CellPatch else patch
        if value is None or value == "":
            continue
        rows.append(key >> COL_BITS)
        cols.append((key & mask) + 1)
    if not rows:
        return None
    return min(rows), min(cols), max(rows), max(cols)


class WorkbookWriter(CellWrites):
    """Collects cell writes and new sheets for one workbook, then saves them safely.

    >>> w = WorkbookWriter(Path("crm.xlsx"))                      # doctest: +SKIP
    >>> w.set_cell("客户档案", 7, 25, "A")                          # doctest: +SKIP
    >>> report = w.save()                                          # doctest: +SKIP
    """

    def plan(self) -> SaveReport:
        """Run the patching without writing anything (a dry run): counts and formula cells."""
        start = time.perf_counter()
        build = _Build()
        self._check_growth()
        self._build(None, build)
        self._formula_cells = build.skipped
        return self._report(self.path, None, build, start, dry_run=True)

    def save(
        self,
        target: Path | None = None,
        *,
        backup: bool = True,
        backup_dir: Path | None = None,
        keep_backups: int = 10,
    ) -> SaveReport:
        """Write the collected cells and sheets.

        ``target`` None replaces the workbook in place (backup first, unless ``backup`` is
        False); a ``target`` gets a new file (the original is left as it is). Either way the
        file appears atomically or not at all. In place, nothing is written when nothing
        changes (no cells, or only formula cells). After an in-place save the writer is done:
        what it knew of the file is out of date, so another save raises ``RuntimeError``.
        """
        if self._saved_in_place:
            raise RuntimeError("this WorkbookWriter has saved its workbook; open a new one")
        start = time.perf_counter()
        dest = Path(target) if target is not None else self.path
        build = _Build()
        if not self.pending and target is None:
            return self._report(dest, None, build, start)
        self._check_growth()
        in_place = dest.resolve() == self.path.resolve()

        def run(fh: BinaryIO) -> None:
            try:
                self._build(fh, build)
            except ChildFailed:  # rare: start again, everything in this process
                for check in build.checks.values():
                    check.stop()
                build.__init__()  # type: ignore[misc]
                fh.seek(0)
                fh.truncate()
                self._in_process = True
                self._build(fh, build)
            if in_place and not build.changed:
                raise _NothingWritten

        def verify(tmp: Path) -> None:
            verify_package(
                tmp, build.infos, build.rewritten, build.added, build.lenient, build.checks
            )

        try:
            backup_path = write_safely(
                self.path,
                dest,
                run,
                verify,
                seen=self.fingerprint,
                backup=backup,
                backup_dir=backup_dir,
                keep_backups=keep_backups,
            )
        except _NothingWritten:
            backup_path = None
        else:
            self._saved_in_place = in_place
        finally:
            for check in build.checks.values():
                check.stop()
        self._formula_cells = build.skipped
        return self._report(dest, backup_path, build, start)

    def _report(
        self, dest: Path, backup: Path | None, build: _Build, start: float, dry_run: bool = False
    ) -> SaveReport:
        return SaveReport(
            path=dest,
            backup=backup,
            cells_written=build.written,
            cells_skipped=len(build.skipped),
            cells_styled=build.styled,
            comments=build.comments,
            parts_changed=tuple(build.changed),
            seconds=time.perf_counter() - start,
            formula_cells=tuple(build.skipped),
            dry_run=dry_run,
        )

    def _check_growth(self) -> None:
        """Refuse writes that would make a sheet span more cells than the input guard lets
        any file have (crmxl could not read its own output again), before writing anything.
        The guard's arithmetic, on the guard's extents grown by the written range."""
        self._bboxes = {name: _bbox(patches) for name, patches in self._patches.items()}
        for name in {*self._patches, *self._new_sheets}:
            rows = cols = 0
            if name in self._new_sheets:
                new_rows = self._new_sheets[name].rows
                rows, cols = len(new_rows), max((len(r) for r in new_rows), default=0)
            elif (extent := self._extents.get(self._sheets[name].part)) is not None:
                rows, cols = extent.max_row, extent.max_col
            box = self._bboxes.get(name)
            if box is not None:
                rows, cols = max(rows, box[2]), max(cols, box[3])
            if rows * cols > DEFAULT_LIMITS.max_cells:
                raise WriteRefusedError(
                    "write-too-many-cells", path=self.path, sheet=name, rows=rows, cols=cols
                )

    def _needs_styles(self) -> bool:
        """Might any write need the styles part (dates, number formats, bold headers)?"""
        if self._new_sheets:
            return True
        for patches in self._patches.values():
            for patch in patches.values():
                if type(patch) is CellPatch or hasattr(patch, "isoformat"):
                    return True
        return False

    def _build(self, fh: BinaryIO | None, build: _Build) -> None:
        """Write the new package to ``fh`` (None: a dry run that only patches and counts)."""
        try:
            with open_zip(self.path) as src, self.path.open("rb") as raw:
                zw = ZipWriter(fh) if fh is not None else None
                self._assemble(src, raw, zw, build)
                if zw is not None:
                    zw.comment = src.comment
                    zw.close()
        except SheetXmlError as exc:
            raise WriteRefusedError(
                "sheet-xml-unsupported", path=self.path, sheet=exc.args[0], detail=exc.args[1]
            ) from exc
        except ZipTooLarge as exc:
            raise WriteRefusedError("write-too-large", path=self.path) from exc
        except NotesTooLarge as exc:
            sheet, part, size = exc.args
            raise WriteRefusedError(
                "notes-too-large", path=self.path, sheet=sheet, part=part, size=size
            ) from exc

    def _assemble(
        self, src: zipfile.ZipFile, raw: BinaryIO, zw: ZipWriter | None, build: _Build
    ) -> None:
        # Members keep their data; their names are written normalized (``xl\\a.xml`` as
        # ``xl/a.xml``), and a small UTF-16 part that is edited is written as UTF-8.
        src_infos = {canonical_info(i).filename: i for i in src.infolist()}
        infos = [canonical_info(i) for i in src.infolist()]
        build.infos = infos
        by_name = {i.filename: i for i in infos}
        styles_bytes = src.read(self.styles_part) if self.styles_part in by_name else None
        create_styles = styles_bytes is None and self._needs_styles()
        styles = StyleBook(to_utf8(styles_bytes) if styles_bytes else None, strict=self.strict)
        original_workbook = workbook = to_utf8(src.read(self.workbook_part))
        wb_rels_name = self.workbook_rels_part
        wb_rels = to_utf8(src.read(wb_rels_name)) if wb_rels_name in by_name else None
        types_name = find_member(by_name, folded_names(by_name), CONTENT_TYPES)
        original_types = content_types = to_utf8(src.read(types_name))
        structure_changed = bool(self._new_sheets) or create_styles
        styles_name = self.styles_part or posixpath.join(
            posixpath.dirname(self.workbook_part), "styles.xml"
        )
        taken = {n.lower() for n in by_name}
        if structure_changed:
            workbook, wb_rels, content_types, styles_name = self._plan_structure(
                taken, workbook, wb_rels, content_types, create_styles, styles_name
            )
        comments = self._plan_comments(src, content_types, taken)
        content_types = comments.content_types
        build.comments = comments.comments
        build.lenient = comments.lenient
        stamp = by_name[self.workbook_part].date_time
        sheet_parts = {
            self._sheets[n].part: n for n in {*self._patches, *self._comments} if n in self._sheets
        }
        rewrite = {
            part
            for part, n in sheet_parts.items()
            if self._patches.get(n) or part in comments.legacy_drawing
        }
        deferred = {self.workbook_part, styles_name}
        for info in infos:
            name = info.filename
            if name in deferred:
                continue
            if name in rewrite:
                sheet = sheet_parts[name]
                edit = self._legacy_drawing_edit(comments.legacy_drawing.get(name))
                # By its stored entry (the stored name may differ); inflated as zipfile does,
                # faster (crmxl.workbook.inflate).
                with contextlib.closing(open_member(src, raw, src_infos[name])) as part:
                    self._patch_sheet(sheet, part.read, zw, info, styles, build, tail_edit=edit)
                build.rewritten.add(name)
            elif name == types_name and content_types != original_types:
                self._put(zw, name, content_types, info, build, rewritten=True)
            elif name == wb_rels_name and structure_changed:
                self._put(zw, name, wb_rels or b"", info, build, rewritten=True)
            elif name in comments.rewritten:
                self._put(zw, name, comments.rewritten[name], info, build, rewritten=True)
            elif zw is not None:
                zw.copy_raw(raw, info)
        if structure_changed and wb_rels_name not in by_name:
            self._put(zw, wb_rels_name, wb_rels or b"", None, build, stamp=stamp)
        for name, data in comments.added.items():
            self._put(zw, name, data, None, build, stamp=stamp)
        for new in self._new_sheets.values():
            data = self._new_sheet_bytes(new, styles)
            if self._patches.get(new.name):
                self._patch_sheet(new.name, io.BytesIO(data).read, zw, None, styles, build, stamp)
            else:
                self._put(zw, new.part, data, None, build, stamp=stamp)
        if build.written:
            workbook = parts.set_full_calc_on_load(workbook)
        wb_info = by_name[self.workbook_part]
        if workbook != original_workbook:
            self._put(zw, self.workbook_part, workbook, wb_info, build, rewritten=True)
        elif zw is not None:
            zw.copy_raw(raw, wb_info)
        if self.styles_part in by_name:
            info = by_name[self.styles_part]
            if styles.changed:
                self._put(zw, styles_name, styles.to_bytes(), info, build, rewritten=True)
            elif zw is not None:
                zw.copy_raw(raw, info)
        elif create_styles:
            self._put(zw, styles_name, styles.to_bytes(), None, build, stamp=stamp)

    def _plan_comments(
        self, src: zipfile.ZipFile, content_types: bytes, taken: set[str]
    ) -> CommentPlan:
        """The comments parts to write (an empty plan when no comments were asked for)."""
        if not self._comments:
            return CommentPlan(content_types)
        requests = [
            SheetComments(name, self._sheets[name].part, notes)
            for name, notes in self._comments.items()
        ]
        return plan_comments(
            src,
            requests,
            content_types,
            workbook_folder=posixpath.dirname(self.workbook_part),
            strict=self.strict,
            taken=taken,
        )

    def _legacy_drawing_edit(
        self, rel_id: str | None
    ) -> Callable[[bytes, bytes, bytes], bytes] | None:
        """The edit that adds ``<legacyDrawing r:id=rel_id/>`` after a sheet's rows."""
        if rel_id is None:
            return None
        rel_ns = parts.NS_STRICT_REL if self.strict else parts.NS_REL

        def edit(tail: bytes, root_tag: bytes, prefix: bytes) -> bytes:
            element = legacy_drawing_element(root_tag, prefix, rel_id, rel_ns)
            try:
                return insert_legacy_drawing(tail, element)
            except ValueError as exc:
                raise SheetXmlError(str(exc)) from exc

        return edit

    def _plan_structure(
        self,
        taken: set[str],
        workbook: bytes,
        wb_rels: bytes | None,
        content_types: bytes,
        create_styles: bool,
        styles_name: str,
    ) -> tuple[bytes, bytes, bytes, str]:
        """Names, ids and relationship entries for the new parts (their names join ``taken``)."""
        folder = posixpath.dirname(self.workbook_part)
        sheet_folder = posixpath.join(folder, "worksheets")
        worksheets = [s for s in self._sheets.values() if s.kind == "worksheet"]
        if worksheets:
            sheet_folder = posixpath.dirname(worksheets[0].part)
        next_id = max([0, *parts.sheet_ids(workbook)]) + 1
        rels = wb_rels or b""
        n = 1
        for new in self._new_sheets.values():
            while posixpath.join(sheet_folder, f"sheet{n}.xml").lower() in taken:
                n += 1
            new.part = posixpath.join(sheet_folder, f"sheet{n}.xml")
            taken.add(new.part.lower())
            new.sheet_id = next_id
            next_id += 1
            new.rel_id = parts.new_rel_id(rels)
            target = posixpath.relpath(new.part, folder) if folder else new.part
            rels = parts.add_relationship(
                rels or None, new.rel_id, parts.rel_type("worksheet", self.strict), target
            )
            workbook = parts.add_sheet_entry(
                workbook, new.name, new.sheet_id, new.rel_id, self.strict
            )
            content_types = parts.add_override(content_types, new.part, parts.CT_WORKSHEET)
        if create_styles and self.styles_part is not None:
            # The workbook names a styles part that is not in the package: it is made where
            # the relationship points, which stays the only one (see docs/write-path.md).
            content_types = parts.add_override(content_types, styles_name, parts.CT_STYLES)
        elif create_styles:
            while styles_name.lower() in taken:
                styles_name = styles_name[:-4] + "1.xml"
            rel_id = parts.new_rel_id(rels)
            target = posixpath.relpath(styles_name, folder) if folder else styles_name
            rels = parts.add_relationship(
                rels or None, rel_id, parts.rel_type("styles", self.strict), target
            )
            content_types = parts.add_override(content_types, styles_name, parts.CT_STYLES)
        return workbook, rels, content_types, styles_name

    def _put(
        self,
        zw: ZipWriter | None,
        name: str,
        data: bytes,
        like: zipfile.ZipInfo | None,
        build: _Build,
        *,
        rewritten: bool = False,
        stamp: tuple[int, int, int, int, int, int] = (1980, 1, 1, 0, 0, 0),
    ) -> None:
        if zw is not None:
            zw.write(name, data, like, date_time=stamp)
        (build.rewritten if rewritten else build.added).add(name)
        build.changed.append(name)

    def _open_member(
        self,
        zw: ZipWriter,
        part: str,
        like: zipfile.ZipInfo | None,
        build: _Build,
        stamp: tuple[int, int, int, int, int, int],
    ) -> MemberWriter | ChildMemberWriter:
        """The member a sheet is patched into. A large sheet is deflated and checked by a child
        process on the other core (:mod:`~crmxl.workbook.deflater`), or where that cannot be,
        deflated here and checked by a child as it is written (:mod:`~crmxl.workbook.xmlcheck`);
        a small one is deflated here and checked after the write."""
        if like is None or like.file_size < STREAM_CHECK_MIN:
            return zw.open(part, like, level=SHEET_DEFLATE_LEVEL, threaded=True, date_time=stamp)
        member = None
        if not self._in_process:
            member = zw.open_in_child(
                part, like, level=SHEET_DEFLATE_LEVEL, date_time=stamp, by_parts=True
            )
        if member is not None:
            build.checks[part] = member
            return member
        try:
            check: StreamCheck | None = StreamCheck()
        except OSError:
            check = None
        if check is not None:
            build.checks[part] = check
        return zw.open(
            part, like, level=SHEET_DEFLATE_LEVEL, threaded=True, check=check, date_time=stamp
        )

    def _patch_sheet(
        self,
        sheet: str,
        read: Callable[[int], bytes],
        zw: ZipWriter | None,
        like: zipfile.ZipInfo | None,
        styles: StyleBook,
        build: _Build,
        stamp: tuple[int, int, int, int, int, int] = (1980, 1, 1, 0, 0, 0),
        *,
        tail_edit: Callable[[bytes, bytes, bytes], bytes] | None = None,
    ) -> None:
        patches = self._patches.get(sheet, {})
        options = SheetOptions(
            styles,
            self.date1904,
            self._header_rows.get(sheet, 0),
            column_formats=self._column_formats.get(sheet, {}),
            tail_edit=tail_edit,
        )
        rows = group_rows(patches, self._probes.get(sheet, ()))
        columns = set(rows.cols)
        part = self._sheets[sheet].part if sheet in self._sheets else self._new_sheets[sheet].part
        if zw is None:
            write = _discard
            member = None
        else:
            member = self._open_member(zw, part, like, build, stamp)
            write = member.write
        try:
            bbox = self._bboxes[sheet] if sheet in self._bboxes else _bbox(patches)
            patcher = SheetPatcher(read, write, rows, options, bbox, columns)
            if isinstance(member, ChildMemberWriter):
                patcher.ledger = member.ledger  # the child checks the sheet by its parts
            result = patcher.run()
        except SheetXmlError as exc:
            if member is not None:
                member.abort()
            raise SheetXmlError(sheet, str(exc)) from exc
        except BaseException:
            if member is not None:
                member.abort()
            raise
        if member is not None:
            member.close()
        build.written += result.written
        build.styled += result.styled
        build.skipped.extend((sheet, r, c) for r, c in result.skipped)
        if sheet in self._new_sheets:
            build.added.add(part)
        else:
            build.rewritten.add(part)
        if result.written or result.styled or result.tail_edited or sheet in self._new_sheets:
            build.changed.append(part)

    def _new_sheet_bytes(self, new: _NewSheet, styles: StyleBook) -> bytes:
        header_style = styles.bold(0) if new.bold_header else 0
        rows_xml: list[bytes] = []
        n_cols = 0
        for r, row in enumerate(new.rows, 1):
            cells = []
            for c, value in enumerate(row, 1):
                encoded = encode_value(value, self.date1904)
                if encoded.kind == "none":
                    continue
                style = header_style if r == 1 else 0
                if encoded.is_date and not styles.is_date(style):
                    has_time = hasattr(value, "hour")
                    style = styles.with_format(
                        style, DEFAULT_DATETIME_FORMAT if has_time else DEFAULT_DATE_FORMAT
                    )
                cells.append(cell_xml(b"", r, c, style, encoded))
                n_cols = max(n_cols, c)
            if cells:
                rows_xml.append(f'<row r="{r}">'.encode() + b"".join(cells) + b"</row>")
        return parts.new_sheet_xml(
            rows_xml,
            len(new.rows),
            n_cols,
            widths=new.widths,
            freeze_header=new.freeze_header,
            strict=self.strict,
        )


register(
    {
        "sheet-xml-unsupported": (
            "{path} 的工作表「{sheet}」的内部结构无法安全修改（{detail}），未写入："
            "请在 Excel 中打开并另存后再试",
            "The sheet '{sheet}' of {path} has a structure crmxl cannot safely change "
            "({detail}); nothing was written: open and save it in Excel, then try again",
        ),
        "write-too-many-cells": (
            "写入后 {path} 的工作表「{sheet}」将跨越 {rows} 行 × {cols} 列，超出 crmxl "
            "能安全读取的范围，未写入：请检查是否写到了远处的单元格",
            "Writing would make sheet '{sheet}' of {path} span {rows:~row|rows} × {cols:~column|columns}, "
            "more than crmxl can safely read back; nothing was written: check for a far-away "
            "cell",
        ),
        "notes-too-large": (
            "{path} 的批注过多（{part} 解压后 {size} MB），crmxl 无法安全地再添加批注，未写入："
            "可改用不带 --annotate 的 validate（或 --json）查看问题",
            "{path} has too many notes ({part} is {size} MB uncompressed) for crmxl to add "
            "more safely; nothing was written: run validate without --annotate (or with "
            "--json) to see the findings",
        ),
        "write-too-large": (
            "{path} 写入后将超过 4 GB，未写入",
            "{path} would grow past 4 GB; nothing was written",
        ),
    }
)
