"""The keyed hash that tells repeat callers apart without showing who they are.

HMAC-SHA256 of the normalised phone number (digits only) under a secret made once per database
and kept in it (`store_secrets`): the same caller gives the same key in every report of this
database, and the key cannot be turned back into a number without the secret (a plain hash of
an 11-digit phone number can be reversed by trying them all). Only this module reads phone
numbers for analytics, and only the hex key leaves it (JM 15, HH 24, YC 36).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import weakref

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from griddesk.store.context import Store
from griddesk.store.db import Database
from griddesk.store.models import StoreSecret

SECRET_NAME = "caller_hmac"
SHOWN = 8  # hex digits of the key a person sees ("来电人 #3fa1c2d0")
_NOT_DIGIT = re.compile(r"\D")
_cache: weakref.WeakKeyDictionary[Database, bytes] = weakref.WeakKeyDictionary()


async def _read(s: AsyncSession) -> str | None:
    q = select(StoreSecret.value).where(StoreSecret.name == SECRET_NAME)
    return (await s.execute(q)).scalar_one_or_none()


async def secret(store: Store) -> bytes:
    """This database's secret, made on first use (in a short write transaction of its own);
    two first users agree on the one stored."""
    got = _cache.get(store.db)
    if got is not None:
        return got
    async with store.db.session() as s:
        value = await _read(s)
    if value is None:
        async with store.db.session(write=True) as s:
            value = await _read(s)
            if value is None:
                try:
                    async with s.begin_nested():
                        await s.execute(insert(StoreSecret).values(
                            name=SECRET_NAME, value=secrets.token_hex(32), created_at=store.now()))
                except IntegrityError:
                    pass  # another writer made it first: read theirs
                value = await _read(s)
    assert value is not None
    _cache[store.db] = key = bytes.fromhex(value)
    return key


def normalise(phone: str) -> str:
    digits = _NOT_DIGIT.sub("", phone)
    return digits[-11:] if len(digits) > 11 and digits.startswith("86") else digits


def caller_key(key: bytes, phone: str | None) -> str | None:
    """The caller's key (64 hex digits), or None when there is no usable number."""
    if not phone:
        return None
    digits = normalise(phone)
    if len(digits) < 5:
        return None
    return hmac.new(key, digits.encode(), hashlib.sha256).hexdigest()


def shown(key: str) -> str:
    return key[:SHOWN]
