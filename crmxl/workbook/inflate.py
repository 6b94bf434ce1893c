"""Read a zip member's bytes fast: ISA-L's inflate where it is installed, checked as zipfile
checks them.

A million-row sheet is ~460 MB of XML in ~50 MB of deflate; crmxl inflates it to guard-scan it
and again to patch it. ``zipfile`` inflates with zlib (~0.9 s for that sheet here, plus its
CRC); ISA-L (the ``isal`` package, wheels for Windows, macOS and Linux) does the same in about
half the time. :func:`open_member` reads the member's compressed bytes straight from the file
(after its local header) and, at the end, checks the CRC-32 and the size against the zip
directory, raising :class:`zipfile.BadZipFile` on a difference, as ``zipfile`` does. Members
stored another way than deflated or stored, or encrypted, are read by ``zipfile`` itself.

Standard library only, ``isal`` optional: the guard's scanning child uses it too.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Callable
from typing import IO, Any

try:
    from isal import isal_zlib as _isal
except ImportError:  # pragma: no cover - a dependency; zlib does the same, more slowly
    _isal = None  # type: ignore[assignment]

#: A zip member's local header and its signature (also written by crmxl.workbook.zipcopy).
LOCAL = struct.Struct("<IHHHHHIIIHH")
LOCAL_SIG = 0x04034B50
_RAW_CHUNK = 1 << 20

crc32: Callable[[Any, int], int] = _isal.crc32 if _isal is not None else zlib.crc32


def _decompressobj() -> Any:
    if _isal is not None:
        return _isal.decompressobj(-zlib.MAX_WBITS)
    return zlib.decompressobj(-zlib.MAX_WBITS)


def raw_data_offset(fh: IO[bytes], info: zipfile.ZipInfo) -> int:
    """Where a member's compressed data starts in the zip file ``fh`` (after its local
    header)."""
    fh.seek(info.header_offset)
    header = fh.read(LOCAL.size)
    if len(header) != LOCAL.size or LOCAL.unpack(header)[0] != LOCAL_SIG:
        raise zipfile.BadZipFile(f"bad local header for {info.filename}")
    name_len, extra_len = LOCAL.unpack(header)[9:11]
    return info.header_offset + LOCAL.size + name_len + extra_len


class MemberReader:
    """``read(n)`` gives up to ``n`` of the member's bytes (b"" at the end); the last read
    checks the CRC and size."""

    def __init__(self, fh: IO[bytes], info: zipfile.ZipInfo) -> None:
        self.fh = fh
        self.name = info.filename
        self.pos = raw_data_offset(fh, info)
        self.left = info.compress_size
        self.expect = (info.CRC, info.file_size)
        self.inflate = _decompressobj() if info.compress_type == zipfile.ZIP_DEFLATED else None
        self.pending = b""  # compressed bytes not inflated yet (beyond what was asked)
        self.crc = 0
        self.size = 0
        self.rest = b""  # inflated bytes not given yet
        self.done = False  # no input left

    def _raw(self) -> bytes:
        if not self.left:
            return b""
        self.fh.seek(self.pos)
        data = self.fh.read(min(_RAW_CHUNK, self.left))
        if not data:
            raise zipfile.BadZipFile(f"{self.name} is truncated")
        self.pos += len(data)
        self.left -= len(data)
        return data

    def read(self, n: int = -1) -> bytes:
        limit = n if n > 0 else 1 << 62
        while True:
            if self.rest:  # what the inflater gave beyond ``limit`` at its flush
                out, self.rest = self.rest[:limit], self.rest[limit:]
                return self._count(out)
            if self.done:
                return b""
            data = self.pending or self._raw()
            if self.inflate is None:  # stored
                if not data:
                    self._finish()
                    continue
                out, self.pending = data[:limit], data[limit:]
            else:
                out = self._inflate(data, limit)  # b"" input: what it still holds
                if not data and not out:  # no input left, nothing held back: the end
                    self.rest = self._guarded(self.inflate.flush)
                    self._finish()
                    continue
            if out:
                return self._count(out)

    def _inflate(self, data: bytes, limit: int) -> bytes:
        inflate = self.inflate
        assert inflate is not None
        out: bytes = self._guarded(lambda: inflate.decompress(data, limit))
        self.pending = inflate.unconsumed_tail
        if inflate.eof:  # what follows the stream is not the member's
            self.pending, self.left = b"", 0
        return out

    def _guarded(self, work: Callable[[], bytes]) -> bytes:
        try:
            return work()
        except Exception as exc:  # zlib.error; ISA-L's IsalError is no subclass of it
            raise zipfile.BadZipFile(f"{self.name!r}: {exc}") from exc

    def _count(self, out: bytes) -> bytes:
        self.crc = crc32(out, self.crc)
        self.size += len(out)
        if self.size > self.expect[1]:
            raise zipfile.BadZipFile(f"{self.name!r} is longer than stated")
        if self.done and not self.rest and (self.crc, self.size) != self.expect:
            raise zipfile.BadZipFile(f"Bad CRC-32 or size for file {self.name!r}")
        return out

    def _finish(self) -> None:
        """The end of the input: the CRC and size are checked (after ``rest`` is read)."""
        self.done = True
        if not self.rest and (self.crc, self.size) != self.expect:
            raise zipfile.BadZipFile(f"Bad CRC-32 or size for file {self.name!r}")

    def close(self) -> None:
        pass


def open_member(zf: zipfile.ZipFile, fh: IO[bytes], info: zipfile.ZipInfo) -> Any:
    """A reader of ``info``'s bytes (``read(n)``): :class:`MemberReader` over ``fh`` (the
    zip's file, opened separately) for deflated and stored members, else ``zipfile``'s own."""
    plain = info.compress_type in (zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED)
    if not plain or info.flag_bits & 0x1:
        return zf.open(info)
    return MemberReader(fh, info)
