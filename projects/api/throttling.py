"""How often one caller may call: per token (or per signed-in person for the docs), counted
in the shared Redis cache so every web process counts together (`API_THROTTLE_RATE`)."""

import logging
from typing import Any

from django.conf import settings
from django.core.cache import caches
from redis.exceptions import RedisError
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from projects.models import AccessToken

log = logging.getLogger(__name__)


class TokenRateThrottle(SimpleRateThrottle):
    scope = "api"

    @property
    def cache(self) -> Any:
        return caches["throttle"]

    def get_rate(self) -> str:
        return settings.API_THROTTLE_RATE

    def allow_request(self, request: Request, view: Any) -> bool:
        """With the cache down the API keeps answering, unthrottled, and says so in the log."""
        try:
            return super().allow_request(request, view)
        except RedisError as error:
            log.warning("API throttle not counted, the cache is unavailable: %s", error)
            return True

    def get_cache_key(self, request: Request, view: Any) -> str:
        if isinstance(request.auth, AccessToken):
            caller = f"token:{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            caller = f"user:{request.user.pk}"
        else:
            caller = f"ip:{self.get_ident(request)}"
        return f"api-throttle:{caller}"
