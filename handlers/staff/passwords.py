"""Password hashing (argon2id, the library's RFC 9106 defaults) and the rules a password meets."""

from __future__ import annotations

import asyncio
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
MAX_LENGTH = 256


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()


@cache
def _dummy_hash() -> str:
    # Verified against when the username is unknown, so a wrong name costs as long as a
    # wrong password and timing tells nothing about which accounts exist.
    return _hasher().hash("not a password of anyone")


def password_problem(password: str, username: str = "") -> str | None:
    """Why a new password is refused (a key of the staff texts), or None when it is fine."""
    if len(password) < MIN_LENGTH:
        return "password_short"
    if len(password) > MAX_LENGTH:
        return "password_long"
    if username and password.strip().lower() == username.lower():
        return "password_is_username"
    return None


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """True when ``password`` matches ``stored``; a missing hash still costs one verification."""
    try:
        return _hasher().verify(stored or _dummy_hash(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


async def verify_password_async(stored: str | None, password: str) -> bool:
    """``verify_password`` off the event loop (argon2 takes tens of milliseconds by design)."""
    return await asyncio.to_thread(verify_password, stored, password)


async def hash_password_async(password: str) -> str:
    return await asyncio.to_thread(hash_password, password)
