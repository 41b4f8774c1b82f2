"""The CLI for scripts (ticket add/show, tickets list, units/matters list) and the demo commands,
run as a script would: real processes for the interface, in-process `main()` for the details."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from rich.cells import cell_len

from griddesk.console.cli.main import main
from griddesk.store import config, demo
from griddesk.store.context import Store
from tests.fixtures_town import seed

ROOT = Path(__file__).resolve().parents[2]
NUMBER = re.compile(r"^450502005-\d{8}-\d{4}$")
GRID = "450502005001001"  # the town's first community's first grid
BEIHAI = ZoneInfo("Asia/Shanghai")


def ticket(**over: object) -> dict:
    data = {"source": "hotline", "grid": GRID, "matter": "A001", "urgency": "normal",
            "title": "海角路垃圾堆放未清运", "description": "路口垃圾两天未清运", "address": "海角路12号",
            "reporter": {"name": "李明", "phone": "13807790001"}}
    data.update(over)
    return data


async def _build(path: Path) -> None:
    s = await Store.open(str(path), config.Settings())
    try:
        await demo.build(s, tickets=200, days=7)
    finally:
        await s.close()


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "demo.db"
    asyncio.run(_build(path))
    return path


@pytest.fixture
def db(built: Path, tmp_path: Path) -> str:
    path = tmp_path / "demo.db"
    shutil.copy(built, path)
    return str(path)


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "griddesk.console.cli", *args], input=stdin, capture_output=True,
                          text=True, encoding="utf-8", cwd=ROOT, env=os.environ.copy(), timeout=120)


def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str,
        stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode("utf-8")), encoding="utf-8"))
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def count(capsys, monkeypatch, db: str) -> int:  # type: ignore[no-untyped-def]
    code, out, _ = cli(capsys, monkeypatch, "--db", db, "tickets", "list", "--status", "all", "--limit", "0",
                       "--format", "json")
    assert code == 0
    return len(json.loads(out))


# --- ticket add ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_add_one_ticket_prints_its_number_and_show_reads_it(db: str) -> None:
    r = run("--db", db, "ticket", "add", stdin=json.dumps(ticket(), ensure_ascii=False))
    assert r.returncode == 0, r.stderr
    number = r.stdout.strip()
    assert NUMBER.match(number) and r.stdout.count("\n") == 1
    r = run("--db", db, "ticket", "show", number, "--format", "json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert (data["number"], data["status"], data["grid"], data["matter"]) == (number, "pending_dispatch", GRID, "A001")
    assert {"version", "lead_unit", "co_units", "clocks", "timeline"} <= data.keys()
    assert data["clocks"][0]["name"] == "handle" and data["timeline"][0]["action"] == "receive"


def test_json_lines_are_all_or_nothing(capsys, monkeypatch, db: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    before = count(capsys, monkeypatch, db)
    good = "\n".join(json.dumps(ticket(title=f"第{i}件"), ensure_ascii=False) for i in range(3))
    code, out, err = cli(capsys, monkeypatch, "--db", db, "ticket", "add", stdin=good + "\n\n")
    assert code == 0, err
    numbers = out.split()
    assert len(numbers) == 3 and all(NUMBER.match(n) for n in numbers) and len(set(numbers)) == 3
    # line 3 is wrong: nothing of the file is written, and line 3 and the field are named
    lines = [json.dumps(ticket(), ensure_ascii=False), json.dumps(ticket(), ensure_ascii=False),
             json.dumps(ticket(urgency="soon"), ensure_ascii=False), json.dumps(ticket(), ensure_ascii=False)]
    bad = tmp_path / "in.jsonl"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = cli(capsys, monkeypatch, "--db", db, "ticket", "add", str(bad))
    assert code == 2 and out == ""
    assert err.splitlines()[0] == "第 3 行：紧急程度：“soon” 不是可选值（可选：normal | urgent | emergency）"
    assert count(capsys, monkeypatch, db) == before + 3


def test_problems_found_in_the_database_name_their_line_too(capsys, monkeypatch, db: str) -> None:  # type: ignore[no-untyped-def]
    before = count(capsys, monkeypatch, db)
    text = "\n".join([json.dumps(ticket()), "", json.dumps(ticket(grid="450502005999001"))])
    code, out, err = cli(capsys, monkeypatch, "--db", db, "ticket", "add", "-", stdin=text)
    assert code == 2 and out == ""
    assert err.startswith("第 3 行：网格：没有编码为 “450502005999001” 的在用网格")
    assert count(capsys, monkeypatch, db) == before


def test_messages_in_english(capsys, monkeypatch, db: str) -> None:  # type: ignore[no-untyped-def]
    text = json.dumps(ticket()) + "\n" + json.dumps(ticket()) + "\n" + json.dumps(ticket(source="fax"))
    code, _out, err = cli(capsys, monkeypatch, "--lang", "en", "--db", db, "ticket", "add", stdin=text)
    assert code == 2
    first, last = err.splitlines()
    assert first.startswith('line 3: source: "fax" ') and "patrol | hotline" in first
    assert last == "no ticket was registered"
    code, _out, err = cli(capsys, monkeypatch, "--lang", "en", "--db", db, "ticket", "add",
                          stdin='{"source": "hotline",\n "grid": ')
    assert code == 2 and err.startswith("line 1: ") and "JSON" in err


def test_input_of_the_wrong_shape(capsys, monkeypatch, db: str) -> None:  # type: ignore[no-untyped-def]
    for text, message in (("[1, 2]", "第 1 行：应为一个 JSON 对象或每行一个 JSON 对象，而不是 JSON 数组"),
                          ("\n\n", "第 1 行：没有输入内容"),
                          ('"just text"', "第 1 行：应为 JSON 对象"),
                          ('{"a": 1}\n{oops}', "第 1 行：未知字段“a”（请检查拼写；--lenient 时只警告）")):
        code, out, err = cli(capsys, monkeypatch, "--db", db, "ticket", "add", stdin=text)
        assert code == 2 and out == "", text
        assert err.splitlines()[0] == message
    code, _out, err = cli(capsys, monkeypatch, "--db", db, "ticket", "add", stdin='{"a": 1}\n{oops}')
    assert "第 2 行：不是有效的 JSON" in err  # every problem is told at once


def test_a_viewer_is_refused_with_exit_1(capsys, monkeypatch, db: str) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli(capsys, monkeypatch, "--db", db, "--as", "wall", "ticket", "add",
                         stdin=json.dumps(ticket()))
    assert code == 1 and out == "" and "只读账号不能修改数据" in err


# --- tickets list -------------------------------------------------------------------------------


def test_list_as_json_carries_the_stable_keys(capsys, monkeypatch, db: str) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli(capsys, monkeypatch, "--db", db, "tickets", "list", "--status", "all", "--limit", "7",
                       "--format", "json")
    assert code == 0
    rows = json.loads(out)
    assert len(rows) == 7
    for r in rows:
        assert {"number", "status", "grid", "matter", "urgency", "title", "received_at", "due_at"} <= r.keys()
        assert datetime.fromisoformat(r["received_at"]).tzinfo is not None
        assert r["due_at"] is None or datetime.fromisoformat(r["due_at"]).tzinfo is not None


def test_list_filters(capsys, monkeypatch, db: str) -> None:  # type: ignore[no-untyped-def]
    def rows(*args: str) -> list[dict]:
        code, out, err = cli(capsys, monkeypatch, "--db", db, "tickets", "list", "--limit", "0", "--format", "json",
                             *args)
        assert code == 0, err
        return json.loads(out)

    everything = rows("--status", "all")
    assert len(everything) == 200
    assert {r["status"] for r in rows("--status", "closed")} == {"closed"}
    assert {r["status"] for r in rows("--status", "signed", "feedback")} <= {"signed", "feedback"}
    assert all(r["status"] != "closed" for r in rows())  # open ones by default
    now = datetime.now().astimezone()
    late = rows("--overdue")
    assert late and all(datetime.fromisoformat(r["due_at"]) < now for r in late)
    grid = everything[0]["grid"]
    assert {r["grid"] for r in rows("--status", "all", "--grid", grid)} == {grid}
    assert rows("--status", "all", "--urgency", "emergency") == [r for r in everything if r["urgency"] == "emergency"]
    def local_day(r: dict) -> str:
        return datetime.fromisoformat(r["received_at"]).astimezone(BEIHAI).date().isoformat()

    day = sorted(local_day(r) for r in everything)[len(everything) // 2]
    since = rows("--status", "all", "--since", day)
    assert since and sorted(map(local_day, since)) == sorted(d for d in map(local_day, everything) if d >= day)
    until = rows("--status", "all", "--until", day)  # the whole of that day
    assert sorted(map(local_day, until)) == sorted(d for d in map(local_day, everything) if d <= day)
    assert len(rows("--status", "all", "--limit", "0")) == 200
    code, out, _ = cli(capsys, monkeypatch, "--db", db, "tickets", "list", "--status", "all", "--limit", "3",
                       "--format", "json")
    assert len(json.loads(out)) == 3


def test_list_as_csv_parses(capsys, monkeypatch, db: str) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli(capsys, monkeypatch, "--db", db, "tickets", "list", "--status", "all", "--limit", "20",
                       "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 20
    assert {"number", "status", "grid", "matter", "urgency", "title", "received_at", "due_at"} <= rows[0].keys()
    assert all(NUMBER.match(r["number"]) for r in rows)


def test_the_table_lines_up_with_chinese_text(capsys, monkeypatch, db: str) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli(capsys, monkeypatch, "--db", db, "tickets", "list", "--limit", "15")
    assert code == 0
    head, rule, *body = out.splitlines()
    assert head.startswith("编号") and "网格" in head and "剩余时间" in head
    assert len(body) == 15
    _, jout, _ = cli(capsys, monkeypatch, "--db", db, "tickets", "list", "--limit", "15", "--format", "json")
    col = cell_len(head[:head.index("网格")])
    for line, row in zip(body, json.loads(jout), strict=True):
        assert cell_len(line[:line.index(row["grid_name"])]) == col, line
    code, out, _ = cli(capsys, monkeypatch, "--lang", "en", "--db", db, "tickets", "list", "--limit", "3")
    assert out.startswith("Number") and "Time left" in out.splitlines()[0]


def test_usage_errors_exit_2_naming_the_option(capsys, monkeypatch, db: str) -> None:  # type: ignore[no-untyped-def]
    for args, option in ((("--status", "bogus"), "--status"), (("--urgency", "high"), "--urgency"),
                         (("--since", "yesterday"), "--since"), (("--limit", "-1"), "--limit")):
        code, out, err = cli(capsys, monkeypatch, "--db", db, "tickets", "list", *args)
        assert code == 2 and out == "" and f"{option}：" in err


# --- ticket show, units, matters ---------------------------------------------------------------


def test_show_as_text(capsys, monkeypatch, db: str) -> None:  # type: ignore[no-untyped-def]
    _, out, _ = cli(capsys, monkeypatch, "--db", db, "tickets", "list", "--status", "signed", "--limit", "1",
                    "--format", "json")
    number = json.loads(out)[0]["number"]
    code, out, _ = cli(capsys, monkeypatch, "--db", db, "ticket", "show", number)
    assert code == 0
    assert out.startswith(f"工单 {number}  [已签收]")
    assert "时限：" in out and "办理" in out and "处理过程：" in out and "分拨" in out and "签收" in out
    code, out, _ = cli(capsys, monkeypatch, "--lang", "en", "--db", db, "ticket", "show", number)
    assert out.startswith(f"Ticket {number}  [Signed for]") and "Timeline:" in out
    code, out, err = cli(capsys, monkeypatch, "--db", db, "ticket", "show", "450502005-20000101-0001")
    assert code == 1 and "找不到工单" in err
    # the number as a town's screens show it (without the town) names the same ticket
    short = number.split("-", 1)[1]
    code, out, _ = cli(capsys, monkeypatch, "--db", db, "ticket", "show", short)
    assert code == 0 and out.startswith(f"工单 {number}")


def test_units_and_matters_for_scripts(capsys, monkeypatch, db: str) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli(capsys, monkeypatch, "--db", db, "units", "list", "--format", "json")
    assert code == 0
    units = {u["code"]: u for u in json.loads(out)}
    assert units["POLICE"]["name"] == "地角街道派出所" and units["POLICE"]["kind"] == "department"
    assert units["WATER"]["kind"] == "service_unit" and units["CENTRE"]["kind"] == "centre"
    assert {"code", "name", "kind", "area_code", "phone", "covers"} <= units["EDU"].keys()
    code, out, _ = cli(capsys, monkeypatch, "--db", db, "matters", "list", "--format", "json")
    in_force = {m["code"]: m for m in json.loads(out)}
    code, out, _ = cli(capsys, monkeypatch, "--db", db, "matters", "list", "--all", "--format", "json")
    every = {m["code"]: m for m in json.loads(out)}
    assert len(every) == 70 and set(in_force) < set(every)
    assert every["A009"]["withdrawn_on"] == "2026-06-30" and "A009" not in in_force
    a001 = every["A001"]
    assert a001["limit"] == {"value": 4, "unit": "work_hours"} and a001["default_unit"] == "URBAN"
    assert a001["variants"] == {"urgent": {"value": 2, "unit": "work_hours"}}
    assert every["C005"]["escalate"] is True and every["C005"]["variants"]["emergency"]["unit"] == "natural_hours"
    code, out, _ = cli(capsys, monkeypatch, "--db", db, "matters", "list")
    assert out.splitlines()[0].startswith("编码") and "暴露垃圾" in out
    code, out, _ = cli(capsys, monkeypatch, "--db", db, "units", "list")
    assert "地角街道网格化服务管理中心" in out


# --- the demo commands ----------------------------------------------------------------------


@pytest.mark.slow
def test_demo_init_builds_once_and_fresh_rebuilds(tmp_path: Path) -> None:
    path = str(tmp_path / "d.db")
    r = run("--db", path, "demo", "init", "--tickets", "60", "--days", "3")
    assert r.returncode == 0, r.stderr
    assert "地角街道" in r.stdout and "60" in r.stdout
    r = run("--db", path, "demo", "init", "--tickets", "60", "--days", "3")
    assert r.returncode == 1 and "--fresh" in r.stderr
    r = run("--db", path, "--lang", "en", "demo", "init", "--tickets", "30", "--days", "2", "--fresh")
    assert r.returncode == 0, r.stderr
    assert "removed the demo database" in r.stderr
    r = run("--db", path, "tickets", "list", "--status", "all", "--limit", "0", "--format", "json")
    assert len(json.loads(r.stdout)) == 30


def test_demo_init_validates_its_options(capsys, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = str(tmp_path / "d.db")
    for args, text in ((("--tickets", "-1"), "--tickets：“-1” 超出范围，应在 0 到 2,000,000 之间"),
                       (("--tickets", "many"), "--tickets：“many” 不是整数"),
                       (("--days", "0"), "--days：“0” 超出范围"),
                       (("--town", "450502999"), "--town：区划代码中没有镇（街道）“450502999”")):
        code, out, err = cli(capsys, monkeypatch, "--db", path, "demo", "init", *args)
        assert code == 2 and text in err, err
    assert not Path(path).exists() or Path(path).stat().st_size < 200_000  # nothing built


def test_fresh_never_deletes_a_real_database(capsys, monkeypatch, tmp_path: Path,  # type: ignore[no-untyped-def]
                                             machine_admin: Path) -> None:
    path = tmp_path / "real.db"

    async def real() -> None:
        s = await Store.open(str(path), config.Settings())
        await seed(s)
        await s.close()

    asyncio.run(real())
    code, _out, err = cli(capsys, monkeypatch, "--db", str(path), "demo", "init", "--fresh", "--tickets", "10")
    assert code == 1 and "不是演示生成的数据库" in err
    code, out, _ = cli(capsys, monkeypatch, "--db", str(path), "tickets", "list")
    assert code == 0  # still there, still opens
    # and the demo adds no made-up tickets to it
    for args in (("demo", "feed", "--count", "1"), ("demo", "--no-feed")):
        code, out, err = cli(capsys, monkeypatch, "--db", str(path), *args)
        assert code == 1 and "不是演示数据库" in err
    code, out, _ = cli(capsys, monkeypatch, "--db", str(path), "tickets", "list", "--status", "all", "--format", "json")
    assert json.loads(out) == []


def test_demo_feed_adds_tickets_from_its_own_process(db: str) -> None:
    r = run("--db", db, "demo", "feed", "--rate", "50", "--count", "3")
    assert r.returncode == 0, r.stderr
    numbers = r.stdout.split()
    assert len(numbers) == 3 and all(NUMBER.match(n) for n in numbers)
    r = run("--db", db, "ticket", "show", numbers[0], "--format", "json")
    assert json.loads(r.stdout)["timeline"][0]["actor"] == "12345热线接口(feed)"


def test_the_console_refuses_an_empty_database(capsys, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli(capsys, monkeypatch, "--db", str(tmp_path / "empty.db"))
    assert code == 2 and "griddesk init" in err and not (tmp_path / "empty.db").exists()  # a typo makes nothing
    code, out, err = cli(capsys, monkeypatch, "--db", str(tmp_path / "empty.db"), "init")
    assert code == 0 and (tmp_path / "empty.db").exists()
    code, out, err = cli(capsys, monkeypatch, "--db", str(tmp_path / "empty.db"), "init")
    assert code == 1 and "empty.db" in err  # never over an existing one
    code, out, err = cli(capsys, monkeypatch, "--db", str(tmp_path / "empty.db"))
    assert code == 1 and "还没有可登录的账号" in err and "griddesk demo" in err
    code, out, err = cli(capsys, monkeypatch, "--lang", "en", "--db", str(tmp_path / "empty.db"))
    assert code == 1 and "griddesk demo" in err


@pytest.mark.slow
def test_help_texts_are_translated() -> None:
    r = run("--lang", "en", "demo", "init", "--help")
    assert r.returncode == 0 and "tickets of history" in r.stdout
    r = run("ticket", "add", "--help")
    assert r.returncode == 0 and "JSON Lines" in r.stdout and "退出码" in r.stdout
    r = run("tickets", "list", "--help")
    assert "状态分组" in r.stdout
