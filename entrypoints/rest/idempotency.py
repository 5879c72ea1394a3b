"""``Idempotency-Key`` on POSTs that create things: a retry with the same key and body gets the
first response back without the work being done twice.

The use cases do the work (``application.idempotency``): the key travels in the command, and the
claim, the work and the recorded result share one transaction. Here is only what is HTTP about
it: the header, and ``Idempotent-Replayed: true`` on a replayed response.
"""

from typing import Annotated

from fastapi import Header

REPLAYED_HEADER = "Idempotent-Replayed"

IdempotencyKey = Annotated[
    str | None,
    Header(
        min_length=1,
        max_length=200,
        pattern=r"^[A-Za-z0-9._:-]+$",
        description="Retrying with the same key and body returns the first response.",
    ),
]


def replay_headers(replayed: bool) -> dict[str, str]:
    return {REPLAYED_HEADER: "true"} if replayed else {}
