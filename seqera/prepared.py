"""Reads whose shape never changes, compiled by the ORM once per database and run with new values.

For the hot path of every request (the workspace and the caller's role in it), where building and
compiling the ORM expression costs several times more than running the statement (measured: 9 ms
to compile, 1.4 ms to run, on PostgreSQL).
"""

from __future__ import annotations

import inspect
import itertools
import json
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

import orjson
from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.db.models import JSONField, Model, QuerySet
from django.db.models.base import ModelState
from django.db.models.fields.json import KeyTransform
from django.db.models.fields.related_descriptors import (
    ForeignKeyDeferredAttribute,
    ManyToManyDescriptor,
    ReverseManyToOneDescriptor,
    ReverseOneToOneDescriptor,
)
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init

M = TypeVar("M", bound=Model)


class _Reads:
    prepared = True


@contextmanager
def stock_reads() -> Iterator[None]:
    """Within this block `prepared_reads()` is False: the views that read a page by a prepared
    statement (`ModelRows`) read it through the ORM's queryset instead (the reference the tests
    compare the prepared path with)."""
    _Reads.prepared = False
    try:
        yield
    finally:
        _Reads.prepared = True


def prepared_reads() -> bool:
    """Whether views may read through their prepared statements (False inside `stock_reads`)."""
    return _Reads.prepared


_PLACEHOLDER_INTS = itertools.count(-7_316_000_001, -1)


@dataclass(frozen=True)
class _Statement:
    sql: str
    slots: list[str | None]  # per parameter: the placeholder it carries, or None (a constant)
    params: tuple
    converters: tuple  # per column: the backend's and field's from-db conversion, or None


class PreparedQuery:
    """`build(**placeholders)` returns a `values_list` queryset for the values it is given;
    `rows(**values)` runs the SQL the ORM compiled for it, with `values` instead, and returns the
    rows as the ORM would (the backend's and fields' from-db conversions applied).

    Guarantees: the SQL is compiled at most once per database alias (the ORM's own, for that
    database's vendor); every placeholder reaches that SQL as a parameter (checked when compiling:
    a value the ORM inlined into the SQL text or dropped raises ImproperlyConfigured, so the
    statement never runs with a wrong value). Placeholder values are ones no constant of a query
    takes (large negative integers, strings holding NUL characters). Placeholders are `int` or
    `str`; pass values of the same type.
    """

    # Sliced statements kept per query (LIMIT and OFFSET are written into the SQL by the ORM, so
    # each slice is a statement of its own); past this many, the oldest is compiled again if asked.
    MAX_SLICES = 32

    def __init__(self, build: Callable[..., QuerySet], *, ints: tuple[str, ...] = (), strs: tuple[str, ...] = ()):
        self.build = build
        self.placeholders: dict[str, int | str] = {name: next(_PLACEHOLDER_INTS) for name in ints}
        self.placeholders |= {name: f"\x00{name}\x00{next(_PLACEHOLDER_INTS)}" for name in strs}
        self.statements: dict[tuple, _Statement] = {}

    def compile(self, alias: str, limits: tuple[int, int] | None = None) -> _Statement:
        queryset = self.build(**self.placeholders)
        if limits is not None:
            queryset = queryset[limits[0] : limits[1]]
        compiler = queryset.query.get_compiler(alias)
        sql, params = compiler.as_sql()
        by_value = {value: name for name, value in self.placeholders.items()}
        slots = [by_value.get(param) if isinstance(param, int | str) else None for param in params]
        for name, value in self.placeholders.items():
            if name not in slots or str(value) in sql:
                raise ImproperlyConfigured(f"Placeholder {name!r} does not reach the SQL as a parameter: {sql}")
        expressions = [column for column, _, _ in compiler.select]
        found = compiler.get_converters(expressions)
        connection = connections[alias]
        converters = tuple(
            _chain(found[index][0], found[index][1], connection) if index in found else None
            for index in range(len(expressions))
        )
        return _Statement(sql, slots, tuple(params), converters)

    def rows(self, alias: str = "default", *, limits: tuple[int, int] | None = None, **values) -> list[tuple]:
        """The rows for `values`; with `limits` ``(low, high)``, those of ``build(...)[low:high]``
        (its own statement, compiled once for that slice)."""
        if set(values) != set(self.placeholders):
            raise TypeError(f"Expected values for {sorted(self.placeholders)}, got {sorted(values)}")
        key = (alias, limits)
        statement = self.statements.get(key)
        if statement is None:
            sliced = [k for k in self.statements if k[1] is not None] if limits is not None else []
            if len(sliced) >= self.MAX_SLICES:
                del self.statements[sliced[0]]
            statement = self.statements[key] = self.compile(alias, limits)
        bound = [
            values[slot] if slot is not None else param
            for slot, param in zip(statement.slots, statement.params, strict=True)
        ]
        with connections[alias].cursor() as cursor:
            cursor.execute(statement.sql, bound)
            rows = cursor.fetchall()
        converting = [(index, convert) for index, convert in enumerate(statement.converters) if convert is not None]
        if not converting:
            return [tuple(row) for row in rows]
        converted = []
        for row in rows:
            cells = list(row)
            for index, convert in converting:  # only the columns that have a conversion
                cells[index] = convert(cells[index])
            converted.append(tuple(cells))
        return converted


def _chain(funcs, expression, connection):
    if len(funcs) == 1:
        (func,) = funcs
        if _plain_json(func, expression):
            return load_json

        def convert_one(value):
            return func(value, expression, connection)

        return convert_one

    def convert(value):
        for func in funcs:
            value = func(value, expression, connection)
        return value

    return convert


def _plain_json(func, expression) -> bool:
    """Whether `func` is `JSONField.from_db_value` of a field without its own decoder, reading the
    whole column (a key transform may already be a number or a list)."""
    return (
        getattr(func, "__func__", None) is JSONField.from_db_value
        and func.__self__.decoder is None
        and not isinstance(expression, KeyTransform)
    )


_LONG_NUMBER = re.compile(r"\d{19}")


def load_json(value):
    """`JSONField.from_db_value` of a plain JSON column (`_plain_json`), decoding with orjson: the
    same value (a text that is not JSON as itself, None as None). orjson reads an integer beyond
    64 bits as a float, so a text holding 19 digits in a row goes through `json.loads` instead."""
    if value is None:
        return value
    if type(value) is str and _LONG_NUMBER.search(value) is None:
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            pass  # NaN, a lone surrogate …: what json.loads makes of it
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return value


def model_columns(model: type[Model], *related: str) -> list[str]:
    """The `values_list` columns that `model_instance` reads back: `model`'s concrete fields, then
    those of each forward foreign key in `related` (as `select_related` would read them)."""
    columns = [field.attname for field in model._meta.concrete_fields]
    for name in related:
        target = model._meta.get_field(name).related_model
        columns += [f"{name}__{field.attname}" for field in target._meta.concrete_fields]
    return columns


def model_instance(model: type[M], row: tuple, *related: str, alias: str = "default") -> tuple[M, tuple]:
    """The instance of `model` (with its `related` objects attached, no further query for them;
    None for a null foreign key, as `select_related` leaves it) built from the leading columns of
    `row` in `model_columns` order, and the rest of `row`."""
    names = [field.attname for field in model._meta.concrete_fields]
    instance = model.from_db(alias, names, row[: len(names)])
    rest = row[len(names) :]
    for name in related:
        target = model._meta.get_field(name).related_model
        fields = target._meta.concrete_fields
        values = rest[: len(fields)]
        pk_value = values[fields.index(target._meta.pk)]
        related_object = None if pk_value is None else target.from_db(alias, [f.attname for f in fields], values)
        instance._state.fields_cache[name] = related_object
        rest = rest[len(fields) :]
    return instance, rest


_PREFETCHES: dict[tuple[type[Model], str], tuple[PreparedQuery, type[Model], str | None]] = {}


def prefetch(obj: Model, *names: str, alias: str = "default") -> None:
    """`prefetch_related_objects([obj], *names)` for a single object's many-to-many, reverse
    foreign-key and reverse one-to-one relations, each by a statement compiled once per process:
    the same rows in the same order (the related model's default ordering) in the same cache (a
    missing one-to-one row cached as missing, so reading it raises DoesNotExist as before), the
    rows of a reverse relation holding `obj` as their parent. Any other kind of relation takes
    Django's own prefetch."""
    from django.db.models import prefetch_related_objects

    for name in names:
        plan = _PREFETCHES.get((type(obj), name))
        if plan is None:
            plan = _prefetch_plan(type(obj), name)
            if plan is None:
                prefetch_related_objects([obj], name)
                continue
            _PREFETCHES[(type(obj), name)] = plan
        read, target, parent_field = plan
        rows = [model_instance(target, row, alias=alias)[0] for row in read.rows(alias, key=obj.pk)]
        if parent_field is not None:
            for row in rows:
                row._state.fields_cache[parent_field] = obj
        descriptor = getattr(type(obj), name)
        if isinstance(descriptor, ReverseOneToOneDescriptor):
            descriptor.related.set_cached_value(obj, rows[0] if rows else None)
            continue
        queryset = getattr(obj, name).get_queryset()
        queryset._result_cache, queryset._prefetch_done = rows, True
        if not hasattr(obj, "_prefetched_objects_cache"):
            obj._prefetched_objects_cache = {}
        obj._prefetched_objects_cache[name] = queryset  # both relations' cache name is their accessor's


def _prefetch_plan(model: type[Model], name: str):
    descriptor = getattr(model, name, None)
    kinds = {"ints": ("key",)} if has_integer_key(model) else {"strs": ("key",)}
    if isinstance(descriptor, ManyToManyDescriptor) and not descriptor.reverse:
        field = descriptor.field
        target = field.related_model
        lookup = f"{field.related_query_name()}__pk"

        def build(key):
            return target._default_manager.filter(**{lookup: key}).values_list(*model_columns(target))

        return PreparedQuery(build, **kinds), target, None
    if isinstance(descriptor, ReverseOneToOneDescriptor):
        field = descriptor.related.field
    # ManyToManyDescriptor subclasses it: the reverse side of a many-to-many takes Django's prefetch
    elif isinstance(descriptor, ReverseManyToOneDescriptor) and not isinstance(descriptor, ManyToManyDescriptor):
        field = descriptor.field
    else:
        return None
    target = field.model  # the rows that point at `model`

    def build_reverse(key):
        return target._default_manager.filter(**{field.attname: key}).values_list(*model_columns(target))

    return PreparedQuery(build_reverse, **kinds), target, field.name


_INTEGER_KEYS = ("AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField")


def has_integer_key(model: type[Model]) -> bool:
    """Whether `model`'s primary key is an integer (a prepared read binds it as an `int`)."""
    return model._meta.pk.get_internal_type() in _INTEGER_KEYS


# --------------------------------------------------------------------------- instances
_PLAIN_MODELS: dict[type, bool] = {}


def _plain_model(model: type[Model]) -> bool:
    """Whether building an instance of `model` does nothing but store its values: Django's own
    `Model.__init__` and `from_db`, and each concrete field's attribute Django's
    `DeferredAttribute` (no ``__set__``) or `ForeignKeyDeferredAttribute` (whose ``__set__``
    stores the value; it also drops a cached related object, which a new instance has not)."""
    plain = _PLAIN_MODELS.get(model)
    if plain is None:
        plain = _PLAIN_MODELS[model] = (
            model.__init__ is Model.__init__
            and getattr(model.from_db, "__func__", None) is Model.from_db.__func__
            and all(
                type(inspect.getattr_static(model, field.attname, None))
                in (DeferredAttribute, ForeignKeyDeferredAttribute)
                for field in model._meta.concrete_fields
            )
        )
    return plain


def instance_builder(model: type[M]) -> Callable[[str, Sequence[str], Sequence], M]:
    """``build(alias, names, values)``: what ``model.from_db(alias, names, values)`` returns (the
    same attributes and state; the fields not in `names` deferred), for `names` in the order of
    ``model._meta.concrete_fields``. Without `Model.__init__`'s per-field ``setattr`` and its
    signals when nothing could tell the difference (`_plain_model`, and no ``pre_init`` or
    ``post_init`` receiver for `model` now); `model.from_db` itself otherwise."""
    if not _plain_model(model) or pre_init.has_listeners(model) or post_init.has_listeners(model):
        return model.from_db
    new = Model.__new__

    def build(alias: str, names: Sequence[str], values: Sequence) -> M:
        obj = new(model)
        state = ModelState()
        state.adding = False
        state.db = alias
        attributes = obj.__dict__
        attributes["_state"] = state
        attributes.update(zip(names, values, strict=True))
        return obj

    return build


class ModelRows:
    """Instances read from `values_list` rows as a queryset with ``only()`` and ``select_related()``
    builds them: `columns` to pass to ``values_list``, `instances` to turn its rows into objects.

    `fields` names the concrete fields of `model` to read (None: all; the primary key and the
    keys of the `related` fields always),
    `related` maps forward foreign keys or one-to-one fields of `model` to the fields to read of
    the object they point to (None: all). Guarantee: `instances(rows)` equals what the queryset
    ``model.objects.only(...).select_related(*related)`` reading the same rows returns: the
    fields read are the instance's (the rest deferred), each related object (None when its key
    is null) is cached on the instance and, for a one-to-one, the instance on it, as the ORM's
    ``select_related`` does."""

    def __init__(self, model: type[Model], fields: Sequence[str] | None = None, related: dict | None = None):
        self.model = model
        # as ``only()`` with ``select_related()``: the key of each followed relation is read too
        self.names = self._names(model, None if fields is None else [*fields, *(related or {})])
        self.columns = list(self.names)
        self.related = []
        start = len(self.names)
        for name, wanted in (related or {}).items():
            field = model._meta.get_field(name)
            if not (field.many_to_one or field.one_to_one) or field.auto_created:
                raise ImproperlyConfigured(f"{model.__name__}.{name} is not a forward foreign key")
            target = field.related_model
            names = self._names(target, wanted)
            self.columns += [f"{name}__{attname}" for attname in names]
            pk_index = names.index(target._meta.pk.attname)
            self.related.append((field, target, names, start, start + len(names), pk_index))
            start += len(names)

    @staticmethod
    def _names(model: type[Model], fields: Sequence[str] | None) -> list[str]:
        if fields is None:
            return [field.attname for field in model._meta.concrete_fields]
        wanted = {model._meta.get_field(name).attname for name in fields} | {model._meta.pk.attname}
        return [field.attname for field in model._meta.concrete_fields if field.attname in wanted]

    def instances(self, rows: Sequence[Sequence], alias: str = "default") -> list:
        build = instance_builder(self.model)
        names, count = self.names, len(self.names)
        joins = [
            (field, instance_builder(target), target_names, start, end, pk_index)
            for field, target, target_names, start, end, pk_index in self.related
        ]
        found = []
        for row in rows:
            obj = build(alias, names, row[:count])
            for field, build_related, target_names, start, end, pk_index in joins:
                values = row[start:end]
                other = None if values[pk_index] is None else build_related(alias, target_names, values)
                field.set_cached_value(obj, other)
                if other is not None and field.unique:
                    field.remote_field.set_cached_value(other, obj)
            found.append(obj)
        return found
