"""Which parts change, and how, when legacy comments are added to sheets.

For each sheet that gets comments (:meth:`~crmxl.workbook.WorkbookWriter.add_comment`):

- a sheet that has comments already gets them added to its comments part; otherwise a new
  ``xl/commentsN.xml``, a relationship from the sheet and a content-type override;
- a sheet whose ``<legacyDrawing>`` names a VML drawing (comments, or form controls) gets the
  new comment boxes added to it; otherwise a new ``xl/drawings/vmlDrawingN.vml``, a
  relationship, a ``Default`` content type for ``vml`` when the package has none, and
  ``<legacyDrawing>`` in the sheet (which is then rewritten, streaming, for that alone);
- nothing else: the sheet's other relationships, images, charts, tables keep their bytes.

This module only plans (bytes in, bytes out); :class:`~crmxl.workbook.WorkbookWriter` writes.
"""

from __future__ import annotations

import posixpath
import xml.parsers.expat
import zipfile
from dataclasses import dataclass, field

from crmxl.workbook import parts
from crmxl.workbook.comments import CommentsPart
from crmxl.workbook.names import canonical_names
from crmxl.workbook.package import parse_rels, rels_path
from crmxl.workbook.sheettail import find_legacy_drawing
from crmxl.workbook.sheetxml import SheetXmlError
from crmxl.workbook.vml import VmlDrawing, taken_blocks


@dataclass
class SheetComments:
    """The comments asked for on one sheet: (row, col) -> (author, text)."""

    sheet: str
    part: str
    notes: dict[tuple[int, int], tuple[str, str]]


@dataclass
class CommentPlan:
    """The parts to write for the comments of every sheet."""

    content_types: bytes
    rewritten: dict[str, bytes] = field(default_factory=dict)  # existing part -> new bytes
    added: dict[str, bytes] = field(default_factory=dict)  # new part -> bytes
    legacy_drawing: dict[str, str] = field(default_factory=dict)  # sheet part -> VML rel id
    lenient: set[str] = field(default_factory=set)  # rewritten parts that were not XML before
    comments: int = 0  # comments added or appended to


#: Comments and VML drawings are edited whole, in memory (several times their size at the
#: peak); a sheet whose notes take more than this (~80,000 notes) is refused, not risked.
MAX_NOTES_PART_BYTES = 48 * 1024**2


class NotesTooLarge(Exception):
    """A comments part or VML drawing to edit is over :data:`MAX_NOTES_PART_BYTES`:
    ``args`` = (sheet, part, size in MB)."""


def _check_size(src: zipfile.ZipFile, sheet: str, name: str) -> None:
    size = src.getinfo(name).file_size
    if size > MAX_NOTES_PART_BYTES:
        raise NotesTooLarge(sheet, name, size // 1024**2)


def well_formed(data: bytes) -> bool:
    """Is ``data`` well-formed XML? (Old Excel writes VML with unclosed ``<br>``.)"""
    parser = xml.parsers.expat.ParserCreate()
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError:
        return False
    return True


def _free_name(pattern: str, taken: set[str]) -> str:
    n = 1
    while pattern.format(n).lower() in taken:
        n += 1
    name = pattern.format(n)
    taken.add(name.lower())
    return name


def plan_comments(
    src: zipfile.ZipFile,
    requests: list[SheetComments],
    content_types: bytes,
    *,
    workbook_folder: str,
    strict: bool,
    taken: set[str],
) -> CommentPlan:
    """Plan the comments of ``requests``. ``taken``: lower-cased part names in use (new names
    are added to it). Raises :class:`SheetXmlError` for a sheet whose ``<legacyDrawing>``
    points at no drawing (a second one cannot be added)."""
    names = set(canonical_names(src))
    plan = CommentPlan(content_types)
    drawings = sorted(n for n in names if n.lower().endswith(".vml"))
    for name in drawings:
        _check_size(src, requests[0].sheet if requests else "", name)
    blocks = taken_blocks(src.read(n) for n in drawings)
    for request in requests:
        part = request.part
        folder = posixpath.dirname(part)
        rels_name = rels_path(part)
        rels = src.read(rels_name) if rels_name in names else None
        relationships = parse_rels(rels, part) if rels is not None else []
        by_id = {r.id: r for r in relationships if not r.external}
        comments_name = next(
            (
                r.target
                for r in relationships
                if r.type.endswith("/comments") and not r.external and r.target in names
            ),
            None,
        )
        vml_name = None
        if any(r.type.endswith("/vmlDrawing") for r in relationships):
            with src.open(part) as fh:
                legacy_id = find_legacy_drawing(fh.read)
            if legacy_id is not None:
                rel = by_id.get(legacy_id)
                if rel is None or rel.target not in names:
                    raise SheetXmlError(request.sheet, "<legacyDrawing> names no drawing")
                vml_name = rel.target
        if comments_name is not None:
            _check_size(src, request.sheet, comments_name)
            comments = CommentsPart(src.read(comments_name))
        else:
            comments = CommentsPart(None, strict=strict)
            comments_name = _free_name(posixpath.join(workbook_folder, "comments{}.xml"), taken)
            rel_id = parts.new_rel_id(rels or b"")
            target = posixpath.relpath(comments_name, folder)
            rels = parts.add_relationship(rels, rel_id, parts.rel_type("comments", strict), target)
            plan.content_types = parts.add_override(
                plan.content_types, comments_name, parts.CT_COMMENTS
            )
        if vml_name is not None:
            vml_data = src.read(vml_name)
            vml = VmlDrawing(vml_data, blocks)
            if not well_formed(vml_data):
                plan.lenient.add(vml_name)
        else:
            vml = VmlDrawing(None, blocks)
            pattern = posixpath.join(workbook_folder, "drawings", "vmlDrawing{}.vml")
            vml_name = _free_name(pattern, taken)
            rel_id = parts.new_rel_id(rels or b"")
            target = posixpath.relpath(vml_name, folder)
            rels = parts.add_relationship(
                rels, rel_id, parts.rel_type("vmlDrawing", strict), target
            )
            plan.legacy_drawing[part] = rel_id
            if not parts.has_default(plan.content_types, "vml"):
                plan.content_types = parts.add_default(plan.content_types, "vml", parts.CT_VML)
        boxes = vml.notes()
        for (row, col), (author, text) in sorted(request.notes.items()):
            comments.add(row, col, text, author)
            if (row, col) in boxes:
                vml.grow_note(row, col, comments.text_of(row, col))
            else:  # a new comment, or the user's comment that had no box
                vml.add_note(row, col, comments.text_of(row, col))
                boxes.add((row, col))
            plan.comments += 1
        if comments.created:
            plan.added[comments_name] = comments.to_bytes()
        elif comments.changed:
            plan.rewritten[comments_name] = comments.to_bytes()
        if vml.created:
            plan.added[vml_name] = vml.to_bytes()
        elif vml.changed:
            plan.rewritten[vml_name] = vml.to_bytes()
        assert rels is not None
        if rels_name in names:
            plan.rewritten[rels_name] = rels
        else:
            taken.add(rels_name.lower())
            plan.added[rels_name] = rels
    return plan
