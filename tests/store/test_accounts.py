"""Accounts (store.accounts), login tokens and who is acting (store.identity), the accounts import
kind: on real SQLite files (and the lock-out on PostgreSQL too)."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import logging
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from griddesk.store import accounts, identity, paths
from griddesk.store import io as roster_io
from griddesk.store.config import AccountSettings, Settings, parse
from griddesk.store.context import Store
from griddesk.store.enums import Role
from griddesk.store.errors import Invalid, NotAllowed, NotFound
from griddesk.store.models import AuditEntry, LoginToken, Operator
from tests.fixtures_town import COUNTY, TOWN, Town

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
GOOD = "correct horse 1"


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def _tuned(store: Store, clock: Clock | None = None, **over: object) -> Clock:
    clock = clock or Clock(T0)
    store.now = clock
    store.settings = dataclasses.replace(store.settings, accounts=AccountSettings(**over))  # type: ignore[arg-type]
    return clock


async def _with_password(town: Town, login: str = "op01", password: str = GOOD) -> None:
    await accounts.set_password(town.store, town.actors["admin"], login, password)


async def _audit(store: Store) -> list[tuple[str, str | None]]:
    async with store.db.session() as s:
        rows = (await s.execute(select(AuditEntry.action, AuditEntry.entity_key).order_by(AuditEntry.id))).all()
    return [(a, k) for a, k in rows]


# --- passwords and lock-out ---------------------------------------------------------------------


async def test_authenticate_gives_the_account_and_one_error_for_unknown_and_wrong(town: Town) -> None:
    _tuned(town.store)
    await _with_password(town)
    actor = await accounts.authenticate(town.store, "op01", GOOD)
    assert (actor.login, actor.role, actor.jurisdiction) == ("op01", Role.OPERATOR, TOWN)
    errors = []
    for login, password in (("op01", "wrong password"), ("nobody", GOOD), ("op02", GOOD)):  # op02: no password
        with pytest.raises(accounts.LoginFailed) as e:
            await accounts.authenticate(town.store, login, password)
        errors.append(e.value.message())
    assert len(set(errors)) == 1 and errors[0] == "账号或密码不正确"
    log = await _audit(town.store)
    assert ("login", "op01") in log and ("login_failed", "nobody") in log and ("login_failed", "op02") in log


async def test_n_failures_lock_the_account_for_m_minutes_and_an_admin_unlocks(town: Town) -> None:
    clock = _tuned(town.store, max_failed_logins=3, lockout_minutes=15)
    await _with_password(town)
    for _ in range(2):
        with pytest.raises(accounts.LoginFailed):
            await accounts.authenticate(town.store, "op01", "not the one")
    with pytest.raises(accounts.AccountLocked) as e:  # the third
        await accounts.authenticate(town.store, "op01", "not the one")
    assert "15 分钟" in e.value.message() and "10:15" in e.value.message()  # Asia/Shanghai
    with pytest.raises(accounts.AccountLocked):  # even the right password, while locked
        await accounts.authenticate(town.store, "op01", GOOD)
    listed = {a.login: a for a in await accounts.list_accounts(town.store, town.actors["admin"])}
    assert listed["op01"].locked_until == T0 + timedelta(minutes=15)
    clock.at = T0 + timedelta(minutes=16)  # the lock runs out by itself
    assert (await accounts.authenticate(town.store, "op01", GOOD)).login == "op01"
    clock.at = T0
    for _ in range(3):
        with pytest.raises((accounts.LoginFailed, accounts.AccountLocked)):
            await accounts.authenticate(town.store, "op01", "not the one")
    with pytest.raises(NotAllowed):
        await accounts.unlock(town.store, town.actors["sup01"], "op01")
    await accounts.unlock(town.store, town.actors["admin"], "op01")
    assert (await accounts.authenticate(town.store, "op01", GOOD)).login == "op01"


async def test_owner_changes_with_the_old_password_admin_resets(town: Town) -> None:
    _tuned(town.store)
    await _with_password(town)
    op01 = town.actors["op01"]
    with pytest.raises(accounts.LoginFailed):
        await accounts.change_password(town.store, op01, "wrong old", "new password 2")
    with pytest.raises(Invalid):
        await accounts.change_password(town.store, op01, GOOD, "short")
    await accounts.change_password(town.store, op01, GOOD, "new password 2")
    assert (await accounts.authenticate(town.store, "op01", "new password 2")).login == "op01"
    with pytest.raises(NotAllowed):  # a supervisor is no administrator
        await accounts.set_password(town.store, town.actors["sup01"], "op01", "by the boss 3")
    await accounts.set_password(town.store, town.actors["admin"], "op01", "reset by admin")
    assert (await accounts.authenticate(town.store, "op01", "reset by admin")).login == "op01"


async def test_add_disable_enable_and_the_roles(town: Town) -> None:
    _tuned(town.store)
    admin = town.actors["admin"]
    added = await accounts.add_account(town.store, admin, "county02", "县级坐席", "operator", COUNTY, password=GOOD)
    assert added.has_password and added.jurisdiction == COUNTY
    assert (await accounts.authenticate(town.store, "county02", GOOD)).jurisdiction == COUNTY
    with pytest.raises(Invalid):
        await accounts.add_account(town.store, admin, "county02", "again", "operator", COUNTY)
    with pytest.raises(Invalid):
        await accounts.add_account(town.store, admin, "u-x", "部门", "unit", TOWN)  # no unit
    with pytest.raises(Invalid):
        await accounts.add_account(town.store, admin, "x1", "某", "boss", TOWN)
    with pytest.raises(NotAllowed):
        await accounts.add_account(town.store, town.actors["op01"], "x2", "某", "operator", TOWN)
    unit = await accounts.add_account(town.store, admin, "u-x", "部门", "unit", TOWN, unit=town.units["police"])
    assert unit.unit == town.units["police"] and not unit.has_password
    await accounts.disable(town.store, admin, "county02")
    with pytest.raises(accounts.LoginFailed):
        await accounts.authenticate(town.store, "county02", GOOD)
    await accounts.enable(town.store, admin, "county02")
    assert (await accounts.authenticate(town.store, "county02", GOOD)).login == "county02"
    with pytest.raises(NotAllowed):
        await accounts.disable(town.store, admin, "admin")
    with pytest.raises(NotFound):
        await accounts.enable(town.store, admin, "nobody")
    # every role of issue 9 is there: seat, shift leader, unit, grid worker, viewer, admin
    # (a county operator is an operator holding a county)
    assert {"operator", "supervisor", "unit", "grid_worker", "viewer", "admin"} <= set(Role)


async def test_first_run_makes_the_administrator_of_an_empty_database(store: Store) -> None:
    assert await accounts.first_run(store)
    assert not await accounts.first_run(store)  # once
    actor = await store.actor("admin")
    assert actor.role == Role.ADMIN and actor.jurisdiction == ""  # the whole database
    assert await accounts.bootstrap_open(store)
    await accounts.set_password(store, None, "admin", GOOD)  # the first password: no login yet
    assert not await accounts.bootstrap_open(store)
    with pytest.raises(NotAllowed):  # never again without logging in
        await accounts.set_password(store, None, "admin", "another one 2")
    assert (await accounts.authenticate(store, "admin", GOOD)).role == Role.ADMIN


# --- the hash stays inside ----------------------------------------------------------------------


async def test_the_hash_is_in_no_list_export_or_log(town: Town, tmp_path: Path) -> None:
    from griddesk.console import logs

    _tuned(town.store)
    logs.setup()
    logging.getLogger("griddesk.test").warning("a line so the file exists")
    await _with_password(town)
    async with town.store.db.session() as s:
        hashed = (await s.execute(select(Operator.password_hash).where(Operator.login == "op01"))).scalar_one()
    assert hashed and hashed.startswith("$argon2id$") and GOOD not in hashed
    listed = await accounts.list_accounts(town.store, town.actors["admin"])
    assert all(not any(f.name == "password_hash" for f in dataclasses.fields(a)) for a in listed)
    assert hashed not in repr(listed)
    out = tmp_path / "accounts.csv"
    n = await roster_io.export_file(town.store, town.actors["admin"], "accounts", out)
    text = out.read_text(encoding="utf-8-sig")
    assert n == 10 and "op01" in text and hashed not in text and "argon2" not in text
    with pytest.raises(NotAllowed):
        await roster_io.export_file(town.store, town.actors["sup01"], "accounts", tmp_path / "no.csv")
    await accounts.authenticate(town.store, "op01", GOOD)
    with pytest.raises(accounts.LoginFailed):
        await accounts.authenticate(town.store, "op01", "wrong password")
    for f in paths.log_dir().iterdir():
        body = f.read_text(encoding="utf-8", errors="replace")
        assert hashed not in body and GOOD not in body and "wrong password" not in body
    entries = repr(await _audit(town.store))
    assert hashed not in entries


async def test_accounts_import_matches_by_login_and_round_trips(town: Town, tmp_path: Path) -> None:
    _tuned(town.store)
    admin = town.actors["admin"]
    await _with_password(town)
    out = tmp_path / "accounts.csv"
    await roster_io.export_file(town.store, admin, "accounts", out)
    again = await roster_io.import_file(town.store, admin, "accounts", out)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 10)
    new = tmp_path / "new.csv"
    new.write_text("账号,姓名,角色,管辖区划编码,单位编码\nop01,周敏改,supervisor,450502005,\n"
                   "gw02,新网格员,grid_worker,450502005,\n", encoding="utf-8")
    got = await roster_io.import_file(town.store, admin, "accounts", new)
    assert (got.created, got.updated) == (1, 1)
    listed = {a.login: a for a in await accounts.list_accounts(town.store, admin)}
    assert listed["op01"].role == "supervisor" and listed["op01"].has_password  # the hash is kept
    assert not listed["gw02"].has_password
    bad = tmp_path / "bad.csv"
    bad.write_text("login,name,role,jurisdiction,unit\nBad Login,x,operator,450502005,\n"
                   "u-y,y,unit,450502005,\nz1,z,wizard,450502005,\n", encoding="utf-8")
    with pytest.raises(Exception) as e:
        await roster_io.import_file(town.store, admin, "accounts", bad)
    assert len(e.value.problems) == 3  # type: ignore[attr-defined]
    with pytest.raises(NotAllowed):
        await roster_io.import_file(town.store, town.actors["sup01"], "accounts", new)


# --- tokens and who is acting -------------------------------------------------------------------


async def test_login_token_file_is_private_and_expires(town: Town) -> None:
    clock = _tuned(town.store, token_hours=12)
    await _with_password(town)
    actor, until = await identity.login(town.store, "op01", GOOD)
    assert until == T0 + timedelta(hours=12)
    f = identity.token_file()
    assert stat.S_IMODE(f.stat().st_mode) == 0o600
    token = next(iter(__import__("json").loads(f.read_text()).values()))["token"]
    async with town.store.db.session() as s:
        stored = (await s.execute(select(LoginToken.token_hash))).scalars().all()
    assert token not in stored and hashlib.sha256(token.encode()).hexdigest() in stored
    found = await identity.resolve(town.store, user="nobody-here", env={})
    assert (found.source, found.actor and found.actor.login) == ("token", "op01")
    clock.at = T0 + timedelta(hours=12, seconds=1)
    assert await identity.token_actor(town.store) is None
    found = await identity.resolve(town.store, user="nobody-here", env={})
    assert found.actor is None and found.needs_password
    clock.at = T0
    assert await identity.logout(town.store) == "op01"
    assert await identity.token_actor(town.store) is None


async def test_as_is_refused_on_a_real_database_unless_an_admin_of_the_machine(town: Town) -> None:
    with pytest.raises(identity.AsRefused) as e:
        await identity.resolve(town.store, "sup01", user="someone", env={})
    assert "--as sup01" in e.value.message()
    town.store.settings = parse({"accounts": {"os_users": {"someone": "op01", "root2": "admin"}}})
    with pytest.raises(identity.AsRefused):  # mapped, but not to an administrator
        await identity.resolve(town.store, "sup01", user="someone", env={})
    found = await identity.resolve(town.store, "sup01", user="root2", env={})
    assert (found.source, found.actor and found.actor.login) == ("as", "sup01")
    found = await identity.resolve(town.store, user="someone", env={})  # the OS user's own account
    assert (found.source, found.actor and found.actor.login) == ("os_user", "op01")
    town.store.settings = parse({"accounts": {"os_users": {"someone": "op01"}, "require_password": True}})
    found = await identity.resolve(town.store, user="someone", env={})
    assert found.actor is None and found.needs_password and found.hint == "op01"


async def test_under_ssh_the_key_names_the_account(town: Town, tmp_path: Path) -> None:
    blob = b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20" + bytes(range(32))
    fingerprint = "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    auth = tmp_path / "auth"
    auth.write_text(f"publickey ssh-ed25519 {base64.b64encode(blob).decode()}\n", encoding="utf-8")
    env = {"SSH_CONNECTION": "127.0.0.1 5 127.0.0.1 22", "SSH_USER_AUTH": str(auth)}
    assert identity.ssh_fingerprints(env) == [fingerprint]
    town.store.settings = parse({"accounts": {"ssh_keys": {fingerprint: "county01"}, "os_users": {"gd": "op01"}}})
    found = await identity.resolve(town.store, user="gd", env=env)
    assert (found.source, found.actor and found.actor.login) == ("ssh_key", "county01")
    found = await identity.resolve(town.store, user="gd", env={"SSH_CONNECTION": "x"})  # no key: the user
    assert (found.source, found.actor and found.actor.login) == ("os_user", "op01")


def test_the_accounts_settings_are_checked() -> None:
    got = parse({"accounts": {"max_failed_logins": 3, "lockout_minutes": 5, "os_users": {"root": "admin"}}})
    assert got.accounts.max_failed_logins == 3 and got.accounts.os_users == {"root": "admin"}
    assert Settings().accounts.max_failed_logins == 5 and Settings().accounts.token_hours == 12
    for bad in ({"max_failed_logins": 0}, {"os_users": ["root"]}, {"require_password": "yes"}, {"colour": 1}):
        with pytest.raises(Invalid):
            parse({"accounts": bad})


# --- every way data comes in --------------------------------------------------------------------


@pytest.mark.backends(pg_examples=10)  # the same Python on both; the login's reads on PostgreSQL in 10
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(login=st.text(max_size=40), password=st.text(max_size=40))
async def test_any_login_and_password_is_refused_cleanly(town: Town, login: str, password: str) -> None:
    _tuned(town.store, max_failed_logins=1000)
    with pytest.raises(accounts.LoginFailed):  # no password is set in the test town
        await accounts.authenticate(town.store, login, password)
    try:
        assert accounts.check_login(login) == login.strip()
    except Invalid:
        pass


@settings(max_examples=50, deadline=None)
@given(data=st.dictionaries(st.sampled_from(["max_failed_logins", "lockout_minutes", "token_hours",
                                             "require_password", "os_users", "ssh_keys"]),
                            st.one_of(st.integers(-3, 100), st.booleans(), st.text(max_size=5),
                                      st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
                                      st.lists(st.integers(), max_size=2))))
def test_any_accounts_table_is_taken_or_refused_by_name(data: dict[str, object]) -> None:
    try:
        got = parse({"accounts": data}).accounts
    except Invalid as e:
        assert "accounts." in e.message()
        return
    for key, value in data.items():
        assert getattr(got, key) == value


async def test_migration_0003_down_and_up_keeps_the_rows_that_point_at_operators(town: Town) -> None:
    """On SQLite 0003 rebuilds `operators`; `notices` points at it and must come through."""
    from alembic import command
    from sqlalchemy import func, insert

    from griddesk.store import tickets
    from griddesk.store.db import alembic_config
    from griddesk.store.models import Notice, Ticket

    number = await tickets.create(town.store, town.operator, tickets.parse(town.ticket()))
    async with town.store.db.session(write=True) as s:
        tid = (await s.execute(select(Ticket.id).where(Ticket.number == number))).scalar_one()
        await s.execute(insert(Notice).values(operator_id=1, ticket_id=tid, clock="handle", kind="overdue", at=T0))

    def migrate(to: str) -> None:
        def run(conn):  # type: ignore[no-untyped-def]
            cfg = alembic_config(str(conn.engine.url))
            cfg.attributes["connection"] = conn
            (command.downgrade if to == "0002" else command.upgrade)(cfg, to)
        return run

    for to in ("0002", "head"):
        async with town.store.db.engine.begin() as conn:
            await conn.run_sync(migrate(to))
    async with town.store.db.session() as s:
        assert (await s.execute(select(func.count()).select_from(Notice))).scalar_one() == 1
        assert (await s.execute(select(func.count()).select_from(Operator))).scalar_one() == 10
    assert await accounts.first_run(town.store) is False
    await _with_password(town)
    assert (await accounts.authenticate(town.store, "op01", GOOD)).login == "op01"
