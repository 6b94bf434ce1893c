"""The ``crmxl`` command line: one function per command, each one call into the library.

The library raises :class:`~crmxl.errors.CrmxlError` for anything that stops an operation; this
module prints it as one line (``Error: ...``) and exits 1. Findings are data: commands print them
and exit 1 when there is an error among them. Usage mistakes exit 2 (click's convention).
Help texts are bilingual (Chinese, then English); messages follow ``--lang`` / ``CRMXL_LANG``.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from crmxl import __version__
from crmxl.errors import CrmxlError
from crmxl.i18n import normalize_lang
from crmxl.values import BadValue, parse_as_of

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class AsOf(click.ParamType):
    """``--as-of``: an ISO date or date-time."""

    name = "DATETIME"

    def convert(self, value: Any, param: Any, ctx: Any) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            return parse_as_of(value)
        except BadValue:
            self.fail(
                f"{value!r}: 应为日期或日期时间，如 2026-11-20 或 2026-11-20T10:00 / "
                "expected a date or date-time such as 2026-11-20 or 2026-11-20T10:00",
                param,
                ctx,
            )


def lang_of(ctx: click.Context) -> str:
    return str(ctx.find_root().obj.get("lang", "zh")) if ctx.find_root().obj else "zh"


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


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
        try:
            code = fn(*args, **kwargs)
        except CrmxlError as exc:
            click.echo(f"Error: {exc.render(lang_of(ctx))}", err=True)
            ctx.exit(1)
        ctx.exit(code or 0)

    return wrapper


files_argument = click.argument(
    "files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False)
)
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
      crmxl report crm.xlsx -o 周报.xlsx
      crmxl todo crm.xlsx --owner 张三
    """
    ctx.obj = {"lang": normalize_lang(lang)}


@cli.command(context_settings=CONTEXT)
@files_argument
@json_option
@as_of_option
@config_option
@click.pass_context
@command
def validate(
    ctx: click.Context,
    files: tuple[Path, ...],
    as_json: bool,
    as_of: datetime | None,
    config: Path | None,
) -> int:
    """检查工作簿，一次列出所有问题。Check workbooks and list every problem at once.

    \b
    例 / examples:
      crmxl validate crm.xlsx
      crmxl validate 客户档案.xlsx 需求清单.xlsx 问题处理跟踪表.xlsx --json

    有错误时退出码为 1 / exits 1 when there is any error.
    """
    from crmxl.validate import validate as run

    lang = lang_of(ctx)
    result = run(files, as_of=as_of, config=config)
    if as_json:
        emit_json(result.to_dict(lang))
    else:
        click.echo(result.render(lang))
    return 0 if result.valid else 1


def progress_printer() -> Callable[[str, int, int], None] | None:
    """Stage lines on stderr when it is a terminal; nothing when piped (SPEC 3)."""
    if not sys.stderr.isatty():
        return None
    labels = {"read": "读取 / reading", "compute": "计算 / computing", "write": "写入 / writing",
              "done": "完成 / done"}

    def show(stage: str, done: int, total: int) -> None:
        bar = "#" * done + "-" * (total - done)
        end = "\n" if done >= total else ""
        click.echo(f"\r[{bar}] {labels.get(stage, stage):<24}", err=True, nl=False)
        if end:
            click.echo("", err=True)

    return show


@cli.command(context_settings=CONTEXT)
@files_argument
@as_of_option
@click.option("--dry-run", is_flag=True, help="只显示将要改动的内容，不写文件 / show what would "
                                                "change, write nothing")
@click.option("--no-backup", is_flag=True, help="不保留备份 / keep no backup copy")
@json_option
@config_option
@click.pass_context
@command
def refresh(ctx: click.Context, files: tuple[Path, ...], as_of: datetime | None, dry_run: bool,
            no_backup: bool, as_json: bool, config: Path | None) -> int:
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
    输入无法读取时退出码为 1 / exits 1 when some inputs could not be read.
    """
    from crmxl.refresh import refresh as run

    lang = lang_of(ctx)
    result = run(files, as_of=as_of, dry_run=dry_run, backup=not no_backup, config=config,
                 progress=None if as_json else progress_printer())
    if as_json:
        emit_json(result.to_dict(lang))
    else:
        click.echo(result.render(lang))
    return 1 if result.findings else 0


# --- init (templates) -------------------------------------------------------------------------


@cli.command(context_settings=CONTEXT)
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--sample", is_flag=True, help="填入约200个客户的演示数据 / fill realistic demo data")
@click.option("--sheets", multiple=True,
              help="只建这些工作表（可多次或用逗号）/ only these sheets (repeat or comma list)")
@click.option("--layout", type=click.Choice(["all", "separate"]), default="all",
              help="all：一个工作簿；separate：手册的三个文件（PATH 为文件夹）/ one workbook, or "
                   "the manual's three files (PATH is a folder)")
@as_of_option
@click.option("--overwrite", is_flag=True, help="覆盖已有文件 / replace an existing file")
@json_option
@click.pass_context
@command
def init(ctx: click.Context, path: Path, sample: bool, sheets: tuple[str, ...], layout: str,
         as_of: datetime | None, overwrite: bool, as_json: bool) -> int:
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
    from crmxl.templates import init_separate, init_workbook

    lang = lang_of(ctx)
    names = [n.strip() for item in sheets for n in item.replace("，", ",").split(",") if n.strip()]
    if layout == "separate":
        results = init_separate(path, lang=lang, sample=sample, as_of=as_of, overwrite=overwrite)
    else:
        results = [init_workbook(path, lang=lang, sample=sample, sheets=names or None,
                                 as_of=as_of, overwrite=overwrite)]
    if as_json:
        emit_json([r.to_dict() for r in results] if layout == "separate" else results[0].to_dict())
    else:
        click.echo("\n".join(r.render(lang) for r in results))
    return 0

# --- report, todo --------------------------------------------------------------------------------

# --- import, assign ------------------------------------------------------------------------------

# --- split, merge --------------------------------------------------------------------------------


def main() -> None:
    """Console entry point."""
    cli(prog_name="crmxl")


if __name__ == "__main__":  # pragma: no cover
    main()
    sys.exit(0)
