"""Accounts (operators) by login: who they are, their role, jurisdiction and unit — never a
password hash, never lock-out state. An imported new account has no password until one is set
(`griddesk user passwd LOGIN`); only administrators import or export accounts, and only those
inside their jurisdiction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from griddesk.store.accounts import MANAGERS, check_login
from griddesk.store.actor import Actor
from griddesk.store.context import Store
from griddesk.store.enums import Role
from griddesk.store.errors import Invalid, NotAllowed
from griddesk.store.i18n import t
from griddesk.store.io.base import Col, Counts, Job, Kind, Row, changed_fields, dupes
from griddesk.store.models import Area, Operator, Unit


@dataclass
class AccountIn:
    login: str
    values: dict[str, Any]


class Accounts(Kind):
    name, entity = "accounts", "operator"
    writers = MANAGERS
    tables = ("operators",)
    columns = (
        Col("login", "账号", True, ("登录名",)), Col("name", "姓名", True),
        Col("role", "角色", True), Col("jurisdiction", "管辖区划编码", aliases=("区划编码", "管辖区划")),
        Col("unit", "单位编码", aliases=("单位",)), Col("active", "在用"),
    )

    async def prepare(self, job: Job, rows: list[Row]) -> None:
        s = job.s
        self.existing = {o.login: o for o in (await s.execute(select(Operator))).scalars()}
        self.areas = set((await s.execute(select(Area.code))).scalars())
        self.units = {code: uid for uid, code in (await s.execute(select(Unit.id, Unit.code))).all()}

    def check(self, job: Job, row: Row) -> AccountIn | None:
        login = row.code("login", required=True)
        if login:
            try:
                login = check_login(login)
            except Invalid as e:
                row.store_error("login", e)
                login = None
        values: dict[str, Any] = {"name": row.text("name", required=True, max_len=32)}
        role = row.raw("role")
        if role is not None and role not in tuple(Role):
            row.bad("role", t("accounts.io.bad_role", role=role, roles=" | ".join(Role)))
        elif not role:
            row.bad("role", t("roster.io.required"))
        values["role"] = role
        jurisdiction = row.code("jurisdiction") if row.has("jurisdiction") else None
        if jurisdiction and jurisdiction not in self.areas:
            row.bad("jurisdiction", t("roster.io.unknown_area", code=jurisdiction))
        elif not jurisdiction and role != Role.ADMIN:
            row.bad("jurisdiction", t("accounts.io.jurisdiction_required"))
        elif jurisdiction is not None and not _within(job.actor, jurisdiction):
            row.bad("jurisdiction", t("roster.io.unknown_area", code=jurisdiction))
        values["jurisdiction"] = jurisdiction or None
        unit = row.code("unit") if row.has("unit") else None
        if unit and unit not in self.units:
            row.bad("unit", t("accounts.io.unknown_unit", code=unit))
        elif role == Role.UNIT and not unit:
            row.bad("unit", t("accounts.io.unit_required"))
        values["unit_id"] = self.units.get(unit) if unit else None
        if row.has("active"):
            values["active"] = row.boolean("active", True)
        old = self.existing.get(login) if login else None
        if old is not None and not _within(job.actor, old.jurisdiction):
            row.bad("login", t("error.not_found_operator", login=login))
        return AccountIn(login, values) if login else None

    def check_all(self, job: Job, parsed: list[tuple[Row, Any]]) -> None:
        dupes(job, parsed, lambda p: p.login, "login")

    async def write(self, job: Job, parsed: list[AccountIn], progress: Callable[[int], None]) -> Counts:
        c = Counts()
        for p in parsed:
            old = self.existing.get(p.login)
            if old is None:
                job.s.add(Operator(login=p.login, bell=True, failed_logins=0, **{"active": True, **p.values}))
                c.created += 1
            else:
                diff = changed_fields(old, p.values)
                for k, v in diff.items():
                    setattr(old, k, v)
                if diff:
                    c.updated += 1
                else:
                    c.unchanged += 1
            progress(1)
        await job.s.flush()
        return c

    async def export(self, s: AsyncSession, actor: Actor, store: Store) -> list[list[Any]]:
        if actor.role not in MANAGERS:
            raise NotAllowed("accounts.error.admin_only")
        units = {uid: code for uid, code in (await s.execute(select(Unit.id, Unit.code))).all()}
        ops = (await s.execute(select(Operator).order_by(Operator.login))).scalars()
        return [[o.login, o.name, o.role, o.jurisdiction or "", units.get(o.unit_id, "") if o.unit_id else "",
                 bool(o.active)] for o in ops if _within(actor, o.jurisdiction)]


def _within(actor: Actor, jurisdiction: str | None) -> bool:
    return not actor.jurisdiction or (jurisdiction or "").startswith(actor.jurisdiction)
