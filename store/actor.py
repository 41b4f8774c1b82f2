"""Who is acting: every store read and write takes an `Actor`.

Access scoping (jurisdiction by division code), masking of personal data and the audit log's
"who" all come from here, so they live in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

from griddesk.store import permissions
from griddesk.store.enums import Role

SYSTEM_LOGIN = "system"


@dataclass(frozen=True)
class Actor:
    login: str
    name: str
    role: Role
    jurisdiction: str  # division code: town (9), county (6), city (4)
    operator_id: int | None = None
    unit_id: int | None = None

    @property
    def label(self) -> str:
        """How the actor appears in timelines and the audit log."""
        return f"{self.name}({self.login})"

    def covers(self, area_code: str | None) -> bool:
        """A jurisdiction covers every division code that starts with it."""
        return area_code is not None and area_code.startswith(self.jurisdiction)

    @property
    def sees_personal_data(self) -> bool:
        # JM 15, HH 24, YC 36: reporters' phones are for the handling centre, not the wall
        # screen or departments.
        return self.role in permissions.PERSONAL_DATA

    @property
    def read_only(self) -> bool:
        return self.role == Role.VIEWER


def system(jurisdiction: str = "") -> Actor:
    """The actor for automatic steps (the supervision ladder, the demo feed)."""
    return Actor(SYSTEM_LOGIN, "系统", Role.ADMIN, jurisdiction)


# Thin re-exports for older callers: the masking rules live in store/privacy.py.
def mask_phone(phone: str | None, actor: Actor) -> str | None:
    from griddesk.store import privacy

    return privacy.staff_phone(phone, actor)


def mask_name(name: str | None, actor: Actor) -> str | None:
    from griddesk.store import privacy

    return privacy.staff_name(name, actor)
