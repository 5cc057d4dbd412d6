"""Filter base of every list page (django-filter): `SearchFilterSet`, a free-text `q` over
`search_fields`, with Bootstrap classes on its widgets."""

import django_filters
from django import forms
from django.db.models import Q


class SearchFilterSet(django_filters.FilterSet):
    """A free-text `q` over `search_fields`."""

    search_fields: tuple[str, ...] = ("name",)
    q = django_filters.CharFilter(method="search", label="Search")

    @property
    def form(self):
        form = super().form
        for field in form.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)
        return form

    def search(self, queryset, name, value):
        query = Q()
        for field in self.search_fields:
            query |= Q(**{f"{field}__icontains": value.strip()})
        return queryset.filter(query)
