"""Request rate limits (429 with `Retry-After`), kept in memory or, across workers, in Redis."""

import ipaddress
import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from fastapi import Request
from limits import RateLimitItem, parse, parse_many
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.storage import storage_from_string

from api.errors import OAuthError, TooManyRequests
from api.settings import Settings

log = logging.getLogger("throughgate.ratelimit")
T = TypeVar("T")


class RateLimits:
    def __init__(self, settings: Settings) -> None:
        self._limiter = SlidingWindowCounterRateLimiter(
            storage_from_string(settings.rate_limit_storage)
        )
        self.api = parse(settings.rate_limit_api)
        self.token = parse(settings.rate_limit_token)
        self.login_failures = parse_many(settings.rate_limit_login_failures)

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

    async def login(self, account: str, attempt: Callable[[], Awaitable[T]]) -> T:
        """Try a login for `account` (the name given, known or not, so the answer tells
        nothing about which exist): refused with 429 while its recent failures are spent;
        a failure counts, a success clears them."""
        key = ("login", account.strip().lower())
        try:
            for item in self.login_failures:
                if not await self._limiter.test(item, *key):
                    stats = await self._limiter.get_window_stats(item, *key)
                    raise TooManyRequests(max(1, math.ceil(stats.reset_time - time.time())))
        except TooManyRequests:
            raise
        except Exception:
            log.warning("rate limit store unavailable; login allowed", exc_info=True)
        try:
            result = await attempt()
        except OAuthError:
            await self._each_failure_window(key, clear=False)
            raise
        await self._each_failure_window(key, clear=True)
        return result

    async def _each_failure_window(self, key: tuple[str, str], *, clear: bool) -> None:
        try:
            for item in self.login_failures:
                if clear:
                    await self._limiter.clear(item, *key)
                else:
                    await self._limiter.hit(item, *key)
        except Exception:
            log.warning("rate limit store unavailable", exc_info=True)


def client_address(request: Request) -> str:
    """The caller's address: the peer, or — when the peer is a proxy named in
    `THROUGHGATE_TRUSTED_PROXIES` — the last address in `X-Forwarded-For` that is not one."""
    peer = request.client.host if request.client else "unknown"
    settings: Settings = request.app.state.settings
    if not _trusted(peer, settings):
        return peer
    forwarded = [a.strip() for a in request.headers.get("x-forwarded-for", "").split(",")]
    for address in reversed([a for a in forwarded if a]):
        if not _trusted(address, settings):
            return address
    return peer


def _trusted(address: str, settings: Settings) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in settings.trusted_proxies)


async def limit_token_requests(request: Request) -> None:
    """Token requests are limited per client address, against password guessing."""
    limits: RateLimits = request.app.state.rate_limits
    await limits.hit(limits.token, "token", client_address(request))
