"""``q=``: items whose SKU, name or description contains the needle, found through an index.

What matches is decided by one exact predicate, the same on both engines and equal to the
memory store's ``needle.casefold() in text.casefold()``: ``LIKE '%needle%'`` (with ``%``, ``_``
and ``\\`` escaped) over ``lower(sku)``, ``name_key`` and ``description_key``, the text already
case-folded by Python (``mappers.item_to_row``). On its own it reads every row; the indexes of
migration 0002 narrow the candidates first:

* **PostgreSQL**: pg_trgm GIN indexes on exactly those three expressions serve the ``LIKE``
  itself (a BitmapOr of three index scans; PostgreSQL re-checks every candidate row), and the
  planner falls back to reading the table when that is cheaper.
* **SQLite**: the FTS5 trigram table ``items_search`` holds the same three texts. A phrase query
  on it is a substring test on the same text, so ``items.id IN (<item ids of the FTS matches>)``
  keeps every item that can match, and the ``LIKE`` stays as the exact re-check of the rows
  of a page. SQLite's planner cannot tell how many items a phrase matches, so a cheap probe (a
  count inside the FTS index) decides: when the needle is in a large share of the catalogue,
  fetching the candidates one by one costs more than walking the sort index until the page is
  full, and the plain scan is used for the page.

  The **total** is counted inside the FTS index (``SearchPlan.indexed_total``): a phrase of
  three or more characters matches exactly the texts the ``LIKE`` matches (both compare the
  same case-folded text, and the triggers change the index in the transaction that changes the
  item), and counting a tenth of a large catalogue through the rows cost as much as ten pages.
  A search combined with another filter is counted through the rows.

A needle shorter than three characters (after case folding) contains no trigram, so neither
index can narrow it: FTS5 would find nothing at all, so it is not asked, and both engines read
the table as before. Such needles match a large share of any catalogue anyway.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    String,
    bindparam,
    cast,
    column,
    func,
    or_,
    select,
    table,
)

from adapters.sqlalchemy.tables import SQLITE_SEARCH_INDEX, items

#: The shortest needle a trigram index can narrow.
TRIGRAM = 3
#: Fetching one candidate through the index (its id, its row, the re-check) costs about as much
#: as reading ten rows in a scan (measured ≈6 µs against ≈0.6 µs per item for the page and the
#: count together): the index pays off for needles in at most a tenth of the catalogue.
INDEXED_SHARE = 0.1

_fts = table(SQLITE_SEARCH_INDEX, column("rowid"), column(SQLITE_SEARCH_INDEX))
_rowids = table(f"{SQLITE_SEARCH_INDEX}_rowids", column("search_rowid"), column("item_id"))

# Built once; each search binds its pattern and phrase.
_PATTERN = bindparam("search_pattern", type_=String())
_PHRASE = bindparam("search_phrase", type_=String())
_EXACT = or_(
    func.lower(items.c.sku).like(_PATTERN, escape="\\"),
    items.c.name_key.like(_PATTERN, escape="\\"),
    items.c.description_key.like(_PATTERN, escape="\\"),
)
_FTS_MATCHES = _fts.c[SQLITE_SEARCH_INDEX].match(_PHRASE)
_NARROWED = (
    items.c.id.in_(
        select(_rowids.c.item_id).where(
            _rowids.c.search_rowid.in_(select(_fts.c.rowid).where(_FTS_MATCHES))
        )
    )
    & _EXACT
)
#: How many items a phrase matches (counted inside the index, and only up to one more than the
#: share that still pays off), and how many items there are: decides between index and scan.
_TOTAL = select(func.count()).select_from(items).scalar_subquery()
_PROBE = select(
    select(func.count())
    .select_from(
        select(_fts.c.rowid)
        .where(_FTS_MATCHES)
        .limit(cast(_TOTAL * bindparam("indexed_share", type_=Float()), Integer) + 1)
        .subquery()
    )
    .scalar_subquery(),
    _TOTAL,
)
#: The number of items whose texts contain the phrase, counted inside the index.
_INDEXED_TOTAL = select(func.count()).select_from(_fts).where(_FTS_MATCHES)
#: After five runs PostgreSQL may settle on one generic plan for a prepared statement, whatever
#: its parameters; that plan cannot tell ``'%ab%'`` (no trigram: a full index scan, measured
#: 4x slower than reading the table) from ``'%gear 42%'``. With the pattern rendered into the
#: statement (SQLAlchemy quotes it as a literal), each pattern is planned for itself and
#: pg_trgm's estimates choose between the indexes and a sequential scan.
_PLANNED_PATTERN = bindparam("search_pattern", type_=String(), literal_execute=True)
_EXACT_PLANNED = or_(
    func.lower(items.c.sku).like(_PLANNED_PATTERN, escape="\\"),
    items.c.name_key.like(_PLANNED_PATTERN, escape="\\"),
    items.c.description_key.like(_PLANNED_PATTERN, escape="\\"),
)


def like_pattern(needle: str) -> str:
    """``needle`` as a ``LIKE`` substring pattern with ``\\`` as the escape character."""
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def fts_phrase(needle: str) -> str:
    """``needle`` as one FTS5 string: inside double quotes (doubled when in the needle) every
    character is literal text, so ``*``, ``^``, ``:``, ``(``, ``AND``, ``NEAR`` … in what the
    user typed are never query syntax."""
    return '"' + needle.replace('"', '""') + '"'


def _indexed_on_sqlite(needle: str) -> bool:
    # NUL would end the FTS5 string early; the use cases refuse it in searches anyway.
    return len(needle) >= TRIGRAM and "\x00" not in needle


@dataclass(frozen=True)
class SearchPlan:
    where: ColumnElement[bool]
    parameters: dict[str, Any]
    #: Counts the matching items inside the index, when it can (SQLite, a trigram needle).
    indexed_total: Callable[[], Awaitable[int]] | None = None


class Executes(Protocol):
    """What a search needs of a session: to run a statement, and the dialect's name."""

    name: str

    async def execute(self, statement: Any, parameters: Any = None, /) -> Any: ...


async def search_filter(
    session: Executes, search: str, *, indexed_share: float = INDEXED_SHARE
) -> SearchPlan:
    """The ``WHERE`` condition for ``ItemQuery.search`` and its parameters, once the engine
    has what it needs to pick its plan: the probe on SQLite, a plan per pattern on PostgreSQL.

    ``indexed_share`` is the largest share of the catalogue still fetched through the index
    (tests raise it to 1 so that small catalogues take the indexed path)."""
    needle = search.casefold()
    exact = {"search_pattern": like_pattern(needle)}
    if session.name == "postgresql":
        return SearchPlan(_EXACT_PLANNED, exact)
    if not _indexed_on_sqlite(needle):
        return SearchPlan(_EXACT, exact)
    phrase = {"search_phrase": fts_phrase(needle)}
    probe = {**phrase, "indexed_share": indexed_share}
    candidates, total = tuple((await session.execute(_PROBE, probe)).one())
    if candidates > total * indexed_share:

        async def count_in_index() -> int:
            counted: int = (await session.execute(_INDEXED_TOTAL, phrase)).scalar_one()
            return counted

        return SearchPlan(_EXACT, exact, count_in_index)

    async def probed() -> int:  # under the probe's limit: the probe counted them all
        return int(candidates)

    return SearchPlan(_NARROWED, exact | phrase, probed)
