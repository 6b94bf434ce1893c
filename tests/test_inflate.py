"""Reading a zip member with crmxl/workbook/inflate.py (ISA-L's inflate where installed): the
bytes zipfile gives, and zipfile's one error (``BadZipFile``) for every damage it finds."""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path
from typing import Any

import pytest

from crmxl.workbook import inflate
from crmxl.workbook.inflate import open_member

# Sheet-like text: repetitive (deflates well) with some noise, over several 1 MiB raw chunks.
_rng = random.Random(7)
BODY = b"".join(
    b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (i, i, _rng.randrange(10**9))
    for i in range(1, 120_000)
)


def _zip(tmp_path: Path, method: int = zipfile.ZIP_DEFLATED) -> Path:
    path = tmp_path / "x.zip"
    with zipfile.ZipFile(path, "w", method) as zf:
        zf.writestr("first.txt", b"before")
        zf.writestr("xl/worksheets/sheet1.xml", BODY)
        zf.writestr("last.txt", b"after")
    return path


def _read_all(path: Path, info: zipfile.ZipInfo, n: int) -> bytes:
    with zipfile.ZipFile(path) as zf, path.open("rb") as raw:
        reader = open_member(zf, raw, info)
        pieces = []
        while chunk := reader.read(n):
            assert len(chunk) <= n
            pieces.append(chunk)
        assert reader.read(n) == b""
        return b"".join(pieces)


def _info(path: Path, name: str = "xl/worksheets/sheet1.xml") -> zipfile.ZipInfo:
    with zipfile.ZipFile(path) as zf:
        return zf.getinfo(name)


@pytest.mark.parametrize("with_isal", [True, False])
@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
@pytest.mark.parametrize("n", [1, 4096, 1 << 20, 1 << 24])
def test_the_bytes_are_the_members(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, with_isal: bool, method: int, n: int
) -> None:
    if not with_isal:
        monkeypatch.setattr(inflate, "_isal", None)
    path = _zip(tmp_path, method)
    if n == 1:  # byte by byte: a short member
        assert _read_all(path, _info(path, "last.txt"), n) == b"after"
    else:
        assert _read_all(path, _info(path), n) == BODY


def _with(info: zipfile.ZipInfo, **changes: Any) -> zipfile.ZipInfo:
    copy = zipfile.ZipInfo(info.filename, info.date_time)
    for field in ("compress_type", "compress_size", "file_size", "CRC", "header_offset"):
        setattr(copy, field, getattr(info, field))
    copy.flag_bits = info.flag_bits
    for key, value in changes.items():
        setattr(copy, key, value)
    return copy


@pytest.mark.parametrize("with_isal", [True, False])
def test_a_wrong_crc_or_size_is_a_bad_zip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, with_isal: bool
) -> None:
    if not with_isal:
        monkeypatch.setattr(inflate, "_isal", None)
    path = _zip(tmp_path)
    info = _info(path)
    for bad in (
        _with(info, CRC=info.CRC ^ 1),
        _with(info, file_size=info.file_size - 1),  # longer than stated
        _with(info, file_size=info.file_size + 1),  # shorter than stated
        _with(info, header_offset=info.header_offset + 1),  # no local header there
    ):
        with pytest.raises(zipfile.BadZipFile):
            _read_all(path, bad, 1 << 20)


@pytest.mark.parametrize("with_isal", [True, False])
def test_damaged_deflate_data_is_a_bad_zip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, with_isal: bool
) -> None:
    """Flipped, cut or zeroed compressed bytes: BadZipFile (never ISA-L's own error, which
    callers would not know), as zipfile reports them."""
    if not with_isal:
        monkeypatch.setattr(inflate, "_isal", None)
    path = _zip(tmp_path)
    info = _info(path)
    data = path.read_bytes()
    with path.open("rb") as fh:
        start = inflate.raw_data_offset(fh, info)
    end = start + info.compress_size
    rng = random.Random(3)
    damaged = []
    for _ in range(12):
        at = rng.randrange(start, end)
        damaged.append(data[:at] + bytes([data[at] ^ 0x55]) + data[at + 1 :])
    damaged.append(data[: start + 100] + b"\0" * 5000 + data[start + 5100 :])
    damaged.append(data[: (start + end) // 2])  # the file cut inside the member
    for i, bad in enumerate(damaged):
        bad_path = tmp_path / f"bad{i}.zip"
        bad_path.write_bytes(bad)
        with pytest.raises(zipfile.BadZipFile), bad_path.open("rb") as raw:
            reader = open_member(zipfile.ZipFile(io.BytesIO(data)), raw, info)
            while reader.read(1 << 20):
                pass


def test_other_members_are_read_by_zipfile(tmp_path: Path) -> None:
    path = tmp_path / "x.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_BZIP2) as zf:
        zf.writestr("a.xml", BODY[:5000])
    with zipfile.ZipFile(path) as zf, path.open("rb") as raw:
        reader = open_member(zf, raw, zf.getinfo("a.xml"))
        assert isinstance(reader, zipfile.ZipExtFile)
        assert reader.read() == BODY[:5000]
