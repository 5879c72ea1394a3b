"""Where changes come from, for the audit trail (``application.history.OriginSource``)."""

from domain.audit import Channel, Origin

SERVICE = Origin(Channel.SERVICE)


class FixedOrigin:
    """An ``OriginSource`` that always says the same (the default: the service itself)."""

    def __init__(self, origin: Origin = SERVICE) -> None:
        self._origin = origin

    def current(self) -> Origin:
        return self._origin
