"""The commands that read workbooks and write nothing into them: validate, report, todo
(and todo --send), push, config. Each is one call into :mod:`crmxl.commands`."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import click

from crmxl.cli.base import (
    CONTEXT,
    AsOf,
    as_of_option,
    cli,
    command,
    config_option,
    explicit_lang,
    files_argument,
    json_option,
    lang_of,
    progress_bar,
    show,
)
from crmxl.i18n import register, t


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
    show(result, lang, as_json)
    return 0 if result.valid else 1


# --- report, todo --------------------------------------------------------------------------------


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
    show(result, lang, as_json)
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
        show(sent, lang, as_json)
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
    show(result, lang, as_json)
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
    show(result, lang, as_json)
    return 0 if result.ok else 1


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
    }
)
