"""The rules never use what ``validate`` calls an error.

:func:`screen` runs validate's own checks (:func:`crmxl.checks.cells.cell_findings` and
:func:`crmxl.checks.cross.cross_findings`, no second copy) on the columns the rules read
(:data:`crmxl.rules.evaluate.SCREENED`); :func:`crmxl.rules.evaluate.evaluate` leaves the rows
of its errors out of the rules, and ``refresh`` reports them: the same findings, code, cell and
message, that ``validate`` gives. :func:`evaluate` is the evaluation every command uses.
"""

from __future__ import annotations

from datetime import datetime

from crmxl.checks.cells import cell_findings
from crmxl.checks.cross import cross_findings
from crmxl.model.findings import Finding, Severity
from crmxl.model.frames import Typed
from crmxl.model.workspace import Workspace
from crmxl.rules.evaluate import SCREENED, Evaluation
from crmxl.rules.evaluate import evaluate as evaluate_rules


def screen(ws: Workspace, tts: dict[str, Typed], as_of: datetime) -> list[Finding]:
    """validate's errors in the rule inputs of ``tts`` (typed as the rules read them)."""
    out: list[Finding] = []
    for key, tt in tts.items():
        if key in SCREENED:
            out += cell_findings(tt, ws, as_of, SCREENED[key])
    out += cross_findings(tts, ws, as_of, SCREENED)
    return [f for f in out if f.severity is Severity.ERROR]


def evaluate(ws: Workspace, as_of: datetime) -> Evaluation:
    """Every rule computed as of ``as_of``, with the rows validate calls wrong left out."""
    return evaluate_rules(ws, as_of, screen=screen)
