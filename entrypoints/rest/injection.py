"""dependency-injector's ``Provide`` marker, made cheap for FastAPI.

FastAPI calls every ``Depends(...)`` target; the stock marker's ``__call__`` is a plain function,
so FastAPI ran it in its thread pool on every request, once per injected use case — a thread
hop (and a GIL hand-over) only to get the marker back, which ``@inject`` then replaces with the
provided object. Ours is a coroutine, so FastAPI awaits it on the event loop instead.
"""

from typing import TYPE_CHECKING

from dependency_injector import wiring

if TYPE_CHECKING:  # the stubs declare the marker as a protocol-typed variable
    from dependency_injector.wiring import Provide
else:

    class Provide(wiring.Provide):
        async def __call__(self) -> "Provide":
            return self


__all__ = ["Provide"]
