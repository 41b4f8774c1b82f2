"""Notices are raised once per operator, ticket and clock — across restarts and consoles."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from griddesk.store import config, notices, tickets
from griddesk.store.context import Store
from griddesk.store.models import Notice as NoticeRow
from tests.fixtures_town import Town, seed

MON = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in Beihai


def at(hh: int, mm: int = 0) -> datetime:
    return MON + timedelta(hours=hh - 9, minutes=mm)


async def open_town(path: str, now: list[datetime], settings: config.Settings | None = None,
                    fresh: bool = True) -> tuple[Store, Town]:
    s = await Store.open(path, settings or config.Settings(), now=lambda: now[0])
    if fresh:
        return s, await seed(s)
    town = Town(s)
    for login in ("op01", "op02", "wall", "u-urban"):
        town.actors[login] = await s.actor(login)
    return s, town


async def add(town: Town, **over) -> str:  # type: ignore[no-untyped-def]
    return await tickets.create(town.store, town.operator, tickets.parse(town.ticket(**over)))


async def test_a_crossing_rings_once_and_not_again_after_a_restart(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = str(tmp_path / "n.db")
    now = [at(9)]
    s, town = await open_town(path, now)
    number = await add(town)  # rubbish: 4 working hours → due 15:00
    op = town.operator
    now[0] = at(14, 59)
    assert await notices.pending_notices(s, op) == []
    now[0] = at(15, 1)
    got = await notices.claim(s, op)
    assert [(n.kind, n.number, n.clock) for n in got] == [("overdue", number, "handle")]
    assert "已超期" in got[0].text("zh") and got[0].text("en").startswith("Overdue")
    now[0] = at(15, 2)  # the next tick
    assert await notices.claim(s, op) == []
    assert await notices.pending_notices(s, op) == []
    await s.close()

    s2, town2 = await open_town(path, now, fresh=False)  # the console restarts
    assert await notices.pending_notices(s2, town2.actors["op01"]) == []
    assert await notices.claim(s2, town2.actors["op01"]) == []
    # another operator has not seen it yet
    assert [n.number for n in await notices.claim(s2, town2.actors["op02"])] == [number]
    async with s2.db.session() as sess:
        assert (await sess.execute(select(func.count()).select_from(NoticeRow))).scalar_one() == 2
    await s2.close()


async def test_old_crossings_do_not_ring_a_new_console(tmp_path) -> None:  # type: ignore[no-untyped-def]
    now = [at(9)]
    s, town = await open_town(str(tmp_path / "w.db"), now)
    await add(town)
    now[0] = at(16, 1)  # crossed at 15:00, more than the 60-minute window ago
    assert await notices.pending_notices(s, town.operator) == []
    wide = config.Settings(notice_window_minutes=120)
    s2 = await Store.open(str(tmp_path / "w.db"), wide, now=lambda: now[0])
    assert len(await notices.pending_notices(s2, town.operator)) == 1
    await s2.close()
    await s.close()


async def test_an_emergency_rings_on_arrival_once(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = str(tmp_path / "e.db")
    now = [at(9)]
    s, town = await open_town(path, now)
    number = await add(town, matter=town.matters["dispute"], urgency="emergency")
    got = await notices.claim(s, town.operator)
    assert [(n.kind, n.number, n.clock) for n in got] == [("emergency", number, "receive")]
    assert await notices.claim(s, town.operator) == []
    # 30 minutes later its report-upward clock crosses: that is a separate notice, also once
    now[0] = at(9, 31)
    assert [(n.kind, n.clock) for n in await notices.claim(s, town.operator)] == [("overdue", "escalate")]
    assert await notices.claim(s, town.operator) == []
    await s.close()
    s2, town2 = await open_town(path, now, fresh=False)
    assert await notices.pending_notices(s2, town2.actors["op01"]) == []
    await s2.close()


async def test_a_flagged_major_event_rings_as_one_to_report(town: Town) -> None:
    number = await add(town, matter=town.matters["fire"])  # marked `escalate`, urgency normal
    [n] = await notices.claim(town.store, town.operator)
    assert (n.kind, n.number) == ("emergency", number)
    assert n.text("zh").startswith("须上报：") and n.text("en").startswith("To report upward")


async def test_the_county_is_told_what_arrives_there(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from griddesk.store import escalation

    now = [at(9)]
    s, town = await open_town(str(tmp_path / "c.db"), now)
    county = town.actors["county01"]
    urgent = await add(town, matter=town.matters["dispute"], urgency="emergency")
    plain = await add(town)
    assert await notices.pending_notices(s, county) == []  # the town's to report
    await escalation.report_up(s, town.operator, urgent, "已报区综治中心")
    [n] = await notices.claim(s, county)
    assert (n.kind, n.number) == ("escalated", urgent) and n.text("zh").startswith("上报或移交到本中心")
    await escalation.hand_to_county(s, town.operator, plain, "跨街道")
    assert [(n.kind, n.number) for n in await notices.claim(s, county)] == [("escalated", plain)]
    now[0] = at(15, 1)  # plain's handling deadline (15:00) passes while the county holds it
    assert [(n.kind, n.number, n.clock) for n in await notices.claim(s, county)] == [("overdue", plain, "handle")]
    assert [n.kind for n in await notices.claim(s, town.operator)] == ["emergency", "overdue"]
    await s.close()


async def test_two_consoles_of_one_operator_share_a_notice(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = str(tmp_path / "two.db")
    now = [at(9)]
    s, town = await open_town(path, now)
    await add(town)
    now[0] = at(15, 1)
    s2 = await Store.open(path, now=lambda: now[0])
    a, b = await asyncio.gather(notices.claim(s, town.operator), notices.claim(s2, town.operator))
    assert len(a) + len(b) == 1
    await s2.close()
    await s.close()


async def test_the_wall_and_the_system_get_no_notices(town: Town) -> None:
    await add(town, matter=town.matters["dispute"], urgency="emergency")
    assert await notices.pending_notices(town.store, town.actors["wall"]) == []
    assert await notices.mark_notified(town.store, town.actors["wall"], []) == []
    assert len(await notices.pending_notices(town.store, town.actors["sup01"])) == 1


async def test_the_bell_is_per_operator_and_global(tmp_path) -> None:  # type: ignore[no-untyped-def]
    now = [at(9)]
    s, town = await open_town(str(tmp_path / "b.db"), now)
    op = town.operator
    assert await notices.bell_on(s, op) is True
    await notices.set_bell(s, op, False)
    assert await notices.bell_on(s, op) is False
    assert await notices.bell_on(s, town.actors["op02"]) is True
    await notices.set_bell(s, op, True)
    quiet = await Store.open(str(tmp_path / "b.db"), config.Settings(bell=False), now=lambda: now[0])
    assert await notices.bell_on(quiet, op) is False
    await quiet.close()
    await s.close()


async def test_insert_if_absent_on_postgresql(pg_url: str) -> None:
    now = [at(9)]
    s, town = await open_town(pg_url, now)
    await add(town)
    await add(town, matter=town.matters["dispute"], urgency="emergency")
    now[0] = at(15, 1)
    others = [await Store.open(pg_url, now=lambda: now[0]) for _ in range(3)]
    got = await asyncio.gather(notices.claim(s, town.operator), *(notices.claim(o, town.operator) for o in others))
    # the emergency's arrival, and the rubbish ticket's handling clock that crossed a minute ago
    # (the emergency's own clocks crossed at 09:30 and 13:00, outside the window)
    assert sorted((n.kind, n.clock) for g in got for n in g) == [("emergency", "receive"), ("overdue", "handle")]
    assert await notices.pending_notices(s, town.operator) == []
    for o in others:
        await o.close()
    await s.close()
