"""Parsing JSON a client sent: bounded in size and nesting, never a server error.

`parse_json(data)` returns the decoded value or raises `JSONInputError` (a `ValueError`, so
callers that already turn `ValueError` into a 400 keep working) when the text is not JSON, is
larger than `max_bytes`, nests arrays/objects deeper than `max_depth`, or holds a NUL character
in a key or a string (PostgreSQL stores neither in text nor jsonb); the error's `path` then
names where (`computeEnv.config.environment[0].value`). Python's decoder
recurses once per level and raises `RecursionError` near 1,000 levels (a 500 where nobody
expects it); that is caught here, and anything deeper than `max_depth` that did decode is refused
too, so no later recursive walk (serializers, rendering, the options) sees a deep value.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 64  # the deepest document of this API nests 5 levels


NUL_MESSAGE = "Null characters are not allowed."


class JSONInputError(ValueError):
    def __init__(self, message: str, path: str | None = None):
        super().__init__(message)
        self.path = path


def _join(path: str, key: Any) -> str:
    return f"{path}[{key}]" if isinstance(key, int) else (f"{path}.{key}" if path else str(key))


def check_tree(value: Any, *, max_depth: int = MAX_DEPTH) -> None:
    """Raises JSONInputError for nesting deeper than `max_depth` or a NUL in a key or a string.
    Iterative (no recursion), linear in the size of the value."""
    stack: list[tuple[Any, int, str]] = [(value, 1, "")]
    while stack:
        item, depth, path = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise JSONInputError(NUL_MESSAGE, path or "non_field_errors")
            continue
        if isinstance(item, dict):
            pairs = item.items()
        elif isinstance(item, list):
            pairs = enumerate(item)
        else:
            continue
        if depth > max_depth:
            raise JSONInputError(f"The JSON document nests deeper than {max_depth} levels.")
        for key, child in pairs:
            if isinstance(key, str) and "\x00" in key:
                raise JSONInputError(NUL_MESSAGE, _join(path, key.replace("\x00", "\\x00")))
            stack.append((child, depth + 1, _join(path, key)))


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
    check_tree(value, max_depth=max_depth)
    return value
