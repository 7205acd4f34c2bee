"""Password and client-secret hashing (Argon2id)."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verified against when the account does not exist, so a miss costs the same time as a hit.
# Written here rather than hashed at start-up, which cost every worker 0.1 s and, briefly,
# Argon2's 64 MB; made with `_hasher`'s parameters (a test checks they still are).
_DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4"
    "$KmX+h3+RPI0lfCtL33bP2w$sWKFbP8wMdtY8vK2RjYg6NLEK2jCg4IJAfskByhGLFw"
)


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


def verify_secret(stored_hash: str | None, secret: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, secret) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False
