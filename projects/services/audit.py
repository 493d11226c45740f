"""An audited write of a project's record: the row, and its event announced after the commit.

Every service that changes a record without a transition writes through `audit`, so whatever
audience `projects/events.py` declares for its event hears of it — nothing to remember per
service. Transitions get the same from `transition_run(side_effect=tasks.announce)`.
"""

from functools import partial
from typing import Any

from django.db import transaction

from lifecycle.models import AuditEntry
from lifecycle.services import audit_record
from projects import tasks


def audit(**fields: Any) -> AuditEntry:
    entry = audit_record(**fields)
    transaction.on_commit(partial(tasks.announce, entry), robust=True)
    return entry
