"""Deflate, write and check a large part in a child process, beside the Python that makes it.

Patching a million-row sheet is ~5 s of Python on one core; deflating what it makes is ~3 s
and checking it (expat) ~3 s more. In a thread of the same process those
compete for the GIL with the patcher and each other; here they run in a child Python on the
other core (:mod:`crmxl.workbook.child`: this module uses the standard library only).

The parent opens the member (its local header is written), flushes the file, and streams the
part's *uncompressed* bytes down a pipe. The child takes their CRC-32 and size, parses them with
expat, deflates them into the file at the member's data offset (``pwrite`` on the descriptor it
inherited) and answers one JSON line: the CRC and size of what it received, the size and CRC-32
of the deflated bytes it wrote, and what was wrong ("" if nothing). The parent computes the
CRC and size of what it sent itself (the zip directory states those), reads the deflated bytes
back from the file and checks their CRC-32 against the child's; verification
(:func:`crmxl.workbook.save.verify_package`) then requires the child's CRC and size to be the
directory's and nothing wrong. So: the bytes made are the bytes parsed and deflated, they are
well-formed XML, and the file holds exactly the deflated bytes. Inflating them again is left to
zlib's own guarantee (it saves a second on a million rows; zipfile checks the CRC on every
read, and the LibreOffice tests open what is written).

POSIX only (``os.pwrite`` and inheritable descriptors); elsewhere, or when the child cannot
start, parts are deflated in process and checked after the write, as before.
"""

from __future__ import annotations

import json
import os
import struct
import sys
import zlib
from collections.abc import Callable, Iterator
from typing import Any
from xml.parsers import expat

from crmxl.workbook.byparts import Failed, PartsCheck, Undecided

try:  # ISA-L's deflate: ~4x as fast as zlib's level 2, output as small (benchmarks/README.md)
    from isal import isal_zlib as _isal
except ImportError:  # pragma: no cover - a dependency; zlib does the same, more slowly
    _isal = None  # type: ignore[assignment]

_CHUNK = 1 << 20
ISAL_LEVEL = 1  # ISA-L's levels are 0-3; 1 deflates sheet XML smaller than zlib's 2

# The parent's stream: frames of one kind byte and an 8-byte length, then the payload.
DATA = b"D"  # the part's bytes
LEDGER = b"L"  # what the patcher replaced in the bytes that follow (crmxl.workbook.byparts)
_HEADER = struct.Struct("<cQ")


def frame(kind: bytes, payload: bytes) -> bytes:
    """One frame of the stream the parent sends."""
    return _HEADER.pack(kind, len(payload)) + payload


def frame_header(kind: bytes, size: int) -> bytes:
    """What precedes a frame's ``size`` bytes of payload."""
    return _HEADER.pack(kind, size)


def read_frames(read: Callable[[int], bytes]) -> Iterator[tuple[bytes, bytes]]:
    """The frames of the stream ``read`` gives (it must return what was asked, or b"" at the
    end); a cut frame ends the stream with ValueError."""
    while True:
        head = read(_HEADER.size)
        if not head:
            return
        if len(head) != _HEADER.size:
            raise ValueError("a cut frame")
        kind, n = _HEADER.unpack(head)
        payload = read(n) if n else b""
        if len(payload) != n:
            raise ValueError("a cut frame")
        yield kind, payload


def compressobj(level: int) -> Any:
    """A raw-deflate compressor: ISA-L's when installed, else zlib's at ``level``."""
    if _isal is not None:
        return _isal.compressobj(ISAL_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
    return zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)


crc32: Callable[[bytes, int], int] = _isal.crc32 if _isal is not None else zlib.crc32


def _pwrite_all(fd: int, data: bytes, offset: int) -> None:
    view = memoryview(data)
    while view:
        n = os.pwrite(fd, view, offset)
        view, offset = view[n:], offset + n


def deflate_and_check(
    frames: Iterator[tuple[bytes, bytes]],
    fd: int,
    offset: int,
    level: int,
    source: tuple[int, int] | None = None,
) -> dict[str, object]:
    """The child's work (``frames`` give the part's bytes and the ledger); returns the
    answer: the CRC-32 and size of the bytes received, the size and CRC-32 of the deflated
    bytes written, what was wrong ("" if nothing) and whether the part was proved
    well-formed (``certified``).

    With ``source`` (the CRC-32 and size of the part the bytes rewrite) the part is checked by
    its parts (:class:`~crmxl.workbook.byparts.PartsCheck`) and not certified when that cannot
    decide; without, the whole part is parsed here."""
    compress = compressobj(level)
    check = PartsCheck(*source) if source is not None else None
    parser = expat.ParserCreate() if check is None else None
    pos = offset
    crc = size = ccrc = 0
    problem = ""
    certified = True

    def put(out: bytes) -> None:
        nonlocal pos, ccrc
        if out:
            _pwrite_all(fd, out, pos)
            pos += len(out)
            ccrc = crc32(out, ccrc)

    for kind, chunk in frames:
        if kind == LEDGER:
            if check is not None and not problem:
                try:
                    check.ledger(chunk)
                except ValueError as exc:
                    problem = f"a broken ledger: {exc}"
            continue
        if kind != DATA:
            problem = problem or "an unknown frame"
            continue
        crc = crc32(chunk, crc)
        size += len(chunk)
        if not problem:
            try:
                if check is not None:
                    check.data(chunk)
                elif parser is not None:
                    parser.Parse(chunk, False)
            except (expat.ExpatError, Failed) as exc:
                problem = _problem(exc)
            except Undecided:
                check, certified = None, False  # the parent parses the part instead
        put(compress.compress(chunk))
    put(compress.flush())
    if not problem:
        try:
            if check is not None:
                check.end()
            elif parser is not None:
                parser.Parse(b"", True)
        except (expat.ExpatError, Failed) as exc:
            problem = _problem(exc)
        except Undecided:
            certified = False
    return {
        "crc": crc,
        "size": size,
        "csize": pos - offset,
        "ccrc": ccrc,
        "problem": problem,
        "certified": certified and not problem,
    }


def _problem(exc: Exception) -> str:
    text = str(exc)
    return text if isinstance(exc, Failed) else f"not well-formed XML: {text}"


def child_main(args: list[str]) -> None:
    """In the child: ``FD OFFSET LEVEL SOURCE`` (SOURCE: ``CRC:SIZE`` of the part rewritten,
    to check by parts, or ``-``); the frames come on stdin; one JSON line answers."""
    fd, offset, level = int(args[0]), int(args[1]), int(args[2])
    source = None
    if len(args) > 3 and args[3] != "-":
        crc, size = args[3].split(":")
        source = (int(crc), int(size))
    stdin = sys.stdin.buffer
    read = stdin.read  # a BufferedReader: gives what is asked, or less only at the end
    frames = read_frames(read)
    try:
        answer: dict[str, object] = deflate_and_check(frames, fd, offset, level, source)
    except OSError as exc:  # the file could not be written: the parent reports it
        answer = {"error": str(exc)}
        while read(_CHUNK):  # let the parent finish writing, then answer
            pass
    except ValueError as exc:  # a cut or broken stream: no verdict
        answer = {"error": f"bad stream: {exc}"}
        while read(_CHUNK):
            pass
    sys.stdout.write(json.dumps(answer) + "\n")
