"""Shell completion as the README sets it up: click's, through the real ``crmxl`` program."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def _complete(**env: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", "from crmxl.cli import main; main()"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **env},
    ).stdout


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_the_completion_script_for_each_shell(shell: str) -> None:
    script = _complete(_CRMXL_COMPLETE=f"{shell}_source")
    assert "_CRMXL_COMPLETE" in script and "crmxl" in script


def test_commands_options_and_choices_complete() -> None:
    def words(line: str) -> list[str]:
        parts = line.split(" ")
        out = _complete(
            _CRMXL_COMPLETE="bash_complete", COMP_WORDS=line, COMP_CWORD=str(len(parts) - 1)
        )
        return [entry.split(",", 1)[1] for entry in out.splitlines()]

    assert words("crmxl re") == ["refresh", "report"]
    assert words("crmxl con") == ["config"]
    assert words("crmxl report crm.xlsx --per") == ["--period"]
    assert words("crmxl report crm.xlsx --period ") == [
        "week",
        "month",
        "quarter",
        "7d",
        "30d",
        "90d",
    ]
