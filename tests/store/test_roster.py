"""The roster: area tree, grid changes with their record and filing, people, assignments."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from griddesk.store import roster, tickets
from griddesk.store.enums import ChangeReason, GridStatus, PersonRole, PersonStatus
from griddesk.store.errors import Conflict, Invalid, NotAllowed
from griddesk.store.models import AuditEntry, Change, Grid, GridAssignment, Ticket
from griddesk.store.roster import GridSpec, PersonSpec
from tests.fixtures_town import COMMUNITY, COUNTY, TOWN, VILLAGE, Town


async def _count(store, model) -> int:  # type: ignore[no-untyped-def]
    async with store.db.session() as s:
        return (await s.execute(select(func.count()).select_from(model))).scalar_one()


async def test_tree_from_county_to_micro_grid(town: Town) -> None:
    store, op = town.store, town.operator
    code = await roster.add_micro_grid(store, op, town.grids["comp1"], "3栋", "building", 48, head_person_id=2)
    assert code == town.grids["comp1"] + "001"
    roots = await roster.tree(store, op)
    # a town operator sees the city and county above the town, for context only
    assert [r.code for r in roots] == ["4505"] and not roots[0].in_scope
    county = roots[0].children[0]
    assert county.code == COUNTY and not county.in_scope
    t = county.children[0]
    assert (t.code, t.in_scope, t.population) == (TOWN, True, 120000)
    assert [v.code for v in t.children] == [COMMUNITY, VILLAGE]
    community = t.children[0]
    assert community.kind == "community" and community.households == 3000
    assert [g.code for g in community.grids] == [town.grids["comp1"], town.grids["comp2"], town.grids["school"]]
    comp1 = community.grids[0]
    assert comp1.leader is not None and comp1.leader.name == "王建国"
    assert [m.name for m in comp1.holding(PersonRole.FULL_TIME)] == ["陈丽"]
    assert comp1.micro_grids[0].name == "3栋" and comp1.micro_grids[0].head == "陈丽"
    assert t.grid_count == 4


async def test_viewer_sees_the_roster_with_phones_masked(town: Town) -> None:
    rows = await roster.grids(town.store, town.actors["wall"])
    leader = rows[0].leader
    assert leader is not None and leader.phone == "138****0001"
    rows = await roster.grids(town.store, town.operator)
    assert rows[0].leader.phone == "13807790001"  # type: ignore[union-attr]


async def test_create_grid_takes_the_next_code_and_records_the_change(town: Town) -> None:
    store, op = town.store, town.operator
    feed0, audit0 = await _count(store, Change), await _count(store, AuditEntry)
    code = await roster.create_grid(store, op, COMMUNITY, GridSpec("地角社区第四网格", households=280, population=800),
                                    ChangeReason.DEMOLITION, "新建小区入住")
    assert code == f"{COMMUNITY}004"
    detail = await roster.grid(store, op, code)
    assert detail.grid.households == 280 and detail.grid.status == GridStatus.ACTIVE
    (change,) = detail.changes
    assert (change.kind, change.reason, change.filing_status) == ("create", "demolition", "pending")
    assert change.result_codes == [code] and change.actor == "周敏(op01)" and change.note == "新建小区入住"
    assert await _count(store, Change) == feed0 + 1
    assert await _count(store, AuditEntry) == audit0 + 1


async def test_grid_spec_and_reason_are_checked(town: Town) -> None:
    store, op = town.store, town.operator
    with pytest.raises(Invalid) as e:
        await roster.create_grid(store, op, COMMUNITY, GridSpec("X", type="square"), ChangeReason.OTHER)
    assert e.value.field == "grid.type"
    with pytest.raises(Invalid) as e:
        await roster.create_grid(store, op, COMMUNITY, GridSpec("X"), "because")
    assert e.value.field == "grid_change.reason"
    with pytest.raises(Invalid) as e:
        await roster.create_grid(store, op, TOWN, GridSpec("X"), ChangeReason.OTHER)  # a town is not a village
    assert e.value.key == "roster.error.not_village"
    with pytest.raises(Invalid) as e:
        await roster.create_grid(store, op, COMMUNITY, GridSpec("X", households=-1), ChangeReason.OTHER)
    assert e.value.field == "grid.households"


@pytest.mark.parametrize("login", ["wall", "u-police", "gw01"])
async def test_only_operators_supervisors_and_admins_change_the_roster(town: Town, login: str) -> None:
    with pytest.raises(NotAllowed):
        await roster.create_grid(town.store, town.actors[login], COMMUNITY, GridSpec("X"), ChangeReason.OTHER)
    with pytest.raises(NotAllowed):
        await roster.assign(town.store, town.actors[login], 4, town.grids["comp1"], "professional")


async def test_split_retires_the_grid_moves_its_open_tickets_and_never_reuses_its_code(town: Town) -> None:
    store, op = town.store, town.operator
    number = await tickets.create(store, op, tickets.parse(town.ticket()))
    old = town.grids["comp1"]
    parts = await roster.split_grid(store, op, old, [GridSpec("第一网格东片", households=150),
                                                      GridSpec("第一网格西片", households=150)],
                                    ChangeReason.DEMOLITION, "旧城改造")
    assert parts == [f"{COMMUNITY}004", f"{COMMUNITY}005"]
    detail = await roster.grid(store, op, old)
    assert detail.grid.status == GridStatus.RETIRED and detail.grid.retired_at is not None
    assert detail.open_tickets == 0  # a retired grid keeps no open ticket: it moved to the first part
    assert detail.grid.members == [] and {m.name for m in detail.past_members} == {"王建国", "陈丽"}
    (change,) = [c for c in detail.changes if c.kind == "split"]
    assert change.grid_codes == [old] and change.result_codes == parts and change.filing_status == "pending"
    assert {r["role"] for r in change.details["released"]} == {"leader", "full_time"}  # type: ignore[index]
    assert change.details["moved_tickets"] == [number] and change.details["tickets_to"] == parts[0]  # type: ignore[index]
    async with store.db.session() as s:
        t = (await s.execute(select(Ticket).where(Ticket.number == number))).scalar_one()
        assert (await s.get(Grid, t.grid_id)).code == parts[0]  # type: ignore[union-attr]
        assert t.version == 2  # a form open on the old grid meets a conflict, not a silent overwrite
    with pytest.raises(Conflict) as e:
        await roster.create_grid(store, op, COMMUNITY, GridSpec("复用"), ChangeReason.OTHER, code=old)
    assert e.value.key == "roster.error.grid_code_taken"
    assert await roster.create_grid(store, op, COMMUNITY, GridSpec("又一个")) == f"{COMMUNITY}006"
    with pytest.raises(Invalid):
        await tickets.create(store, op, tickets.parse(town.ticket(grid=old)))  # no new tickets on it
    with pytest.raises(Invalid) as e:
        await roster.split_grid(store, op, parts[0], [GridSpec("只有一片")], ChangeReason.OTHER)
    assert e.value.key == "roster.error.split_parts"
    with pytest.raises(Invalid) as e:  # the open tickets go to one of the parts
        await roster.split_grid(store, op, parts[0], [GridSpec("甲"), GridSpec("乙")], ChangeReason.OTHER,
                                tickets_to=2)
    assert e.value.key == "roster.error.split_tickets_to" and e.value.field == "grid.tickets_to"


async def test_merge_into_one_grid_carries_people_and_adds_up_households(town: Town) -> None:
    store, op = town.store, town.operator
    comp1, comp2 = town.grids["comp1"], town.grids["comp2"]
    result = await roster.merge_grids(store, op, [comp1, comp2], ChangeReason.ADMINISTRATIVE, into=comp2)
    assert result == comp2
    merged = (await roster.grid(store, op, comp2)).grid
    assert merged.households == 610 and merged.status == GridStatus.ACTIVE
    assert sorted((m.name, m.role) for m in merged.members) == [("王建国", "leader"), ("陈丽", "full_time")]
    assert (await roster.grid(store, op, comp1)).grid.status == GridStatus.RETIRED
    with pytest.raises(Invalid) as e:
        await roster.merge_grids(store, op, [comp2, town.grids["port"]], ChangeReason.OTHER)
    assert e.value.key == "roster.error.merge_villages"


async def test_merge_into_a_new_grid(town: Town) -> None:
    store, op = town.store, town.operator
    new = await roster.merge_grids(store, op, [town.grids["comp1"], town.grids["comp2"]], ChangeReason.OTHER,
                                   spec=GridSpec("地角社区合并网格", households=600, population=1800))
    assert new == f"{COMMUNITY}004"
    g = (await roster.grid(store, op, new)).grid
    assert (g.name, g.households) == ("地角社区合并网格", 600)
    assert g.leader is not None and g.leader.name == "王建国"
    (change,) = [c for c in await roster.changes(store, op, new) if c.kind == "merge"]
    assert change.grid_codes == [town.grids["comp1"], town.grids["comp2"]]


async def test_retire_and_file_the_change(town: Town) -> None:
    store, op, sup = town.store, town.operator, town.actors["sup01"]
    await roster.retire_grid(store, op, town.grids["school"], ChangeReason.DEPARTMENT, "学校撤并")
    assert [g.code for g in await roster.grids(store, op)] == [
        town.grids["comp1"], town.grids["comp2"], town.grids["port"]]
    assert town.grids["school"] in [g.code for g in await roster.grids(store, op, include_retired=True)]
    (change,) = await roster.changes(store, op, pending_only=True)
    assert change.kind == "retire" and change.reason == "department"
    with pytest.raises(NotAllowed):
        await roster.file_change(store, op, change.id)  # filing is the supervisor's
    await roster.file_change(store, sup, change.id)  # on PostgreSQL it failed: the grid code as the feed's area
    async with store.db.session() as s:
        feed = (await s.execute(select(Change).where(Change.kind == "filed"))).scalar_one()
    assert feed.area_code == COMMUNITY  # the retired grid's area, so the town's consoles hear of it
    assert await roster.changes(store, op, pending_only=True) == []
    (filed,) = await roster.changes(store, op, town.grids["school"])
    assert filed.filing_status == "filed" and filed.filed_at is not None
    with pytest.raises(Conflict):
        await roster.file_change(store, sup, change.id)
    with pytest.raises(Conflict):
        await roster.retire_grid(store, op, town.grids["school"], ChangeReason.OTHER)


async def test_adjust_records_the_difference_and_stales_the_notice(town: Town) -> None:
    store, op = town.store, town.operator
    code = town.grids["comp2"]
    before = (await roster.grid(store, op, code)).grid.roster_changed_at
    assert await roster.adjust_grid(store, op, code, ChangeReason.OTHER, households=320) == {"households": (310, 320)}
    g = (await roster.grid(store, op, code)).grid
    assert g.roster_changed_at == before  # households are not on the card
    diff = await roster.adjust_grid(store, op, code, ChangeReason.OTHER, name="地角社区第二网格（新）",
                                    boundary="海角路以东")
    assert set(diff) == {"name", "boundary"}
    detail = await roster.grid(store, op, code)
    assert detail.grid.notice_stale
    assert [c.kind for c in detail.changes] == ["adjust", "adjust"]
    assert detail.changes[0].details == {"changed": {"name": ["地角社区第二网格", "地角社区第二网格（新）"],
                                                     "boundary": [None, "海角路以东"]}}
    assert await roster.adjust_grid(store, op, code, ChangeReason.OTHER, households=320) == {}
    with pytest.raises(Invalid):
        await roster.adjust_grid(store, op, code, ChangeReason.OTHER, colour="red")


async def test_people_roles_contact_training_and_leaving(town: Town) -> None:
    store, op = town.store, town.operator
    with pytest.raises(Invalid) as e:
        await roster.create_person(store, op, PersonSpec("李专业", PersonRole.PROFESSIONAL))
    assert e.value.key == "roster.error.professional_unit"
    with pytest.raises(Invalid) as e:
        await roster.create_person(store, op, PersonSpec("李四", PersonRole.FULL_TIME, phone="call me"))
    assert e.value.field == "person.phone"
    pid = await roster.create_person(store, op, PersonSpec(
        "吕长安", PersonRole.PROFESSIONAL, "13907790099", unit_code="WATER", trained_on=date(2025, 3, 1)))
    p = await roster.person(store, op, pid)
    assert (p.name_pinyin, p.unit_code, p.area_code, p.status) == ("lv chang an", "WATER", TOWN, "active")
    # a professional may cover several grids (HH 11)
    for key in ("comp1", "comp2", "port"):
        await roster.assign(store, op, pid, town.grids[key], PersonRole.PROFESSIONAL)
    assert len((await roster.person(store, op, pid)).grids) == 3
    assert await roster.record_review(store, op, pid, passed=False) == 1
    assert await roster.record_review(store, op, pid, passed=False) == 2
    await roster.person_leaves(store, op, pid, "failed_reviews", note="2024、2025 年度考核不合格")
    p = await roster.person(store, op, pid)
    assert (p.status, p.left_reason, p.left_note, p.grids) == (
        PersonStatus.LEFT, "failed_reviews", "2024、2025 年度考核不合格", [])
    assert p.left_on is not None
    with pytest.raises(Conflict):
        await roster.assign(store, op, pid, town.grids["comp1"], PersonRole.PROFESSIONAL)
    with pytest.raises(Invalid):
        await roster.person_leaves(store, op, 2, "bored")


async def test_a_phone_change_stales_the_cards_that_show_it(town: Town) -> None:
    store, op = town.store, town.operator
    assert not any(g.notice_stale for g in await roster.grids(store, op))
    assert await roster.update_person(store, op, 3, phone="13907790003") == {"phone": ("13807790003", "13907790003")}
    stale = {g.code for g in await roster.grids(store, op) if g.notice_stale}
    assert stale == {town.grids["school"], town.grids["port"]}  # 刘洋 is full-time there


async def test_one_leader_per_grid_and_no_double_assignment(town: Town) -> None:
    store, op = town.store, town.operator
    pid = await roster.create_person(store, op, PersonSpec("赵新", PersonRole.LEADER, "13907790100"))
    with pytest.raises(Conflict) as e:
        await roster.assign(store, op, pid, town.grids["comp1"], PersonRole.LEADER)
    assert e.value.key == "roster.error.leader_taken"
    with pytest.raises(Conflict) as e:
        await roster.assign(store, op, 2, town.grids["comp1"], PersonRole.FULL_TIME)
    assert e.value.key == "roster.error.already_assigned"
    with pytest.raises(Invalid):
        await roster.assign(store, op, pid, town.grids["comp1"], PersonRole.SEAT_OPERATOR)  # not a grid role
    leader = (await roster.grid(store, op, town.grids["comp1"])).grid.leader
    assert leader is not None
    await roster.unassign(store, op, leader.assignment_id)
    aid = await roster.assign(store, op, pid, town.grids["comp1"], PersonRole.LEADER)
    g = (await roster.grid(store, op, town.grids["comp1"])).grid
    assert g.leader is not None and g.leader.name == "赵新" and g.notice_stale
    async with store.db.session() as s:
        assert (await s.get(GridAssignment, aid)).since == roster.today(store)  # type: ignore[union-attr]
    with pytest.raises(Conflict):
        await roster.unassign(store, op, leader.assignment_id)


async def test_out_of_jurisdiction_is_refused(town: Town) -> None:
    # a county operator may act anywhere in the county; a town operator of another town may not
    from griddesk.store.actor import Actor
    from griddesk.store.enums import Role

    other = Actor("op-x", "外镇", Role.OPERATOR, "450502006")
    with pytest.raises(NotAllowed):
        await roster.create_grid(town.store, other, COMMUNITY, GridSpec("X"))
    with pytest.raises(NotAllowed):
        await roster.grid(town.store, other, town.grids["comp1"])
    assert await roster.grids(town.store, other) == []
    code = await roster.create_grid(town.store, town.actors["county01"], VILLAGE, GridSpec("冠头岭村第二网格"))
    assert code == f"{VILLAGE}002"


# --- the matter list (HH 15, YC 11–12, BH 12–13) ----------------------------------------------


async def test_matter_admitted_amended_withdrawn_with_history(town: Town) -> None:
    from griddesk.store import matters
    from griddesk.store.matters import Limit, NewMatter

    store, sup = town.store, town.actors["sup01"]
    new = NewMatter("D010", "二次供水水质异常", Limit(2, "work_days"), date(2027, 1, 1), default_unit="WATER",
                    urgent=Limit(4, "work_hours"), requested_by="供水公司", note="水务局来函")
    with pytest.raises(NotAllowed):
        await matters.admit(store, town.operator, new)  # the centre reviews the list (BH 13)
    assert await matters.admit(store, sup, new) == "D010"
    with pytest.raises(Conflict):
        await matters.admit(store, sup, new)
    row = await matters.matter(store, sup, "D010")
    assert (row.class_code, row.default_unit, row.variants) == ("D", "WATER", {"urgent": Limit(4, "work_hours")})
    assert "D010" not in [m.code for m in await matters.admitted_on_date(store, sup, date(2026, 12, 31))]
    assert "D010" in [m.code for m in await matters.admitted_on_date(store, sup, date(2027, 1, 1))]
    diff = await matters.amend_limits(store, sup, "D010", limit=Limit(3, "work_days"), urgent=None,
                                      emergency=Limit(2, "natural_hours"), requested_by="供水公司")
    assert diff == {"normal": ("2 work_days", "3 work_days"), "urgent": ("4 work_hours", "-"),
                    "emergency": ("-", "2 natural_hours")}
    assert (await matters.matter(store, sup, "D010")).variants == {"emergency": Limit(2, "natural_hours")}
    with pytest.raises(Invalid):
        await matters.withdraw(store, sup, "D010", date(2026, 6, 1), "供水公司")  # before its admission
    with pytest.raises(Invalid) as e:
        await matters.withdraw(store, sup, "D010", date(2027, 6, 1), "")
    assert e.value.field == "matter.requested_by"
    await matters.withdraw(store, sup, "D010", date(2027, 6, 1), "供水公司", "改由供水热线受理")
    with pytest.raises(Conflict):
        await matters.withdraw(store, sup, "D010", date(2027, 7, 1), "供水公司")
    history = await matters.history(store, sup, "D010")
    assert [(h.action, h.on, h.requested_by) for h in history] == [
        ("admit", date(2027, 1, 1), "供水公司"), ("amend", roster.today(store), "供水公司"),
        ("withdraw", date(2027, 6, 1), "供水公司")]
    assert history[1].note is not None and "3 work_days" in history[1].note
    on_day = [m.code for m in await matters.admitted_on_date(store, sup, date(2027, 6, 1))]
    assert "D010" not in on_day and "A001" in on_day and "A009" not in on_day


@pytest.mark.parametrize(("day", "allowed"), [
    ("2026-12-31", False), ("2027-01-01", True), ("2027-05-31", True), ("2027-06-01", False)])
async def test_only_entries_in_force_classify_a_ticket(town: Town, day: str, allowed: bool) -> None:
    """store.matters.in_force and ticket intake agree on every boundary day."""
    from griddesk.store import matters
    from griddesk.store.matters import Limit, NewMatter

    store, sup = town.store, town.actors["sup01"]
    await matters.admit(store, sup, NewMatter("D011", "路面积水", Limit(1, "work_days"), date(2027, 1, 1)))
    await matters.withdraw(store, sup, "D011", date(2027, 6, 1), "住建局")
    on = date.fromisoformat(day)
    assert matters.in_force(date(2027, 1, 1), date(2027, 6, 1), on) is allowed
    assert ("D011" in [m.code for m in await matters.admitted_on_date(store, sup, on)]) is allowed
    data = town.ticket(matter="D011", received_at=f"{day}T10:00:00+08:00")
    # registered on that day: intake refuses a received_at more than a day ahead of now
    at = datetime.fromisoformat(data["received_at"]).astimezone(UTC)
    store.now = lambda: at
    if allowed:
        assert await tickets.create(store, town.operator, tickets.parse(data, now=at))
    else:
        with pytest.raises(Invalid) as e:
            await tickets.create(store, town.operator, tickets.parse(data, now=at))
        assert e.value.key == "error.matter_withdrawn"
