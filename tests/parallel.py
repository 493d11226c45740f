"""`make test` runs the suite in two processes (pytest-xdist, `-n 2`, one per core).

Each process has its own test database: pytest-django adds the worker's name to it
(`test_tollgate_gw1`). This plugin gives each its own Redis databases too, before Django reads
its settings: a worker's Celery tests must never take the other's tasks (and flush their
broker), and the two processes' users share ids, so they must not share a permission cache.
Worker `gwN` uses the databases of CELERY_BROKER_URL and CACHE_URL minus 4 × N (15 and 12 for
the first, 11 and 8 for the second; the race test takes the broker's minus 2: 13, then 9).

Loaded with `-p tests.parallel` from `python -m pytest` (which puts the checkout on the path).
"""

import os
import re

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
STEP = 4


def _shifted(url: str, by: int) -> str:
    match = re.fullmatch(r"(redis://[^/]+/)(\d+)", url)
    if not match or int(match[2]) < by:
        raise SystemExit(f"tests/parallel.py: cannot give {WORKER} its own Redis database: {url}")
    return f"{match[1]}{int(match[2]) - by}"


if WORKER.startswith("gw") and WORKER != "gw0":
    for variable in ("CELERY_BROKER_URL", "CACHE_URL"):
        os.environ[variable] = _shifted(os.environ[variable], STEP * int(WORKER[2:]))
