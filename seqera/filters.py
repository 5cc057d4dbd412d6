"""Filter bases of every list page (django-filter): `BaseFilterSet` (Bootstrap classes on its
widgets) and `SearchFilterSet`, which adds a free-text `q` over `search_fields`."""

import django_filters
from django import forms
from django.db.models import Q


class BaseFilterSet(django_filters.FilterSet):
    """Filters of a list page, rendered with Bootstrap classes."""

    @property
    def form(self):
        form = super().form
        for field in form.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)
        return form


class SearchFilterSet(BaseFilterSet):
    """A free-text `q` over `search_fields`."""

    search_fields: tuple[str, ...] = ("name",)
    q = django_filters.CharFilter(method="search", label="Search")

    def search(self, queryset, name, value):
        query = Q()
        for field in self.search_fields:
            query |= Q(**{f"{field}__icontains": value.strip()})
        return queryset.filter(query)
