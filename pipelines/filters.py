import datetime

import django_filters
from django import forms
from django.utils import timezone

from pipelines.models import Pipeline, PipelineSecret, Run, RunStatus
from seqera.filters import SearchFilterSet


class PipelineFilter(SearchFilterSet):
    search_fields = ("name", "repository", "description")

    class Meta:
        model = Pipeline
        fields = ("q",)


class SecretFilter(SearchFilterSet):
    search_fields = ("name",)

    class Meta:
        model = PipelineSecret
        fields = ("q",)


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class RunFilter(SearchFilterSet):
    """Runs by status, label, pipeline, user and submission date; `q` searches run and project names.
    Every filter is a condition an index of the runs serves: the label and the pipeline are named
    (no choice list reading every label or pipeline of the workspace), and the dates are a range
    of `submit` (midnight to midnight in the current time zone), not a date computed per row."""

    search_fields = ("run_name", "project_name")
    status = django_filters.ChoiceFilter(choices=RunStatus.choices, empty_label="Any status")
    label = django_filters.CharFilter(method="by_label", label="Label")
    pipeline = django_filters.CharFilter(field_name="pipeline__name", lookup_expr="iexact", label="Pipeline")
    user = django_filters.CharFilter(field_name="user_name", lookup_expr="iexact", label="User")
    after = django_filters.DateFilter(
        method="submitted_from", label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    before = django_filters.DateFilter(
        method="submitted_until", label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = Run
        fields = ("q", "status", "label", "pipeline", "user", "after", "before")

    def by_label(self, queryset, name, value):
        tagged = Run.labels.through.objects.filter(label__name__iexact=value.strip()).values("run_id")
        return queryset.filter(pk__in=tagged)

    def submitted_from(self, queryset, name, value):
        return queryset.filter(submit__gte=_day_start(value))

    def submitted_until(self, queryset, name, value):
        return queryset.filter(submit__lt=_day_start(value + datetime.timedelta(days=1)))
