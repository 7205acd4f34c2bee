"""Request rate limits (429 with `Retry-After`), kept in memory or, across workers, in Redis."""

import logging
import math
import time

from fastapi import Request
from limits import RateLimitItem, parse
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.storage import storage_from_string

from api.errors import TooManyRequests
from api.settings import Settings

log = logging.getLogger("throughgate.ratelimit")


class RateLimits:
    def __init__(self, settings: Settings) -> None:
        self._limiter = SlidingWindowCounterRateLimiter(
            storage_from_string(settings.rate_limit_storage)
        )
        self.api = parse(settings.rate_limit_api)
        self.token = parse(settings.rate_limit_token)

    async def hit(self, item: RateLimitItem, *key: str) -> None:
        """Count one request against `key`; raise 429 once the limit is spent.

        If the shared store is unreachable the request goes through: an outage of the
        limiter should not become an outage of the API.
        """
        try:
            if await self._limiter.hit(item, *key):
                return
            stats = await self._limiter.get_window_stats(item, *key)
        except Exception:  # the storage backends raise their own error types
            log.warning("rate limit store unavailable; request allowed", exc_info=True)
            return
        raise TooManyRequests(max(1, math.ceil(stats.reset_time - time.time())))


async def limit_token_requests(request: Request) -> None:
    """Token requests are limited per client address, against password guessing."""
    limits: RateLimits = request.app.state.rate_limits
    address = request.client.host if request.client else "unknown"
    await limits.hit(limits.token, "token", address)
