"""Write a zip package whose untouched members are copied raw: compressed bytes, unchanged.

``zipfile`` can only write a member by compressing it again, which costs time on a large
workbook and makes "the other parts are unchanged" a matter of trust in the compressor. So this
module writes the zip itself (local headers, central directory, end record) and, for a member
that does not change, copies its compressed data byte for byte from the source file. It relies
only on documented ``ZipInfo`` attributes of the source (``header_offset``, ``compress_size``,
``CRC``, ...) and on the zip format (APPNOTE.TXT) for what it writes.

New or changed members are deflated here, optionally in a worker thread: zlib releases the GIL
while it deflates and computes CRCs, so a large sheet compresses while the next bytes are made.

Limits: no zip64 (a workbook crmxl accepts is under 2 GB and has under 10,000 parts, see
:mod:`crmxl.workbook.guard`); a member or archive that would need it raises :class:`ZipTooLarge`.
Extra fields are not copied (they hold timestamps and zip64 sizes, which the rebuilt headers
state themselves); data descriptors are not written (sizes go in the local header).
"""

from __future__ import annotations

import os
import queue
import struct
import subprocess
import threading
import zipfile
import zlib
from typing import BinaryIO, Self

from crmxl import concurrency
from crmxl.workbook import child
from crmxl.workbook.byparts import Ledger
from crmxl.workbook.deflater import DATA, LEDGER, frame, frame_header
from crmxl.workbook.inflate import LOCAL, LOCAL_SIG, raw_data_offset
from crmxl.workbook.xmlcheck import StreamCheck, Verdict

_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")
_CENTRAL_SIG = 0x02014B50
_END_SIG = 0x06054B50
_LIMIT = 0xFFFFFFFF
_MAX_ENTRIES = 0xFFFF
_UTF8_FLAG = 0x800
_DESCRIPTOR_FLAG = 0x08
_COPY_CHUNK = 1 << 20


class ZipTooLarge(Exception):
    """The package would need zip64, which this writer does not produce."""


class ChildFailed(Exception):
    """A child process deflating a member stopped or answered nonsense: the package being
    written is incomplete (build it again in process)."""


def dos_time(date_time: tuple[int, int, int, int, int, int]) -> tuple[int, int]:
    """(time, date) in MS-DOS format."""
    y, mo, d, h, mi, s = date_time
    y = min(max(y, 1980), 2107)
    return (h << 11) | (mi << 5) | (s // 2), ((y - 1980) << 9) | (mo << 5) | d


def _encode_name(name: str) -> tuple[bytes, int]:
    try:
        return name.encode("ascii"), 0
    except UnicodeEncodeError:
        return name.encode("utf-8"), _UTF8_FLAG


class _Entry:
    __slots__ = ("comment", "compress_type", "crc", "csize", "date", "ext_attr", "extract",
                 "flags", "int_attr", "made_by", "name", "offset", "size", "time")  # fmt: skip

    def __init__(self, name: str, offset: int) -> None:
        self.name = name
        self.offset = offset
        self.crc = 0
        self.csize = 0
        self.size = 0
        self.flags = 0
        self.compress_type = zipfile.ZIP_DEFLATED
        self.time = 0
        self.date = 0
        self.made_by = 20
        self.extract = 20
        self.int_attr = 0
        self.ext_attr = 0
        self.comment = b""


class ZipWriter:
    """A zip being written to ``fh`` (seekable, positioned at 0), member by member."""

    def __init__(self, fh: BinaryIO) -> None:
        self.fh = fh
        self.entries: list[_Entry] = []
        self.names: set[str] = set()
        self.comment = b""

    def _start(self, name: str, like: zipfile.ZipInfo | None) -> _Entry:
        if name in self.names:
            raise ValueError(f"duplicate member {name}")
        offset = self.fh.tell()
        if offset > _LIMIT or len(self.entries) >= _MAX_ENTRIES:
            raise ZipTooLarge(name)
        self.names.add(name)
        entry = _Entry(name, offset)
        if like is not None:
            entry.time, entry.date = dos_time(like.date_time)
            entry.made_by = (like.create_system << 8) | (like.create_version & 0xFF)
            entry.int_attr = like.internal_attr
            entry.ext_attr = like.external_attr
            entry.comment = like.comment
            entry.flags = like.flag_bits & ~(_DESCRIPTOR_FLAG | _UTF8_FLAG)
        self.entries.append(entry)
        return entry

    def _local_header(self, entry: _Entry, name: bytes) -> bytes:
        return LOCAL.pack(
            LOCAL_SIG, entry.extract, entry.flags, entry.compress_type, entry.time,
            entry.date, entry.crc, entry.csize, entry.size, len(name), 0,
        ) + name  # fmt: skip

    def copy_raw(self, src: BinaryIO, info: zipfile.ZipInfo) -> None:
        """Copy member ``info`` of the zip open as ``src``, compressed bytes unchanged."""
        entry = self._start(info.filename, info)
        entry.crc, entry.csize, entry.size = info.CRC, info.compress_size, info.file_size
        entry.compress_type = info.compress_type
        if max(entry.csize, entry.size) > _LIMIT:
            raise ZipTooLarge(info.filename)
        entry.extract = {zipfile.ZIP_STORED: 10, zipfile.ZIP_DEFLATED: 20}.get(
            info.compress_type, max(info.extract_version, 20)
        )
        name, utf8 = _encode_name(info.filename)
        entry.flags |= utf8
        start = raw_data_offset(src, info)
        self.fh.write(self._local_header(entry, name))
        src.seek(start)
        remaining = info.compress_size
        while remaining:
            chunk = src.read(min(_COPY_CHUNK, remaining))
            if not chunk:
                raise zipfile.BadZipFile(f"{info.filename} is truncated")
            self.fh.write(chunk)
            remaining -= len(chunk)

    def open(
        self,
        name: str,
        like: zipfile.ZipInfo | None = None,
        *,
        level: int = 6,
        threaded: bool = False,
        check: StreamCheck | None = None,
        date_time: tuple[int, int, int, int, int, int] = (1980, 1, 1, 0, 0, 0),
    ) -> MemberWriter:
        """A new deflated member; write its bytes, then ``close()`` it. ``like`` lends its
        time, attributes and comment (a changed part keeps those of the original). ``check``
        is given the compressed bytes as they are written (see :mod:`~crmxl.workbook.xmlcheck`)."""
        entry = self._deflated_entry(name, like, date_time)
        return MemberWriter(self, entry, level, threaded, check)

    def _deflated_entry(
        self,
        name: str,
        like: zipfile.ZipInfo | None,
        date_time: tuple[int, int, int, int, int, int],
    ) -> _Entry:
        """Start a deflated member: its entry, and its local header written."""
        entry = self._start(name, like)
        if like is None:
            entry.time, entry.date = dos_time(date_time)
        entry.compress_type = zipfile.ZIP_DEFLATED
        entry.flags &= ~0x06  # the deflate option bits describe the old compression
        encoded, utf8 = _encode_name(name)
        entry.flags |= utf8
        self.fh.write(self._local_header(entry, encoded))
        return entry

    def open_in_child(
        self,
        name: str,
        like: zipfile.ZipInfo | None = None,
        *,
        level: int = 6,
        date_time: tuple[int, int, int, int, int, int] = (1980, 1, 1, 0, 0, 0),
        by_parts: bool = False,
    ) -> ChildMemberWriter | None:
        """Like :meth:`open`, but deflated, written and checked by a child process (see
        :mod:`~crmxl.workbook.deflater`); None (and nothing written) where that cannot be.
        ``by_parts``: the member is ``like`` rewritten, and the writer records what it
        replaced in the member's :attr:`~ChildMemberWriter.ledger` (see
        :mod:`~crmxl.workbook.byparts`): the child checks it by its parts."""
        if os.name != "posix" or not hasattr(os, "pwrite"):
            return None
        try:
            fd = self.fh.fileno()
        except (AttributeError, OSError, ValueError):  # not a real file (a BytesIO)
            return None
        encoded, _ = _encode_name(name)
        data_offset = self.fh.tell() + LOCAL.size + len(encoded)
        self.fh.flush()
        source = f"{like.CRC}:{like.file_size}" if like is not None and by_parts else "-"
        try:
            proc = child.start(
                "crmxl.workbook.deflater",
                [str(fd), str(data_offset), str(level), source],
                stdin=True,
                pass_fds=[fd],
            )
        except OSError:
            return None
        entry = self._deflated_entry(name, like, date_time)
        if self.fh.tell() != data_offset:  # cannot be: the header is 30 bytes and the name
            child.stop(proc)
            raise AssertionError("local header size")
        self.fh.flush()
        member = ChildMemberWriter(self, entry, proc, data_offset)
        if source != "-":
            member.ledger = Ledger()
        return member

    def write(
        self,
        name: str,
        data: bytes,
        like: zipfile.ZipInfo | None = None,
        *,
        level: int = 6,
        date_time: tuple[int, int, int, int, int, int] = (1980, 1, 1, 0, 0, 0),
    ) -> None:
        """A whole new member at once."""
        with self.open(name, like, level=level, date_time=date_time) as member:
            member.write(data)

    def _finish(self, entry: _Entry) -> None:
        """Fill in the local header of a member just written."""
        if max(entry.csize, entry.size) > _LIMIT:
            raise ZipTooLarge(entry.name)
        end = self.fh.tell()
        self.fh.seek(entry.offset + 14)
        self.fh.write(struct.pack("<III", entry.crc, entry.csize, entry.size))
        self.fh.seek(end)

    def close(self) -> None:
        """Write the central directory and the end record."""
        start = self.fh.tell()
        for e in self.entries:
            name, _ = _encode_name(e.name)
            self.fh.write(
                _CENTRAL.pack(
                    _CENTRAL_SIG, e.made_by, e.extract, e.flags, e.compress_type, e.time,
                    e.date, e.crc, e.csize, e.size, len(name), 0, len(e.comment), 0,
                    e.int_attr, e.ext_attr, e.offset,
                ) + name + e.comment
            )  # fmt: skip
        end = self.fh.tell()
        if end > _LIMIT:
            raise ZipTooLarge("central directory")
        n = len(self.entries)
        comment = self.comment[:0xFFFF]
        self.fh.write(_END.pack(_END_SIG, 0, 0, n, n, end - start, start, len(comment)) + comment)


class _Member:
    """What both member writers share: batched writes and use as a context manager."""

    _BATCH = 1 << 20  # small writes are joined into pieces of about this size

    def __init__(self) -> None:
        self.pending: list[bytes] = []
        self.pending_size = 0

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def write(self, data: bytes) -> None:
        """Add ``data`` to the member (buffered: many small pieces are joined first)."""
        self.pending.append(data)
        self.pending_size += len(data)
        if self.pending_size >= self._BATCH:
            self._flush()

    def _flush(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def abort(self) -> None:
        raise NotImplementedError


class MemberWriter(_Member):
    """The body of one new member: deflates and checksums what is written to it."""

    _QUEUE_DEPTH = 8

    def __init__(
        self,
        owner: ZipWriter,
        entry: _Entry,
        level: int,
        threaded: bool,
        check: StreamCheck | None = None,
    ) -> None:
        super().__init__()
        self.owner = owner
        self.check = check
        self.entry = entry
        self.compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
        self.crc = 0
        self.size = 0
        self.csize = 0
        self.error: BaseException | None = None
        self.queue: queue.Queue[bytes | None] | None = None
        self.thread: threading.Thread | None = None
        if threaded and concurrency.helpers():
            self.queue = queue.Queue(self._QUEUE_DEPTH)
            self.thread = threading.Thread(target=self._work, name="crmxl-deflate", daemon=True)
            self.thread.start()

    def _consume(self, data: bytes) -> None:
        self.crc = zlib.crc32(data, self.crc)
        self.size += len(data)
        out = self.compressor.compress(data)
        if out:
            self.owner.fh.write(out)
            self.csize += len(out)
            if self.check is not None:
                self.check.feed(out)

    def _work(self) -> None:
        assert self.queue is not None
        while True:
            data = self.queue.get()
            if data is None:
                return
            if self.error is None:
                try:
                    self._consume(data)
                except BaseException as exc:  # reported by close()
                    self.error = exc

    def _flush(self) -> None:
        if self.error is not None:
            raise self.error
        if not self.pending:
            return
        data = b"".join(self.pending)
        self.pending.clear()
        self.pending_size = 0
        if self.queue is not None:
            self.queue.put(data)
        else:
            self._consume(data)

    def _stop(self) -> None:
        if self.queue is not None and self.thread is not None:
            self.queue.put(None)
            self.thread.join()
            self.queue = None

    def abort(self) -> None:
        """Stop the worker without finishing the member (the whole zip is being abandoned)."""
        self._stop()
        if self.check is not None:
            self.check.stop()

    def close(self) -> None:
        """Finish the member: flush the compressor and fill in its header."""
        self._flush()
        self._stop()
        if self.error is not None:
            raise self.error
        tail = self.compressor.flush()
        self.owner.fh.write(tail)
        self.csize += len(tail)
        if self.check is not None:
            self.check.feed(tail)
            self.check.end_input()
        self.entry.crc, self.entry.size, self.entry.csize = self.crc, self.size, self.csize
        self.owner._finish(self.entry)


def _crc_of(fd: int, offset: int, length: int) -> int:
    """CRC-32 of ``length`` bytes of the file at ``offset`` (read back, not remembered)."""
    crc = 0
    while length > 0:
        chunk = os.pread(fd, min(length, _COPY_CHUNK * 4), offset)
        if not chunk:
            break
        crc = zlib.crc32(chunk, crc)
        offset += len(chunk)
        length -= len(chunk)
    return crc if length == 0 else -1


class ChildMemberWriter(_Member):
    """The body of one new member, deflated into the file by a child process.

    Same use as :class:`MemberWriter`. The CRC and size in the zip directory are computed here,
    from the bytes sent; the child's, of the bytes it received, parsed and deflated, are its
    :meth:`verdict` (with what was wrong, including deflated bytes not read back from the file).
    """

    def __init__(
        self, owner: ZipWriter, entry: _Entry, proc: subprocess.Popen[bytes], data_offset: int
    ) -> None:
        super().__init__()
        self.owner = owner
        self.entry = entry
        self.proc: subprocess.Popen[bytes] | None = proc
        self.data_offset = data_offset
        self.crc = 0
        self.size = 0
        self._verdict: Verdict | None = None
        self.ledger: Ledger | None = None  # set when the child checks by parts
        if proc.stdin is not None:
            child.widen_pipe(proc.stdin)

    def _flush(self) -> None:
        if not self.pending:
            return
        data = b"".join(self.pending)
        self.pending.clear()
        self.pending_size = 0
        self.crc = zlib.crc32(data, self.crc)
        self.size += len(data)
        proc = self.proc
        if proc is None or proc.stdin is None:
            raise ChildFailed(self.entry.name)
        entries = self.ledger.take() if self.ledger is not None else b""
        try:
            if entries:  # what the new bytes replaced, before the bytes themselves
                proc.stdin.write(frame(LEDGER, entries))
            proc.stdin.write(frame_header(DATA, len(data)))
            proc.stdin.write(data)
        except OSError as exc:
            raise ChildFailed(self.entry.name) from exc

    def close(self) -> None:
        """Finish the member: wait for the child, then fill in the header."""
        self._flush()
        answer = child.answer(self.proc)
        self.proc = None
        if isinstance(answer, dict) and "error" in answer:  # the file could not be written
            raise OSError(str(answer["error"]))
        try:
            assert isinstance(answer, dict)
            csize, ccrc = int(answer["csize"]), int(answer["ccrc"])
            crc, size, problem = int(answer["crc"]), int(answer["size"]), str(answer["problem"])
            certified = answer["certified"] is True
        except (AssertionError, KeyError, TypeError, ValueError) as exc:
            raise ChildFailed(self.entry.name) from exc
        if not problem and _crc_of(self.owner.fh.fileno(), self.data_offset, csize) != ccrc:
            problem = "the file does not hold the deflated bytes"
        self._verdict = Verdict(crc, size, problem, certified)
        self.entry.crc, self.entry.size, self.entry.csize = self.crc, self.size, csize
        self.owner.fh.seek(self.data_offset + csize)
        self.owner._finish(self.entry)

    def abort(self) -> None:
        """Stop the child (the whole zip is being abandoned)."""
        child.stop(self.proc)
        self.proc = None

    def verdict(self) -> Verdict | None:
        """What the child found when it inflated and parsed what it wrote (after close)."""
        return self._verdict

    def stop(self) -> None:
        """(For the caller's clean-up; the child is done after close.)"""
        self.abort()
