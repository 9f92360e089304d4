"""The Filters value: what the viewer asked for (date range, period, departments, employees).

It is what the URL holds and what every cache is keyed on. Who is looking (the Viewer) is not part of it:
the app injects the signed-in person, the CLI ``--as-user``. Both meet in the Scope (crm_core.scope).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Literal

import ibis
import ibis.expr.types as ir

from .schema import PERIODS

Period = Literal["day", "week", "month", "quarter", "year"]
FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(2100, 12, 31)  # the days a report may span


@dataclass(frozen=True)
class Filters:
    """start / end: inclusive days (None: the span of the data); period: the bucket of time series;
    departments (with their sub-departments) / employees: empty means all."""

    start: dt.date | None = None
    end: dt.date | None = None
    period: Period = "month"
    departments: tuple[str, ...] = ()
    employees: tuple[str, ...] = ()

    def __post_init__(self):
        if self.period not in PERIODS:
            raise ValueError(f"period must be one of {', '.join(PERIODS)}, not {self.period!r}")
        if self.start and self.end and self.start > self.end:
            raise ValueError(f"the start {self.start} is after the end {self.end}")
        # Normalise so that equal selections hash equal (they are cache keys).
        object.__setattr__(self, "departments", tuple(sorted(set(map(str, self.departments)))))
        object.__setattr__(self, "employees", tuple(sorted(set(map(str, self.employees)))))

    def with_range(self, start: dt.date | None, end: dt.date | None) -> "Filters":
        return replace(self, start=start, end=end)

    def people_only(self) -> "Filters":
        """These filters without the dates: the key of as-of reports, which ignore the range."""
        return replace(self, start=None, end=None, period="month")

    @property
    def restricts_people(self) -> bool:
        return bool(self.departments or self.employees)


def day_start(day: dt.date) -> ir.TimestampValue:
    """The first moment of ``day`` (timestamps are the company's wall-clock time)."""
    return ibis.timestamp(dt.datetime.combine(day, dt.time()))


def on_or_before(col: ir.TimestampValue, day: dt.date) -> ir.BooleanValue:
    """col falls on ``day`` or earlier: col < the next day's first moment."""
    return col < day_start(day + dt.timedelta(days=1))


def in_range(col: ir.TimestampValue, start: dt.date, end: dt.date) -> ir.BooleanValue:
    """start <= col < end + 1 day: the range is inclusive of both days."""
    return (col >= day_start(start)) & on_or_before(col, end)
