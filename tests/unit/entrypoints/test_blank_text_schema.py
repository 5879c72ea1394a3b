"""The published schema and the domain agree on which text is blank (issue 12: names made of
invisible format characters count as empty, like whitespace)."""

import re
import sys
import unicodedata

from domain.values import is_blank
from entrypoints.rest.fields import FORMAT_CHARACTER_RANGES
from entrypoints.rest.fields import NOT_BLANK as _NOT_BLANK


def test_the_schema_lists_exactly_the_format_characters_of_this_python() -> None:
    listed = {code for low, high in FORMAT_CHARACTER_RANGES for code in range(low, high + 1)}
    actual = {code for code in range(sys.maxunicode + 1) if unicodedata.category(chr(code)) == "Cf"}
    assert listed == actual, f"Unicode {unicodedata.unidata_version}: update the ranges"


def test_the_name_pattern_refuses_exactly_what_the_domain_counts_as_blank() -> None:
    pattern = re.compile(_NOT_BLANK)
    blank = [chr(c) for c in range(1, sys.maxunicode + 1) if chr(c).isspace()]
    blank += [chr(c) for low, high in FORMAT_CHARACTER_RANGES for c in range(low, high + 1)]
    # Each range's neighbours (and ordinary text) show something.
    edges = {c for low, high in FORMAT_CHARACTER_RANGES for c in (low - 1, high + 1)}
    visible = [chr(c) for c in sorted(edges) if not is_blank(chr(c))] + [
        "A",
        "\u00e9",
        "\U0001f600",
    ]
    for char in blank:
        assert is_blank(char), hex(ord(char))
        assert pattern.fullmatch(char) is None, hex(ord(char))
    for char in visible:
        assert pattern.fullmatch(char), hex(ord(char))
    assert pattern.fullmatch("\u200bA\u200b")
    assert not pattern.fullmatch(" \u200b\u2060\ufeff\t")
