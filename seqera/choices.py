"""Status choices that carry their own badge colour, so a status's look lives with its
definition. Every `StatusChoices` subclass registers its colours and busy states; the status
badge (`{% status_badge status %}`) reads them through `badge_class(status)` and `is_busy(status)`.
A status value shared by two classes must have the same colour in both (checked at import)."""

from django.db import models

_COLOURS: dict[str, str] = {}
_BUSY: set[str] = set()
DEFAULT_COLOUR = "secondary"


class StatusChoices(models.TextChoices):
    """Declare ``colours = nonmember({"AVAILABLE": "success", ...})`` (Bootstrap colour names;
    unlisted values are grey) and ``busy = nonmember({"CREATING", ...})`` (shown with a spinner)."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _register(cls)

    @property
    def colour(self) -> str:
        return _COLOURS.get(self.value, DEFAULT_COLOUR)


def _register(choices: type[StatusChoices]) -> None:
    colours = getattr(choices, "colours", {}) or {}
    values = {member._value_ for member in choices.__members__.values()}  # (`values` is set up later)
    for value, colour in colours.items():
        if value not in values:
            raise ValueError(f"{choices.__qualname__} colours a value it does not have: {value}")
        if _COLOURS.setdefault(value, colour) != colour:
            raise ValueError(f"Status {value} has two colours: {_COLOURS[value]} and {colour}")
    _BUSY.update(getattr(choices, "busy", ()) or ())


def badge_class(status: str) -> str:
    return f"text-bg-{_COLOURS.get(status, DEFAULT_COLOUR)}"


def is_busy(status: str) -> bool:
    return status in _BUSY
