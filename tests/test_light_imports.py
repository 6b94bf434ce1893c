"""``import crmxl``, ``crmxl --help`` and ``crmxl --version`` load no pandas (nor the xlsx
libraries): a script that only asks for help starts fast. Each check runs in a fresh
interpreter, since this test process has long imported everything."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("pandas", "numpy", "fastexcel", "xlsxwriter", "pyarrow", "openpyxl")


def loaded_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    return set(out.splitlines()[-1].split())  # the help text comes first


def test_import_crmxl_loads_no_pandas() -> None:
    loaded = loaded_after("import crmxl")
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["refresh", "--help"]])
def test_the_cli_help_and_version_load_no_pandas(args: list[str]) -> None:
    code = (
        "import sys\n"
        "from crmxl.cli import cli\n"
        f"sys.argv = ['crmxl', *{args!r}]\n"
        "try:\n"
        "    cli(prog_name='crmxl')\n"
        "except SystemExit as exc:\n"
        "    assert exc.code == 0, exc.code"
    )
    loaded = loaded_after(code)
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def test_the_entry_point_loads_no_multiprocessing_unless_frozen() -> None:
    """``main`` lets a frozen build's workers take over (``freeze_support``); elsewhere that
    does nothing, and ``multiprocessing`` is not loaded for it (~11 % of ``--version``'s
    instructions)."""
    code = (
        "import sys\n"
        "from crmxl.cli import main\n"
        "sys.argv = ['crmxl', '--version']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as exc:\n"
        "    assert exc.code == 0, exc.code"
    )
    loaded = loaded_after(code)
    assert "crmxl.cli" in loaded
    assert "multiprocessing" not in loaded


def test_the_public_api_loads_on_first_use() -> None:
    loaded = loaded_after("import crmxl\nassert callable(crmxl.refresh)")
    assert "pandas" in loaded and "crmxl.commands.refresh" in loaded
