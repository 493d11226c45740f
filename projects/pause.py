"""A shared cache that failed to answer is left alone for a while.

Redis down costs a refused connection; Redis hanging costs the 0.5 s socket timeout on every
call. After a failure, a process leaves that cache alone for `seconds` and reads from the
database instead, so a hung Redis costs one timeout per pause, not one per request.
Used by the permission sets (projects/permissions.py) and the kept pages
(projects/page_cache.py), each with its own pause and its own warning.
"""

import logging
import time

logger = logging.getLogger(__name__)


class Pause:
    def __init__(self, seconds: float, warning: str) -> None:
        self.seconds = seconds
        self.warning = warning  # "%s" is the error
        self.until = 0.0  # monotonic time the pause ends

    @property
    def active(self) -> bool:
        return time.monotonic() < self.until

    def start(self, error: Exception) -> None:
        """The cache failed to answer: leave it alone for the next `seconds`."""
        self.until = time.monotonic() + self.seconds
        logger.warning(self.warning, error)

    def end(self) -> None:
        """It answered: no need to wait any longer."""
        self.until = 0.0
