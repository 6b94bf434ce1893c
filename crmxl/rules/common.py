"""What every rule needs: the moment, the settings, the language, and small helpers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from crmxl.model.settings import Settings
from crmxl.rules.worktime import WorkCalendar


@dataclass(frozen=True)
class Clock:
    """The moment rules compute as of, the settings they compute with, and the working calendar
    (SPEC 2.8; None when no clock counts working time)."""

    as_of: datetime
    settings: Settings
    lang: str = "zh"  # language of the free text rules write (reasons, churn risk)
    calendar: WorkCalendar | None = None

    @property
    def now(self) -> pd.Timestamp:
        return pd.Timestamp(self.as_of)

    @property
    def today(self) -> pd.Timestamp:
        """as_of's date (at midnight): day counts compare dates, not times."""
        return pd.Timestamp(self.as_of.date())

    def text(self, zh: str, en: str) -> str:
        return en if self.lang == "en" else zh


def column(frame: pd.DataFrame | None, key: str, index: pd.Index | None = None) -> pd.Series:
    """``frame[key]``, or an all-missing column when the sheet or column is absent."""
    if frame is not None and key in frame:
        return frame[key]
    return pd.Series(None, index=index if index is not None else pd.Index([]), dtype=object)


def hours(delta: pd.Series) -> pd.Series:
    return delta.dt.total_seconds() / 3600
