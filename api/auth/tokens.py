"""Access tokens: the only module that touches python-jose."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from jose import JWTError, jwt

from api.settings import Settings

ALGORITHM = "HS256"


class InvalidToken(Exception):
    """The token is malformed, forged, expired or not meant for us."""


@dataclass(frozen=True)
class TokenClaims:
    subject: str  # "user:<uuid>" or "client:<uuid>"
    org_id: uuid.UUID
    role: str
    scopes: frozenset[str]
    jti: str
    expires_at: datetime
    generation: int = 0  # the account's token generation when issued
    client_id: str | None = None  # the OAuth client the token was issued to (`cid`)


def issue_access_token(
    settings: Settings,
    *,
    subject: str,
    org_id: uuid.UUID,
    role: str,
    scope: str,
    generation: int = 0,
    client_id: str | None = None,
) -> tuple[str, int]:
    """Sign a token with the current key; returns it with its lifetime in seconds."""
    kid, secret = next(iter(settings.signing_key_map.items()))
    now = datetime.now(UTC)
    lifetime = settings.access_token_minutes * 60
    claims: dict[str, Any] = {
        "iss": settings.token_issuer,
        "aud": settings.token_audience,
        "sub": subject,
        "org": str(org_id),
        "role": role,
        "scope": scope,
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=lifetime)).timestamp()),
        "jti": uuid.uuid4().hex,
        "gen": generation,
    }
    if client_id is not None:
        claims["cid"] = client_id
    token = jwt.encode(claims, secret, algorithm=ALGORITHM, headers={"kid": kid})
    return token, lifetime


def decode_access_token(
    settings: Settings, token: str, *, now: datetime | None = None
) -> TokenClaims:
    """The claims of a token signed with one of our keys, meant for us and not expired."""
    keys = tuple(settings.signing_key_map.items())
    claims = _verified(token, keys, settings.token_audience, settings.token_issuer)
    if claims.expires_at < (now or datetime.now(UTC)):
        raise InvalidToken("the token has expired")
    return claims


def _verify(
    token: str, keys: tuple[tuple[str, str], ...], audience: str, issuer: str
) -> TokenClaims:
    by_kid = dict(keys)
    try:
        header = jwt.get_unverified_header(token)
        if header.get("alg") != ALGORITHM or header.get("kid") not in by_kid:
            raise InvalidToken("unknown key or algorithm")
        claims = jwt.decode(
            token,
            by_kid[header["kid"]],
            algorithms=[ALGORITHM],
            audience=audience,
            issuer=issuer,
            options={
                "require_exp": True,
                "require_iat": True,
                "require_jti": True,
                "require_sub": True,
                "require_aud": True,
                "require_iss": True,
            },
        )
        return TokenClaims(
            subject=str(claims["sub"]),
            org_id=uuid.UUID(str(claims["org"])),
            role=str(claims["role"]),
            scopes=frozenset(str(claims.get("scope", "")).split()),
            jti=str(claims["jti"]),
            expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
            generation=int(claims.get("gen", 0)),
            client_id=str(claims["cid"]) if claims.get("cid") is not None else None,
        )
    except (JWTError, KeyError, ValueError, TypeError) as exc:
        raise InvalidToken(str(exc)) from exc


_verified = lru_cache(maxsize=1024)(_verify)
"""A token's signature and claims, checked once for these keys: a client sends the same token
with every request until it expires, and checking it was a third of an authenticated
request's fixed cost. Only tokens that pass are kept (an exception is not cached), and the
expiry is checked again on every use."""
