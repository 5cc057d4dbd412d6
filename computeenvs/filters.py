"""The compute-environment list's filters, on the base `SearchFilterSet`."""

import django_filters

from computeenvs.models import ComputeEnv
from seqera.filters import SearchFilterSet


class ComputeEnvFilter(SearchFilterSet):
    search_fields = ("name",)
    q = django_filters.CharFilter(method="search", label="Search by name")
    status = django_filters.ChoiceFilter(choices=ComputeEnv.Status.choices, empty_label="Any status")
    mode = django_filters.ChoiceFilter(choices=ComputeEnv.Mode.choices, empty_label="Any mode", label="Config mode")
    region = django_filters.ChoiceFilter(choices=(), empty_label="Any region")

    class Meta:
        model = ComputeEnv
        fields = ("q", "status", "region", "mode")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        regions = self.queryset.order_by("region").values_list("region", flat=True).distinct()
        self.filters["region"].extra["choices"] = [(r, r) for r in regions]
