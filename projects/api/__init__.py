"""Tollgate's REST API (`/api/v1/`, SPEC §12): the browser's services and rules, over JSON.

One module per layer: `authentication` (personal access tokens and their scope), `errors`
(RFC 9457 problem details), `parsers` (bodies: size, JSON), `serializers`, `views`, `urls`,
`schema` (the OpenAPI document's shared parts). Views are as thin as the browser's: find the
record through the object-scoped selectors, call the same service, answer.
"""
