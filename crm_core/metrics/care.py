"""Care reminders: whom each rep should greet or call in the N days after the range's end E (DESIGN.md).

Over the customers in scope, for the window E+1 .. E+N:

- birthday: the birthday's month and day falls in the window (29 February counts on 28 February in years
  that are not leap years);
- next_contact: next_contact_at's day is in the window;
- every public holiday in the window (the `holidays` library, country from the setting ``holiday_country``,
  default CN; its substituted days off are workday swaps, not occasions): the key customers (the Pareto
  prefix over the 365 days up to E), dated on the holiday's first day in the window, occasion = its name.

employee_id is the customer's owner. Rows by date, occasion, customer_id.
"""

from __future__ import annotations

import datetime as dt

import holidays
import ibis
import ibis.expr.types as ir
import pandas as pd

from ..filters import in_range
from ..periods import as_dates
from ..reports import report
from .early_warning import as_of
from .sales import pareto_rows

COUNTRY_SETTING = "holiday_country"
DEFAULT_COUNTRY = "CN"
DEFAULT_DAYS = 30
KEY_CUSTOMER_DAYS = 365
COLUMNS = ["date", "occasion", "customer_id", "employee_id"]
LOCAL_LANGUAGE = {"CN": "zh_CN", "TW": "zh_TW", "HK": "zh_HK"}


def public_holidays(country: str, first: dt.date, last: dt.date, language: str = "en_US") -> list[tuple[dt.date, str]]:
    """(first day in first .. last, name) of every public holiday there, once per name and year."""
    days = holidays.country_holidays(country, years=range(first.year, last.year + 1), language=language,
                                     observed=False)
    swap = days.tr(days.substituted_label).split("%s")[0].strip() if days.has_substituted_holidays else None
    seen: dict[tuple[str, int], dt.date] = {}
    for day in sorted(d for d in days if first <= d <= last):
        for name in days.get_list(day):
            if swap and name.startswith(swap):
                continue
            seen.setdefault((name, day.year), day)
    return sorted((day, name) for (name, _), day in seen.items())


def holiday_country(scope) -> str:
    return (scope.setting(COUNTRY_SETTING) or DEFAULT_COUNTRY).strip().upper()


def _window(scope, days: int) -> tuple[dt.date, dt.date] | None:
    end = as_of(scope)
    return None if end is None else (end + dt.timedelta(days=1), end + dt.timedelta(days=days))


def _reminder(t: ir.Table, date: ir.DateValue, occasion: ir.StringValue | str) -> ir.Table:
    """One schema for every kind of reminder (a customer_id is NOT NULL in one table, not in another)."""
    return t.select(date=date.cast("date"), occasion=ibis.literal(occasion) if isinstance(occasion, str) else occasion,
                    customer_id=t.customer_id.cast("string"), employee_id=t.owner_id.cast("string"))


def _birthdays(c: ir.Table, first: dt.date, last: dt.date) -> ir.Table:
    """(date, customer_id): each birthday in first .. last, one per year it falls in."""
    b = c.filter(c.birthday.notnull())
    parts = []
    for year in range(first.year, last.year + 1):
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        month, day = b.birthday.month(), b.birthday.day()
        if not leap:
            day = ibis.ifelse((month == 2) & (day == 29), 28, day)
        on = ibis.date(ibis.literal(year), month, day)
        parts.append(_reminder(b, on, "birthday"))
    t = ibis.union(*parts)
    return t.filter(t.date >= first, t.date <= last)


def care_rows(scope, first: dt.date, last: dt.date) -> ir.Table:
    """Every reminder (date, occasion, customer_id, employee_id) in first .. last."""
    c = scope.customers
    nxt = c.filter(c.next_contact_at.notnull(), in_range(c.next_contact_at, first, last))
    parts = [_birthdays(c, first, last),
             _reminder(nxt, nxt.next_contact_at.date(), "next_contact")]
    feasts = public_holidays(holiday_country(scope), first, last)
    if feasts:
        since = first - dt.timedelta(days=KEY_CUSTOMER_DAYS)  # E-364 .. E, E being the day before `first`
        key = pareto_rows(scope.with_filters(start=since, end=first - dt.timedelta(days=1)))
        if key is not None:
            k = c.filter(c.customer_id.isin(key.customer_id))
            calendar = ibis.memtable(pd.DataFrame({"date": [d for d, _ in feasts], "occasion": [n for _, n in feasts]}))
            j = k.cross_join(calendar)
            parts.append(_reminder(j, j.date, j.occasion.cast("string")))
    return ibis.union(*parts)


def _care_drill(scope, row: dict, column: str | None = None, days: int | None = None) -> ir.Table:
    """The customer of the row; on a row without one (a day, an owner), every customer reminded there."""
    c = scope.customers
    if row.get("customer_id"):
        return c.filter(c.customer_id == row["customer_id"])
    window = _window(scope, days or DEFAULT_DAYS)
    if window is None:
        return c.filter(ibis.literal(False))
    r = care_rows(scope, *window)
    for key in ("date", "occasion", "employee_id"):
        if key in row and row[key] is not None and not pd.isna(row[key]):
            r = r.filter(r[key] == row[key])
    return c.filter(c.customer_id.isin(r.customer_id))


@report("care", columns=COLUMNS, drill=_care_drill)
def care(scope, days: int | None = None) -> pd.DataFrame:
    """Care reminders in the ``days`` (default 30) after the range's end: birthdays, agreed next contacts and
    the key customers before each public holiday. Columns: date, occasion (birthday, next_contact or the
    holiday's name), customer_id, employee_id (owner)."""
    window = _window(scope, days or DEFAULT_DAYS)
    if window is None:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS})
    r = care_rows(scope, *window)
    out = scope.run(r.order_by([r.date, r.occasion, r.customer_id]))
    out["date"] = as_dates(out.date)
    return out[COLUMNS]


@report("holidays-ahead", cli=False, columns=["date", "occasion", "local_name"])
def holidays_ahead(scope, days: int | None = None) -> pd.DataFrame:
    """The public holidays care counts in the ``days`` after the range's end, with their names in the country's
    own language for the page (the CLI prints the English name). Columns: date, occasion, local_name."""
    window = _window(scope, days or DEFAULT_DAYS)
    if window is None:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in ("date", "occasion", "local_name")})
    country = holiday_country(scope)
    english = public_holidays(country, *window)
    local = dict(public_holidays(country, *window, language=LOCAL_LANGUAGE.get(country, "en_US")))
    # Two names on one day pair up by position only when the day has a single name.
    count = pd.Series([d for d, _ in english]).value_counts()
    return pd.DataFrame({"date": [d for d, _ in english], "occasion": [n for _, n in english],
                         "local_name": [local.get(d, n) if count[d] == 1 else n for d, n in english]})
