"""Parsing JSON a client sent: bounded in size and nesting, never a server error.

`parse_json(data)` returns the decoded value or raises `JSONInputError` (a `ValueError`, so
callers that already turn `ValueError` into a 400 keep working) when the text is not JSON, is
larger than `max_bytes`, or nests arrays/objects deeper than `max_depth`. Python's decoder
recurses once per level and raises `RecursionError` near 1,000 levels (a 500 where nobody
expects it); that is caught here, and anything deeper than `max_depth` that did decode is refused
too, so no later recursive walk (serializers, rendering, the options) sees a deep value.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 64  # the deepest document of this API nests 5 levels


class JSONInputError(ValueError):
    pass


def _depth_exceeds(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def parse_json(data: bytes | str, *, max_depth: int = MAX_DEPTH, max_bytes: int | None = None) -> Any:
    if max_bytes is not None and len(data) > max_bytes:
        raise JSONInputError(f"The JSON document is larger than {max_bytes:,} bytes.")
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        value = json.loads(text)
    except RecursionError:
        raise JSONInputError(f"The JSON document nests deeper than {max_depth} levels.") from None
    except UnicodeDecodeError as exc:
        raise JSONInputError(f"The JSON document is not UTF-8: {exc}") from None
    except ValueError as exc:  # JSONDecodeError, and integers longer than Python converts
        raise JSONInputError(f"This is not valid JSON: {exc}") from None
    if _depth_exceeds(value, max_depth):
        raise JSONInputError(f"The JSON document nests deeper than {max_depth} levels.")
    return value
