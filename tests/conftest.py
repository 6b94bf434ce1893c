"""Shared fixtures: small workbooks built from the schema, so tests never spell a header."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from crmxl.model.schema import SHEETS_BY_KEY


def _find_corpus() -> Path:
    """Excel-authored workbooks: ``$CRMXL_CORPUS``, else ``../shared/corpus/excel`` relative to
    the repository (where the project keeps it; it is third-party data, not ours to copy in)."""
    if os.environ.get("CRMXL_CORPUS"):
        return Path(os.environ["CRMXL_CORPUS"])
    return Path(__file__).resolve().parents[2] / "shared" / "corpus" / "excel"


CORPUS = _find_corpus()


def corpus_files() -> list[Path]:
    """The corpus workbooks; a missing corpus fails the test that needs it (never a skip)."""
    files = sorted(p for p in CORPUS.glob("*.xls[xm]"))
    assert files, f"the Excel corpus is missing at {CORPUS}"
    return files


def build_workbook(
    path: Path,
    sheets: Mapping[str, Sequence[Mapping[str, Any]]],
    *,
    lang: str = "zh",
    columns: Mapping[str, Sequence[str]] | None = None,
    title_rows: int = 0,
    start_col: int = 1,
    markers: bool = False,
) -> Path:
    """Write ``{sheet_key: [ {column_key: value} ]}`` with openpyxl.

    ``columns`` picks (and orders) the columns of a sheet (default: every key used in its rows
    plus its required columns); ``title_rows`` puts a title and a blank row above the header;
    ``start_col`` shifts the table right; ``markers`` writes ``*``/``(自动)`` as templates do.
    """
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for key, rows in sheets.items():
        spec = SHEETS_BY_KEY[key]
        ws = wb.create_sheet(spec.name(lang))
        if columns and key in columns:
            keys = list(columns[key])
        else:
            keys = [c.key for c in spec.columns if c.required]
            for row in rows:
                keys += [k for k in row if k not in keys]
        top = 1
        if title_rows:
            ws.cell(1, start_col, f"{spec.name(lang)} 2026")
            top = title_rows + 1
        for j, k in enumerate(keys):
            col = spec.column(k)
            ws.cell(top, start_col + j, col.header(lang) if markers else col.name(lang))
        for i, row in enumerate(rows, start=1):
            for j, k in enumerate(keys):
                if row.get(k) is not None:
                    ws.cell(top + i, start_col + j, row[k])
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where :func:`splitkit.sample_master` keeps the sample workbook it copies."""
    return tmp_path_factory.mktemp("master")


@pytest.fixture
def master(tmp_path: Path, cache: Path) -> Path:
    """A fresh copy of the sample workbook (``init --sample``), for split and merge."""
    from splitkit import sample_master

    return sample_master(tmp_path / "m", cache)


@pytest.fixture
def make_workbook(tmp_path: Path) -> Any:
    """``make_workbook({...}, name="crm.xlsx", **options)`` -> path."""

    def make(
        sheets: Mapping[str, Sequence[Mapping[str, Any]]], name: str = "crm.xlsx", **options: Any
    ) -> Path:
        return build_workbook(tmp_path / name, sheets, **options)

    return make


# --------------------------------------------------------------------- databases (crmxl push)


@pytest.fixture(scope="session")
def postgres() -> Any:
    """A real PostgreSQL server for the session (see tests/pgserver.py); never skipped."""
    import pgserver

    cluster = pgserver.start()
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: Any, tmp_path: Path) -> str:
    """An empty database: a SQLite file, then a new database on the test PostgreSQL."""
    if request.param == "sqlite":
        return str(tmp_path / "crm.db")
    return str(request.getfixturevalue("postgres").new_database())


@pytest.fixture(scope="session")
def big_workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2,000 customers, 6,000 follow-ups, 20 owners (benchmarks/generate.py): big enough that a
    refresh takes a moment and a report prints dozens of pages. Copy it before changing it."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from generate import generate

    return generate(tmp_path_factory.mktemp("big") / "crm.xlsx", 2000, 6000, 20)
