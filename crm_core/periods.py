"""Calendar buckets: day, ISO week (Monday start), month, quarter, year. A bucket is named by its first day."""

from __future__ import annotations

import datetime as dt

import ibis.expr.types as ir
import pandas as pd

_IBIS_UNIT = {"day": "D", "week": "W", "month": "M", "quarter": "Q", "year": "Y"}


def period_start(day: dt.date, period: str) -> dt.date:
    """The first day of the bucket holding ``day``."""
    if period == "day":
        return day
    if period == "week":
        return day - dt.timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    if period == "quarter":
        return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    if period == "year":
        return dt.date(day.year, 1, 1)
    raise ValueError(f"unknown period {period!r}")


def next_period(first: dt.date, period: str) -> dt.date:
    """The first day of the bucket after the one starting on ``first``."""
    if period == "day":
        return first + dt.timedelta(days=1)
    if period == "week":
        return first + dt.timedelta(days=7)
    months = {"month": 1, "quarter": 3, "year": 12}[period]
    m = first.month - 1 + months
    return dt.date(first.year + m // 12, m % 12 + 1, 1)


def periods_between(start: dt.date, end: dt.date, period: str) -> list[dt.date]:
    """Every bucket that overlaps [start, end], by its first day."""
    out, p = [], period_start(start, period)
    while p <= end:
        out.append(p)
        p = next_period(p, period)
    return out


def coarser_period(start: dt.date, end: dt.date, period: str, groups: int = 1, limit: int = 1500) -> str:
    """The finest period, ``period`` or coarser, whose chart over [start, end] with ``groups`` bars per
    period stays within ``limit`` bars (a chart of thousands of bars takes seconds and reads as noise)."""
    from .schema import PERIODS

    for candidate in PERIODS[PERIODS.index(period):]:
        if len(periods_between(start, end, candidate)) * max(groups, 1) <= limit:
            return candidate
    return PERIODS[-1]


def as_dates(values) -> list:
    """A column of dates or timestamps as a backend returns it, as datetime.date values (None where missing);
    through numpy's day unit, a third of the time pandas' .dt.date takes."""
    return pd.to_datetime(pd.Series(values)).to_numpy(dtype="datetime64[D]").astype(object).tolist()


def bucket(col: ir.TimestampValue, period: str) -> ir.DateValue:
    """The Ibis expression of the bucket (its first day) of a timestamp column."""
    return col.truncate(_IBIS_UNIT[period]).cast("date")
