"""``crmxl assign``: assign the waiting leads (SPEC 2.5) and write the result in place.

The assignment (region, then industry, then load, within each rep's cap; 查重 against the
customers) is :mod:`crmxl.leads.assign`'s.
"""

from __future__ import annotations

from crmxl.leads.assign import assign
from crmxl.leads.result import AssignResult

__all__ = ["AssignResult", "assign"]
