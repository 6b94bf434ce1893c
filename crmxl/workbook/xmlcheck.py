"""Check a deflated XML part while it is being written, in a child process.

Before a new package may replace the user's file, every part crmxl rewrote is inflated and
parsed (see :func:`crmxl.workbook.save.verify_package`). For a million-row sheet that is
~5 s of inflating and parsing on one core, after the write. A :class:`StreamCheck` does the
same work *during* the write, on the other core: the part's compressed bytes, exactly as they
go into the file, are copied down a pipe to a child Python (:mod:`crmxl.workbook.child`: this
module uses the standard library only, and the child loads nothing else). The child inflates
them, computes their CRC-32 and size and parses them with expat, then answers one line:
``CRC SIZE`` and, if the XML is not well-formed or the deflate stream is broken, the reason.

``verify_package`` compares that CRC and size with the zip directory's and fails the save on
any difference or reason. A child that cannot start or dies gives no verdict, and the part is
then checked after the write as before: nothing is ever taken as checked that was not.
"""

from __future__ import annotations

import io
import subprocess
import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol
from xml.parsers import expat

from crmxl.workbook import child

_CHUNK = 1 << 20


@dataclass(frozen=True)
class Verdict:
    """What the child found: the bytes' CRC-32 and size, and what was wrong (or ""); and
    whether it proved them well-formed (``certified``; otherwise they are parsed after)."""

    crc: int
    size: int
    problem: str
    certified: bool = True


class Checked(Protocol):
    """Something that checked a part as it was written and can say what it found."""

    def verdict(self) -> Verdict | None: ...

    def stop(self) -> None: ...


class StreamCheck:
    """A child process checking one part; :meth:`feed` it the compressed bytes as written.

    Raises ``OSError`` when the child cannot be started (the caller then checks afterwards).
    """

    def __init__(self) -> None:
        self._proc: subprocess.Popen[bytes] | None = child.start(
            "crmxl.workbook.xmlcheck", [], stdin=True
        )
        self._broken = False
        if self._proc.stdin is not None:
            child.widen_pipe(self._proc.stdin)  # the writer then rarely waits for the child

    def feed(self, data: bytes) -> None:
        """Send compressed bytes (a dead child is noted, not raised: it gives no verdict)."""
        proc = self._proc
        if self._broken or proc is None or proc.stdin is None or not data:
            return
        try:
            proc.stdin.write(data)
        except OSError:
            self._broken = True

    def end_input(self) -> None:
        """No more bytes: the child finishes its checks on its own."""
        proc = self._proc
        if proc is not None and proc.stdin is not None and not proc.stdin.closed:
            try:
                proc.stdin.close()
            except OSError:
                self._broken = True

    def verdict(self) -> Verdict | None:
        """The child's answer, waiting for it; None when it gave none (check the part yourself).

        The child's work is bounded by the bytes it was fed, so once its input ends it answers.
        """
        self.end_input()
        out = child.output(self._proc)
        self._proc = None
        if self._broken or not out:
            return None
        fields = out.decode("utf-8", "replace").rstrip("\n").split(" ", 2)
        if len(fields) < 2 or not fields[0].isdigit() or not fields[1].isdigit():
            return None
        return Verdict(int(fields[0]), int(fields[1]), fields[2] if len(fields) > 2 else "")

    def stop(self) -> None:
        """End the child now (the write was abandoned, or its verdict is no longer wanted)."""
        child.stop(self._proc)
        self._proc = None


def check_stream(read: Callable[[int], bytes], write: Callable[[str], object]) -> None:
    """The child's work: inflate raw deflate data from ``read``, CRC it, parse it as XML, and
    write ``CRC SIZE [PROBLEM]`` to ``write``. Input is read to its end even after a problem,
    so the writer never sees a broken pipe for a verdict it will still get."""
    inflate = zlib.decompressobj(-zlib.MAX_WBITS)
    parser = expat.ParserCreate()
    crc = size = 0
    problem = ""
    while True:
        chunk = read(_CHUNK)
        if not chunk:
            break
        try:
            data = inflate.decompress(chunk)
        except zlib.error as exc:
            problem = problem or f"the deflate stream is broken: {exc}"
            continue
        crc = zlib.crc32(data, crc)
        size += len(data)
        if not problem and data:
            try:
                parser.Parse(data, False)
            except expat.ExpatError as exc:
                problem = f"not well-formed XML: {exc}"
    if not problem and not inflate.eof:
        problem = "the deflate stream is truncated"
    if not problem:
        try:
            parser.Parse(b"", True)
        except expat.ExpatError as exc:
            problem = f"not well-formed XML: {exc}"
    write(f"{crc} {size} {problem}".rstrip() + "\n")


def child_main(args: list[str]) -> None:
    """In the child (see :mod:`crmxl.workbook.child`): check what comes on stdin."""
    del args
    stdin = sys.stdin.buffer
    read = stdin.read1 if isinstance(stdin, io.BufferedReader) else stdin.read  # what has come
    check_stream(read, sys.stdout.write)
