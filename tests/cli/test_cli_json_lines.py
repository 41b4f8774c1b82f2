"""`griddesk ticket act -` and `ticket add --each`: a batch of JSON lines in one process, one JSON
result line per input line, a refused line writing nothing and not stopping the others.

The property tests throw random lines (valid, not JSON, wrong types, unknown keys, control
characters, huge strings) at the batch and check that no line gets a traceback and that each
line's answer is what the single command would have done: the same lines are run one by one as
single commands on a copy of the same database, and exit codes, statuses, versions and ticket
numbers must agree.
"""

from __future__ import annotations

import io
import itertools
import json
import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from griddesk.console.cli.main import main as cli_entry
from griddesk.store import tickets, workflow
from griddesk.store.action_lines import KEYS
from tests.fixtures_town import Town

pytestmark = pytest.mark.usefixtures("machine_admin")


def run(db: Path, *argv: str, login: str = "op01", stdin: bytes = b"", lang: str = "en") -> tuple[int, str, str]:
    """The whole command line in this process, as a script would call it."""
    import contextlib

    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = cli_entry(["--db", str(db), "--lang", lang, "--as", login, *argv])
            except SystemExit as e:  # argparse's usage errors
                code = int(e.code or 0)
    finally:
        sys.stdin = saved
    return code, out.getvalue(), err.getvalue()


def results(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines()]


def clone(src: Path, dst: Path) -> Path:
    """A consistent copy of a live SQLite file (its WAL included)."""
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    a.close()
    b.close()
    return dst


async def ready(town: Town) -> dict[str, str]:
    """Three tickets: one pending, one dispatched to URBAN, one signed by URBAN."""
    made = {}
    for name in ("pending", "dispatched", "signed"):
        made[name] = await tickets.create(town.store, town.operator, tickets.parse(town.ticket(title=name)))
    for name in ("dispatched", "signed"):
        await workflow.dispatch(town.store, town.operator, made[name], "URBAN")
    await workflow.sign(town.store, town.actors["u-urban"], made["signed"])
    return made


# --- plain cases --------------------------------------------------------------------------------


async def test_act_lines_answer_each_line_and_a_bad_one_stops_nothing(town: Town, db_path: Path) -> None:
    made = await ready(town)
    lines = [
        json.dumps({"number": made["pending"], "action": "dispatch", "unit": "URBAN", "co_units": ["POLICE"]}),
        "",  # blank: skipped, but counted
        "{not json",
        json.dumps({"number": made["dispatched"], "action": "return"}),  # no reason: refused, code 2
        json.dumps({"number": made["signed"], "action": "suspend", "reason": "待答复", "version": 1}),  # stale
        json.dumps({"number": made["signed"], "action": "suspend", "reason": "待答复", "urgncy": 1}),
        json.dumps({"number": made["signed"], "action": "suspend", "reason": "待答复", "version": 3}),
    ]
    code, out, err = await _in_thread(db_path, "ticket", "act", "-", stdin="\n".join(lines).encode())
    assert code == 2, err
    got = results(out)
    assert [r["line"] for r in got] == [1, 3, 4, 5, 6, 7]
    assert got[0]["ok"] and got[0]["status"] == "dispatched" and got[0]["version"] == 2
    assert (got[1]["ok"], got[1]["code"], got[1]["error"]["key"]) == (False, 2, "error.bad_json")
    assert (got[2]["code"], got[2]["error"]["field"]) == (2, "reason")
    assert (got[3]["code"], got[3]["error"]["kind"]) == (1, "conflict")
    assert (got[4]["code"], got[4]["error"]["key"]) == (2, "validation.unknown_key")
    assert got[5]["ok"] and got[5]["status"] == "suspended" and got[5]["number"] == made["signed"]
    # the refused lines wrote nothing: the dispatched ticket is still at version 2
    code, out, _ = await _in_thread(db_path, "ticket", "show", made["dispatched"], "--format", "json")
    assert json.loads(out)["version"] == 2
    code, out, err = await _in_thread(db_path, "ticket", "act", "-", stdin=lines[0].encode())
    assert code == 2  # the same step again: refused now (already dispatched), and any refusal exits 2
    assert results(out)[0]["code"] == 1
    code, out, err = await _in_thread(db_path, "ticket", "act", "-", "sign")
    assert code == 2 and out == ""


async def test_add_each_registers_the_good_lines(town: Town, db_path: Path) -> None:
    good = json.dumps(town.ticket(), ensure_ascii=False)
    lines = [good, json.dumps(town.ticket(urgency="soon")), "[1, 2]", good, b"\xff\xfe".decode("latin-1"),
             json.dumps(town.ticket(title="x" * 500))]
    stdin = "\n".join(lines).encode("utf-8").replace("ÿþ".encode(), b"\xff\xfe")
    code, out, err = await _in_thread(db_path, "ticket", "add", "--each", stdin=stdin)
    assert code == 2, err
    got = results(out)
    assert [r["ok"] for r in got] == [True, False, False, True, False, False]
    assert got[1]["error"]["field"] == "urgency" and got[2]["error"]["key"] == "error.not_object"
    assert got[4]["error"]["key"] == "validation.line_not_utf8" and got[5]["error"]["field"] == "title"
    assert got[0]["number"] != got[3]["number"]
    code, out, _ = await _in_thread(db_path, "ticket", "add", "--each", stdin=(good + "\n").encode(),
                                    login="wall")
    assert code == 2 and results(out)[0]["code"] == 1  # a viewer: refused by the rules
    code, out, _ = await _in_thread(db_path, "ticket", "add", "--each", stdin=(good + "\n" + good).encode())
    assert code == 0 and [r["ok"] for r in results(out)] == [True, True]


async def _in_thread(db: Path, *argv: str, **kw: Any) -> tuple[int, str, str]:
    import asyncio

    return await asyncio.to_thread(run, db, *argv, **kw)


# --- the property: random lines, each answered as the single command would ----------------------

LOGINS = ["op01", "u-urban", "wall"]
HUGE = ["x" * 3000, "长" * 200_000]
TEXTS = st.sampled_from(["理由", "", "  ", "\x1b[2J", "a\tb", "line\nbreak", "\u202e", "-dash", *HUGE])


def _value(key: str) -> st.SearchStrategy[Any]:
    wrong = st.sampled_from([None, 7, 1.5, True, [], {}, "text"])
    good: dict[str, st.SearchStrategy[Any]] = {
        "action": st.sampled_from([*workflow.ACTIONS, "fly"]),
        "unit": st.sampled_from(["URBAN", "POLICE", "NOPE", "A B", ""]),
        "co_units": st.lists(st.sampled_from(["POLICE", "CIVIL", "URBAN", "", "\x07"]), max_size=2),
        "reason": TEXTS, "note": TEXTS,
        "until": st.sampled_from(["2030-01-06", "2026-13-01", "0001-01-01", "9999-12-31T00:00", "soon"]),
        "days": st.sampled_from([1, 2, 0, -1, 10**30]),
        "passed": st.booleans(),
        "satisfaction": st.sampled_from(["satisfied", "basic", "dissatisfied", "meh"]),
        "version": st.sampled_from([1, 2, 3, 0, -1]),
    }
    return st.one_of(good[key], wrong) if key != "action" else st.one_of(good[key], wrong)


def act_objects(numbers: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    number = st.one_of(st.sampled_from(numbers), st.sampled_from(["450502005-20990101-0001", "nope", "\x1b", 5]))
    optional = st.fixed_dictionaries({}, optional={k: _value(k) for k in KEYS if k not in ("number", "action")}
                                     | {"urgncy": st.just(1)})
    return st.builds(lambda n, a, rest: {"number": n, "action": a, **rest}, number, _value("action"), optional)


BROKEN = st.sampled_from(["{", "not json", "[1, 2]", '"text"', '{"number": NaN}', "\x1b{}", "{}" * 3,
                          '{"number": "a", "action": "sign", "number": 5}', "[" * 50 + "]" * 50])


def _argv(obj: Any) -> list[str] | None:
    """The single command for this line, when its options can say it; None when they cannot (the
    line must then be refused as bad input)."""
    if not isinstance(obj, dict) or set(obj) - set(KEYS):
        return None
    number, action = obj.get("number"), obj.get("action")
    if not isinstance(number, str) or number == "-" or not isinstance(action, str):
        return None
    argv = [number, action]
    for key in ("unit", "reason", "note", "until", "satisfaction"):
        if obj.get(key) is not None:
            if not isinstance(obj[key], str):
                return None
            argv.append(f"--{key}={obj[key]}")
    co = obj.get("co_units")
    if co is not None:
        if not isinstance(co, list) or not all(isinstance(c, str) for c in co):
            return None
        argv += [f"--co-unit={c}" for c in co]
    for key, option in (("days", "--days"), ("version", "--version")):
        if obj.get(key) is not None:
            if isinstance(obj[key], bool) or not isinstance(obj[key], int):
                return None
            argv.append(f"{option}={obj[key]}")
    if obj.get("passed") is not None:
        if not isinstance(obj["passed"], bool):
            return None
        argv.append("--passed" if obj["passed"] else "--failed")
    return argv


class Template:
    """The seeded town with three tickets in known states, copied for each example."""

    def __init__(self, path: Path, numbers: dict[str, str]):
        self.path, self.numbers, self.n = path, numbers, itertools.count()

    def copies(self, tmp: Path) -> tuple[Path, Path]:
        k = next(self.n)
        return clone(self.path, tmp / f"batch{k}.db"), clone(self.path, tmp / f"single{k}.db")


@pytest.fixture
async def template(town: Town, db_path: Path) -> Template:
    return Template(db_path, await ready(town))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(data=st.data())
def test_act_lines_match_the_single_command(template: Template, tmp_path: Path, data: st.DataObject) -> None:
    login = data.draw(st.sampled_from(LOGINS))
    numbers = list(template.numbers.values())
    objs = data.draw(st.lists(st.one_of(act_objects(numbers), BROKEN), min_size=1, max_size=4))
    lines = [o if isinstance(o, str) else json.dumps(o, ensure_ascii=data.draw(st.booleans())) for o in objs]
    batch_db, single_db = template.copies(tmp_path)
    code, out, err = run(batch_db, "ticket", "act", "-", login=login, stdin="\n".join(lines).encode())
    assert "Traceback" not in err
    got = results(out)
    assert [r["line"] for r in got] == list(range(1, len(lines) + 1))
    assert code == (0 if all(r["ok"] for r in got) else 2)
    for line, obj, answer in zip(lines, objs, got, strict=True):
        argv = _argv(obj) if not isinstance(obj, str) else _argv(_loads(line))
        if argv is None:
            assert not answer["ok"] and answer["code"] == 2, (line, answer)
            assert answer["error"]["message"]
            continue
        one, out1, err1 = run(single_db, "ticket", "act", *argv, "--format", "json", login=login)
        assert "Traceback" not in err1
        assert (0 if answer["ok"] else answer["code"]) == one, (line, answer, err1)
        if one == 0:
            single = json.loads(out1)
            assert (answer["status"], answer["version"]) == (single["status"], single["version"])


def _loads(line: str) -> Any:
    try:
        return json.loads(line)
    except ValueError:
        return None


def add_objects(town_grid: str) -> st.SearchStrategy[dict[str, Any]]:
    base = {"source": "hotline", "grid": town_grid, "matter": "A001", "title": "路灯不亮"}
    wrong = st.sampled_from([None, 7, True, [], {}, "", "\x1b]0;x\x07", "长" * 5000, "450502005999001"])
    return st.builds(lambda over, drop: {k: v for k, v in (base | over).items() if k not in drop},
                     st.dictionaries(st.sampled_from([*tickets.KEYS, "urgncy"]), wrong, max_size=2),
                     st.sets(st.sampled_from(list(base)), max_size=1))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(data=st.data())
def test_add_lines_match_the_single_command(template: Template, town: Town, tmp_path: Path,
                                            data: st.DataObject) -> None:
    objs = data.draw(st.lists(st.one_of(add_objects(town.grids["comp1"]), BROKEN), min_size=1, max_size=4))
    lines = [o if isinstance(o, str) else json.dumps(o, ensure_ascii=False) for o in objs]
    batch_db, single_db = template.copies(tmp_path)
    code, out, err = run(batch_db, "ticket", "add", "--each", stdin="\n".join(lines).encode())
    assert "Traceback" not in err
    got = results(out)
    assert len(got) == len(lines) and code == (0 if all(r["ok"] for r in got) else 2)
    for k, (line, answer) in enumerate(zip(lines, got, strict=True)):
        src = tmp_path / f"line{k}.json"
        src.write_text(line, encoding="utf-8")
        one, out1, err1 = run(single_db, "ticket", "add", str(src))
        assert "Traceback" not in err1
        assert (0 if answer["ok"] else answer["code"]) == one, (line, answer, err1)
        if one == 0:
            assert answer["number"] == out1.strip()
