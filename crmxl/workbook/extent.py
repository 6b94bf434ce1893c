"""Bound a worksheet's cells and check a part's prolog, streaming: the guard's scanning.

Standard library only (and :mod:`crmxl.a1`, :mod:`~crmxl.workbook.names` and
:mod:`~crmxl.workbook.xmltext`): the guard runs :func:`scan_part` for the largest sheet in a
child process (:func:`child_main`, started by :mod:`crmxl.workbook.child`) so that
it overlaps the reading of the other sheets instead of holding this process's GIL; the verdict
is the same as in process. See :mod:`crmxl.workbook.guard` for why cells are bounded at all.
"""

from __future__ import annotations

import json
import re
import sys
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import asdict, dataclass

from crmxl.a1 import column_index, column_letter
from crmxl.workbook.inflate import open_member
from crmxl.workbook.names import canonical, open_zip
from crmxl.workbook.xmltext import MAX_UTF16_BYTES, decode_head, utf16_codec


@dataclass(frozen=True)
class Limits:
    """What a workbook may be. The defaults leave room for a million-row follow-up log."""

    max_file_bytes: int = 2 * 1024**3
    max_members: int = 10_000
    max_member_bytes: int = 1536 * 1024**2  # uncompressed, one part
    max_total_bytes: int = 4 * 1024**3  # uncompressed, all parts
    max_ratio: float = 250.0  # uncompressed / compressed, for parts over ratio_floor
    ratio_floor: int = 16 * 1024**2
    max_cells: int = 60_000_000  # bounding-box area of one worksheet
    # calamine reads the whole shared-string table into memory: 100 MB (Excel's largest in
    # benchmarks/) takes ~0.4 GB; this leaves a refresh room under 2 GB.
    max_shared_strings_bytes: int = 256 * 1024**2
    max_rows: int = 1_048_576
    max_cols: int = 16_384


DEFAULT_LIMITS = Limits()

_DOCTYPE = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_ROOT_START = re.compile(rb"<[A-Za-z_]")
_CHUNK = 8 * 1024 * 1024


@dataclass
class SheetExtent:
    """How far a worksheet's cells reach (from its cell references)."""

    part: str
    max_row: int = 0
    max_col: int = 0


class Refused(Exception):
    """The part is hostile or beyond limits: ``code`` names why (a guard message key)."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def _windows(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The part's bytes in chunks, each with the previous chunk's last 64 bytes in front.

    Reads at most the declared size plus one byte: a part that inflates beyond what the zip
    directory says is a bomb (or corrupt), and is refused there.
    """
    budget = info.file_size + 1
    seen = 0
    tail = b""
    raw = open(zf.filename, "rb") if zf.filename else None  # noqa: SIM115  # closed below
    try:
        fh = open_member(zf, raw, info) if raw is not None else zf.open(info)
        while True:
            chunk = fh.read(min(_CHUNK, budget - seen))
            if not chunk:
                return
            seen += len(chunk)
            if seen > info.file_size:
                raise Refused("file-bomb")
            yield tail + chunk
            tail = chunk[-64:]
    finally:
        if raw is not None:
            raw.close()


def _check_prolog(head: bytes) -> bool:
    """Refuse a DOCTYPE or ENTITY before the root element; True once the root is seen."""
    head = decode_head(head)
    root = _ROOT_START.search(head)
    prolog = head if root is None else head[: root.start()]
    if _DOCTYPE.search(prolog):
        raise Refused("file-doctype")
    if root is None and len(head) > 1024 * 1024:
        raise Refused("file-doctype")
    return root is not None


def scan_part(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits, *, full: bool
) -> SheetExtent | None:
    """Check a part's prolog for DOCTYPE/ENTITY; for a worksheet (``full``), bound its cells."""
    extent = SheetExtent(canonical(info.filename)) if full else None
    prolog_done = False
    head = b""
    for data in _windows(zf, info):
        # Read as UTF-8 by everything after the guard: only small structural parts may be
        # UTF-16 (they are converted first); a cell's reference cannot be bounded here.
        if (
            not head
            and utf16_codec(data[:4]) is not None
            and (full or info.file_size > MAX_UTF16_BYTES)
        ):
            raise Refused("file-utf16-part")
        if not prolog_done:
            head += data
            prolog_done = _check_prolog(head)
        if extent is None:
            if prolog_done:
                break
            continue
        _extend(extent, data)
        _check_extent(extent, limits)
    if extent is not None and extent.max_col * limits.max_rows > limits.max_cells:
        # Wide enough that a far row hidden out of order would matter: read every reference.
        for data in _windows(zf, info):
            _extend(extent, data, exact=True)
            _check_extent(extent, limits)
    return extent


def _check_extent(extent: SheetExtent, limits: Limits) -> None:
    if extent.max_row > limits.max_rows or extent.max_col > limits.max_cols:
        raise Refused("file-far-cell", rows=extent.max_row, cols=extent.max_col)
    if extent.max_row * extent.max_col > limits.max_cells:
        raise Refused("file-too-many-cells", rows=extent.max_row, cols=extent.max_col)


_ANY_REF = re.compile(rb' r="([A-Z]{0,3})([0-9]{1,10})"')


def _further_cols(max_col: int) -> bytes:
    """A regex alternation for column letters beyond ``max_col`` (``AF``.. for ``AE``)."""
    if max_col <= 0:
        return b"[A-Z]"
    text = column_letter(max_col)
    parts = [f"[A-Z]{{{len(text) + 1},}}"]
    for i, ch in enumerate(text):
        if ch != "Z":
            rest = len(text) - i - 1
            tail = f"[A-Z]{{{rest}}}" if rest else ""
            parts.append(f"{text[:i]}[{chr(ord(ch) + 1)}-Z]{tail}")
    return "|".join(parts).encode()


def _suspects(max_col: int) -> re.Pattern[bytes]:
    """References a normal chunk does not have: rows of 7+ digits, or columns beyond max_col."""
    return re.compile(rb' r="(?:[A-Z]{0,3}[0-9]{7}|(?:' + _further_cols(max_col) + rb")[0-9])")


def _take(extent: SheetExtent, letters: bytes, digits: bytes) -> None:
    if letters:
        extent.max_col = max(extent.max_col, column_index(letters))
    extent.max_row = max(extent.max_row, int(digits))


def _extend(extent: SheetExtent, data: bytes, exact: bool = False) -> None:
    """Grow ``extent`` with the largest row number and column referenced in ``data``.

    A million-row sheet has millions of references, so by default this does not match each
    one. Rows come in order, so the chunk's last rows give its largest row; one search
    then finds the references a normal chunk lacks (a row of 7+ digits, a column beyond those
    seen). A far row hidden out of order in a narrow sheet is still bounded by the grid
    (1,048,576 rows × its few columns); :func:`scan_part` re-reads wide sheets ``exact``-ly.
    Cell references count, not only row elements: calamine places a cell by its reference.
    """
    for space in (b"\n", b"\t", b"\r"):
        # Attributes split by other white space: make them findable. (A one-byte search is a
        # memchr, ~10x faster than the three-byte one it saves on a sheet without that byte.)
        if space in data and (sep := space + b"r=") in data:
            data = data.replace(sep, b" r=")
    if exact:
        for letters, digits in _ANY_REF.findall(data):
            _take(extent, letters, digits)
        return
    # The last few hundred rows, read exactly, set the baseline for this window.
    for letters, digits in _ANY_REF.findall(data, max(0, len(data) - 65536)):
        _take(extent, letters, digits)
    for m in _suspects(extent.max_col).finditer(data):
        ref = _ANY_REF.match(data, m.start())
        if ref:
            _take(extent, ref.group(1), ref.group(2))


class Corrupt(Exception):
    """The part cannot be read (a damaged zip or deflate stream, or no such part)."""


def scan_member(path: str, part: str, limits: Limits = DEFAULT_LIMITS) -> SheetExtent:
    """Bound the cells of worksheet ``part`` of the zip at ``path``; raises :class:`Refused`
    when it reaches too far, :class:`Corrupt` when it cannot be read."""
    try:
        with open_zip(path) as zf:
            extent = scan_part(zf, zf.getinfo(part), limits, full=True)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError) as exc:
        raise Corrupt(part) from exc
    assert extent is not None
    return extent


def child_main(args: list[str]) -> None:
    """In a child process: ``PATH PART LIMITS-JSON`` → one JSON line, the extent or the refusal."""
    path, part, limits = args[0], args[1], Limits(**json.loads(args[2]))
    answer: dict[str, object]
    try:
        extent = scan_member(path, part, limits)
    except Refused as refusal:
        answer = {"refused": refusal.code, "params": refusal.params}
    except Corrupt:
        answer = {"corrupt": True}
    else:
        answer = {"max_row": extent.max_row, "max_col": extent.max_col}
    sys.stdout.write(json.dumps(answer) + "\n")


def limits_json(limits: Limits) -> str:
    """``limits`` as the child's argument."""
    return json.dumps(asdict(limits))
