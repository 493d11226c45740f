"""How Tollgate writes things people read, in one place: pages, PDFs, e-mails and CSV alike."""

from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.dateformat import format as date_format


def person(user: Any) -> str:
    """People are shown by their full names (SPEC §2); a username only when there is none."""
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()


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
