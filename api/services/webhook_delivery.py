"""One signed delivery attempt (Standard Webhooks 1.0), and the address rules that keep
webhooks from reaching into the network they are sent from."""

import asyncio
import ipaddress
import json
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from standardwebhooks import Webhook

from api.models import WebhookSubscription
from api.models.base import utcnow
from api.settings import Settings

EXCERPT_CHARS = 200
USER_AGENT = "Throughgate-Webhooks/1.0"


class UnsafeUrl(ValueError):
    """A webhook URL that may not be called (scheme, or where its name resolves)."""


def check_url_form(url: str, settings: Settings) -> str:
    """The URL's form: http(s) with a host, https in production. Returns the host."""
    parts = urlsplit(url)
    allowed = ("https",) if settings.env == "production" else ("https", "http")
    if parts.scheme not in allowed or not parts.hostname:
        raise UnsafeUrl(f"the URL must be {' or '.join(allowed)}:// with a host name")
    if parts.username or parts.password:
        raise UnsafeUrl("the URL may not carry credentials")
    return parts.hostname


async def check_url(url: str, settings: Settings) -> None:
    """Refuse a URL whose host is, or resolves to, a private, loopback, link-local or otherwise
    non-public address (unless the setting allows them, for development and tests)."""
    host = check_url_form(url, settings)
    if settings.webhook_allow_private_urls:
        return
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None)
    except OSError as exc:
        raise UnsafeUrl(f"the host {host} cannot be resolved") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if not address.is_global or address.is_multicast:
            raise UnsafeUrl(f"the host {host} resolves to a non-public address ({address})")


def secrets_of(subscription: WebhookSubscription, now: datetime) -> list[str]:
    """The secrets to sign with: the current one, and the previous one during its grace."""
    keys = [subscription.secret]
    expires = subscription.previous_secret_expires_at
    if subscription.previous_secret and expires and expires > now:
        keys.append(subscription.previous_secret)
    return keys


def signed_request(
    message_id: str, payload: dict[str, Any], secrets: list[str], now: datetime
) -> tuple[bytes, dict[str, str]]:
    """The body and headers of one attempt; every secret signs (receivers accept any)."""
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    signature = " ".join(Webhook(key).sign(message_id, now, body) for key in secrets)
    return body.encode(), {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


@dataclass(frozen=True)
class Attempt:
    ok: bool
    status_code: int | None
    duration_ms: int
    error: str | None
    excerpt: str | None


async def attempt(
    http: httpx.AsyncClient,
    settings: Settings,
    subscription: WebhookSubscription,
    message_id: str,
    payload: dict[str, Any],
) -> Attempt:
    """POST once; a 2xx within the time-out is success. Redirects are not followed and only
    the first characters of the answer are kept."""
    started = time.monotonic()
    now = utcnow()
    status_code: int | None = None
    excerpt: str | None = None
    try:
        await check_url(subscription.url, settings)
        body, headers = signed_request(message_id, payload, secrets_of(subscription, now), now)
        async with asyncio.timeout(settings.webhook_timeout_seconds):
            async with http.stream(
                "POST", subscription.url, content=body, headers=headers, follow_redirects=False
            ) as response:
                status_code = response.status_code
                excerpt = await _excerpt(response)
        error = None if 200 <= status_code < 300 else f"HTTP {status_code}"
        if 300 <= status_code < 400:
            error = f"HTTP {status_code}: redirects are not followed"
    except UnsafeUrl as exc:
        error = f"refused: {exc}"
    except TimeoutError:
        error = f"no answer within {settings.webhook_timeout_seconds:g} s"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:1000] or type(exc).__name__
    return Attempt(
        ok=error is None,
        status_code=status_code,
        duration_ms=int((time.monotonic() - started) * 1000),
        error=error,
        excerpt=excerpt,
    )


async def _excerpt(response: httpx.Response) -> str | None:
    async for chunk in response.aiter_bytes():
        text = chunk[: EXCERPT_CHARS * 4].decode("utf-8", errors="replace")[:EXCERPT_CHARS]
        return text or None
    return None


def http_client(settings: Settings) -> httpx.AsyncClient:
    """One connection pool for all deliveries; no redirects, no environment proxies."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(settings.webhook_timeout_seconds),
        follow_redirects=False,
        trust_env=False,
        limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
    )
