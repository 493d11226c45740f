"""How Tollgate writes things people read, in one place: pages, PDFs, e-mails and CSV alike."""

import functools
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.dates import MONTHS_3

# The one way Tollgate writes dates, times, money and numbers for people to read. Templates use
# the filters of the same names (projects/templatetags/tollgate.py); Python code imports these.
# Snapshots, fingerprints and CSV data cells keep machine forms (ISO dates, plain decimals):
# these functions are for the text around them.


def person(user: Any) -> str:
    """People are shown by their full names (SPEC §2); a username only when there is none."""
    if user is None:
        return "—"
    return person_named(user.first_name, user.last_name, user.get_username())


def person_named(first_name: str | None, last_name: str | None, username: str | None) -> str:
    """`person()` of someone read as values rather than as a user: their full name as
    Django's `get_full_name()` writes it, or their username; "—" for no one."""
    if username is None:
        return "—"
    return f"{first_name} {last_name}".strip() or username


def signed(entry: Any) -> str:
    """Who did what an audit row records, and for whom: “Lee Park for Dana Whitfield”."""
    name = person(entry.actor)
    return f"{name} for {person(entry.on_behalf_of)}" if entry.on_behalf_of_id else name


def audit_details(entry: Any) -> list[str]:
    """What a decision recorded beside its comment, as the History tab shows it: the approval
    limit that applied, the tolerances set, the baseline made, the budget decided on."""
    data = entry.data or {}
    details = []
    if "approval_limit" in data:
        limit = data["approval_limit"]
        shown = "unlimited" if limit in (None, "unlimited") else money(limit)
        details.append(f"Approval limit that applied: {shown}")
    if "budget_after" in data and data["budget_after"] is not None:
        details.append(f"Project budget with this change: {money(data['budget_after'])}")
    if "cost_tolerance_pct" in data:
        pct = number(data["cost_tolerance_pct"])
        details.append(f"Tolerances: cost {pct}%, time {data.get('time_tolerance_days')} days")
    if "baseline" in data:
        details.append(f"Plan baseline {data['baseline']}")
    return details


def day(value: date | datetime | str | None) -> str:
    """A date as people read it: “1 Mar 2027”. Snapshots keep dates as ISO text; "" for none.
    A moment gives the day it fell on in the site's time zone."""
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return _day(value)


def _day(value: date) -> str:
    """“1 Mar 2027”, as Django's date format "j M Y" writes it, without its format machinery
    for each date (13 µs, and a goal's list shows hundreds of dates)."""
    return f"{value.day} {_months(translation.get_language())[value.month]} {value.year:04d}"


@functools.cache
def _months(language: str | None) -> tuple[str, ...]:
    """The months' abbreviations in `language` ("Jan" … "Dec" in English), read once."""
    with translation.override(language):
        return ("", *(str(MONTHS_3[month]).title() for month in range(1, 13)))


def moment(value: datetime | str | None) -> str:
    """A time as people read it, in the site's time zone and named by it: “28 Nov 2026, 06:10
    UTC” (“28 Nov 2026, 07:10 Europe/Paris” where TIME_ZONE says so)."""
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    local = timezone.localtime(value)
    return f"{_day(local)}, {local:%H:%M} {timezone.get_current_timezone_name()}"


def _decimal(value: Decimal | float | int | str) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value).replace(",", ""))


def money(amount: Decimal | float | int | str | None) -> str:
    """An amount with its currency, grouped, to the cent: “EUR 1,000.00”, “EUR -250.00”.
    Snapshots keep amounts as strings, so those are taken too; “—” for none."""
    if amount is None or amount == "":
        return "—"
    return f"{settings.CURRENCY} {_decimal(amount):,.2f}"


def number(value: Decimal | float | int | str | None) -> str:
    """A number as people read it: grouped, without trailing zeros — “1,000”, “12.5”,
    “1,250.75”, not 1000.0000 (goal baselines, targets and measurements; counts); “—” for none."""
    if value is None or value == "":
        return "—"
    if isinstance(value, int):
        return f"{value:,}"
    figure = _decimal(value).normalize()
    if figure == figure.to_integral_value():
        figure = figure.quantize(Decimal(1))
    return f"{figure:,f}"


def age(since: datetime | None, now: datetime | None = None) -> str:
    """How long something has waited, the one way pages and e-mails say it: “5 hours”,
    “12 days”, “3 weeks”, “4 months”."""
    if since is None:
        return ""
    waited = max((now or timezone.now()) - since, timedelta(0))
    days = waited.days
    if days >= 60:
        amount, unit = days // 30, "month"
    elif days >= 14:
        amount, unit = days // 7, "week"
    elif days >= 1:
        amount, unit = days, "day"
    elif waited >= timedelta(hours=1):
        amount, unit = int(waited.total_seconds() // 3600), "hour"
    else:
        amount, unit = max(1, int(waited.total_seconds() // 60)), "minute"
    return f"{amount} {unit}" + ("" if amount == 1 else "s")


def one_of(names: list[str], mid_sentence: bool = True) -> str:
    """People who may act, as a sentence says them: “Alex Moreno or Dana Whitfield, CIO,” —
    a title set off by commas, the closing one kept when the sentence goes on."""
    text = ""
    for number, name in enumerate(names):
        text += (" or " if number else "") + name
        if ", " in name and (mid_sentence or number < len(names) - 1):
            text += ","
    return text


def size(num_bytes: int | None) -> str:
    """A file's size: "812 bytes", "14.2 KB", "3.5 MB"."""
    if num_bytes is None:
        return ""
    if num_bytes < 1024:
        return f"{num_bytes:,} bytes"
    for unit in ("KB", "MB", "GB"):
        num_bytes /= 1024
        if num_bytes < 1024 or unit == "GB":
            return f"{num_bytes:,.1f} {unit}"
    return ""
