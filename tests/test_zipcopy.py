"""The zip writer: untouched members keep their compressed bytes; new ones read back intact.

Copying compressed bytes leans on the zip format rather than on ``zipfile``'s writer, so the
source zips here carry what real producers write: stored members, data descriptors, UTF-8
names, member comments and extra fields, an archive comment, bytes before the archive.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest
from xlsxkit import make_package, raw_members, sheet_xml

import crmxl.workbook.zipcopy as zipcopy
from crmxl.errors import WriteRefusedError
from crmxl.workbook import WorkbookWriter
from crmxl.workbook.zipcopy import ZipTooLarge, ZipWriter

CONTENT = {
    "[Content_Types].xml": b"<Types/>" * 50,
    "xl/stored.bin": bytes(range(256)) * 4,
    "xl/客户.xml": "<客户>甲有限公司</客户>".encode() * 20,
    "xl/described.xml": b"<row/>" * 1000,
    "xl/with-extra.xml": b"<x/>",
}


def source_zip(path: Path, *, streamed: bool = False, prefix: bytes = b"") -> Path:
    """A zip written by zipfile itself: to a stream that cannot seek (every member then has a
    data descriptor, flag bit 3) or to a file; with ``prefix`` bytes before the archive."""
    buffer = _Unseekable() if streamed else io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", CONTENT["[Content_Types].xml"])
        zf.writestr("xl/stored.bin", CONTENT["xl/stored.bin"], zipfile.ZIP_STORED)
        info = zipfile.ZipInfo("xl/客户.xml", (2026, 11, 23, 10, 15, 2))
        info.comment = "备注".encode()
        zf.writestr(info, CONTENT["xl/客户.xml"], zipfile.ZIP_DEFLATED)
        zf.writestr("xl/described.xml", CONTENT["xl/described.xml"])
        extra = zipfile.ZipInfo("xl/with-extra.xml")
        extra.extra = b"\xca\xfe\x04\x00abcd"
        zf.writestr(extra, CONTENT["xl/with-extra.xml"], zipfile.ZIP_DEFLATED)
        zf.comment = b"archive comment"
    path.write_bytes(prefix + buffer.getvalue())
    with zipfile.ZipFile(path) as zf:
        descriptors = [bool(i.flag_bits & 0x08) for i in zf.infolist() if i.compress_type]
        assert all(descriptors) if streamed else not any(descriptors)
    return path


class _Unseekable(io.BytesIO):
    def seekable(self) -> bool:
        return False

    def seek(self, *args: object, **kwargs: object) -> int:
        raise io.UnsupportedOperation

    def tell(self) -> int:
        return len(self.getvalue())


def _copy(path: Path, out: Path) -> None:
    with zipfile.ZipFile(path) as zf, path.open("rb") as raw, out.open("wb") as fh:
        writer = ZipWriter(fh)
        for info in zf.infolist():
            writer.copy_raw(raw, info)
        writer.comment = zf.comment
        writer.close()


@pytest.mark.parametrize(
    ("streamed", "prefix"),
    [(False, b""), (True, b""), (False, b"MZ-self-extractor-stub" * 10)],
    ids=["plain", "data-descriptors", "prefixed"],
)
def test_raw_copy_keeps_every_member(tmp_path: Path, streamed: bool, prefix: bytes) -> None:
    src = source_zip(tmp_path / "src.zip", streamed=streamed, prefix=prefix)
    out = tmp_path / "out.zip"
    _copy(src, out)
    with zipfile.ZipFile(out) as zf:
        assert zf.testzip() is None
        assert {i.filename: zf.read(i) for i in zf.infolist()} == CONTENT
        infos = {i.filename: i for i in zf.infolist()}
        assert zf.comment == b"archive comment"
    with zipfile.ZipFile(src) as zs:
        old = {i.filename: i for i in zs.infolist()}
    for name, info in infos.items():
        assert (info.CRC, info.compress_size, info.compress_type, info.date_time) == (
            old[name].CRC, old[name].compress_size, old[name].compress_type, old[name].date_time
        )  # fmt: skip
        assert info.comment == old[name].comment
        assert not info.flag_bits & 0x08  # sizes are in the local header now
    assert infos["xl/客户.xml"].flag_bits & 0x800  # a UTF-8 name says so
    assert raw_members(out) == _raw_without_prefix(src, prefix)


def _raw_without_prefix(src: Path, prefix: bytes) -> dict[str, bytes]:
    plain = src.with_name("plain.zip")
    plain.write_bytes(src.read_bytes()[len(prefix) :])
    return raw_members(plain)


@pytest.mark.parametrize("threaded", [False, True])
@pytest.mark.parametrize("level", [1, 3, 6])
def test_new_members_read_back(tmp_path: Path, threaded: bool, level: int) -> None:
    out = tmp_path / "new.zip"
    pieces = [f"<row r='{i}'>{'甲' * (i % 50)}</row>".encode() for i in range(20_000)]
    with out.open("wb") as fh:
        writer = ZipWriter(fh)
        with writer.open("xl/worksheets/sheet1.xml", level=level, threaded=threaded) as member:
            for piece in pieces:
                member.write(piece)
        writer.write("xl/small.xml", b"<a/>", date_time=(2026, 11, 23, 10, 15, 2))
        writer.close()
    with zipfile.ZipFile(out) as zf:
        assert zf.testzip() is None
        assert zf.read("xl/worksheets/sheet1.xml") == b"".join(pieces)
        assert zf.getinfo("xl/small.xml").date_time == (2026, 11, 23, 10, 15, 2)


def test_a_duplicate_member_is_refused(tmp_path: Path) -> None:
    with (tmp_path / "d.zip").open("wb") as fh:
        writer = ZipWriter(fh)
        writer.write("a.xml", b"<a/>")
        with pytest.raises(ValueError):
            writer.write("a.xml", b"<b/>")


def test_a_worker_failure_is_raised_at_close(tmp_path: Path) -> None:
    fh = (tmp_path / "w.zip").open("wb")
    writer = ZipWriter(fh)
    member = writer.open("a.xml", threaded=True)
    fh.close()  # the worker's next write fails
    member.write(b"x" * (2 << 20))
    with pytest.raises(ValueError):
        member.close()


def test_zip64_sizes_are_refused_cleanly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = make_package(tmp_path / "big.xlsx", {"S": sheet_xml("")})
    keep = tmp_path / "keep.xlsx"
    shutil.copy(path, keep)
    monkeypatch.setattr(zipcopy, "_LIMIT", 200)  # as if a part passed 4 GiB
    writer = WorkbookWriter(path)
    writer.set_cell("S", 1, 1, "x" * 1000)
    with pytest.raises(WriteRefusedError) as info:
        writer.save(backup=False)
    assert info.value.code == "write-too-large"
    assert path.read_bytes() == keep.read_bytes()
    with pytest.raises(ZipTooLarge), (tmp_path / "z.zip").open("wb") as fh:
        ZipWriter(fh).write("a.xml", b"y" * 1000, level=0)
