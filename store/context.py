"""`Store`: the one object a front end holds — database, settings, calendar, clock.

Front ends (console, CLI, scripts) open a Store, resolve an Actor, and call the functions in
`store.tickets`, `store.queue`, `store.workflow`, … with both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select

from griddesk.store import config as config_mod
from griddesk.store import faults
from griddesk.store.actor import Actor
from griddesk.store.calendar import WorkCalendar
from griddesk.store.db import Database
from griddesk.store.enums import Role
from griddesk.store.errors import NotFound, StoreError
from griddesk.store.models import Operator


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Store:
    db: Database
    settings: config_mod.Settings = field(default_factory=config_mod.Settings)
    now: Callable[[], datetime] = utcnow  # tests hand in a fixed clock; times are real data
    calendar: WorkCalendar = field(init=False)

    def __post_init__(self) -> None:
        self.calendar = WorkCalendar.from_settings(self.settings)

    @classmethod
    async def open(cls, url: str | None = None, settings: config_mod.Settings | None = None,
                   upgrade: bool = True, now: Callable[[], datetime] | None = None) -> Store:
        """Open (and migrate) the database named by --db, GRIDDESK_DB, config, or the default."""
        settings = settings or config_mod.load()
        _, url = config_mod.named_database(url, settings)
        db = Database(url)
        if upgrade:
            try:
                await db.upgrade()
            except StoreError:
                raise
            except Exception as e:  # connection refused, bad file, …
                await db.dispose()
                fault = faults.classify(e, db.where, db.path)
                if fault is not None and fault.key not in ("fault.server_gone", "fault.gone"):
                    raise fault from e  # a full disk, a damaged file: say that, not "cannot connect"
                raise StoreError("error.db_unreachable", url=_safe_url(db.url), reason=_short(e)) from e
        return cls(db, settings, now or utcnow)

    def today(self) -> str:
        """Today's local date as ticket numbers spell it (a bare `0043` means today's)."""
        from griddesk.store.numbers import today

        return today(self.now(), self.settings.timezone)

    async def close(self) -> None:
        await self.db.dispose()

    async def actor(self, login: str | None = None) -> Actor:
        """The operator by login, else the configured one, else the first operator. Who is at the
        keyboard is `store.identity.resolve`'s to say (it calls this for `--as` and the demo)."""
        login = login or self.settings.operator
        async with self.db.session() as s:
            q = select(Operator).where(Operator.active.is_(True))
            q = q.where(Operator.login == login) if login else q.order_by(Operator.id)
            op = (await s.execute(q.limit(1))).scalar_one_or_none()
        if op is None:
            if login:
                raise NotFound("error.not_found_operator", login=login)
            raise StoreError("error.db_not_initialised", url=_safe_url(self.db.url))
        # no jurisdiction: the first run's administrator, over the whole database
        return Actor(op.login, op.name, Role(op.role), op.jurisdiction or "", op.id, op.unit_id)

    @property
    def read_only(self) -> bool:
        """The database file cannot be written (its mode, a read-only disk): reads only."""
        return self.db.read_only

    def calendar_warning(self) -> set[int]:
        """Years a deadline fell in that no holiday calendar covers (shown, never hidden)."""
        return set(self.calendar.unknown_years)


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _short(e: Exception) -> str:
    text = str(e).strip().splitlines()
    return text[0][:200] if text else type(e).__name__
