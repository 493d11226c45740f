"""Request bodies: JSON only, no larger than Django takes from a form
(`DATA_UPLOAD_MAX_MEMORY_SIZE`), refused with 413 before they are read whole."""

import io
from typing import Any

from django.conf import settings
from rest_framework.parsers import JSONParser

from projects.api.errors import PayloadTooLarge


class LimitedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        request = (parser_context or {}).get("request")
        length = request.META.get("CONTENT_LENGTH") if request is not None else None
        if length and str(length).isdigit() and int(length) > limit:
            raise PayloadTooLarge(f"Send at most {limit:,} bytes; this body has {int(length):,}.")
        body = stream.read(limit + 1) if stream is not None else b""
        if len(body) > limit:
            raise PayloadTooLarge(f"Send at most {limit:,} bytes.")
        return super().parse(io.BytesIO(body), media_type, parser_context)
