"""Start-up problems of the SQL store, with messages an operator can act on."""


class DatabaseNotReady(Exception):
    """The service cannot use its database; ``str()`` says why and what to do."""


class DatabaseUnreachable(DatabaseNotReady):
    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"cannot reach the database at {url}: {reason}")
        self.url = url


class SchemaNotAtHead(DatabaseNotReady):
    def __init__(self, url: str, current: str | None, head: str) -> None:
        found = "no schema at all" if current is None else f"schema revision {current}"
        super().__init__(
            f"the database at {url} has {found}, but this version of the service needs"
            f" revision {head}: run `inventory db upgrade` (or `make migrate`) first"
        )
        self.current = current
        self.head = head
