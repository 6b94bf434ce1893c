"""Zip member names as Excel reads them: backslashes are slashes, case does not matter.

Some .NET and PHP writers store ``xl\\workbook.xml``; OPC part names are case-insensitive, so
``xl/WorkBook.xml`` is the part ``/xl/workbook.xml`` refers to. Excel opens both. Python's
:mod:`zipfile` does neither (on POSIX a backslash is part of the name). :func:`open_zip` opens
a package so that every member can also be opened by its *canonical* name (backslashes made
slashes; the member's own case kept), and :func:`find_member` finds a part a relationship
names whatever its case. Two members whose canonical names differ only in case are the same
part twice: :func:`duplicate_names` finds them (the guard refuses such a file).
"""

from __future__ import annotations

import copy
import zipfile
from collections.abc import Collection, Iterable
from pathlib import Path


def canonical(name: str) -> str:
    """A member name with backslashes as slashes and no leading slash."""
    return name.replace("\\", "/").lstrip("/")


def open_zip(path: Path | str) -> zipfile.ZipFile:
    """``zipfile.ZipFile(path)`` in which each member also answers to its canonical name.

    ``namelist()`` still gives the names as stored; use :func:`canonical_names` for the
    others. (``ZipFile.open`` checks a member's local header against the *stored* name, which
    an alias keeps.)
    """
    zf = zipfile.ZipFile(path)
    for info in zf.infolist():
        alias = canonical(info.filename)
        if alias != info.filename and alias not in zf.NameToInfo:
            zf.NameToInfo[alias] = info
    return zf


def canonical_info(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    """``info``, or a copy of it under its canonical name: how a member is written again.
    (Open members by name, not by such a copy: the stored name is checked.)"""
    name = canonical(info.filename)
    if name == info.filename:
        return info
    renamed = copy.copy(info)
    renamed.filename = name
    return renamed


def canonical_names(zf: zipfile.ZipFile) -> list[str]:
    """The canonical name of every member, in the zip's order."""
    return [canonical(i.filename) for i in zf.infolist()]


def duplicate_names(names: Iterable[str]) -> list[str]:
    """The names stored more than once, counting ``a\\b`` as ``a/b`` and ignoring case."""
    seen: set[str] = set()
    twice: list[str] = []
    for name in names:
        key = canonical(name).casefold()
        if key in seen:
            twice.append(canonical(name))
        seen.add(key)
    return twice


def folded_names(names: Iterable[str]) -> dict[str, str]:
    """``{name.casefold(): name}``: what :func:`find_member` looks parts up in."""
    return {name.casefold(): name for name in names}


def find_member(names: Collection[str], folded: dict[str, str], part: str) -> str:
    """The member ``part`` (a canonical package path) refers to: itself when present, else
    the one that matches it but for case (``folded``: :func:`folded_names` of ``names``);
    ``part`` when there is none."""
    if part in names:
        return part
    return folded.get(part.casefold(), part)
