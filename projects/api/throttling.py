"""How often one caller may call: per token (or per signed-in person for the docs), counted
in the shared Redis cache so every web process counts together (`API_THROTTLE_RATE`)."""

from typing import Any

from django.conf import settings
from django.core.cache import caches
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from projects.models import AccessToken


class TokenRateThrottle(SimpleRateThrottle):
    scope = "api"

    @property
    def cache(self) -> Any:
        return caches["throttle"]

    def get_rate(self) -> str:
        return settings.API_THROTTLE_RATE

    def get_cache_key(self, request: Request, view: Any) -> str:
        if isinstance(request.auth, AccessToken):
            caller = f"token:{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            caller = f"user:{request.user.pk}"
        else:
            caller = f"ip:{self.get_ident(request)}"
        return f"api-throttle:{caller}"
