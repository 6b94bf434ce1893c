"""The rows of an import, planned: each source row mapped, typed and checked as ``validate``
checks (:mod:`crmxl.checks`), 查重'd, its ID given; rejected rows with why."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

import pandas as pd

from crmxl.checks.cells import cell_findings
from crmxl.checks.cross import cross_findings, cross_skips
from crmxl.errors import InputFileError
from crmxl.i18n import register
from crmxl.importing.dedupe import Checker, KeyValues, existing_registry
from crmxl.importing.map import MapFile, Mapping
from crmxl.importing.read import Source, clean_cell, is_blank_cell, lost_digits
from crmxl.importing.result import ImportResult, Rejected
from crmxl.importing.target import PlannedRow, Target
from crmxl.importing.write import assign_ids, cell_rows, extra_header, ids_in_sheet
from crmxl.model import values
from crmxl.model.findings import Finding, Severity
from crmxl.model.frames import typed
from crmxl.model.schema import (
    LEADS,
    LeadStatus,
    SheetSpec,
    match_column,
)
from crmxl.model.skips import Skip, merged, skip_if
from crmxl.model.workspace import Table, Workspace
from crmxl.workbook.cellxml import MAX_TEXT, text_length

#: Validation codes replaced by the importer's own 查重, which says what a row matched.
_REPLACED_CODES = {"duplicate-customer"}


def import_skips(spec: SheetSpec, present: set[str]) -> list[Skip]:
    """The checks of imported ``spec`` rows that the sheets ``present`` do not allow: a lead's
    查重 against 客户档案 and 联系人, and the references to 客户档案 and 销售团队."""
    dedupe: list[Skip] = []
    if spec.key == LEADS.key:
        dedupe += skip_if(present, "skip-dedup-names", ["customers"])
        dedupe += skip_if(present, "skip-dedup-phones", ["contacts"])
    return merged(dedupe, cross_skips(present, [spec.key]))


def _source_table(
    source: Source,
    mapping: Mapping,
    spec: SheetSpec,
    defaults: dict[str, str],
    data_rows: list[tuple[int, list[str | None]]],
    lang: str,
) -> Table:
    """The source rows as a :class:`Table` of ``spec``, indexed by source line, so that
    :func:`~crmxl.model.frames.typed` and validate's checks run on them unchanged."""
    index = pd.Index([line for line, _ in data_rows], dtype="int64")
    data: dict[str, list[str | None]] = {}
    columns: dict[str, int] = {}
    headers: dict[str, str] = {}
    is_csv = source.kind == "csv"
    for m in mapping.columns:
        if m.key is None:
            continue
        col = spec.column(m.key)
        data[m.key] = [
            clean_cell(cells[m.index] if m.index < len(cells) else None, col, is_csv)
            for _, cells in data_rows
        ]
        columns[m.key] = source.first_col + m.index
        headers[m.key] = m.header
    next_col = source.first_col + max((len(c) for _, c in data_rows), default=0)
    for key, value in defaults.items():
        if key not in data:
            data[key] = [None] * len(data_rows)
            columns[key] = next_col
            headers[key] = spec.column(key).name(lang)
            next_col += 1
        data[key] = [value if is_blank_cell(v) else v for v in data[key]]
    frame = pd.DataFrame(
        {k: pd.Series(v, index=index, dtype=object) for k, v in data.items()}, index=index
    )
    return Table(
        spec=spec,
        file=source.path,
        sheet_name=source.label,
        header_row=mapping.header_line,
        columns=columns,
        headers=headers,
        extra={},
        data=frame,
        lang=lang,
        last_row=int(index.max()) if len(index) else mapping.header_line,
    )


def _defaults(spec: SheetSpec, mapping_file: MapFile) -> dict[str, str]:
    out: dict[str, str] = {}
    for target, value in mapping_file.defaults.items():
        col = match_column(spec, target)
        if col is None or col.auto:
            raise InputFileError(
                "import-map-unknown-column",
                path=mapping_file.path or "",
                column=target,
                sheet=spec.zh,
            )
        out[col.key] = value
    return out


def plan_rows(
    source: Source,
    mapping: Mapping,
    mapping_file: MapFile,
    spec: SheetSpec,
    ws: Workspace,
    target: Target,
    as_of: datetime,
    result: ImportResult,
) -> list[PlannedRow]:
    """Validate, 查重 and give IDs to the source rows; the rows to write, in source order."""
    lang = target.lang
    header_index = next(i for i, (line, _) in enumerate(source.rows) if line == mapping.header_line)
    data_rows = source.rows[header_index + 1 :]
    keys = [m.key for m in mapping.columns if m.key is not None]
    extras = [m for m in mapping.columns if m.extra is not None]
    # Rows whose mapped cells are all blank are skipped, like empty rows in a sheet.
    used = [m.index for m in mapping.columns]
    data_rows = [
        (n, c) for n, c in data_rows if any(i < len(c) and not is_blank_cell(c[i]) for i in used)
    ]
    result.rows_read = len(data_rows)
    result.columns = [
        (m.header, spec.column(m.key).name(lang) if m.key else extra_header(target, m.extra))
        for m in mapping.columns
    ]
    if not data_rows:
        return []
    defaults = _defaults(spec, mapping_file)
    id_key = spec.id_column
    missing = [
        c.name(lang)
        for c in spec.required_columns
        if c.key not in keys and c.key not in defaults and c.key != id_key
    ]
    if missing:
        raise InputFileError(
            "import-missing-required", path=source.path, columns="、".join(missing)
        )
    table = _source_table(source, mapping, spec, defaults, data_rows, lang)
    if spec is LEADS and "status" not in defaults:
        _default_lead_status(table)
    settings = ws.settings
    tt = typed(table, settings)
    findings = [f for f in cell_findings(tt, ws, as_of) if not _generated_id(f, table, id_key)]
    refs = {spec.key: tt}
    if (
        spec.key != "customers"
        and "customers" in ws.tables
        and any(
            c.customer_ref or c.key == "converted_customer_id"
            for c in spec.columns
            if c.key in table.columns
        )
    ):
        refs["customers"] = typed(ws.tables["customers"], settings, ["customer_id"])
    if "team" in ws.tables and any(c.owner_ref for c in spec.columns if c.key in table.columns):
        refs["team"] = typed(ws.tables["team"], settings, ["name"])
    findings += [
        f
        for f in cross_findings(refs, ws, as_of)
        if f.sheet == table.sheet_name and f.code not in _REPLACED_CODES
    ]
    findings += _length_findings(table)
    findings = [
        dataclasses.replace(f, code="phone-lost-digits")
        if f.code == "bad-phone" and lost_digits(f.value)
        else f
        for f in findings
    ]
    by_line: dict[int, list[Finding]] = {}
    for f in findings:
        if f.severity is Severity.ERROR:
            by_line.setdefault(int(f.row or 0), []).append(f)
        else:
            result.warnings.append(f)
    frame = tt.frame
    registry = existing_registry(ws, spec)
    existing = ids_in_sheet(target, settings)
    keyed = KeyValues.of(spec, table, frame)
    checker = Checker(spec, table, registry, set(existing), target)
    kept: list[int] = []
    for i, (line, cells) in enumerate(data_rows):
        errors = by_line.get(line) or checker.duplicates(line, keyed, i)
        if errors:
            result.rejected.append(Rejected(line, list(cells), errors))
            continue
        kept.append(line)
        checker.register(line, keyed, i)
    kept_set = set(kept)
    result.warnings = [w for w in result.warnings if int(w.row or 0) in kept_set]
    ids = assign_ids(spec, target, keyed, data_rows, kept, existing, result)
    return cell_rows(source, table, tt.frame, kept, ids, extras, target, lang, result)


def _default_lead_status(table: Table) -> None:
    """A lead imported without 线索状态 and without 分配给 is 待分配 (waiting for ``assign``)."""
    data = table.data
    status = data["status"] if "status" in data else pd.Series(None, index=data.index, dtype=object)
    owner = (
        data["assigned_to"]
        if "assigned_to" in data
        else pd.Series(None, index=data.index, dtype=object)
    )
    waiting = status.map(_blank_value) & owner.map(_blank_value)
    if not waiting.any():
        return
    if "status" not in data:
        table.columns["status"] = max(table.columns.values(), default=0) + 1
        table.headers["status"] = table.spec.column("status").name(table.lang)
    data["status"] = status.astype(object).where(~waiting, LeadStatus.UNASSIGNED.value)


def _blank_value(value: Any) -> bool:
    return values.is_blank(value)


def _generated_id(f: Finding, table: Table, id_key: str | None) -> bool:
    """validate's "required value missing" on the ID column: the importer fills it in."""
    return (
        id_key is not None
        and f.code == "missing-value"
        and id_key in table.columns
        and f.column == table.header(id_key)
    )


def _length_findings(table: Table) -> list[Finding]:
    """Cells longer than an Excel cell holds (the writer would refuse them)."""
    out: list[Finding] = []
    for key in table.data.columns:
        series = table.data[key]
        try:
            lengths = series.astype(object).str.len().fillna(0)
        except AttributeError:  # not a column of text
            continue
        for line in series.index[lengths > MAX_TEXT // 2]:
            value = series.at[line]
            if text_length(value) > MAX_TEXT:
                out.append(
                    Finding.make(
                        table.sheet_name,
                        table.cell(key, int(line)),
                        "import-text-too-long",
                        Severity.ERROR,
                        value[:40] + "…",
                        row=int(line),
                        column=table.header(key),
                        limit=MAX_TEXT,
                    )
                )
    return out


register(
    {
        "import-text-too-long": (
            "文本超过 Excel 单元格上限（{limit} 个字符）",
            "Text is longer than an Excel cell holds ({limit:~character|characters})",
        ),
        "phone-lost-digits": (
            "“{value}”是 Excel 截断成科学计数法的号码，已丢失位数，请从原始数据补全",
            "{value!r} is a number Excel cut to E-notation; digits are lost, take it from the "
            "original",
        ),
        "import-missing-required": (
            "{path} 缺少必填列：{columns}；可用 --map 对应到源文件的列，或在映射文件 [defaults] 中给出默认值",
            "{path} lacks required columns: {columns}; map them with --map or give a value in "
            "the mapping file's [defaults]",
        ),
    }
)
