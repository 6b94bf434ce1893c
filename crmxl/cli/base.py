"""The ``crmxl`` command line's common parts: the group, its options, the wrapper that turns
library errors into one line and exit codes, progress bars, Ctrl-C, and the entry point.

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


def show(result: Any, lang: str, as_json: bool) -> None:
    """Print a command's result: its JSON (``to_dict``) with ``--json``, else its text."""
    if as_json:
        emit_json(result.to_dict(lang))
    else:
        click.echo(result.render(lang))


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
no_backup_option = click.option(
    "--no-backup", is_flag=True, help="不保留备份 / keep no backup copy"
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


def _usage_exit(exc: CrmxlError, lang: str) -> click.UsageError:
    """A library UsageError (an unknown sheet, a bad --encoding) as click's: exit code 2."""
    return click.UsageError(exc.render(lang))


register(
    {
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
