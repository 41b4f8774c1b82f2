"""The CLI in Chinese has no English of argparse's own ("usage:", "options:", its errors), and
`ticket show` says what each step decided (satisfaction, verification, new deadline, staged
progress, reasons), in Chinese and in English."""

from __future__ import annotations

import re

import pytest

from griddesk.store import tickets, workflow
from tests.fixtures_town import Town

URBAN = "海城区综合行政执法局地角中队"  # the unit's name, not its code, in the timeline
ARGPARSE_EN = re.compile(r"usage:|options:|positional arguments|show this help message|error:|invalid choice|"
                         r"unrecognized arguments|the following arguments are required|expected one argument")


@pytest.mark.parametrize("argv", [("--help",), ("tickets", "list", "--help"), ("ticket", "show", "--help")])
async def test_help_in_chinese_has_no_argparse_english(town: Town, cli, argv: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    r = await cli(*argv)
    assert r.code == 0
    assert "用法：" in r.out and "选项" in r.out and "显示本帮助并退出" in r.out
    assert not ARGPARSE_EN.search(r.out), r.out


@pytest.mark.parametrize(("argv", "said"), [
    (("tickets", "list", "--format", "xx"), "无效的选择"),
    (("tickets", "list", "--bogus"), "无法识别的参数"),
    (("ticket", "show"), "缺少必需的参数"),
    (("tickets", "list", "--grid"), "需要一个值"),
])
async def test_usage_errors_in_chinese(town: Town, cli, argv: tuple[str, ...], said: str) -> None:  # type: ignore[no-untyped-def]
    r = await cli(*argv)
    assert r.code == 2
    assert said in r.err and "错误：" in r.err and "用法：" in r.err
    assert not ARGPARSE_EN.search(r.err), r.err
    assert "Traceback" not in r.err


async def test_usage_error_in_english_stays_english(town: Town, cli) -> None:  # type: ignore[no-untyped-def]
    r = await cli("tickets", "list", "--format", "xx", lang="en")
    assert r.code == 2 and "usage:" in r.err and "error: argument --format: invalid choice" in r.err


async def _decided(town: Town) -> str:
    n = await tickets.create(town.store, town.operator, tickets.parse(town.ticket()))
    op, unit = town.operator, town.actors["u-urban"]
    await workflow.dispatch(town.store, op, n, "URBAN")
    await workflow.request_return(town.store, unit, n, "不属本单位职责")
    await workflow.reject(town.store, op, n, "属执法中队职责范围")
    await workflow.sign(town.store, unit, n)
    await workflow.request_extension(town.store, unit, n, "需协调产权单位", "已清运一半", days=2)
    await workflow.approve(town.store, op, n)
    await workflow.feedback(town.store, unit, n, "已全部清运")
    await workflow.verify(town.store, town.actors["gw01"], n, True)
    await workflow.visit(town.store, op, n, "satisfied")
    return n


async def test_ticket_show_says_the_decisions_in_chinese(town: Town, cli) -> None:  # type: ignore[no-untyped-def]
    n = await _decided(town)
    r = await cli("ticket", "show", n)
    assert r.code == 0, r.err
    for said in (f"主办单位：{URBAN}", f"申请退回，承办单位：{URBAN}", "理由：不属本单位职责", "不同意退回",
                 "理由：属执法中队职责范围", "申请延期至", "（2 天）", "阶段性工作情况：已清运一半",
                 "同意延期，新办结时限", "核实结果：通过", "回访满意度：满意", "已全部清运"):
        assert said in r.out, said
    assert "派单" not in r.out


async def test_ticket_show_says_the_decisions_in_english(town: Town, cli) -> None:  # type: ignore[no-untyped-def]
    n = await _decided(town)
    r = await cli("ticket", "show", n, lang="en")
    assert r.code == 0, r.err
    for said in (f"Lead unit: {URBAN}", "Return refused", "Reason: 不属本单位职责", "Extension asked until",
                 "(2 days)", "Staged progress: 已清运一半", "Extension approved; new deadline",
                 "Verification: passed", "Return visit: Satisfied"):
        assert said in r.out, said
