"""``crmxl validate``: every finding in a workspace, in one pass.

The checks follow SPEC sections 1 and 4: required values, types (dates, amounts, phones, e-mails,
URLs, yes/no), enumerations (fixed and from 配置), unique IDs, 查重 (duplicate customer names and
phones), references between sheets (客户编号, 负责人), legal full names, late records, future dates,
issues resolved before they were logged, placeholders (待核实/待确认, a warning), missing sheets
and columns, and bad settings. Each finding names its sheet and cell.

With ``annotate=OUT`` the same call also writes a copy of each workbook with its bad cells
highlighted and commented (:mod:`crmxl.annotate`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from crmxl import values
from crmxl.findings import Finding, Severity, count
from crmxl.frames import Typed, typed
from crmxl.i18n import pick, register, t
from crmxl.schema import ENUMS, ColType
from crmxl.textout import render_table
from crmxl.workbook.guard import GuardReport
from crmxl.workbook.package import Package
from crmxl.workbook.reader import Table, Workspace, open_workspace
from crmxl.workbook.save import Fingerprint

if TYPE_CHECKING:
    from crmxl.annotate import AnnotateResult

#: Problem codes from parsing, as finding codes (all errors).
TYPE_CODES = {
    "bad-date",
    "bad-amount",
    "bad-int",
    "bad-number",
    "bad-phone",
    "landline-needs-area-code",
    "bad-email",
    "bad-url",
    "bad-yesno",
    "bad-enum",
}

#: Date columns after as_of that are errors (others are warnings).
FUTURE_IS_ERROR = {
    ("customers", "first_contact"),
    ("customers", "created"),
    ("follow_ups", "date"),
    ("follow_ups", "entered_at"),
    ("issues", "logged_at"),
    ("issues", "first_response_at"),
    ("issues", "plan_at"),
    ("issues", "resolved_at"),
    ("leads", "captured_at"),
    ("leads", "assigned_at"),
    ("leads", "confirmed_at"),
    ("needs", "proposal_sent"),
}
FUTURE_CHECKED = FUTURE_IS_ERROR | {("transactions", "signed_on"), ("customers", "terminated_on")}


@dataclass(frozen=True)
class SourceFile:
    """What validation saw of one workbook, for writing an annotated copy of it later: the
    bytes it read (fingerprint and guard), the language of its headers, its header rows."""

    path: Path
    fingerprint: Fingerprint | None = None
    guard: GuardReport | None = None
    lang: str = "zh"
    header_rows: dict[str, int] = field(default_factory=dict)  # sheet name -> Excel row


@dataclass
class ValidationResult:
    """The findings of one validation run."""

    files: list[Path]
    findings: list[Finding] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)  # sheet name -> rows checked
    sources: dict[Path, SourceFile] = field(default_factory=dict, repr=False)
    annotated: AnnotateResult | None = None  # the annotated copies, when asked for

    @property
    def errors(self) -> int:
        return count(self.findings)[0]

    @property
    def warnings(self) -> int:
        return count(self.findings)[1]

    @property
    def valid(self) -> bool:
        return self.errors == 0

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        out = {
            "valid": self.valid,
            "errors": self.errors,
            "warnings": self.warnings,
            "findings": [f.to_dict(lang) for f in self.findings],
        }
        if self.annotated is not None:
            out["annotated"] = self.annotated.to_dict()
        return out

    def render(self, lang: str = "zh") -> str:
        """A table per sheet (cell, column, value, message), then a one-line summary."""
        out: list[str] = []
        general = [f for f in self.findings if not f.cell]
        if general:
            out.append(pick(lang, "== 工作簿 ==", "== Workbook =="))
            out += [f"- {f.message(lang)}" for f in general]
            out.append("")
        by_sheet: dict[str, list[Finding]] = {}
        for f in self.findings:
            if f.cell:
                by_sheet.setdefault(f.sheet, []).append(f)
        for sheet, items in by_sheet.items():
            out.append(f"== {sheet} ({len(items)}) ==")
            rows = [
                [
                    f.cell.split("!", 1)[-1] if f.cell else "—",
                    f.column,
                    "" if f.value is None else str(f.value),
                    pick(lang, "错误", "error")
                    if f.severity is Severity.ERROR
                    else pick(lang, "警告", "warning"),
                    f.message(lang),
                ]
                for f in items
            ]
            headers = [
                pick(lang, *h)
                for h in (
                    ("单元格", "Cell"),
                    ("列", "Column"),
                    ("值", "Value"),
                    ("级别", "Severity"),
                    ("说明", "Message"),
                )
            ]
            out.append(render_table(headers, rows, max_width={2: 30}))
            out.append("")
        checked = ", ".join(f"{k} {v}" for k, v in self.rows.items())
        out.append(
            t("validate-summary", lang, errors=self.errors, warnings=self.warnings, checked=checked)
        )
        if self.annotated is not None:
            out.append(self.annotated.render(lang))
        return "\n".join(out)


def validate(
    files: Sequence[Path | str],
    *,
    as_of: datetime | None = None,
    config: Path | str | None = None,
    workspace: Workspace | None = None,
    annotate: Path | str | None = None,
) -> ValidationResult:
    """Check every standard sheet of ``files``; never raises for bad data.

    ``annotate``: also write annotated copies there (a file for one workbook, a folder for
    several; see :func:`crmxl.annotate.annotate`). Where they would go is checked before
    anything is read: an input file, or a file open in Excel/LibreOffice, is refused.
    """
    targets = None
    if annotate is not None:
        from crmxl.annotate import destinations

        targets = destinations([Path(f) for f in files], Path(annotate))
    ws = workspace or open_workspace(files, config=config)
    as_of = as_of or datetime.now()
    result = ValidationResult(list(ws.files), _locate(ws, ws.findings), sources=_sources(ws))
    typed_tables = {
        key: typed(table, ws.settings)
        for key, table in ws.tables.items()
        if key not in ("settings", "changelog")
    }
    for tt in typed_tables.values():
        result.rows[tt.table.sheet_name] = len(tt.frame)
        result.findings += _cell_findings(tt, ws, as_of)
    result.findings += _cross_findings(typed_tables, ws, as_of)
    result.findings.sort(key=_order(ws))
    if annotate is not None:
        from crmxl.annotate import annotate as write_annotated

        result.annotated = write_annotated(result, Path(annotate), targets=targets)
    return result


def _sources(ws: Workspace) -> dict[Path, SourceFile]:
    out = {}
    for path in ws.files:
        tables = [t for t in ws.tables.values() if t.file == path]
        langs = [t.lang for t in tables]
        lang = ("en" if langs.count("en") > len(langs) / 2 else "zh") if langs else ws.lang
        out[path] = SourceFile(
            path,
            ws.fingerprints.get(path),
            ws.guards.get(path),
            lang,
            {t.sheet_name: t.header_row for t in tables},
        )
    return out


def _locate(ws: Workspace, findings: Iterable[Finding]) -> list[Finding]:
    """The findings with the workbook each one's cell is in, where the sheet's name says it
    (the reader's and the settings' findings name a sheet, not a file)."""
    files: dict[str, set[Path]] = {}
    for path in ws.files:
        with Package(path) as pkg:
            for sheet in pkg.sheets:
                files.setdefault(sheet.name, set()).add(path)
    out = []
    for f in findings:
        where = files.get(f.sheet, set())
        if f.file is None and f.cell and len(where) == 1:
            f = replace(f, file=next(iter(where)))
        out.append(f)
    return out


def _order(ws: Workspace) -> Any:
    sheet_rank = {t.sheet_name: i for i, t in enumerate(ws.tables.values())}

    def key(f: Finding) -> tuple[int, int, str, str]:
        col = "".join(ch for ch in f.cell.split("!", 1)[-1] if ch.isalpha())
        return (sheet_rank.get(f.sheet, -1), f.row or 0, f"{len(col):02d}{col}", f.code)

    return key


def _finding(
    table: Table, key: str, row: int, code: str, severity: Severity, value: Any, **params: Any
) -> Finding:
    finding = Finding.make(
        table.sheet_name,
        table.cell(key, row),
        code,
        severity,
        values.display_value(value),
        row=row,
        column=table.header(key),
        field=table.column(key).name(table.lang),
        **params,
    )
    return replace(finding, file=table.file)


def _cell_findings(tt: Typed, ws: Workspace, as_of: datetime) -> list[Finding]:
    table, frame = tt.table, tt.frame
    settings = ws.settings
    out: list[Finding] = []
    for p in tt.problems:
        col = table.spec.column(p.key)
        params: dict[str, Any] = {}
        if p.code == "bad-enum":
            allowed = settings.enum_values(col.enum or "") or (
                ENUMS[col.enum].zh if col.enum in ENUMS else ()
            )
            params["allowed"] = "、".join(allowed)
        out.append(_finding(table, p.key, p.row, p.code, Severity.ERROR, p.value, **params))
    placeholder_cells = {(p.key, p.row) for p in tt.placeholders}
    for p in tt.placeholders:
        out.append(_finding(table, p.key, p.row, "placeholder", Severity.WARNING, p.value))
    problem_cells = {(p.key, p.row) for p in tt.problems}
    for col in table.spec.columns:
        if col.key not in table.columns:
            continue
        series = frame[col.key]
        if col.required:
            missing = series.isna()
            for row in series.index[missing]:
                if (col.key, row) in placeholder_cells or (col.key, row) in problem_cells:
                    continue
                out.append(
                    _finding(table, col.key, int(row), "missing-value", Severity.ERROR, None)
                )
        if col.type in (ColType.INT, ColType.AMOUNT, ColType.NUMBER) and not col.auto:
            numbers = pd.to_numeric(series, errors="coerce")
            never = pd.Series(False, index=numbers.index)
            low = numbers < col.min if col.min is not None else never
            high = numbers > col.max if col.max is not None else never
            for row in series.index[low | high]:
                out.append(
                    _finding(
                        table,
                        col.key,
                        int(row),
                        "out-of-range",
                        Severity.ERROR,
                        _raw(table, col.key, row),
                        bound=_bound(col.min, col.max),
                    )
                )
        if (table.spec.key, col.key) in FUTURE_CHECKED and col.key in frame:
            limit = (
                pd.Timestamp(as_of) if col.type is ColType.DATETIME else pd.Timestamp(as_of.date())
            )
            future = series > limit
            severity = (
                Severity.ERROR if (table.spec.key, col.key) in FUTURE_IS_ERROR else Severity.WARNING
            )
            for row in series.index[future.fillna(False)]:
                out.append(
                    _finding(
                        table,
                        col.key,
                        int(row),
                        "future-date",
                        severity,
                        _raw(table, col.key, row),
                        as_of=_day(as_of),
                    )
                )
    id_key = table.spec.id_column
    if id_key and id_key in table.columns:
        ids = frame[id_key]
        dup = ids.notna() & ids.duplicated(keep="first")
        first_row = {v: r for r, v in ids[ids.notna()][::-1].items()}
        for row in ids.index[dup]:
            value = ids.at[row]
            out.append(
                _finding(
                    table,
                    id_key,
                    int(row),
                    "duplicate-id",
                    Severity.ERROR,
                    value,
                    first=table.cell(id_key, int(first_row[value])),
                )
            )
    return out


def _bound(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"{_num(low)}–{_num(high)}"
    return f"≥ {_num(low)}" if low is not None else f"≤ {_num(high)}"


def _num(x: float | None) -> str:
    if x is None:
        return ""
    return str(int(x)) if float(x).is_integer() else str(x)


def _day(moment: datetime) -> str:
    """``as_of`` for a message: the day, or the day and time to the minute."""
    if moment.time() == datetime.min.time():
        return moment.date().isoformat()
    return moment.strftime("%Y-%m-%d %H:%M")


def _raw(table: Table, key: str, row: Any) -> Any:
    return values.plain(table.data.at[row, key])


def _cross_findings(tts: dict[str, Typed], ws: Workspace, as_of: datetime) -> list[Finding]:
    out: list[Finding] = []
    settings = ws.settings
    customers = tts.get("customers")
    customer_ids = set(customers.frame["customer_id"].dropna()) if customers else None
    team = tts.get("team")
    team_names = set(team.frame["name"].dropna()) if team else None
    for tt in tts.values():
        table, frame = tt.table, tt.frame
        for col in table.spec.columns:
            if col.key not in table.columns:
                continue
            if (
                col.customer_ref or col.key == "converted_customer_id"
            ) and customer_ids is not None:
                if tt is customers:
                    continue
                ids = frame[col.key]
                unknown = ids.notna() & ~ids.isin(customer_ids)
                for row in ids.index[unknown]:
                    out.append(
                        _finding(
                            table,
                            col.key,
                            int(row),
                            "unknown-customer",
                            Severity.ERROR,
                            ids.at[row],
                        )
                    )
            if col.owner_ref and team_names is not None:
                names = frame[col.key]
                unknown = names.notna() & ~names.isin(team_names)
                severity = Severity.WARNING if col.key == "recorded_by" else Severity.ERROR
                for row in names.index[unknown]:
                    out.append(
                        _finding(table, col.key, int(row), "unknown-owner", severity, names.at[row])
                    )
    if customers is not None:
        out += _customer_findings(customers, settings.record_hours, settings.tiers)
    if "contacts" in tts:
        out += _contact_findings(tts["contacts"])
    if "issues" in tts:
        out += _issue_findings(tts["issues"])
    if "leads" in tts:
        out += _lead_findings(tts["leads"])
    return out


def _customer_findings(tt: Typed, record_hours: float, tiers: Iterable[str]) -> list[Finding]:
    table, frame = tt.table, tt.frame
    out: list[Finding] = []
    if table.has("name"):
        names = frame["name"]
        for row, name in names.dropna().items():
            if not values.has_legal_ending(str(name)):
                out.append(_finding(table, "name", int(row), "short-name", Severity.WARNING, name))
        folded = names.dropna().map(lambda n: values.normalize_company(str(n)))
        seen: dict[str, int] = {}
        for row, key in folded.items():
            if key in seen:
                out.append(
                    _finding(
                        table,
                        "name",
                        int(row),
                        "duplicate-customer",
                        Severity.ERROR,
                        names.at[row],
                        first=table.cell("name", seen[key]),
                    )
                )
            else:
                seen[key] = int(row)
    if table.has("created") and table.has("first_contact"):
        late = (frame["created"] - frame["first_contact"]) > timedelta(hours=record_hours)
        for row in frame.index[late.fillna(False)]:
            days = (frame.at[row, "created"] - frame.at[row, "first_contact"]).days
            out.append(
                _finding(
                    table,
                    "created",
                    int(row),
                    "late-record",
                    Severity.WARNING,
                    _raw(table, "created", row),
                    days=days,
                    hours=_num(record_hours),
                )
            )
    if table.has("tier_override"):
        letters = set(tiers)
        notes = frame["notes"] if "notes" in frame else pd.Series(None, index=frame.index)
        for row, tier in frame["tier_override"].dropna().items():
            if tier not in letters:
                out.append(
                    _finding(
                        table,
                        "tier_override",
                        int(row),
                        "bad-enum",
                        Severity.ERROR,
                        tier,
                        allowed="、".join(letters),
                    )
                )
            elif values.is_blank(notes.get(row)):
                out.append(
                    _finding(
                        table,
                        "tier_override",
                        int(row),
                        "override-needs-note",
                        Severity.WARNING,
                        tier,
                    )
                )
    return out


def _contact_findings(tt: Typed) -> list[Finding]:
    table, frame = tt.table, tt.frame
    out: list[Finding] = []
    methods = [k for k in ("mobile", "wechat", "email") if table.has(k)]
    if methods:
        raw_blank = pd.Series(True, index=frame.index)
        for k in methods:
            raw_blank &= table.data[k].map(values.is_blank)
        for row in frame.index[raw_blank]:
            out.append(
                _finding(
                    table, methods[0], int(row), "missing-contact-method", Severity.ERROR, None
                )
            )
    if table.has("mobile") and "customer_id" in frame:
        phones = frame[["mobile", "customer_id"]].dropna()
        first: dict[str, tuple[int, str]] = {}
        for row, phone, cid in phones.itertuples():
            if phone in first and first[phone][1] != cid:
                out.append(
                    _finding(
                        table,
                        "mobile",
                        int(row),
                        "duplicate-phone",
                        Severity.WARNING,
                        phone,
                        first=table.cell("mobile", first[phone][0]),
                        other=first[phone][1],
                    )
                )
            elif phone not in first:
                first[phone] = (int(row), cid)
    return out


def _issue_findings(tt: Typed) -> list[Finding]:
    table, frame = tt.table, tt.frame
    out: list[Finding] = []
    if "logged_at" not in frame:
        return out
    logged = frame["logged_at"]
    for key in ("first_response_at", "plan_at", "resolved_at"):
        if not table.has(key):
            continue
        before = frame[key] < logged
        for row in frame.index[before.fillna(False)]:
            out.append(
                _finding(
                    table,
                    key,
                    int(row),
                    "resolved-before-logged",
                    Severity.ERROR,
                    _raw(table, key, row),
                    logged=table.cell("logged_at", int(row)),
                )
            )
    return out


def _lead_findings(tt: Typed) -> list[Finding]:
    table, frame = tt.table, tt.frame
    out: list[Finding] = []
    if "status" not in frame:
        return out
    reason = (
        frame["invalid_reason"] if "invalid_reason" in frame else pd.Series(None, index=frame.index)
    )
    invalid = frame["status"] == "无效"
    for row in frame.index[invalid & reason.isna()]:
        key = "invalid_reason" if table.has("invalid_reason") else "status"
        out.append(_finding(table, key, int(row), "invalid-reason-missing", Severity.ERROR, None))
    return out


register(
    {
        "validate-summary": (
            "{errors} 个错误，{warnings} 个警告（已检查：{checked}）",
            "{errors} errors, {warnings} warnings (checked: {checked})",
        ),
        "missing-value": ("必填项“{field}”为空", "Required {field} is empty"),
        "bad-date": (
            "“{value}”不是有效日期（可写 2024-03-05、2024/3/5、2024年3月5日）",
            "{value!r} is not a date (write 2024-03-05, 2024/3/5 or 2024年3月5日)",
        ),
        "bad-amount": (
            "“{value}”不是有效金额（可写 1200000、¥1,200,000、120万）",
            "{value!r} is not an amount (write 1200000, ¥1,200,000 or 120万)",
        ),
        "bad-int": ("“{value}”不是整数", "{value!r} is not a whole number"),
        "bad-number": ("“{value}”不是数字", "{value!r} is not a number"),
        "bad-phone": (
            "“{value}”不是有效电话（手机11位，座机需带区号如 010-12345678）",
            "{value!r} is not a phone number (11-digit mobile, or landline with area "
            "code such as 010-12345678)",
        ),
        "landline-needs-area-code": (
            "座机“{value}”缺少区号（如 010-12345678）",
            "Landline {value!r} needs its area code (010-12345678)",
        ),
        "bad-email": ("“{value}”不是有效邮箱", "{value!r} is not an e-mail address"),
        "bad-url": ("“{value}”不是有效网址", "{value!r} is not a web address"),
        "bad-yesno": ("“{value}”应为“是”或“否”", "{value!r} should be 是 (yes) or 否 (no)"),
        "bad-enum": ("“{value}”不在可选值中：{allowed}", "{value!r} is not one of: {allowed}"),
        "placeholder": (
            "“{value}”是待补充的占位内容，请尽快核实",
            "{value!r} is a placeholder; fill in the real value",
        ),
        "out-of-range": ("“{value}”超出范围（应 {bound}）", "{value!r} is out of range ({bound})"),
        "future-date": ("日期 {value} 晚于今天（{as_of}）", "Date {value} is after {as_of}"),
        "duplicate-id": (
            "编号“{value}”重复（首次出现在 {first}）",
            "ID {value!r} is used twice (first at {first})",
        ),
        "unknown-customer": (
            "客户编号“{value}”在客户档案中不存在",
            "Customer ID {value!r} is not in the customer sheet",
        ),
        "unknown-owner": ("“{value}”不在销售团队名单中", "{value!r} is not in the team sheet"),
        "short-name": (
            "“{value}”像是简称，请填写单位全称（如“…有限公司”）",
            "{value!r} looks abbreviated; use the full legal name (… Co., Ltd.)",
        ),
        "duplicate-customer": (
            "客户“{value}”与 {first} 重复（查重）",
            "Customer {value!r} duplicates {first}",
        ),
        "late-record": (
            "建档比首次接触晚了 {days} 天，超过 {hours} 小时时限",
            "Recorded {days} days after first contact, beyond the {hours} h limit",
        ),
        "override-needs-note": (
            "手动等级“{value}”需要在备注中说明原因",
            "Tier override {value!r} needs a reason in Notes",
        ),
        "missing-contact-method": (
            "手机、微信、邮箱至少填写一项",
            "Give at least one of mobile, WeChat or e-mail",
        ),
        "duplicate-phone": (
            "电话 {value} 已属于客户 {other}（{first}），请查重",
            "Phone {value} already belongs to customer {other} ({first})",
        ),
        "resolved-before-logged": (
            "时间 {value} 早于登记时间（{logged}）",
            "Time {value} is before the logged time ({logged})",
        ),
        "invalid-reason-missing": (
            "无效线索必须填写无效原因",
            "An invalid lead needs an invalid reason",
        ),
    }
)
