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

import io
import json
import os
import sys
import zlib
from collections.abc import Callable
from xml.parsers import expat

_CHUNK = 1 << 20


def _pwrite_all(fd: int, data: bytes, offset: int) -> None:
    view = memoryview(data)
    while view:
        n = os.pwrite(fd, view, offset)
        view, offset = view[n:], offset + n


def deflate_and_check(
    read: Callable[[int], bytes], fd: int, offset: int, level: int
) -> dict[str, object]:
    """The child's work (``read`` gives the part's bytes, b"" at the end); returns the answer:
    the CRC-32 and size of the bytes received, the size and CRC-32 of the deflated bytes
    written, and what was wrong ("" if nothing)."""
    compress = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
    parser = expat.ParserCreate()
    pos = offset
    crc = size = ccrc = 0
    problem = ""

    def put(out: bytes) -> None:
        nonlocal pos, ccrc
        if out:
            _pwrite_all(fd, out, pos)
            pos += len(out)
            ccrc = zlib.crc32(out, ccrc)

    while True:
        chunk = read(_CHUNK)
        if not chunk:
            break
        crc = zlib.crc32(chunk, crc)
        size += len(chunk)
        if not problem:
            try:
                parser.Parse(chunk, False)
            except expat.ExpatError as exc:
                problem = f"not well-formed XML: {exc}"
        put(compress.compress(chunk))
    put(compress.flush())
    if not problem:
        try:
            parser.Parse(b"", True)
        except expat.ExpatError as exc:
            problem = f"not well-formed XML: {exc}"
    return {"crc": crc, "size": size, "csize": pos - offset, "ccrc": ccrc, "problem": problem}


def child_main(args: list[str]) -> None:
    """In the child: ``FD OFFSET LEVEL``; the part comes on stdin; one JSON line answers."""
    fd, offset, level = int(args[0]), int(args[1]), int(args[2])
    stdin = sys.stdin.buffer
    read = stdin.read1 if isinstance(stdin, io.BufferedReader) else stdin.read
    try:
        answer: dict[str, object] = deflate_and_check(read, fd, offset, level)
    except OSError as exc:  # the file could not be written: the parent reports it
        answer = {"error": str(exc)}
        while read(_CHUNK):  # let the parent finish writing, then answer
            pass
    sys.stdout.write(json.dumps(answer) + "\n")
