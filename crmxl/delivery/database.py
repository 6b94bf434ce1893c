"""The database ``crmxl push`` writes: tables generated from the schema, engines, migrations.

One table a standard sheet, named by the sheet's key (``customers``, ``follow_ups`` ...), one
column a schema column, named by its key (``customer_id``, ``next_follow_up`` ...): ASCII
snake_case from the English names, so SQL needs no quoting, with the Chinese and English header
as the column's comment (PostgreSQL keeps comments; SQLite has none). Types follow the schema's
:class:`~crmxl.model.schema.ColType` (:func:`sql_type`).

Keys: a sheet whose ID column is required (客户编号, 合同编号, 需求编号, 问题编号, 线索编号, 姓名 of
销售团队) is keyed by that column. The others get a ``row_key`` column (:mod:`crmxl.delivery.rows`
says how it is made). Every sheet table also has ``row_hash`` (what the row held, to tell a
changed row from an unchanged one), ``inserted_at``, ``updated_at`` and ``deleted_at`` (a row gone
from the workbook is marked, never dropped; one that comes back is undeleted).

Beside them: ``crmxl_runs`` (one row a push), ``crmxl_run_tables`` (the counts of a push per
table) and ``crmxl_snapshots`` (per customer and as-of date: tier, stage, follow-up status, days
overdue, churn risk) for trends.

The tables are created and changed only by the migrations in ``migrations/`` (Alembic, run from
here: :func:`migrate`); :func:`metadata` is what they must add up to, and a test checks that
they do.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from crmxl.errors import CrmxlError
from crmxl.i18n import register
from crmxl.model.schema import SHEETS, ColType, Column, SheetSpec

#: The Alembic version table: named so that it never meets an application's own.
VERSION_TABLE = "crmxl_alembic_version"
RUNS = "crmxl_runs"
RUN_TABLES = "crmxl_run_tables"
SNAPSHOTS = "crmxl_snapshots"

#: The columns every sheet table has besides the schema's.
ROW_KEY = "row_key"
BOOKKEEPING = ("row_hash", "inserted_at", "updated_at", "deleted_at")

#: Constraint names that are the same on every database (Alembic needs names to alter them).
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "pk": "pk_%(table_name)s",
}


class DatabaseError(CrmxlError):
    """The database cannot be reached, or refused a push; nothing of the push was kept.

    Raised for a URL that cannot be used, a server that cannot be reached, a missing driver,
    a database busy with another push, and any error inside the push's transaction.
    """

    code = "db-error"


def table_name(spec: SheetSpec) -> str:
    """The table of a standard sheet: its key (``customers``, ``follow_ups``)."""
    return spec.key


def keyed_by_id(spec: SheetSpec) -> bool:
    """True when the sheet's own ID column is the table's primary key (it is required)."""
    return spec.id_column is not None and spec.column(spec.id_column).required


def key_column(spec: SheetSpec) -> str:
    """The primary-key column of a sheet's table."""
    return spec.id_column if keyed_by_id(spec) and spec.id_column else ROW_KEY


def sql_type(col: Column) -> sa.types.TypeEngine[Any]:
    """The SQL type of a schema column.

    Text of every kind (IDs, enumerations as their canonical Chinese value, phones, e-mail
    addresses, lists joined by ``,``, birthdays as ``MM-DD``, budgets that may be text) is
    ``TEXT``; amounts are ``NUMERIC(18, 2)``; whole numbers ``BIGINT``; other numbers ``FLOAT``;
    是/否 ``BOOLEAN``.
    """
    kind = col.type
    if kind is ColType.INT:
        return sa.BigInteger()
    if kind is ColType.AMOUNT:
        return sa.Numeric(18, 2, asdecimal=False)
    if kind is ColType.NUMBER:
        return sa.Float()
    if kind is ColType.DATE:
        return sa.Date()
    if kind is ColType.DATETIME:
        return sa.DateTime()
    if kind is ColType.YESNO:
        return sa.Boolean()
    return sa.Text()


def comment(col: Column) -> str:
    return f"{col.zh} / {col.en}"


def _sheet_table(spec: SheetSpec, md: sa.MetaData) -> sa.Table:
    key = key_column(spec)
    clash = {ROW_KEY, *BOOKKEEPING} & set(spec.keys)
    if clash:  # a schema column named like a bookkeeping column: a programming error
        raise AssertionError(f"{spec.key}: columns {sorted(clash)} clash with push's own")
    columns: list[sa.Column[Any]] = []
    if key == ROW_KEY:
        columns.append(
            sa.Column(ROW_KEY, sa.Text(), primary_key=True, comment="crmxl 行键 / row key")
        )
    for col in spec.columns:
        columns.append(
            sa.Column(
                col.key,
                sql_type(col),
                primary_key=col.key == key,
                nullable=col.key != key,
                comment=comment(col),
            )
        )
    columns += [
        sa.Column("row_hash", sa.BigInteger(), nullable=False, comment="crmxl 行内容指纹 / hash"),
        sa.Column("inserted_at", sa.DateTime(), nullable=False, comment="首次写入 / inserted"),
        sa.Column("updated_at", sa.DateTime(), nullable=False, comment="最近改动 / updated"),
        sa.Column("deleted_at", sa.DateTime(), nullable=True, comment="从工作簿删除 / deleted"),
    ]
    return sa.Table(table_name(spec), md, *columns, comment=f"{spec.zh} / {spec.en}")


@functools.cache
def metadata() -> sa.MetaData:
    """Every table push writes, generated from the schema (what the migrations add up to)."""
    md = sa.MetaData(naming_convention=NAMING)
    for spec in SHEETS:
        _sheet_table(spec, md)
    sa.Table(
        RUNS,
        md,
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("started_at", sa.DateTime(), nullable=False, comment="开始 / started"),
        sa.Column("finished_at", sa.DateTime(), nullable=True, comment="完成 / finished"),
        sa.Column("as_of", sa.DateTime(), nullable=False, comment="计算基准 / as of"),
        sa.Column("files", sa.Text(), nullable=False, comment="工作簿（JSON）/ files"),
        sa.Column("crmxl_version", sa.Text(), nullable=False, comment="crmxl 版本 / version"),
        sa.Column("inserted", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("updated", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("deleted", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("unchanged", sa.Integer(), nullable=False, server_default="0"),
        comment="每次 crmxl push 一行 / one row a push",
    )
    sa.Table(
        RUN_TABLES,
        md,
        sa.Column("run_id", sa.Integer(), primary_key=True),
        sa.Column("table_name", sa.Text(), primary_key=True),
        sa.Column("inserted", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        comment="每次推送每个表的行数 / counts of a push per table",
    )
    sa.Table(
        SNAPSHOTS,
        md,
        sa.Column("as_of_date", sa.Date(), primary_key=True, comment="计算基准日 / as-of date"),
        sa.Column("customer_id", sa.Text(), primary_key=True, comment="客户编号 / Customer ID"),
        sa.Column("as_of", sa.DateTime(), nullable=False, comment="计算基准 / as of"),
        sa.Column("run_id", sa.Integer(), nullable=False, comment="crmxl_runs.id"),
        sa.Column("owner", sa.Text(), comment="负责人 / Owner"),
        sa.Column("tier", sa.Text(), comment="客户等级 / Tier"),
        sa.Column("stage", sa.Text(), comment="合作阶段 / Stage"),
        sa.Column("follow_up_status", sa.Text(), comment="跟进状态 / Follow-up Status"),
        sa.Column("days_overdue", sa.Integer(), comment="逾期天数 / Days Overdue"),
        sa.Column("churn_level", sa.Text(), comment="流失风险等级 高/中/低 / churn level"),
        sa.Column("churn_risk", sa.Text(), comment="流失风险 / Churn Risk"),
        sa.Column("row_hash", sa.BigInteger(), nullable=False, comment="crmxl 行内容指纹 / hash"),
        comment="每次推送时每个客户的状态 / each customer's state at each push",
    )
    return md


def table(name: str) -> sa.Table:
    return metadata().tables[name]


# ------------------------------------------------------------------------------ engines


def database_url(db: str | Path) -> URL:
    """``crm.db`` (a file path: SQLite) or a full URL; ``postgresql://`` means psycopg 3."""
    text = str(db).strip()
    if "://" not in text:
        return URL.create("sqlite", database=str(Path(text).expanduser().resolve()))
    try:
        url = sa.make_url(text)
    except ArgumentError as exc:
        raise DatabaseError("db-bad-url", url=text) from exc
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def shown(url: URL) -> str:
    """The URL with its password hidden, for messages and ``crmxl_runs``."""
    return url.render_as_string(hide_password=True)


def connect(db: str | Path) -> Engine:
    """An engine for ``db``; a SQLite file's folder must exist (the file is created)."""
    url = database_url(db)
    if url.get_backend_name() == "sqlite":
        folder = Path(url.database or ".").parent
        if url.database and not folder.is_dir():
            raise DatabaseError("db-no-folder", url=shown(url), folder=folder)
        # wait for a concurrent push rather than fail at once; the rows of a push go to the
        # driver from a second thread (crmxl.delivery.sync.execute_many), one at a time
        return sa.create_engine(url, connect_args={"timeout": 60, "check_same_thread": False})
    try:
        return sa.create_engine(url)
    except (NoSuchModuleError, ModuleNotFoundError) as exc:
        raise DatabaseError("db-no-driver", url=shown(url), detail=str(exc)) from exc
    except ArgumentError as exc:
        raise DatabaseError("db-bad-url", url=shown(url)) from exc


def reason(exc: BaseException) -> str:
    """The first line of a database error, without SQLAlchemy's background link."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# ------------------------------------------------------------------------------ migrations


def alembic_config(connection: sa.Connection) -> Any:
    """An Alembic configuration for the migrations shipped in this package (no alembic.ini)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", "crmxl.delivery:migrations")
    cfg.attributes["connection"] = connection
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the database's tables to ``revision`` (default: what this crmxl writes).

    An empty database gets every table; one written by an older crmxl is changed by the
    migrations since its revision, its rows kept. Runs in its own transaction, before a push.
    """
    from alembic import command

    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)


def current_revision(engine: Engine) -> str | None:
    """The migration revision the database is at (None: crmxl never wrote to it)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        return context.get_current_revision()


register(
    {
        "db-error": ("数据库出错：{detail}", "Database error: {detail}"),
        "db-bad-url": (
            "无法识别的数据库地址 {url}：应为文件路径（如 crm.db）或 URL（如 postgresql+psycopg://用户@主机/库）",
            "Cannot use the database address {url}: give a file path (crm.db) or a URL "
            "(postgresql+psycopg://user@host/db)",
        ),
        "db-no-folder": (
            "数据库 {url} 所在的文件夹 {folder} 不存在",
            "The folder {folder} of the database {url} does not exist",
        ),
        "db-no-driver": (
            "缺少数据库驱动（{detail}）：PostgreSQL 请安装 pip install 'crmxl[postgres]'",
            "A database driver is missing ({detail}); for PostgreSQL: pip install 'crmxl[postgres]'",
        ),
        "db-connect-failed": (
            "无法连接数据库 {url}：{detail}",
            "Cannot connect to the database {url}: {detail}",
        ),
        "db-push-failed": (
            "推送失败，数据库未做任何改动（{url}）：{detail}",
            "The push failed and nothing was changed in {url}: {detail}",
        ),
        "db-migrate-failed": (
            "无法升级数据库 {url} 的表结构：{detail}",
            "Cannot upgrade the tables of {url}: {detail}",
        ),
    }
)
