"""Old rows holding terminal escapes (stored before intake refused them) on the console, under
Pilot: the queue, the filter, the ticket screen and search show them harmless, never as markup,
and the terminal output Textual writes holds no control character from them."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.segment import Segment
from sqlalchemy import func, select, update
from textual.strip import Strip

from griddesk.console.screens.ticket import TicketScreen
from griddesk.console.widgets.form import parse_date, parse_int
from griddesk.console.widgets.plain import guard_strips
from griddesk.store import roster, validation
from griddesk.store.enums import PersonRole
from griddesk.store.errors import Invalid
from griddesk.store.models import Person, Ticket
from griddesk.store.roster import PersonSpec
from tests.console.pilot import add, app_for, numbers, until
from tests.fixtures_town import Town

EVIL = "\x1b[2J\x1b]0;pwned\x07\u202e清运[/]\x9b"


def screen_text(app) -> str:  # type: ignore[no-untyped-def]
    """Every character the screen holds now, line by line (what the compositor would draw)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text for strip in strips)


async def spoil(town: Town, number: str, **values: str) -> None:
    async with town.store.db.session(write=True) as s:
        await s.execute(update(Ticket).where(Ticket.number == number).values(**values))


async def test_a_title_of_escapes_in_the_queue_and_the_ticket(town: Town) -> None:
    number = await add(town)
    await spoil(town, number, title=EVIL, address="海角路\x1b[5m12号", description="第一行\n\x1b[31m第二行")
    app = app_for(town)
    async with app.run_test(size=(160, 30)) as pilot:
        await until(pilot, lambda: numbers(app) == [number])
        await until(pilot, lambda: "␛[2J" in screen_text(app))
        text = screen_text(app)
        assert validation.is_printable(text, multiline=True), repr(text)
        assert "␛[2J" in text
        # the filter finds it by its visible words and still shows it harmless
        await pilot.press("slash", *"清运", "enter")
        await until(pilot, lambda: numbers(app) == [number])
        assert validation.is_printable(screen_text(app), multiline=True)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, TicketScreen) and "第二行" in screen_text(app))
        text = screen_text(app)
        assert validation.is_printable(text, multiline=True), repr(text)
        assert "[/]" in text  # shown as typed, not read as markup


async def test_a_name_of_escapes_in_search(town: Town) -> None:
    async with town.store.db.session(write=True) as s:
        await s.execute(update(Person).where(Person.id == 2).values(name="陈丽\x1b[2J"))
    app = app_for(town)
    async with app.run_test(size=(160, 30)) as pilot:
        await until(pilot, lambda: app.screen.__class__.__name__ == "QueueScreen")
        await pilot.press("f9")
        await until(pilot, lambda: app.screen.__class__.__name__ == "SearchScreen")
        await pilot.press(*"陈丽")
        # the box and the header's "where" show what was typed at once: wait for the hit's row
        # (its name shown either way, so an unsanitised escape fails the assertion, not the wait)
        await until(pilot, lambda: "陈丽␛" in screen_text(app) or "陈丽\x1b" in screen_text(app))
        text = screen_text(app)
        assert validation.is_printable(text, multiline=True) and "陈丽␛[2J" in text


def test_the_guard_under_every_widget() -> None:
    """What a widget forgot is still made harmless where Textual turns a line into terminal output."""
    guard_strips()
    console = Console(color_system="truecolor", force_terminal=True)
    out = Strip([Segment("标题\x1b[2J\x07"), Segment("ok")]).render(console)
    assert "\x1b[2J" not in out and "\x07" not in out and "␛[2J␇" in out


# --- forms: what is typed into a form goes through the one validation layer ----------------------

TYPED = st.one_of(st.text(max_size=40),
                  st.builds(lambda a, b: a + b, st.text(max_size=10),
                            st.sampled_from(["\x1b[2J", "\x07", "\x00", "\u202e", "\ud800", "\x9b", "\n", "\t"])))


@settings(max_examples=200, deadline=None)
@given(typed=TYPED)
def test_form_parsers_give_a_value_or_a_message_for_the_field(typed: str) -> None:
    for parse, fld in ((parse_int, "grid.households"), (parse_date, "person.trained_on")):
        try:
            parse(typed, fld)
        except Invalid as e:
            assert e.field == fld and validation.is_printable(e.message("zh"))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=TYPED, phone=st.one_of(st.none(), TYPED))
async def test_the_person_form_writes_whole_or_names_the_field(town: Town, name: str, phone: str | None) -> None:
    async with town.store.db.session() as s:
        before = (await s.execute(select(func.count()).select_from(Person))).scalar_one()
    try:
        await roster.create_person(town.store, town.operator, PersonSpec(name, PersonRole.FULL_TIME, phone=phone))
    except Invalid as e:
        assert e.field in ("person.name", "person.phone") and validation.is_printable(e.message("en"))
        async with town.store.db.session() as s:
            assert (await s.execute(select(func.count()).select_from(Person))).scalar_one() == before
        return
    assert validation.is_printable(name.strip()) and name.strip()
