"""The one family of refusals every service raises and every view answers the same way.

Each has a stable `code` for tests and the HTTP `status` the browser gets:
- `NotNow` (409): the record or its project is not in a state that allows it — a closed or
  cancelled project, a project on hold, the wrong stage, a signed charter;
- `TransitionConflict` (409): someone decided first ("this was already decided");
- `RecordChanged` (409): the form was opened on a version that is no longer current;
- `GateClosed` (409): a gate's criteria are unmet, with the checklist;
- `TransitionForbidden` (403): this person may not do this to this record;
- `CommentInvalid` (400): the comment is missing or too long; the form is shown again;
- `TooMuch` (400): a request asks for more than a page can take (rows of a list);
- `SlowDown` (429): more requests of a costly kind than one person may make in a while; its
  `retry_after` says in how many seconds to try again.
"""

from typing import Any


class TransitionError(Exception):
    """A refused action. `code` is stable for tests; `status` is the HTTP answer."""

    code = "refused"
    status = 400
    field: str | None = None

    def __init__(self, message: str, *, checks: list[Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.checks = checks or []


class NotNow(TransitionError):
    code = "not_now"
    status = 409


class TransitionConflict(TransitionError):
    code = "already_decided"
    status = 409


class RecordChanged(TransitionError):
    """A form was filled in against a version of the record that is no longer current."""

    code = "stale"
    status = 409


class TransitionForbidden(TransitionError):
    code = "forbidden"
    status = 403


class GateClosed(TransitionError):
    code = "gate_closed"
    status = 409


class CommentInvalid(TransitionError):
    code = "comment_invalid"
    status = 400
    field = "comment"


class TooMuch(TransitionError):
    code = "too_much"
    status = 400


class SlowDown(TransitionError):
    code = "slow_down"
    status = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
