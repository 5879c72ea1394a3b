"""An instant in a query string: RFC 3339 text with a time zone, nothing else.

pydantic's lax mode would also take a number (``as_of=0.5`` as seconds since 1970) or a time
without a zone; neither is what the OpenAPI ``date-time`` format promises, and a zone-less
instant is ambiguous. Such values are refused with 422 before any use case runs.
"""

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema

_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([Zz]|[+-]\d{2}:\d{2})")


def _rfc3339(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _RFC3339.fullmatch(value):
        raise ValueError("must be a date and time with a time zone, e.g. 2026-03-31T23:59:59Z")
    return value


Instant = Annotated[
    datetime,
    BeforeValidator(_rfc3339),
    WithJsonSchema({"type": "string", "format": "date-time", "examples": ["2026-03-31T23:59:59Z"]}),
]
