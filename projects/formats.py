"""How Tollgate writes things people read, in one place: pages, PDFs, e-mails and CSV alike."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.dateformat import format as date_format


def person(user: Any) -> str:
    """People are shown by their full names (SPEC §2); a username only when there is none."""
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()


def signed(entry: Any) -> str:
    """Who did what an audit row records, and for whom: “Lee Park for Dana Whitfield”."""
    name = person(entry.actor)
    return f"{name} for {person(entry.on_behalf_of)}" if entry.on_behalf_of_id else name


def audit_details(entry: Any) -> list[str]:
    """What a decision recorded beside its comment, as the History tab shows it: the approval
    limit that applied, the tolerances set, the baseline made, the budget decided on."""
    from projects.templatetags.tollgate import money  # the one way money is written

    data = entry.data or {}
    details = []
    if "approval_limit" in data:
        limit = data["approval_limit"]
        shown = "unlimited" if limit in (None, "unlimited") else money(limit)
        details.append(f"Approval limit that applied: {shown}")
    if "budget_after" in data and data["budget_after"] is not None:
        details.append(f"Project budget with this change: {money(data['budget_after'])}")
    if "cost_tolerance_pct" in data:
        pct = Decimal(data["cost_tolerance_pct"]).normalize()
        details.append(f"Tolerances: cost {pct:f}%, time {data.get('time_tolerance_days')} days")
    if "baseline" in data:
        details.append(f"Plan baseline {data['baseline']}")
    return details


def day(value: date | str | None) -> str:
    """A date as people read it: “1 Mar 2027”. Snapshots keep dates as ISO text; "" for none."""
    if not value:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return date_format(value, "j M Y")


def moment(value: datetime | str | None) -> str:
    """A time as people read it, in the site's time zone: “28 Nov 2026, 06:10 UTC”."""
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return date_format(timezone.localtime(value), "j M Y, H:i T")


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
