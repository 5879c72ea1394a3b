"""Reading If-Match (RFC 9110 §13.1.1): the HTTP syntax here, the version comparison in the
domain (``Item.check_version``)."""

import re

import pytest
from fastapi import HTTPException

from entrypoints.rest.http import IF_MATCH_PATTERN, expected_version


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("*", None),
        (" * ", None),
        ('"3"', 3),
        ('  "3"\t', 3),
        ('"3", "3"', 3),
        ('"3", W/"4"', 3),
        ('"3", "abc"', 3),
        ('"3", "4"', frozenset({3, 4})),
        (', "3",, "4" ,', frozenset({3, 4})),
        ('W/"3"', frozenset()),  # weak: never matches under strong comparison
        ('"abc"', frozenset()),  # a valid tag, but not one of ours
        ('"03"', frozenset()),  # ours are written "3"
        ('"0"', frozenset()),
        ('"1234567890123456789"', frozenset()),  # longer than any version
        ('"a,b"', frozenset()),  # a comma may sit inside a tag
        ('"\xe9"', frozenset()),  # obsolete non-ASCII octets are still a tag
    ],
)
def test_what_an_if_match_asks_for(header: str | None, expected: object) -> None:
    assert expected_version(header) == expected


@pytest.mark.parametrize(
    "header",
    ["", " ", ",", " , ,", "abc", "0000", "3", "'3'", '"3', '3"', 'w/"3"', 'W/ "3"', '"3" "4"',
     '*, "3"', "**", '"3";', '"a"b"', '"\x00"', '"3"\n'],
)  # fmt: skip
def test_a_malformed_if_match_is_a_400(header: str) -> None:
    with pytest.raises(HTTPException) as caught:
        expected_version(header)
    assert caught.value.status_code == 400
    assert caught.value.detail == 'If-Match must be an entity tag such as "3"'


@pytest.mark.parametrize("header", ['"3"', 'W/"x", "3"', "*", ', "1"', '"a,b"'])
def test_the_published_pattern_accepts_what_the_service_accepts(header: str) -> None:
    assert re.fullmatch(IF_MATCH_PATTERN, header)


@pytest.mark.parametrize("header", ["", "abc", '"3" "4"', '*, "3"'])
def test_the_published_pattern_refuses_what_the_service_refuses(header: str) -> None:
    assert not re.fullmatch(IF_MATCH_PATTERN, header)
