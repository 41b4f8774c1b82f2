"""The whole data model (DESIGN.md), one declarative module.

Times are stored as naive UTC and handed back as aware UTC (`UTCDateTime`), so SQLite and
PostgreSQL behave the same. Enum-like columns are plain strings holding `store.enums` codes:
the codes are a public interface, and plain strings keep migrations simple on both backends.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Named constraints so Alembic batch migrations on SQLite can find them.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only autoincrements INTEGER PRIMARY KEY; PostgreSQL wants BIGINT for the big tables.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator):
    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass an aware UTC time")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # raw SQLite text, e.g. from a bulk path
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


# --- places -------------------------------------------------------------------------------


class Area(Base):
    """An administrative division with its statistical code (city 4 … village 12 digits)."""

    __tablename__ = "areas"
    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(16))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("areas.code"), index=True)
    # for villages: "community" (社区, 001–199) or "village" (村, 200–399)
    kind: Mapped[str | None] = mapped_column(String(16))
    population: Mapped[int | None] = mapped_column(Integer)
    households: Mapped[int | None] = mapped_column(Integer)
    urban: Mapped[bool] = mapped_column(Boolean, default=False)
    centre_phone: Mapped[str | None] = mapped_column(String(32))
    platform: Mapped[str | None] = mapped_column(String(128))


class Grid(Base):
    __tablename__ = "grids"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # village code (12) + 3-digit sequence; never reused: retired grids keep their row
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    area_code: Mapped[str] = mapped_column(ForeignKey("areas.code"), index=True)
    town_code: Mapped[str] = mapped_column(String(9), index=True)  # for scoping by town
    type: Mapped[str] = mapped_column(String(16))
    subtype: Mapped[str | None] = mapped_column(String(32))  # e.g. school, port
    households: Mapped[int] = mapped_column(Integer, default=0)
    population: Mapped[int] = mapped_column(Integer, default=0)
    boundary: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # when the public notice card (公示牌) was last brought up to date (HH 12, BH 14)
    notice_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    roster_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class GridChange(Base):
    """A record of a grid's creation, adjustment, split, merge or retirement (YC 8, BH 6)."""

    __tablename__ = "grid_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # enums.GridChangeKind
    reason: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    grid_codes: Mapped[list[str]] = mapped_column(JSON)  # grids before
    result_codes: Mapped[list[str]] = mapped_column(JSON)  # grids after
    details: Mapped[dict | None] = mapped_column(JSON)
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    filing_status: Mapped[str] = mapped_column(String(16), default="pending")
    filed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MicroGrid(Base):
    """微网格 inside a grid: a building or a unit with its head (HH 20)."""

    __tablename__ = "micro_grids"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # enums.MicroGridKind
    head_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    households: Mapped[int] = mapped_column(Integer, default=0)


# --- people and units ---------------------------------------------------------------------


class Unit(Base):
    """A linkage department, a service unit, or a command centre."""

    __tablename__ = "units"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    area_code: Mapped[str | None] = mapped_column(ForeignKey("areas.code"), index=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class UnitArea(Base):
    """Which areas a unit covers; used to propose lead units for a grid."""

    __tablename__ = "unit_areas"
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    area_code: Mapped[str] = mapped_column(ForeignKey("areas.code"), primary_key=True)


class Person(Base):
    __tablename__ = "people"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(32), index=True)
    name_pinyin: Mapped[str | None] = mapped_column(String(128))  # "zhang min" for search
    name_initials: Mapped[str | None] = mapped_column(String(16), index=True)  # "zm"
    phone: Mapped[str | None] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(16))  # primary role (enums.PersonRole)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))  # who sent a professional
    area_code: Mapped[str | None] = mapped_column(ForeignKey("areas.code"), index=True)
    trained_on: Mapped[date | None] = mapped_column(Date)  # YC 43, HH 27
    certificate_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="active")
    left_on: Mapped[date | None] = mapped_column(Date)
    left_reason: Mapped[str | None] = mapped_column(String(16))  # enums.LeaveReason
    left_note: Mapped[str | None] = mapped_column(Text)
    failed_reviews: Mapped[int] = mapped_column(Integer, default=0)  # YC 17
    # 公民身份号码: the person's natural key across databases (an import matches by it first)
    id_number: Mapped[str | None] = mapped_column(String(18), index=True)


class GridAssignment(Base):
    """A person holding a role on a grid; a leader or professional may hold several."""

    __tablename__ = "grid_assignments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    since: Mapped[date | None] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date)  # null while current


# --- import batches (undo) ------------------------------------------------------------------


class ImportBatch(Base):
    """One applied import: who, when, which file, the counts; its rows say what to put back."""

    __tablename__ = "import_batches"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    file_name: Mapped[str | None] = mapped_column(String(255))
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by: Mapped[str | None] = mapped_column(String(64))


class ImportBatchRow(Base):
    """One database row an import inserted or changed: its old and new values (null old: inserted)."""

    __tablename__ = "import_batch_rows"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id"), index=True)
    entity: Mapped[str] = mapped_column(String(32))  # the table
    natural_key: Mapped[str] = mapped_column(String(255))
    old: Mapped[dict | None] = mapped_column(JSON)
    new: Mapped[dict | None] = mapped_column(JSON)


# --- the matter list ----------------------------------------------------------------------


class Matter(Base):
    """An entry of the published matter list (事项清单, HH 15, YC 11–12, BH 12–13)."""

    __tablename__ = "matters"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str | None] = mapped_column(String(128))
    name_initials: Mapped[str | None] = mapped_column(String(32))
    class_code: Mapped[str] = mapped_column(String(8))
    default_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    limit_value: Mapped[int] = mapped_column(Integer)
    limit_unit: Mapped[str] = mapped_column(String(16))
    escalate: Mapped[bool] = mapped_column(Boolean, default=False)  # YC 35, BH 21
    admitted_on: Mapped[date] = mapped_column(Date)
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    requested_by: Mapped[str | None] = mapped_column(String(64))  # department that asked (BH 13)
    limits: Mapped[list[MatterLimit]] = relationship(lazy="selectin", cascade="all, delete-orphan")


class MatterLimit(Base):
    """A matter's time limit for one urgency, where it differs from the normal one."""

    __tablename__ = "matter_limits"
    matter_id: Mapped[int] = mapped_column(ForeignKey("matters.id"), primary_key=True)
    urgency: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(16))


class MatterEvent(Base):
    """The matter list's history: admitted, amended, withdrawn (BH 13)."""

    __tablename__ = "matter_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matters.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    on: Mapped[date] = mapped_column(Date)
    requested_by: Mapped[str | None] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)


# --- tickets ------------------------------------------------------------------------------


class Ticket(Base):
    __tablename__ = "tickets"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)  # 440703002-20261122-0007
    source: Mapped[str] = mapped_column(String(16))
    reporter_name: Mapped[str | None] = mapped_column(String(32))
    reporter_phone: Mapped[str | None] = mapped_column(String(32))
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    town_code: Mapped[str] = mapped_column(String(9))  # scoping without a join
    address: Mapped[str | None] = mapped_column(String(128))
    matter_id: Mapped[int | None] = mapped_column(ForeignKey("matters.id"))
    out_of_list: Mapped[bool] = mapped_column(Boolean, default=False)  # HH 16, BH 13
    urgency: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(128))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(24))
    lead_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # nearest deadline among running clocks: what the queue sorts by
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_clock: Mapped[str | None] = mapped_column(String(16))
    # when that clock turns "due soon" (a configurable share of its limit left)
    warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handle_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_on_spot: Mapped[bool] = mapped_column(Boolean, default=False)
    satisfaction: Mapped[str | None] = mapped_column(String(16))
    supervise_level: Mapped[str | None] = mapped_column(String(16))
    escalation: Mapped[str | None] = mapped_column(String(16))  # flagged / reported / county
    held_by: Mapped[str | None] = mapped_column(String(12))  # area code of the centre holding it
    # the pending request's status to go back to when refused (return / extension)
    resume_status: Mapped[str | None] = mapped_column(String(24))
    created_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    # the hotline system's own number and whose it is (migration 0005): one ticket per number
    external_id: Mapped[str | None] = mapped_column(String(64))
    external_source: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (
        Index("ix_tickets_queue", "town_code", "status", "urgency", "due_at"),
        Index("ix_tickets_town_received", "town_code", "received_at"),
        # migration 0007: header counts from the index alone; the alert query's escalated tickets
        Index("ix_tickets_counts", "town_code", "status", "due_at", "warn_at", "escalation"),
        Index("ix_tickets_escalation", "escalation", "town_code"),
        # migration 0012: the urgent band and a county's counts by status and deadline (store/urgent.py)
        Index("ix_tickets_open_due", "status", "due_at", "town_code", "warn_at", "escalation"),
        Index("uq_tickets_external", "external_source", "external_id", unique=True),
    )


class TicketCoUnit(Base):
    """Co-handling units; they report to the lead unit (BH 18)."""

    __tablename__ = "ticket_co_units"
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)


class TicketClock(Base):
    """One SLA clock of a ticket. `remaining_s` holds what was left when it was paused."""

    __tablename__ = "ticket_clocks"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    name: Mapped[str] = mapped_column(String(16))
    limit_value: Mapped[int] = mapped_column(Integer)
    limit_unit: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    warn_at: Mapped[datetime] = mapped_column(UTCDateTime)  # turns "due soon" here
    state: Mapped[str] = mapped_column(String(16), default="running")
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    remaining_s: Mapped[int | None] = mapped_column(Integer)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_clocks_running", "state", "due_at"),
        Index("ix_clocks_ladder", "name", "state", "warn_at"),  # migration 0007: the ladder's read
        Index("ix_clocks_warned", "state", "warn_at"),  # migration 0011: the overdue view's read
    )


class TimelineEntry(Base):
    """Append-only: nothing in store updates or deletes these rows."""

    __tablename__ = "timeline"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(24))
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str | None] = mapped_column(String(24))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict | None] = mapped_column(JSON)


class Supervision(Base):
    """督办: reminder, formal notice, key supervision, criticism list (JM 17, BH 20)."""

    __tablename__ = "supervisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    level: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(64))  # "system" when the ladder ran by itself
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    # automatic ladder steps carry "<clock id>:<level>" so that any number of consoles running
    # the ladder at once write each step once; manual steps leave it null
    step_key: Mapped[str | None] = mapped_column(String(48), unique=True)


class UnitWarning(Base):
    """警示 issued to a unit that missed its limits (JM 17)."""

    __tablename__ = "unit_warnings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    overdue_count: Mapped[int] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class Notice(Base):
    """A notice raised once per (operator, ticket, clock, kind): survives restarts."""

    __tablename__ = "notices"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    clock: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))  # overdue / emergency
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    __table_args__ = (
        UniqueConstraint("operator_id", "ticket_id", "clock", "kind", name="uq_notices_once"),
    )


# --- operators, audit, change feed --------------------------------------------------------


class Operator(Base):
    __tablename__ = "operators"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    login: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(16))
    # division code; NULL only for an administrator over the whole database (the first run's)
    jurisdiction: Mapped[str | None] = mapped_column(ForeignKey("areas.code"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))  # for role "unit"
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    lang: Mapped[str | None] = mapped_column(String(8))
    bell: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # store.accounts: an argon2id hash only, never the password; NULL = no password set yet
    password_hash: Mapped[str | None] = mapped_column(String(255))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoginToken(Base):
    """`griddesk login`: the token itself is in the user's file; here only its SHA-256."""

    __tablename__ = "login_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditEntry(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(16))
    entity_key: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict | None] = mapped_column(JSON)
    # the hash chain (store/records.py): sha256 hex of the previous entry's hash and this entry
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))


class Change(Base):
    """The change feed: every write appends here; consoles poll `id > last_seen`."""

    __tablename__ = "change_feed"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    entity: Mapped[str] = mapped_column(String(16))  # ticket grid person unit matter area
    entity_id: Mapped[int | None] = mapped_column(BigInteger)
    area_code: Mapped[str | None] = mapped_column(String(12))
    kind: Mapped[str] = mapped_column(String(24))


class Counter(Base):
    """Per-town, per-day ticket sequence for readable numbers."""

    __tablename__ = "counters"
    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


class JobLease(Base):
    """Who runs a periodic job (the supervision ladder) for one centre, and until when
    (store/jobs.py). `name` is "<job>:<jurisdiction>"."""

    __tablename__ = "job_leases"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime)


# --- analytics (hot spots, focused governance) ---------------------------------------------


class StoreSecret(Base):
    """Per-database secrets, made on first use (the keyed hash that compares callers, BH 22 with
    JM 15 / HH 24: repeat callers are found without a phone number leaving the store)."""

    __tablename__ = "store_secrets"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FocusItem(Base):
    """A problem put on the focused-governance list (重点治理, BH 22)."""

    __tablename__ = "focus_items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    town_code: Mapped[str] = mapped_column(String(12), index=True)  # the adding actor's jurisdiction
    kind: Mapped[str] = mapped_column(String(16))  # analytics.focus.KINDS
    key: Mapped[str] = mapped_column(String(128))  # matter/grid/village code, address, caller hash
    label: Mapped[str | None] = mapped_column(String(128))  # what it read as when added (never a phone)
    note: Mapped[str | None] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(64))
    review_date: Mapped[date | None] = mapped_column(Date)
    baseline: Mapped[int] = mapped_column(Integer, default=0)  # tickets in the window before adding
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(64))
    close_note: Mapped[str | None] = mapped_column(Text)


# hot spots count a town's tickets by grid over a received_at range, and read the timeline by
# action over a time range (migration 0008)
Index("ix_tickets_town_grid_received", Ticket.town_code, Ticket.grid_id, Ticket.received_at)
Index("ix_timeline_action_at", TimelineEntry.action, TimelineEntry.at)
# migration 0009: a caller's earlier tickets by phone or name, the queue filter's grid and matter
# parts (the text index itself, FTS5 / pg_trgm, is not a model: store/search_index.py)
Index("ix_tickets_reporter_phone", Ticket.reporter_phone)
Index("ix_tickets_reporter_name", Ticket.reporter_name)
Index("ix_tickets_matter_status", Ticket.matter_id, Ticket.status)
Index("ix_tickets_grid_status", Ticket.grid_id, Ticket.status)
