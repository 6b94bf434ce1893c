"""The manifest of a split workbook: what was exported, to whom, and what every row looked like.

``crmxl split`` writes one workbook per salesperson; ``crmxl merge`` takes it back. To tell what
the person changed, the split workbook carries a manifest in a very hidden sheet
(:data:`MANIFEST_SHEET`), and every exported row carries a *token* (a number in a hidden, locked
column :data:`TOKEN_HEADER` at the right of each data sheet). The token survives sorting,
filtering and a LibreOffice or Excel round trip, and it is what ties a returned row to its entry
in the manifest, whatever the person did to the row's other cells.

For each exported row the manifest holds

- the row's *master key*: its ID (``C0001``), or for a row without one (联系人, a 跟进记录 with no
  记录编号) a natural key (客户编号 + 姓名; 客户编号 + 沟通日期 + 沟通方式), with an occurrence
  number when the master holds the same key more than once. Merge finds the master's row by it;
- the row's *fingerprint*: one short hash per exported column (:data:`DIGEST_CHARS` base64
  characters, 24 bits) of the cell's canonical value. Merge compares the returned cell and the
  master's current cell with it, field by field: that is a three-way merge without storing
  anyone's data twice.

Values are compared in a canonical form (:func:`canonical`) so that what a reader or a round
trip does to a cell is not taken for an edit: ``350`` and ``350.0`` and the text ``"350"`` are
the same, a date is the same as a date-time at midnight and as the text ``2024-03-05 00:00:00``
that fastexcel gives for a date in a mixed column, numbers are compared to 12 significant
digits, date-times to the second, text without surrounding blanks.

The manifest sheet has two columns, a key and a value, all text. Its SHA-256
(:meth:`Manifest.digest`) is recorded in the master's 变更日志 when the split is made; merge
refuses a workbook whose manifest is not recorded there (it comes from another master, or from
a master restored from before the split) or whose manifest was altered.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crmxl.model.schema import SPLIT_MANIFEST_SHEET, ColType, SheetSpec
from crmxl.workbook.reader import RawBook

#: The very hidden sheet that holds the manifest (not a standard sheet name: readers skip it).
MANIFEST_SHEET = SPLIT_MANIFEST_SHEET
#: Header of the hidden, locked column that carries each exported row's token.
TOKEN_HEADER = "crmxl-row"
#: Format tag in the manifest's first row.
FORMAT = "crmxl-split/1"
#: Characters of one field's hash (base64 of 3 bytes).
DIGEST_CHARS = 4
#: Longest text put in one manifest cell (Excel allows 32,767 UTF-16 units; a character
#: outside the BMP takes two).
CELL_CHARS = 16_000

#: Natural keys of the rows that have no ID, by sheet (column keys).
NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "contacts": ("customer_id", "name"),
    "follow_ups": ("customer_id", "date", "channel"),
}

#: How fastexcel writes a date-time it hands back as text (a date in a mixed column).
COERCED_DATETIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?$")
#: A number written the plain way (``350``, ``1.5``), as a reader turns a number into text.
PLAIN_NUMBER = re.compile(r"^-?(?:0|[1-9]\d*)(?:\.\d*[1-9])?$")
_EPOCH = datetime(1899, 12, 30)


# ------------------------------------------------------------------------ canonical values


def _moment(value: datetime, ctype: ColType) -> str:
    if value.microsecond:
        value = (value + timedelta(microseconds=500_000)).replace(microsecond=0)
    if ctype is ColType.DATE or value.time() == time():
        return value.strftime("%Y-%m-%d")
    return value.strftime("%Y-%m-%d %H:%M:%S")


def _number(value: float) -> str:
    if not math.isfinite(value):
        return ""
    if value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return f"{value:.12g}"


def coerced_datetime(text: str) -> datetime | None:
    """The date-time in text such as ``2024-03-05 00:00:00`` (see :data:`COERCED_DATETIME`)."""
    m = COERCED_DATETIME.match(text.strip())
    if m is None:
        return None
    y, mo, d, h, mi, sec = (int(g) for g in m.groups())
    try:
        return datetime(y, mo, d, h, mi, sec)
    except ValueError:
        return None


#: The blanks trimmed from text before it is compared (the same set on every path).
BLANKS = " \t\n\r\x0b\x0c\xa0\u3000"


def canonical(value: Any, ctype: ColType) -> str:
    """The form a cell is compared in (see the module's docstring); blank is ``""``."""
    if value is None or value is pd.NaT:
        return ""
    if isinstance(value, str):
        text = value.strip(BLANKS).replace("\r\n", "\n")
        if not text:
            return ""
        moment = coerced_datetime(text)
        if moment is not None:
            return _moment(moment, ctype)
        if PLAIN_NUMBER.match(text):
            return _number(float(text))
        return text
    if isinstance(value, bool | np.bool_):
        return "TRUE" if value else "FALSE"
    if isinstance(value, pd.Timestamp):
        return _moment(value.to_pydatetime(warn=False), ctype)
    if isinstance(value, datetime):
        return _moment(value.replace(tzinfo=None), ctype)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            return ""
        return _moment(pd.Timestamp(value).to_pydatetime(warn=False), ctype)
    if isinstance(value, int | float | np.integer | np.floating):
        return _number(float(value))
    return str(value).strip(BLANKS)


def field_hash(text: str) -> str:
    """The :data:`DIGEST_CHARS`-character hash of one canonical value."""
    raw = hashlib.blake2b(text.encode("utf-8"), digest_size=3).digest()
    return base64.urlsafe_b64encode(raw).decode("ascii")


_BLANK_HASH = field_hash("")
_SPECIAL_TEXT = re.compile(f"{COERCED_DATETIME.pattern}|{PLAIN_NUMBER.pattern}")


def canonical_series(series: pd.Series, ctype: ColType) -> pd.Series:
    """:func:`canonical` of every cell, as an object Series of text.

    Vectorised for the columns readers give (dates, numbers, text); the result is exactly what
    :func:`canonical` gives cell by cell, which merge relies on.
    """
    dtype = series.dtype
    index = series.index
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return pd.Series(_canonical_moments(series, ctype), index=index, dtype=object)
    if pd.api.types.is_bool_dtype(dtype):
        out = series.map({True: "TRUE", False: "FALSE"}).fillna("")
        return out.astype(object)
    if pd.api.types.is_float_dtype(dtype) or pd.api.types.is_integer_dtype(dtype):
        return pd.Series(_canonical_numbers(series), index=index, dtype=object)
    if isinstance(dtype, pd.StringDtype):
        text = series.str.strip(BLANKS)
        if text.str.contains("\r\n", regex=False).any():
            text = text.str.replace("\r\n", "\n", regex=False)
        special = text.str.match(_SPECIAL_TEXT.pattern).fillna(False).to_numpy(dtype=bool)
        out = text.fillna("").to_numpy(dtype=object)
        if special.any():
            out[special] = [canonical(v, ctype) for v in out[special].tolist()]
        return pd.Series(out, index=index, dtype=object)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    table = np.array([canonical(u, ctype) for u in uniques] + [""], dtype=object)
    return pd.Series(table[codes], index=index, dtype=object)


def _canonical_moments(series: pd.Series, ctype: ColType) -> np.ndarray:
    stamps = series.to_numpy(dtype="datetime64[ms]")
    if not len(stamps):
        return np.empty(0, dtype=object)
    missing = np.isnat(stamps)
    millis = np.where(missing, 0, stamps.astype("int64"))
    seconds = (millis + 500) // 1000  # half a second up, as :func:`_moment` rounds
    text = np.datetime_as_string(seconds.astype("datetime64[s]"), unit="s")
    day_only = np.full(len(text), ctype is ColType.DATE) | (seconds % 86_400 == 0)
    days = text.astype("<U10")
    full = np.char.add(np.char.add(days, " "), np.char.partition(text, "T")[:, 2])
    out = np.where(day_only, days, full).astype(object)
    out[missing] = ""
    return out


def _canonical_numbers(series: pd.Series) -> np.ndarray:
    numbers = series.to_numpy(dtype="float64", na_value=np.nan)
    finite = np.isfinite(numbers)
    whole = finite & (np.floor(numbers) == numbers) & (np.abs(numbers) < 2**53)
    out = np.full(len(numbers), "", dtype=object)
    if whole.any():
        out[whole] = numbers[whole].astype("int64").astype(str).astype(object)
    other = finite & ~whole
    if other.any():
        out[other] = [_number(x) for x in numbers[other].tolist()]
    return out


def hash_series(series: pd.Series, ctype: ColType) -> np.ndarray:
    """:func:`field_hash` of the canonical value of every cell, as an object array."""
    codes, uniques = pd.factorize(canonical_series(series, ctype).to_numpy(dtype=object))
    raw = b"".join(
        hashlib.blake2b(text.encode("utf-8"), digest_size=3).digest() for text in uniques
    )
    encoded = base64.urlsafe_b64encode(raw).decode("ascii")
    step = DIGEST_CHARS
    table = np.array([encoded[i : i + step] for i in range(0, len(encoded), step)], dtype=object)
    return table[codes] if len(table) else np.empty(0, dtype=object)


def row_fingerprints(frame: pd.DataFrame, spec: SheetSpec, columns: Sequence[str]) -> pd.Series:
    """Each row's fingerprint: the field hashes of ``columns`` (in that order), concatenated."""
    parts = [
        hash_series(frame[key], spec.column(key).type)
        if key in frame
        else np.full(len(frame), _BLANK_HASH, dtype=object)
        for key in columns
    ]
    if not parts:
        return pd.Series("", index=frame.index, dtype=object)
    joined = parts[0]
    for part in parts[1:]:
        joined = joined + part
    return pd.Series(joined, index=frame.index, dtype=object)


def split_fingerprint(fingerprint: str) -> list[str]:
    """A row fingerprint back into its field hashes."""
    step = DIGEST_CHARS
    return [fingerprint[i : i + step] for i in range(0, len(fingerprint), step)]


# ------------------------------------------------------------------------------- row keys


def key_columns(spec: SheetSpec, exclude: Collection[str] = ()) -> tuple[str, ...]:
    """The columns of the natural key of ``spec``'s rows that have no ID.

    联系人 and 跟进记录 have their own (:data:`NATURAL_KEYS`); another sheet's row without its
    (required) ID falls back to its customer and its other required input columns, less the
    sensitive ones (``exclude``): a key is written into every salesperson's manifest, so a
    交易记录 without its 合同编号 must not be keyed by its 金额.
    """
    if spec.key in NATURAL_KEYS:
        return NATURAL_KEYS[spec.key]
    refs = [c.key for c in spec.columns if c.customer_ref]
    required = [
        c.key
        for c in spec.columns
        if c.required and not c.auto and c.key != spec.id_column and c.key not in exclude
    ]
    return tuple(dict.fromkeys(refs + required))


def _safe(text: str) -> bool:
    """Can this ID stand for itself in a manifest line (no controls, not JSON-looking)?"""
    return bool(text) and not text.startswith("[") and all(ch >= " " for ch in text)


def row_keys(frame: pd.DataFrame, spec: SheetSpec, exclude: Collection[str] = ()) -> pd.Series:
    """The master key of every row of a sheet (see the module's docstring), as text.

    Computed over a whole sheet: a key that occurs more than once gets its occurrence number
    (in row order), so each row has its own key. The same function run on the master at merge
    time finds the same rows. ``exclude``: the sheet's sensitive columns (:func:`key_columns`).
    """
    index = frame.index
    if spec.id_column and spec.id_column in frame:
        ids = canonical_series(frame[spec.id_column], spec.column(spec.id_column).type)
    else:
        ids = pd.Series("", index=index, dtype=object)
    has_id = (ids != "").to_numpy(dtype=bool)
    if has_id.all():
        text = ids.astype("string")
        unsafe = text.str.contains("[\x00-\x1f]", regex=True) | text.str.startswith("[")
        if not ids.duplicated().any() and not unsafe.any():
            return ids  # the common case: every row has its own plain ID
    natural_cols = [k for k in key_columns(spec, exclude) if k in frame]
    natural = [canonical_series(frame[k], spec.column(k).type).tolist() for k in natural_cols]
    components: list[list[str]] = []
    for i, ident in enumerate(ids.tolist()):
        components.append([ident] if ident else ["~", *(n[i] for n in natural)])
    plain = [c[0] if len(c) == 1 else json.dumps(c, ensure_ascii=False) for c in components]
    base = pd.Series(plain, index=index, dtype=object)
    occurrence = base.groupby(base, sort=False).cumcount() + 1
    keys: list[str] = []
    for comp, text, n, with_id in zip(
        components, plain, occurrence.tolist(), has_id.tolist(), strict=True
    ):
        if n == 1 and (not with_id or _safe(text)):
            keys.append(text)
        else:
            keys.append(json.dumps([*comp, n] if n > 1 else comp, ensure_ascii=False))
    return pd.Series(keys, index=index, dtype=object)


def key_label(key: str) -> str:
    """A master key as people read it: ``C0001`` or ``C0001 王芳``."""
    if not key.startswith("["):
        return key
    try:
        parts = json.loads(key)
    except ValueError:
        return key
    shown = [str(p) for p in parts if p != "~" and not isinstance(p, int)]
    occurrence = [p for p in parts if isinstance(p, int) and not isinstance(p, bool)]
    label = " ".join(shown)
    return f"{label} (#{occurrence[0]})" if occurrence else label


# ------------------------------------------------------------------------------- manifest


@dataclass
class SheetEntry:
    """One exported sheet: its name in the split workbook, the columns hashed, and its rows."""

    key: str
    name: str
    columns: tuple[str, ...]
    appendable: bool
    rows: dict[int, tuple[str, str]] = field(default_factory=dict)  # token -> (key, print)


@dataclass
class Manifest:
    """What a split workbook was made from and what it held (see the module's docstring)."""

    split_id: str
    owner: str
    role: str  # canonical: 销售专员 / 销售经理
    team: str
    people: tuple[str, ...]  # whose customers the file holds
    exported_at: datetime
    sources: tuple[tuple[str, str], ...]  # (file name, sha256) of the master as read
    lang: str
    removed: tuple[str, ...]  # "sheet.column" keys left out as sensitive
    sheets: dict[str, SheetEntry] = field(default_factory=dict)

    def meta_rows(self) -> list[tuple[str, str]]:
        rows = [
            ("format", FORMAT),
            ("split_id", self.split_id),
            ("owner", self.owner),
            ("role", self.role),
            ("team", self.team),
            ("people", "\t".join(self.people)),
            ("exported_at", self.exported_at.isoformat(sep=" ")),
            ("sources", "\n".join(f"{name}\t{sha}" for name, sha in self.sources)),
            ("lang", self.lang),
            ("removed", ",".join(self.removed)),
        ]
        for entry in self.sheets.values():
            value = f"{entry.name}\t{','.join(entry.columns)}\t{int(entry.appendable)}"
            rows.append((f"sheet:{entry.key}", value))
        return rows


def manifest_rows(manifest: Manifest, lines: Mapping[str, Sequence[str]]) -> list[tuple[str, str]]:
    """All rows of the manifest sheet: the meta rows, then each sheet's row lines
    (``token<TAB>key<TAB>fingerprint``) packed into cells of at most :data:`CELL_CHARS`."""
    rows = manifest.meta_rows()
    for sheet_key, sheet_lines in lines.items():
        for n, chunk in enumerate(_chunks(sheet_lines), start=1):
            rows.append((f"rows:{sheet_key}:{n}", chunk))
    return rows


def _chunks(lines: Sequence[str]) -> Iterator[str]:
    batch: list[str] = []
    size = 0
    for line in lines:
        if batch and size + len(line) + 1 > CELL_CHARS:
            yield "\n".join(batch)
            batch, size = [], 0
        batch.append(line)
        size += len(line) + 1
    if batch:
        yield "\n".join(batch)


def row_lines(tokens: Iterable[int], keys: Iterable[str], prints: Iterable[str]) -> list[str]:
    """``token<TAB>key<TAB>fingerprint`` for each row."""
    return [f"{t}\t{k}\t{p}" for t, k, p in zip(tokens, keys, prints, strict=True)]


def digest(rows: Sequence[tuple[str, str]]) -> str:
    """SHA-256 of the manifest sheet's rows: what the master's 变更日志 records."""
    h = hashlib.sha256()
    for key, value in rows:
        h.update(key.encode("utf-8"))
        h.update(b"\t")
        h.update(value.encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


class ManifestError(ValueError):
    """The manifest sheet is missing or cannot be understood."""


def parse(rows: Sequence[tuple[str, str]]) -> Manifest:
    """A :class:`Manifest` from the rows of its sheet (raises :class:`ManifestError`)."""
    meta: dict[str, str] = {}
    sheets: dict[str, SheetEntry] = {}
    for key, value in rows:
        if key.startswith("sheet:"):
            name, columns, appendable = [*value.split("\t"), "", "", "0"][:3]
            sheet_key = key[len("sheet:") :]
            sheets[sheet_key] = SheetEntry(
                sheet_key, name, tuple(c for c in columns.split(",") if c), appendable == "1"
            )
        elif key.startswith("rows:"):
            sheet_key = key.split(":")[1]
            if sheet_key not in sheets:
                raise ManifestError(f"rows for unknown sheet {sheet_key}")
            entry = sheets[sheet_key]
            for line in value.split("\n"):
                parts = line.split("\t")
                if len(parts) != 3 or not parts[0].isdigit():
                    raise ManifestError(f"bad row line {line[:40]!r}")
                entry.rows[int(parts[0])] = (parts[1], parts[2])
        else:
            meta[key] = value
    if meta.get("format") != FORMAT:
        raise ManifestError(f"unknown format {meta.get('format')!r}")
    try:
        exported = datetime.fromisoformat(meta["exported_at"])
        sources = [
            [*line.split("\t"), ""][:2] for line in meta.get("sources", "").split("\n") if line
        ]
        return Manifest(
            split_id=meta["split_id"],
            owner=meta["owner"],
            role=meta.get("role", ""),
            team=meta.get("team", ""),
            people=tuple(p for p in meta.get("people", "").split("\t") if p),
            exported_at=exported,
            sources=tuple((s[0], s[1]) for s in sources),
            lang=meta.get("lang", "zh"),
            removed=tuple(r for r in meta.get("removed", "").split(",") if r),
            sheets=sheets,
        )
    except (KeyError, ValueError) as exc:
        raise ManifestError(str(exc)) from exc


def read_rows(path: Path) -> list[tuple[str, str]] | None:
    """The rows of ``path``'s manifest sheet as text, or None when it has none."""
    book = RawBook(path)
    if MANIFEST_SHEET not in book.sheet_names:
        return None
    frame, _ = book.load(MANIFEST_SHEET)
    if frame.shape[1] < 2:
        return []
    rows: list[tuple[str, str]] = []
    for key, value in zip(frame.iloc[:, 0].tolist(), frame.iloc[:, 1].tolist(), strict=True):
        if not isinstance(key, str) or not key:
            continue
        rows.append((key, value if isinstance(value, str) else ""))
    return rows


def excel_serial(values: pd.Series) -> np.ndarray:
    """Date-times as Excel serial numbers (NaN where blank), computed at once."""
    stamps = values.to_numpy(dtype="datetime64[ms]")
    millis = (stamps - np.datetime64(_EPOCH, "ms")).astype("float64")
    millis[np.isnat(stamps)] = np.nan
    return millis / 86_400_000.0
