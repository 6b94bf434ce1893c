"""Mapping a source's headers to the target sheet's columns: the schema's names and aliases, a
``--map`` TOML file (renames, ignored columns, defaults for blanks) and the sheet's own extra
columns; what maps to nothing is reported."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from crmxl.errors import InputFileError
from crmxl.i18n import register
from crmxl.importing.read import is_blank_cell
from crmxl.model.schema import (
    SheetSpec,
    YesNo,
    fold,
    match_column,
)
from crmxl.model.workspace import HEADER_SEARCH_ROWS, Table

#: The columns a rejects file adds; ignored when that file is imported again.
REJECT_COLUMNS = {
    "line": ("源行号", "Source Line"),
    "reason": ("拒绝原因", "Reject Reason"),
}

_REJECT_NAMES = {fold(n) for pair in REJECT_COLUMNS.values() for n in pair}


@dataclass
class MapFile:
    """A ``--map`` TOML file: source header -> target column, and default values."""

    path: Path | None = None
    columns: dict[str, str] = field(default_factory=dict)  # folded source header -> target
    defaults: dict[str, str] = field(default_factory=dict)  # target column -> value


def read_map(path: Path | None) -> MapFile:
    """Read a mapping file.

    Top-level ``"source header" = "target column"`` pairs (or a ``[columns]`` table) map
    headers; an empty target ignores the column on purpose. A ``[defaults]`` table gives
    values for blank cells (``"来源" = "官网表单"``), also for columns the source lacks.
    """
    if path is None:
        return MapFile()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError as exc:
        raise InputFileError("file-missing", path=path) from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputFileError("import-map-bad", path=path, detail=str(exc)) from exc
    result = MapFile(path)
    pairs: dict[str, Any] = {}
    for key, value in data.items():
        if key in ("columns", "map") and isinstance(value, dict):
            pairs.update(value)
        elif key == "defaults" and isinstance(value, dict):
            for target, default in value.items():
                if isinstance(default, dict | list):
                    raise InputFileError("import-map-bad", path=path, detail=f"defaults.{target}")
                result.defaults[str(target)] = _default_text(default)
        else:
            pairs[key] = value
    for source, target in pairs.items():
        if target is False:
            target = ""
        if not isinstance(target, str):
            raise InputFileError("import-map-bad", path=path, detail=f"{source} = {target!r}")
        result.columns[fold(source)] = target
    return result


def _default_text(value: Any) -> str:
    if isinstance(value, bool):
        return YesNo.YES.value if value else YesNo.NO.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


@dataclass
class Mapped:
    """One source column and where it goes."""

    index: int  # position in the source row
    header: str  # as the source spells it
    key: str | None = None  # schema column key
    extra: int | None = None  # or the target sheet's own (unknown to crmxl) column


@dataclass
class Mapping:
    """What each source column became."""

    header_line: int
    columns: list[Mapped]
    unmapped: list[str]
    ignored: list[tuple[str, str]]  # (header, reason code)


def _target_of(
    spec: SheetSpec, target: str, table: Table | None, map_path: Path | None
) -> tuple[str | None, int | None]:
    col = match_column(spec, target)
    if col is not None:
        return col.key, None
    if table is not None:
        for col_no, header in table.extra.items():
            if fold(header) == fold(target):
                return None, col_no
    raise InputFileError(
        "import-map-unknown-column", path=map_path or "", column=target, sheet=spec.zh
    )


def map_headers(
    spec: SheetSpec,
    rows: list[tuple[int, list[str | None]]],
    mapping: MapFile,
    table: Table | None,
    path: Path,
) -> Mapping:
    """Find the header row (the row among the first ten that maps most columns) and map it.

    Every target the mapping file names must be a column of the sheet, even when the source
    lacks that header (a mistake in the map is reported, not ignored).
    """
    extras = {fold(h): c for c, h in table.extra.items()} if table is not None else {}
    for target in mapping.columns.values():
        if target.strip():
            _target_of(spec, target, table, mapping.path)

    def resolve(header: str) -> tuple[str | None, int | None, str | None]:
        """(key, extra column, ignore reason)."""
        folded = fold(header)
        if folded in _REJECT_NAMES:
            return None, None, "rejects-column"
        if folded in mapping.columns:
            target = mapping.columns[folded]
            if not target.strip():
                return None, None, "map-ignore"
            key, extra = _target_of(spec, target, table, mapping.path)
            if key is not None and spec.column(key).auto:
                return None, None, "auto-column"
            return key, extra, None
        col = match_column(spec, header)
        if col is not None:
            return (None, None, "auto-column") if col.auto else (col.key, None, None)
        if folded in extras:
            return None, extras[folded], None
        return None, None, None

    best, best_hits = 0, 0
    for i, (_, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        hits = 0
        for cell in cells:
            if not is_blank_cell(cell):
                key, extra, _ = resolve(str(cell))
                hits += key is not None or extra is not None
        if hits > best_hits:
            best, best_hits = i, hits
    if best_hits == 0:
        expected = "、".join(c.zh for c in spec.required_columns)
        raise InputFileError("import-no-columns", path=path, sheet=spec.zh, expected=expected)
    line, header_cells = rows[best]
    columns: list[Mapped] = []
    unmapped: list[str] = []
    ignored: list[tuple[str, str]] = []
    seen_keys: set[str] = set()
    seen_extra: set[int] = set()
    width = max(len(cells) for _, cells in rows[best:])
    for j in range(width):
        header = header_cells[j] if j < len(header_cells) else None
        if is_blank_cell(header):
            if any(j < len(cells) and not is_blank_cell(cells[j]) for _, cells in rows[best + 1 :]):
                unmapped.append(f"#{j + 1}")
            continue
        text = str(header).strip()
        key, extra, why = resolve(text)
        if why is not None:
            ignored.append((text, why))
        elif key is not None:
            if key in seen_keys:
                ignored.append((text, "duplicate-source-column"))
                continue
            seen_keys.add(key)
            columns.append(Mapped(j, text, key=key))
        elif extra is not None:
            if extra in seen_extra:
                ignored.append((text, "duplicate-source-column"))
                continue
            seen_extra.add(extra)
            columns.append(Mapped(j, text, extra=extra))
        else:
            unmapped.append(text)
    return Mapping(line, columns, unmapped, ignored)


register(
    {
        "import-no-columns": (
            "{path} 的前10行中找不到能对应“{sheet}”的表头（应包含：{expected}）；可用 --map 指定",
            "No header in the first 10 rows of {path} matches the {sheet} sheet (expected: "
            "{expected}); name the columns with --map",
        ),
        "import-map-bad": (
            "映射文件 {path} 有误：{detail}",
            "The mapping file {path} is not valid: {detail}",
        ),
        "import-map-unknown-column": (
            "映射文件 {path} 中的“{column}”不是“{sheet}”的列",
            "{column!r} in the mapping file {path} is not a column of {sheet}",
        ),
    }
)
