"""Changes made through the CLI are audited with the id of the command's invocation."""

from uuid import uuid4

from domain.audit import Channel, Origin


class InvocationOrigin:
    """An ``OriginSource``: one id per CLI invocation, so the records of one command (an
    import of many rows) can be told apart from those of the next."""

    def __init__(self) -> None:
        self._origin = Origin(Channel.CLI, f"cli-{uuid4()}")

    def current(self) -> Origin:
        return self._origin
