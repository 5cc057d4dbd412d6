"""The inputs that make each field's checks work hardest, generated from the field table.

`worst_cases()` yields, for every text-like field of `FIELDS` (str, choice, list, text,
envvars), the documents a client could send to make validation slow: a value at the field's
cap built to drive a backtracking pattern (a valid-looking start, a long run of one repeated
unit, a NUL at the end so every check runs to the last character and still fails), the same
over the cap, and for lists and the environment, the most entries allowed, each at its cap.
Every case names the field path its violation must be reported on. A new field in the table is
covered without touching this module. The test suite asserts each case is refused on its field;
`bench/options.py` times them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .fields import FIELDS, FieldSpec
from .types import ENV_VALUE_MAX_BYTES

# Repeated units: digits after a letter (instance types), separators of paths, ARNs and DNS names.
UNITS = ("1", "a1", "a-", "a/", "a.", "A_", "a ")
OVER_CAP_CHARS = 16_000  # the size of the item that took 6.7 s before the caps


@dataclass(frozen=True)
class WorstCase:
    path: str  # the field
    name: str  # what the case is, for test ids and the benchmark
    document: dict
    expect: str  # the violation must be on this path or inside it (`path[i]`, `path[i].value`)
    chars: int  # size of the field's input, for the benchmark


def _base(spec: FieldSpec) -> dict:
    if spec.manual_only:
        return {"region": "eu-west-1", "workDir": "s3://acme-work/x", "headQueue": "head", "computeQueue": "work"}
    return {"region": "eu-west-1", "workDir": "s3://acme-work/x", "forge": {"maxCpus": 4}}


def _with(spec: FieldSpec, value: Any) -> dict:
    doc = _base(spec)
    (doc["forge"] if spec.forge_only else doc)[spec.key] = value
    return doc


def _prefix(spec: FieldSpec) -> str:
    """A valid-looking start, so a pattern gets past its literal prefix (`s3://`, `arn:aws:iam::`)."""
    return spec.example.split(" ")[0].rstrip(",") if spec.example else ""


def adversarial(spec: FieldSpec, unit: str, length: int, *, tag: str = "") -> str:
    """`length` characters: the field's valid-looking start, `unit` repeated, a NUL at the end."""
    start = _prefix(spec) + tag
    body = (unit * (length // len(unit) + 1))[: max(length - len(start) - 1, 0)]
    return (start + body + "\x00")[:length] if length > len(start) else start[:length]


def _text_at_cap(spec: FieldSpec, unit: str) -> str:
    # Lines of KEY-like text (ecsConfig is parsed per line) filling the cap, then a NUL.
    line = ("A" + unit * 40)[:79] + "\n"
    return (line * (spec.bytes_cap // len(line) + 1))[: spec.bytes_cap - 1] + "\x00"


def worst_cases(units: tuple[str, ...] = UNITS) -> Iterator[WorstCase]:
    for spec in FIELDS:
        if spec.kind in ("str", "choice"):
            for unit in units:
                at = adversarial(spec, unit, spec.length_cap)
                yield WorstCase(spec.path, f"at cap {unit!r}", _with(spec, at), spec.path, len(at))
            over = adversarial(spec, "a1", max(spec.length_cap + 1, OVER_CAP_CHARS))
            yield WorstCase(spec.path, "over cap", _with(spec, over), spec.path, len(over))
        elif spec.kind == "list":
            for unit in units:
                # distinct items (a tag after the start), each at the cap: the most work one list allows
                items = [adversarial(spec, unit, spec.length_cap, tag=f"{i:03d}") for i in range(spec.items_cap)]
                yield WorstCase(spec.path, f"{spec.items_cap} items at cap {unit!r}", _with(spec, items), spec.path,
                                sum(map(len, items)))  # fmt: skip
            over_item = [adversarial(spec, "a1", max(spec.length_cap + 1, OVER_CAP_CHARS))]
            yield WorstCase(spec.path, "item over cap", _with(spec, over_item), spec.path, len(over_item[0]))
            too_many = [f"{_prefix(spec)}{i}" for i in range(spec.items_cap + 1)]
            yield WorstCase(spec.path, "one entry too many", _with(spec, too_many), spec.path, sum(map(len, too_many)))
        elif spec.kind == "text":
            for unit in units:
                text = _text_at_cap(spec, unit)
                yield WorstCase(spec.path, f"at cap {unit!r}", _with(spec, text), spec.path, len(text))
            over = "a" * (spec.bytes_cap + 1)
            yield WorstCase(spec.path, "over cap", _with(spec, over), spec.path, len(over))
        elif spec.kind == "envvars":
            value = ("x" * ENV_VALUE_MAX_BYTES)[:-1] + "\x00"
            env: list[dict[str, Any]] = [
                {"name": "A" * 255 + "!", "value": value, "head": True} for _ in range(spec.items_cap)
            ]
            chars = sum(len(v["name"]) + len(v["value"]) for v in env)
            yield WorstCase(spec.path, f"{spec.items_cap} variables at cap", _with(spec, env), spec.path, chars)
            long_name = [{"name": "A" * OVER_CAP_CHARS, "value": "", "head": True}]
            yield WorstCase(spec.path, "name over cap", _with(spec, long_name), spec.path, OVER_CAP_CHARS)
            over_value = [{"name": "A", "value": "x" * (ENV_VALUE_MAX_BYTES + 1), "head": True}]
            yield WorstCase(spec.path, "value over cap", _with(spec, over_value), spec.path, ENV_VALUE_MAX_BYTES + 1)
            many_vars = [{"name": f"V{i}", "value": "", "head": True} for i in range(spec.items_cap + 1)]
            yield WorstCase(spec.path, "one variable too many", _with(spec, many_vars), spec.path, spec.items_cap + 1)


def reported_on(violations, path: str) -> bool:
    return any(v.field == path or v.field.startswith((path + "[", path + ".")) for v in violations)
