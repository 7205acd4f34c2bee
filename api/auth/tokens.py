"""Access tokens: the only module that touches python-jose."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
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


def decode_access_token(settings: Settings, token: str) -> TokenClaims:
    keys = settings.signing_key_map
    try:
        header = jwt.get_unverified_header(token)
        if header.get("alg") != ALGORITHM or header.get("kid") not in keys:
            raise InvalidToken("unknown key or algorithm")
        claims = jwt.decode(
            token,
            keys[header["kid"]],
            algorithms=[ALGORITHM],
            audience=settings.token_audience,
            issuer=settings.token_issuer,
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


# Tokens already verified, by (token, keys, audience, issuer): a client sends the same token
# with every request until it expires, and verifying it was a third of an authenticated
# request's fixed cost. Oldest out first beyond `_REMEMBERED`.
_verified: dict[tuple[str, tuple[tuple[str, str], ...], str, str], TokenClaims] = {}
_REMEMBERED = 1024


def claims_of(settings: Settings, token: str, *, now: datetime | None = None) -> TokenClaims:
    """`decode_access_token`, done once per token: later uses check only that it has not
    expired. Only a token that passes is remembered, and only for the same keys, audience
    and issuer."""
    key = (
        token,
        tuple(settings.signing_key_map.items()),
        settings.token_audience,
        settings.token_issuer,
    )
    claims = _verified.get(key)
    if claims is None:
        claims = decode_access_token(settings, token)
        if len(_verified) >= _REMEMBERED:
            _verified.pop(next(iter(_verified)), None)
        _verified[key] = claims
    if claims.expires_at < (now or datetime.now(UTC)):
        raise InvalidToken("the token has expired")
    return claims
