"""Safe saves (SPEC 4): lock files, changed-since-read, verification, backups, atomic replace.

Every refusal must leave the workbook byte for byte as it was and no temporary file behind.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import stat
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import corpus_files
from xlsxkit import make_package, members, openpyxl_cells, raw_members, sheet_xml

import crmxl.workbook.fileops as fileops
import crmxl.workbook.patch as patch_module
import crmxl.workbook.sheetrows as sheetrows
from crmxl.errors import InputFileError, WriteRefusedError
from crmxl.i18n import catalog, placeholders
from crmxl.workbook import WorkbookWriter, check_not_open, fingerprint
from crmxl.workbook.save import (
    backups_of,
    excel_lock_owner,
    libreoffice_lock_owner,
    make_backup,
    prune_backups,
)

ROWS = '<row r="1"><c r="A1" t="inlineStr"><is><t>客户编号</t></is></c></row>'


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return make_package(tmp_path / "crm.xlsx", {"客户档案": sheet_xml(ROWS)})


def _writer(path: Path, **kw: Any) -> WorkbookWriter:
    writer = WorkbookWriter(path, **kw)
    writer.set_cell("客户档案", 2, 1, "C001")
    return writer


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if "crmxl-tmp" in p.name)


def excel_owner_file(name: str, ansi: bytes | None = None) -> bytes:
    """An Excel/WPS owner file: length + name in the code page, padded to 54 bytes, then the
    length again and the name in UTF-16, padded with spaces (165 bytes in all)."""
    n = len(name)
    first = bytes([n]) + (ansi if ansi is not None else name.encode("gbk"))
    first = first.ljust(54, b" ")
    second = bytes([n, 0]) + name.encode("utf-16-le")
    return (first + second).ljust(165, b" ")


# -- lock files ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "code", "owner"),
    [
        (excel_owner_file("张三"), "file-locked-excel", "张三"),
        (excel_owner_file("Li Wei"), "file-locked-excel", "Li Wei"),
        (excel_owner_file("王芳")[:54], "file-locked-excel", "王芳"),  # only the code-page copy
        (b"", "file-locked-excel-anon", None),
        (b"\xff" * 10, "file-locked-excel-anon", None),
    ],
    ids=["utf16-zh", "utf16-en", "codepage-only", "empty", "garbage"],
)
def test_excel_lock_file_refuses(book: Path, content: bytes, code: str, owner: str | None) -> None:
    before = book.read_bytes()
    writer = _writer(book)
    (book.parent / "~$crm.xlsx").write_bytes(content)
    with pytest.raises(WriteRefusedError) as info:
        writer.save()
    assert info.value.code == code
    for lang in ("zh", "en"):
        message = info.value.render(lang)
        assert "crm.xlsx" in message and "~$crm.xlsx" in message and "\n" not in message
        if owner:
            assert owner in message
    assert book.read_bytes() == before and _leftovers(book.parent) == []


@pytest.mark.parametrize(
    ("content", "code", "holder"),
    [
        ("王芳,wangfang,PC-07,23.11.2026 10:15,file:///home/wangfang/.config/libreoffice/4;",
         "file-locked-libreoffice", "王芳 (wangfang@PC-07)"),
        (",zhang,host1,23.11.2026 10:15,file:///x;", "file-locked-libreoffice", "zhang@host1"),
        (r"Li\, Wei,li,pc,23.11.2026 10:15,file:///x;", "file-locked-libreoffice", "Li, Wei"),
        ("", "file-locked-libreoffice-anon", None),
    ],
    ids=["full", "no-name", "escaped-comma", "empty"],
)  # fmt: skip
def test_libreoffice_lock_file_refuses(
    book: Path, content: str, code: str, holder: str | None
) -> None:
    (book.parent / ".~lock.crm.xlsx#").write_text(content, encoding="utf-8")
    with pytest.raises(WriteRefusedError) as info:
        check_not_open(book)
    assert info.value.code == code
    if holder:
        assert holder in info.value.render("zh") and holder in info.value.render("en")
    with pytest.raises(WriteRefusedError):
        _writer(book).save()


def test_lock_owner_parsers() -> None:
    assert excel_lock_owner(excel_owner_file("Ана")) == "Ана"
    assert excel_lock_owner(b"\x00") is None
    assert libreoffice_lock_owner(b"a,b,c,d,e;") == "a (b@c)"
    assert libreoffice_lock_owner(b"no fields") is None


def test_a_lock_that_appears_while_writing_refuses(
    book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = book.read_bytes()
    real = patch_module.verify_package

    def verify_then_open_in_excel(*args: Any) -> None:
        real(*args)
        (book.parent / "~$crm.xlsx").write_bytes(excel_owner_file("张三"))

    monkeypatch.setattr(patch_module, "verify_package", verify_then_open_in_excel)
    with pytest.raises(WriteRefusedError) as info:
        _writer(book).save()
    assert info.value.code == "file-locked-excel"
    assert book.read_bytes() == before and _leftovers(book.parent) == []


def test_the_target_of_a_copy_is_checked_for_locks_too(book: Path) -> None:
    target = book.parent / "annotated.xlsx"
    (book.parent / ".~lock.annotated.xlsx#").write_text("x,y,z,d,p;")
    with pytest.raises(WriteRefusedError):
        _writer(book).save(target)
    assert not target.exists()


# -- changed since read --------------------------------------------------------------------


def test_a_file_changed_since_read_is_refused(book: Path) -> None:
    writer = _writer(book)
    changed = make_package(book.parent / "other.xlsx", {"客户档案": sheet_xml("")}).read_bytes()
    book.write_bytes(changed)
    with pytest.raises(WriteRefusedError) as info:
        writer.save()
    assert info.value.code == "file-changed"
    assert "crm.xlsx" in info.value.render("zh")
    assert book.read_bytes() == changed and _leftovers(book.parent) == []


def test_the_fingerprint_taken_at_read_is_the_one_checked(book: Path) -> None:
    seen = fingerprint(book)
    shutil.copy(make_package(book.parent / "o.xlsx", {"客户档案": sheet_xml("")}), book)
    with pytest.raises(WriteRefusedError) as info:
        _writer(book, fingerprint=seen).save()
    assert info.value.code == "file-changed"


def test_a_change_while_writing_is_refused(book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = patch_module.verify_package

    def verify_then_edit(*args: Any) -> None:
        real(*args)
        with book.open("ab") as fh:
            fh.write(b"someone saved")

    monkeypatch.setattr(patch_module, "verify_package", verify_then_edit)
    with pytest.raises(WriteRefusedError) as info:
        _writer(book).save()
    assert info.value.code == "file-changed"
    assert book.read_bytes().endswith(b"someone saved") and _leftovers(book.parent) == []


def test_touched_but_unchanged_is_not_a_change(book: Path) -> None:
    writer = _writer(book)
    os.utime(book, (1_000_000_000, 1_000_000_000))
    assert writer.save(backup=False).cells_written == 1


def test_fingerprint(book: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.xlsx"
    shutil.copy(book, copy)
    assert fingerprint(copy).same_content(fingerprint(book))
    assert fingerprint(copy).sha256 == fingerprint(book).sha256
    with copy.open("ab") as fh:
        fh.write(b"x")
    assert not fingerprint(copy).same_content(fingerprint(book))


# -- backups --------------------------------------------------------------------------------


def test_a_backup_is_kept_beside_the_file(book: Path) -> None:
    before = book.read_bytes()
    report = _writer(book).save()
    assert report.backup is not None and report.backup.parent == book.parent / ".crmxl-backups"
    assert re.fullmatch(r"crm\.\d{8}-\d{6}\.xlsx", report.backup.name)
    assert report.backup.read_bytes() == before
    assert book.read_bytes() != before


def test_backups_are_pruned_to_the_last_ten(book: Path) -> None:
    folder = book.parent / ".crmxl-backups"
    folder.mkdir()
    for day in range(1, 13):
        (folder / f"crm.202601{day:02d}-090000.xlsx").write_bytes(b"old")
    (folder / "other.20260101-090000.xlsx").write_bytes(b"not ours")
    report = _writer(book).save()
    kept = backups_of(book)
    assert len(kept) == 10 and kept[-1] == report.backup
    assert kept[0].name == "crm.20260104-090000.xlsx"  # the three oldest went
    assert (folder / "other.20260101-090000.xlsx").exists()


def test_backups_in_the_same_second_get_a_counter(book: Path, tmp_path: Path) -> None:
    now = dt.datetime(2026, 11, 23, 10, 15, 2)
    first = make_backup(book, tmp_path / "b", now)
    second = make_backup(book, tmp_path / "b", now)
    assert (first.name, second.name) == ("crm.20261123-101502.xlsx", "crm.20261123-101502-2.xlsx")
    assert backups_of(book, tmp_path / "b") == [first, second]
    assert prune_backups(book, 1, tmp_path / "b") == [first]


def test_no_backup_when_asked_and_a_chosen_folder(book: Path, tmp_path: Path) -> None:
    assert _writer(book).save(backup=False).backup is None
    assert not (book.parent / ".crmxl-backups").exists()
    report = _writer(book).save(backup_dir=tmp_path / "elsewhere")
    assert report.backup is not None and report.backup.parent == tmp_path / "elsewhere"


# -- failures leave everything as it was ----------------------------------------------------


def test_a_failed_verification_leaves_the_original(
    book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = book.read_bytes()
    monkeypatch.setattr(sheetrows, "cell_xml", lambda *a, **k: b"<c><broken>")
    with pytest.raises(WriteRefusedError) as info:
        _writer(book).save()
    assert info.value.code == "verify-failed"
    assert "well-formed" in info.value.render("en")
    assert book.read_bytes() == before
    assert _leftovers(book.parent) == [] and not (book.parent / ".crmxl-backups").exists()


def test_a_crash_while_building_leaves_no_temporary_file(
    book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = book.read_bytes()

    def boom(*args: Any, **kwargs: Any) -> bytes:
        raise RuntimeError("bug")

    monkeypatch.setattr(sheetrows, "cell_xml", boom)
    with pytest.raises(RuntimeError):
        _writer(book).save()
    assert book.read_bytes() == before and _leftovers(book.parent) == []


def test_the_temporary_file_sits_beside_the_target(
    book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []
    real = patch_module.verify_package

    def look(path: Path, *args: Any) -> None:
        seen.extend(_leftovers(book.parent))
        assert path.parent == book.parent
        real(path, *args)

    monkeypatch.setattr(patch_module, "verify_package", look)
    _writer(book).save()
    assert len(seen) == 1 and re.fullmatch(r"\.crm\.crmxl-tmp-[0-9a-f]{8}\.xlsx", seen[0])
    assert _leftovers(book.parent) == []


def test_a_file_held_by_another_program(book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = book.read_bytes()
    monkeypatch.setattr(fileops, "RETRY_DELAYS", (0.01, 0.01))

    def held(src: Any, dst: Any) -> None:
        raise PermissionError(13, "in use")

    monkeypatch.setattr(os, "replace", held)
    with pytest.raises(WriteRefusedError) as info:
        _writer(book).save(backup=False)
    assert info.value.code == "file-in-use"
    assert book.read_bytes() == before and _leftovers(book.parent) == []


@pytest.mark.skipif(sys.platform == "win32", reason="Windows files have no POSIX permission bits")
def test_permission_bits_are_kept(book: Path) -> None:
    book.chmod(0o640)
    _writer(book).save(backup=False)
    assert stat.S_IMODE(book.stat().st_mode) == 0o640


# -- targets --------------------------------------------------------------------------------


def test_saving_to_another_file(book: Path) -> None:
    before = book.read_bytes()
    target = book.parent / "copy.xlsx"
    report = _writer(book).save(target)
    assert report.path == target and report.backup is None
    assert book.read_bytes() == before
    assert openpyxl_cells(target)["客户档案"] == {(1, 1): "客户编号", (2, 1): "C001"}


def test_a_target_that_is_not_a_workbook_is_not_replaced(book: Path) -> None:
    target = book.parent / "notes.xlsx"
    target.write_text("my notes, not a workbook")
    with pytest.raises(InputFileError):
        _writer(book).save(target)
    assert target.read_text() == "my notes, not a workbook"
    assert _leftovers(book.parent) == []


def test_macros_survive(tmp_path: Path) -> None:
    src = next(p for p in corpus_files() if p.name == "macro01.xlsm")
    path = tmp_path / src.name
    shutil.copyfile(src, path)  # the corpus is read-only; the copy is ours
    writer = WorkbookWriter(path)
    writer.set_cell("Sheet1", 3, 3, "crmxl")
    writer.save(backup=False)
    assert raw_members(path)["xl/vbaProject.bin"] == raw_members(src)["xl/vbaProject.bin"]
    assert members(path)["[Content_Types].xml"] == members(src)["[Content_Types].xml"]
    assert "macroEnabled" in members(path)["[Content_Types].xml"].decode()


def test_the_report(book: Path) -> None:
    writer = _writer(book)
    writer.set_cell("客户档案", 3, 1, dt.date(2026, 11, 23))
    report = writer.save()
    assert (report.path, report.cells_written, report.cells_skipped) == (book, 2, 0)
    assert set(report.parts_changed) == {
        "xl/worksheets/sheet1.xml", "xl/workbook.xml", "xl/styles.xml"
    }  # fmt: skip
    assert report.seconds > 0 and not report.dry_run
    assert json.loads(json.dumps(report.to_dict()))["cells_written"] == 2


def test_messages_are_in_both_languages() -> None:
    codes = ["file-locked-excel", "file-locked-excel-anon", "file-locked-libreoffice",
             "file-locked-libreoffice-anon", "file-changed", "file-in-use", "verify-failed",
             "write-failed", "backup-failed", "write-unknown-sheet", "write-not-worksheet",
             "sheet-xml-unsupported", "write-too-many-cells", "write-too-large"]  # fmt: skip
    messages = catalog()
    for code in codes:
        zh, en = messages[code]
        assert zh != en and placeholders(zh) == placeholders(en), code
        assert "path" in placeholders(zh), code


def test_a_symbolic_link_keeps_pointing_at_the_workbook(book: Path, tmp_path: Path) -> None:
    link = tmp_path / "link.xlsx"
    link.symlink_to(book)
    writer = WorkbookWriter(link)
    writer.set_cell("客户档案", 2, 1, "C001")
    writer.save(backup=False)
    assert link.is_symlink() and link.resolve() == book.resolve()
    assert openpyxl_cells(book)["客户档案"][(2, 1)] == "C001"
    assert _leftovers(tmp_path) == []


def test_a_writer_saves_in_place_once(book: Path) -> None:
    writer = _writer(book)
    writer.save(backup=False)
    with pytest.raises(RuntimeError, match="open a new one"):
        writer.save(backup=False)
    again = WorkbookWriter(book)
    again.set_cell("客户档案", 3, 1, "C002")
    assert again.save(backup=False).cells_written == 1


# -- not ours to write: read-only files, WPS on Linux ---------------------------------------


@pytest.mark.skipif(os.name == "nt", reason="POSIX modes; the attribute test below is Windows's")
def test_a_read_only_file_is_refused(book: Path) -> None:
    before = book.read_bytes()
    writer = _writer(book)
    book.chmod(0o444)
    with pytest.raises(WriteRefusedError) as info:
        writer.save()
    assert info.value.code == "file-read-only"
    for lang in ("zh", "en"):
        assert "crm.xlsx" in info.value.render(lang) and "\n" not in info.value.render(lang)
    assert book.read_bytes() == before and stat.S_IMODE(book.stat().st_mode) == 0o444
    assert _leftovers(book.parent) == [] and not (book.parent / ".crmxl-backups").exists()


@pytest.mark.skipif(os.name != "nt", reason="the read-only attribute is Windows's")
def test_a_file_with_the_windows_read_only_attribute_is_refused(book: Path) -> None:
    before = book.read_bytes()
    os.chmod(book, stat.S_IREAD)  # sets FILE_ATTRIBUTE_READONLY on Windows
    try:
        with pytest.raises(WriteRefusedError) as info:
            _writer(book).save()
        assert info.value.code == "file-read-only" and book.read_bytes() == before
    finally:
        os.chmod(book, stat.S_IREAD | stat.S_IWRITE)


def test_a_read_only_copy_target_is_refused_too(book: Path, tmp_path: Path) -> None:
    target = make_package(tmp_path / "annotated.xlsx", {"客户档案": sheet_xml("")})
    kept = target.read_bytes()
    target.chmod(0o444)
    with pytest.raises(WriteRefusedError) as info:
        _writer(book).save(target)
    assert info.value.code == "file-read-only" and target.read_bytes() == kept


def test_wps_on_linux_lock_file_refuses(book: Path) -> None:
    before = book.read_bytes()
    (book.parent / ".~crm.xlsx").write_bytes(b"")
    with pytest.raises(WriteRefusedError) as info:
        _writer(book).save()
    assert info.value.code == "file-locked-wps"
    for lang in ("zh", "en"):
        assert "WPS" in info.value.render(lang) and ".~crm.xlsx" in info.value.render(lang)
    assert book.read_bytes() == before and _leftovers(book.parent) == []


# -- another program holds the file (Windows sharing violations, injected) -----------------


def _held_replace(times: int) -> Any:
    calls = []
    real = os.replace

    def replace(src: Any, dst: Any) -> None:
        calls.append(dst)
        if len(calls) <= times:
            raise PermissionError(13, "The process cannot access the file", None, 32)
        real(src, dst)

    replace.calls = calls  # type: ignore[attr-defined]
    return replace


def test_a_file_held_for_a_moment_is_replaced_after_a_retry(
    book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fileops, "RETRY_DELAYS", (0.01, 0.02, 0.04))
    replace = _held_replace(2)
    monkeypatch.setattr(os, "replace", replace)
    before = book.read_bytes()
    report = _writer(book).save()
    assert len(replace.calls) == 3 and report.cells_written == 1
    assert report.backup is not None and report.backup.read_bytes() == before
    assert openpyxl_cells(book)["客户档案"][(2, 1)] == "C001" and _leftovers(book.parent) == []


def test_a_file_held_for_good_names_the_likely_holders_and_loses_nothing(
    book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fileops, "RETRY_DELAYS", (0.01, 0.01))
    monkeypatch.setattr(os, "replace", _held_replace(1000))
    before = book.read_bytes()
    with pytest.raises(WriteRefusedError) as info:
        _writer(book).save()
    assert info.value.code == "file-in-use"
    for lang in ("zh", "en"):
        message = info.value.render(lang)
        assert all(who in message for who in ("Excel", "WPS", "OneDrive")), message
        assert ("杀毒软件" if lang == "zh" else "antivirus") in message and "\n" not in message
    assert book.read_bytes() == before and _leftovers(book.parent) == []
    assert backups_of(book) == []  # the backup made for this save went with it


# -- backups appear whole -------------------------------------------------------------------


def test_without_hard_links_a_backup_is_copied_then_renamed(
    book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(*args: Any, **kwargs: Any) -> None:
        raise OSError(1, "Operation not permitted")  # FAT, exFAT, some network shares

    monkeypatch.setattr(os, "link", no_links)
    before = book.read_bytes()
    report = _writer(book).save()
    assert report.backup is not None and report.backup.read_bytes() == before
    assert _leftovers(book.parent / ".crmxl-backups") == []


def test_a_backup_cut_short_is_never_kept_under_a_backups_name(
    book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(*args: Any, **kwargs: Any) -> None:
        raise OSError(1, "Operation not permitted")

    def disk_full(src: Any, dst: Any) -> None:
        Path(dst).write_bytes(Path(src).read_bytes()[:100])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "link", no_links)
    monkeypatch.setattr(shutil, "copy2", disk_full)
    before = book.read_bytes()
    with pytest.raises(WriteRefusedError) as info:
        _writer(book).save()
    assert info.value.code == "backup-failed" and book.read_bytes() == before
    assert backups_of(book) == [] and _leftovers(book.parent / ".crmxl-backups") == []
    assert _leftovers(book.parent) == []


def test_a_partial_backup_a_killed_run_left_is_not_counted_and_goes(book: Path) -> None:
    folder = book.parent / ".crmxl-backups"
    folder.mkdir()
    partial = folder / ".crm.crmxl-tmp-0badf00d.xlsx"
    partial.write_bytes(b"PK\x03\x04 cut short")
    stale = book.parent / ".crm.crmxl-tmp-12345678.xlsx"
    stale.write_bytes(b"PK\x03\x04 cut short")
    assert backups_of(book) == []
    report = _writer(book).save()
    assert backups_of(book) == [report.backup]
    assert not partial.exists() and not stale.exists()


def test_new_messages_are_in_both_languages() -> None:
    messages = catalog()
    for code in ("file-read-only", "file-locked-wps", "file-being-written"):
        zh, en = messages[code]
        assert zh != en and placeholders(zh) == placeholders(en) and "path" in placeholders(zh)
