"""``crmxl init``: new workbooks, and the bundled ``templates/`` and ``sample_data/``.

A new workbook holds the standard sheets of :mod:`crmxl.model.schema` in schema order, after a
guide sheet (说明 / Guide, :mod:`crmxl.starter.guide`). Each data sheet has its headers with
``*`` and ``(自动)`` markers, a frozen header row, an autofilter, column widths and number
formats, grey (auto) columns and dropdowns (:mod:`crmxl.starter.look`); with ``sample`` the
sheets hold the demo data of :mod:`crmxl.starter.sample`.

Output is deterministic: fixed document properties (created = ``as_of`` or
:data:`TEMPLATE_CREATED`), and fixed zip timestamps. Workbooks are written to a temporary file
in the target folder and moved into place, so a failure leaves nothing behind.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from crmxl.errors import UsageError, WriteRefusedError
from crmxl.i18n import normalize_lang, register, t
from crmxl.model import values
from crmxl.model.schema import (
    GUIDE_NAMES,
    SEPARATE_FILE_NAMES,
    SEPARATE_FILES,
    SHEETS,
    SHEETS_BY_KEY,
    ColType,
    Column,
    SheetSpec,
    fold,
    match_sheet,
)
from crmxl.model.settings import DEFINITIONS, Settings, default_rows
from crmxl.starter.guide import as_of_arg, as_of_text, problem_cell, write_guide
from crmxl.starter.look import (
    DATA_ROWS,
    DATE_FORMAT,
    Styles,
    column_format,
    column_width,
    localize,
    uses_lists,
    validation,
    write_lists,
)
from crmxl.starter.sample import SAMPLE_AS_OF, Sample, build_sample, write_leads_csv
from crmxl.starter.sample.base import Both
from crmxl.workbook.fileops import replace_file
from crmxl.workbook.newbook import NewBook, NewBookError, NewSheet
from crmxl.workbook.save import check_not_open

#: Document "created" date of workbooks made without ``as_of`` (the bundled templates).
TEMPLATE_CREATED = datetime(2026, 1, 1)

_SETTINGS_FORMATS = {"amount": "#,##0", "percent": "0%"}


register(
    {
        "init-exists": (
            "{path} 已存在，未覆盖（确需覆盖请加 --overwrite）",
            "{path} already exists; not overwritten (add --overwrite to replace it)",
        ),
        "init-suffix": (
            "新工作簿须以 .xlsx 结尾：{path}",
            "A new workbook must end in .xlsx: {path}",
        ),
        "init-unknown-sheet": (
            "没有名为“{name}”的标准工作表；可选：{known}",
            "No standard sheet named {name!r}; choose from: {known}",
        ),
        "init-write-failed": ("无法写入 {path}：{detail}", "Cannot write {path}: {detail}"),
        "init-no-sheets": ("没有选择任何工作表", "No sheets chosen"),
        "init-created": ("已创建 {path}：{sheets}", "Created {path}: {sheets}"),
        "init-rows": ("{sheet}（{rows} 行）", "{sheet} ({rows:~row|rows})"),
        "init-sample": (
            "示例数据基准时间 {as_of}；故意留下 {problems} 处问题，见“说明”表",
            "Sample data as of {as_of}; {problems:~deliberate problem|deliberate problems}, listed in the Guide sheet",
        ),
        "init-sample-clean": ("示例数据基准时间 {as_of}", "Sample data as of {as_of}"),
        "tpl-title": ("crmxl 客户管理工作簿", "crmxl customer workbook"),
        "tpl-auto-note": (
            "自动计算：由 crmxl refresh 填写，请勿手工修改。",
            "Computed by crmxl refresh; do not edit.",
        ),
    }
)


# ------------------------------------------------------------------------------ the result


@dataclass(frozen=True)
class InitResult:
    """What ``init`` wrote: the file, its sheets in tab order and the data rows of each."""

    path: Path
    lang: str
    sheets: tuple[str, ...]
    rows: dict[str, int]
    sample: bool = False
    as_of: datetime | None = None
    problems: int = 0
    hidden_sheets: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The result as ``--json`` prints it."""
        return {
            "path": str(self.path),
            "lang": self.lang,
            "sheets": [{"name": s, "rows": self.rows.get(s, 0)} for s in self.sheets],
            "hidden_sheets": list(self.hidden_sheets),
            "sample": self.sample,
            "as_of": self.as_of.isoformat(sep=" ") if self.as_of else None,
            "deliberate_problems": self.problems,
        }

    def render(self, lang: str = "zh") -> str:
        """A short summary for people."""
        sep = ", " if normalize_lang(lang) == "en" else "、"
        parts = [
            t("init-rows", lang, sheet=s, rows=self.rows[s]) if self.rows.get(s) else s
            for s in self.sheets
        ]
        lines = [t("init-created", lang, path=self.path, sheets=sep.join(parts))]
        if self.sample and self.as_of:
            code = "init-sample" if self.problems else "init-sample-clean"
            lines.append(t(code, lang, as_of=as_of_text(self.as_of), problems=self.problems))
        return "\n".join(lines)


# ------------------------------------------------------------------------------ public API


def init_workbook(
    path: Path,
    *,
    lang: str = "zh",
    sample: bool = False,
    sheets: Sequence[str] | None = None,
    as_of: datetime | None = None,
    overwrite: bool = False,
) -> InitResult:
    """Write a new workbook at ``path`` with the standard sheets (all, or ``sheets``).

    ``sheets`` are sheet keys or names in either language (``客户档案``, ``Customers``,
    ``customers``; ``"客户档案,联系人"`` also works). The guide sheet is always added. With
    ``sample`` the sheets are filled with the demo data of :mod:`crmxl.starter.sample` as of ``as_of``
    (default now). Refuses to replace an existing file unless ``overwrite``.
    """
    lang = normalize_lang(lang)
    path = Path(path)
    specs = _select(sheets)
    _check_target(path, overwrite)
    data = _make_sample(as_of) if sample else None
    return _write(path, specs, lang, data, as_of, [path.name])


def init_separate(
    folder: Path,
    *,
    lang: str = "zh",
    sample: bool = False,
    as_of: datetime | None = None,
    overwrite: bool = False,
) -> list[InitResult]:
    """Write the manual's three files into ``folder``: customer file, needs list, issue tracker.

    Nothing is written when any of the three exists (unless ``overwrite``).
    """
    lang = normalize_lang(lang)
    folder = Path(folder)
    targets = [(key, folder / f"{separate_name(key, lang)}.xlsx") for key in SEPARATE_FILES]
    for _, target in targets:
        _check_target(target, overwrite)
    data = _make_sample(as_of) if sample else None
    names = [target.name for _, target in targets]
    results = []
    for key, target in targets:
        specs = [SHEETS_BY_KEY[k] for k in SEPARATE_FILES[key]]
        results.append(_write(target, specs, lang, data, as_of, names))
    return results


def separate_name(key: str, lang: str) -> str:
    """The file stem of one of the manual's separate files (``客户档案``, ``customer-file``)."""
    zh, en = SEPARATE_FILE_NAMES[key]
    return en if normalize_lang(lang) == "en" else zh


def regenerate_bundled(root: Path) -> None:
    """Rewrite ``templates/`` and ``sample_data/`` under ``root`` from what ``init`` makes now."""
    root = Path(root)
    for lang in ("zh", "en"):
        folder = root / "templates" / lang
        folder.mkdir(parents=True, exist_ok=True)
        init_workbook(folder / "crm.xlsx", lang=lang, overwrite=True)
        init_separate(folder, lang=lang, overwrite=True)
    (root / "templates" / "README.md").write_text(_templates_readme(), encoding="utf-8")
    data_dir = root / "sample_data"
    data_dir.mkdir(parents=True, exist_ok=True)
    result = init_workbook(
        data_dir / "crm-sample.xlsx", sample=True, as_of=SAMPLE_AS_OF, overwrite=True
    )
    write_leads_csv(data_dir / "leads.csv", "utf-8-sig", SAMPLE_AS_OF)
    write_leads_csv(data_dir / "leads-gbk.csv", "gbk", SAMPLE_AS_OF)
    sample = build_sample(SAMPLE_AS_OF)
    (data_dir / "README.md").write_text(_sample_readme(sample, result), encoding="utf-8")


def _select(sheets: Sequence[str] | None) -> list[SheetSpec]:
    """The sheets to write, in schema order."""
    if sheets is None:
        return list(SHEETS)
    wanted: set[str] = set()
    guide = {fold(n) for n in GUIDE_NAMES}
    for item in sheets:
        for name in values.parse_list(item):
            spec = SHEETS_BY_KEY.get(name) or match_sheet(name)
            if spec is None:
                if fold(name) in guide:
                    continue
                known = ", ".join(f"{s.zh}/{s.en}" for s in SHEETS)
                raise UsageError("init-unknown-sheet", name=name, known=known)
            wanted.add(spec.key)
    if not wanted:
        raise UsageError("init-no-sheets")
    return [s for s in SHEETS if s.key in wanted]


def _check_target(path: Path, overwrite: bool) -> None:
    if path.suffix.lower() != ".xlsx":
        raise UsageError("init-suffix", path=path)
    check_not_open(path)
    if path.exists() and not overwrite:
        raise WriteRefusedError("init-exists", path=path)


def _make_sample(as_of: datetime | None) -> Sample:
    return build_sample(as_of)


# ------------------------------------------------------------------------------ writing


def _write(
    path: Path,
    specs: list[SheetSpec],
    lang: str,
    data: Sample | None,
    as_of: datetime | None,
    files: list[str],
) -> InitResult:
    """Build the workbook in a temporary file beside ``path``, then move it into place, so a
    failure never leaves a half-written workbook (or a damaged old one) behind."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=".crmxl-", suffix=".xlsx", dir=path.parent)
    except OSError as exc:
        raise WriteRefusedError("init-write-failed", path=path, detail=exc.strerror) from exc
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        result = _build(tmp, path, specs, lang, data, as_of, files)
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o666 & ~umask)  # mkstemp makes it private; a workbook is an ordinary file
        replace_file(tmp, path)  # retried while another program holds it (Windows)
    except (OSError, NewBookError) as exc:
        detail = exc.strerror if isinstance(exc, OSError) else str(exc)
        raise WriteRefusedError("init-write-failed", path=path, detail=detail) from exc
    finally:
        tmp.unlink(missing_ok=True)
    return result


def _build(
    target: Path,
    final: Path,
    specs: list[SheetSpec],
    lang: str,
    data: Sample | None,
    as_of: datetime | None,
    files: list[str],
) -> InitResult:
    created = data.as_of if data else (as_of or TEMPLATE_CREATED)
    wb = NewBook(
        target,
        properties={
            "title": t("tpl-title", lang),
            "author": "crmxl",
            "company": "",
            "comments": "crmxl init",
            "created": created,
        },
    )
    styles = Styles(wb)
    keys = {s.key for s in specs}
    has_settings = "settings" in keys
    problems = [p for p in data.problems if p.sheet in keys] if data else []
    guide = wb.add_sheet(GUIDE_NAMES[1] if lang == "en" else GUIDE_NAMES[0])
    rows: dict[str, int] = {}
    for spec in specs:
        ws = wb.add_sheet(spec.name(lang))
        if spec.key == "settings":
            rows[spec.name(lang)] = _write_settings(
                ws, styles, spec, lang, data.settings if data else None
            )
        else:
            records = data.rows.get(spec.key, []) if data else []
            rows[spec.name(lang)] = _write_data_sheet(ws, styles, spec, lang, records, has_settings)
    hidden: tuple[str, ...] = ()
    if uses_lists(specs):
        hidden = (write_lists(wb, styles, lang),)
    write_guide(guide, styles, lang, specs, files, data, problems)
    wb.close()
    names = (guide.name, *(s.name(lang) for s in specs))
    return InitResult(
        final,
        lang,
        names,
        rows,
        sample=data is not None,
        as_of=data.as_of if data else as_of,
        problems=len(problems),
        hidden_sheets=hidden,
    )


def _header_note(col: Column, lang: str) -> str:
    note = col.note_en if lang == "en" else col.note_zh
    if col.auto:
        note = f"{note}\n{t('tpl-auto-note', lang)}" if note else t("tpl-auto-note", lang)
    return note


def _write_headers(ws: NewSheet, styles: Styles, spec: SheetSpec, lang: str) -> None:
    for c, col in enumerate(spec.columns):
        header = col.header(lang)
        width = column_width(col, header)
        ws.set_column(c, c, width, styles.cell(column_format(spec, col), col.auto))
        ws.write_string(0, c, header, styles.header(col.auto))
        note = _header_note(col, lang)
        if note:
            ws.write_comment(0, c, note, {"author": "crmxl", "x_scale": 1.5, "y_scale": 0.7})
    ws.freeze_panes(1, 0)
    ws.repeat_rows(0)
    ws.set_landscape()
    ws.set_paper(9)  # A4


def _write_data_sheet(
    ws: NewSheet,
    styles: Styles,
    spec: SheetSpec,
    lang: str,
    records: list[dict[str, Any]],
    has_settings: bool,
) -> int:
    _write_headers(ws, styles, spec, lang)
    for r, record in enumerate(records, start=1):
        for c, col in enumerate(spec.columns):
            _write_value(ws, styles, r, c, spec, col, record.get(col.key), lang)
    ws.autofilter(0, 0, len(records), len(spec.columns) - 1)
    for c, col in enumerate(spec.columns):
        options = validation(col, lang, has_settings)
        if options:
            ws.data_validation(1, c, DATA_ROWS, c, options)
    return len(records)


def _write_value(
    ws: NewSheet,
    styles: Styles,
    r: int,
    c: int,
    spec: SheetSpec,
    col: Column,
    value: Any,
    lang: str,
) -> None:
    """One typed cell: dates as dates, numbers as numbers, enums in the workbook's language."""
    if isinstance(value, Both):
        value = value.text(lang)
    if value is None or (isinstance(value, str) and value == ""):
        return
    fmt = column_format(spec, col)
    if isinstance(value, datetime | date):
        moment = value if isinstance(value, datetime) else datetime.combine(value, time())
        if col.type not in (ColType.DATE, ColType.DATETIME):
            fmt = DATE_FORMAT
        ws.write_datetime(r, c, moment, styles.cell(fmt, col.auto))
    elif isinstance(value, bool):
        raise TypeError(f"{spec.key}.{col.key}: write 是/否, not a bool")
    elif isinstance(value, int | float):
        if col.type == ColType.PHONE:
            fmt = "0"  # a phone stored as a number: never E-notation
        ws.write_number(r, c, value, styles.cell(fmt, col.auto))
    else:
        ws.write_string(r, c, localize(col, str(value), lang), styles.cell(fmt, col.auto))


def _setting_value(kind: str, text: str) -> tuple[Any, str | None]:
    """A 配置 value as a typed cell: numbers as numbers, percentages as fractions."""
    if not text:
        return None, None
    if kind == "percent" and text.endswith("%"):
        return float(text[:-1]) / 100, _SETTINGS_FORMATS["percent"]
    if kind in ("amount", "int", "hours") or (kind == "limit" and text.isdigit()):
        number = float(text)
        return (int(number) if number == int(number) else number), _SETTINGS_FORMATS.get(kind)
    return text, None


def _write_settings(
    ws: NewSheet, styles: Styles, spec: SheetSpec, lang: str, settings: Settings | None
) -> int:
    _write_headers(ws, styles, spec, lang)
    rows = default_rows(lang, settings)
    for r, (defn, (key, text, note)) in enumerate(zip(DEFINITIONS, rows, strict=True), start=1):
        ws.write_string(r, 0, key)
        value, fmt = _setting_value(defn.kind, text)
        if isinstance(value, str):
            ws.write_string(r, 1, value)
        elif value is not None:
            ws.write_number(r, 1, value, styles.get(num_format=fmt) if fmt else None)
        if note:
            ws.write_string(r, 2, note)
    ws.autofilter(0, 0, len(rows), len(spec.columns) - 1)
    return len(rows)


# ------------------------------------------------------------------------------ READMEs


def _templates_readme() -> str:
    lines = [
        "# templates/",
        "",
        "Empty workbooks as `crmxl init` makes them (generated: `make templates`, or",
        "`python -m crmxl.starter.templates --regenerate`; a test checks they match what `init` writes now).",
        "由 `crmxl init` 生成的空白模板；修改代码后用 `make templates` 重新生成。",
        "",
        "| file | what it is |",
        "|---|---|",
        "| `zh/crm.xlsx` | 全部标准工作表的一体化工作簿（中文）: all standard sheets in one workbook |",
    ]
    for key in SEPARATE_FILES:
        names = "、".join(SHEETS_BY_KEY[k].zh for k in SEPARATE_FILES[key])
        lines.append(f"| `zh/{separate_name(key, 'zh')}.xlsx` | 手册中的分表文件，含：{names} |")
    lines.append("| `en/crm.xlsx` | the all-in-one workbook with English sheet names and headers |")
    for key in SEPARATE_FILES:
        names = ", ".join(SHEETS_BY_KEY[k].en for k in SEPARATE_FILES[key])
        lines.append(
            f"| `en/{separate_name(key, 'en')}.xlsx` | the manual's separate file: {names} |"
        )
    lines += [
        "",
        "Every workbook starts with a guide sheet (说明 / Guide). Headers carry `*` when required and",
        "`(自动)`/`(auto)` when computed; computed columns are grey. Dropdowns for industries, regions and",
        "tiers read the 配置 (Settings) sheet through a hidden sheet (下拉选项 / Dropdowns) and the names",
        "`crmxl_industries`, `crmxl_regions`, `crmxl_tiers`: edit 配置 and the dropdowns follow.",
        "Use the three separate files together: `crmxl refresh 客户档案.xlsx 需求清单.xlsx 问题处理跟踪表.xlsx`.",
        "",
    ]
    return "\n".join(lines)


def _sample_readme(sample: Sample, result: InitResult) -> str:
    as_of = as_of_text(sample.as_of)
    lines = [
        "# sample_data/",
        "",
        f"Generated by `python -m crmxl.starter.templates --regenerate` with `as_of = {as_of}` (start of day),",
        f"seed {sample.seed}. Every date in the sample is relative to that moment, so run the commands",
        f"with `--as-of {as_of_arg(sample.as_of)}` to see what the notes below describe:",
        "",
        "```",
        f"crmxl validate sample_data/crm-sample.xlsx --as-of {as_of_arg(sample.as_of)}",
        f"crmxl refresh  sample_data/crm-sample.xlsx --as-of {as_of_arg(sample.as_of)}",
        "```",
        "",
        "| file | what it is |",
        "|---|---|",
        "| `crm-sample.xlsx` | the all-in-one workbook (zh) filled by `crmxl init --sample`: "
        + ", ".join(f"{name} {n}" for name, n in result.rows.items() if n)
        + " rows |",
        "| `leads.csv` | about 30 new leads as a web form exports them: UTF-8 with BOM, CRLF, Chinese "
        "headers; one is a customer the sample already has (same company and phone), one is the "
        "same form sent twice, one need starts with `-` (must stay text) |",
        "| `leads-gbk.csv` | the same leads in GBK, as older Excel saves CSV on Chinese Windows |",
        "",
        "`crmxl init --sample` makes the same data as of now (or `--as-of`).",
        "",
        "## Deliberate problems (`crmxl validate` should report these, and only these)",
        "",
        "| where | problem | severity |",
        "|---|---|---|",
    ]
    for problem in sample.problems:
        lines.append(
            f"| `{problem_cell(problem, 'zh')}` | {problem.zh} ({problem.en}) | {problem.severity} |"
        )
    lines += [
        "",
        "## What each rule has to show (scenario → record)",
        "",
        "| scenario | record |",
        "|---|---|",
    ]
    lines += [f"| {key} | {record} |" for key, record in sample.scenarios.items()]
    lines += [
        "",
        "All (auto) columns are blank for `refresh` to fill, except the 客户等级 of `tier-365-days`,",
        "which holds the A of a previous refresh: its 450,000 deal is 364 days old and its 80,000 deal",
        "365 days old, so the 12-month amount is now 480,000 (B) and the tier has fallen.",
        "",
    ]
    return "\n".join(lines)


# ------------------------------------------------------------------------------ command line


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m crmxl.starter.templates --regenerate [--root DIR]``."""
    parser = argparse.ArgumentParser(
        prog="python -m crmxl.starter.templates",
        description="Regenerate templates/ and sample_data/.",
    )
    parser.add_argument(
        "--regenerate", action="store_true", help="rewrite templates/ and sample_data/"
    )
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[2])
    args = parser.parse_args(argv)
    if not args.regenerate:
        parser.print_help()
        return 2
    regenerate_bundled(args.root)
    print(f"templates/ and sample_data/ regenerated under {args.root}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
