"""Every error of the API as an RFC 9457 problem (`application/problem+json`): `type`,
`title`, `status`, `detail`, a stable `code`, and `errors` per field for bad input. The
services' refusals (lifecycle/errors.py) answer with their own status and reason, as in the
browser; a gate that refused adds its checklist."""

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from lifecycle.errors import GateClosed, SlowDown, TransitionError

PROBLEM = "application/problem+json"

TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    413: "Request body too large",
    415: "Unsupported media type",
    429: "Too many requests",
}


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"


def problem(
    status_code: int,
    detail: str,
    *,
    code: str,
    errors: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    body: dict[str, Any] = {
        "type": f"urn:tollgate:problem:{code}",
        "title": TITLES.get(status_code, "Error"),
        "status": status_code,
        "detail": detail,
        "code": code,
    }
    if errors:
        body["errors"] = errors
    body |= extra
    return Response(body, status=status_code, headers=headers, content_type=PROBLEM)


def no_such_address(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any other address under /api/: a problem too, never the browser's 404 page."""
    body = {
        "type": "urn:tollgate:problem:not_found",
        "title": TITLES[404],
        "status": 404,
        "detail": "There is no such address in the API: see /api/docs/.",
        "code": "not_found",
    }
    return JsonResponse(body, status=404, content_type=PROBLEM)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, TransitionError):
        return _refusal(exc)
    if isinstance(exc, RequestDataTooBig):  # the body was read before the parser saw it
        exc = PayloadTooLarge(f"Send at most {settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes.")
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_django_errors(exc))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a bug: Django's 500, logged
    headers = {
        k: v
        for k, v in response.headers.items()
        if k in ("Retry-After", "Allow", "WWW-Authenticate")
    }
    if isinstance(exc, exceptions.ValidationError):
        errors = _field_errors(response.data)
        names = ", ".join(sorted(errors))
        return problem(
            400, f"The request has invalid fields: {names}.", code="invalid", errors=errors
        )
    if isinstance(exc, Http404 | PermissionDenied):
        code = "not_found" if isinstance(exc, Http404) else "forbidden"
    else:
        code = getattr(exc, "default_code", "error")
        if isinstance(exc, exceptions.APIException):
            codes = exc.get_codes()
            code = codes if isinstance(codes, str) else code
    detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
    return problem(response.status_code, str(detail), code=code, headers=headers)


def _refusal(error: TransitionError) -> Response:
    extra: dict[str, Any] = {}
    if isinstance(error, GateClosed):
        extra["checks"] = [
            {"label": check.label, "met": check.met, "detail": check.detail}
            for check in error.checks
        ]
    errors = {error.field: [error.message]} if error.field else None
    headers = {"Retry-After": str(error.retry_after)} if isinstance(error, SlowDown) else None
    return problem(
        error.status, error.message, code=error.code, errors=errors, headers=headers, **extra
    )


def _django_errors(error: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if name == "__all__" else name): messages
            for name, messages in error.message_dict.items()
        }
    return {"non_field_errors": error.messages}


def _field_errors(data: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested errors flattened to `field` / `field.sub` / `items[0].field` keys; what is
    wrong with a nested list or object as a whole is said of it (`items`)."""
    if isinstance(data, list) and all(not isinstance(item, dict | list) for item in data):
        return {prefix or "non_field_errors": [str(item) for item in data]}
    flat: dict[str, list[str]] = {}
    items = data.items() if isinstance(data, dict) else enumerate(data)
    for key, value in items:
        if isinstance(key, int):
            name = f"{prefix}[{key}]"
        elif prefix:
            name = prefix if key == "non_field_errors" else f"{prefix}.{key}"
        else:
            name = str(key)
        flat |= _field_errors(value, name)
    return flat
