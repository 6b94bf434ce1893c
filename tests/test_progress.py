"""Progress: one bar with counts on standard error when it is a terminal, for every command
that can take a while; none when piped or with ``--json``; erased before the result prints."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest
import ttykit

from crmxl.model.textout import ProgressBar

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sample_data" / "crm-sample.xlsx"
LEADS_CSV = REPO / "sample_data" / "leads.csv"
BAR = re.compile(r"\[[#-]{24}\] \d+/\d+")


def test_the_bar_shows_stage_and_counts_and_erases_itself() -> None:
    out = io.StringIO()
    bar = ProgressBar("zh", out)
    bar("read", 0, 3)
    bar("compute", 1, 3)
    bar("write", 3, 12)
    drawn = out.getvalue()
    assert "读取" in drawn and "计算" in drawn and "写入" in drawn
    assert "[" + "-" * 24 + "] 0/3" in drawn
    assert "[" + "#" * 8 + "-" * 16 + "] 1/3" in drawn  # a third of 24
    assert "[" + "#" * 6 + "-" * 18 + "] 3/12" in drawn
    before = len(out.getvalue())
    bar("done", 3, 3)
    erased = out.getvalue()[before:]
    assert erased.startswith("\r") and erased.endswith("\r") and erased.strip() == ""


def test_the_bar_speaks_english_and_skips_repeats() -> None:
    out = io.StringIO()
    bar = ProgressBar("en", out)
    for _ in range(5):
        bar("check", 2, 4)
    assert out.getvalue().count("Checking") == 1


@pytest.fixture(scope="module")
def place(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("progress")
    shutil.copy(SAMPLE, folder / "crm.xlsx")
    shutil.copy(LEADS_CSV, folder / "leads.csv")
    made = ttykit.crmxl(["split", "crm.xlsx", "-o", "split"], cwd=folder)
    assert made.returncode == 0, made.stderr
    return folder


def _commands(folder: Path) -> dict[str, list[str]]:
    returned = sorted((folder / "split").glob("*.xlsx"))[0].name
    return {
        "validate": ["validate", "crm.xlsx"],
        "refresh": ["refresh", "crm.xlsx", "--dry-run", "--as-of", "2026-11-20"],
        "report": ["report", "crm.xlsx", "-o", "report.xlsx", "--as-of", "2026-11-20"],
        "todo": ["todo", "crm.xlsx", "--as-of", "2026-11-20"],
        "assign": ["assign", "crm.xlsx", "--dry-run", "--as-of", "2026-11-20 09:00"],
        "import": ["import", "leads.csv", "--into", "crm.xlsx", "--sheet", "线索", "--dry-run"],
        "split": ["split", "crm.xlsx", "-o", "split2"],
        "merge": ["merge", "crm.xlsx", f"split/{returned}", "--dry-run"],
    }


COMMANDS = ["validate", "refresh", "report", "todo", "assign", "import", "split", "merge"]


@pytest.mark.parametrize("name", COMMANDS)
def test_on_a_terminal_every_command_shows_the_bar(place: Path, name: str) -> None:
    run = ttykit.crmxl(_commands(place)[name], stdout="pipe", stderr="tty", cwd=place)
    assert run.returncode in (0, 1), run.stderr
    assert BAR.search(run.stderr), run.stderr
    assert run.stderr.rstrip(" ").endswith("\r")  # erased: the result starts on a clean line
    assert not BAR.search(run.stdout)


@pytest.mark.parametrize("name", COMMANDS)
def test_piped_or_json_there_is_no_bar(place: Path, name: str) -> None:
    args = _commands(place)[name]
    piped = ttykit.crmxl(args, stdout="pipe", stderr="pipe", cwd=place)
    as_json = ttykit.crmxl([*args, "--json"], stdout="pipe", stderr="tty", cwd=place)
    for run in (piped, as_json):
        assert run.returncode in (0, 1), run.stderr
        assert not BAR.search(run.stderr) and "\r" not in run.stderr.replace("\r\n", "")
    assert as_json.stdout.lstrip().startswith("{")
