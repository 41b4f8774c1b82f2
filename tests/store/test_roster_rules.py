"""The roster's rules hold the same whichever way a change comes in: through the roster's own
functions (the console's and the CLI's path) or through a file import."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from griddesk.store import io as roster_io
from griddesk.store import roster
from griddesk.store.enums import LeaveReason, PersonRole, PersonStatus
from griddesk.store.errors import Conflict, ImportProblems, Invalid, StoreError
from griddesk.store.i18n import t
from griddesk.store.models import GridAssignment
from tests.fixtures_town import Town


def _csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def _reads(e: StoreError) -> str:
    """The error as an import problem shows it (no field prefix)."""
    return t(e.key, **e.params)


async def _refused(town: Town, path: Path, kind: str) -> list[tuple[int, str, str]]:
    with pytest.raises(ImportProblems) as e:
        await roster_io.import_file(town.store, town.operator, kind, path)
    return e.value.problems


async def _spans(town: Town, person_id: int) -> list[tuple[int, str, date | None, date | None]]:
    async with town.store.db.session() as s:
        rows = (await s.execute(select(GridAssignment).where(GridAssignment.person_id == person_id)
                                .order_by(GridAssignment.grid_id, GridAssignment.role))).scalars()
        return [(a.grid_id, a.role, a.since, a.until) for a in rows]


async def test_leaving_by_import_ends_the_same_assignments_as_person_leaves(any_town: Town, tmp_path: Path) -> None:
    town = any_town
    store, op = town.store, town.operator
    on = roster.today(store)
    people = {}
    for name, phone in (("白雪", "13907792001"), ("黎明", "13907792002")):
        pid = await roster.create_person(store, op, roster.PersonSpec(name, PersonRole.FULL_TIME, phone))
        people[name] = (pid, phone)
        # open-ended; set to end a month after the leaving day; ended before it
        await roster.assign(store, op, pid, town.grids["comp1"], PersonRole.FULL_TIME, since=on - timedelta(days=60))
        running = await roster.assign(store, op, pid, town.grids["comp2"], PersonRole.FULL_TIME,
                                      since=on - timedelta(days=60))
        await roster.unassign(store, op, running, until=on + timedelta(days=30))
        ended = await roster.assign(store, op, pid, town.grids["school"], PersonRole.PART_TIME,
                                    since=on - timedelta(days=60))
        await roster.unassign(store, op, ended, until=on - timedelta(days=5))

    by_hand, phone_a = people["白雪"]
    await roster.person_leaves(store, op, by_hand, LeaveReason.RESIGNED, on=on, note="回乡")
    by_file, phone_b = people["黎明"]
    path = _csv(tmp_path / "left.csv", ["id", "name", "role", "phone", "status", "left_on", "left_reason", "left_note"],
                [[by_file, "黎明", "full_time", phone_b, "left", on.isoformat(), "resigned", "回乡"]])
    result = await roster_io.import_file(store, op, "people", path)
    assert (result.created, result.updated) == (0, 1)

    expected = [(on, on), (on, on), (on - timedelta(days=5), on - timedelta(days=5))]
    hand, file = await _spans(town, by_hand), await _spans(town, by_file)
    assert [(h[0], h[1], h[2]) for h in hand] == [(f[0], f[1], f[2]) for f in file]
    assert [(h[3], f[3]) for h, f in zip(hand, file, strict=True)] == expected
    for pid in (by_hand, by_file):
        p = await roster.person(store, op, pid)
        assert (p.status, p.left_on, p.left_reason, p.left_note, p.grids) == (PersonStatus.LEFT, on, "resigned",
                                                                              "回乡", [])


async def test_one_leader_per_grid_is_the_same_rule_for_assign_and_import(town: Town, tmp_path: Path) -> None:
    store, op = town.store, town.operator
    pid = await roster.create_person(store, op, roster.PersonSpec("赵新", PersonRole.LEADER, "13907790100"))
    with pytest.raises(Conflict) as e:
        await roster.assign(store, op, pid, town.grids["comp1"], PersonRole.LEADER)  # 王建国 leads it
    path = _csv(tmp_path / "a.csv", ["grid_code", "person_name", "person_phone", "role"],
                [[town.grids["comp1"], "赵新", "13907790100", "leader"]])
    assert await _refused(town, path, "assignments") == [(2, "role", _reads(e.value))]
    assert e.value.key == "roster.error.leader_taken" and "王建国" in _reads(e.value)


async def test_a_professional_names_their_unit_by_hand_and_by_file(town: Town, tmp_path: Path) -> None:
    store, op = town.store, town.operator
    with pytest.raises(Invalid) as made:
        await roster.create_person(store, op, roster.PersonSpec("李专业", PersonRole.PROFESSIONAL, "13907790101"))
    path = _csv(tmp_path / "p.csv", ["name", "role", "phone"], [["李专业", "professional", "13907790101"]])
    assert await _refused(town, path, "people") == [(2, "unit_code", _reads(made.value))]

    with pytest.raises(Invalid) as assigned:  # 陈丽 is full-time, sent by no unit
        await roster.assign(store, op, 2, town.grids["port"], PersonRole.PROFESSIONAL)
    # by the person's natural key (a numeric person_id is another database's numbering, ignored)
    path = _csv(tmp_path / "a.csv", ["grid_code", "person_name", "person_phone", "role"],
                [[town.grids["port"], "陈丽", "13807790002", "professional"]])
    assert await _refused(town, path, "assignments") == [(2, "role", _reads(assigned.value))]
    assert made.value.key == assigned.value.key == "roster.error.professional_unit"


async def test_a_file_from_before_left_note_still_imports(town: Town, tmp_path: Path) -> None:
    store, op = town.store, town.operator
    path = _csv(tmp_path / "old.csv", ["id", "name", "role", "phone", "status", "left_on", "left_reason"],
                [[3, "刘洋", "full_time", "13807790003", "left", "2025-01-01", "transferred: 调往街道办"]])
    await roster_io.import_file(store, op, "people", path)
    p = await roster.person(store, op, 3)
    assert (p.status, p.left_reason, p.left_note) == ("left", "transferred", "调往街道办")
