"""A faster read path for the API's response serializers, with DRF's output exactly.

DRF's `Serializer.to_representation` walks ``_readable_fields`` on every object and, per field,
calls `Field.get_attribute` (`rest_framework.fields.get_attribute`: a loop, a Mapping check, an
``is_simple_callable`` check, a try/except) and then the field's `to_representation`. Over a page
of 100 runs of ~40 fields that dispatch is most of the serialization; and before it, every
request builds (deep-copies and binds) every field of every nested serializer it touches.

`FastRead` keeps, once per serializer CLASS (`class_plan`, built from a prototype instance the
first time the class serializes), a plan of steps ``(name, getter, converter)``: for a field whose
behaviour it reproduces exactly, a getter that reads the ``source_attrs`` the way
`Field.get_attribute` does, and a converter that does what the stock `to_representation` of
CharField, IntegerField, BigIntegerField, FloatField, BooleanField, ChoiceField, DateTimeField,
DictField, ListField or JSONField does (``int``, ``str``, ``float`` themselves where that is all
DRF does). A field whose class overrides `get_attribute` or `to_representation` keeps its own
methods: the plan is only ever a shortcut to what the field would have done. Anything unusual at
run time (a naive datetime, a value of an unexpected type, a missing attribute without a default)
is handed to the field's own method. The steps are written out as one Python function per class
(`_row_factory`), so a row costs no per-field dispatch; a value of exactly the type a ``str``,
``int`` or ``float`` converter returns (``type(value) is str``: no subclass, no lazy object) is
written without the call, as the converter would return it; a nested serializer, ``many=True``
too, answers through its own class's plan.

What may depend on the serializing instance is never taken from the prototype: a
`SerializerMethodField` calls the method of the serializing instance; a field that may read
``self.context``, ``parent`` or ``root`` (any method not reproduced here, unless the class that
defines it declares ``reads_context = False``), and a nested serializer holding one, is a copy of
the prototype's field attached to the serializing instance (`_attach`), made once per serializer
instance (once per list for a ``many=True`` child). A class whose fields may differ between
instances (it overrides ``__init__``, ``get_fields`` … without declaring
``fast_read_class_fields = True``) plans per instance, from its own bound fields.

Guarantee: ``FastRead.to_representation(obj)`` is equal, key order included, to DRF's
`Serializer.to_representation(obj)` (the same value or the same error); `stock_representation`
turns the plans off (tests compare both). The plan is built from the fields at the first call: a
serializer whose fields are reconfigured after it has serialized something (nobody does) would
need a new instance.
"""

from __future__ import annotations

import datetime
import keyword
import threading
import zoneinfo
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, NamedTuple

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework.fields import (
    BigIntegerField,
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
_UTC = datetime.UTC
_ZONE_UTC = zoneinfo.ZoneInfo("UTC")  # Django's zone for TIME_ZONE = "UTC" (ZoneInfo keeps one per key)


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


def _called(field: Field, attr: str, value: Any, instance: Any) -> Any:
    """`Field.get_attribute`'s handling of a callable attribute value."""
    try:
        return _call_if_simple(value, attr)
    except BuiltinSignatureError:
        return field.get_attribute(instance)  # DRF's message


def _missing(field: Field, instance: Any) -> Any:
    """`Field.get_attribute`'s answer to a KeyError or AttributeError while reading the source."""
    if field.default is not empty:
        return field.get_default()
    if field.allow_null:
        return None
    if not field.required:
        raise SkipField()
    return field.get_attribute(instance)  # raises DRF's own error, with its message


_MAPPING_TYPES: dict[type, bool] = {}


def _is_mapping(value: Any) -> bool:
    """``isinstance(value, Mapping)``, remembered per type: the ABC check runs Python code on
    every call (about 0.3 µs; 1,100 calls on a page of 100 runs). A class registered as a Mapping
    after its instances were first serialized would not be seen as one (nobody does that)."""
    kind = type(value)
    found = _MAPPING_TYPES.get(kind)
    if found is None:
        found = _MAPPING_TYPES[kind] = isinstance(value, Mapping)
    return found


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
                value = instance[attr] if _is_mapping(instance) else getattr(instance, attr)
            except ObjectDoesNotExist:
                return None
            except (KeyError, AttributeError):
                return _missing(field, instance)
            if callable(value):
                return _called(field, attr, value, instance)
            return value

        get_one.inline = (attr, field)  # type: ignore[attr-defined]  # `_row_function` reads it in place
        return get_one

    def get_path(instance: Any) -> Any:
        value = instance
        try:
            for attr in attrs:
                try:
                    value = value[attr] if _is_mapping(value) else getattr(value, attr)
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

        blank_as_null.inner = convert  # type: ignore[attr-defined]  # `_step_source` writes it out for str
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
    if method is BigIntegerField.to_representation:
        return _big_integer(field), False
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
        if not _reads_no_context(field.child, "to_representation"):
            return None  # the list field's own to_representation, bound where it lives
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


def _big_integer(field: Field) -> Converter:
    def convert(value: Any) -> Any:
        # as BigIntegerField's (never called with None: the row answers None itself)
        if getattr(field, "coerce_to_string", api_settings.COERCE_BIGINT_TO_STRING):
            return str(value)
        return int(value)

    return convert


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
        if value.tzinfo is _UTC and (zone is _UTC or zone is _ZONE_UTC) and output_format == ISO_8601:
            # a UTC value (PostgreSQL's and SQLite's) for UTC: astimezone would change nothing written
            text = value.isoformat()
            return text[:-6] + "Z"
        try:
            value = value.astimezone(zone)
        except OverflowError:
            return slow(value)  # DRF's "overflow" error
        if output_format.lower() == ISO_8601:
            text = value.isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        return value.strftime(output_format)

    return convert, not own_zone


def _current_zone() -> Any:
    """`DateTimeField.default_timezone`."""
    return timezone.get_current_timezone() if settings.USE_TZ else None


_PASS = threading.local()  # .zone: the zone of the serialization under way in this thread
_UNSET = object()


def _row_zone() -> Any:
    """`DateTimeField.default_timezone`, read once per serialization (`FastRead.to_representation`
    of the root serializer) instead of once per field: Django keeps the current zone in an
    asgiref ``Local`` (about 3 µs a read, 0.3 ms over a page of 100 rows), and nothing a
    serializer does while it writes its answer changes it."""
    zone = getattr(_PASS, "zone", _UNSET)
    return _current_zone() if zone is _UNSET else zone


# --------------------------------------------------------------------------- the serializer
def _owner(cls: type, name: str) -> type | None:
    """The class of `cls`'s MRO that defines `name`."""
    for klass in cls.__mro__:
        if name in klass.__dict__:
            return klass
    return None


def _reads_no_context(field: Field, method: str) -> bool:
    """Whether ``field.<method>`` may be shared by every serializer instance of a class: the class
    that defines it declares ``reads_context = False`` in its own body (it reads only the field's
    construction arguments and the value: not its parent, root, context or request)."""
    owner = _owner(type(field), method)
    return owner is not None and owner.__dict__.get("reads_context", True) is False


def _plan(serializer: serializers.Serializer) -> tuple[list[Step], bool]:
    """The plan of one serializer instance from its own bound fields (for a class whose fields
    may depend on the instance; `class_plan` for the rest)."""
    steps: list[Step] = []
    for field in serializer._readable_fields:
        getter = _getter(field) or field.get_attribute
        found = _converter(field)
        convert, wants_tz = found if found is not None else (field.to_representation, False)
        steps.append((field.field_name, getter, convert, wants_tz))
    return steps, any(step[3] for step in steps)


def _loop_row(steps: list[Step], uses_zone: bool) -> Callable[[Any], dict]:
    """The row function of a per-instance plan: the steps in a loop."""

    def row(instance: Any) -> dict:
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

    return row


# DRF's definitions of what decides a serializer's fields: a class that keeps all of them (or
# declares ``fast_read_class_fields = True`` in the body of the class that overrides one) has the
# same fields in every instance, so its plan can be built once from a prototype instance.
_FIELD_SOURCES = ("__init__", "__new__", "get_fields", "fields", "_readable_fields", "get_field_names")


def _fields_fixed_by_class(cls: type) -> bool:
    for name in _FIELD_SOURCES:
        owner = _owner(cls, name)
        if owner is None or owner.__module__.startswith("rest_framework."):
            continue
        if owner.__dict__.get("fast_read_class_fields") is not True:
            return False
    return True


Binder = Callable[[Any], tuple[Getter, Converter]]


class ClassStep(NamedTuple):
    name: str
    get: Getter
    convert: Converter
    wants_tz: bool
    bind: Binder | None  # None: `get` and `convert` serve every instance
    get_shared: bool  # `get` serves every instance (also when `bind` binds the converter)
    inline: tuple[str, Field] | None  # a single attribute read in the row function itself
    whole_value: bool  # the converter returns its argument: the row function writes the value


_EXACT = {str: "str", int: "int", float: "float"}


def _exact_type(step: ClassStep) -> tuple[str, bool] | None:
    """For a step whose converter is ``str``, ``int`` or ``float`` (or `BlankAsNull` over ``str``):
    the name of that type and whether an empty value is null."""
    if step.whole_value or step.wants_tz:
        return None
    convert = step.convert
    inner = getattr(convert, "inner", None)
    if inner is str:
        return "str", True
    kind = _EXACT.get(convert) if isinstance(convert, type) else None
    return (kind, False) if kind is not None else None


def _step_source(index: int, step: ClassStep) -> list[str]:
    """Lines of the row function for one step: what `_loop_row` does for it, written out (the
    getter `get_one` inlined for a plain attribute)."""
    name = repr(step.name)
    if step.whole_value:
        value = "value"
    elif step.wants_tz:
        value = f"c{index}(value, zone)"
    else:
        value = f"c{index}(value)"
    emit = [
        "if value is None or (isinstance(value, PKOnlyObject) and value.pk is None):",
        f"    ret[{name}] = None",
        "else:",
        f"    ret[{name}] = {value}",
    ]
    exact = _exact_type(step)
    if exact is not None:
        # A value of exactly the type the converter makes (``str``, ``int``, ``float``) is neither
        # None, nor callable, nor a PKOnlyObject, and the converter returns it unchanged (blank as
        # null: None if empty): written without the calls.
        kind, blank = exact
        emit = [
            f"if type(value) is {kind}:",
            f"    ret[{name}] = value or None" if blank else f"    ret[{name}] = value",
            *emit[:1],
            *emit[1:2],
            "else:",
            f"    ret[{name}] = {value}",
        ]
        emit[2] = "el" + emit[2]
    if step.get is _whole and step.get_shared:
        return ["value = instance", *emit]
    if step.inline is not None:
        attr = step.inline[0]
        read = (
            f"instance.{attr}"
            if attr.isidentifier() and not keyword.iskeyword(attr)
            else f"getattr(instance, {attr!r})"
        )
        get = [
            "try:",
            f"    value = instance[{attr!r}] if mapping else {read}",
            "except ObjectDoesNotExist:",
            "    value = None",
            "except (KeyError, AttributeError):",
            f"    value = missing(f{index}, instance)",
            "else:",
            f"    if {'type(value) is not ' + exact[0] + ' and ' if exact is not None else ''}callable(value):",
            f"        value = called(f{index}, {attr!r}, value, instance)",
        ]
    else:
        get = [f"value = g{index}(instance)"]
    return [
        "try:",
        *("    " + line for line in get),
        "except SkipField:",
        "    pass",
        "else:",
        *("    " + line for line in emit),
    ]


def _row_factory(cls: type, steps: list[ClassStep], uses_zone: bool) -> Callable[..., Callable[[Any], dict]]:
    """``factory(g0, c0, g1, c1, ...) -> row``: a function written for this class's steps that
    does, step by step and in order, what `_loop_row` does (the same reads, calls, skips, None
    checks and errors), without the per-step dispatch of a loop. Written and compiled once per
    class; the factory gets each step's getter and converter (bound per instance where the step
    says so)."""
    params = ", ".join(f"g{i}, c{i}" for i in range(len(steps))) or "*_"
    body = []
    if uses_zone:
        body.append("zone = row_zone()")
    if any(step.inline is not None for step in steps):
        body.append("mapping = is_mapping(instance)")
    body.append("ret = {}")
    for index, step in enumerate(steps):
        body.append(f"# {step.name}")
        body.extend(_step_source(index, step))
    body.append("return ret")
    source = "\n".join(
        [
            f"def factory({params}):",
            "    def row(instance):",
            *("        " + line for line in body),
            "    return row",
        ]
    )
    namespace: dict[str, Any] = {
        "is_mapping": _is_mapping,
        "ObjectDoesNotExist": ObjectDoesNotExist,
        "PKOnlyObject": PKOnlyObject,
        "SkipField": SkipField,
        "called": _called,
        "missing": _missing,
        "row_zone": _row_zone,
        **{f"f{i}": step.inline[1] for i, step in enumerate(steps) if step.inline is not None},
    }
    exec(compile(source, f"<FastRead row of {cls.__module__}.{cls.__qualname__}>", "exec"), namespace)  # noqa: S102
    factory = namespace["factory"]
    factory.source = source  # for a reader (and the tests)
    return factory


class ClassPlan:
    """A `FastRead` class's plan, built once per process from a prototype instance (``cls()``).

    A step with ``bind=None`` calls only what gives the same answer whichever instance of the
    class serializes: the plan's own getters and converters, methods of fields declaring
    ``reads_context = False``, and nested serializers whose own plan is shared. Every other step
    (a `SerializerMethodField`, a field that may read ``self.context``/``parent``/``root``, a
    nested serializer with such a step or with its own `to_representation`) has a `bind` that,
    given the serializing instance, returns the getter and converter bound to that instance: the
    method of that very instance, or a copy of the prototype's field attached to it (`_attach`),
    whose context is then the live root's.
    """

    __slots__ = ("steps", "uses_zone", "live", "factory", "shared_row")

    def __init__(self, cls: type, steps: list[ClassStep]) -> None:
        self.steps = steps
        self.uses_zone = any(step.wants_tz for step in steps)
        self.live = any(step.bind is not None for step in steps)
        self.factory = _row_factory(cls, steps, self.uses_zone)
        self.shared_row = None if self.live else self.factory(*self._callables(None))

    def _callables(self, serializer: Any) -> list[Any]:
        args: list[Any] = []
        for step in self.steps:
            args.extend(step.bind(serializer) if step.bind is not None else (step.get, step.convert))
        return args

    def row(self, serializer: Any) -> Callable[[Any], dict]:
        """The row function for `serializer` (an instance of the class)."""
        if self.shared_row is not None:
            return self.shared_row
        return self.factory(*self._callables(serializer))


_CLASS_PLANS: dict[type, ClassPlan | None] = {}


def class_plan(cls: type) -> ClassPlan | None:
    """The `ClassPlan` of a `FastRead` class, or None when its fields may differ between instances
    (or it cannot be built without arguments): such a class plans per instance (`_plan`)."""
    try:
        return _CLASS_PLANS[cls]
    except KeyError:
        pass
    plan = None
    if _fields_fixed_by_class(cls):
        try:
            prototype = cls()
        except Exception:  # noqa: BLE001 (a class that needs arguments plans per instance)
            prototype = None
        if prototype is not None:
            plan = ClassPlan(cls, [_class_step(field) for field in prototype._readable_fields])
    _CLASS_PLANS[cls] = plan
    return plan


def _attach(prototype: Field, parent: Any) -> Any:
    """A copy of a prototype's bound field attached to `parent`: what DRF's own copy of the
    declared field, bound to `parent`, holds (same name, source and arguments), whose ``root`` and
    ``context`` are `parent`'s. Its fields (a nested serializer's) are built afresh when read."""
    field = object.__new__(type(prototype))
    state = prototype.__dict__.copy()
    state.pop("fields", None)  # a cached_property: bound to the prototype
    state.pop("_fast_row", None)
    field.__dict__.update(state)
    field.parent = parent
    child = state.get("child")
    if isinstance(child, Field) and child.parent is prototype:
        field.child = _attach(child, field)
    return field


def _nested_shared(serializer: Any) -> bool:
    """Whether a nested serializer answers the same from the prototype as from a live instance."""
    if isinstance(serializer, serializers.ListSerializer):
        return type(serializer).to_representation is serializers.ListSerializer.to_representation and _nested_shared(
            serializer.child
        )
    if not isinstance(serializer, FastRead):
        return False
    owner = _owner(type(serializer), "to_representation")
    if owner is not FastRead and (owner is None or owner.__dict__.get("reads_context", True) is not False):
        return False
    plan = class_plan(type(serializer))
    return plan is not None and not plan.live


def _nested(prototype: Any) -> Converter:
    def nested(value: Any) -> Any:
        return prototype.to_representation(value)  # looked up per call (a subclass may wrap it)

    return nested


def _class_step(field: Field) -> ClassStep:
    name = field.field_name
    getter = _getter(field)
    if getattr(field.default, "requires_context", False):
        getter = None  # get_default() calls the default with the field (its context)
    get_shared = getter is not None or _reads_no_context(field, "get_attribute")
    inline = getattr(getter, "inline", None)
    if getter is None:
        getter = field.get_attribute
    if get_shared and type(field).to_representation is serializers.SerializerMethodField.to_representation:
        method_name = field.method_name
        shared_getter = getter

        def bind_method(serializer: Any) -> tuple[Getter, Converter]:
            return shared_getter, getattr(serializer, method_name)  # what the field calls on its parent

        return ClassStep(name, getter, field.to_representation, False, bind_method, True, inline, False)
    found = _converter(field)
    convert: Converter | None
    if found is not None:
        convert, wants_tz = found
    elif isinstance(field, serializers.BaseSerializer):
        convert, wants_tz = (_nested(field) if _nested_shared(field) else None), False
    elif _reads_no_context(field, "to_representation"):
        convert, wants_tz = field.to_representation, False
    else:
        convert, wants_tz = None, False
    if get_shared and convert is not None:
        return ClassStep(name, getter, convert, wants_tz, None, True, inline, convert is _whole)
    shared_get = getter if get_shared else None
    shared_convert = convert

    def bind_field(serializer: Any) -> tuple[Getter, Converter]:
        live = _attach(field, serializer)
        return shared_get or live.get_attribute, shared_convert or live.to_representation

    return ClassStep(
        name,
        getter,
        convert or field.to_representation,
        wants_tz,
        bind_field,
        get_shared,
        inline if get_shared else None,
        False,
    )


class FastRead:
    """Mixin for read (response) serializers: `to_representation` through the class's plan
    (`class_plan`, steps bound to this instance where they must be), or a per-instance plan
    for a class whose fields may vary. Put it before the DRF base: ``class X(FastRead, serializers.Serializer)``."""

    _fast_row: Callable[[Any], dict] | None = None

    def to_representation(self, instance: Any) -> Any:
        if not _State.fast:
            return super().to_representation(instance)  # type: ignore[misc]
        row = self._fast_row
        if row is None:
            plan = class_plan(type(self))
            row = self._fast_row = plan.row(self) if plan is not None else _loop_row(*_plan(self))
        if getattr(self, "parent", None) is not None:  # a field of another serializer
            return row(instance)
        outer = getattr(_PASS, "zone", _UNSET)  # a serializer used inside another's answer
        _PASS.zone = _current_zone()
        try:
            return row(instance)
        finally:
            _PASS.zone = outer


class ReadSerializer(FastRead, serializers.Serializer):
    """Base of the API's response serializers (`FastRead`)."""


class ReadModelSerializer(FastRead, serializers.ModelSerializer):
    """Base of the API's response model serializers (`FastRead`)."""
