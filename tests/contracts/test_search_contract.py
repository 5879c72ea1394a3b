"""``q=`` search, the same on memory, SQLite and PostgreSQL: a case-folded substring of the SKU,
name or description (Python's ``casefold``), whatever the characters, and whichever way the
items were written. The SQL stores answer through their indexes (FTS5 trigram on SQLite,
pg_trgm on PostgreSQL) and must agree with the brute-force definition below."""

from collections.abc import Sequence

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.ports import ItemQuery, ItemSort
from domain.errors import AlreadyExists
from domain.items import Item, ItemDetails
from tests.contracts.conftest import Backend, sql_backend
from tests.contracts.test_repository_contract import ACTOR, T0, add_items, make_item

CORPUS = [
    ("GEAR-01", "Spur gear", "Steel, 20 teeth"),
    ("BOLT-M6", "Bolt M6", "Zinc plated; 100% steel"),
    ("SNAKE_1", "Snake case part", None),
    ("PATH-1", "Back\\slash holder", "C:\\temp\\parts"),
    ("STR-1", "Straße sign", "Road sign"),
    ("IST-1", "İstanbul map", "Dotted capital"),
    ("DOT-1", "Dotless \N{LATIN SMALL LETTER DOTLESS I} key", "Turkish"),
    ("FTS-1", 'Quote "special" item', "a*b (c) d:e ^f"),
    ("OPS-1", "AND OR NOT", "NEAR(x y) operators"),
    ("EMO-1", "Smile 😀 box", "日本語の説明"),
    ("SIGMA-1", "ΣΊΣΥΦΟΣ", None),
]


def matches(item: Item, needle: str) -> bool:
    """The definition of a match, written out by brute force."""
    folded = needle.casefold()
    texts = (item.sku.value, item.name, item.description or "")
    return any(folded in text.casefold() for text in texts)


@pytest.fixture(params=[1.0, 0.0], ids=["narrowed", "scanned"])
def indexed_share(request: pytest.FixtureRequest) -> float:
    share: float = request.param
    return share


@pytest.fixture
def backend(backend: Backend, indexed_share: float) -> Backend:
    """SQLite either asks its index for the candidates of every needle it can narrow, however
    many items match (small test catalogues would otherwise always be scanned), or scans for
    every page; its totals are counted inside the index either way. (When SQLite picks which
    is ``tests/integration/test_sql_search.py``'s.)"""
    if backend.database is None:
        if indexed_share == 0.0:
            pytest.skip("the memory store has a single way to search")
        return backend
    return sql_backend(backend.name, backend.database, indexed_share=indexed_share)


async def add_corpus(backend: Backend) -> list[Item]:
    corpus = [make_item(sku, name=name, description=text) for sku, name, text in CORPUS]
    await add_items(backend, *corpus)
    return corpus


async def found(backend: Backend, needle: str, **query: object) -> tuple[list[str], int]:
    options: dict[str, object] = {"sort": ItemSort.SKU, "limit": 100, **query}
    async with backend.queries() as session:
        page = await session.items.list(ItemQuery(search=needle, **options))  # type: ignore[arg-type]
    return [item.sku.value for item in page.items], page.total


@pytest.mark.parametrize(
    ("needle", "skus"),
    [
        ("g", ["GEAR-01", "SIGMA-1", "STR-1"]),
        ("ge", ["GEAR-01"]),
        ("gear", ["GEAR-01"]),
        ("GEAR", ["GEAR-01"]),
        ("bolt-m", ["BOLT-M6"]),  # the SKU only
        ("teeth", ["GEAR-01"]),  # the description only
        ("STRASSE", ["STR-1"]),  # ß folds to ss
        ("straße", ["STR-1"]),
        ("İSTANBUL", ["IST-1"]),  # İ folds to i + combining dot above
        ("istanbul", []),
        ("\N{LATIN SMALL LETTER DOTLESS I} key", ["DOT-1"]),  # a letter of its own
        ("I KEY", []),
        ("\N{GREEK SMALL LETTER SIGMA}ίσυφος", ["SIGMA-1"]),  # final sigma folds to sigma
        ("%", ["BOLT-M6"]),  # LIKE wildcards are literal text
        ("100%", ["BOLT-M6"]),
        ("0% s", ["BOLT-M6"]),
        ("_", ["SNAKE_1"]),
        ("e_1", ["SNAKE_1"]),
        ("\\", ["PATH-1"]),
        ("k\\s", ["PATH-1"]),
        ("c:\\t", ["PATH-1"]),
        ('"', ["FTS-1"]),  # FTS5 query syntax is literal text
        ('"special"', ["FTS-1"]),
        ('e "s', ["FTS-1"]),
        ("a*b", ["FTS-1"]),
        ("b (c", ["FTS-1"]),
        ("(c)", ["FTS-1"]),
        ("d:e", ["FTS-1"]),
        ("^f", ["FTS-1"]),
        ("e ^f", ["FTS-1"]),
        ("and", ["OPS-1"]),
        ("OR NOT", ["OPS-1"]),
        ("near(", ["OPS-1"]),
        ("😀 b", ["EMO-1"]),
        ("日本語", ["EMO-1"]),
        ("zzz", []),
    ],
)
async def test_search_folds_case_and_takes_every_character_literally(
    backend: Backend, needle: str, skus: list[str]
) -> None:
    corpus = await add_corpus(backend)
    assert sorted(item.sku.value for item in corpus if matches(item, needle)) == skus
    assert await found(backend, needle) == (skus, len(skus))


async def test_every_short_and_long_needle_agrees_with_brute_force(backend: Backend) -> None:
    corpus = await add_corpus(backend)
    needles = {
        variant
        for _, name, text in CORPUS
        for source in (name, text or "")
        for size in (1, 2, 3, 5)
        for start in range(0, max(1, len(source) - size + 1), 3)
        for variant in (source[start : start + size], source[start : start + size].upper())
        if variant.strip()
    }
    for needle in sorted(needles):
        expected = sorted(item.sku.value for item in corpus if matches(item, needle))
        assert await found(backend, needle) == (expected, len(expected)), needle


async def test_search_with_sort_offset_and_limit_pages_like_the_whole_result(
    backend: Backend,
) -> None:
    batch = [make_item(f"P-{n:02}", name=f"Part {n % 4}", quantity=n) for n in range(12)]
    batch += [make_item(f"X-{n}", name=f"Other {n}") for n in range(30)]
    await add_items(backend, *batch)
    everything, total = await found(backend, "part", sort=ItemSort.QUANTITY_DESC)
    assert total == 12
    assert everything == [f"P-{n:02}" for n in reversed(range(12))]
    for offset, limit in ((0, 5), (5, 5), (10, 5), (12, 5)):
        page = await found(backend, "PART", sort=ItemSort.QUANTITY_DESC, offset=offset, limit=limit)
        assert page == (everything[offset : offset + limit], 12)
    by_name, _ = await found(backend, "art 3", sort=ItemSort.NAME_DESC)
    equal_names = sorted((i for i in batch if i.name == "Part 3"), key=lambda i: str(i.id))
    assert by_name == [i.sku.value for i in reversed(equal_names)]  # ties: by id


async def test_search_follows_renames_deletes_and_bulk_writes(backend: Backend) -> None:
    gear, bolt = make_item("G-1", name="Spur gear"), make_item("B-1", name="Hex bolt")
    await add_items(backend, gear, bolt)
    async with backend.uow() as uow:
        loaded = await uow.items.get(gear.id, for_update=True)
        assert loaded is not None
        loaded.update(
            ItemDetails.parse(sku="G-2", name="Bevel cog", unit_price="1", description="teeth"),
            at=T0,
            by=ACTOR,
        )
        await uow.items.save(loaded)
        await uow.items.add_many([make_item(f"N-{n}", name=f"New sprocket {n}") for n in range(3)])
        await uow.commit()
    assert await found(backend, "spur gear") == ([], 0)
    assert await found(backend, "g-1") == ([], 0)
    assert await found(backend, "bevel cog") == (["G-2"], 1)
    assert await found(backend, "g-2") == (["G-2"], 1)
    assert await found(backend, "teeth") == (["G-2"], 1)
    assert await found(backend, "sprocket") == (["N-0", "N-1", "N-2"], 3)

    async with backend.uow() as uow:
        renamed = await uow.items.get_many_by_sku(["N-0", "N-1"], for_update=True)
        for sku, item in renamed.items():
            item.update(
                ItemDetails.parse(sku=sku, name="Chain link", unit_price="1"), at=T0, by=ACTOR
            )
        await uow.items.save_many(list(renamed.values()))
        doomed = await uow.items.get(bolt.id, for_update=True)
        assert doomed is not None
        await uow.items.delete(doomed)
        await uow.commit()
    assert await found(backend, "sprocket") == (["N-2"], 1)
    assert await found(backend, "chain link") == (["N-0", "N-1"], 2)
    assert await found(backend, "hex bolt") == ([], 0)


async def test_stock_changes_keep_the_item_findable(backend: Backend) -> None:
    item = make_item("S-1", name="Spur gear", quantity=5)
    await add_items(backend, item)
    async with backend.uow() as uow:
        loaded = await uow.items.get(item.id, for_update=True)
        assert loaded is not None
        loaded.adjust(-2, "sold", at=T0, by=ACTOR)
        await uow.items.save(loaded)
        await uow.commit()
    assert await found(backend, "spur") == (["S-1"], 1)


async def test_a_refused_bulk_add_leaves_nothing_findable(backend: Backend) -> None:
    await add_items(backend, make_item("A-1", name="Taken"))
    async with backend.uow() as uow:
        with pytest.raises(AlreadyExists):
            await uow.items.add_many([make_item("B-1", name="Lost widget"), make_item("A-1")])
        await uow.items.add(make_item("C-1", name="Kept widget"))
        await uow.commit()
    assert await found(backend, "widget") == (["C-1"], 1)


# -- property: any catalogue, any needle ---------------------------------------------------------
ALPHABET = st.sampled_from(list('aAbBgGeErRsSiIkK 0-_%\\"*():^.,ßẞİıΣσςﬁ\u0307😀日\t'))
texts = st.text(ALPHABET, min_size=1, max_size=12).filter(lambda t: t.strip() == t)
skus = st.text(st.sampled_from(list("ABGKRS019-_.")), min_size=1, max_size=8)
catalogues = st.lists(
    st.tuples(skus, texts, st.none() | texts), min_size=1, max_size=8, unique_by=lambda r: r[0]
)


def needles_for(catalogue: Sequence[tuple[str, str, str | None]]) -> st.SearchStrategy[str]:
    """Needles cut from the catalogue's own texts (so that some match), in other cases, or
    made up from the same characters."""
    sources = [text for row in catalogue for text in row if text]

    @st.composite
    def cut(draw: st.DrawFn) -> str:
        source = draw(st.sampled_from(sources))
        start = draw(st.integers(0, len(source) - 1))
        piece = source[start : start + draw(st.integers(1, 6))]
        return draw(st.sampled_from([piece, piece.upper(), piece.lower(), piece.casefold()]))

    return cut() | st.text(ALPHABET, min_size=1, max_size=5)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
async def test_search_equals_the_brute_force_filter(backend: Backend, data: st.DataObject) -> None:
    catalogue = data.draw(catalogues)
    needles = data.draw(st.lists(needles_for(catalogue), min_size=1, max_size=6))
    async with backend.queries() as session:
        stale = [view.id for view in (await session.items.list(ItemQuery(limit=100))).items]
    async with backend.uow() as uow:
        for item_id in stale:
            old = await uow.items.get(item_id)
            assert old is not None
            await uow.items.delete(old)
        corpus = [make_item(sku, name=name, description=text) for sku, name, text in catalogue]
        await uow.items.add_many(corpus)
        await uow.commit()
    for needle in needles:
        expected = sorted(item.sku.value for item in corpus if matches(item, needle))
        assert await found(backend, needle) == (expected, len(expected)), needle


@pytest.mark.parametrize("needle", ["'", "n's", "''", "\\'", "\\\\", "' or '1'='1", "%'"])
async def test_quotes_and_backslashes_are_text(backend: Backend, needle: str) -> None:
    """PostgreSQL renders the pattern into the statement (a plan per pattern): it must stay text."""
    corpus = [
        make_item("Q-1", name="O'Brien's gear", description="it's 100%' sure"),
        make_item("Q-2", name="Back\\'slash", description="two \\\\ and '' quotes"),
        make_item("Q-3", name="Plain", description=None),
    ]
    await add_items(backend, *corpus)
    skus = sorted(item.sku.value for item in corpus if matches(item, needle))
    assert await found(backend, needle) == (skus, len(skus))
