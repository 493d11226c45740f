"""How Tollgate writes things people read, in one place: pages, PDFs, e-mails and CSV alike."""

from typing import Any


def person(user: Any) -> str:
    """People are shown by their full names (SPEC §2); a username only when there is none."""
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()
