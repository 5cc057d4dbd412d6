"""Page numbers over lists too long to count on every request.

Guarantees: `BoundedPaginator` counts at most `lookahead` rows past the start of the requested
page, in one ``COUNT(*)`` over a ``LIMIT``-ed subquery, so a page costs the same over 100 rows as
over 1,000,000. When there are more, `exact` is False, `count` is the number of rows known to
exist and `shown_count` says "more than …" (never a made-up total). Every row stays reachable:
the page after the last one counted exists (`has_next`), and from there the lookahead moves on.
A caller that keeps the exact number of rows passes it as `known_count`: no count is run.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

LOOKAHEAD = 10_000


def _queryset(object_list):
    """The queryset behind `object_list` (a django-tables2 `BoundRows` wraps a `TableData`
    that wraps it), or None for a plain sequence."""
    for _ in range(3):
        if isinstance(object_list, QuerySet):
            return object_list
        object_list = getattr(object_list, "data", None)
    return None


class BoundedPaginator(Paginator):
    lookahead = LOOKAHEAD

    def __init__(
        self, object_list, per_page, orphans=0, allow_empty_first_page=True, *, lookahead=None, known_count=None
    ):
        super().__init__(object_list, per_page, orphans=orphans, allow_empty_first_page=allow_empty_first_page)
        self.lookahead = lookahead or self.lookahead
        self.requested = 1
        self.exact = True
        if known_count is not None:  # the exact number of rows, kept by the caller: nothing to count
            self.__dict__["count"] = known_count

    def page(self, number):
        try:
            self.requested = max(1, int(number))
        except (TypeError, ValueError):
            self.requested = 1
        return super().page(number)

    @cached_property
    def count(self) -> int:
        limit = (self.requested - 1) * self.per_page + self.lookahead + 1
        queryset = _queryset(self.object_list)
        counted = queryset.order_by()[:limit].count() if queryset is not None else min(len(self.object_list), limit)
        self.exact = counted < limit
        return counted

    @property
    def shown_count(self) -> str:
        """The total for the page: "1,234", or "more than 10,000" when counting stopped."""
        count = self.count
        return f"{count:,}" if self.exact else f"more than {count - 1:,}"
