"""A project's pages by URL name and id, without resolving the URLconf for every link.

`reverse()` costs about 30 µs; Needs my action links 100 items (each twice), the portfolio's
board 200 cards. `project_url(name, pk)` reverses each name once per process (and script
prefix), with a marker for the id, and then only puts the id in: the same address `reverse()`
gives, for any page whose only argument is the project's id.
"""

import functools

from django.urls import get_script_prefix, reverse

MARKER = 987654321  # an id no reverse() of ours writes otherwise


@functools.cache
def _around(name: str, prefix: str) -> tuple[str, str]:
    before, after = reverse(name, args=[MARKER]).split(str(MARKER))
    return before, after


def project_url(name: str, pk: int) -> str:
    """`reverse(name, args=[pk])` for a page of one project, e.g. `projects:charter`."""
    before, after = _around(name, get_script_prefix())
    return f"{before}{int(pk)}{after}"
