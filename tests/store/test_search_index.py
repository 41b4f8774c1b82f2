"""The text index (store/search_index.py, migration 0009): it is there on both backends, kept in
step by its triggers, rebuilt after a paused bulk load; and the indexed queue filter finds exactly
what the plain LIKE finds, for any text (hypothesis, on SQLite and PostgreSQL)."""

from __future__ import annotations

import random
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text, update

from griddesk.store import queue, search, search_index, tickets
from griddesk.store.context import Store
from griddesk.store.models import Grid, Matter, Ticket
from tests.fixtures_town import Town

# what people type and what tickets hold: CJK, both cases of ASCII and of non-ASCII letters
# (SQLite's LIKE folds only ASCII; the trigram index folds all), digits, LIKE's and FTS5's
# special characters, the escape character, quotes, spaces
ALPHABET = ("冠头岭路渔港地角社区垃圾邻里纠纷号楼栋单元张敏李明" "abcXYZ" "ÄäÉéΣσ" "0123456789"
            "%_\"*/\\'-:^()+ {}，。　")


def _random_text(rng: random.Random, low: int = 1, high: int = 24) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(low, high)))


async def _corpus(town: Town) -> list[str]:
    """Thirty tickets, then their text overwritten in place (the update trigger) with random
    strings; one more inserted and deleted (the delete trigger). Returns every searchable value."""
    store, op = town.store, town.operator
    rng = random.Random(13)
    grids, matters = list(town.grids.values()), [town.matters["rubbish"], town.matters["dispute"]]
    news = [tickets.parse(town.ticket(title=f"标题{i}", address=f"海角路{i}号", grid=rng.choice(grids),
                                      matter=rng.choice(matters)))
            for i in range(30)]
    numbers = await tickets.create_many(store, op, news)
    gone = await tickets.create(store, op, tickets.parse(town.ticket(title="将被删除的工单", address="删除路1号")))
    async with store.db.connect(write=True) as conn:
        for i, number in enumerate(numbers):
            await conn.execute(update(Ticket).where(Ticket.number == number).values(
                title=_random_text(rng), address=None if i % 7 == 0 else _random_text(rng),
                external_id=_random_text(rng, 3, 10) if i % 3 == 0 else None,
                reporter_name=_random_text(rng, 2, 3), reporter_phone="".join(rng.choices(string.digits, k=11))))
        for child in ("ticket_clocks", "timeline", "ticket_co_units"):
            await conn.execute(text(f"DELETE FROM {child} WHERE ticket_id = "
                                    "(SELECT id FROM tickets WHERE number = :n)"), {"n": gone})
        await conn.execute(text("DELETE FROM tickets WHERE number = :n"), {"n": gone})
    async with store.db.session() as s:
        rows = (await s.execute(select(Ticket.number, Ticket.title, Ticket.address, Ticket.external_id,
                                       Ticket.reporter_name, Ticket.reporter_phone))).all()
        names = [*(await s.execute(select(Grid.name, Grid.code))).all(),
                 *(await s.execute(select(Matter.name, Matter.code))).all()]
    return [v for r in [*rows, *names] for v in r if v]


def _fold_ascii(value: str) -> str:
    return value.translate(str.maketrans(string.ascii_uppercase, string.ascii_lowercase))


async def _expected(store: Store, value: str) -> set[str]:
    """The filter's meaning, computed in Python: the text anywhere in the number, address, title,
    external number, grid or matter name or code (ASCII case folded on SQLite, as its LIKE does;
    exact on PostgreSQL), or the caller's whole name or phone."""
    sqlite = store.db.backend == "sqlite"

    def holds(hay: str | None) -> bool:
        if not hay:
            return False
        return _fold_ascii(value) in _fold_ascii(hay) if sqlite else value in hay

    async with store.db.session() as s:
        rows = (await s.execute(
            select(Ticket.number, Ticket.address, Ticket.title, Ticket.external_id, Grid.name, Grid.code,
                   Matter.name, Matter.code, Ticket.reporter_name, Ticket.reporter_phone)
            .join(Grid, Grid.id == Ticket.grid_id).outerjoin(Matter, Matter.id == Ticket.matter_id))).all()
    return {r[0] for r in rows if any(holds(c) for c in r[:8]) or value in (r[8], r[9])}


def _queries(corpus: list[str]) -> st.SearchStrategy[str]:
    def piece(data: tuple[str, int, int, bool]) -> str:
        value, start, length, swap = data
        got = value[start % len(value):][:length]
        return got.swapcase() if swap else got

    pieces = st.tuples(st.sampled_from(corpus), st.integers(0, 30), st.integers(1, 8), st.booleans()).map(piece)
    return st.one_of(pieces, st.text(alphabet=ALPHABET, min_size=1, max_size=6), st.sampled_from(corpus))


async def _check_filter(town: Town, corpus: list[str], value: str, scan: bool,
                        monkeypatch: pytest.MonkeyPatch) -> None:
    # `scan`: the index says "too many" and the plain scan answers; the result must not change
    monkeypatch.setattr(search_index, "MAX_CANDIDATES", 0 if scan else 20_000)
    search_index._bounded.clear()
    f = queue.QueueFilter(group="all", text=value)
    want = await _expected(town.store, value.strip()) if value.strip() else None
    rows = await queue.page(town.store, town.operator, f, limit=1000)
    n = await queue.count(town.store, town.operator, f)
    if want is None:  # an empty filter is no filter
        assert n == len(rows)
        return
    assert {r.number for r in rows} == want, value
    assert n == len(want), value


@pytest.fixture
def corpus_holder() -> dict[str, list[str]]:
    return {}


@pytest.mark.backends(pg_examples=40)  # SQLite's FTS5 and PostgreSQL's trigram index; 40 examples on PostgreSQL
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), scan=st.booleans())
async def test_indexed_filter_finds_what_like_finds(town: Town, corpus_holder: dict[str, list[str]],
                                                    monkeypatch: pytest.MonkeyPatch, data: st.DataObject,
                                                    scan: bool) -> None:
    if "c" not in corpus_holder:
        corpus_holder["c"] = await _corpus(town)
    corpus = corpus_holder["c"]
    await _check_filter(town, corpus, data.draw(_queries(corpus)), scan, monkeypatch)


async def test_the_index_is_there_on_both_backends(any_store: Store) -> None:
    async with any_store.db.connect() as conn:
        if any_store.db.backend == "sqlite":
            got = {r[0] for r in (await conn.execute(text(
                "SELECT name FROM sqlite_master WHERE name LIKE 'tickets_fts%' AND type IN ('table', 'trigger')")))}
            assert {search_index.TABLE, *search_index.SQLITE_TRIGGERS} <= got
        else:
            got = {r[0] for r in (await conn.execute(text(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'tickets'")))}
            assert set(search_index.PG_INDEXES) <= got
            ext = (await conn.execute(text("SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'"))).scalar()
            assert ext == 1


async def _fts_numbers(store: Store, value: str) -> set[str]:
    async with store.db.session() as s:
        ids = search_index.matching(value)
        return set((await s.execute(select(Ticket.number).where(Ticket.id.in_(ids)))).scalars())


@pytest.mark.sqlite_only("FTS5's triggers, pause and rebuild; PostgreSQL's GIN indexes keep themselves")
async def test_triggers_keep_the_index_in_step_and_rebuild_restores_it(town: Town) -> None:
    store, op = town.store, town.operator
    a = await tickets.create(store, op, tickets.parse(town.ticket(title="北部湾路井盖缺失", address="北部湾路8号")))
    assert await _fts_numbers(store, "井盖缺失") == {a}
    async with store.db.connect(write=True) as conn:  # a workflow-style write leaves the text alone
        await conn.execute(update(Ticket).where(Ticket.number == a).values(status="dispatched"))
        await conn.execute(update(Ticket).where(Ticket.number == a).values(title="北部湾路路灯不亮"))
    assert await _fts_numbers(store, "井盖缺失") == set()
    assert await _fts_numbers(store, "路灯不亮") == {a}
    async with store.db.connect() as conn:
        assert await search_index.check(conn)

    # a bulk loader pauses the triggers, writes, and rebuilds
    async with store.db.connect(write=True) as conn:
        await search_index.pause(conn)
    b = await tickets.create(store, op, tickets.parse(town.ticket(title="银滩大道积水严重", address="银滩大道1号")))
    assert await _fts_numbers(store, "积水严重") == set()  # not indexed while paused
    async with store.db.connect(write=True) as conn:
        await search_index.rebuild(conn)
    assert await _fts_numbers(store, "积水严重") == {b}
    c = await tickets.create(store, op, tickets.parse(town.ticket(title="银滩大道积水未退", address="银滩大道2号")))
    assert await _fts_numbers(store, "银滩大道") == {b, c}  # the triggers are back
    async with store.db.connect() as conn:
        assert await search_index.check(conn)


def test_fts_query_takes_every_character_literally() -> None:
    assert search_index.fts_query('a"b', ("title",)) == '{title} : "a""b"'
    assert search_index.contains_pattern("5%_/x") == "%5/%/_//x%"
    assert not search_index.indexable("张敏") and search_index.indexable("张小敏")
    # FTS5 cannot take a NUL (hypothesis found "00\x00" in the callers' look-ups): the plain path
    assert not search_index.indexable("00\x00")


async def test_address_search_uses_the_index_and_keeps_its_answer(any_town: Town) -> None:
    store, op = any_town.store, any_town.operator
    a = await tickets.create(store, op, tickets.parse(any_town.ticket(title="t", address="冠头岭路100%号")))
    await tickets.create(store, op, tickets.parse(any_town.ticket(title="t", address="冠头岭路1000号")))
    hits = await search.search(store, op, "冠头岭路100%", kinds=("ticket",))
    assert [h.key for h in hits] == [a]  # a typed % is itself
    hits = await search.search(store, op, "头岭路", kinds=("ticket",))
    assert len(hits) == 2


async def test_the_index_narrows_and_like_decides(any_town: Town) -> None:
    """The trigram index folds the case of every letter, SQLite's LIKE only ASCII's, PostgreSQL's
    none: the index's extra candidates never reach the answer."""
    store, op = any_town.store, any_town.operator
    a = await tickets.create(store, op, tickets.parse(any_town.ticket(title="ÄBC路灯不亮", address="x")))
    b = await tickets.create(store, op, tickets.parse(any_town.ticket(title="abc路灯不亮", address="y")))
    sqlite = store.db.backend == "sqlite"
    if sqlite:
        assert await _fts_numbers(store, "äbc") == {a}  # more than the LIKE finds
    for value, want in (("äbc", set()), ("ÄBC", {a}), ("ABC路", {b} if sqlite else set()), ("abc", {b})):
        for scan in (False, True):
            search_index.MAX_CANDIDATES, kept = (0 if scan else 20_000), search_index.MAX_CANDIDATES
            search_index._bounded.clear()
            try:
                got = {r.number for r in await queue.page(store, op, queue.QueueFilter(text=value))}
            finally:
                search_index.MAX_CANDIDATES = kept
            assert got == want, (value, scan)
