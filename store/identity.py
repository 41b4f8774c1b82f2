"""Who is at the keyboard: the one place the CLI and the console resolve the acting account.

In this order (`resolve`):
1. `--as LOGIN`: only on a demo database, or for an OS user mapped to an administrator account
   (`[accounts] os_users`); otherwise `AsRefused`;
2. a valid `griddesk login` token for this database (the token in the user's data directory,
   0600; only its SHA-256 in the database);
3. under SSH, the key the session was opened with (sshd's `ExposeAuthInfo` file named by
   `SSH_USER_AUTH`, fingerprint mapped in `[accounts] ssh_keys`);
4. the OS user (under SSH: the system user sshd logged in) mapped in `[accounts] os_users`;
5. on a demo database, config `operator` or the first account (trying the demo out).
A mapping (3, 4) still asks the password when `require_password = true`.
"""

from __future__ import annotations

import base64
import binascii
import getpass
import hashlib
import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, select

from griddesk.store import accounts, paths, records
from griddesk.store.actor import Actor
from griddesk.store.context import Store
from griddesk.store.demo_mark import is_demo
from griddesk.store.enums import Role
from griddesk.store.errors import StoreError
from griddesk.store.models import LoginToken, Operator

TOKEN_FILE = "login.json"


class AsRefused(StoreError):
    """`--as` on a real database by someone who is not an administrator of the machine."""


class LoginRequired(StoreError):
    """Nobody is logged in (CLI: run `griddesk login`)."""


@dataclass(frozen=True)
class Identity:
    actor: Actor | None
    source: str  # as | token | ssh_key | os_user | demo | none
    needs_password: bool = False  # the console shows its login screen (login prefilled: `hint`)
    hint: str | None = None


# --- the surroundings ---------------------------------------------------------------------------


def os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no name for this uid (a container)
        return str(os.getuid())


def ssh_fingerprints(env: Mapping[str, str]) -> list[str]:
    """SHA256 fingerprints of the public keys sshd says this session logged in with
    (`ExposeAuthInfo yes`: a file of "publickey <type> <base64>" lines)."""
    name = env.get("SSH_USER_AUTH")
    if not name:
        return []
    try:
        lines = Path(name).read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    out = []
    for line in lines:
        parts = line.split()
        if len(parts) >= 3 and parts[0] == "publickey":
            try:
                blob = base64.b64decode(parts[2], validate=True)
            except (binascii.Error, ValueError):
                continue
            digest = base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
            out.append(f"SHA256:{digest}")
    return out




# --- tokens -------------------------------------------------------------------------------------


def _db_key(store: Store) -> str:
    """Which database a token belongs to (the URL without its password, hashed)."""
    from sqlalchemy.engine import make_url

    url = make_url(store.db.url).render_as_string(hide_password=True)
    return hashlib.sha256(url.encode()).hexdigest()[:32]


def token_file() -> Path:
    return paths.data_dir() / TOKEN_FILE


def _read_tokens() -> dict[str, dict[str, str]]:
    try:
        data = json.loads(token_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_tokens(data: dict[str, dict[str, str]]) -> None:
    path = token_file()
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        os.fchmod(f.fileno(), 0o600)  # an older file's wider mode, or the umask, do not count
        json.dump(data, f)
    os.replace(tmp, path)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def login(store: Store, login_name: str, password: str, *, via: str = "cli") -> tuple[Actor, datetime]:
    """Check the password, keep a fresh token in the user's file; returns who and until when."""
    actor = await accounts.authenticate(store, login_name, password, via=via)
    token = secrets.token_urlsafe(32)
    now = store.now()
    expires = now + timedelta(hours=store.settings.accounts.token_hours)
    async with store.db.session(write=True) as s:
        await s.execute(delete(LoginToken).where(LoginToken.expires_at <= now))  # the expired, anyone's
        s.add(LoginToken(token_hash=_hash(token), operator_id=actor.operator_id, created_at=now, expires_at=expires))
    data = _read_tokens()
    data[_db_key(store)] = {"login": actor.login, "token": token, "expires": expires.isoformat()}
    _write_tokens(data)
    return actor, expires


async def logout(store: Store) -> str | None:
    """Forget this database's token (file and database); the login it was for, or None."""
    data = _read_tokens()
    entry = data.pop(_db_key(store), None)
    if entry is None:
        return None
    _write_tokens(data)
    token = entry.get("token") or ""
    async with store.db.session(write=True) as s:
        await s.execute(delete(LoginToken).where(LoginToken.token_hash == _hash(token)))
        op = (await s.execute(select(Operator).where(Operator.login == entry.get("login")))).scalar_one_or_none()
        if op is not None:
            await records.audit(s, accounts.actor_of(op), "logout", "operator", op.login, store.now(), None)
    return entry.get("login")


async def token_actor(store: Store) -> Actor | None:
    """The account of this database's valid, unexpired token, or None."""
    entry = _read_tokens().get(_db_key(store))
    if not entry or not isinstance(entry.get("token"), str):
        return None
    async with store.db.session() as s:
        q = (select(Operator).join(LoginToken, LoginToken.operator_id == Operator.id)
             .where(LoginToken.token_hash == _hash(entry["token"]), LoginToken.expires_at > store.now()))
        op = (await s.execute(q)).scalar_one_or_none()
    return accounts.actor_of(op) if op is not None and op.active else None


# --- resolving ----------------------------------------------------------------------------------


async def _mapped(store: Store, login: str | None) -> Actor | None:
    return await accounts.active_actor(store, login) if login else None


async def machine_admin(store: Store, user: str | None = None) -> bool:
    """Whether the OS user is mapped to an active administrator account."""
    actor = await _mapped(store, store.settings.accounts.os_users.get(user or os_user()))
    return actor is not None and actor.role == Role.ADMIN


async def resolve(store: Store, as_login: str | None = None, *, env: Mapping[str, str] | None = None,
                  user: str | None = None) -> Identity:
    env = os.environ if env is None else env
    user = user or os_user()
    conf = store.settings.accounts
    demo = await is_demo(store)
    if as_login:
        if not (demo or await machine_admin(store, user)):
            raise AsRefused("accounts.error.as_refused", login=as_login)
        return Identity(await store.actor(as_login), "as")
    actor = await token_actor(store)
    if actor is not None:
        return Identity(actor, "token")
    sources: list[tuple[str, str | None]] = []
    if env.get("SSH_CONNECTION") or env.get("SSH_USER_AUTH"):
        sources += [("ssh_key", conf.ssh_keys.get(fp)) for fp in ssh_fingerprints(env)]
    sources.append(("os_user", conf.os_users.get(user)))
    for source, login_name in sources:
        actor = await _mapped(store, login_name)
        if actor is not None:
            if conf.require_password:
                return Identity(None, "none", True, actor.login)
            return Identity(actor, source)
    if demo:
        return Identity(await store.actor(), "demo")
    return Identity(None, "none", True)


async def _first_run(store: Store) -> None:
    """An empty database's first run: make the administrator and say how to go on — again on
    every start until some account has a password (until then nobody could log in)."""
    if await accounts.first_run(store) or await accounts.bootstrap_open(store):
        from sqlalchemy.engine import make_url

        url = make_url(store.db.url).render_as_string(hide_password=True)
        raise StoreError("accounts.first_run", url=url, login=accounts.FIRST_ADMIN)


async def console_identity(store: Store, as_login: str | None = None) -> Identity:
    """The console's start: resolved (no login screen), or who to ask the password of."""
    found = await resolve(store, as_login)
    if found.actor is None:
        await _first_run(store)
    return found


async def cli_actor(store: Store, as_login: str | None = None) -> Actor:
    """The CLI's account: resolved, or `LoginRequired` telling how to log in."""
    found = await resolve(store, as_login)
    if found.actor is None:
        await accounts.first_run(store)
        key = "accounts.error.set_first_password" if await accounts.bootstrap_open(store) else \
            "accounts.error.login_required"
        raise LoginRequired(key, login=accounts.FIRST_ADMIN)
    return found.actor


__all__ = ["AsRefused", "Identity", "LoginRequired", "cli_actor", "console_identity", "is_demo", "login", "logout",
           "machine_admin", "os_user", "resolve", "ssh_fingerprints", "token_actor", "token_file"]
