"""TIMEX3 value helpers that several systems share, exactly as TimeML writes them."""

from __future__ import annotations

import datetime as dt


def iso_week(day: dt.date) -> str:
    """The TIMEX3 value of the ISO week holding ``day``: ``2024-W02``."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"
