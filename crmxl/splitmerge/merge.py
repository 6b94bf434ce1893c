"""``crmxl merge``: take a salesperson's split workbook back into the master, safely.

For each returned workbook (one that carries a split manifest, :mod:`crmxl.splitmerge.manifest`):

1. The manifest must be recorded in the master's 变更日志 (the ``split`` row with the same split
   ID and SHA-256). A workbook split from another master, from a master restored to before the
   split, or whose manifest was altered, is refused; then nothing at all is written.
2. Each row is matched to its manifest entry by its token (or, when the person deleted,
   emptied or shuffled the token column, by its ID or natural key: :func:`match_rows`, and the
   result says so), and each field is compared three ways: the person's value, the value at
   split time (the manifest's field hash) and the master's value now. Changed by the person only → applied; changed by both to different
   values → a conflict, listed with both values and not applied; already equal → nothing to do
   (so merging the same file twice changes nothing the second time).
3. Not applied, and reported: rows whose customer is not the person's (now), changes to key
   columns (IDs, 客户编号, 负责人/分配给) and (auto) columns, values in columns the workbook did
   not carry (a sensitive column the person added back), rows the person deleted, and new rows
   on sheets that take none or for someone else's customer. Merge never deletes or clears a row.
4. New rows on 跟进记录, 联系人, 需求清单 and 问题跟踪 are appended to the master, with a new ID
   when theirs is blank or taken. Each one's fingerprint (its content, with the split ID) goes
   into its 变更日志 row, so the same row is never appended twice.

Every applied change and every new row is a 变更日志 row naming the returned file; all of it is
written through the safe write path (:class:`~crmxl.workbook.WorkbookWriter`). ``refresh``
afterwards recomputes tiers and flags.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from crmxl.errors import UsageError, WorkspaceError
from crmxl.i18n import register, t
from crmxl.model.changelog import Writers, append_changelog, changelog_row
from crmxl.model.schema import ColType, Column
from crmxl.model.values import display_value, plain
from crmxl.model.workspace import Table, Workspace, open_workspace
from crmxl.progress import Progress, reporter
from crmxl.splitmerge import manifest as mf
from crmxl.splitmerge.merge_result import Change, FileReport, MergeResult, NewRow, Rejected
from crmxl.splitmerge.people import (
    Person,
    key_columns,
    members,
    owner_map,
    person,
    row_owners,
    sensitive,
)
from crmxl.splitmerge.poolrows import claim_code, was_pool_row
from crmxl.splitmerge.returned import (
    SplitLog,
    checked_manifest,
    is_returned,
    read_split_log,
    row_tokens,
)
from crmxl.workbook import CellValue, Text, write_locked

#: ID prefixes for a sheet whose master has no ID to learn the pattern from.
DEFAULT_PREFIX = {"follow_ups": "GJ", "needs": "XQ", "issues": "WT"}

_DATE_FORMATS = {ColType.DATE: "yyyy-mm-dd", ColType.DATETIME: "yyyy-mm-dd hh:mm"}


def cell_value(value: Any, col: Column) -> CellValue:
    """What a returned value becomes in the master's cell, by the column's type.

    Dates stay dates (and a date a reader handed back as text becomes a date again), numbers
    stay numbers in number columns, and anything in a text column (a phone typed as a number
    included) is written as text, which is never a formula.
    """
    value = plain(value)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        value = value.replace(microsecond=0, tzinfo=None)
        return value.date() if col.type is ColType.DATE else value
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        return value
    numeric = col.type in (ColType.INT, ColType.AMOUNT, ColType.NUMBER)
    if isinstance(value, int | float):
        if numeric:
            return int(value) if float(value).is_integer() else float(value)
        return Text(mf.canonical(value, col.type))
    text = str(value)
    if col.type in _DATE_FORMATS:
        moment = mf.coerced_datetime(text)
        if moment is not None:
            return moment.date() if col.type is ColType.DATE else moment
    if numeric and mf.PLAIN_NUMBER.match(text.strip()):
        number = float(text.strip())
        return int(number) if number.is_integer() else number
    return Text(text)


def _logged(value: Any) -> object:
    value = display_value(plain(value))
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    return value


@dataclass
class _Master:
    """The master workspace and what merge keeps track of while it works."""

    ws: Workspace
    log: SplitLog
    writers: Writers
    changelog: list[list[CellValue]] = field(default_factory=list)
    overlay: dict[tuple[str, int, str], Any] = field(default_factory=dict)
    keys: dict[str, dict[str, int]] = field(default_factory=dict)
    owners: dict[str, pd.Series] = field(default_factory=dict)
    ids: dict[str, set[str]] = field(default_factory=dict)
    counters: dict[str, Iterator[str]] = field(default_factory=dict)
    owner_of: dict[str, str] | None = None

    def value(self, table: Table, row: int, key: str) -> Any:
        found = self.overlay.get((table.spec.key, row, key), _MISSING)
        return table.data.at[row, key] if found is _MISSING else found

    def row_of(self, table: Table, key: str) -> int | None:
        if table.spec.key not in self.keys:
            keys = mf.row_keys(table.data, table.spec, sensitive(self.ws, table.spec))
            self.keys[table.spec.key] = dict(zip(keys.tolist(), keys.index.tolist(), strict=True))
        return self.keys[table.spec.key].get(key)

    def owner(self, table: Table, row: int) -> str:
        if table.spec.key not in self.owners:
            if self.owner_of is None:
                self.owner_of = owner_map(self.ws)
            self.owners[table.spec.key] = row_owners(table, self.owner_of)
        return str(self.owners[table.spec.key].get(row, ""))

    def customer_owner(self, customer: str) -> str | None:
        if self.owner_of is None:
            self.owner_of = owner_map(self.ws)
        return self.owner_of.get(customer)

    def new_id(self, table: Table) -> str | None:
        """The next free ID of ``table`` (patterned on its IDs), or None when it keeps none."""
        key = table.spec.key
        id_col = table.spec.id_column
        if id_col is None or id_col not in table.columns:
            return None
        taken = self.taken(table)
        if key not in self.counters:
            if not taken and not table.spec.column(id_col).required:
                return None
            self.counters[key] = _id_sequence(taken, DEFAULT_PREFIX.get(key, "ID"))
        for candidate in self.counters[key]:
            if candidate not in taken:
                taken.add(candidate)
                return candidate
        return None  # pragma: no cover - the sequence is endless

    def taken(self, table: Table) -> set[str]:
        key = table.spec.key
        if key not in self.ids:
            id_col = table.spec.id_column
            if id_col is None or id_col not in table.data:
                self.ids[key] = set()
            else:
                ids = mf.canonical_series(table.data[id_col], ColType.ID)
                self.ids[key] = {i for i in ids.tolist() if i}
        return self.ids[key]


_MISSING = object()


def _id_sequence(taken: set[str], default_prefix: str) -> Iterator[str]:
    """IDs after the most common pattern of ``taken`` (``GJ00042`` -> ``GJ00043`` ...)."""
    patterns: Counter[tuple[str, int]] = Counter()
    highest: dict[tuple[str, int], int] = {}
    for ident in taken:
        m = re.fullmatch(r"(.*?)(\d+)", ident)
        if m is None:
            continue
        pattern = (m.group(1), len(m.group(2)))
        patterns[pattern] += 1
        highest[pattern] = max(highest.get(pattern, 0), int(m.group(2)))
    if patterns:
        (prefix, width), _ = patterns.most_common(1)[0]
        n = highest[(prefix, width)]
    else:
        prefix, width, n = default_prefix, 5, 0
    while True:
        n += 1
        yield f"{prefix}{n:0{width}d}"


def _in_scope(who: Person, owner: str | None) -> bool:
    return who.everything or (owner is not None and owner in who.scope)


def _merge_file(master: _Master, path: Path, manifest: mf.Manifest) -> FileReport:
    ws = master.ws
    who = person(ws, manifest.owner, members(ws))
    report = FileReport(path, manifest.owner, who.role, manifest.split_id, manifest.exported_at)
    returned = open_workspace([path])
    for sheet_key, entry in manifest.sheets.items():
        table = ws.tables.get(sheet_key)
        theirs = returned.tables.get(sheet_key)
        if table is None or theirs is None:
            code = "merge-no-sheet" if table is None else "merge-sheet-missing"
            report.rejected.append(Rejected(entry.name, "", "", None, code))
            continue
        _merge_sheet(master, report, who, manifest, entry, table, theirs)
    return report


def _merge_sheet(
    master: _Master,
    report: FileReport,
    who: Person,
    manifest: mf.Manifest,
    entry: mf.SheetEntry,
    table: Table,
    theirs: Table,
) -> None:
    spec = table.spec
    ws = master.ws
    sheet = table.sheet_name
    keys = key_columns(spec)
    present = [k for k in entry.columns if k in theirs.columns]
    for k in entry.columns:
        if k not in theirs.columns:
            header = spec.column(k).name(table.lang)
            report.rejected.append(Rejected(sheet, "", header, None, "merge-column-missing"))
    extra = [k for k in theirs.columns if k not in entry.columns]
    position = {k: i for i, k in enumerate(entry.columns)}
    data = theirs.data
    hashes = {k: mf.hash_series(data[k], spec.column(k).type) for k in present}
    tokens = row_tokens(report.path, theirs)
    rows = data.index.tolist()
    their_keys = mf.row_keys(data, spec, sensitive(ws, spec)).tolist()
    matched, by_key = match_rows(entry, tokens.tolist(), their_keys)
    for token, positions in _copies(matched).items():
        base = mf.split_fingerprint(entry.rows[token][1])
        best = max(
            positions,
            key=lambda i: sum(hashes[k][i] == base[position[k]] for k in present),
        )
        for i in positions:
            matched.pop(i, None)
        matched[best] = token
    if by_key:
        report.by_key[sheet] = by_key
    # values in columns the workbook did not carry: never applied
    for k in extra:
        header = theirs.header(k)
        for i, value in enumerate(data[k].tolist()):
            if mf.canonical(value, spec.column(k).type):
                record = _label(theirs, rows[i], entry, matched.get(i))
                report.rejected.append(
                    Rejected(sheet, record, header, plain(value), "merge-removed-column")
                )
    sensitive_now = not who.sees_sensitive
    for i, token in matched.items():
        key, fingerprint = entry.rows[token]
        base = mf.split_fingerprint(fingerprint)
        changed = [k for k in present if hashes[k][i] != base[position[k]]]
        if not changed:
            report.unchanged_rows += 1
            continue
        record = mf.key_label(key)
        row = master.row_of(table, key)
        if (
            spec.key == "customers"
            and "owner" in position
            and was_pool_row(base[position["owner"]])
        ):
            _merge_pool_row(master, report, manifest, table, theirs, rows[i], row, record, changed)
            continue
        mine = row is not None and _in_scope(who, master.owner(table, row))
        for k in changed:
            col = spec.column(k)
            header = table.header(k) if k in table.columns else col.name(table.lang)
            new = data.at[rows[i], k]
            code = None
            if row is None:
                code = "merge-row-gone"
            elif not mine:
                code = "merge-not-yours"
            elif k in keys:
                code = "merge-key-column"
            elif col.auto:
                code = "merge-auto-column"
            elif sensitive_now and ws.settings.is_sensitive(spec.key, k):
                code = "merge-removed-column"
            elif k not in table.columns:
                code = "merge-no-column"
            if code is not None or row is None:
                report.rejected.append(
                    Rejected(sheet, record, header, plain(new), code or "merge-row-gone")
                )
                continue
            old = master.value(table, row, k)
            theirs_now = mf.canonical(new, col.type)
            master_now = mf.canonical(old, col.type)
            if theirs_now == master_now:
                report.already_applied += 1
            elif mf.field_hash(master_now) == base[position[k]]:
                _apply(master, table, row, k, new, record, manifest, report.path)
                report.applied.append(Change(sheet, record, header, plain(old), plain(new), row))
            else:
                report.conflicts.append(Change(sheet, record, header, plain(old), plain(new), row))
    for token in sorted(set(entry.rows) - set(matched.values())):
        key = entry.rows[token][0]
        report.rejected.append(Rejected(sheet, mf.key_label(key), "", None, "merge-deleted"))
    seen: Counter[str] = Counter()
    for i, when in enumerate(rows):
        if i in matched:
            continue
        _new_row(master, report, who, manifest, entry, table, theirs, when, present, seen)


def match_rows(
    entry: mf.SheetEntry, tokens: list[float], keys: list[str]
) -> tuple[dict[int, int], int]:
    """Which manifest row each returned row is: ``({position: token}, rows matched by key)``.

    By its hidden token first (the column ``crmxl-row``), while the token and the row agree: a
    token on a row whose own key (its ID, or its natural key) is another exported row's has
    been moved (the column was sorted or pasted on its own), and is not trusted. A row without a
    trusted token (the column deleted, emptied, or shuffled) is matched by its key, when that
    names an exported row no other returned row has taken. Copies of one token are settled by
    :func:`_copies`. Whatever stays unmatched is a new row.
    """
    token_of = {key: token for token, (key, _) in entry.rows.items()}
    matched: dict[int, int] = {}
    for i, (value, key) in enumerate(zip(tokens, keys, strict=True)):
        if value != value or not float(value).is_integer() or int(value) not in entry.rows:
            continue
        token = int(value)
        own = token_of.get(key)
        if own is not None and own != token:
            continue  # the token was moved onto another exported row
        matched[i] = token
    taken = set(matched.values())
    by_key = 0
    for i, key in enumerate(keys):
        found = token_of.get(key) if i not in matched else None
        if found is not None and found not in taken:
            matched[i] = found
            taken.add(found)
            by_key += 1
    return matched, by_key


def _copies(matched: dict[int, int]) -> dict[int, list[int]]:
    """Tokens that more than one returned row carries (a copied row), with those rows."""
    rows_of: dict[int, list[int]] = {}
    for i, token in matched.items():
        rows_of.setdefault(token, []).append(i)
    return {token: positions for token, positions in rows_of.items() if len(positions) > 1}


def _merge_pool_row(
    master: _Master,
    report: FileReport,
    manifest: mf.Manifest,
    table: Table,
    theirs: Table,
    their_row: int,
    row: int | None,
    record: str,
    changed: list[str],
) -> None:
    """A pool customer's row of the split (SPEC 2.9): only the person's claim is taken —
    负责人 set to their own name while the customer is still in the pool; nothing else."""
    sheet = table.sheet_name
    for k in changed:
        header = table.header(k) if k in table.columns else table.spec.column(k).name(table.lang)
        new = theirs.data.at[their_row, k]
        if row is None:
            report.rejected.append(Rejected(sheet, record, header, plain(new), "merge-row-gone"))
            continue
        code = (
            "merge-pool-readonly"
            if k != "owner"
            else claim_code(plain(new), manifest.owner, master.value(table, row, "owner"))
        )
        if code is not None:
            report.rejected.append(Rejected(sheet, record, header, plain(new), code))
            continue
        old = master.value(table, row, k)
        _apply(master, table, row, k, new, record, manifest, report.path)
        report.applied.append(Change(sheet, record, header, plain(old), plain(new), row))


def _label(theirs: Table, row: int, entry: mf.SheetEntry, token: int | None) -> str:
    """How a returned row is named in the report: its master key, else its ID, else its
    natural key (客户编号 and 姓名 ...), else its cell (``跟进记录!12``)."""
    if token is not None:
        return mf.key_label(entry.rows[token][0])
    spec = theirs.spec

    def shown(k: str) -> str:
        if k not in theirs.data:
            return ""
        return mf.canonical(theirs.data.at[row, k], spec.column(k).type)

    if spec.id_column and shown(spec.id_column):
        return shown(spec.id_column)
    parts = [text for text in (shown(k) for k in mf.key_columns(spec)) if text]
    return " ".join(parts) or f"{theirs.sheet_name}!{row}"


def _apply(
    master: _Master,
    table: Table,
    row: int,
    key: str,
    new: Any,
    record: str,
    manifest: mf.Manifest,
    path: Path,
) -> None:
    """Write one field the person changed (and only they did) into the master, and log it."""
    col = table.spec.column(key)
    value = cell_value(new, col)
    writer = master.writers(table.file)
    fmt = _DATE_FORMATS.get(col.type) if isinstance(value, date) else None
    writer.set_cell(table.sheet_name, row, table.columns[key], value, number_format=fmt)
    old = master.value(table, row, key)
    master.overlay[(table.spec.key, row, key)] = new
    reason = t("merge-log-change", master.ws.lang, file=path.name, owner=manifest.owner)
    master.changelog.append(
        changelog_row(
            datetime.now(),
            "merge",
            table.sheet_name,
            record,
            table.header(key),
            _logged(old),
            _logged(new),
            f"{reason} [crmxl {manifest.split_id}]",
        )
    )


def _new_row(
    master: _Master,
    report: FileReport,
    who: Person,
    manifest: mf.Manifest,
    entry: mf.SheetEntry,
    table: Table,
    theirs: Table,
    row: int,
    present: list[str],
    seen: Counter[str],
) -> None:
    """Append one row the person added (or say why not)."""
    spec = table.spec
    sheet = table.sheet_name
    label = _label(theirs, row, entry, None)
    if not entry.appendable:
        report.rejected.append(Rejected(sheet, label, "", None, "merge-new-not-allowed"))
        return
    ref = next((c.key for c in spec.columns if c.customer_ref), None)
    customer = mf.canonical(theirs.data.at[row, ref], ColType.ID) if ref in theirs.data else ""
    if not customer or not _in_scope(who, master.customer_owner(customer)):
        report.rejected.append(Rejected(sheet, label, "", customer or None, "merge-new-not-yours"))
        return
    sensitive_now = not who.sees_sensitive
    values: dict[str, Any] = {}
    for k in present:
        col = spec.column(k)
        value = theirs.data.at[row, k]
        if col.auto or not mf.canonical(value, col.type):
            continue
        if sensitive_now and master.ws.settings.is_sensitive(spec.key, k):
            continue
        if k not in table.columns:
            report.rejected.append(
                Rejected(sheet, label, col.name(table.lang), plain(value), "merge-no-column")
            )
            continue
        values[k] = value
    content = "\n".join(
        f"{k}={mf.canonical(v, spec.column(k).type)}" for k, v in sorted(values.items())
    )
    seen[content] += 1
    fingerprint = hashlib.sha256(f"{spec.key}\n{content}\n#{seen[content]}".encode()).hexdigest()[
        :16
    ]
    if (manifest.split_id, fingerprint) in master.log.merged:
        report.already_added += 1
        return
    master.log.merged.add((manifest.split_id, fingerprint))
    given = False
    id_col = spec.id_column
    if id_col is not None and id_col in table.columns:
        typed_id = mf.canonical(values.get(id_col), ColType.ID)
        taken = master.taken(table)
        if typed_id and typed_id not in taken:
            taken.add(typed_id)
        else:
            fresh = master.new_id(table)
            if fresh is not None:
                values[id_col] = fresh
                given = True
            else:
                values.pop(id_col, None)
    model = table.last_row if table.last_row > table.header_row else None
    target = table.last_row + 1
    table.last_row = target
    writer = master.writers(table.file)
    writer.set_header_row(sheet, table.header_row)
    for k, value in values.items():
        col = spec.column(k)
        cell = cell_value(value, col)
        if cell is None:
            continue
        column = table.columns[k]
        writer.set_cell(
            sheet,
            target,
            column,
            cell,
            style_like=(model, column) if model is not None else None,
            number_format=_DATE_FORMATS.get(col.type) if isinstance(cell, date) else None,
        )
    record = mf.canonical(values[id_col], ColType.ID) if id_col and id_col in values else label
    report.added.append(NewRow(sheet, record, target, given))
    reason = t("merge-log-new", master.ws.lang, file=report.path.name, owner=manifest.owner)
    master.changelog.append(
        changelog_row(
            datetime.now(),
            "merge",
            sheet,
            record,
            t("merge-new-row", master.ws.lang),
            None,
            None,
            f"{reason} [crmxl {manifest.split_id} {fingerprint}]",
        )
    )


@write_locked("master_files", unless="dry_run")
def merge(
    master_files: Sequence[Path | str],
    returned_files: Sequence[Path | str],
    *,
    dry_run: bool = False,
    config: Path | str | None = None,
    backup: bool = True,
    progress: Progress | None = None,
) -> MergeResult:
    """Merge each returned split workbook into the master workspace ``master_files``.

    Every returned workbook is checked first; one that does not come from this master (or was
    tampered with) refuses the whole merge, so nothing is written. ``dry_run`` reports what
    would happen and writes nothing. ``progress(stage, done, total)`` hears how far it got.
    """
    started = time.perf_counter()
    say = reporter(progress)
    returned = [Path(p) for p in returned_files]
    if not returned:
        raise UsageError("merge-no-returned")
    say("read", 0, 3)
    ws = open_workspace(master_files, config=config)
    if "customers" not in ws.tables:  # whose rows are whose hangs off 客户档案's 负责人
        raise WorkspaceError("merge-no-customers", files=", ".join(p.name for p in ws.files))
    masters = {p.resolve() for p in ws.files}
    for path in returned:
        if path.resolve() in masters:
            raise UsageError("merge-master-as-returned", path=path)
    log = read_split_log(ws)
    manifests = [checked_manifest(path, log) for path in returned]
    master = _Master(ws, log, Writers(ws))
    result = MergeResult(list(ws.files), dry_run)
    say("compute", 1, 3)
    for path, manifest in zip(returned, manifests, strict=True):
        result.files.append(_merge_file(master, path, manifest))
    say("write", 2, 3)
    append_changelog(master.writers, ws, master.changelog)
    pending = master.writers.pending()
    log_file = ws.tables["changelog"].file if "changelog" in ws.tables else ws.primary_file
    pending.sort(key=lambda w: w.path == log_file)  # the file with the log is saved last
    for writer in pending:
        result.saved.append(writer.plan() if dry_run else writer.save(backup=backup))
    say("done", 3, 3)
    result.seconds = time.perf_counter() - started
    return result


def merge_files(
    files: Sequence[Path | str],
    *,
    dry_run: bool = False,
    config: Path | str | None = None,
    backup: bool = True,
    progress: Progress | None = None,
) -> MergeResult:
    """:func:`merge` with the master and the returned workbooks in one list: a workbook that
    carries a split manifest is a returned one, every other is part of the master."""
    paths = [Path(p) for p in files]
    returned = [p for p in paths if is_returned(p)]
    masters = [p for p in paths if p not in returned]
    if not masters:
        raise UsageError("merge-no-master")
    return merge(
        masters, returned, dry_run=dry_run, config=config, backup=backup, progress=progress
    )


register(
    {
        "merge-not-yours": (
            "不是本人（现在）负责的客户",
            "not (or no longer) one of this person's customers",
        ),
        "merge-key-column": (
            "编号、客户编号和负责人列不能在拆分文件中修改",
            "IDs, customer IDs and owners cannot be changed in a split workbook",
        ),
        "merge-auto-column": (
            "自动计算列由 crmxl refresh 计算",
            "computed columns are set by crmxl refresh",
        ),
        "merge-removed-column": (
            "此列没有发给本人（敏感列或后加的列）",
            "this column was not given to this person (sensitive, or added later)",
        ),
        "merge-no-column": ("主文件没有此列", "the master has no such column"),
        "merge-column-missing": (
            "交回的文件中缺少此列，此列未合并",
            "the returned workbook lacks this column; it was not merged",
        ),
        "merge-no-sheet": ("主文件中没有此工作表", "the master has no such sheet"),
        "merge-sheet-missing": (
            "交回的文件中缺少此工作表，未合并",
            "the returned workbook lacks this sheet; it was not merged",
        ),
        "merge-row-gone": (
            "主文件中找不到此行（编号或关键信息已改动）",
            "the row is no longer in the master (its ID or key changed)",
        ),
        "merge-deleted": (
            "交回的文件中删除了此行；合并不会删除主文件的任何内容",
            "deleted in the returned workbook; merge never deletes anything from the master",
        ),
        "merge-new-not-allowed": (
            "此工作表不能在拆分文件中新增行",
            "rows cannot be added to this sheet in a split workbook",
        ),
        "merge-new-not-yours": (
            "新增行的客户不是本人负责的客户",
            "the new row's customer is not one of this person's customers",
        ),
        "merge-new-row": ("（新增行）", "(new row)"),
        "merge-log-change": (
            "合并自 {file}（{owner}）",
            "merged from {file} ({owner})",
        ),
        "merge-log-new": (
            "新增行，合并自 {file}（{owner}）",
            "new row merged from {file} ({owner})",
        ),
        "merge-no-returned": (
            "没有给出交回的拆分工作簿",
            "No returned split workbook was given",
        ),
        "merge-no-customers": (
            "主文件 {files} 中没有客户档案：无法判断交回的行属于谁，未合并任何文件",
            "The master {files} has no Customers sheet, so whose rows are whose cannot be told; "
            "nothing was merged",
        ),
        "merge-no-master": ("没有给出主文件", "No master workbook was given"),
        "merge-master-as-returned": (
            "{path} 既是主文件又是交回的文件",
            "{path} is given both as the master and as a returned workbook",
        ),
    }
)
