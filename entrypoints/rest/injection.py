"""dependency-injector's ``Provide`` marker, made cheap for FastAPI.

FastAPI calls every ``Depends(...)`` target; the stock marker's ``__call__`` is a plain function,
so FastAPI ran it in its thread pool on every request, once per injected use case — a thread
hop (and a GIL hand-over) only to get the marker back, which ``@inject`` then replaces with the
provided object. Ours is a coroutine, so FastAPI awaits it on the event loop instead.
"""

from typing import Self

from dependency_injector import wiring


class Provide(wiring.Provide):
    async def __call__(self) -> Self:  # type: ignore[override]
        return self


__all__ = ["Provide"]
