"""Finding locations by id or code, for commands and for queries: "absent" is ``NotFound``."""

import contextlib
from uuid import UUID

from application.commands import LocationKey
from application.ports import LocationQueries, UnitOfWork
from application.views import LocationView
from domain.errors import InvalidValue, NotFound
from domain.locations import Location, LocationCode


def _candidates(key: LocationKey) -> list[UUID | LocationCode]:
    """What ``key`` may name, in the order to try: an id, then a code."""
    if isinstance(key, UUID):
        return [key]
    if not isinstance(key, str):
        raise InvalidValue("location", "must be an id or a code")
    found: list[UUID | LocationCode] = []
    with contextlib.suppress(ValueError):
        found.append(UUID(key))
    try:
        found.append(LocationCode.parse(key))
    except InvalidValue:
        if not found:
            raise
    return found


async def load_location(
    uow: UnitOfWork, key: LocationKey, *, for_update: bool = False, for_share: bool = False
) -> Location:
    for candidate in _candidates(key):
        if isinstance(candidate, UUID):
            found = await uow.locations.get(candidate, for_update=for_update, for_share=for_share)
        else:
            found = await uow.locations.get_by_code(
                candidate.value, for_update=for_update, for_share=for_share
            )
        if found is not None:
            return found
    raise NotFound("location", key)


async def find_location(locations: LocationQueries, key: LocationKey) -> LocationView:
    for candidate in _candidates(key):
        if isinstance(candidate, UUID):
            found = await locations.get(candidate)
        else:
            found = await locations.get_by_code(candidate.value)
        if found is not None:
            return found
    raise NotFound("location", key)


async def load_locations_in_order(uow: UnitOfWork, keys: list[LocationKey]) -> list[Location]:
    """Several locations read ``for_share``, locked in id order so that two commands naming
    the same locations the other way round cannot deadlock; returned in the order asked.
    Codes (the CLI's) are resolved to ids first."""
    ids = [key if isinstance(key, UUID) else (await load_location(uow, key)).id for key in keys]
    locked = await uow.locations.get_many(ids, for_share=True)
    for location_id in ids:
        if location_id not in locked:
            raise NotFound("location", location_id)
    return [locked[location_id] for location_id in ids]
