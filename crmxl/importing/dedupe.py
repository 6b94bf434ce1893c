"""查重 for an import: a row whose company (folded by
:func:`~crmxl.model.values.normalize_company`) or phone matches an existing customer, contact,
lead, or an earlier row of the same file, and an ID the sheet already holds."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar

import pandas as pd

from crmxl.i18n import register
from crmxl.importing.read import is_missing
from crmxl.importing.target import Target
from crmxl.model import values
from crmxl.model.findings import Finding, Severity
from crmxl.model.schema import (
    SheetSpec,
)
from crmxl.model.workspace import Table, Workspace


@dataclass(frozen=True)
class Match:
    """What a row duplicates: a customer, a contact's phone, a lead, or an earlier line.

    Only where it is (sheet, row, column) is kept; the words for a message are looked up when
    a duplicate is found, so registering 100k customers stays cheap.
    """

    kind: str  # "customer", "contact", "lead", "file"
    table: Table  # the sheet (for "file": the source as a table)
    row: int  # Excel row (for "file": the source line)
    key: str  # the column that matched

    _RECORD: ClassVar[dict[str, str]] = {
        "customer": "customer_id",
        "contact": "customer_id",
        "lead": "lead_id",
    }

    def params(self) -> dict[str, str]:
        """``record``, ``name`` and ``where`` for the duplicate's message."""
        table, row = self.table, self.row
        record_key = self._RECORD.get(self.kind)
        name_key = "company" if table.spec.key == "leads" else "name"
        record = str(row) if record_key is None else _raw_text(table, record_key, row, ids=True)
        return {
            "record": record,
            "name": _raw_text(table, name_key, row),
            "where": table.cell(self.key, row),
        }


def _raw_text(table: Table, key: str, row: int, ids: bool = False) -> str:
    if key not in table.data.columns:
        return ""
    value = table.data.at[row, key]
    if value is None or is_missing(value):
        return ""
    return values.parse_id(value) if ids else values.parse_text(value)


_MOBILE_TEXT = re.compile(r"^1[3-9]\d{9}$")


def phone_key(raw: Any) -> str | None:
    """A phone cell normalised for 查重 (:func:`~crmxl.model.values.parse_phone`), None when it is
    not a phone; the common case (an 11-digit mobile) without the full parser."""
    if raw is None or is_missing(raw):
        return None
    if isinstance(raw, str):
        if _MOBILE_TEXT.match(raw):
            return raw
    elif isinstance(raw, float) and raw.is_integer():
        raw = str(int(raw))
        if _MOBILE_TEXT.match(raw):
            return raw
    try:
        return values.parse_phone(raw)
    except values.BadValue:
        return None


class Registry:
    """Normalised company names and phones already taken, and by what."""

    def __init__(self) -> None:
        self.names: dict[str, Match] = {}
        self.phones: dict[str, Match] = {}

    def add_names(self, table: Table, key: str, kind: str) -> None:
        """Every company name of ``table``'s column ``key``."""
        if not table.has(key):
            return
        names = self.names
        for row, raw in zip(table.data.index.tolist(), table.data[key].tolist(), strict=True):
            if isinstance(raw, str) and raw.strip():
                folded = values.normalize_company(raw)
                if folded not in names:
                    names[folded] = Match(kind, table, int(row), key)

    def add_phones(self, table: Table, key: str, kind: str) -> None:
        """Every phone of ``table``'s column ``key``."""
        if not table.has(key):
            return
        phones = self.phones
        for row, raw in zip(table.data.index.tolist(), table.data[key].tolist(), strict=True):
            phone = phone_key(raw)
            if phone is not None and phone not in phones:
                phones[phone] = Match(kind, table, int(row), key)


def existing_registry(ws: Workspace, spec: SheetSpec) -> Registry:
    """Company names and phones of the workspace that an imported ``spec`` row must not repeat.

    Leads: 客户档案.客户名称, 联系人.手机, 线索.公司名称 and 线索.电话. Customers: 客户名称.
    Other sheets: nothing (their duplicates are only checked by ID).
    """
    reg = Registry()
    if spec.key not in ("leads", "customers"):
        return reg
    customers = ws.tables.get("customers")
    if customers is not None:
        reg.add_names(customers, "name", "customer")
    if spec.key != "leads":
        return reg
    contacts = ws.tables.get("contacts")
    if contacts is not None:
        reg.add_phones(contacts, "mobile", "contact")
    leads = ws.tables.get("leads")
    if leads is not None:
        reg.add_names(leads, "company", "lead")
        reg.add_phones(leads, "phone", "lead")
    return reg


def _dup_finding(source: Table, key: str, line: int, value: Any, match: Match) -> Finding:
    return Finding.make(
        source.sheet_name,
        source.cell(key, line),
        f"import-dup-{match.kind}",
        Severity.ERROR,
        value,
        row=line,
        column=source.header(key),
        **match.params(),
    )


@dataclass
class KeyValues:
    """The typed ID, company/name and phone of every source row, as plain lists (fast)."""

    ids: list[str | None]
    names: list[str | None]
    phones: list[str | None]

    @classmethod
    def of(cls, spec: SheetSpec, table: Table, frame: pd.DataFrame) -> KeyValues:
        def column(key: str | None) -> list[str | None]:
            if key is None or key not in table.columns:
                return [None] * len(frame)
            return [v if isinstance(v, str) and v else None for v in frame[key].tolist()]

        name_key = {"leads": "company", "customers": "name"}.get(spec.key)
        phone_key = "phone" if spec.key == "leads" else None
        id_key = spec.id_column if spec.id_column else None
        return cls(column(id_key), column(name_key), column(phone_key))


class Checker:
    """查重 of one import: against the workspace, then against the rows already kept."""

    def __init__(
        self,
        spec: SheetSpec,
        table: Table,
        registry: Registry,
        existing_ids: set[str],
        target: Target,
    ) -> None:
        self.spec = spec
        self.table = table
        self.registry = registry
        self.existing_ids = existing_ids
        self.target = target
        self.name_key = {"leads": "company", "customers": "name"}.get(spec.key)
        self._id_cells: dict[str, str] | None = None

    def duplicates(self, line: int, keyed: KeyValues, i: int) -> list[Finding]:
        out: list[Finding] = []
        table = self.table
        rid, name, phone = keyed.ids[i], keyed.names[i], keyed.phones[i]
        id_key = self.spec.id_column
        if rid is not None and id_key and rid in self.existing_ids:
            out.append(
                Finding.make(
                    table.sheet_name,
                    table.cell(id_key, line),
                    "import-id-exists",
                    Severity.ERROR,
                    rid,
                    row=line,
                    column=table.header(id_key),
                    where=self.id_cell(rid),
                )
            )
        if name is not None and self.name_key:
            match = self.registry.names.get(values.normalize_company(name))
            if match is not None:
                out.append(_dup_finding(table, self.name_key, line, name, match))
        if phone is not None and phone in self.registry.phones:
            out.append(_dup_finding(table, "phone", line, phone, self.registry.phones[phone]))
        return out

    def id_cell(self, rid: str) -> str:
        """Where the sheet already holds ``rid`` (``线索!A7``)."""
        if self._id_cells is None:
            self._id_cells = {}
            table, id_key = self.target.table, self.spec.id_column
            if table is not None and id_key is not None and table.has(id_key):
                for row, value in table.data[id_key].items():
                    if not is_missing(value):
                        cell = table.cell(id_key, int(row))
                        self._id_cells.setdefault(values.parse_id(value), cell)
        return self._id_cells.get(rid, self.target.name)

    def register(self, line: int, keyed: KeyValues, i: int) -> None:
        """A kept row: later rows of the file must not repeat its name or phone."""
        name, phone = keyed.names[i], keyed.phones[i]
        if name is not None and self.name_key:
            folded = values.normalize_company(name)
            if folded not in self.registry.names:
                self.registry.names[folded] = Match("file", self.table, line, self.name_key)
        if phone is not None and phone not in self.registry.phones:
            self.registry.phones[phone] = Match("file", self.table, line, "phone")


register(
    {
        "import-id-exists": (
            "编号“{value}”在工作表中已存在（{where}）",
            "ID {value!r} is already in the sheet ({where})",
        ),
    }
)
