"""A step of the loop holds the write lock only for its statements (issue 13, writes that scale).

`workflow.act` reads and decides in an ordinary transaction, then writes in a short one that
first checks the ticket is still the version it decided on. So another writer can finish while
a step is still deciding, and a step whose ticket changed meanwhile is decided again on what is
there now — never written over it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from griddesk.store import tickets, views, workflow
from griddesk.store.errors import Conflict, NotAllowed
from tests.fixtures_town import Town


async def _meanwhile(town: Town, monkeypatch: pytest.MonkeyPatch, number: str, action: str, **kw: Any) -> list[str]:
    """While the next step decides (once), op02 takes `action` on the ticket: a whole write
    transaction of its own, which could not even begin if the deciding step held the lock."""
    return _while_deciding(monkeypatch, lambda: workflow.act(town.store, town.actors["op02"], number, action, **kw))


def _while_deciding(monkeypatch: pytest.MonkeyPatch, meanwhile: Callable[[], Awaitable[object]]) -> list[str]:
    """Run `meanwhile` while the next step decides (once); the actions decided, in order."""
    real = workflow._plan
    decided: list[str] = []

    async def plan(s: Any, store: Any, actor: Any, num: str, act: str, *rest: Any) -> Any:
        decided.append(act)
        got = await real(s, store, actor, num, act, *rest)
        if len(decided) == 1:
            monkeypatch.setattr(workflow, "_plan", real)
            await meanwhile()
            monkeypatch.setattr(workflow, "_plan", plan)
        return got

    monkeypatch.setattr(workflow, "_plan", plan)
    return decided


async def test_a_step_decides_again_when_the_ticket_changed_meanwhile(town: Town,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    n = await tickets.create(town.store, town.operator, tickets.parse(town.ticket()))
    decided = await _meanwhile(town, monkeypatch, n, "suspend", reason="等待答复")
    with pytest.raises(NotAllowed) as e:  # decided on pending, written on suspended: decided again, refused
        await workflow.act(town.store, town.operator, n, "dispatch", unit="URBAN")
    assert e.value.key == "workflow.refused_state_by" and decided == ["dispatch", "dispatch"]
    d = await views.detail(town.store, town.operator, n)
    assert (d.ticket.status, d.ticket.version) == ("suspended", 2)
    assert [x.action for x in d.timeline] == ["receive", "suspend"]


async def test_the_version_seen_turns_a_change_meanwhile_into_a_conflict(town: Town,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    n = await tickets.create(town.store, town.operator, tickets.parse(town.ticket()))
    await _meanwhile(town, monkeypatch, n, "suspend", reason="等待答复")
    with pytest.raises(Conflict):
        await workflow.act(town.store, town.operator, n, "dispatch", unit="URBAN", expected_version=1)
    assert (await views.detail(town.store, town.operator, n)).ticket.version == 2


async def test_a_change_that_still_allows_the_step_is_built_on(town: Town, monkeypatch: pytest.MonkeyPatch) -> None:
    n = await tickets.create(town.store, town.operator, tickets.parse(town.ticket()))
    await workflow.suspend(town.store, town.operator, n, reason="等待答复")
    # while op01 decides to resume, op02 resumes and suspends again: op01's resume still applies
    op02 = town.actors["op02"]

    async def resume_and_suspend() -> None:
        await workflow.resume(town.store, op02, n)
        await workflow.suspend(town.store, op02, n, reason="仍在等待")

    decided = _while_deciding(monkeypatch, resume_and_suspend)
    out = await workflow.act(town.store, town.operator, n, "resume")
    assert out.version == 5 and out.to_status == "pending_dispatch" and decided == ["resume", "resume"]
    d = await views.detail(town.store, town.operator, n)
    assert [x.action for x in d.timeline] == ["receive", "suspend", "resume", "suspend", "resume"]
