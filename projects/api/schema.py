"""What every operation of the OpenAPI document shares: its errors, as problem details."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object

PROBLEM = {
    "type": "object",
    "description": "An RFC 9457 problem: what went wrong, for people and for programs.",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string", "description": "A URI naming the kind of problem."},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "What happened, and what to do."},
        "code": {"type": "string", "description": "Stable, for programs: `gate_closed`, …"},
        "errors": {
            "type": "object",
            "description": "Bad input: the messages of each field, by its name.",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
        "checks": {
            "type": "array",
            "description": "A gate that refused: its checklist.",
            "items": {
                "type": "object",
                "properties": {
                    "label": {"type": "string"},
                    "met": {"type": "boolean"},
                    "detail": {"type": "string"},
                },
            },
        },
    },
}

EVERY_OPERATION = {
    "400": "Bad input: `errors` names each field.",
    "401": "No token, or one unknown, revoked or expired.",
    "403": "The token's scope, or the owner's rules, do not allow this.",
    "404": "No such record, or one the owner may not see.",
    "429": "Too many requests for this token: wait `Retry-After` seconds.",
}
WRITES = {
    "409": "Not now: the record moved on, a gate is unmet, or the project is read-only.",
    "413": "The body is larger than the server takes.",
    "415": "Send `Content-Type: application/json`.",
}


def add_problem_responses(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: every error answer documented as a Problem."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM
    ref = {"$ref": "#/components/schemas/Problem"}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            errors = EVERY_OPERATION | (WRITES if method in ("post", "put", "patch") else {})
            for status, description in errors.items():
                operation["responses"].setdefault(
                    status,
                    {
                        "description": description,
                        "content": {"application/problem+json": {"schema": ref}},
                    },
                )
    return result


class AccessTokenScheme(OpenApiAuthenticationExtension):
    """The token in the document: `Authorization: Bearer tg_…`."""

    target_class = "projects.api.authentication.AccessTokenAuthentication"
    name = "accessToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix="Bearer"
        )
