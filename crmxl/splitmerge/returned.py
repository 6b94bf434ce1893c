"""A returned split workbook recognised: its manifest read and checked against the master's
变更日志 split record, and the hidden token of each of its rows."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from crmxl.errors import WorkspaceError
from crmxl.i18n import register
from crmxl.model.schema import fold
from crmxl.model.workspace import Table, Workspace
from crmxl.splitmerge import manifest as mf
from crmxl.workbook.guard import check_workbook
from crmxl.workbook.package import Package
from crmxl.workbook.reader import RawBook

_SPLIT_TAG = re.compile(r"\[crmxl ([0-9a-f]{16}) sha256:([0-9a-f]{64})\]")

_ROW_TAG = re.compile(r"\[crmxl ([0-9a-f]{16}) ([0-9a-f]{16})\]")


@dataclass
class SplitLog:
    """What the master's 变更日志 says about splits and merges."""

    splits: dict[str, str] = field(default_factory=dict)  # split ID -> manifest SHA-256
    merged: set[tuple[str, str]] = field(default_factory=set)  # (split ID, row fingerprint)


def read_split_log(ws: Workspace) -> SplitLog:
    log = SplitLog()
    table = ws.tables.get("changelog")
    if table is None or "reason" not in table.data:
        return log
    for reason in table.data["reason"].tolist():
        if not isinstance(reason, str) or "[crmxl " not in reason:
            continue
        m = _SPLIT_TAG.search(reason)
        if m:
            log.splits[m.group(1)] = m.group(2)
            continue
        m = _ROW_TAG.search(reason)
        if m:
            log.merged.add((m.group(1), m.group(2)))
    return log


def is_returned(path: Path) -> bool:
    """Does ``path`` carry a split manifest (is it a person's workbook)?"""
    check_workbook(path)
    with Package(path) as pkg:
        return any(s.name == mf.MANIFEST_SHEET for s in pkg.sheets)


def checked_manifest(path: Path, log: SplitLog) -> mf.Manifest:
    """The manifest of a returned workbook, checked against the master's 变更日志."""
    check_workbook(path)
    rows = mf.read_rows(path)
    if rows is None:
        raise WorkspaceError("merge-not-split", path=path)
    try:
        manifest = mf.parse(rows)
    except mf.ManifestError as exc:
        raise WorkspaceError("merge-bad-manifest", path=path, detail=str(exc)) from exc
    recorded = log.splits.get(manifest.split_id)
    if recorded is None:
        raise WorkspaceError("merge-other-master", path=path, owner=manifest.owner)
    if recorded != mf.digest(rows):
        raise WorkspaceError("merge-manifest-altered", path=path)
    return manifest


def row_tokens(path: Path, table: Table) -> pd.Series:
    """The token of each row of a returned sheet (NaN where there is none)."""
    empty = pd.Series(np.nan, index=table.data.index, dtype="float64")
    column = next((h for h in table.extra.values() if fold(h) == fold(mf.TOKEN_HEADER)), None)
    if column is None:
        return empty
    frame, _ = RawBook(path).load(table.sheet_name, header_row=table.header_row, columns=[column])
    if frame.shape[1] == 0:
        return empty
    start = table.header_row + 1
    values = pd.to_numeric(frame.iloc[:, 0], errors="coerce").to_numpy(dtype="float64")
    tokens = pd.Series(values, index=pd.RangeIndex(start, start + len(values)))
    return tokens.reindex(table.data.index)


register(
    {
        "merge-not-split": (
            "{path} 不是 crmxl split 拆分出的工作簿（没有拆分清单），未合并任何文件",
            "{path} is not a workbook made by crmxl split (no manifest); nothing was merged",
        ),
        "merge-bad-manifest": (
            "{path} 的拆分清单无法读取（{detail}），未合并任何文件",
            "The manifest of {path} cannot be read ({detail}); nothing was merged",
        ),
        "merge-other-master": (
            "{path}（{owner}）不是从这个主文件拆分出来的（变更日志中没有这次拆分），未合并任何文件",
            "{path} ({owner}) was not split from this master (its changelog has no record of "
            "the split); nothing was merged",
        ),
        "merge-manifest-altered": (
            "{path} 的拆分清单被改动过，与主文件的记录不符，未合并任何文件",
            "The manifest of {path} was altered and does not match the master's record; "
            "nothing was merged",
        ),
    }
)
