"""Stable codes used in the database, the CLI's JSON and the UI.

These strings are part of the public interface (scripts and other systems read them), so
they never change; what an operator sees comes from the translation layer (`store.i18n`).
"""

from __future__ import annotations

from enum import StrEnum


class Level(StrEnum):
    """Administrative level of an area; the division code's length follows it."""

    CITY = "city"  # 4 digits
    COUNTY = "county"  # 6
    TOWN = "town"  # 9
    VILLAGE = "village"  # 12: village (村) or community (社区)


CODE_LENGTH = {Level.CITY: 4, Level.COUNTY: 6, Level.TOWN: 9, Level.VILLAGE: 12}


class GridType(StrEnum):
    COMPREHENSIVE = "comprehensive"  # 综合网格
    EXCLUSIVE = "exclusive"  # 专属网格 (JM 6, HH 7, YC 7)
    MARINE = "marine"  # 涉海专属网格 (BH 7)


class GridStatus(StrEnum):
    ACTIVE = "active"
    RETIRED = "retired"


class PersonRole(StrEnum):
    LEADER = "leader"  # 网格长
    FULL_TIME = "full_time"  # 专职网格员
    PART_TIME = "part_time"  # 兼职网格员
    PROFESSIONAL = "professional"  # 专业网格员
    INSTRUCTOR = "instructor"  # 网格指导员
    SEAT_OPERATOR = "seat_operator"  # 坐席员
    BUILDING_HEAD = "building_head"  # 楼栋长 (micro-grid)
    UNIT_HEAD = "unit_head"  # 单元长 (micro-grid)


class PersonStatus(StrEnum):
    ACTIVE = "active"
    LEFT = "left"


class UnitKind(StrEnum):
    DEPARTMENT = "department"  # 联动部门
    SERVICE_UNIT = "service_unit"  # 网格服务单位
    CENTRE = "centre"  # 网格化服务管理中心


class LimitUnit(StrEnum):
    WORK_HOURS = "work_hours"
    WORK_DAYS = "work_days"
    NATURAL_HOURS = "natural_hours"
    NATURAL_MINUTES = "natural_minutes"  # internal clocks only (escalation: 30 minutes)


class Urgency(StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"
    EMERGENCY = "emergency"


# keyed by code: a plain string read from the database finds its member (StrEnum hashes as str)
URGENCY_RANK: dict[str, int] = {Urgency.EMERGENCY: 0, Urgency.URGENT: 1, Urgency.NORMAL: 2}


class Source(StrEnum):
    PATROL = "patrol"  # 网格员巡查上报
    HOTLINE = "hotline"  # 12345 热线
    PLATFORM = "platform"  # 平台/小程序
    WALK_IN = "walk_in"  # 来访
    REFERRAL = "referral"  # 上级转办


class Status(StrEnum):
    """The ticket's place in the closed loop (DESIGN.md)."""

    RECEIVED = "received"
    PENDING_DISPATCH = "pending_dispatch"
    DISPATCHED = "dispatched"
    SIGNED = "signed"
    RETURN_REQUESTED = "return_requested"
    EXTENSION_REQUESTED = "extension_requested"
    SUSPENDED = "suspended"
    FEEDBACK = "feedback"  # result fed back, awaiting verification
    VERIFIED = "verified"  # on-site check passed, awaiting return visit
    VISITED = "visited"  # return visit recorded, ready to close
    CLOSED = "closed"


OPEN_STATUSES = tuple(s for s in Status if s != Status.CLOSED)

# Named status filters the console binds to keys and the CLI accepts as --status values
# (here, with the statuses, so the CLI's parser reads them without loading the queue's SQL).
STATUS_GROUPS: dict[str, tuple[str, ...]] = {
    "open": tuple(OPEN_STATUSES),
    "pending": (Status.RECEIVED, Status.PENDING_DISPATCH, Status.RETURN_REQUESTED),
    "handling": (Status.DISPATCHED, Status.SIGNED, Status.EXTENSION_REQUESTED, Status.SUSPENDED),
    "checking": (Status.FEEDBACK, Status.VERIFIED, Status.VISITED),
    "closed": (Status.CLOSED,),
    "all": tuple(Status),
}


class Satisfaction(StrEnum):
    SATISFIED = "satisfied"
    BASIC = "basic"
    DISSATISFIED = "dissatisfied"


class Role(StrEnum):
    """What an operator account may do; checked in store, never in the UI."""

    OPERATOR = "operator"  # 坐席员
    SUPERVISOR = "supervisor"  # 值班长 / 中心领导
    UNIT = "unit"  # a linkage department's or service unit's account
    GRID_WORKER = "grid_worker"
    VIEWER = "viewer"  # wall screen, read-only
    ADMIN = "admin"


class ClockName(StrEnum):
    SIGN = "sign"  # sign-for limit
    HANDLE = "handle"  # handling limit from the matter
    EXTENSION = "extension"  # centre's decision on a request
    VERIFY = "verify"  # 24 h on-site verification (HH 21)
    VISIT = "visit"  # return visit by the next working day
    ESCALATE = "escalate"  # report upward (YC 35, BH 21)


class ClockState(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"
    MISSED = "missed"  # stopped after its deadline had passed
    SKIPPED = "skipped"  # its step was passed over (a visit or close without verification)
    OVERDUE = "overdue"  # shown only, never stored: a running clock past its deadline


class Escalation(StrEnum):
    """Where a ticket stands towards the levels above (YC 35, BH 5, BH 21); `None` when never
    escalated. It never moves the loop's `status`."""

    FLAGGED = "flagged"  # must be reported upward; its `escalate` clock runs
    REPORTED = "reported"  # the report upward is recorded
    COUNTY = "county"  # handed to the county centre (`held_by` is the county)
    RETURNED = "returned"  # the county handed it back


class EscalationMode(StrEnum):
    """What an operator may do to a ticket's escalation, in the order offered."""

    REPORT = "report"
    FLAG = "flag"
    TO_COUNTY = "to_county"
    BACK = "back"


class SuperviseLevel(StrEnum):
    REMINDER = "reminder"  # 催办
    NOTICE = "notice"  # 催办通知书
    KEY = "key"  # 重点督办
    CRITICISM = "criticism"  # 通报 list


class FilingStatus(StrEnum):
    PENDING = "pending"
    FILED = "filed"


class ChangeReason(StrEnum):
    """Why a grid changed (YC 8, BH 6)."""

    ADMINISTRATIVE = "administrative"
    DEMOLITION = "demolition"  # major demolition or population movement
    DEPARTMENT = "department"
    OTHER = "other"


class GridChangeKind(StrEnum):
    """What a recorded grid change did (YC 8, BH 6)."""

    CREATE = "create"
    ADJUST = "adjust"
    SPLIT = "split"
    MERGE = "merge"
    RETIRE = "retire"


class MicroGridKind(StrEnum):
    """微网格 (HH 20)."""

    BUILDING = "building"  # 楼栋
    UNIT = "unit"  # 单元


class LeaveReason(StrEnum):
    """Why a person left the roster."""

    FAILED_REVIEWS = "failed_reviews"
    DERELICTION = "dereliction"
    INCOMPETENT = "incompetent"
    RESIGNED = "resigned"
    TRANSFERRED = "transferred"
    OTHER = "other"


# the grounds on which a full-time worker must exit (YC 17), as against leaving of their own accord
MANDATORY_EXIT = frozenset({LeaveReason.FAILED_REVIEWS, LeaveReason.DERELICTION, LeaveReason.INCOMPETENT})

# the formats the audit log exports to (store/audit.py), here so the CLI's parser offers them
# without loading the audit module's SQL
AUDIT_FORMATS = ("csv", "xlsx", "jsonl")
