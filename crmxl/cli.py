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


def main() -> None:
    """Console entry point."""
    cli(prog_name="crmxl")


if __name__ == "__main__":  # pragma: no cover
    main()
    sys.exit(0)
