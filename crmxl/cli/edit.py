"""The commands that write workbooks: init, refresh, import, assign, split, merge. Each is one
call into :mod:`crmxl.commands`, which takes the write lock and saves atomically."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from crmxl.cli.base import (
    CONTEXT,
    _usage_exit,
    as_of_option,
    cli,
    command,
    config_option,
    emit_json,
    files_argument,
    json_option,
    lang_of,
    no_backup_option,
    progress_bar,
    show,
)


@cli.command(context_settings=CONTEXT)
@files_argument
@as_of_option
@click.option(
    "--dry-run",
    is_flag=True,
    help="只显示将要改动的内容，不写文件 / show what would change, write nothing",
)
@no_backup_option
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
    show(result, lang, as_json)
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


# --- import, assign ------------------------------------------------------------------------------


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
@no_backup_option
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
    show(result, lang, as_json)
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
@no_backup_option
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
    show(result, lang, as_json)
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
    show(result, lang, as_json)
    return 0


@cli.command(context_settings=CONTEXT)
@files_argument
@click.option(
    "--dry-run",
    is_flag=True,
    help="只显示将要合并的内容，不写文件 / show what would be merged, write nothing",
)
@no_backup_option
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
    show(result, lang, as_json)
    return 0 if result.clean else 1
