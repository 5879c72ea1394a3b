"""Changes made through the REST API are audited with the request's ``X-Request-ID``."""

from domain.audit import Channel, Origin
from entrypoints.observability.request_context import request_id


class RequestOrigin:
    """An ``OriginSource``: the id of the request being served, which the request context
    middleware keeps for the task serving it (and the tasks it starts)."""

    def current(self) -> Origin:
        return Origin(Channel.REST, request_id.get())
