"""``crmxl push``: tables from the schema, upsert by ID, soft deletes, runs, snapshots, one
transaction, migrations. Every test runs on SQLite and on a real PostgreSQL (``db_url``).

The workspace is tests/crm_small.py (6 customers, 6 contacts, 6 follow-ups, 8 deals, 6 needs,
5 issues, 5 leads, 4 people, 3 changelog rows); expected values are read off it by hand.
"""

from __future__ import annotations

import importlib
import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from click.testing import CliRunner
from crm_small import AS_OF, customer, sheets

from crmxl.cli import cli
from crmxl.commands.push import push
from crmxl.delivery import database as dbm
from crmxl.delivery.sync import Values, copy_rows, copy_statement, driver_values
from crmxl.errors import CrmxlError

push_mod = importlib.import_module("crmxl.commands.push")  # the module, not the function

HAND_COUNTS = {
    "customers": 6,
    "contacts": 6,
    "follow_ups": 6,
    "transactions": 8,
    "needs": 6,
    "issues": 5,
    "leads": 5,
    "team": 4,
    "changelog": 3,
    "crmxl_snapshots": 6,
}


def engine(url: str) -> sa.Engine:
    return dbm.connect(url)


def query(url: str, stmt: Any) -> list[Any]:
    eng = engine(url)
    try:
        with eng.connect() as conn:
            return list(conn.execute(stmt).all())
    finally:
        eng.dispose()


def rows_of(url: str, table: str) -> dict[Any, dict[str, Any]]:
    """Every stored row of ``table`` by its key."""
    t = dbm.table(table)
    key = [c for c in t.primary_key.columns][-1].name
    return {r._mapping[key]: dict(r._mapping) for r in query(url, sa.select(t))}


def count_rows(url: str, table: str) -> int:
    return int(query(url, sa.select(sa.func.count()).select_from(dbm.table(table)))[0][0])


@pytest.fixture
def small(make_workbook: Any) -> Path:
    return make_workbook(sheets())


def test_migrations_build_exactly_the_tables_the_schema_generates(db_url: str) -> None:
    eng = engine(db_url)
    try:
        assert dbm.current_revision(eng) is None
        dbm.migrate(eng)
        with eng.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "version_table": dbm.VERSION_TABLE}
            )
            assert compare_metadata(context, dbm.metadata()) == []
        assert set(sa.inspect(eng).get_table_names()) == {
            *dbm.metadata().tables,
            dbm.VERSION_TABLE,
        }
    finally:
        eng.dispose()


def test_first_push_inserts_every_row_typed(small: Path, db_url: str) -> None:
    result = push([small], db_url, as_of=AS_OF)
    assert {name: c.inserted for name, c in result.tables.items()} == HAND_COUNTS
    assert result.total.updated == result.total.deleted == 0
    customers = rows_of(db_url, "customers")
    assert customers["C002"]["first_contact"] == date(2026, 11, 18)
    assert customers["C002"]["stage"] == "意向" and customers["C002"]["owner"] == "李四"
    assert customers["C006"]["founded"] == date(2016, 11, 23)
    deals = rows_of(db_url, "transactions")
    assert deals["HT3"]["amount"] == 30_000 and deals["HT3"]["signed_on"] == date(2026, 10, 1)
    issues = rows_of(db_url, "issues")
    assert issues["WT1"]["resolved_at"] == datetime(2026, 11, 16, 9)
    assert issues["WT1"]["satisfaction"] == 4
    contacts = {(r["customer_id"], r["name"]): r for r in rows_of(db_url, "contacts").values()}
    assert contacts[("C003", "刘总")]["birthday"] == "11-28"  # a date kept as MM-DD
    assert contacts[("C001", "孙工")]["employment"] == "离职"


def test_snapshot_holds_the_rules_as_of_the_push(small: Path, db_url: str) -> None:
    push([small], db_url, as_of=AS_OF)
    snap = rows_of(db_url, "crmxl_snapshots")
    # C002: 意向, last contact 09-01, tier C (30 days): due 10-01, 50 days overdue as of 11-20
    assert snap["C002"]["as_of_date"] == date(2026, 11, 20)
    assert (snap["C002"]["follow_up_status"], snap["C002"]["days_overdue"]) == ("逾期", 50)
    assert snap["C002"]["churn_level"] == "高" and snap["C002"]["tier"] == "C"
    # C004 is 流失: no follow-up needed, no churn risk
    assert snap["C004"]["follow_up_status"] == "无需跟进" and snap["C004"]["churn_level"] is None
    assert snap["C005"]["owner"] == "张三" and snap["C005"]["stage"] == "潜在"


def test_pushing_the_same_workbook_again_changes_nothing_but_records_the_run(
    small: Path, db_url: str
) -> None:
    first = push([small], db_url, as_of=AS_OF)
    before = {t: rows_of(db_url, t) for t in HAND_COUNTS}
    again = push([small], db_url, as_of=AS_OF)
    assert again.total.changed == 0
    assert {name: c.unchanged for name, c in again.tables.items()} == HAND_COUNTS
    assert {t: rows_of(db_url, t) for t in HAND_COUNTS} == before  # updated_at too
    runs = query(db_url, sa.select(dbm.table(dbm.RUNS)).order_by(sa.text("id")))
    assert [r.id for r in runs] == [first.run_id, again.run_id]  # a no-change push is a row
    assert (runs[1].inserted, runs[1].updated, runs[1].deleted) == (0, 0, 0)
    assert runs[1].unchanged == sum(n for t, n in HAND_COUNTS.items() if t != "crmxl_snapshots")
    assert json.loads(runs[1].files) == [str(small.resolve())]


def test_edits_update_deleted_rows_are_marked_and_come_back(
    make_workbook: Any, db_url: str
) -> None:
    data = sheets()
    path = make_workbook(data)
    push([path], db_url, as_of=AS_OF)
    inserted_at = rows_of(db_url, "customers")["C001"]["inserted_at"]
    edited = sheets()
    edited["customers"][0]["notes"] = "改了备注"
    gone = edited["customers"].pop(3)  # C004
    edited["customers"].append(customer("C007", "潜在", "王五"))
    path = make_workbook(edited)
    result = push([path], db_url, as_of=AS_OF)
    assert result.tables["customers"].to_dict() == {
        "inserted": 1,
        "updated": 1,
        "deleted": 1,
        "unchanged": 4,
    }
    stored = rows_of(db_url, "customers")
    assert stored["C001"]["notes"] == "改了备注"
    assert stored["C001"]["inserted_at"] == inserted_at  # updated in place, not replaced
    assert stored["C004"]["deleted_at"] is not None  # kept, marked
    assert stored["C004"]["name"] == gone["name"]
    # the snapshot of the day is replaced: C004 leaves it, C007 joins it
    assert set(rows_of(db_url, "crmxl_snapshots")) == {f"C00{i}" for i in (1, 2, 3, 5, 6, 7)}
    path = make_workbook(data)  # C004 is back, C007 gone
    result = push([path], db_url, as_of=AS_OF)
    assert result.tables["customers"].updated == 2  # C001's note reverted, C004 undeleted
    stored = rows_of(db_url, "customers")
    assert stored["C004"]["deleted_at"] is None
    assert stored["C007"]["deleted_at"] is not None


def test_a_new_as_of_adds_a_snapshot_the_same_day_replaces_it(small: Path, db_url: str) -> None:
    push([small], db_url, as_of=AS_OF)
    push([small], db_url, as_of=datetime(2026, 11, 20, 17, 30))  # same day: replaced
    push([small], db_url, as_of=datetime(2026, 11, 27))
    snaps = dbm.table(dbm.SNAPSHOTS)
    per_day = query(
        db_url,
        sa.select(snaps.c.as_of_date, sa.func.count())
        .group_by(snaps.c.as_of_date)
        .order_by(snaps.c.as_of_date),
    )
    assert [(d, n) for d, n in per_day] == [(date(2026, 11, 20), 6), (date(2026, 11, 27), 6)]
    overdue = query(
        db_url,
        sa.select(snaps.c.as_of_date, snaps.c.days_overdue).where(snaps.c.customer_id == "C002"),
    )
    assert sorted(overdue) == [(date(2026, 11, 20), 50), (date(2026, 11, 27), 57)]


def test_a_failure_mid_push_changes_nothing(
    small: Path, make_workbook: Any, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    push([small], db_url, as_of=AS_OF)
    before = {t: rows_of(db_url, t) for t in [*HAND_COUNTS, dbm.RUNS, dbm.RUN_TABLES]}
    edited = sheets()
    edited["customers"][0]["notes"] = "不会写入"
    edited["customers"].pop(3)
    path = make_workbook(edited, name="edited.xlsx")
    real = push_mod.snapshot

    def twice(facts: Any) -> pd.DataFrame:  # the snapshot repeats a key: the PK refuses it
        snap = real(facts)
        return pd.concat([snap, snap.iloc[:1]])

    monkeypatch.setattr(push_mod, "snapshot", twice)
    with pytest.raises(dbm.DatabaseError) as failed:  # a new day: both rows are inserted
        push([path], db_url, as_of=datetime(2026, 11, 21))
    assert "nothing was changed" in failed.value.render("en")
    after = {t: rows_of(db_url, t) for t in [*HAND_COUNTS, dbm.RUNS, dbm.RUN_TABLES]}
    assert after == before  # the customers upserted before the failure were rolled back


def test_an_error_of_ours_mid_push_rolls_back_too(
    small: Path, make_workbook: Any, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    push([small], db_url, as_of=AS_OF)
    before = {t: rows_of(db_url, t) for t in [*HAND_COUNTS, dbm.RUNS]}
    edited = sheets()
    edited["team"].append({"name": "新人", "role": "销售专员"})
    path = make_workbook(edited, name="edited.xlsx")
    real = push_mod.upsert

    def fail_on_changelog(conn: Any, table: sa.Table, *args: Any, **kw: Any) -> Any:
        if table.name == "changelog":  # after customers ... team were written
            raise RuntimeError("injected")
        return real(conn, table, *args, **kw)

    monkeypatch.setattr(push_mod, "upsert", fail_on_changelog)
    with pytest.raises(RuntimeError, match="injected"):
        push([path], db_url, as_of=AS_OF)
    assert {t: rows_of(db_url, t) for t in [*HAND_COUNTS, dbm.RUNS]} == before


def test_a_database_of_an_older_version_is_migrated_not_dropped(small: Path, db_url: str) -> None:
    eng = engine(db_url)
    try:
        dbm.migrate(eng, "0001")  # as crmxl wrote it before 销售团队 had 邮箱
        old_team = sa.Table("team", sa.MetaData(), autoload_with=eng)
        assert "email" not in old_team.c
        stamp = datetime(2026, 1, 1, 8, 0)
        with eng.begin() as conn:
            conn.execute(
                old_team.insert(),
                [
                    {
                        "name": "张三",
                        "role": "销售专员",
                        "row_hash": 1,
                        "inserted_at": stamp,
                        "updated_at": stamp,
                    },
                    {
                        "name": "老员工",
                        "role": "销售专员",
                        "row_hash": 2,
                        "inserted_at": stamp,
                        "updated_at": stamp,
                    },
                ],
            )
    finally:
        eng.dispose()
    result = push([small], db_url, as_of=AS_OF)
    assert result.revision == ("0001", "0003")  # 0002: 销售团队 邮箱; 0003: pool, working time
    assert "0001" in result.render("en") and "0003" in result.render("en")
    eng = engine(db_url)
    try:
        customers = sa.Table("customers", sa.MetaData(), autoload_with=eng)
    finally:
        eng.dispose()
    assert {"former_owner", "pooled_on"} <= set(customers.c.keys())
    team = rows_of(db_url, "team")
    assert team["张三"]["inserted_at"] == stamp  # the old row was updated, not recreated
    assert team["张三"]["email"] is None
    assert team["老员工"]["deleted_at"] is not None  # not in the workbook: marked, kept
    assert result.tables["team"].to_dict() == {
        "inserted": 3,
        "updated": 1,
        "deleted": 1,
        "unchanged": 0,
    }


def test_rows_without_an_id_or_repeating_one_are_reported_not_pushed(
    make_workbook: Any, db_url: str
) -> None:
    data = sheets()
    data["customers"].append(customer("C001", "潜在", "王五", name="重复有限公司"))
    data["customers"].append({**customer("", "潜在", "王五"), "customer_id": None})
    path = make_workbook(data)
    result = push([path], db_url, as_of=AS_OF)
    assert not result.ok
    assert sorted((f.code, f.cell) for f in result.findings) == [
        ("push-duplicate-key", "客户档案!A8"),
        ("push-no-key", "客户档案!A9"),
    ]
    assert rows_of(db_url, "customers")["C001"]["name"] == "C001科技有限公司"  # the first wins


def test_text_that_does_not_read_as_its_type_is_kept_as_typed(
    make_workbook: Any, db_url: str
) -> None:
    data = sheets()
    data["contacts"][0]["mobile"] = "12345"  # not a phone number
    data["customers"][0]["region"] = "火星"  # not in the list
    data["customers"][1]["founded"] = "去年春天"  # not a date: blank, reported
    path = make_workbook(data)
    result = push([path], db_url, as_of=AS_OF)
    stored = rows_of(db_url, "customers")
    assert stored["C001"]["region"] == "火星"
    assert stored["C002"]["founded"] is None
    assert [(f.code, f.value) for f in result.findings] == [("push-unreadable", "去年春天")]
    assert result.ok  # a warning: the row is there
    mobiles = {r["name"]: r["mobile"] for r in rows_of(db_url, "contacts").values()}
    assert mobiles["王经理"] == "12345"


def test_follow_ups_without_record_ids_keep_their_key_when_the_summary_changes(
    make_workbook: Any, db_url: str
) -> None:
    path = make_workbook(sheets())
    push([path], db_url, as_of=AS_OF)
    keys = set(rows_of(db_url, "follow_ups"))
    assert all(k.startswith("#") and len(k) == 17 for k in keys)
    edited = sheets()
    edited["follow_ups"][0]["summary"] = "详细沟通了报价"
    result = push([make_workbook(edited)], db_url, as_of=AS_OF)
    assert result.tables["follow_ups"].to_dict() == {
        "inserted": 0,
        "updated": 1,
        "deleted": 0,
        "unchanged": 5,
    }
    assert set(rows_of(db_url, "follow_ups")) == keys


def test_a_sheet_missing_from_the_workspace_is_left_alone(make_workbook: Any, db_url: str) -> None:
    data = sheets()
    push([make_workbook(data)], db_url, as_of=AS_OF)
    del data["needs"]
    result = push([make_workbook(data, name="no-needs.xlsx")], db_url, as_of=AS_OF)
    assert "needs" not in result.tables
    assert all(r["deleted_at"] is None for r in rows_of(db_url, "needs").values())


def test_what_the_sheets_do_not_allow_is_said_and_left_blank(make_workbook: Any) -> None:
    """Without 问题跟踪 there is no churn risk (SPEC 2.5 reads the issues): the push says so in
    one line, as report and todo do, and the snapshot's churn columns stay blank."""
    data = sheets()
    del data["issues"]
    book = make_workbook(data, name="no-issues.xlsx")
    db = book.with_suffix(".db")
    result = push([book], db, as_of=AS_OF)
    assert [(s.what, s.missing) for s in result.skipped] == [("skip-churn", ("issues",))]
    assert result.to_dict()["skipped"][0]["missing"] == ["issues"]
    assert "已跳过：流失风险（没有问题跟踪）" in result.render("zh")
    snap = rows_of(str(db), "crmxl_snapshots")
    assert len(snap) == 6
    assert {(r["churn_level"], r["churn_risk"]) for r in snap.values()} == {(None, None)}


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_values_reach_the_driver_as_sqlalchemy_would_hand_them(dialect: str) -> None:
    from sqlalchemy.dialects import postgresql, sqlite

    d = sqlite.dialect() if dialect == "sqlite" else postgresql.psycopg.dialect()
    table = dbm.table("issues")
    cases = {
        "logged_at": pd.Series([datetime(2026, 11, 20, 9, 5, 7), None], dtype="datetime64[ns]"),
        "satisfaction": pd.Series([4.0, float("nan")]),
    }
    for name, series in cases.items():
        kind = table.c[name].type
        process = kind.dialect_impl(d).bind_processor(d) or (lambda v: v)
        expected = [
            None if pd.isna(v) else process(int(v) if name == "satisfaction" else v.to_pydatetime())
            for v in series
        ]
        assert driver_values(series, table.c[name], d) == expected
    deals = dbm.table("transactions")
    signed = pd.Series([datetime(2026, 3, 1)], dtype="datetime64[ns]")
    process = deals.c.signed_on.type.dialect_impl(d).bind_processor(d) or (lambda v: v)
    assert driver_values(signed, deals.c.signed_on, d) == [process(date(2026, 3, 1))]


def test_default_database_is_beside_the_workbook(small: Path) -> None:
    result = push([small], as_of=AS_OF)
    assert (small.parent / "crm.db").exists()
    assert result.db.endswith("/crm.db")


@pytest.mark.parametrize(
    ("db", "message"),
    [
        ("nowhere/crm.db", "does not exist"),
        ("postgresql+psycopg://nobody@127.0.0.1:9/none", "Cannot connect"),
        ("mysql+nosuchdriver://x@y/z", "driver is missing"),
    ],
)
def test_a_database_that_cannot_be_used_is_one_line(small: Path, db: str, message: str) -> None:
    result = CliRunner().invoke(cli, ["push", str(small), "--db", db, "--lang", "en"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines[-1].startswith("Error:") and message in lines[-1]
    assert "Traceback" not in result.output


def test_cli_json_is_the_library_result(small: Path, db_url: str) -> None:
    push([small], db_url, as_of=AS_OF)
    out = CliRunner().invoke(
        cli, ["push", str(small), "--db", db_url, "--as-of", "2026-11-20T10:00", "--json"]
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    again = push([small], db_url, as_of=AS_OF)
    expected = again.to_dict()
    assert {k: v for k, v in data.items() if k != "run_id"} == {
        k: v for k, v in expected.items() if k != "run_id"
    }
    assert data["run_id"] == again.run_id - 1


def test_render_in_both_languages(small: Path, db_url: str) -> None:
    push([small], db_url, as_of=AS_OF)
    result = push([small], db_url, as_of=AS_OF)
    assert "没有任何改动" in result.render("zh")
    assert "Nothing changed" in result.render("en")
    assert "客户档案" in result.render("zh") and "Customers" in result.render("en")


def test_the_password_never_shows(small: Path, postgres: Any) -> None:
    url = postgres.new_database()
    with_password = url.replace("postgres@", "postgres:s3cret@", 1)
    result = push([small], with_password, as_of=AS_OF)  # trust auth ignores it
    assert "s3cret" not in result.render("en") and "s3cret" not in json.dumps(result.to_dict())
    with pytest.raises(CrmxlError) as failed:
        push([small], "postgresql+psycopg://u:s3cret@127.0.0.1:9/x", as_of=AS_OF)
    assert "s3cret" not in failed.value.render("en")


def odd_table() -> sa.Table:
    """A table whose name and columns need quoting (a space, reserved words, capitals)."""
    return sa.Table(
        "Order Lines",
        sa.MetaData(),
        sa.Column("select", sa.Integer),
        sa.Column("Name", sa.Text),
        sa.Column("on", sa.Date),
        sa.Column("at", sa.DateTime),
        sa.Column("amount", sa.Numeric(18, 2)),
        sa.Column("ok", sa.Boolean),
        sa.Column("plain", sa.Text),
    )


def test_copy_is_built_from_the_core_table_with_the_dialects_quoting() -> None:
    from sqlalchemy.dialects import postgresql

    odd = odd_table()
    statement = copy_statement(odd, list(odd.c), postgresql.psycopg.dialect())
    assert statement == (
        'COPY "Order Lines" ("select", "Name", "on", at, amount, ok, plain) FROM STDIN'
    )


def test_copy_stores_what_an_insert_would(postgres: Any) -> None:
    """Rows COPYed into a table with awkward names read back as they were given."""
    url = str(postgres.new_database())
    odd = odd_table()
    given = {
        "select": pd.Series([1.0, float("nan")]),
        "Name": pd.Series(["张三\t\\N", None], dtype=object),  # COPY's own escapes as text
        "on": pd.Series([datetime(2026, 3, 1), None], dtype="datetime64[ns]"),
        "at": pd.Series([datetime(2026, 3, 1, 9, 5, 7), None], dtype="datetime64[ns]"),
        "amount": pd.Series([1234.5, float("nan")]),
        "ok": pd.Series([True, None], dtype=object),
        "plain": pd.Series(["a\nb", None], dtype=object),
    }
    eng = engine(url)
    try:
        odd.create(eng)
        with eng.begin() as conn:
            copy_rows(conn, odd, {k: Values(odd.c[k], v) for k, v in given.items()}, 2)
        with eng.connect() as conn:
            got = [tuple(r) for r in conn.execute(sa.select(odd).order_by(odd.c.select))]
    finally:
        eng.dispose()
    assert got == [
        (
            1,
            "张三\t\\N",
            date(2026, 3, 1),
            datetime(2026, 3, 1, 9, 5, 7),
            Decimal("1234.50"),
            True,
            "a\nb",
        ),
        (None, None, None, None, None, None, None),
    ]
