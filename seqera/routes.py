"""`reverse` with a bounded memory of its answers, for the URLs a page writes per row.

Guarantee: `reverse_cached(name, kwargs)` returns exactly what `django.urls.reverse(name,
kwargs=kwargs)` returns for the same URLconf and script prefix (both are part of the key, so a
request with its own `urlconf` or another SCRIPT_NAME never sees another's URL), and raises what
it raises (errors are not remembered). A list page reverses the same routes for the same rows on
every request: `reverse` walks the resolver's possibilities and quotes every argument each time
(about 25 µs), a remembered answer is a dictionary look-up. At most `MAX_URLS` answers are kept
per process (least recently used go first), so memory stays bounded."""

from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

MAX_URLS = 8192


def reverse_cached(name: str, kwargs: dict[str, object]) -> str:
    items = tuple(kwargs.items())
    try:
        hash(items)
    except TypeError:  # an unhashable argument: nothing to remember it by
        return reverse(name, kwargs=kwargs)
    return _reverse(name, items, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())


@lru_cache(maxsize=MAX_URLS)
def _reverse(name: str, kwargs: tuple[tuple[str, object], ...], urlconf: str, prefix: str) -> str:
    return reverse(name, kwargs=dict(kwargs), urlconf=urlconf)
