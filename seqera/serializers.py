"""A faster read path for the API's response serializers, with DRF's output exactly.

DRF's `Serializer.to_representation` walks ``_readable_fields`` on every object and, per field,
calls `Field.get_attribute` (`rest_framework.fields.get_attribute`: a loop, a Mapping check, an
``is_simple_callable`` check, a try/except) and then the field's `to_representation`. Over a page
of 100 runs of ~40 fields that dispatch is most of the serialization.

`FastRead` builds, once per serializer instance (fields are bound per instance; with
``many=True`` the child is one instance serving every row), a plan of ``(name, getter,
converter)``: for a field whose behaviour it reproduces exactly, a getter that reads the
``source_attrs`` the way `Field.get_attribute` does, and a converter that does what the stock
`to_representation` of CharField, IntegerField, FloatField, BooleanField, ChoiceField,
DateTimeField, DictField, ListField or JSONField does (``int``, ``str``, ``float`` themselves
where that is all DRF does). A field whose class overrides `get_attribute` or `to_representation`
(or what the stock one relies on) keeps its own bound methods: the plan is only ever a shortcut to
what the field would have done. Anything unusual at run time (a naive datetime, a value of an
unexpected type, a missing attribute without a default) is handed to the field's own method.

Guarantee: ``FastRead.to_representation(obj)`` is equal, key order included, to DRF's
`Serializer.to_representation(obj)`; `stock_representation` turns the plan off (tests compare
both). The plan is built from the fields at the first call: a serializer whose fields are
reconfigured after it has serialized something (nobody does) would need a new instance.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework.fields import (
    BooleanField,
    BuiltinSignatureError,
    CharField,
    ChoiceField,
    DateTimeField,
    DictField,
    Field,
    FloatField,
    IntegerField,
    JSONField,
    ListField,
    SkipField,
    _UnvalidatedField,
    empty,
    is_simple_callable,
)
from rest_framework.relations import PKOnlyObject
from rest_framework.settings import api_settings

from seqera.api import BlankAsNull

Getter = Callable[[Any], Any]
Converter = Callable[..., Any]
# (field name, getter, converter, converter wants the row's default timezone)
Step = tuple[str, Getter, Converter, bool]

_FIELD_GET_ATTRIBUTE = Field.get_attribute
_NO_TZ = object()  # a row whose plan needs no timezone


class _State:
    fast = True


@contextmanager
def stock_representation() -> Iterator[None]:
    """Within this block every `FastRead` serializer answers through DRF's own
    `Serializer.to_representation` (the reference the tests compare the plan with)."""
    _State.fast = False
    try:
        yield
    finally:
        _State.fast = True


# --------------------------------------------------------------------------- getters
def _call_if_simple(value: Any, attr: str) -> Any:
    """The callable step of `rest_framework.fields.get_attribute` (may raise BuiltinSignatureError)."""
    if is_simple_callable(value):
        try:
            return value()
        except (AttributeError, KeyError) as exc:
            raise ValueError(
                f'Exception raised in callable attribute "{attr}"; original exception was: {exc}'
            ) from None
    return value


def _missing(field: Field, instance: Any) -> Any:
    """`Field.get_attribute`'s answer to a KeyError or AttributeError while reading the source."""
    if field.default is not empty:
        return field.get_default()
    if field.allow_null:
        return None
    if not field.required:
        raise SkipField()
    return field.get_attribute(instance)  # raises DRF's own error, with its message


def _getter(field: Field) -> Getter | None:
    """A getter equal to ``field.get_attribute``, or None if the field's is not the stock one."""
    if type(field).get_attribute is not _FIELD_GET_ATTRIBUTE:
        return None
    attrs = tuple(field.source_attrs)
    if not attrs:  # source="*"
        return _whole
    if len(attrs) == 1:
        (attr,) = attrs

        def get_one(instance: Any) -> Any:
            try:
                value = instance[attr] if isinstance(instance, Mapping) else getattr(instance, attr)
            except ObjectDoesNotExist:
                return None
            except (KeyError, AttributeError):
                return _missing(field, instance)
            if callable(value):
                try:
                    value = _call_if_simple(value, attr)
                except BuiltinSignatureError:
                    return field.get_attribute(instance)  # DRF's message
            return value

        return get_one

    def get_path(instance: Any) -> Any:
        value = instance
        try:
            for attr in attrs:
                try:
                    value = value[attr] if isinstance(value, Mapping) else getattr(value, attr)
                except ObjectDoesNotExist:
                    return None
                if callable(value):
                    value = _call_if_simple(value, attr)
        except (KeyError, AttributeError):
            return _missing(field, instance)
        except BuiltinSignatureError:
            return field.get_attribute(instance)
        return value

    return get_path


def _whole(instance: Any) -> Any:
    return instance


# --------------------------------------------------------------------------- converters
def _converter(field: Field) -> tuple[Converter, bool] | None:
    """A converter equal to ``field.to_representation`` (for a value that is not None) and whether
    it takes the row's default timezone, or None when the field's is not one reproduced here."""
    if isinstance(field, BlankAsNull) and type(field).to_representation is BlankAsNull.to_representation:
        inner = _stock_converter(field, _after(type(field), BlankAsNull))
        if inner is None:
            return None
        convert, wants_tz = inner
        if wants_tz:
            return None

        def blank_as_null(value: Any) -> Any:
            return convert(value) if value else None

        return blank_as_null, False
    return _stock_converter(field, type(field).to_representation)


def _after(cls: type, mixin: type) -> Any:
    """The `to_representation` that ``super()`` reaches from `mixin` in `cls`'s MRO."""
    mro = cls.__mro__
    for klass in mro[mro.index(mixin) + 1 :]:
        if "to_representation" in klass.__dict__:
            return klass.__dict__["to_representation"]
    return None


def _stock_converter(field: Field, method: Any) -> tuple[Converter, bool] | None:
    if method is IntegerField.to_representation:
        return int, False
    if method is CharField.to_representation:
        return str, False
    if method is FloatField.to_representation:
        return float, False
    if method is _UnvalidatedField.to_representation:
        return _whole, False
    if method is JSONField.to_representation:
        return (_whole, False) if not field.binary else None
    if method is BooleanField.to_representation:
        return _boolean(field)
    if method is ChoiceField.to_representation:
        return _choice(field), False
    if method is DateTimeField.to_representation:
        return _datetime(field)
    if method is ListField.to_representation:
        return _list(field)
    if method is DictField.to_representation:
        return _dict(field)
    return None


def _child(field: Field) -> Converter | None:
    found = _converter(field.child)
    if found is None:
        return field.child.to_representation  # what DRF calls, bound once
    convert, wants_tz = found
    return None if wants_tz else convert


def _list(field: Field) -> tuple[Converter, bool] | None:
    child = _child(field)
    if child is None:
        return None
    if child is _whole:
        return list, False

    def convert(data: Any) -> Any:
        return [child(item) if item is not None else None for item in data]

    return convert, False


def _dict(field: Field) -> tuple[Converter, bool] | None:
    child = _child(field)
    if child is None:
        return None
    if child is _whole:

        def plain(value: Any) -> Any:
            return {str(key): val for key, val in value.items()}

        return plain, False

    def convert(value: Any) -> Any:
        return {str(key): child(val) if val is not None else None for key, val in value.items()}

    return convert, False


def _boolean(field: Field) -> tuple[Converter, bool] | None:
    if (
        getattr(field, "TRUE_VALUES", None) is not BooleanField.TRUE_VALUES
        or getattr(field, "FALSE_VALUES", None) is not BooleanField.FALSE_VALUES
        or type(field)._lower_if_str is not BooleanField._lower_if_str
    ):
        return None
    slow = field.to_representation

    def convert(value: Any) -> Any:
        return value if type(value) is bool else slow(value)

    return convert, False


def _choice(field: Any) -> Converter:
    slow = field.to_representation

    def convert(value: Any) -> Any:
        if type(value) is not str:
            return slow(value)
        if value == "":
            return value
        return field.choice_strings_to_values.get(value, value)

    return convert


def _datetime(field: Any) -> tuple[Converter, bool] | None:
    cls = type(field)
    if cls.enforce_timezone is not DateTimeField.enforce_timezone:
        return None
    own_zone = hasattr(field, "timezone")
    if not own_zone and cls.default_timezone is not DateTimeField.default_timezone:
        return None
    slow = field.to_representation
    own_format = hasattr(field, "format")
    aware_datetime = datetime.datetime

    def convert(value: Any, row_zone: Any = None) -> Any:
        if type(value) is not aware_datetime or value.utcoffset() is None:
            return slow(value)  # naive, a date, a string: DRF's own path
        output_format = field.format if own_format else api_settings.DATETIME_FORMAT
        if output_format is None:
            return value
        zone = field.timezone if own_zone else row_zone
        if zone is None:
            return slow(value)
        try:
            value = value.astimezone(zone)
        except OverflowError:
            return slow(value)  # DRF's "overflow" error
        if output_format.lower() == ISO_8601:
            text = value.isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        return value.strftime(output_format)

    return convert, not own_zone


def _row_zone() -> Any:
    """`DateTimeField.default_timezone`, read once per row instead of once per field."""
    return timezone.get_current_timezone() if settings.USE_TZ else None


# --------------------------------------------------------------------------- the serializer
def _plan(serializer: serializers.Serializer) -> tuple[list[Step], bool]:
    steps: list[Step] = []
    for field in serializer._readable_fields:
        getter = _getter(field) or field.get_attribute
        found = _converter(field)
        convert, wants_tz = found if found is not None else (field.to_representation, False)
        steps.append((field.field_name, getter, convert, wants_tz))
    return steps, any(step[3] for step in steps)


class FastRead:
    """Mixin for read (response) serializers: `to_representation` through a per-instance plan.
    Put it before the DRF base: ``class X(FastRead, serializers.Serializer)``."""

    _fast_plan: tuple[list[Step], bool] | None = None

    def to_representation(self, instance: Any) -> Any:
        if not _State.fast:
            return super().to_representation(instance)  # type: ignore[misc]
        plan = self._fast_plan
        if plan is None:
            plan = self._fast_plan = _plan(self)
        steps, uses_zone = plan
        zone = _row_zone() if uses_zone else _NO_TZ
        ret: dict[str, Any] = {}
        for name, get, convert, wants_tz in steps:
            try:
                attribute = get(instance)
            except SkipField:
                continue
            check_for_none = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            if check_for_none is None:
                ret[name] = None
            elif wants_tz:
                ret[name] = convert(attribute, zone)
            else:
                ret[name] = convert(attribute)
        return ret


class ReadSerializer(FastRead, serializers.Serializer):
    """Base of the API's response serializers (`FastRead`)."""


class ReadModelSerializer(FastRead, serializers.ModelSerializer):
    """Base of the API's response model serializers (`FastRead`)."""
