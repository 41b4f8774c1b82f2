"""The one validation layer (store/validation.py) and the intake contract, config checks and
deadline rules that rest on it: real SQLite databases, hypothesis for every way data comes in."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update

from griddesk.store import config, paths, queue, tickets, validation, views, workflow
from griddesk.store.calendar import WorkCalendar
from griddesk.store.errors import Invalid
from griddesk.store.models import Ticket
from griddesk.store.roster.common import checked_text
from tests.fixtures_town import Town

BEIHAI = ZoneInfo("Asia/Shanghai")
CONTROLS = ["\x1b[2J", "\x07", "\x00", "\x7f", "\x9b", "\u202e", "\u2066", "\ud800", "\x1b]0;pwned\x07"]

# --- the checkers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", CONTROLS)
def test_control_characters_are_refused_with_the_field(bad: str) -> None:
    with pytest.raises(Invalid) as e:
        validation.text(f"a{bad}b", "title")
    assert e.value.field == "title" and e.value.key == "validation.control_char"
    message = e.value.message("en")
    assert "title" in message and validation.is_printable(message)


def test_tab_and_newline_only_where_a_field_is_multi_line() -> None:
    assert validation.text("one\n\ttwo", "description", multiline=True) == "one\n\ttwo"
    assert validation.text("one\r\ntwo", "description", multiline=True) == "one\ntwo"
    for value in ("one\ntwo", "one\ttwo"):
        with pytest.raises(Invalid):
            validation.text(value, "title")


@pytest.mark.parametrize(("value", "expected"), [
    ([], "array"), ({}, "object"), (1, "number"), (True, "boolean"),
])
def test_a_wrong_json_type_is_named(value: Any, expected: str) -> None:
    with pytest.raises(Invalid) as e:
        validation.text(value, "title")
    assert e.value.key == "validation.wrong_type" and expected in e.value.message("en")


@pytest.mark.parametrize("value", ["false", "true", 0, 1, "", [], None])
def test_a_boolean_is_a_json_boolean(value: Any) -> None:
    with pytest.raises(Invalid) as e:
        validation.boolean(value, "out_of_list")
    assert e.value.field == "out_of_list"


@pytest.mark.parametrize("value", [
    "0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59-08:00", "1999-12-31T00:00:00+00:00",
    "2100-01-01T00:00:00+08:00", [], {}, 20260302, "2026-03-02T09:00:00", "yesterday",
])
def test_times_outside_the_window_or_of_the_wrong_shape_are_refused(value: Any) -> None:
    with pytest.raises(Invalid) as e:
        validation.moment(value, "received_at")
    assert e.value.field == "received_at"


def test_a_time_at_most_a_day_ahead_is_taken() -> None:
    now = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    assert validation.moment("2026-03-02T20:00:00+08:00", "received_at", now=now) is not None
    with pytest.raises(Invalid) as e:
        validation.moment("2026-03-04T20:00:00+08:00", "received_at", now=now)
    assert e.value.key == "validation.time_in_future"


def test_deep_nesting_is_refused_not_a_recursion_error() -> None:
    for raw in ("[" * 100_000 + "]" * 100_000, '{"a":' * 50 + "1" + "}" * 50):
        with pytest.raises(Invalid) as e:
            validation.load_json(raw)
        assert e.value.key == "validation.too_deep"


def test_numbers_in_range() -> None:
    assert validation.number(0.5, "due_soon_fraction", low=0, high=1, open_low=True, open_high=True) == 0.5
    for bad in (0, 1, 7, -0.1, float("nan"), True, "0.5"):
        with pytest.raises(Invalid):
            validation.number(bad, "due_soon_fraction", low=0, high=1, open_low=True, open_high=True)
    with pytest.raises(Invalid):
        validation.integer(-3, "sign_limit_hours", low=1)


def test_checked_text_delegates_to_the_one_layer() -> None:
    with pytest.raises(Invalid) as e:
        checked_text("网格\x1b[2J", "grid.name")
    assert e.value.key == "validation.control_char" and e.value.field == "grid.name"
    with pytest.raises(Invalid):
        checked_text(["a"], "grid.name")
    assert checked_text("  一网格 ", "grid.name") == "一网格"
    assert checked_text("line one\nline two", "grid.boundary", required=False, max_len=2000) == "line one\nline two"


@settings(deadline=None)
@given(st.text())
def test_printable_leaves_nothing_a_terminal_acts_on(s: str) -> None:
    out = validation.printable(s)
    assert validation.is_printable(out)
    assert "\x1b" not in out and "\n" not in out
    out.encode("utf-8")  # no lone surrogate left
    assert validation.is_printable(validation.printable(s, multiline=True), multiline=True)


@settings(deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
                    max_leaves=10))
def test_json_text_is_exact_and_terminal_safe(value: Any) -> None:
    out = validation.json_text(value)
    assert json.loads(out) == value
    assert validation.is_printable(out, multiline=True)


# --- JSON intake --------------------------------------------------------------------------------

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                    max_leaves=8)
KEYS = st.sampled_from([*tickets.KEYS, "recieved_at", "urgncy", "extra"])


def good() -> dict[str, Any]:
    return {"source": "hotline", "grid": "450502005001001", "matter": "A001", "urgency": "normal",
            "title": "海角路垃圾堆放未清运", "reporter": {"name": "李明", "phone": "13807790001"}}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(KEYS, JSON, max_size=6))
def test_parse_either_accepts_or_names_a_reason(changes: dict[str, Any]) -> None:
    data = {**good(), **changes}
    try:
        new = tickets.parse(data)
    except Invalid as e:
        assert validation.is_printable(e.message("zh")) and validation.is_printable(e.message("en"))
        return
    for text in (new.title, new.description or "", new.address or "", new.reporter_name or "", new.grid):
        assert validation.is_printable(text, multiline=True)
    assert new.received_at is None or new.received_at.year >= 2000


@pytest.mark.parametrize(("change", "field", "key"), [
    ({"recieved_at": "2026-03-02T09:00:00+08:00"}, None, "validation.unknown_key"),
    ({"urgncy": "emergency"}, None, "validation.unknown_key"),
    ({"reporter": {"name": "李明", "mobile": "1"}}, None, "validation.unknown_key"),
    ({"out_of_list": "false"}, "out_of_list", "validation.wrong_type"),
    ({"received_at": []}, "received_at", "validation.wrong_type"),
    ({"received_at": "2030-01-01T00:00:00+08:00"}, "received_at", "validation.time_in_future"),
    ({"received_at": "0001-01-01T00:00:00+08:00"}, "received_at", "validation.time_out_of_window"),
    ({"title": ["a"]}, "title", "validation.wrong_type"),
    ({"grid": {"code": "1"}}, "grid", "validation.wrong_type"),
    ({"title": "\ud800"}, "title", "validation.control_char"),
    ({"external_id": "x" * 65}, "external_id", "error.too_long"),
])
def test_the_intake_contract(change: dict[str, Any], field: str | None, key: str) -> None:
    with pytest.raises(Invalid) as e:
        tickets.parse({**good(), **change})
    assert (e.value.field, e.value.key) == (field, key)
    if key == "validation.unknown_key":
        name = next(iter(change)) if "reporter" not in change else "reporter.mobile"
        assert name in e.value.message("en") and name in e.value.message("zh")


def test_lenient_lists_what_it_ignored() -> None:
    new = tickets.parse({**good(), "priority": 3, "reporter": {"name": "李明", "mobile": "1"}}, lenient=True)
    assert new.ignored == ("priority", "reporter.mobile") and new.urgency == "normal"


async def count(town: Town) -> int:
    async with town.store.db.session() as s:
        return (await s.execute(select(func.count()).select_from(Ticket))).scalar_one()


async def test_external_id_is_stored_shown_searchable_and_unique_per_source(any_town: Town) -> None:
    town = any_town  # SQLite and PostgreSQL: migration 0005 and its unique index on both
    store, op = town.store, town.operator
    first = await tickets.create(store, op, tickets.parse(town.ticket(external_id="BH2026-0042")))
    d = (await views.detail(store, op, first)).json()
    assert (d["external_id"], d["external_source"]) == ("BH2026-0042", "12345")
    with pytest.raises(Invalid) as e:
        await tickets.create(store, op, tickets.parse(town.ticket(external_id="BH2026-0042")))
    assert e.value.field == "external_id" and first in e.value.message("en")
    with pytest.raises(Invalid):  # twice in one batch: nothing of it written
        await tickets.create_many(store, op, [tickets.parse(town.ticket(external_id="X-1"))] * 2)
    assert await count(town) == 1
    # the same number from another system is another ticket
    await tickets.create(store, op, tickets.parse(town.ticket(external_id="BH2026-0042", external_source="i-北海")))
    rows = await queue.page(store, op, queue.QueueFilter(group="all", text="2026-0042"))
    assert len(rows) == 2


async def test_percent_and_underscore_in_the_filter_are_themselves(any_town: Town) -> None:
    town = any_town
    store, op = town.store, town.operator
    await tickets.create(store, op, tickets.parse(town.ticket(title="普通标题")))
    await tickets.create(store, op, tickets.parse(town.ticket(title="100%_满意")))
    for text, n in (("%", 1), ("_", 1), ("100%_", 1), ("%_%", 0)):
        rows = await queue.page(store, op, queue.QueueFilter(group="all", text=text))
        assert len(rows) == n, text


# --- deadlines ------------------------------------------------------------------------------------


async def test_an_emergency_without_its_own_limit_takes_the_urgent_one(town: Town) -> None:
    """A001 has normal 4 working hours and urgent 2, no emergency variant: an emergency gets 2."""
    at = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 Monday in Beihai
    due = {}
    for urgency in ("normal", "urgent", "emergency"):
        number = await tickets.create(town.store, town.operator, tickets.parse(
            town.ticket(urgency=urgency, received_at=at.isoformat())))
        handle = next(c for c in (await views.detail(town.store, town.operator, number)).clocks if c.name == "handle")
        due[urgency] = (handle.limit_value, handle.limit_unit, handle.due_at)
    assert due["normal"][:2] == (4, "work_hours") and due["urgent"][:2] == (2, "work_hours")
    assert due["emergency"] == due["urgent"]
    # B001 has its own emergency variant: kept
    number = await tickets.create(town.store, town.operator, tickets.parse(
        town.ticket(matter=town.matters["dispute"], urgency="emergency", received_at=at.isoformat())))
    handle = next(c for c in (await views.detail(town.store, town.operator, number)).clocks if c.name == "handle")
    assert (handle.limit_value, handle.limit_unit) == (4, "natural_hours")


async def _to_feedback(town: Town, **over: Any) -> str:
    store = town.store
    number = await tickets.create(store, town.operator, tickets.parse(town.ticket(**over)))
    await workflow.dispatch(store, town.operator, number, town.units["urban"])
    await workflow.sign(store, town.actors["u-urban"], number)
    await workflow.feedback(store, town.actors["u-urban"], number, "已清运")
    return number


async def test_a_verification_passed_over_shows_skipped_not_met(town: Town) -> None:
    skipped = await _to_feedback(town)
    await workflow.visit(town.store, town.operator, skipped, "satisfied")
    verify = next(c for c in (await views.detail(town.store, town.operator, skipped)).clocks if c.name == "verify")
    assert verify.state == "skipped"
    closed = await _to_feedback(town, source="patrol", reporter=None)  # nobody to visit
    await workflow.close(town.store, town.operator, closed)
    verify = next(c for c in (await views.detail(town.store, town.operator, closed)).clocks if c.name == "verify")
    assert verify.state == "skipped"
    verified = await _to_feedback(town)
    await workflow.verify(town.store, town.actors["gw01"], verified, True)
    await workflow.visit(town.store, town.operator, verified, "satisfied")
    verify = next(c for c in (await views.detail(town.store, town.operator, verified)).clocks if c.name == "verify")
    assert verify.state == "met"


# README, "Time limits": N working days end at close of business on the N-th working day after the
# day of receipt, and a ticket arriving after 17:30 or on a rest day counts from the next working day
@pytest.mark.parametrize(("received", "days", "due"), [
    ("2026-03-02 10:00", 1, "2026-03-03 17:30"),  # Monday in working hours: Tuesday
    ("2026-03-02 07:00", 1, "2026-03-03 17:30"),  # before opening: still Monday's ticket
    ("2026-03-02 17:29", 3, "2026-03-05 17:30"),
    ("2026-03-02 18:00", 1, "2026-03-04 17:30"),  # after 17:30: counts from Tuesday
    ("2026-03-02 18:00", 3, "2026-03-06 17:30"),
    ("2026-03-06 18:00", 1, "2026-03-10 17:30"),  # Friday evening: counts from Monday
    ("2026-03-07 10:00", 1, "2026-03-10 17:30"),  # Saturday: counts from Monday
    ("2026-09-30 18:00", 1, "2026-10-09 17:30"),  # before National Day: counts from 8 October
])
def test_the_working_day_rule_the_readme_states(received: str, days: int, due: str) -> None:
    cal = WorkCalendar.from_settings(config.Settings())
    start = datetime.fromisoformat(received).replace(tzinfo=BEIHAI)
    assert cal.end_of_workdays(start, days) == datetime.fromisoformat(due).replace(tzinfo=BEIHAI)


# --- config ---------------------------------------------------------------------------------------


def write(text: str) -> Path:
    path = paths.config_file()
    path.write_text(text, encoding="utf-8")
    return path


def test_the_config_file_is_in_griddesk_home(tmp_path: Path) -> None:
    assert paths.config_file() == tmp_path / "home" / "config.toml"
    write('hotline = "96345"\n')
    assert config.load().hotline == "96345"


@pytest.mark.parametrize(("text", "key"), [
    ("bel = false", "bel"),
    ("sign_limt_hours = 4", "sign_limt_hours"),
    ("due_soon_fraction = 7", "due_soon_fraction"),
    ("due_soon_fraction = 0", "due_soon_fraction"),
    ("sign_limit_hours = -3", "sign_limit_hours"),
    ("verify_limit_hours = 0", "verify_limit_hours"),
    ('timezone = "Mars/Olympus"', "timezone"),
    ('timezone = "../../etc/passwd"', "timezone"),
    ('hotline = "123\\u001b[2J"', "hotline"),
])
def test_config_refuses_with_key_and_reason(text: str, key: str) -> None:
    write(text)
    with pytest.raises(Invalid) as e:
        config.load()
    for lang in ("en", "zh"):
        message = e.value.message(lang)
        assert key in message and "\n" not in message and validation.is_printable(message)


CONFIG_VALUES = st.one_of(st.integers(-10, 10**6), st.floats(allow_nan=True), st.booleans(), st.text(max_size=20),
                          st.lists(st.text(max_size=12), max_size=3))


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from([f.name for f in config.fields(config.Settings)] + ["work_hours", "bel"]),
                       CONFIG_VALUES, max_size=4))
def test_any_config_table_gives_settings_or_a_named_refusal(data: dict[str, Any]) -> None:
    try:
        s = config.parse(data)
    except Invalid as e:
        assert validation.is_printable(e.message("en"))
        return
    assert 0 < s.due_soon_fraction < 1 and s.sign_limit_hours > 0 and s.extra == {}


# --- old rows: what the database already holds ----------------------------------------------------


async def test_an_old_row_with_escapes_is_quoted_safely_in_messages(town: Town) -> None:
    number = await tickets.create(town.store, town.operator, tickets.parse(town.ticket()))
    async with town.store.db.session(write=True) as s:
        await s.execute(update(Ticket).where(Ticket.number == number).values(title="\x1b[2J\x1b]0;pwned\x07标题"))
    d = await views.detail(town.store, town.operator, number)
    assert d.ticket.title.startswith("\x1b")  # the data is as stored …
    assert validation.printable(d.ticket.title) == "␛[2J␛]0;pwned␇标题"  # … and shown harmless
    assert datetime.now(UTC) - timedelta(days=1) < d.ticket.received_at
