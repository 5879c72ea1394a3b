"""dependency-injector's ``Provide`` marker, made cheap for FastAPI.

FastAPI calls every ``Depends(...)`` target; the stock marker's ``__call__`` is a plain function,
so FastAPI ran it in its thread pool on every request, once per injected use case — a thread
hop (and a GIL hand-over) only to get the marker back, which ``@inject`` then replaces with the
provided object. Ours is a coroutine, so FastAPI awaits it on the event loop instead (where it
still solves one: WebSocket routes); ``leave_to_inject`` takes the markers of HTTP routes out of
FastAPI's hands altogether.
"""

from collections.abc import Iterable
from typing import TYPE_CHECKING, cast

from dependency_injector import wiring
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

if TYPE_CHECKING:  # the stubs declare the marker as a protocol-typed variable
    from dependency_injector.wiring import Provide
else:

    class Provide(wiring.Provide):
        async def __call__(self) -> "Provide":
            return self


__all__ = ["Provide", "leave_to_inject"]

#: The class of ``Provide[...]`` markers (the stubs declare ``Provide`` as a typed value).
_MARKER = cast(type, wiring.Provide)


def leave_to_inject(routes: Iterable[BaseRoute]) -> None:
    """Takes the ``Depends(Provide[...])`` markers out of FastAPI's dependency solving.

    FastAPI solved each as a dependency of its own on every request (its parameters, its cache
    key, a call) only to pass the marker on; ``@inject`` provides the object for a parameter
    that was not passed as well as for one that holds a marker, so it still gets its use case,
    from the container (overrides included), and OpenAPI is the same (a marker has no
    parameters)."""
    for route in routes:
        if isinstance(route, APIRoute):
            dependencies = route.dependant.dependencies
            dependencies[:] = [d for d in dependencies if not isinstance(d.call, _MARKER)]
