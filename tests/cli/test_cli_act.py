"""`griddesk ticket act NUMBER ACTION …`: the stable interface other systems script against.

Exit codes: 0 done, 1 refused (role, state, a concurrent change), 2 bad usage. The CLI runs in a
worker thread (it runs its own event loop), on the same SQLite file as the test's town.
"""

from __future__ import annotations

import argparse
from datetime import date, datetime
from typing import Any

import pytest

from griddesk.console.cli import act as act_cli
from griddesk.store import tickets, views, workflow
from tests.fixtures_town import Town


async def new_ticket(town: Town, **over: Any) -> str:
    return await tickets.create(town.store, town.operator, tickets.parse(town.ticket(**over)))


async def test_dispatch_in_text_and_json(town: Town, cli) -> None:  # type: ignore[no-untyped-def]
    n = await new_ticket(town)
    r = await cli("ticket", "act", n, "dispatch", "--unit", "URBAN", "--co-unit", "POLICE", "--co-unit", "CIVIL")
    assert r.code == 0, r.err
    assert n in r.out and "已分拨" in r.out and "第 2 版" in r.out
    r = await cli("ticket", "act", n, "sign", "--format", "json", login="u-urban")
    assert r.code == 0, r.err
    data = r.json()
    assert data["number"] == n and data["action"] == "sign"
    assert data["from_status"] == "dispatched" and data["status"] == "signed" and data["version"] == 3
    assert data["lead_unit"] == "URBAN" and data["co_units"] == ["CIVIL", "POLICE"]
    assert {"name", "due_at", "state"} <= set(data["clocks"][0])
    assert [e["action"] for e in data["timeline"]] == ["receive", "dispatch", "sign"]
    assert {"at", "actor", "action", "note"} <= set(data["timeline"][-1])


async def test_every_action_by_cli_round_the_loop(town: Town, cli) -> None:  # type: ignore[no-untyped-def]
    n = await new_ticket(town)
    cal = town.store.calendar
    due = (await views.detail(town.store, town.operator, n)).ticket.handle_due_at
    until = cal.next_workday(cal.next_workday(cal.local(due).date())).isoformat()
    steps = [
        ("op01", ["dispatch", "--unit", "POLICE"], "dispatched"),
        ("u-police", ["return", "--reason", "属城管职责"], "return_requested"),
        ("op01", ["approve"], "pending_dispatch"),
        ("op01", ["dispatch", "--unit", "URBAN"], "dispatched"),
        ("u-urban", ["sign"], "signed"),
        ("u-urban", ["return", "--reason", "不属本单位"], "return_requested"),
        ("op01", ["reject", "--reason", "属于本单位职责"], "signed"),
        ("u-urban", ["extend", "--reason", "雨天", "--note", "已清理一半", "--days", "2"], "extension_requested"),
        ("op01", ["reject", "--reason", "可以按期完成"], "signed"),
        ("u-urban", ["extend", "--reason", "雨天", "--note", "已清理一半", "--until", until], "extension_requested"),
        ("sup01", ["approve", "--note", "同意"], "signed"),
        ("op01", ["suspend", "--reason", "等待产权单位答复"], "suspended"),
        ("op01", ["resume"], "signed"),
        ("u-urban", ["feedback", "--note", "已清运"], "feedback"),
        ("gw01", ["verify", "--failed", "--reason", "仍有垃圾"], "signed"),
        ("u-urban", ["feedback", "--note", "已再次清运"], "feedback"),
        ("gw01", ["verify", "--passed"], "verified"),
        ("op01", ["visit", "--satisfaction", "dissatisfied", "--note", "仍有异味"], "visited"),
        ("op01", ["reopen", "--reason", "群众不满意"], "dispatched"),
        ("u-urban", ["sign"], "signed"),
        ("u-urban", ["feedback", "--note", "已除臭"], "feedback"),
        ("op01", ["visit", "--satisfaction", "satisfied"], "visited"),
        ("op01", ["close"], "closed"),
        ("sup01", ["reopen", "--reason", "复核"], "dispatched"),
    ]
    for login, args, status in steps:
        r = await cli("ticket", "act", n, *args, "--format", "json", login=login)
        assert r.code == 0, (args, r.out, r.err)
        assert r.json()["status"] == status, args
    d = await views.detail(town.store, town.operator, n)
    assert d.ticket.version == len(steps) + 1
    extended = next(e for e in d.timeline if e.action == "approve" and e.data.get("request") == "extension")
    assert cal.local(datetime.fromisoformat(extended.data["until"])) == cal.close_of(date.fromisoformat(until))


async def test_refusals_exit_1_with_the_reason_in_the_chosen_language(town: Town, cli) -> None:  # type: ignore[no-untyped-def]
    n = await new_ticket(town)
    await workflow.dispatch(town.store, town.operator, n, "URBAN")  # a unit sees what it leads
    r = await cli("ticket", "act", n, "feedback", "--note", "x", login="u-urban")
    assert r.code == 1 and "已分拨" in r.err and r.out == ""
    r = await cli("ticket", "act", n, "feedback", "--note", "x", login="u-urban", lang="en")
    assert r.code == 1 and "Dispatched" in r.err
    r = await cli("ticket", "act", n, "dispatch", "--unit", "URBAN", login="u-urban")
    assert r.code == 1 and "部门" in r.err
    r = await cli("ticket", "act", n, "dispatch", "--unit", "URBAN", login="wall")
    assert r.code == 1
    r = await cli("ticket", "act", "no-such-ticket", "sign", login="u-urban")
    assert r.code == 1 and "no-such-ticket" in r.err
    r = await cli("ticket", "act", n, "close", "--format", "json")
    assert r.code == 1 and r.json()["error"]["kind"] == "notallowed"
    assert (await views.detail(town.store, town.operator, n)).ticket.version == 2


async def test_a_stale_version_is_refused_naming_who(town: Town, cli) -> None:  # type: ignore[no-untyped-def]
    n = await new_ticket(town)
    assert (await cli("ticket", "act", n, "dispatch", "--unit", "URBAN", "--version", "1", login="op02")).code == 0
    r = await cli("ticket", "act", n, "suspend", "--reason", "x", "--version", "1", "--format", "json")
    assert r.code == 1 and "吴芳(op02)" in r.err
    assert r.json()["error"]["kind"] == "conflict" and "吴芳(op02)" in r.json()["error"]["message"]


@pytest.mark.parametrize(("argv", "login", "needle"), [
    (["dispatch"], "op01", "--unit"),
    (["return"], "u-urban", "--reason"),
    (["reject"], "op01", "--reason"),
    (["suspend"], "op01", "--reason"),
    (["reopen"], "op01", "--reason"),
    (["feedback"], "u-urban", "--note"),
    (["extend", "--reason", "r", "--note", "p"], "u-urban", "--until"),
    (["extend", "--reason", "r", "--note", "p", "--days", "1", "--until", "2099-01-05"], "u-urban", "--until"),
    (["extend", "--reason", "r", "--note", "p", "--until", "next week"], "u-urban", "next week"),
    (["verify"], "gw01", "--passed"),
    (["verify", "--failed"], "gw01", "--reason"),
    (["visit"], "op01", "--satisfaction"),
    (["sign", "--unit", "URBAN"], "u-urban", "--unit"),
    (["close", "--days", "2"], "op01", "--days"),
])
async def test_bad_usage_exits_2_before_touching_the_ticket(town: Town, cli, argv: list[str], login: str,
                                                            needle: str) -> None:  # type: ignore[no-untyped-def]
    n = await new_ticket(town)
    r = await cli("ticket", "act", n, *argv, login=login)
    assert r.code == 2 and needle in r.err, r.err
    assert (await views.detail(town.store, town.operator, n)).ticket.version == 1


@pytest.mark.parametrize("argv", [
    ["teleport"],
    ["verify", "--passed", "--failed"],
    ["visit", "--satisfaction", "happy"],
    ["extend", "--days", "two"],
])
async def test_argparse_usage_errors_exit_2(town: Town, cli, argv: list[str]) -> None:  # type: ignore[no-untyped-def]
    n = await new_ticket(town)
    assert (await cli("ticket", "act", n, *argv)).code == 2


async def test_an_unknown_unit_is_bad_input(town: Town, cli) -> None:  # type: ignore[no-untyped-def]
    n = await new_ticket(town)
    r = await cli("ticket", "act", n, "dispatch", "--unit", "NOPE", "--format", "json")
    assert r.code == 2 and r.json()["error"]["key"] == "workflow.unknown_unit"


def test_the_act_command_attaches_to_any_ticket_parser() -> None:
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="command")
    ticket = sub.add_parser("ticket")
    tsub = ticket.add_subparsers(dest="ticket_command")
    tsub.add_parser("show")
    act_cli.register_ticket_actions(tsub)
    act_cli.register(sub)  # a second registration changes nothing
    args = p.parse_args(["ticket", "act", "N-1", "dispatch", "--unit", "URBAN", "--co-unit", "A",
                         "--co-unit", "B", "--version", "3"])
    assert args.handler is act_cli.handle
    assert (args.number, args.action, args.unit, args.co_units, args.expected_version) == \
        ("N-1", "dispatch", "URBAN", ["A", "B"], 3)
    args = p.parse_args(["ticket", "act", "N-1", "verify", "--failed", "--reason", "r"])
    assert args.passed is False
