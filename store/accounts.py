"""Accounts: who may log in, their passwords (argon2id hashes only), lock-out and management.

Roles (store.enums.Role): seat operator (operator), shift leader (supervisor), a county or city
operator (an operator or supervisor whose jurisdiction is a 6- or 4-digit division code), unit,
grid worker, read-only viewer (viewer), administrator (admin). Each holds a jurisdiction (a
division code); a unit account also names its unit. The administrator made on an empty
database's first run holds no jurisdiction yet: the whole database.

Rules:
- only an administrator manages other accounts, and only those inside its jurisdiction;
- an account changes its own password by giving the old one; an administrator resets one;
- `max_failed_logins` wrong passwords in a row lock the account for `lockout_minutes`
  (config `[accounts]`); an administrator may unlock it early;
- an unknown login, a disabled account, an account without a password and a wrong password all
  give the same error, so logins cannot be probed;
- a hash never leaves this module: `Account` (what lists and exports see) has none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from griddesk.store import records, timefmt
from griddesk.store.actor import Actor, system
from griddesk.store.context import Store
from griddesk.store.enums import Role
from griddesk.store.errors import Invalid, NotAllowed, NotFound, StoreError
from griddesk.store.models import Area, Operator, Unit

if TYPE_CHECKING:
    from argon2 import PasswordHasher

FIRST_ADMIN = "admin"
MIN_PASSWORD = 8
MAX_PASSWORD = 256
LOGIN_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-_.")
MANAGERS: frozenset[Role] = frozenset({Role.ADMIN})  # who manages other accounts



@cache
def _argon2() -> tuple[PasswordHasher, str]:
    """The hasher (argon2id with the library's current recommended parameters) and the hash
    verified against when the login is unknown, so that answer takes as long as a wrong password.
    Made on first use, both at once (argon2 and one hash cost ~0.2 s: most commands never need
    them), so the first answer of a process costs the same whichever it is."""
    from argon2 import PasswordHasher

    hasher = PasswordHasher()
    return hasher, hasher.hash("griddesk: no such account")


class LoginFailed(StoreError):
    """Wrong login or password (one error for both)."""


class AccountLocked(StoreError):
    """Too many wrong passwords: locked until `until`."""


@dataclass(frozen=True)
class Account:
    """An account as lists and exports show it: never the password hash."""

    login: str
    name: str
    role: str
    jurisdiction: str | None
    unit: str | None  # the unit's code, for unit accounts
    active: bool
    has_password: bool
    locked_until: datetime | None
    failed_logins: int
    password_changed_at: datetime | None


def actor_of(op: Operator) -> Actor:
    """The Actor an operator row acts as (no jurisdiction = the whole database)."""
    return Actor(op.login, op.name, Role(op.role), op.jurisdiction or "", op.id, op.unit_id)


def hash_password(password: str) -> str:
    check_password(password)
    return _argon2()[0].hash(password)


def check_password(password: str) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise Invalid("accounts.error.password_short", min=MIN_PASSWORD)
    if len(password) > MAX_PASSWORD:
        raise Invalid("accounts.error.password_long", max=MAX_PASSWORD)


def check_login(login: str) -> str:
    login = (login or "").strip()
    if not login or len(login) > 32 or not set(login) <= LOGIN_CHARS:
        raise Invalid("accounts.error.bad_login", login=login)
    return login


def _verify(hashed: str | None, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    hasher, dummy = _argon2()
    try:
        return hasher.verify(hashed or dummy, password) and hashed is not None
    except (VerificationError, InvalidHashError):
        return False


# --- reading ------------------------------------------------------------------------------------


async def _row(s: AsyncSession, login: str) -> Operator | None:
    return (await s.execute(select(Operator).where(Operator.login == login))).scalar_one_or_none()


def _manages(actor: Actor, op_jurisdiction: str | None) -> bool:
    """An administrator manages the accounts inside its jurisdiction (all, with none)."""
    if actor.role not in MANAGERS:
        return False
    return not actor.jurisdiction or (op_jurisdiction or "").startswith(actor.jurisdiction)


async def _managed(s: AsyncSession, actor: Actor, login: str) -> Operator:
    if actor.role not in MANAGERS:
        raise NotAllowed("accounts.error.admin_only")
    op = await _row(s, login)
    if op is None or not _manages(actor, op.jurisdiction):
        raise NotFound("error.not_found_operator", login=login)
    return op


def _account(op: Operator, units: dict[int, str]) -> Account:
    return Account(op.login, op.name, op.role, op.jurisdiction, units.get(op.unit_id) if op.unit_id else None,
                   bool(op.active), op.password_hash is not None, op.locked_until, op.failed_logins or 0,
                   op.password_changed_at)


async def _unit_codes(s: AsyncSession) -> dict[int, str]:
    return {uid: code for uid, code in (await s.execute(select(Unit.id, Unit.code))).all()}


async def list_accounts(store: Store, actor: Actor) -> list[Account]:
    """Every account an administrator manages, by login."""
    if actor.role not in MANAGERS:
        raise NotAllowed("accounts.error.admin_only")
    async with store.db.session() as s:
        units = await _unit_codes(s)
        ops = (await s.execute(select(Operator).order_by(Operator.login))).scalars().all()
        return [_account(op, units) for op in ops if _manages(actor, op.jurisdiction)]


async def get_account(store: Store, actor: Actor, login: str) -> Account:
    """One account: one's own, or one an administrator manages."""
    async with store.db.session() as s:
        op = await _row(s, login)
        if op is None or not (op.login == actor.login or _manages(actor, op.jurisdiction)):
            raise NotFound("error.not_found_operator", login=login)
        return _account(op, await _unit_codes(s))


# --- managing -----------------------------------------------------------------------------------


async def _check_place(s: AsyncSession, role: Role, jurisdiction: str | None, unit: str | None) -> int | None:
    if jurisdiction is None:
        if role != Role.ADMIN:
            raise Invalid("accounts.error.jurisdiction_required")
    elif (await s.execute(select(Area.code).where(Area.code == jurisdiction))).scalar_one_or_none() is None:
        raise Invalid("accounts.error.unknown_area", code=jurisdiction)
    if role == Role.UNIT:
        if not unit:
            raise Invalid("accounts.error.unit_required")
        uid = (await s.execute(select(Unit.id).where(Unit.code == unit))).scalar_one_or_none()
        if uid is None:
            raise Invalid("accounts.error.unknown_unit", code=unit)
        return uid
    return None


def _role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise Invalid("accounts.error.bad_role", role=role, roles=" | ".join(Role)) from None


async def add_account(store: Store, actor: Actor, login: str, name: str, role: str, jurisdiction: str | None,
                      *, unit: str | None = None, password: str | None = None) -> Account:
    """A new account (with a password, or none yet: it cannot log in until one is set)."""
    login, r = check_login(login), _role(role)
    name = (name or "").strip()
    if not name or len(name) > 32:
        raise Invalid("accounts.error.bad_name")
    if actor.role not in MANAGERS:
        raise NotAllowed("accounts.error.admin_only")
    if not _manages(actor, jurisdiction):
        raise NotAllowed("accounts.error.outside", code=jurisdiction or "")
    hashed = hash_password(password) if password is not None else None
    now = store.now()
    async with store.db.session(write=True) as s:
        if await _row(s, login) is not None:
            raise Invalid("accounts.error.exists", login=login)
        unit_id = await _check_place(s, r, jurisdiction, unit)
        op = Operator(login=login, name=name, role=r.value, jurisdiction=jurisdiction, unit_id=unit_id,
                      active=True, bell=True, password_hash=hashed, failed_logins=0,
                      password_changed_at=now if hashed else None)
        s.add(op)
        await s.flush()
        await records.audit(s, actor, "account.add", "operator", login, now,
                            {"role": r.value, "jurisdiction": jurisdiction, "unit": unit,
                             "password": hashed is not None})
        return _account(op, await _unit_codes(s))


async def first_run(store: Store) -> bool:
    """On a database with no account at all, make the administrator `admin` (no password
    yet, no jurisdiction: the whole database). True when it was made now."""
    now = store.now()
    async with store.db.session(write=True) as s:
        if (await s.execute(select(func.count()).select_from(Operator))).scalar_one():
            return False
        s.add(Operator(login=FIRST_ADMIN, name=FIRST_ADMIN, role=Role.ADMIN.value, jurisdiction=None,
                       active=True, bell=True, failed_logins=0))
        await s.flush()
        await records.audit(s, system(), "account.add", "operator", FIRST_ADMIN, now,
                            {"role": Role.ADMIN.value, "first_run": True})
    return True


async def bootstrap_open(store: Store) -> bool:
    """True while no account has a password (a fresh install): then whoever can open the
    database may give the first password — they could write the table directly anyway."""
    async with store.db.session() as s:
        return await _no_passwords(s)


async def _no_passwords(s: AsyncSession) -> bool:
    q = select(func.count()).select_from(Operator).where(Operator.password_hash.is_not(None))
    return not (await s.execute(q)).scalar_one()


async def set_password(store: Store, actor: Actor | None, login: str, password: str) -> None:
    """An administrator resets an account's password (and unlocks it). With no actor, only
    while `bootstrap_open` (the first password of a fresh install)."""
    hashed = hash_password(password)
    now = store.now()
    async with store.db.session(write=True) as s:
        if actor is None:
            if not await _no_passwords(s):
                raise NotAllowed("accounts.error.login_first")
            op = await _row(s, login)
            if op is None:
                raise NotFound("error.not_found_operator", login=login)
            who = system()
        else:
            op = await _managed(s, actor, login)
            who = actor
        op.password_hash, op.password_changed_at = hashed, now
        op.failed_logins, op.locked_until = 0, None
        await records.audit(s, who, "account.password_reset", "operator", login, now, None)


async def change_password(store: Store, actor: Actor, old: str, new: str) -> None:
    """The account's owner changes its own password, giving the old one."""
    hashed = hash_password(new)
    now = store.now()
    async with store.db.session(write=True) as s:
        op = await _row(s, actor.login)
        if op is None or not _verify(op.password_hash, old):
            raise LoginFailed("accounts.error.old_password")
        op.password_hash, op.password_changed_at = hashed, now
        await records.audit(s, actor, "account.password_change", "operator", actor.login, now, None)


async def _set(store: Store, actor: Actor, login: str, action: str, **values: Any) -> None:
    now = store.now()
    async with store.db.session(write=True) as s:
        op = await _managed(s, actor, login)
        if action == "account.disable" and op.login == actor.login:
            raise NotAllowed("accounts.error.not_yourself")
        for k, v in values.items():
            setattr(op, k, v)
        await records.audit(s, actor, action, "operator", login, now, None)


async def disable(store: Store, actor: Actor, login: str) -> None:
    await _set(store, actor, login, "account.disable", active=False)


async def enable(store: Store, actor: Actor, login: str) -> None:
    await _set(store, actor, login, "account.enable", active=True)


async def unlock(store: Store, actor: Actor, login: str) -> None:
    await _set(store, actor, login, "account.unlock", failed_logins=0, locked_until=None)


# --- logging in ---------------------------------------------------------------------------------


async def authenticate(store: Store, login: str, password: str, *, via: str = "cli") -> Actor:
    """The Actor for a login and password, or `LoginFailed` (unknown login, disabled, no
    password, wrong password: one error) or `AccountLocked`. Both outcomes are audited."""
    settings = store.settings.accounts
    now = store.now()
    locked: datetime | None = None
    actor: Actor | None = None
    try:
        login = check_login(login)
    except Invalid:  # cannot be anyone's (and is not written anywhere as it came)
        login = "?"
    async with store.db.session(write=True) as s:
        op = await _row(s, login)
        if op is not None and op.locked_until is not None and op.locked_until > now:
            locked = op.locked_until
            _verify(None, password)  # the same time as any other answer
            await records.audit(s, system(), "login_failed", "operator", login, now, {"via": via, "locked": True})
        elif op is not None and op.active and _verify(op.password_hash, password):
            assert op.password_hash is not None
            if _argon2()[0].check_needs_rehash(op.password_hash):
                op.password_hash = _argon2()[0].hash(password)
            op.failed_logins, op.locked_until = 0, None
            actor = actor_of(op)
            await records.audit(s, actor, "login", "operator", login, now, {"via": via})
        else:
            if op is None:
                _verify(None, password)
            else:
                op.failed_logins = (op.failed_logins or 0) + 1
                if op.failed_logins >= settings.max_failed_logins:
                    op.failed_logins = 0
                    op.locked_until = locked = now + timedelta(minutes=settings.lockout_minutes)
            detail = {"via": via, "locked": locked is not None}
            await records.audit(s, system(), "login_failed", "operator", login, now, detail)
    if locked is not None:
        until = timefmt.local(locked, ZoneInfo(store.settings.timezone), "%H:%M")
        raise AccountLocked("accounts.error.locked", until=until, minutes=settings.lockout_minutes)
    if actor is None:
        raise LoginFailed("accounts.error.login_failed")
    return actor


async def active_actor(store: Store, login: str) -> Actor | None:
    """The Actor of an active account by login, or None."""
    async with store.db.session() as s:
        op = await _row(s, login)
        return actor_of(op) if op is not None and op.active else None


__all__ = ["FIRST_ADMIN", "Account", "AccountLocked", "LoginFailed", "actor_of", "active_actor", "add_account",
           "authenticate", "bootstrap_open", "change_password", "check_login", "check_password", "disable",
           "enable", "first_run", "get_account", "list_accounts", "set_password", "unlock"]
