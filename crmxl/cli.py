"""The ``crmxl`` command line: one function per command, each one call into the library.

The library raises :class:`~crmxl.errors.CrmxlError` for anything that stops an operation; this
module prints it as one line (``Error: ...``) and exits 1. Findings are data: commands print them
and exit 1 when there is an error among them. Usage mistakes exit 2 (click's convention).
Help texts are bilingual (Chinese, then English); messages follow ``--lang`` / ``CRMXL_LANG``.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from crmxl import __version__, concurrency, interrupt
from crmxl.console import setup as setup_console
from crmxl.console import write_json
from crmxl.errors import CrmxlError
from crmxl.i18n import normalize_lang, register, t
from crmxl.model.textout import ProgressBar
from crmxl.progress import Progress

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class AsOf(click.ParamType):
    """``--as-of``: an ISO date or date-time; with ``date_alone``, a date without a time stays a
    ``date`` (the report reads it as the whole day)."""

    name = "DATETIME"

    def __init__(self, date_alone: bool = False) -> None:
        self.date_alone = date_alone

    def convert(self, value: Any, param: Any, ctx: Any) -> datetime | date:
        if isinstance(value, datetime | date):
            return value
        from crmxl.model.values import BadValue, parse_as_of  # (pandas: only when used)

        try:
            moment = parse_as_of(value)
            if self.date_alone and ":" not in str(value):
                return moment.date()
            return moment
        except BadValue:
            lang = lang_of(ctx) if ctx is not None and ctx.find_root().obj else normalize_lang(None)
            self.fail(t("bad-as-of", lang, value=value), param, ctx)


def lang_of(ctx: click.Context) -> str:
    return str(ctx.find_root().obj.get("lang", "zh")) if ctx.find_root().obj else "zh"


def emit_json(data: Any) -> None:
    write_json(data)  # UTF-8 whatever the console's code page


def command(fn: Callable[..., int | None]) -> Callable[..., None]:
    """Run a command body: CrmxlError -> one line and exit 1; the body's return is the exit code.

    Also gives the command its own ``--lang`` (so ``crmxl validate x.xlsx --lang en`` works).
    """

    @click.option(
        "--lang",
        "cmd_lang",
        type=click.Choice(["zh", "en"]),
        default=None,
        help="输出语言 / output language",
    )
    @functools.wraps(fn)
    def wrapper(*args: Any, cmd_lang: str | None = None, **kwargs: Any) -> None:
        ctx = click.get_current_context()
        if cmd_lang:
            ctx.find_root().obj["lang"] = normalize_lang(cmd_lang)
        interrupt.forget()
        _BARS.clear()
        try:
            code = fn(*args, **kwargs)
        except CrmxlError as exc:
            _close_bars()
            click.echo(f"Error: {exc.render(lang_of(ctx))}", err=True)
            ctx.exit(1)
        except KeyboardInterrupt:
            _close_bars()
            click.echo(interrupted_message(lang_of(ctx)), err=True)
            ctx.exit(130)
        finally:
            _close_bars()
        ctx.exit(code or 0)

    return wrapper


def interrupted_message(lang: str) -> str:
    """What Ctrl-C leaves behind, truly: nothing, or the files written in full before it."""
    done = interrupt.written()
    if not done:
        return t("interrupted", lang)
    return t("interrupted-after", lang, paths=", ".join(str(p) for p in done))


def progress_bar(ctx: click.Context, as_json: bool = False) -> Progress | None:
    """The progress bar on standard error when it is a terminal; none when piped or with
    ``--json`` (SPEC 3). The command's wrapper erases it before anything else is printed."""
    if as_json or not _is_terminal(sys.stderr):
        return None
    bar = ProgressBar(lang_of(ctx), sys.stderr)
    _BARS.append(bar)
    return bar


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


#: The progress bars drawn by this run (erased before any other output).
_BARS: list[ProgressBar] = []


def _close_bars() -> None:
    for bar in _BARS:
        bar.close()


files_argument = click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
json_option = click.option(
    "--json", "as_json", is_flag=True, help="输出 JSON / print JSON for scripts"
)
as_of_option = click.option(
    "--as-of",
    "as_of",
    type=AsOf(),
    default=None,
    help="计算基准时间（默认现在）/ compute as of this date-time (default: now)",
)
config_option = click.option(
    "--config",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="配置文件 crmxl.toml，覆盖“配置”工作表 / settings file that overrides the 配置 sheet",
)


@click.group(context_settings=CONTEXT)
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default=None,
    envvar="CRMXL_LANG",
    help="输出语言 / output language (default zh)",
)
@click.version_option(__version__, prog_name="crmxl")
@click.pass_context
def cli(ctx: click.Context, lang: str | None) -> None:
    """crmxl：在 Excel 里管客户的销售团队的 CRM 工具。
    A CRM for sales teams that keep their customers in Excel.

    \b
    每周例行 / weekly routine:
      crmxl refresh crm.xlsx
      crmxl report crm.xlsx -o 周报.xlsx --db crm.db
      crmxl push crm.xlsx --db crm.db
      crmxl todo crm.xlsx --send
    """
    ctx.obj = {"lang": normalize_lang(lang)}
    try:
        concurrency.parse(os.environ.get(concurrency.ENV))
    except ValueError:
        raise click.UsageError(
            f"{concurrency.ENV}={os.environ[concurrency.ENV]!r}: 应为 auto、0 或正整数 / "
            "expected auto, 0 (all in one process) or a worker count"
        ) from None


@cli.command(context_settings=CONTEXT)
@files_argument
@json_option
@as_of_option
@config_option
@click.option(
    "--annotate",
    "annotate",
    type=click.Path(path_type=Path),
    default=None,
    metavar="OUT",
    help="另存一份标注副本：问题单元格标色并加批注（多个文件时 OUT 为文件夹）/ write a copy "
    "with every bad cell highlighted and commented (a folder when there are several files)",
)
@click.pass_context
@command
def validate(
    ctx: click.Context,
    files: tuple[Path, ...],
    as_json: bool,
    as_of: datetime | None,
    config: Path | None,
    annotate: Path | None,
) -> int:
    """检查工作簿，一次列出所有问题。Check workbooks and list every problem at once.

    \b
    例 / examples:
      crmxl validate crm.xlsx
      crmxl validate crm.xlsx --annotate crm-问题标注.xlsx
      crmxl validate 客户档案.xlsx 需求清单.xlsx 问题处理跟踪表.xlsx --json

    有错误时退出码为 1 / exits 1 when there is any error.
    """
    from crmxl.commands.validate import validate as run

    lang = lang_of(ctx)
    result = run(
        files,
        as_of=as_of,
        config=config,
        annotate=annotate,
        progress=progress_bar(ctx, as_json),
    )
    if as_json:
        emit_json(result.to_dict(lang))
    else:
        click.echo(result.render(lang))
    return 0 if result.valid else 1


@cli.command(context_settings=CONTEXT)
@files_argument
@as_of_option
@click.option(
    "--dry-run",
    is_flag=True,
    help="只显示将要改动的内容，不写文件 / show what would change, write nothing",
)
@click.option("--no-backup", is_flag=True, help="不保留备份 / keep no backup copy")
@json_option
@config_option
@click.pass_context
@command
def refresh(
    ctx: click.Context,
    files: tuple[Path, ...],
    as_of: datetime | None,
    dry_run: bool,
    no_backup: bool,
    as_json: bool,
    config: Path | None,
) -> int:
    """重新计算所有灰色（自动）列，直接写回原文件，其他内容不动。
    Recompute every grey (auto) column in place; nothing else in the file changes.

    \b
    计算：客户等级、近12月成交额、跟进日期与逾期、流失风险、阶段变动、问题SLA、需求跟进、线索确认。
    Computes tiers, 12-month amounts, follow-up dates and overdue flags, churn risk, stage
    moves, issue SLA clocks, need follow-ups and lead confirmation.

    \b
    例 / examples:
      crmxl refresh crm.xlsx
      crmxl refresh crm.xlsx --as-of 2026-11-20 --dry-run
      crmxl refresh 客户档案.xlsx 需求清单.xlsx 问题处理跟踪表.xlsx

    保存前自动备份到 .crmxl-backups/；文件在 Excel/WPS 中打开时会拒绝写入。
    A backup goes to .crmxl-backups/ first; a file open in Excel/WPS is refused.
    规则读取的输入有错误（与 validate 相同）时退出码为 1，这些行不参与计算 /
    exits 1 when an input the rules read is in error (as validate says); those rows are left out.
    """
    from crmxl.commands.refresh import refresh as run

    lang = lang_of(ctx)
    result = run(
        files,
        as_of=as_of,
        dry_run=dry_run,
        backup=not no_backup,
        config=config,
        progress=progress_bar(ctx, as_json),
    )
    if as_json:
        emit_json(result.to_dict(lang))
    else:
        click.echo(result.render(lang))
    return 1 if result.findings else 0


# --- init (templates) -------------------------------------------------------------------------


@cli.command(context_settings=CONTEXT)
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--sample", is_flag=True, help="填入约200个客户的演示数据 / fill realistic demo data")
@click.option(
    "--sheets",
    multiple=True,
    help="只建这些工作表（可多次或用逗号）/ only these sheets (repeat or comma list)",
)
@click.option(
    "--layout",
    type=click.Choice(["all", "separate"]),
    default="all",
    help="all：一个工作簿；separate：手册的三个文件（PATH 为文件夹）/ one workbook, or "
    "the manual's three files (PATH is a folder)",
)
@as_of_option
@click.option("--overwrite", is_flag=True, help="覆盖已有文件 / replace an existing file")
@json_option
@click.pass_context
@command
def init(
    ctx: click.Context,
    path: Path,
    sample: bool,
    sheets: tuple[str, ...],
    layout: str,
    as_of: datetime | None,
    overwrite: bool,
    as_json: bool,
) -> int:
    """新建标准工作簿：全部工作表、下拉选项、灰色自动列、说明页。
    Make a new workbook: every standard sheet, dropdowns, grey computed columns, a guide.

    \b
    例 / examples:
      crmxl init crm.xlsx
      crmxl init demo.xlsx --sample
      crmxl init crm-en.xlsx --lang en
      crmxl init 客户资料/ --layout separate
      crmxl init leads.xlsx --sheets 线索,销售团队,配置
    """
    from crmxl.commands.init import init as run

    lang = lang_of(ctx)
    result = run(
        path,
        lang=lang,
        sample=sample,
        sheets=sheets,
        layout=layout,
        as_of=as_of,
        overwrite=overwrite,
    )
    if as_json:
        emit_json(result.to_dict())
    else:
        click.echo(result.render(lang))
    return 0


# --- report, todo --------------------------------------------------------------------------------


def explicit_lang(ctx: click.Context) -> str | None:
    """The language given with ``--lang`` on the command line (either position), else None.

    ``CRMXL_LANG`` and the default only choose the terminal's language; a report workbook is
    written in the workbook's own language unless ``--lang`` is given.
    """
    from click.core import ParameterSource

    if ctx.get_parameter_source("cmd_lang") is ParameterSource.COMMANDLINE:
        return lang_of(ctx)
    if ctx.find_root().get_parameter_source("lang") is ParameterSource.COMMANDLINE:
        return lang_of(ctx)
    return None


@cli.command("report", context_settings=CONTEXT)
@files_argument
@click.option(
    "-o",
    "--output",
    "out",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="报表文件（.xlsx，新文件或旧报表）/ the report file to write (.xlsx)",
)
@click.option(
    "--as-of",
    "as_of",
    type=AsOf(date_alone=True),
    default=None,
    help="计算基准（默认现在；只写日期即截至当天结束）/ report as of this date-time (default "
    "now; a date alone means through the end of that day)",
)
@click.option(
    "--period",
    type=click.Choice(["week", "month", "quarter", "7d", "30d", "90d"]),
    default="week",
    show_default=True,
    help="统计期：本周（周一至周日）、本月、本季度，或截至计算基准的近7/30/90天；并列上一期 / "
    "this calendar week (Mon-Sun), month or quarter, or the 7, 30 or 90 days ending on the "
    "as-of date; the period before is shown beside it",
)
@click.option(
    "--db",
    default=None,
    metavar="URL",
    help="加上趋势图（近12次 crmxl push 的等级分布与逾期数）：SQLite 文件或数据库 URL / add trend "
    "charts (tier mix, overdue count over the last 12 pushes) from this database",
)
@json_option
@config_option
@click.pass_context
@command
def report_command(
    ctx: click.Context,
    files: tuple[Path, ...],
    out: Path,
    as_of: datetime | date | None,
    period: str,
    db: str | None,
    as_json: bool,
    config: Path | None,
) -> int:
    """经理报表：指标（KPI）、原生 Excel 图表、按负责人的清单，写入新的工作簿。
    The manager's report: KPIs, native Excel charts and lists by owner, in a new workbook.

    \b
    工作表 / sheets: 概览（指标、图表）, 负责人, 逾期跟进, SLA预警, 流失预警, 等级变动, 提醒,
    销售预测, 图表数据。按规则现算，未刷新的工作簿也准确；输入文件不会被改动。
    Computed by the refresh rules in memory, so an unrefreshed workbook reports right; the
    inputs are never written.

    \b
    例 / examples:
      crmxl report crm.xlsx -o 周报-2026-11-20.xlsx
      crmxl report crm.xlsx -o 月报.xlsx --period month --as-of 2026-11-30
      crmxl report 客户档案.xlsx 需求清单.xlsx 问题处理跟踪表.xlsx -o 周报.xlsx --json
      crmxl report crm.xlsx -o 周报.xlsx --db crm.db        # 加趋势图 / with trend charts

    报表语言与工作簿表头一致，--lang 可指定 / the report is in the workbook's language
    unless --lang is given. 不会覆盖输入文件或含客户数据的文件 / never replaces an input or
    a file holding CRM data.
    """
    from crmxl.commands.report import report as run

    lang = lang_of(ctx)
    result = run(
        files,
        out,
        as_of=as_of,
        period=period,
        config=config,
        lang=explicit_lang(ctx),
        progress=progress_bar(ctx, as_json),
        db=db,
    )
    if as_json:
        emit_json(result.to_dict(lang))
    else:
        click.echo(result.render(lang))
    return 0


@cli.command("todo", context_settings=CONTEXT)
@files_argument
@click.option("--owner", default=None, help="只看此负责人 / only this owner's agenda")
@click.option(
    "--days",
    type=click.IntRange(min=0),
    default=7,
    show_default=True,
    help="向前看几天 / how many days ahead to look",
)
@click.option(
    "--send",
    is_flag=True,
    help="把每人的待办发出去：邮件（销售团队 邮箱）和/或企业微信、钉钉群机器人 / deliver each "
    "owner's agenda by e-mail and/or to the WeCom or DingTalk group robot",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="与 --send 一起：只显示将要发送的内容 / with --send: show what would be sent",
)
@as_of_option
@json_option
@config_option
@click.pass_context
@command
def todo_command(
    ctx: click.Context,
    files: tuple[Path, ...],
    owner: str | None,
    days: int,
    send: bool,
    dry_run: bool,
    as_of: datetime | None,
    as_json: bool,
    config: Path | None,
) -> int:
    """每位负责人的待办：按负责人、再按类别分组，最紧急的在前。
    Each owner's agenda, grouped by owner then kind, most urgent first.

    \b
    类别 / kinds: 问题时限（已超时/即将超时，剩余小时）、线索确认、客户跟进（逾期及N天内到期）、
    需求跟进（方案提交后3天）、问候（生日和成立周年，提前1天）。
    Issue deadlines (breached / due soon, hours left), leads to confirm, follow-ups (overdue
    or due within N days), proposals to chase, greetings (birthdays, anniversaries; a day ahead).

    \b
    例 / examples:
      crmxl todo crm.xlsx
      crmxl todo crm.xlsx --owner 张伟 --days 3
      crmxl todo crm.xlsx --json > todo.json
      crmxl todo crm.xlsx --send --dry-run --config crmxl.toml
      CRMXL_SMTP_PASSWORD=... crmxl todo crm.xlsx --send --config crmxl.toml

    \b
    --send：SMTP 与机器人地址在“配置”或 --config 文件中；密码和钉钉加签密钥只从环境变量
    CRMXL_SMTP_PASSWORD、CRMXL_DINGTALK_SECRET 读取。同一计算基准日重复运行不会重复发送
    （记录在工作簿旁的 .crmxl-sent.json）。有发送失败时退出码为 1。
    --send: SMTP and robot addresses come from the Settings sheet or --config; the password
    and the DingTalk signing secret only from CRMXL_SMTP_PASSWORD and CRMXL_DINGTALK_SECRET.
    A re-run for the same as-of date sends nothing twice (recorded in .crmxl-sent.json beside
    the workbook). Exits 1 when any delivery failed. See docs/delivery.md.
    """
    lang = lang_of(ctx)
    if dry_run and not send:
        raise click.UsageError("--dry-run 需与 --send 一起使用 / --dry-run goes with --send")
    if send:
        from crmxl.commands.send import send as deliver

        sent = deliver(
            files,
            owner=owner,
            days=days,
            as_of=as_of,
            config=config,
            lang=explicit_lang(ctx),
            dry_run=dry_run,
        )
        if as_json:
            emit_json(sent.to_dict(lang))
        else:
            click.echo(sent.render(lang))
        return 0 if sent.ok else 1
    from crmxl.commands.todo import todo as run

    result = run(
        files,
        owner=owner,
        days=days,
        as_of=as_of,
        config=config,
        progress=progress_bar(ctx, as_json),
    )
    if as_json:
        emit_json(result.to_dict(lang))
    else:
        click.echo(result.render(lang))
    return 0


@cli.command("push", context_settings=CONTEXT)
@files_argument
@click.option(
    "--db",
    default=None,
    metavar="URL",
    help="数据库：SQLite 文件路径（默认与第一个工作簿同名的 .db）或 URL，如 "
    "postgresql+psycopg://用户@主机/库 / a SQLite file (default: the first workbook's name "
    "with .db) or a URL such as postgresql+psycopg://user@host/db",
)
@as_of_option
@json_option
@config_option
@click.pass_context
@command
def push_command(
    ctx: click.Context,
    files: tuple[Path, ...],
    db: str | None,
    as_of: datetime | None,
    as_json: bool,
    config: Path | None,
) -> int:
    """把工作簿写入数据库：每个工作表一张表，按编号新增或更新，并记录每位客户的快照（趋势）。
    Push the workbooks into a database: a table per sheet, upserted by ID, plus a snapshot of
    every customer (tier, stage, follow-up status, days overdue, churn risk) for trends.

    \b
    一次推送是一个事务：要么全部写入，要么什么都不改。工作簿中删除的行标记 deleted_at，不删除。
    同一工作簿再推送一次不改变任何行（推送本身记录在 crmxl_runs）。
    A push is one transaction: all or nothing. Rows deleted in the workbook are marked
    (deleted_at), never dropped; pushing the same workbook again changes no row.

    \b
    例 / examples:
      crmxl push crm.xlsx                      # 写入 crm.db（SQLite）
      crmxl push crm.xlsx --db 数据/crm.db --as-of 2026-11-20
      crmxl push crm.xlsx --db postgresql+psycopg://crm@db.example.com/crm --json

    PostgreSQL 的密码放在 URL 或 PGPASSWORD 环境变量中 / the password goes in the URL or in
    PGPASSWORD. 有行未能推送（编号为空或重复）时退出码为 1 / exits 1 when a row could not be
    pushed. 表与列的说明见 docs/delivery.md / tables and columns: docs/delivery.md.
    """
    from crmxl.commands.push import push as run

    lang = lang_of(ctx)
    result = run(files, db, as_of=as_of, config=config, progress=progress_bar(ctx, as_json))
    if as_json:
        emit_json(result.to_dict(lang))
    else:
        click.echo(result.render(lang))
    return 0 if result.ok else 1


# --- import, assign ------------------------------------------------------------------------------


def _usage_exit(exc: CrmxlError, lang: str) -> click.UsageError:
    """A library UsageError (an unknown sheet, a bad --encoding) as click's: exit code 2."""
    return click.UsageError(exc.render(lang))


@cli.command("import", context_settings=CONTEXT)
@click.argument("src", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--into",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="要追加数据的工作簿 / the workbook to append to",
)
@click.option(
    "--sheet",
    required=True,
    help="目标工作表，如 线索、客户档案、Leads / the standard sheet to append to",
)
@click.option(
    "--map",
    "map_file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help='列对应 TOML 文件（"手机号码" = "电话"）/ TOML file mapping source headers',
)
@click.option(
    "--encoding",
    default=None,
    help="CSV 编码（默认自动：UTF-8、UTF-8 BOM、GBK/GB18030）/ force the CSV encoding",
)
@click.option(
    "--from-sheet",
    "source_sheet",
    default=None,
    help="源工作簿中的工作表（xlsx/xls）/ the sheet of an xlsx/xls source",
)
@click.option(
    "--rejects",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="把未导入的行（附原因）写到此 CSV / write rejected rows, with why, to this CSV",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="只显示将要导入的内容，不写工作簿 / show what would be imported, write nothing",
)
@click.option("--no-backup", is_flag=True, help="不保留备份 / keep no backup copy")
@as_of_option
@json_option
@config_option
@click.pass_context
@command
def import_(
    ctx: click.Context,
    src: Path,
    into: Path,
    sheet: str,
    map_file: Path | None,
    encoding: str | None,
    source_sheet: str | None,
    rejects: Path | None,
    dry_run: bool,
    no_backup: bool,
    as_of: datetime | None,
    as_json: bool,
    config: Path | None,
) -> int:
    """从 CSV（UTF-8/GBK）或 Excel 追加数据：自动对应表头、校验、查重、生成编号。
    Append rows from a CSV (UTF-8/GBK) or Excel sheet: headers mapped, rows checked,
    duplicates (查重) turned away, IDs generated.

    \b
    例 / examples:
      crmxl import 线索.csv --into crm.xlsx --sheet 线索
      crmxl import leads.csv --into crm.xlsx --sheet 线索 --dry-run
      crmxl import 展会名单.xlsx --into crm.xlsx --sheet 线索 --map 展会.toml --rejects 未导入.csv
      crmxl import old.csv --into crm.xlsx --sheet 客户档案 --encoding gbk

    \b
    映射文件 / mapping file (TOML):
      "手机号码" = "电话"
      "内部编号" = ""          # 忽略此列 / ignore this column
      [defaults]
      "来源" = "展会"          # 空白时的默认值 / value for blank cells

    以 = + - @ 开头的内容按文本保存，不会变成公式。有行未导入时退出码为 1。
    Text starting with = + - @ is stored as text, never a formula. Exits 1 when any row
    was rejected.
    """
    from crmxl.commands.import_ import import_rows
    from crmxl.errors import UsageError as LibraryUsageError

    lang = lang_of(ctx)
    try:
        result = import_rows(
            src,
            into,
            sheet,
            map_file=map_file,
            encoding=encoding,
            dry_run=dry_run,
            rejects=rejects,
            as_of=as_of,
            source_sheet=source_sheet,
            config=config,
            backup=not no_backup,
            progress=progress_bar(ctx, as_json),
        )
    except LibraryUsageError as exc:
        raise _usage_exit(exc, lang) from exc
    if as_json:
        emit_json(result.to_dict(lang))
    else:
        click.echo(result.render(lang))
    return 0 if result.ok else 1


@cli.command(context_settings=CONTEXT)
@files_argument
@as_of_option
@click.option(
    "--dry-run", is_flag=True, help="只显示分配结果，不写文件 / show the assignment, write nothing"
)
@click.option(
    "--pool",
    is_flag=True,
    help="分配公海客户（而不是线索） / hand out the public pool's customers instead of leads",
)
@click.option("--no-backup", is_flag=True, help="不保留备份 / keep no backup copy")
@json_option
@config_option
@click.pass_context
@command
def assign(
    ctx: click.Context,
    files: tuple[Path, ...],
    as_of: datetime | None,
    dry_run: bool,
    pool: bool,
    no_backup: bool,
    as_json: bool,
    config: Path | None,
) -> int:
    """分配待分配的线索：区域优先，其次擅长行业，再按在手线索最少、姓名顺序；不超过线索上限。
    Assign waiting leads: region first, then industry, then fewest open leads, then name;
    never past a rep's lead cap.

    \b
    写入分配给、分配时间（= --as-of）、分配依据，线索状态改为待确认；与已有客户重复的线索不分配。
    Fills Assigned To, Assigned At (= --as-of) and the reason, sets the status to Awaiting
    Confirmation; a lead that duplicates a customer is flagged, not assigned.

    \b
    --pool：把负责人为“公海”的客户按同样规则分给销售专员，原负责人冷却期内不分回；
    写入负责人，清空入公海日期，记入变更日志。
    --pool: hands the customers whose owner is the pool (公海) out by the same rules, never
    back to the former owner within the cool-down; writes the owner, clears In Pool Since.

    \b
    例 / examples:
      crmxl assign crm.xlsx
      crmxl assign crm.xlsx --as-of "2026-11-20 09:00" --dry-run
      crmxl assign 客户档案.xlsx --json
      crmxl assign crm.xlsx --pool

    有线索（或公海客户）无法分配或疑似重复时退出码为 1 / exits 1 when one stays unassigned.
    """
    from crmxl.commands.assign import assign as run

    lang = lang_of(ctx)
    result = run(
        files,
        as_of=as_of,
        dry_run=dry_run,
        config=config,
        backup=not no_backup,
        pool=pool,
        progress=progress_bar(ctx, as_json),
    )
    if as_json:
        emit_json(result.to_dict(lang))
    else:
        click.echo(result.render(lang))
    return 0 if result.ok else 1


# --- split, merge --------------------------------------------------------------------------------


@cli.command(context_settings=CONTEXT)
@files_argument
@click.option(
    "-o",
    "--out",
    "out_dir",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="输出文件夹 / folder for the per-person workbooks",
)
@click.option(
    "--owner",
    "owners",
    multiple=True,
    help="只拆分这些人（可多次）/ only these people (repeatable)",
)
@as_of_option
@config_option
@json_option
@click.pass_context
@command
def split(
    ctx: click.Context,
    files: tuple[Path, ...],
    out_dir: Path,
    owners: tuple[str, ...],
    as_of: datetime | None,
    config: Path | None,
    as_json: bool,
) -> int:
    """按人拆分：每个在岗销售专员、销售经理一个工作簿，只含本人（或本团队）的客户。
    One least-privilege workbook per active sales rep and manager: only their customers.

    \b
    销售专员的文件不含敏感列（预算、金额、报价）；编号和自动列锁定；隐藏清单供合并使用。
    主文件只追加一行变更日志（拆分记录），供 crmxl merge 识别。
    Reps get no sensitive columns (budgets, amounts, quotes); IDs and computed columns are
    locked; a hidden manifest lets crmxl merge take the file back. The master only gains one
    changelog row per workbook (the split record merge checks).

    \b
    例 / examples:
      crmxl split crm.xlsx -o 拆分/
      crmxl split crm.xlsx -o out/ --owner 李娜 --owner 陈静
      crmxl split 客户档案.xlsx 需求清单.xlsx 问题处理跟踪表.xlsx -o out/ --json
    """
    from crmxl.commands.split import split as run

    lang = lang_of(ctx)
    result = run(
        files,
        out_dir,
        owners=list(owners) or None,
        as_of=as_of,
        config=config,
        progress=progress_bar(ctx, as_json),
    )
    if as_json:
        emit_json(result.to_dict(lang))
    else:
        click.echo(result.render(lang))
    return 0


@cli.command(context_settings=CONTEXT)
@files_argument
@click.option(
    "--dry-run",
    is_flag=True,
    help="只显示将要合并的内容，不写文件 / show what would be merged, write nothing",
)
@click.option("--no-backup", is_flag=True, help="不保留备份 / keep no backup copy")
@config_option
@json_option
@click.pass_context
@command
def merge(
    ctx: click.Context,
    files: tuple[Path, ...],
    dry_run: bool,
    no_backup: bool,
    config: Path | None,
    as_json: bool,
) -> int:
    """把销售交回的拆分工作簿合并回主文件：只应用本人客户的修改，冲突列出，不删除任何内容。
    Merge split workbooks handed back into the master: only changes to the person's own
    customers are applied, conflicts are listed, nothing is ever deleted.

    \b
    FILES 是主文件和交回的文件（带拆分清单的是交回的文件），顺序不限。
    FILES are the master and the returned workbooks (those with a split manifest), any order.
    不是从这个主文件拆分出来的文件会被拒绝，此时不写入任何内容。
    A workbook split from another master is refused, and then nothing is written.

    \b
    例 / examples:
      crmxl merge crm.xlsx 拆分/李娜.xlsx 拆分/陈静.xlsx
      crmxl merge crm.xlsx 拆分/*.xlsx --dry-run
      crmxl merge crm.xlsx 李娜.xlsx --json

    有冲突或未采纳的修改时退出码为 1 / exits 1 when anything was not applied.
    合并后运行 crmxl refresh / run crmxl refresh afterwards.
    """
    from crmxl.commands.merge import merge_files

    lang = lang_of(ctx)
    result = merge_files(
        files,
        dry_run=dry_run,
        config=config,
        backup=not no_backup,
        progress=progress_bar(ctx, as_json),
    )
    if as_json:
        emit_json(result.to_dict(lang))
    else:
        click.echo(result.render(lang))
    return 0 if result.clean else 1


# --- config ------------------------------------------------------------------------------------


@cli.command("config", context_settings=CONTEXT)
@click.option(
    "--example",
    is_flag=True,
    help="打印带注释的示例配置文件（全部配置项、默认值和说明）/ print a commented example "
    "settings file: every key, its default and meaning",
)
@click.pass_context
@command
def config_command(ctx: click.Context, example: bool) -> int:
    """配置文件 crmxl.toml（--config 使用）：全部配置项、默认值和说明。
    The settings file crmxl.toml (for --config): every key, its default and meaning.

    \b
    例 / examples:
      crmxl config --example > crmxl.toml
      crmxl refresh crm.xlsx --config crmxl.toml
    """
    from crmxl.commands.config import example as make_example

    if not example:
        raise click.UsageError(t("config-what", lang_of(ctx)), ctx)
    click.echo(make_example().render(lang_of(ctx)), nl=False)
    return 0


register(
    {
        "config-what": (
            "请加 --example：crmxl config --example > crmxl.toml",
            "Add --example: crmxl config --example > crmxl.toml",
        ),
        "bad-as-of": (
            "“{value}”不是日期或日期时间，请写成 2026-11-20 或 2026-11-20T10:00",
            "{value!r} is not a date or date-time; write 2026-11-20 or 2026-11-20T10:00",
        ),
    }
)


def main() -> None:
    """Console entry point.

    Click's own handling, but for Ctrl-C: outside a command's body too (while the arguments
    are read, or as the command winds up) it says what was written, in the user's language,
    and exits 130, never click's English "Aborted!".
    """
    if getattr(sys, "frozen", False):  # a frozen build's split workers start here
        import multiprocessing  # not at start-up: ~15 ms that --version does not need

        multiprocessing.freeze_support()
    setup_console()  # output never raises on cp936, cp1252, ... (crmxl.console)
    try:
        code = cli.main(prog_name="crmxl", standalone_mode=False)
    except (click.exceptions.Abort, KeyboardInterrupt):
        _close_bars()
        click.echo(interrupted_message(normalize_lang(None)), err=True)
        sys.exit(130)
    except click.exceptions.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except BrokenPipeError:  # `crmxl todo ... | head`: the reader has gone, nothing is wrong
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":  # pragma: no cover
    main()
    sys.exit(0)
