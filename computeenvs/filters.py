"""The compute-environment list's filters, on the base `SearchFilterSet`."""

import django_filters

from computeenvs.models import ComputeEnv
from computeenvs.options import REGION_LABELS
from seqera.filters import SearchFilterSet

# Every region a compute environment can have (options.validate refuses others), labelled as in
# the form: the region filter offers them without reading the workspace's rows.
REGION_CHOICES = [(code, f"{code} - {name}") for code, name in REGION_LABELS.items()]


class ComputeEnvFilter(SearchFilterSet):
    search_fields = ("name",)
    q = django_filters.CharFilter(method="search", label="Search by name")
    status = django_filters.ChoiceFilter(choices=ComputeEnv.Status.choices, empty_label="Any status")
    mode = django_filters.ChoiceFilter(choices=ComputeEnv.Mode.choices, empty_label="Any mode", label="Config mode")
    region = django_filters.ChoiceFilter(choices=REGION_CHOICES, empty_label="Any region")

    class Meta:
        model = ComputeEnv
        fields = ("q", "status", "region", "mode")
